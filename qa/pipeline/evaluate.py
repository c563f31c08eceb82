"""`qa eval`: score labeled calls and compare with their gold labels.

A folder holds either labeled interchange JSON files (scored as they are) or one folder per call with
``transcript.json`` (the labels) and ``stereo.flac``/``mono.flac`` (run through the whole pipeline).

Besides the per-criterion figures it reports every disagreement with its evidence (what a QA lead reads before
rolling out a rubric change), the call's outcome against the gold ``outcome`` (order placed, NPS score), and how
far the verdicts' confidences can be trusted (expected calibration error, accuracy on the most confident share).
``--asr-noise`` runs typed transcripts through a seeded model of recognition errors first (:mod:`qa.pipeline.noise`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qa.core.errors import ConfigError
from qa.core.hooks import BatchStarted, FileDone, FileStarted, Hook, ignore
from qa.core.types import CallMetadata, CriterionResult, Evidence, Scorecard
from qa.ingest.audio import decode
from qa.ingest.recordings import identify
from qa.metrics import accuracy_at_coverage, expected_calibration_error, word_error_rate
from qa.pipeline.imports import read_labeled
from qa.pipeline.noise import NoiseSpec, noisy_transcript
from qa.pipeline.processor import CallProcessor
from scoring.rubric import Rubric
from scoring.score import score
from transcription.features import compute_features

VERDICTS = ("pass", "fail", "na")
CALIBRATION_BINS = 10
COVERAGES = (0.9, 0.8)  # accuracy on the 90% / 80% most confident verdicts
OUTCOME_KEYS = ("order_placed", "nps_score")


@dataclass(frozen=True, slots=True)
class LabeledCard:
    """One evaluated call: its gold labels and outcome beside the scorecard the rubric gave it."""

    call_id: str
    labels: Mapping[str, str]
    outcome: Mapping[str, Any]  # gold: {"order_placed": bool, "nps_score": int | None}; {} when the file has none
    card: Scorecard


@dataclass(frozen=True, slots=True)
class EvalError:
    """A verdict that disagrees with its gold label, with what the rule saw (the predicted verdict's evidence)."""

    call_id: str
    criterion_id: str
    gold: str
    predicted: str
    reason: str
    confidence: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class CriterionReport:
    criterion_id: str
    n: int
    accuracy: float
    precision: float
    recall: float
    f1: float
    confusion: dict[str, dict[str, int]]  # gold -> predicted -> count
    errors: tuple[EvalError, ...]


@dataclass(frozen=True, slots=True)
class OutcomeMiss:
    call_id: str
    gold: Any
    predicted: Any


@dataclass(frozen=True, slots=True)
class OutcomeCheck:
    """One outcome field (``order_placed``, ``nps_score``) against gold: ``n`` calls counted, ``correct`` of them."""

    key: str
    n: int
    correct: int
    misses: tuple[OutcomeMiss, ...]

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.n if self.n else None


@dataclass(frozen=True, slots=True)
class Calibration:
    """Whether a verdict's confidence means what it says, over all (criterion, call) verdicts with a gold label."""

    n: int
    accuracy: float | None
    mean_confidence: float | None
    ece: float  # expected calibration error over CALIBRATION_BINS equal-width bins
    bins: int
    at_coverage: tuple[tuple[float, float | None], ...]  # (coverage, accuracy on the most confident share)
    needs_review: int = 0  # verdicts marked needs_review (low confidence)
    accuracy_trusted: float | None = None  # accuracy on the verdicts not marked needs_review


@dataclass(frozen=True, slots=True)
class NoiseReport:
    """The noise the transcripts went through: level, seed and the word error rate it made (mean over calls)."""

    level: float
    seed: int
    word_error_rate: float | None


def macro_scores(gold: list[str], pred: list[str]) -> tuple[float, float, float]:
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold) | set(pred))
    p, r, f, _ = precision_recall_fscore_support(gold, pred, labels=labels, average="macro", zero_division=0)
    return float(p), float(r), float(f)


