"""`qa eval`: score labeled transcripts and compare with their gold labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.core.types import CallMetadata, Scorecard
from qa.ingest.audio import decode
from qa.ingest.recordings import identify
from qa.pipeline.batch import FileOutcome
from qa.pipeline.imports import read_labeled
from qa.pipeline.processor import CallProcessor, Hook
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
        call = read_labeled(path)
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


def evaluate_audio(folders: Sequence[Path], processor: CallProcessor, rubric, audio: str = "stereo", hook: Hook | None = None):
    """End-to-end check: each folder holds ``transcript.json`` (with labels) and ``stereo.flac``/``mono.flac``;
    the audio goes through the whole pipeline, the result is scored and compared with the labels."""
    import json as _json

    from qa.pipeline.evaluate import compare
    from scoring.score import score

    emit = hook or (lambda *a, **k: None)
    emit("batch_start", total=len(folders), ignored=0)
    scored = []
    for folder in folders:
        reference = _json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
        path = folder / f"{audio}.flac"
        emit("file_start", path=path, index=len(scored))
        call = processor(identify(path), decode(path), CallMetadata(), hook=emit)
        scored.append((reference.get("call_id", folder.name), reference.get("labels", {}), score(call.transcript, call.features, rubric)))
        emit("file_done", outcome=FileOutcome(path, "processed", call.recording.call_id, audio_s=call.duration_s))
    return compare(scored), scored
