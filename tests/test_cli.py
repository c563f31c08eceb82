"""The `qa` commands on imported transcripts (no models), and their help."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from cli import app
from tests.conftest import copy_sqlite, snapshot_sqlite

runner = CliRunner()


def qa(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def imported_db(eval_dir, tmp_path_factory):
    """Five calls imported and scored by `qa import-transcript`, once per module: (their files, the database)."""
    files = sorted((eval_dir / "labeled-dev").glob("ru-dev-00*.json"))[:3] + sorted((eval_dir / "labeled-dev").glob("en-dev-00*.json"))[:2]
    root = tmp_path_factory.mktemp("cli-imported")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QA_HOME", str(root / "home"))
        env.delenv("QA_DB_URL", raising=False)
        result = qa("import-transcript", *map(str, files))
    assert result.exit_code == 0, result.output
    return files, snapshot_sqlite(root / "home" / "qa.db", root / "template.db")


@pytest.fixture
def imported(imported_db, qa_home):
    """A private copy of those five calls' database where the CLI looks for it; their interchange documents."""
    files, template = imported_db
    copy_sqlite(template, qa_home / "qa.db")
    return [json.loads(f.read_text()) for f in files]


def test_calls_json_and_filters(imported):
    rows = json.loads(qa("calls", "--json").stdout)
    assert {r["external_id"] for r in rows} == {c["call_id"] for c in imported}
    operator = imported[0]["operator"]
    mine = json.loads(qa("calls", "--operator", operator, "--json").stdout)
    assert mine and {r["operator_id"] for r in mine} == {operator}
    day = imported[0]["started_at"][:10]
    on_day = json.loads(qa("calls", "--from", day, "--to", day, "--json").stdout)
    assert on_day and all(r["started_at"].startswith(day) for r in on_day)
    assert json.loads(qa("calls", "--status", "failed", "--json").stdout) == []


def test_show_and_export_formats(imported):
    call = imported[0]
    shown = qa("show", call["call_id"])
    assert shown.exit_code == 0
    assert call["utterances"][0]["text"][:20] in shown.stdout
    assert "talk/listen" in shown.stdout

    txt = qa("export", call["call_id"], "--format", "txt").stdout.splitlines()
    assert len(txt) == len(call["utterances"])
    first = call["utterances"][0]
    m, s = divmod(first["start_s"], 60)
    assert txt[0] == f"[{int(m):02d}:{s:04.1f}] {first['role']}: {first['text']}"
    assert all(re.match(r"^\[\d\d:\d\d\.\d\] (agent|customer): ", line) for line in txt)

    rttm = qa("export", call["call_id"], "--format", "rttm").stdout.splitlines()
    assert len(rttm) == len(call["utterances"])
    assert {line.split()[7] for line in rttm} == {"agent", "customer"}

    srt = qa("export", call["call_id"], "-f", "srt").stdout
    assert srt.startswith("1\n00:00:") and " --> " in srt

    data = json.loads(qa("export", call["call_id"], "--format", "json").stdout)  # the interchange format
    assert data["call_id"] == call["call_id"] and data["operator"] == call["operator"]
    assert len(data["utterances"]) == len(call["utterances"])
    detail = json.loads(qa("show", call["call_id"], "--json").stdout)
    assert detail["features"]["roles"][0]["role"] in ("agent", "customer")
    assert detail["scorecards"] and detail["effective"]["total"] == detail["scorecards"][0]["total"]


def test_export_to_file_by_file_name(imported, tmp_path):
    out = tmp_path / "call.txt"
    result = qa("export", f"{imported[1]['call_id']}.json", "-f", "txt", "-o", str(out))
    assert result.exit_code == 0
    assert out.read_text().count("\n") == len(imported[1]["utterances"])


def test_errors_are_one_line_with_exit_code_1(tmp_path):
    result = qa("show", "nope")
    assert result.exit_code == 1
    assert "No call 'nope'" in result.output and "Traceback" not in result.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"call_id": "x", "language": "de", "utterances": []}')
    broken = tmp_path / "broken.json"
    broken.write_text('{"call_id": ')
    result = qa("import-transcript", str(bad), str(broken), "--json")
    assert result.exit_code == 1
    reasons = [r["detail"] for r in json.loads(result.stdout)]
    assert "language 'de' is not one of ru, uk, en" in reasons[0]
    assert "not valid UTF-8 JSON (line 1" in reasons[1]
    assert qa("calls", "--from", "yesterday").exit_code == 1


def test_metadata_csv_errors_name_the_fix(tmp_path):
    csv = tmp_path / "calls.csv"
    csv.write_text("name,operator\nx.wav,op1\n")
    result = qa("process", str(tmp_path), "--metadata", str(csv))
    assert result.exit_code == 1 and "needs a 'file' column" in result.output
    result = qa("process", str(tmp_path), "--name-pattern", "{agent}_{date}")
    assert result.exit_code == 1 and "unknown field {agent}" in result.output


