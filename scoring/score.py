"""Stage 5 (pure): score(transcript, features, rubric) -> Scorecard."""

from __future__ import annotations

from qa.core.types import CallFeatures, CriterionResult, Scorecard, Transcript, Verdict
from scoring.context import CallContext
from scoring.rubric import Rubric
from scoring.text import analyse

OUTCOME_KEYS = ("order_placed", "order_status", "order_confidence", "order_events", "nps_score", "service_rating")
"""What criteria learn about the call (``call.events``) and the scorecard keeps: the order lifecycle
(scoring/events.py), the NPS answer and a service rating."""


def score(transcript: Transcript, features: CallFeatures | None, rubric: Rubric) -> Scorecard:
    language = transcript.language if transcript.language in rubric.languages else rubric.languages[0]
    call = CallContext(text=analyse(transcript.utterances, language), features=features)
    results: list[CriterionResult] = []
    for c in rubric.criteria:
        j = c.evaluator.evaluate(call, c.params)
        confidence = rubric.confidence.probability(c.id, j.verdict, j.confidence)
        results.append(CriterionResult(
            c.id, c.section_id, j.verdict, j.reason, j.evidence, confidence, c.weight, c.critical,
            needs_review=rubric.confidence.needs_review(confidence),
        ))
    sections, total, critical = totals(results, [sid for sid, _ in rubric.sections], rubric.critical_zeroes_total)
    # criteria record what they learn about the call's outcome in call.events
    outcome = [(key, call.events.get(key)) for key in OUTCOME_KEYS]
    return Scorecard(
        rubric_id=rubric.id, rubric_version=rubric.version, rubric_hash=rubric.sha256, language=language,
        results=tuple(results), section_scores=tuple(sections), total=total, critical_failed=critical,
        critical_zeroes_total=rubric.critical_zeroes_total, outcome=tuple(outcome),
    )


def totals(
    results: list[CriterionResult] | tuple[CriterionResult, ...], section_ids: list[str], critical_zeroes_total: bool,
) -> tuple[tuple[tuple[str, float | None], ...], float | None, bool]:
    """Section scores, total and the critical flag: weighted share of passed
    criteria (n/a left out); a failed critical criterion zeroes the total if the rubric says so."""
    sections = tuple((sid, _percent([r for r in results if r.section_id == sid])) for sid in section_ids)
    critical = any(r.critical and r.verdict == Verdict.FAIL for r in results)
    total = _percent(list(results))
    if critical and critical_zeroes_total:
        total = 0.0
    return sections, total, critical


def _percent(results: list[CriterionResult]) -> float | None:
    weighted = [(r.weight, r.verdict == Verdict.PASS) for r in results if r.verdict != Verdict.NA and r.weight > 0]
    total = sum(w for w, _ in weighted)
    return round(100 * sum(w for w, ok in weighted if ok) / total, 1) if total else None
