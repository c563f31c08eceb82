"""People's verdicts are applied in one place (qa.review.corrections): `qa show`, operator scorecards and
review sessions give the same corrected total, under the critical-fail rule stored with each scorecard,
never today's rubric file."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from qa.core.records import HumanVerdict
from qa.core.types import Verdict
from qa.db.engine import open_database
from qa.pipeline.imports import import_files
from qa.pipeline.rescore import score_stored
from qa.review import sessions as reviews
from qa.review.calls import call_detail
from qa.review.corrections import effective_scorecard
from qa.review.periods import parse_period
from qa.review.scorecards import build_report
from scoring.rubric import RUBRICS_DIR, load_rubric

CURRENT = load_rubric(RUBRICS_DIR / "order_desk.yaml").version
CRITICAL = "no_i_dont_know"  # made critical in the test's copy of order_desk (the shipped file has none critical)


def _rubric_copy(path, *, version: int, zeroes: bool):
    text = (RUBRICS_DIR / "order_desk.yaml").read_text(encoding="utf-8")
    assert text.count("critical: false") == 1 and "critical_zeroes_total: true" in text
    text = text.replace("critical: false", "critical: true").replace(f"version: {CURRENT}", f"version: {version}", 1)
    path.write_text(text.replace("critical_zeroes_total: true", f"critical_zeroes_total: {str(zeroes).lower()}"), encoding="utf-8")
    rubric = load_rubric(path)
    assert next(c for c in rubric.criteria if c.id == CRITICAL).critical and rubric.critical_zeroes_total == zeroes
    return rubric


def _three_views(engine, session, call_id):
    """The corrected total as `qa show`, `qa scorecard --period all` and `qa review show` get it."""
    shown = call_detail(engine, ref=call_id).effective.total
    report = build_report(engine, rubric_id="order_desk", period=parse_period("all"))
    assert report.team.calls == 1
    machine, corrected = reviews.session_scores(engine, reviews.get_session(engine, session.session_id))[call_id]
    return shown, report.team.score, corrected, machine


def test_show_scorecards_and_review_agree_and_past_totals_keep_their_rule(eval_dir, tmp_path):
    rubric_file = tmp_path / "order_desk.yaml"
    rubric = _rubric_copy(rubric_file, version=CURRENT, zeroes=True)
    engine = open_database(f"sqlite:///{tmp_path / 'qa.db'}")
    (result,) = import_files(engine, [eval_dir / "labeled-dev" / "ru-dev-001.json"], rubric=rubric)
    call_id = result.call_id
    detail = call_detail(engine, ref="ru-dev-001")
    machine_card = detail.scorecards[0]
    assert machine_card.critical_zeroes_total is True and machine_card.result(CRITICAL).verdict == Verdict.PASS
    # no verdict corrected yet: only the imported outcome (the order system's word) joins the card
    assert replace(detail.effective, outcome=machine_card.outcome) == machine_card and machine_card.total > 0
    assert dict(detail.effective.outcome)["order_source"] == "order system (imported outcome)"

    operator = detail.stored.metadata.operator_id
    session = reviews.open_session(engine, operator_id=operator, reviewer="lead-olga", rubric_id="order_desk",
                                   pick=reviews.Pick("calls", 1, calls=(call_id,)))
    reviews.override(engine, session_id=session.session_id, call_ref=call_id, criterion_id=CRITICAL, verdict=Verdict.FAIL,
                     author="lead-olga", reason="says «не знаю» at 01:10")
    shown, scorecard, review, machine = _three_views(engine, session, call_id)
    assert shown == scorecard == review == 0.0  # a failed critical criterion zeroes the call
    assert machine == machine_card.total
    corrected = call_detail(engine, ref=call_id)
    assert corrected.effective.critical_failed and [h.criterion_id for h in corrected.human] == [CRITICAL]
    reason = corrected.effective.result(CRITICAL).reason
    assert "lead-olga" in reason and "не знаю" in reason and "machine: pass" in reason

    # today's rubric file says otherwise: the stored totals keep the rule they were scored under
    _rubric_copy(rubric_file, version=CURRENT, zeroes=False)
    assert _three_views(engine, session, call_id)[:3] == (0.0, 0.0, 0.0)

    # a new rubric version that does not zero: its card (the newest) carries its own rule, everywhere alike
    lenient = _rubric_copy(tmp_path / "order_desk_v2.yaml", version=CURRENT + 1, zeroes=False)
    score_stored(engine, [call_id], lenient)
    newest = call_detail(engine, ref=call_id)
    assert [c.rubric_version for c in newest.scorecards] == [CURRENT + 1, CURRENT] and newest.scorecards[0].critical_zeroes_total is False
    shown, scorecard, review, _ = _three_views(engine, session, call_id)
    assert shown == scorecard == review and 0.0 < shown < newest.scorecards[0].total
    engine.dispose()


def _verdict(label_id: int, criterion: str, verdict: Verdict, source: str = "review", author: str = "lead") -> HumanVerdict:
    return HumanVerdict(label_id, "c1", criterion, verdict, source, author, datetime(2026, 11, 20, 10, label_id),
                        reason=f"reason {label_id}", machine_verdict="pass")


def test_effective_scorecard_newest_human_verdict_wins_and_calibration_never_counts(eval_dir, tmp_path):
    rubric = _rubric_copy(tmp_path / "order_desk.yaml", version=CURRENT, zeroes=False)
    engine = open_database(f"sqlite:///{tmp_path / 'qa.db'}")
    import_files(engine, [eval_dir / "labeled-dev" / "ru-dev-001.json"], rubric=rubric)
    card = call_detail(engine, ref="ru-dev-001").scorecards[0]
    engine.dispose()
    assert effective_scorecard(card, []) is card
    assert effective_scorecard(card, [_verdict(1, "greeting", Verdict.FAIL, source="calibration")]) is card
    out = effective_scorecard(card, [_verdict(2, "greeting", Verdict.NA), _verdict(1, "greeting", Verdict.FAIL)])
    assert out.result("greeting").verdict == Verdict.NA and out.result("greeting").confidence == 1.0
    assert out.result("greeting").reason.startswith("review by lead: reason 2 (machine: pass")
    failed = effective_scorecard(card, [_verdict(3, CRITICAL, Verdict.FAIL, source="dispute")])
    assert failed.critical_failed and failed.total is not None and failed.total > 0  # this card's rule: no zeroing
    assert card.result(CRITICAL).verdict == Verdict.PASS  # the machine's card is untouched
    with pytest.raises(AttributeError):
        card.total = 1.0  # frozen
