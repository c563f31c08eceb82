"""Calibration on two simulated reviewers with known disagreements."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from qa.core.errors import ConfigError, NotFound
from qa.core.types import Verdict
from qa.db import calls as call_store
from qa.db import scores
from qa.db.engine import open_database
from qa.review.calibration import (
    add_sheet,
    agreement,
    build_report,
    list_rounds,
    read_sheet,
)

# reviewer A and B on ten calls: B flips call 5 (pass -> fail) and call 10 (fail -> pass) on greeting
A_GREETING = ["pass"] * 5 + ["fail"] * 5
B_GREETING = ["pass"] * 4 + ["fail"] * 5 + ["pass"]
# on farewell they agree on every call
FAREWELL = ["pass", "fail"] * 5


def hand_kappa(a: list[str], b: list[str]) -> float:
    """Cohen's kappa from its definition: (observed - chance agreement) / (1 - chance agreement)."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    chance = sum((a.count(v) / n) * (b.count(v) / n) for v in set(a) | set(b))
    return (observed - chance) / (1 - chance)


def test_kappa_matches_its_definition():
    k = agreement(A_GREETING, B_GREETING, "greeting", "a", "b")
    assert k.percent == 0.8 and k.n == 10
    assert hand_kappa(A_GREETING, B_GREETING) == pytest.approx(0.6)
    assert k.kappa == pytest.approx(0.6)
    three = (["pass", "fail", "na", "pass", "fail", "na"], ["pass", "fail", "na", "fail", "fail", "pass"])
    assert agreement(*three, "x", "a", "b").kappa == pytest.approx(hand_kappa(*three))
    assert agreement(["pass"] * 3, ["pass"] * 3, "x", "a", "b").kappa is None  # 0/0: undefined, not 1


