"""The `qa` commands on imported transcripts (no models), and their help."""

from __future__ import annotations

import json
import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from cli import app
from tests.conftest import ROOT

runner = CliRunner()


def qa(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def imported(eval_dir):
    files = sorted((eval_dir / "labeled-dev").glob("ru-dev-00*.json"))[:3] + sorted((eval_dir / "labeled-dev").glob("en-dev-00*.json"))[:2]
    result = qa("import-transcript", *map(str, files))
    assert result.exit_code == 0, result.output
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

    data = json.loads(qa("export", call["call_id"], "--format", "json").stdout)
    assert data["operator"] == call["operator"] and len(data["utterances"]) == len(call["utterances"])
    assert data["features"]["roles"][0]["role"] in ("agent", "customer")


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


def _commands():
    return sorted(get_command(app).commands)


@pytest.mark.parametrize("name", _commands())
def test_every_command_has_help_and_is_in_the_readme(name):
    result = qa(name, "--help")
    assert result.exit_code == 0 and len(result.stdout) > 200
    assert f"qa {name}" in (ROOT / "README.md").read_text()