def _transcript_rows(stdout: str) -> dict[int, str]:
    """``#`` -> time of the transcript table's rows in `qa show` output."""
    return {int(m[1]): m[2] for m in re.finditer(r"^\S\s+(\d+)\s+\S\s+(\d\d:\d\d\.\d)\s+\S", stdout, re.MULTILINE)}


def test_show_numbers_utterances_as_review_comment_takes_them(imported):
    from qa.reports.exports import clock

    call = imported[0]
    rows = _transcript_rows(qa("show", call["call_id"]).stdout)
    assert sorted(rows) == list(range(len(call["utterances"])))
    assert all(rows[i] == clock(u["start_s"]) for i, u in enumerate(call["utterances"]))

    opened = qa("review", "open", "--operator", call["operator"], "--reviewer", "lead", "--call", call["call_id"], "--json")
    assert opened.exit_code == 0, opened.output
    session = json.loads(opened.stdout)
    assert session["pick"]["rule"] == "calls" and [c["call_id"] for c in session["calls"]] != []
    sid = str(session["session_id"])
    assert qa("review", "comment", sid, call["call_id"], "here", "--utterance", "2", "--by", "lead").exit_code == 0
    shown = json.loads(qa("review", "show", sid, "--json").stdout)
    comment = shown["comments"][0]
    assert comment["utterance_idx"] == 2 and rows[2] == clock(comment["at_s"])
    assert set(shown["calls"][0]) == {"call_id", "why", "machine_total", "corrected_total"}
    text = qa("review", "show", sid).stdout
    assert "pick by hand: " + call["call_id"] in text and "{'rule'" not in text
    listed = json.loads(qa("review", "list", "--json").stdout)
    assert [r["session_id"] for r in listed] == [session["session_id"]]


def test_review_open_refuses_a_count_below_one(imported):
    result = qa("review", "open", "--operator", imported[0]["operator"], "--reviewer", "lead", "--random", "0")
    assert result.exit_code == 1 and "--random" in result.output and "Traceback" not in result.output
    assert "at least 1" in result.output


def test_limit_zero_is_refused_not_all_rows(imported):
    result = qa("calls", "--limit", "0")
    assert result.exit_code == 2 and "--limit" in result.output
    assert len(json.loads(qa("calls", "--limit", "2", "--json").stdout)) == 2


def test_piped_calls_are_not_cut(imported, tmp_path):
    long_name = "recording-of-a-very-long-file-name-from-the-telephony-export-" + "x" * 80 + ".json"
    copy = tmp_path / long_name
    doc = dict(imported[0], call_id="long-name-call")
    copy.write_text(json.dumps(doc, ensure_ascii=False))
    assert qa("import-transcript", str(copy)).exit_code == 0
    listed = qa("calls").stdout
    rows = json.loads(qa("calls", "--json").stdout)
    assert long_name in listed and "…" not in listed
    assert all(r["call_id"] in listed and r["file_name"] in listed for r in rows)


def test_calls_set_gives_a_call_its_operator_and_time_for_scorecards(eval_dir, tmp_path):
    doc = json.loads((eval_dir / "labeled-dev" / "ru-dev-001.json").read_text())
    for key in ("operator", "started_at"):
        doc.pop(key)
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(doc, ensure_ascii=False))
    assert qa("import-transcript", str(bare)).exit_code == 0
    assert json.loads(qa("scorecard", "--period", "all", "--format", "json").stdout) == []
    result = qa("calls", "set", "ru-dev-001", "--operator", "op-new", "--started-at", "2026-11-02T10:15", "--team", "north", "--by", "lead")
    assert result.exit_code == 0, result.output
    row = json.loads(qa("calls", "--json").stdout)[0]
    assert row["operator_id"] == "op-new" and row["started_at"] == "2026-11-02T10:15:00"
    cards = json.loads(qa("scorecard", "--period", "2026-11", "--format", "json").stdout)
    assert [(c["operator"], c["team"], c["calls"]) for c in cards] == [("op-new", "north", 1)]
    assert "op-new" in qa("scorecard", "--period", "2026-11").stdout
    assert qa("calls", "set", "ru-dev-001", "--by", "lead").exit_code == 1  # nothing to change


def test_listings_print_valid_json(imported, tmp_path):
    from qa.reports.serialize import json_text

    assert json.loads(json_text({"kappa": float("nan"), "at": [float("inf")]})) == {"kappa": None, "at": [None]}
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("call,criterion,verdict\n" + "".join(f"{c['call_id']},greeting,pass\n" for c in imported))
    assert qa("calibrate", "add", "round-1", str(sheet), "--reviewer", "anna").exit_code == 0
    rounds = json.loads(qa("calibrate", "list", "--json").stdout)
    assert [(r["name"], r["reviewers"], r["labels"]) for r in rounds] == [("round-1", ["anna"], len(imported))]
    assert "round-1" in qa("calibrate", "list").stdout
    for args in (("operators",), ("review", "list"), ("learned",), ("rubric", "show")):
        result = qa(*args, "--json")
        assert result.exit_code == 0, result.output
        json.loads(result.stdout)
    rubric = json.loads(qa("rubric", "show", "--json").stdout)
    assert rubric["id"] == "order_desk" and rubric["sections"][0]["criteria"]