def test_calibration_round_two_reviewers_and_the_machine(history_template, tmp_path, qa_home):
    """Ten calls of a private copy of the shared history (tests/conftest.py: imported and scored), where the CLI
    looks for its database."""
    files = sorted(history_template.json_dir.glob("*.json"))[:10]
    engine = open_database(history_template.copy_sqlite(qa_home / "qa.db"))
    ids = [json.loads(f.read_text())["call_id"] for f in files]
    # reviewer A writes a long sheet, reviewer B a wide one
    sheet_a = tmp_path / "anna.csv"
    with sheet_a.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["call", "criterion", "verdict"])
        for cid, g, f in zip(ids, A_GREETING, FAREWELL):
            w.writerows([[cid, "greeting", g], [cid, "farewell", f]])
    sheet_b = tmp_path / "boris.csv"
    with sheet_b.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["call", "greeting", "farewell"])
        w.writerows([cid, g, f] for cid, g, f in zip(ids, B_GREETING, FAREWELL))

    from cli import app

    runner = CliRunner()
    for reviewer, sheet in (("anna", sheet_a), ("boris", sheet_b)):
        result = runner.invoke(app, ["calibrate", "add", "nov-round", str(sheet), "--reviewer", reviewer])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["calibrate", "report", "nov-round", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by = {(a["criterion"], tuple(a["raters"])): a for a in data["agreement"]}
    assert by[("greeting", ("anna", "boris"))]["kappa"] == pytest.approx(0.6)
    assert by[("greeting", ("anna", "boris"))]["percent"] == 80.0
    assert by[("farewell", ("anna", "boris"))]["kappa"] == pytest.approx(1.0)
    both = A_GREETING + FAREWELL, B_GREETING + FAREWELL
    assert by[("all", ("anna", "boris"))]["kappa"] == pytest.approx(hand_kappa(*both), abs=1e-3)

    # each reviewer against the machine's verdicts on the same calls
    machine = {cid: scores.load_scorecards(engine, call_id=call_store.resolve_call(engine, ref=cid))[0] for cid in ids}
    machine_greeting = [machine[cid].result("greeting").verdict.value for cid in ids]
    anna_vs_machine = by[("greeting", ("anna", "machine"))]
    assert anna_vs_machine["percent"] == pytest.approx(100 * sum(a == m for a, m in zip(A_GREETING, machine_greeting)) / 10, abs=0.1)
    if len(set(A_GREETING) | set(machine_greeting)) > 1:
        assert anna_vs_machine["kappa"] == pytest.approx(hand_kappa(A_GREETING, machine_greeting), abs=1e-3)

    # the two calls the reviewers split on are listed among the largest disagreements
    split_calls = {call_store.resolve_call(engine, ref=ids[4]), call_store.resolve_call(engine, ref=ids[9])}
    listed = {d["call"]: d for d in data["largest_disagreements"]}
    assert split_calls <= set(listed)
    for call_id in split_calls:
        assert listed[call_id]["criteria"]["greeting"]["anna"] != listed[call_id]["criteria"]["greeting"]["boris"]

    # a reviewer's corrected sheet supersedes their earlier verdicts
    sheet_b.write_text("call,greeting\n" + "\n".join(f"{cid},{g}" for cid, g in zip(ids, A_GREETING)) + "\n")
    assert runner.invoke(app, ["calibrate", "add", "nov-round", str(sheet_b), "--reviewer", "boris"]).exit_code == 0
    report = build_report(engine, round_name="nov-round", rubric_id="order_desk")
    again = {(a.criterion_id, a.rater_a, a.rater_b): a for a in report.agreements}
    assert again[("greeting", "anna", "boris")].percent == 1.0


def test_bad_calibration_sheets_say_what_to_fix(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("call,greeting\nabc,maybe\n")
    with pytest.raises(ConfigError, match=r"bad.csv:2: verdict 'maybe' for greeting must be pass, fail or na"):
        read_sheet(bad)
    bad.write_text("id,greeting\nabc,pass\n")
    with pytest.raises(ConfigError, match="needs a 'call' column"):
        read_sheet(bad)
    # a criterion the rubric does not have: file:line and the criteria it has
    known = ["farewell", "greeting"]
    bad.write_text("call,criterion,verdict\nabc,greeting,pass\nabc,greting,fail\n")
    with pytest.raises(ConfigError, match=r"bad.csv:3: unknown criterion 'greting'; the rubric's criteria are: farewell, greeting"):
        read_sheet(bad, known)
    bad.write_text("call,greeting,politeness\nabc,pass,fail\n")
    with pytest.raises(ConfigError, match=r"bad.csv:1: unknown criterion 'politeness'"):
        read_sheet(bad, known)
    assert read_sheet(bad) == [("abc", "greeting", Verdict.PASS), ("abc", "politeness", Verdict.FAIL)]  # unchecked


def test_calibration_refuses_unknown_criteria_and_names_the_command(history_template, tmp_path):
    files = sorted(history_template.json_dir.glob("*.json"))[:2]
    engine = open_database(history_template.copy_sqlite(tmp_path / "qa.db"))
    ids = [json.loads(f.read_text())["call_id"] for f in files]
    sheet = tmp_path / "olga.csv"
    sheet.write_text(f"call,greeting,nps_qestion\n{ids[0]},pass,fail\n")
    with pytest.raises(ConfigError, match=r"olga.csv:1: unknown criterion 'nps_qestion'; the rubric's criteria are: .*nps_question"):
        add_sheet(engine, round_name="r1", reviewer="olga", rubric_id="order_desk", path=sheet)
    assert list_rounds(engine) == []  # nothing stored, no round opened
    with pytest.raises(NotFound, match=r"`qa calibrate add r1 SHEET.csv --reviewer R` starts one"):
        build_report(engine, round_name="r1", rubric_id="order_desk")
    sheet.write_text(f"call,greeting,nps_question\n{ids[0]},pass,fail\n{ids[1]},fail,fail\n")
    assert add_sheet(engine, round_name="r1", reviewer="olga", rubric_id="order_desk", path=sheet) == 4
    assert add_sheet(engine, round_name="r1", reviewer="anna", rubric_id="order_desk", path=sheet, criteria=["greeting", "nps_question"]) == 4
    (info,) = list_rounds(engine)
    assert (info.name, info.rubric_id, info.reviewers, info.labels) == ("r1", "order_desk", ("anna", "olga"), 8)
    engine.dispose()
