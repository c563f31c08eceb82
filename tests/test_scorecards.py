"""Operator scorecards on a two-month history of imported calls, checked against
figures computed here from the source transcripts and the stored verdicts."""

from __future__ import annotations

import json
from datetime import date
from statistics import mean

import pytest
from typer.testing import CliRunner

from qa.core.types import Verdict
from qa.db import calls as call_store
from qa.db import scores
from qa.db.engine import open_database
from qa.review.periods import Period, parse_period
from qa.review.scorecards import build_report, rank
from tests.history import TEAMS, in_month


@pytest.fixture(scope="module")
def history(history_template, tmp_path_factory):
    """(engine, db url, calls): 44 real dev dialogues as 5 operators' calls in Oct + Nov 2026 (a copy for this module)."""
    url = history_template.copy_sqlite(tmp_path_factory.mktemp("history") / "qa.db")
    engine = open_database(url)
    yield engine, url, history_template.calls
    engine.dispose()


def machine_card(engine, external_id: str):
    return scores.load_scorecards(engine, call_id=call_store.resolve_call(engine, ref=external_id))[0]


def test_period_parsing():
    assert parse_period("2026-11") == Period("2026-11", "month", date(2026, 11, 1), date(2026, 12, 1))
    week = parse_period("2026-W47")
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 23))
    assert parse_period("2026-Q4").start == date(2026, 10, 1) and parse_period("2026-Q4").end == date(2027, 1, 1)
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2026-W01").previous().label == "2025-W52"
    custom = parse_period(None, start=date(2026, 11, 1), end=date(2026, 11, 10))
    assert (custom.end - custom.start).days == 10
    assert custom.previous().start == date(2026, 10, 22) and custom.previous().end == date(2026, 11, 1)
    assert parse_period("month", today=date(2026, 2, 14)).label == "2026-02"
    assert parse_period("all").previous() is None


def test_rank_is_competition_ranking_with_percentiles():
    ranks = rank({"a": 90.0, "b": 70.0, "c": 90.0, "d": None}, higher_is_better=True)
    assert (ranks["a"].rank, ranks["c"].rank, ranks["b"].rank) == (1, 1, 3)
    assert "d" not in ranks and ranks["a"].of == 3
    assert ranks["b"].percentile == pytest.approx(100 / 3, abs=0.1)
    assert rank({"a": 2.0, "b": 5.0}, higher_is_better=False)["a"].rank == 1


def test_scorecard_figures_match_an_independent_count(history):
    engine, _, calls = history
    report = build_report(engine, rubric_id="order_desk", period=parse_period("2026-11"))
    november = in_month(calls, 11)
    assert report.team.calls == len(november) == 22
    assert {c.operator_id for c in report.operators} == set(TEAMS)
    for card in report.operators:
        mine = [c for c in november if c.operator == card.operator_id]
        f = card.now
        assert f.calls == len(mine)
        # outcomes: the machine's order and NPS extraction matches the gold outcome on these calls
        assert f.conversion == pytest.approx(sum(c.order_placed for c in mine) / len(mine))
        answers = [c.nps_score for c in mine if c.nps_score is not None]
        promoters, detractors = sum(n >= 9 for n in answers), sum(n <= 6 for n in answers)
        assert (f.promoters, f.passives, f.detractors) == (promoters, len(answers) - promoters - detractors, detractors)
        if answers:
            assert f.nps == pytest.approx(100 * (promoters - detractors) / len(answers))
        else:
            assert f.nps is None
        assert f.aht_s == pytest.approx(mean(c.duration_s for c in mine))
        cards = [machine_card(engine, c.external_id) for c in mine]
        assert f.score == pytest.approx(mean(c.total for c in cards))
        assert f.critical_failures == sum(c.critical_failed for c in cards)
        for cid, rate, n in f.pass_rates:
            judged = [r.verdict for c in cards for r in c.results if r.criterion_id == cid and r.verdict != Verdict.NA]
            assert n == len(judged)
            assert rate == (pytest.approx(judged.count(Verdict.PASS) / len(judged)) if judged else None)
    # ranks on the score, highest first, ties share a rank
    scores = {c.operator_id: c.now.score for c in report.operators}
    for card in report.operators:
        assert card.ranks["score"].rank == 1 + sum(s > scores[card.operator_id] for s in scores.values())
    # the trend compares with October
    for card in report.operators:
        october = [c for c in in_month(calls, 10) if c.operator == card.operator_id]
        assert card.before.calls == len(october)
        assert card.trend("score") == pytest.approx(card.now.score - mean(machine_card(engine, c.external_id).total for c in october))


def test_team_scorecard_ranks_within_the_team(history):
    engine, _, _ = history
    north = build_report(engine, rubric_id="order_desk", period=parse_period("2026-Q4"), team="north")
    assert {c.operator_id for c in north.operators} == {op for op, team in TEAMS.items() if team == "north"}
    assert all(card.ranks["score"].of == 3 for card in north.operators)
    one = build_report(engine, rubric_id="order_desk", period=parse_period("2026-Q4"), operator_id="op-gleb")
    assert [c.operator_id for c in one.operators] == ["op-gleb"] and one.operators[0].ranks["score"].of == 2


def test_scorecard_cli_exports(history, monkeypatch, tmp_path):
    from cli import app

    _, url, calls = history
    monkeypatch.setenv("QA_DB_URL", url)
    runner = CliRunner()
    result = runner.invoke(app, ["scorecard", "--team", "south", "--period", "2026-11", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["operator"] for r in rows} == {"op-gleb", "op-dina"}
    for row in rows:
        assert {"operator", "calls", "score", "conversion", "nps", "pass_rates", "trend", "rank"} <= set(row)
        assert row["nps"] is None or -100 <= row["nps"] <= 100
        assert set(row["pass_rates"]) >= {"greeting", "farewell"}
    result = runner.invoke(app, ["scorecard", "--from", "2026-10-01", "--to", "2026-11-30", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("operator,name,team,period,calls,score") and len(lines) == 1 + len(TEAMS)
    assert sum(int(line.split(",")[4]) for line in lines[1:]) == len(calls)
    report = tmp_path / "north.html"
    result = runner.invoke(app, ["scorecard", "--team", "north", "--period", "2026-11", "--format", "html", "-o", str(report)])
    assert result.exit_code == 0, result.output
    page = report.read_text()
    assert page.count("<svg") == 2 and "op-anna" in page and "<script src" not in page
    result = runner.invoke(app, ["scorecard", "--operator", "op-nobody"])
    assert result.exit_code == 1 and "unknown operator 'op-nobody'" in result.output
    result = runner.invoke(app, ["scorecard", "--period", "2026-13"])
    assert result.exit_code == 1 and "--period" in result.output
    result = runner.invoke(app, ["scorecard", "--period", "2026-11", "--operator", "op-anna"])
    assert result.exit_code == 0 and "op-anna" in result.output and "greeting" in result.output
