"""Calibration: several reviewers score the same calls blind; how far do they agree
with each other, and with the machine? Percent agreement and Cohen's kappa
(scikit-learn) per criterion, and the calls they disagree on most.

Reviewers' verdicts come in as CSV sheets, one per reviewer and round, either
long (``call,criterion,verdict``) or wide (``call`` plus one column per criterion).
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from sqlalchemy.engine import Engine

from qa.core.errors import ConfigError, NotFound
from qa.core.records import CalibrationRoundInfo
from qa.core.types import Verdict
from qa.db import calls as call_store
from qa.db import human, scores

MACHINE = "machine"


def read_sheet(path: Path, criteria: Collection[str] | None = None) -> list[tuple[str, str, Verdict]]:
    """(call ref, criterion, verdict) rows of a reviewer's CSV; errors name the file and line.
    ``criteria``: the rubric's criterion ids; any other criterion is refused."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the calibration sheet ({exc.strerror})") from exc
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    if "call" not in columns:
        raise ConfigError(f"{path}: a calibration sheet needs a 'call' column, plus 'criterion' and 'verdict' "
                          "columns or one column per criterion id")
    long = "criterion" in columns and "verdict" in columns
    known = sorted(criteria) if criteria is not None else None

    def check(criterion: str, line: int) -> None:
        if known is not None and criterion not in known:
            raise ConfigError(f"{path}:{line}: unknown criterion {criterion!r}; the rubric's criteria are: {', '.join(known)}")

    if not long and known is not None:
        for column in columns:
            if column and column != "call":
                check(column, 1)
    rows = []
    for line, raw in enumerate(reader, start=2):
        extra = [v for v in raw.get(None) or [] if v and v.strip()]  # fields past the header (a trailing comma: empty)
        if extra:
            raise ConfigError(f"{path}:{line}: {len(extra)} more value(s) than the header has columns ({', '.join(extra[:3])})")
        row = {k.strip().lower(): (v or "").strip().lower() for k, v in raw.items() if isinstance(k, str)}
        if not row.get("call"):
            continue
        pairs = [(row["criterion"], row["verdict"])] if long else [(k, v) for k, v in row.items() if k != "call" and v]
        for criterion, value in pairs:
            check(criterion, line)
            try:
                rows.append((row["call"], criterion, Verdict(value)))
            except ValueError:
                raise ConfigError(f"{path}:{line}: verdict {value!r} for {criterion} must be pass, fail or na") from None
    if not rows:
        raise ConfigError(f"{path}: no verdicts found")
    return rows


def rubric_criteria(engine: Engine, rubric_id: str) -> list[str]:
    """The criterion ids of a rubric: from its stored scorecards, else from its file in rubrics/."""
    stored = scores.rubric_criteria(engine, rubric_id=rubric_id)
    if stored:
        return stored
    from scoring.rubric import find_rubric

    return [c.id for c in find_rubric(rubric_id).criteria]


def add_sheet(
    engine: Engine, *, round_name: str, reviewer: str, rubric_id: str, path: Path, criteria: Collection[str] | None = None,
) -> int:
    """Store one reviewer's blind verdicts in a calibration round (created on first use).
    ``criteria``: the rubric's criterion ids (default: those of ``rubric_id``); others are refused with file:line."""
    rows = read_sheet(path, criteria if criteria is not None else rubric_criteria(engine, rubric_id))
    resolved = [(call_store.resolve_call(engine, ref=ref), criterion, verdict) for ref, criterion, verdict in rows]
    calibration_id = human.calibration_round(engine, name=round_name, rubric_id=rubric_id, create=True)
    return human.add_calibration_labels(engine, calibration_id=calibration_id, reviewer=reviewer, labels=resolved)


def list_rounds(engine: Engine) -> list[CalibrationRoundInfo]:
    """Every calibration round, oldest first, with its reviewers and how many verdicts they gave."""
    return human.list_calibration_rounds(engine)


@dataclass(frozen=True, slots=True)
class Agreement:
    criterion_id: str  # or "all"
    rater_a: str
    rater_b: str
    n: int  # calls both rated
    percent: float | None
    kappa: float | None  # None when undefined (both raters gave one and the same verdict throughout)


@dataclass(frozen=True, slots=True)
class Disagreement:
    call_id: str
    split: int  # how many (criterion, pair of raters) disagree on this call
    details: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # criterion -> ((rater, verdict), ...)


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    round_name: str
    raters: tuple[str, ...]
    agreements: tuple[Agreement, ...]
    disagreements: tuple[Disagreement, ...]


def agreement(a: list[str], b: list[str], criterion_id: str, rater_a: str, rater_b: str) -> Agreement:
    from sklearn.metrics import cohen_kappa_score

    if not a:
        return Agreement(criterion_id, rater_a, rater_b, 0, None, None)
    percent = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
    if len(set(a) | set(b)) == 1:
        kappa = None  # chance agreement is 1: kappa is 0/0
    else:
        kappa = float(cohen_kappa_score(a, b))
        kappa = None if math.isnan(kappa) else kappa
    return Agreement(criterion_id, rater_a, rater_b, len(a), percent, kappa)


def build_report(engine: Engine, *, round_name: str, rubric_id: str, worst: int = 10) -> CalibrationReport:
    calibration_id = human.calibration_round(engine, name=round_name, rubric_id=rubric_id)
    labels = human.calibration_labels(engine, calibration_id=calibration_id)
    if not labels:
        raise NotFound(f"calibration round {round_name!r} has no verdicts yet")
    ratings: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)  # rater -> (call, criterion) -> verdict
    for h in labels:
        ratings[h.author or "unknown"][(h.call_id, h.criterion_id)] = h.verdict.value
    calls = sorted({h.call_id for h in labels})
    for c in scores.call_scores(engine, rubric_id=rubric_id, call_ids=calls, include_superseded=True):
        for r in c.card.results:
            ratings[MACHINE][(c.call_id, r.criterion_id)] = r.verdict.value
    people = sorted(r for r in ratings if r != MACHINE)
    raters = tuple(people + ([MACHINE] if MACHINE in ratings else []))
    criteria = sorted({h.criterion_id for h in labels})
    pairs = list(combinations(people, 2)) + [(p, MACHINE) for p in people if MACHINE in ratings]
    out = []
    for a, b in pairs:
        for criterion in [*criteria, "all"]:
            keys = sorted(k for k in ratings[a] if k in ratings[b] and (criterion == "all" and k[1] in criteria or k[1] == criterion))
            out.append(agreement([ratings[a][k] for k in keys], [ratings[b][k] for k in keys], criterion, a, b))
    splits = []
    for call_id in calls:
        split, details = 0, []
        for criterion in criteria:
            given = [(r, ratings[r][(call_id, criterion)]) for r in raters if (call_id, criterion) in ratings[r]]
            n = sum(x != y for (_, x), (_, y) in combinations(given, 2))
            if n:
                split += n
                details.append((criterion, tuple(given)))
        if split:
            splits.append(Disagreement(call_id, split, tuple(details)))
    splits.sort(key=lambda d: (-d.split, d.call_id))
    return CalibrationReport(round_name, raters, tuple(out), tuple(splits[:worst]))


