"""`qa eval`: score labeled transcripts and compare with their gold labels."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qa.imports import read_interchange
from qa.types import Scorecard
from scoring.rubric import Rubric
from scoring.score import score

VERDICTS = ("pass", "fail", "na")


@dataclass(frozen=True, slots=True)
class CriterionReport:
    criterion_id: str
    n: int
    accuracy: float
    precision: float
    recall: float
    f1: float
    confusion: dict[str, dict[str, int]]  # gold -> predicted -> count
    errors: tuple[tuple[str, str, str, str], ...]  # (call, gold, predicted, reason)


def _macro(gold: list[str], pred: list[str]) -> tuple[float, float, float]:
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold) | set(pred))
    p, r, f, _ = precision_recall_fscore_support(gold, pred, labels=labels, average="macro", zero_division=0)
    return float(p), float(r), float(f)


def evaluate_labeled(files: list[Path], rubric: Rubric) -> tuple[dict[str, CriterionReport], list[tuple[str, Scorecard]]]:
    gold: dict[str, list[tuple[str, str, str, str]]] = {}
    cards = []
    for path in files:
        call = read_interchange(path)
        card = score(call.transcript, call.features, rubric)
        cards.append((call.external_id, card))
        labels = dict(call.labels)
        for r in card.results:
            if r.criterion_id in labels:
                gold.setdefault(r.criterion_id, []).append((call.external_id, labels[r.criterion_id], r.verdict.value, r.reason))
    reports = {}
    for cid, rows in gold.items():
        g = [x[1] for x in rows]
        p = [x[2] for x in rows]
        precision, recall, f1 = _macro(g, p)
        confusion = {a: dict(Counter(pp for gg, pp in zip(g, p) if gg == a)) for a in VERDICTS}
        reports[cid] = CriterionReport(
            cid, len(rows), sum(a == b for a, b in zip(g, p)) / len(rows), precision, recall, f1, confusion,
            tuple(r for r in rows if r[1] != r[2]),
        )
    return reports, cards