def read_noisy(path: Path, noise: NoiseSpec | None):
    """A labeled interchange file, through the noise model when one is given (timing features recomputed from
    the noisy utterances, whose word counts changed). Returns (call, word error rate of the noise or None)."""
    call = read_labeled(path)
    if noise is None or noise.level == 0:
        return call, None
    noisy = noisy_transcript(call.transcript, noise, call.external_id)
    wer = word_error_rate(call.transcript.text, noisy.text)
    return replace(call, transcript=noisy, features=compute_features(noisy.utterances, call.duration_s)), wer


def evaluate_labeled(files: list[Path], rubric: Rubric, noise: NoiseSpec | None = None) -> tuple[list[LabeledCard], list[float]]:
    """Score typed transcripts in the interchange format (through the noise model if given) for comparison with
    their labels and outcome. Returns the cards and, under noise, each call's word error rate."""
    scored, wers = [], []
    for path in files:
        call, wer = read_noisy(path, noise)
        if wer is not None:
            wers.append(wer)
        card = score(call.transcript, call.features, rubric)
        scored.append(LabeledCard(call.external_id, dict(call.labels), dict(call.outcome), card))
    return scored, wers


def _labeled_results(scored: Sequence[LabeledCard]) -> list[tuple[LabeledCard, CriterionResult, str]]:
    """(call, result, gold verdict) for every verdict that has a gold label."""
    return [(c, r, c.labels[r.criterion_id]) for c in scored for r in c.card.results if r.criterion_id in c.labels]


def compare(scored: Sequence[LabeledCard]) -> dict[str, CriterionReport]:
    """Per-criterion accuracy, macro precision/recall/F1, confusion and the disagreements against gold labels."""
    rows: dict[str, list[tuple[LabeledCard, CriterionResult, str]]] = {}
    for c, r, gold in _labeled_results(scored):
        rows.setdefault(r.criterion_id, []).append((c, r, gold))
    reports = {}
    for cid, items in rows.items():
        g = [gold for _, _, gold in items]
        p = [r.verdict.value for _, r, _ in items]
        precision, recall, f1 = macro_scores(g, p)
        confusion = {a: dict(Counter(pp for gg, pp in zip(g, p) if gg == a)) for a in VERDICTS}
        errors = tuple(
            EvalError(c.call_id, cid, gold, r.verdict.value, r.reason, r.confidence, r.evidence)
            for c, r, gold in items if r.verdict.value != gold
        )
        reports[cid] = CriterionReport(cid, len(items), sum(a == b for a, b in zip(g, p)) / len(items),
                                       precision, recall, f1, confusion, errors)
    return reports


def _same(gold: Any, predicted: Any) -> bool:
    """Equal outcome values: booleans only with booleans, numbers by value (9 == 9.0), None only with None."""
    if gold is None or predicted is None:
        return gold is predicted
    if isinstance(gold, bool) or isinstance(predicted, bool):
        return isinstance(gold, bool) and isinstance(predicted, bool) and gold == predicted
    try:
        return float(gold) == float(predicted)
    except (TypeError, ValueError):
        return gold == predicted


def outcome_checks(scored: Sequence[LabeledCard]) -> dict[str, OutcomeCheck]:
    """The predicted outcome (the scorecard's) against the gold one. ``order_placed`` counts every call whose gold
    says true or false; ``nps_score`` every call whose gold has the field and where gold or prediction has a score
    (a call without an NPS answer, read as none, is no evidence either way). Calls without a gold outcome: not counted."""
    checks = {}
    for key in OUTCOME_KEYS:
        n = correct = 0
        misses = []
        for c in scored:
            if key not in c.outcome:
                continue
            gold, predicted = c.outcome[key], dict(c.card.outcome).get(key)
            if key == "order_placed" and not isinstance(gold, bool):
                continue
            if key == "nps_score" and gold is None and predicted is None:
                continue
            n += 1
            if _same(gold, predicted):
                correct += 1
            else:
                misses.append(OutcomeMiss(c.call_id, gold, predicted))
        checks[key] = OutcomeCheck(key, n, correct, tuple(misses))
    return checks


