"""Calibrated verdict confidence, needs_review, and the review pick for low-confidence verdicts."""

from __future__ import annotations

from datetime import datetime

import pytest

from qa.core.errors import RubricError
from qa.core.records import CallScore, HumanVerdict
from qa.core.types import CriterionResult, Scorecard, Verdict
from qa.review.sessions import Pick, choose_calls, pick_from_options
from scoring.confidence import UNCALIBRATED, calibration_path, fit, load_confidence
from scoring.rubric import find_rubric, load_rubric

PASS, FAIL = Verdict.PASS, Verdict.FAIL


def test_confidence_is_the_smoothed_share_of_right_verdicts_scaled_by_recognition():
    model = fit([("greeting", PASS, True)] * 30 + [("listening", FAIL, True)] * 5 + [("listening", FAIL, False)] * 5,
                version=1, prior_accuracy=0.9, prior_weight=10, asr_weight=0.5, review_below=0.8)
    assert model.probability("greeting", PASS, 1.0) == pytest.approx((30 + 9) / 40, abs=1e-3)
    assert model.probability("listening", FAIL, 1.0) == pytest.approx((5 + 9) / 20, abs=1e-3)
    assert model.probability("never_seen", PASS, 1.0) == pytest.approx(0.9)  # no evidence: the prior
    assert model.probability("greeting", PASS, 0.25) == pytest.approx((39 / 40) * 0.5, abs=1e-3)
    assert model.probability("greeting", PASS, 0.0) == 0.0  # a criterion that could not decide stays undecided
    assert not model.needs_review(0.8) and model.needs_review(0.79) and model.needs_review(0.0)
    assert UNCALIBRATED.probability("x", PASS, 0.6) == 0.6


def test_shipped_rubric_carries_a_confidence_model_fitted_on_calls_it_was_not_tuned_on():
    rubric = find_rubric("order_desk")
    assert calibration_path(rubric.path).exists() and rubric.confidence.version >= 1
    cells = {(c, v): (n, ok) for c, v, n, ok in rubric.confidence.cells}
    # every criterion of the rubric has counts, and they are not all perfect (calls the rules never saw)
    assert {c.id for c in rubric.criteria} <= {c for c, _ in cells}
    assert sum(ok for n, ok in cells.values()) < sum(n for n, _ in cells.values())


def test_a_rubric_without_a_model_keeps_raw_confidences(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(
        "id: plain\nversion: 1\ntitle: P\nlanguages: [en]\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: long, title: Long, kind: metric.v1, params: {metric: silence_longest_s, max: 5}}\n"
    )
    assert load_rubric(path).confidence is UNCALIBRATED


@pytest.mark.parametrize("body, needle", [
    ("rubric: other\nversion: 1\n", "for rubric 'other'"),
    ("rubric: plain\nversion: 1\ncells: {hi: {pass: {n: 2, correct: 3}}}\n", "correct <= n"),
    ("rubric: plain\nversion: 1\nreview_below: 2\n", "review_below"),
])
def test_a_broken_confidence_model_is_a_rubric_error_with_file_and_line(tmp_path, body, needle):
    (tmp_path / "calibration").mkdir()
    path = tmp_path / "calibration" / "plain.yaml"
    path.write_text(body)
    with pytest.raises(RubricError, match=needle) as info:
        load_confidence(path, "plain")
    assert str(path) in str(info.value)


def _call(call_id: str, *confidences: float) -> CallScore:
    results = tuple(
        CriterionResult(f"c{i}", "s", PASS, "", (), conf, 1.0, False, needs_review=conf < 0.8) for i, conf in enumerate(confidences)
    )
    card = Scorecard("r", 1, "h", "ru", results, (("s", 100.0),), 100.0, False)
    return CallScore(call_id, "op", None, datetime(2026, 11, 1), 60.0, None, None, card)


def test_low_confidence_pick_takes_calls_with_most_unsettled_needs_review_verdicts():
    sure, one, two = _call("sure", 0.95, 0.9), _call("one", 0.5, 0.95), _call("two", 0.7, 0.75)
    settled = HumanVerdict(1, "two", "c0", PASS, "review", "lead", datetime(2026, 11, 2))
    two_settled = CallScore(**{**{f: getattr(two, f) for f in two.__slots__}, "overrides": (settled,)})
    picked = choose_calls([sure, one, two], Pick("uncertain", 5))
    assert [cid for cid, _ in picked] == ["two", "one"] and "c1 (0.75)" in picked[0][1]
    # a verdict a person has already given is settled: "two" keeps one open verdict, ranked after "one" (0.5)
    assert [cid for cid, _ in choose_calls([sure, one, two_settled], Pick("uncertain", 5))] == ["one", "two"]
    assert pick_from_options(random_n=None, seed=None, lowest=None, failed=None, n=5, mystery=None, calls=None,
                             low_confidence=3) == Pick("uncertain", 3)
