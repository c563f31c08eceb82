"""How people correct the machine: THE one place human verdicts are applied to a scorecard.

A review override or an overturned dispute replaces the machine's verdict of one criterion (the newest
human verdict per criterion wins; calibration and imported gold labels never change a scorecard). The
reason names who changed it and why and keeps the machine's verdict; the section scores and the total
are recomputed with :func:`scoring.score.totals` under the critical-fail rule stored with the card
(``card.critical_zeroes_total``), never today's rubric file.

The order outcome follows the same order of trust: a reviewer's correction, then the order system (metadata
``order_placed``, an imported outcome), then the detector (:func:`effective_outcome`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qa.core.records import HumanVerdict, OrderTruth
from qa.core.types import Scorecard

APPLIED_SOURCES = ("review", "dispute")


def current_verdicts(overrides: Sequence[HumanVerdict]) -> dict[str, HumanVerdict]:
    """criterion id -> the newest applicable human verdict (reviews and disputes; newest = highest label id)."""
    out: dict[str, HumanVerdict] = {}
    for h in sorted(overrides, key=lambda h: (h.label_id, h.created_at)):
        if h.source in APPLIED_SOURCES:
            out[h.criterion_id] = h
    return out


def effective_outcome(card: Scorecard, truth: OrderTruth | None) -> Scorecard:
    """The outcome with the order system's (or a reviewer's) word on ``order_placed`` over the detector's: then
    ``order_source`` says whose it is, ``order_detected`` keeps the detector's, and ``order_disagrees`` flags
    a call where they differ (its order-dependent verdicts deserve a look)."""
    if truth is None:
        return card
    outcome = dict(card.outcome)
    detected = outcome.get("order_placed")
    outcome |= {"order_placed": truth.placed, "order_source": truth.source, "order_detected": detected,
                "order_disagrees": detected is not None and bool(detected) != truth.placed}
    return replace(card, outcome=tuple(outcome.items()))


def effective_scorecard(card: Scorecard, overrides: Sequence[HumanVerdict], truth: OrderTruth | None = None) -> Scorecard:
    """The scorecard as people (and the order system) corrected it; without either, the card as stored."""
    from scoring.score import totals

    card = effective_outcome(card, truth)
    by_criterion = current_verdicts(overrides)
    if not any(r.criterion_id in by_criterion for r in card.results):
        return card
    results = tuple(
        replace(r, verdict=h.verdict, confidence=1.0,
                reason=f"{h.source} by {h.author or 'unknown'}: {h.reason or 'no reason given'} "
                       f"(machine: {r.verdict.value}, {r.reason})")
        if (h := by_criterion.get(r.criterion_id)) is not None else r
        for r in card.results
    )
    sections, total, critical = totals(results, [sid for sid, _ in card.section_scores], card.critical_zeroes_total)
    return replace(card, results=results, section_scores=sections, total=total, critical_failed=critical)