def calibration(scored: Sequence[LabeledCard]) -> Calibration:
    """ECE and accuracy at coverage over every verdict with a gold label (``CriterionResult.confidence`` as given)."""
    rows = _labeled_results(scored)
    confidences = [float(r.confidence) for _, r, _ in rows]
    correct = [r.verdict.value == gold for _, r, gold in rows]
    n = len(rows)
    trusted = [ok for (_, r, _), ok in zip(rows, correct) if not r.needs_review]
    return Calibration(
        n=n, accuracy=sum(correct) / n if n else None, mean_confidence=sum(confidences) / n if n else None,
        ece=expected_calibration_error(confidences, correct, bins=CALIBRATION_BINS), bins=CALIBRATION_BINS,
        at_coverage=tuple((cov, accuracy_at_coverage(confidences, correct, cov)) for cov in COVERAGES),
        needs_review=n - len(trusted), accuracy_trusted=sum(trusted) / len(trusted) if trusted else None,
    )


def evaluate_audio(folders: Sequence[Path], processor: CallProcessor, rubric, audio: str = "stereo",
                   hook: Hook | None = None) -> list[LabeledCard]:
    """End-to-end check: each folder holds ``transcript.json`` (with labels and, optionally, outcome) and
    ``stereo.flac``/``mono.flac``; the audio goes through the whole pipeline, the result is scored for comparison."""
    import json as _json

    emit = hook or ignore
    emit(BatchStarted(total=len(folders), ignored=0))
    scored: list[LabeledCard] = []
    for folder in folders:
        reference = _json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
        path = folder / f"{audio}.flac"
        emit(FileStarted(path, index=len(scored)))
        call = processor(identify(path), decode(path), CallMetadata(), hook=emit)
        outcome = reference.get("outcome")
        scored.append(LabeledCard(reference.get("call_id", folder.name), reference.get("labels", {}),
                                  outcome if isinstance(outcome, dict) else {},
                                  score(call.transcript, call.features, rubric)))
        emit(FileDone(path, "processed", call.recording.call_id, audio_s=call.duration_s))
    return scored


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What ``qa eval`` reports: per-criterion figures over ``calls`` labeled calls, the outcome against gold,
    the confidences' calibration, and the noise the transcripts went through (None: as typed / as recognised)."""

    reports: dict[str, CriterionReport]
    calls: int
    outcome: dict[str, OutcomeCheck] = field(default_factory=dict)
    calibration: Calibration | None = None
    noise: NoiseReport | None = None


def summarize(scored: Sequence[LabeledCard], noise: NoiseReport | None = None) -> Evaluation:
    """Every figure ``qa eval`` reports, from the scored calls."""
    return Evaluation(compare(scored), len(scored), outcome_checks(scored), calibration(scored), noise)


def audio_folders(directory: Path) -> list[Path]:
    """The per-call folders (with ``transcript.json``) of an evaluation directory."""
    return sorted(p for p in directory.iterdir() if (p / "transcript.json").exists()) if directory.is_dir() else []


def evaluate_path(directory: Path, rubric: Rubric, *, processor: CallProcessor, audio: str = "stereo",
                  noise: NoiseSpec | None = None, hook: Hook | None = None) -> Evaluation:
    """Evaluate ``rubric`` on a folder of audio folders (through the pipeline), of JSON files, or on one JSON file.
    The processor loads its models only when there is audio to run. ``noise`` (level > 0) perturbs typed
    transcripts before scoring; audio folders are refused with it, since real recognition already makes the errors."""
    noisy = noise is not None and noise.level > 0
    folders = audio_folders(directory)
    if folders:
        if noisy:
            raise ConfigError(f"--asr-noise applies to labeled interchange JSON (typed transcripts), but {directory} "
                              "holds audio folders that already go through real speech recognition: drop --asr-noise")
        return summarize(evaluate_audio(folders, processor, rubric, audio, hook=hook))
    files = sorted(directory.glob("*.json")) if directory.is_dir() else [directory]
    if not files:
        raise ConfigError(f"No labeled calls in {directory}: give interchange JSON files or folders with transcript.json")
    scored, wers = evaluate_labeled(files, rubric, noise if noisy else None)
    report = NoiseReport(noise.level, noise.seed, sum(wers) / len(wers) if wers else None) if noisy else None
    return summarize(scored, report)
