"""How far to trust a shopper: their answers beside the machine's checks, and entries that look made up.

* :func:`agreement` — the share of agreement and Cohen's kappa over pairs of labels (yes/no). Kappa corrects the
  share for the agreement two raters reach by chance from how often each says yes: a shopper who ticks "yes"
  everywhere agrees with a machine that passes most calls, and kappa shows that this says little.
* :func:`shopper_vs_machine` — one row per checklist item: the shopper's answer, the machine's (pass → yes,
  fail → no, na → na; None for items only the shopper judges) and whether they agree.
* :func:`suspicious` — entries worth a second look: everything "yes" with a 10 ("all perfect"), and shoppers
  whose mean rating sits far from the other shoppers'.

Pure functions over plain values: the stored entries (dicts) and fresh ``Check``/``Answers`` objects both work.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mystery_shopper.answers import Answers
from mystery_shopper.checks import Check
from mystery_shopper.scenario import Scenario

MACHINE_ANSWER = {"pass": "yes", "fail": "no", "na": "na"}
OUTLIER_Z = 2.0
"""A shopper's mean rating this many standard deviations from the other shoppers' is an outlier (3+ shoppers)."""
OUTLIER_POINTS = 3.0
"""...and so is a mean this many points (of 10) from the other shoppers' mean, however many shoppers there are."""
MIN_SPREAD = 1.0
"""The smallest spread (points) of the others' means used for z: ratings are whole points, so when the other
shoppers all average 8.0 a shopper at 9.0 is no outlier (z = 1), one at 10.0 is (z = 2)."""


@dataclass(frozen=True, slots=True)
class Agreement:
    n: int  # pairs counted (pairs with an "na" left out)
    agree: int
    percent: float | None  # the share of agreeing pairs, 0-1 (as in qa.review.calibration); None when n == 0
    kappa: float | None  # Cohen's kappa; None when n == 0


@dataclass(frozen=True, slots=True)
class ItemComparison:
    item_id: str
    area: str
    shopper: str  # yes | no | na
    machine: str | None  # yes | no | na; None when only the shopper judges the item (or no check was stored)
    agrees: bool | None  # None when either side is na or the machine has no answer


@dataclass(frozen=True, slots=True)
class EntrySummary:
    """What :func:`suspicious` needs of one entry."""

    entry_id: Hashable
    shopper: str
    service_rating: int
    answers: Mapping[str, str]  # item id -> yes | no | na


def agreement(pairs: Sequence[tuple[str, str]]) -> Agreement:
    """Agreement of two raters over categorical labels, one ``(a, b)`` pair per item.

    Pairs where either label is ``na`` are left out here (an item that did not apply says nothing about
    agreement), so callers may pass every pair. Kappa is ``(p_o - p_e) / (1 - p_e)`` with ``p_o`` the observed
    share of agreement and ``p_e`` the agreement expected by chance from each rater's label frequencies; when
    both raters used one and the same label throughout (``p_o = p_e = 1``) kappa is 1.0."""
    kept = [(a, b) for a, b in pairs if a != "na" and b != "na"]
    n = len(kept)
    if n == 0:
        return Agreement(0, 0, None, None)
    agree = sum(a == b for a, b in kept)
    observed = agree / n
    first, second = Counter(a for a, _ in kept), Counter(b for _, b in kept)
    expected = sum(first[label] * second[label] for label in first) / (n * n)
    kappa = 1.0 if expected >= 1.0 else (observed - expected) / (1.0 - expected)
    return Agreement(n, agree, observed, kappa)


def _answer_of(answers: Answers | Mapping[str, Any], item_id: str) -> str:
    """A shopper's answer from an ``Answers`` or a stored entry's ``{id: {"answer": ...}}``."""
    items = answers.items if isinstance(answers, Answers) else answers
    value = items.get(item_id)
    if value is None:
        return "na"
    if isinstance(value, Mapping):
        return str(value.get("answer", "na"))
    return str(getattr(value, "answer", value))


def _machine_of(check: Check | Mapping[str, Any]) -> tuple[str, str]:
    """(item id, verdict value) of a ``Check`` or a stored check dict."""
    if isinstance(check, Check):
        return check.item_id, check.verdict.value
    verdict = check.get("verdict")
    return str(check.get("item_id")), str(getattr(verdict, "value", verdict))


def shopper_vs_machine(scenario: Scenario, answers: Answers | Mapping[str, Any],
                       checks: Sequence[Check | Mapping[str, Any]]) -> list[ItemComparison]:
    """The shopper's answer beside the machine's for every checklist item, in checklist order."""
    machine = {item_id: MACHINE_ANSWER.get(verdict) for item_id, verdict in map(_machine_of, checks)}
    rows = []
    for item in scenario.checklist:
        theirs, ours = _answer_of(answers, item.id), machine.get(item.id)
        comparable = ours is not None and "na" not in (theirs, ours)
        rows.append(ItemComparison(item.id, item.area, theirs, ours, theirs == ours if comparable else None))
    return rows


def _all_perfect(entry: EntrySummary) -> str | None:
    """Every answered item "yes" (na items aside) and a 10: a checklist nobody really filled in, perhaps."""
    answered = [a for a in entry.answers.values() if a != "na"]
    if entry.service_rating == 10 and answered and all(a == "yes" for a in answered):
        return "all perfect: every checklist answer is yes and the service rating is 10"
    return None


def _outliers(entries: Sequence[EntrySummary]) -> dict[str, str]:
    """shopper -> why their mean rating is an outlier against the other shoppers' means."""
    ratings: dict[str, list[int]] = defaultdict(list)
    for e in entries:
        ratings[e.shopper].append(e.service_rating)
    means = {s: statistics.fmean(r) for s, r in ratings.items()}
    flagged: dict[str, str] = {}
    for shopper, mean in means.items():
        others = [m for s, m in means.items() if s != shopper]
        if not others:
            continue
        centre = statistics.fmean(others)
        gap = mean - centre
        z = gap / max(statistics.stdev(others), MIN_SPREAD) if len(others) >= 2 else None
        if abs(gap) >= OUTLIER_POINTS or (len(means) >= 3 and z is not None and abs(z) >= OUTLIER_Z):
            shown = f", z = {z:+.1f}" if z is not None else ""
            flagged[shopper] = (f"rating outlier: {shopper}'s mean rating {mean:.1f} against {centre:.1f} for the "
                                f"other {len(others)} shopper(s){shown}")
    return flagged


def suspicious(entries: Sequence[EntrySummary]) -> dict[Hashable, list[str]]:
    """entry id -> the reasons it is suspicious; entries with none are left out."""
    outliers = _outliers(entries)
    flags: dict[Hashable, list[str]] = {}
    for e in entries:
        reasons = [r for r in (_all_perfect(e), outliers.get(e.shopper)) if r]
        if reasons:
            flags[e.entry_id] = reasons
    return flags


__all__ = ["Agreement", "EntrySummary", "ItemComparison", "MACHINE_ANSWER", "agreement", "shopper_vs_machine", "suspicious"]
