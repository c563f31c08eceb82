"""`qa eval`: score labeled calls and compare with their gold labels.

A folder holds either labeled interchange JSON files (scored as they are) or one folder per call with
``transcript.json`` (the labels) and ``stereo.flac``/``mono.flac`` (run through the whole pipeline).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.core.errors import ConfigError
from qa.core.hooks import BatchStarted, FileDone, FileStarted, Hook, ignore
from qa.core.types import CallMetadata, Scorecard
from qa.ingest.audio import decode
from qa.ingest.recordings import identify
from qa.pipeline.imports import read_labeled
from qa.pipeline.processor import CallProcessor
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


def evaluate_audio(folders: Sequence[Path], processor: CallProcessor, rubric, audio: str = "stereo", hook: Hook | None = None):
    """End-to-end check: each folder holds ``transcript.json`` (with labels) and ``stereo.flac``/``mono.flac``;
    the audio goes through the whole pipeline, the result is scored and compared with the labels."""
    import json as _json

    emit = hook or ignore
    emit(BatchStarted(total=len(folders), ignored=0))
    scored = []
    for folder in folders:
        reference = _json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
        path = folder / f"{audio}.flac"
        emit(FileStarted(path, index=len(scored)))
        call = processor(identify(path), decode(path), CallMetadata(), hook=emit)
        scored.append((reference.get("call_id", folder.name), reference.get("labels", {}), score(call.transcript, call.features, rubric)))
        emit(FileDone(path, "processed", call.recording.call_id, audio_s=call.duration_s))
    return compare(scored), scored


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What ``qa eval`` reports: per-criterion figures over ``calls`` labeled calls."""

    reports: dict[str, CriterionReport]
    calls: int


def audio_folders(directory: Path) -> list[Path]:
    """The per-call folders (with ``transcript.json``) of an evaluation directory."""
    return sorted(p for p in directory.iterdir() if (p / "transcript.json").exists()) if directory.is_dir() else []


def evaluate_path(directory: Path, rubric: Rubric, *, processor: CallProcessor, audio: str = "stereo",
                  hook: Hook | None = None) -> Evaluation:
    """Evaluate ``rubric`` on a folder of audio folders (through the pipeline), of JSON files, or on one JSON file.
    The processor loads its models only when there is audio to run."""
    folders = audio_folders(directory)
    if folders:
        reports, scored = evaluate_audio(folders, processor, rubric, audio, hook=hook)
        return Evaluation(reports, len(scored))
    files = sorted(directory.glob("*.json")) if directory.is_dir() else [directory]
    if not files:
        raise ConfigError(f"No labeled calls in {directory}: give interchange JSON files or folders with transcript.json")
    reports, cards = evaluate_labeled(files, rubric)
    return Evaluation(reports, len(cards))
