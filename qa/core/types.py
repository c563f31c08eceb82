"""Frozen dataclasses passed between pipeline stages.

Data flows one way: Recording/DecodedAudio -> Diarization -> AsrSegment ->
Transcript (utterances with roles) -> CallFeatures. Nothing here imports
anything else from the project, and no database row ever leaves ``qa.db``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np


class Role(str, Enum):
    AGENT = "agent"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


class Direction(str, Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    CALLBACK = "callback"


class Language(str, Enum):
    RU = "ru"
    UK = "uk"
    EN = "en"


@dataclass(frozen=True, slots=True)
class CallMetadata:
    """What the telephony system tells us about a call (sidecar CSV / file name)."""

    operator_id: str | None = None
    operator_name: str | None = None
    team: str | None = None
    started_at: datetime | None = None
    direction: Direction | None = None
    phone: str | None = None
    order_id: str | None = None
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Recording:
    """A recording file identified by its content hash (before decoding)."""

    path: Path
    sha256: str
    size_bytes: int

    @property
    def call_id(self) -> str:
        return call_id_for(self.sha256)


def call_id_for(sha256: str) -> str:
    """Stable, short call id derived from the content hash."""
    return sha256[:12]


@dataclass(frozen=True, slots=True, eq=False)
class DecodedAudio:
    """Float32 samples in [-1, 1], one array per channel, resampled."""

    channels: tuple[np.ndarray, ...]
    sample_rate_hz: int
    source_sample_rate_hz: int
    codec: str

    @property
    def duration_s(self) -> float:
        return len(self.channels[0]) / self.sample_rate_hz if self.channels else 0.0

    @property
    def is_stereo(self) -> bool:
        return len(self.channels) == 2

    def mono(self) -> np.ndarray:
        if len(self.channels) == 1:
            return self.channels[0]
        return np.mean(np.stack(self.channels), axis=0).astype(np.float32)


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    speaker: str
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class Diarization:
    """Who spoke when, with raw speaker labels (``ch0``/``ch1`` for stereo)."""

    turns: tuple[SpeakerTurn, ...]
    method: str  # "channels" | "pyannote"

    @property
    def speakers(self) -> tuple[str, ...]:
        return tuple(sorted({t.speaker for t in self.turns}))

    def to_rttm(self, uri: str, names: dict[str, str] | None = None) -> str:
        names = names or {}
        lines = [
            f"SPEAKER {uri} 1 {t.start_s:.3f} {t.end_s - t.start_s:.3f} <NA> <NA> {names.get(t.speaker, t.speaker)} <NA> <NA>"
            for t in self.turns
        ]
        return "\n".join(lines) + ("\n" if lines else "")


@dataclass(frozen=True, slots=True)
class Word:
    start_s: float
    end_s: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class AsrSegment:
    """One recognised segment of one audio stream (a channel or the mono mix)."""

    start_s: float
    end_s: float
    text: str
    words: tuple[Word, ...]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


@dataclass(frozen=True, slots=True)
class AsrResult:
    segments: tuple[AsrSegment, ...]
    language: str
    language_probability: float
    dropped: tuple[str, ...] = ()  # reasons for segments removed as hallucinations


@dataclass(frozen=True, slots=True)
class Utterance:
    role: Role
    speaker: str
    start_s: float
    end_s: float
    text: str
    words: tuple[Word, ...] = ()

    @property
    def confidence(self) -> float | None:
        if not self.words:
            return None
        return float(np.mean([w.probability for w in self.words]))


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    """Which raw speaker label is the agent, how sure we are, and by which rule."""

    roles: tuple[tuple[str, Role], ...]
    confidence: float
    method: str

    def role_of(self, speaker: str) -> Role:
        return dict(self.roles).get(speaker, Role.UNKNOWN)


@dataclass(frozen=True, slots=True)
class Transcript:
    language: str
    utterances: tuple[Utterance, ...]
    role_assignment: RoleAssignment
    language_probability: float | None = None

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.utterances)


@dataclass(frozen=True, slots=True)
class RoleFeatures:
    role: Role
    talk_s: float
    talk_ratio: float  # share of the call's total talk time
    turns: int
    words: int
    speech_rate_wpm: float | None
    interruptions: int  # times this role started over the other party
    response_latency_mean_s: float | None
    response_latency_max_s: float | None
    loudness_dbfs: float | None


@dataclass(frozen=True, slots=True)
class CallFeatures:
    duration_s: float
    talk_s: float
    talk_listen_ratio: float | None  # agent talk / customer talk
    silence_total_s: float
    silence_longest_s: float
    overtalk_s: float
    roles: tuple[RoleFeatures, ...]

    def for_role(self, role: Role) -> RoleFeatures | None:
        return next((r for r in self.roles if r.role == role), None)


@dataclass(frozen=True, slots=True)
class ProcessedCall:
    """Everything the pipeline learned about one recording, ready to store."""

    recording: Recording
    metadata: CallMetadata
    mode: str  # "stereo" | "mono"
    duration_s: float
    sample_rate_hz: int
    channels: int
    transcript: Transcript
    diarization: Diarization
    features: CallFeatures
    asr_model: str
    processing_s: float
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ImportedCall:
    """A call transcribed elsewhere (interchange format, see docs/FORMAT)."""

    sha256: str
    source_path: Path
    external_id: str
    metadata: CallMetadata
    transcript: Transcript
    duration_s: float
    features: CallFeatures | None  # computed from the utterances by the pipeline
    labels: tuple[tuple[str, str], ...] = ()
    outcome: tuple[tuple[str, Any], ...] = ()


# ---------------------------------------------------------------- scoring


class Verdict(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    NA = "na"


EVIDENCE_KINDS = ("quote", "searched", "nearest")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a verdict: the quote, where it is, and the rule that fired.

    ``kind`` says what it shows: ``quote`` an utterance the verdict rests on; ``searched`` the window a
    criterion looked in and found nothing (``utterance_index`` None, ``quote`` "", the window in
    ``start_s``/``end_s``, the search in ``rule``); ``nearest`` the closest candidate utterance and, in
    ``rule``, why it did not count. A fail thus says where it looked, so a reviewer can check it."""

    utterance_index: int | None
    start_s: float | None
    end_s: float | None
    role: str | None
    quote: str
    rule: str
    kind: str = "quote"  # one of EVIDENCE_KINDS


@dataclass(frozen=True, slots=True)
class CriterionResult:
    criterion_id: str
    section_id: str
    verdict: Verdict
    reason: str
    evidence: tuple[Evidence, ...]
    confidence: float  # calibrated probability that the verdict is right (scoring/confidence.py)
    weight: float
    critical: bool
    needs_review: bool = False  # confidence below the rubric's review_below, or 0.0 (the criterion could not decide)


@dataclass(frozen=True, slots=True)
class Scorecard:
    rubric_id: str
    rubric_version: int
    rubric_hash: str
    language: str
    results: tuple[CriterionResult, ...]
    section_scores: tuple[tuple[str, float | None], ...]
    total: float | None
    critical_failed: bool
    critical_zeroes_total: bool = True  # the rubric's rule, stored with the card: a critical fail zeroes the total
    outcome: tuple[tuple[str, Any], ...] = ()

    def result(self, criterion_id: str) -> CriterionResult | None:
        return next((r for r in self.results if r.criterion_id == criterion_id), None)
