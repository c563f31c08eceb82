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


def macro_scores(gold: list[str], pred: list[str]) -> tuple[float, float, float]:
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold) | set(pred))
    p, r, f, _ = precision_recall_fscore_support(gold, pred, labels=labels, average="macro", zero_division=0)
    return float(p), float(r), float(f)


def evaluate_labeled(files: list[Path], rubric: Rubric) -> tuple[dict[str, CriterionReport], list[tuple[str, Scorecard]]]:
    """Score typed transcripts in the interchange format and compare with their labels."""
    scored = []
    for path in files:
        call = read_interchange(path)
        scored.append((call.external_id, dict(call.labels), score(call.transcript, call.features, rubric)))
    return compare(scored), [(cid, card) for cid, _, card in scored]


def compare(scored: list[tuple[str, dict[str, str], Scorecard]]) -> dict[str, CriterionReport]:
    """Per-criterion accuracy, macro precision/recall/F1 and confusion against gold labels."""
    gold: dict[str, list[tuple[str, str, str, str]]] = {}
    for call_id, labels, card in scored:
        for r in card.results:
            if r.criterion_id in labels:
                gold.setdefault(r.criterion_id, []).append((call_id, labels[r.criterion_id], r.verdict.value, r.reason))
    reports = {}
    for cid, rows in gold.items():
        g = [x[1] for x in rows]
        p = [x[2] for x in rows]
        precision, recall, f1 = macro_scores(g, p)
        confusion = {a: dict(Counter(pp for gg, pp in zip(g, p) if gg == a)) for a in VERDICTS}
        reports[cid] = CriterionReport(
            cid, len(rows), sum(a == b for a, b in zip(g, p)) / len(rows), precision, recall, f1, confusion,
            tuple(r for r in rows if r[1] != r[2]),
        )
    return reports


def report_json(reports: dict[str, CriterionReport], calls: int) -> dict:
    return {
        "criteria": {
            cid: {"accuracy": round(r.accuracy, 4), "precision": round(r.precision, 4), "recall": round(r.recall, 4),
                  "f1": round(r.f1, 4), "n": r.n, "confusion": r.confusion,
                  "errors": [{"call": c, "gold": g, "predicted": p, "reason": why} for c, g, p, why in r.errors]}
            for cid, r in reports.items()
        },
        "calls": calls,
    }
