"""Accuracy measures used by tests, benchmarks and (later) ``qa eval``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from qa.core.types import SpeakerTurn


def normalize_words(text: str) -> list[str]:
    """Lowercase words without punctuation; ё→е so Russian spelling variants match."""
    text = text.lower().replace("ё", "е")
    return re.findall(r"[\w']+", text)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, on normalized words."""
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1] / len(ref)


def read_rttm(path: Path) -> list[SpeakerTurn]:
    turns = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] == "SPEAKER":
            start, duration = float(parts[3]), float(parts[4])
            turns.append(SpeakerTurn(parts[7], start, start + duration))
    return turns


def diarization_error_rate(reference: Iterable[SpeakerTurn], hypothesis: Iterable[SpeakerTurn], collar_s: float = 0.0) -> float:
    """pyannote.metrics DER; ``collar_s`` is the total forgiveness collar (0.5 = ±0.25 s)."""
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    def annotation(turns: Iterable[SpeakerTurn]) -> Annotation:
        ann = Annotation()
        for i, t in enumerate(turns):
            ann[Segment(t.start_s, t.end_s), i] = t.speaker
        return ann

    return float(DiarizationErrorRate(collar=collar_s)(annotation(reference), annotation(hypothesis)))


def role_agreement(reference: Sequence[tuple[str, float, float]], hypothesis: Sequence[tuple[str, float, float]]) -> float:
    """Share of reference speech time (role, start_s, end_s) covered by the same role in the hypothesis,
    among the time the hypothesis covers at all."""
    agree = covered = 0.0
    for role, r0, r1 in reference:
        for hrole, h0, h1 in hypothesis:
            overlap = max(0.0, min(r1, h1) - max(r0, h0))
            covered += overlap
            if hrole == role:
                agree += overlap
    return agree / covered if covered else 0.0


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Expected calibration error: the mean |accuracy − confidence| over equal-width confidence bins,
    weighted by how many verdicts fall in each (0 = a confidence of 0.8 is right 80% of the time)."""
    if len(confidences) != len(correct):
        raise ValueError("confidences and correct must have the same length")
    if not confidences:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(confidences) if (lo < c <= hi) or (b == 0 and c <= hi)]
        if idx:
            acc = sum(bool(correct[i]) for i in idx) / len(idx)
            conf = sum(confidences[i] for i in idx) / len(idx)
            total += len(idx) * abs(acc - conf)
    return total / len(confidences)


def accuracy_at_coverage(confidences: Sequence[float], correct: Sequence[bool], coverage: float) -> float | None:
    """Accuracy on the ``coverage`` share (0–1] of verdicts with the highest confidence (ties kept in input order)."""
    if not 0 < coverage <= 1:
        raise ValueError("coverage must be in (0, 1]")
    if not confidences:
        return None
    order = sorted(range(len(confidences)), key=lambda i: -confidences[i])
    keep = order[: max(1, round(coverage * len(order)))]
    return sum(bool(correct[i]) for i in keep) / len(keep)
