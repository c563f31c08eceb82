"""Stored read models: what the database gives back to the human loop, reports and the web.

They are plain frozen dataclasses like the stage types (``qa.core.types``); rows never leave ``qa.db``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qa.core.types import (
    CallFeatures,
    CallMetadata,
    Diarization,
    Scorecard,
    Transcript,
    Verdict,
)


@dataclass(frozen=True, slots=True)
class CallSummary:
    """One row of ``qa calls``."""

    call_id: str
    file_name: str
    status: str
    error: str | None
    operator_id: str | None
    started_at: datetime | None
    direction: str | None
    mode: str | None
    language: str | None
    duration_s: float | None
    utterances: int
    external_id: str | None = None
    superseded_by: str | None = None  # status "superseded": the call (a re-imported transcript) that replaced it
    erased_at: datetime | None = None  # erased on a customer's request: no transcript, quotes or audio left
    transcript_removed_at: datetime | None = None  # by erasure or retention
    audio_removed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredCall:
    """A call as read back from storage, for ``qa show`` / ``qa export`` / scoring."""

    summary: CallSummary
    metadata: CallMetadata
    transcript: Transcript
    diarization: Diarization
    features: CallFeatures | None
    notes: tuple[str, ...]
    source_path: str
    asr_model: str | None
    outcome: tuple[tuple[str, Any], ...] = ()  # an imported transcript's outcome (order_placed, nps_score)
    labels: tuple[tuple[str, str], ...] = ()  # an imported transcript's gold labels (criterion, verdict)


@dataclass(frozen=True, slots=True)
class HumanVerdict:
    """A person's verdict on one criterion of one call (override, overturned dispute, calibration, gold label)."""

    label_id: int
    call_id: str
    criterion_id: str
    verdict: Verdict
    source: str  # import | review | dispute | calibration
    author: str | None
    created_at: datetime
    reason: str | None = None
    machine_verdict: str | None = None


YES, NO = ("yes", "true", "1", "y", "да", "так"), ("no", "false", "0", "n", "нет", "ні")


@dataclass(frozen=True, slots=True)
class OrderTruth:
    """Whether the call placed an order, from outside the detector: ``source`` is ``reviewer NAME: reason`` (a
    person corrected it) or ``order system`` (the metadata's ``order_placed`` column, an imported outcome)."""

    placed: bool
    source: str

    @classmethod
    def of(cls, extra: dict[str, Any], outcome: dict[str, Any]) -> OrderTruth | None:
        """From a call's metadata extras (``order_placed`` yes/no, ``order_placed_by`` when a person set it) and an
        imported transcript's ``outcome``; None when neither says. A person's correction wins, then the metadata."""
        value = str(extra.get("order_placed", "")).strip().lower()
        if value in YES or value in NO:
            return cls(value in YES, extra.get("order_placed_by") or "order system")
        if isinstance(outcome.get("order_placed"), bool):
            return cls(outcome["order_placed"], "order system (imported outcome)")
        return None


@dataclass(frozen=True, slots=True)
class CallScore:
    """One call as operator scorecards see it: its newest automatic scorecard for a
    rubric, the human verdicts that override it, and the call's timing figures."""

    call_id: str
    operator_id: str
    team: str | None
    started_at: datetime
    duration_s: float | None
    talk_listen_ratio: float | None
    response_latency_s: float | None
    card: Scorecard
    overrides: tuple[HumanVerdict, ...] = ()
    order_truth: OrderTruth | None = None  # the order system's or a reviewer's word on the outcome


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    id: str
    name: str | None
    team: str | None


@dataclass(frozen=True, slots=True)
class Comment:
    comment_id: int
    call_id: str
    utterance_idx: int | None
    at_s: float | None
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DisputeInfo:
    dispute_id: int
    session_id: int
    call_id: str
    criterion_id: str
    operator_id: str
    disputed_verdict: Verdict
    claimed_verdict: Verdict
    reason: str
    status: str  # open | upheld | overturned
    opened_at: datetime
    resolved_by: str | None = None
    resolution: str | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReviewInfo:
    """A review (coaching) session with what happened in it."""

    session_id: int
    operator_id: str
    reviewer: str
    status: str  # open | closed | acknowledged
    rubric_id: str
    pick: dict
    opened_at: datetime
    items: tuple[tuple[str, str], ...]  # (call id, why it was picked), in order
    comments: tuple[Comment, ...] = ()
    overrides: tuple[HumanVerdict, ...] = ()  # every verdict given in the session, superseded ones too
    disputes: tuple[DisputeInfo, ...] = ()
    closed_at: datetime | None = None
    summary: str | None = None
    actions: tuple[str, ...] = ()
    acknowledged_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    details: dict


@dataclass(frozen=True, slots=True)
class CallDetail:
    """One call as ``qa show`` and the web's call page present it."""

    stored: StoredCall
    scorecards: tuple[Scorecard, ...]  # the machine's, newest first
    effective: Scorecard | None  # the newest machine scorecard with people's verdicts applied
    human: tuple[HumanVerdict, ...]  # the people's verdicts in force (newest review/dispute verdict per criterion)
    acts: tuple[tuple[str, ...], ...] = ()  # each utterance's dialogue acts (scoring/acts.py), in transcript order


@dataclass(frozen=True, slots=True)
class CalibrationRoundInfo:
    round_id: int
    name: str
    rubric_id: str
    created_at: datetime
    reviewers: tuple[str, ...]
    labels: int  # the verdicts given in the round, superseded ones too


@dataclass(frozen=True, slots=True)
class LearnedModelInfo:
    criterion_id: str
    version: int
    path: str
    sha256: str
    n_train: int
    created_at: datetime
    metrics: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UserInfo:
    """An account (``qa users``): who acts in the web UI and the CLI, with what role."""

    login: str
    role: str  # lead | reviewer | trainer | operator
    operator_id: str | None
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None = None
    has_password: bool = False


@dataclass(frozen=True, slots=True)
class SearchHit:
    """An utterance that matches a full-text search, with the moment to jump to."""

    call_id: str
    file_name: str
    operator_id: str | None
    utterance_idx: int
    role: str
    start_s: float
    text: str


@dataclass(frozen=True, slots=True)
class ClipInfo:
    """One playlist item: a window of a call, the criterion it illustrates, who listened."""

    item_id: int
    position: int
    call_id: str
    start_s: float
    end_s: float
    criterion_id: str | None
    note: str | None
    added_by: str
    added_at: datetime
    listened_by: tuple[tuple[str, datetime], ...] = ()  # (login, first listened at)


@dataclass(frozen=True, slots=True)
class PlaylistInfo:
    playlist_id: int
    title: str
    audience: str | None
    purpose: str | None
    owner: str
    created_at: datetime
    updated_at: datetime
    items: tuple[ClipInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    """A mystery-shopper campaign (one wave of its ``series``)."""

    campaign_id: int
    name: str
    title: str
    series: str
    starts_on: datetime
    ends_on: datetime
    scenarios: tuple[str, ...]
    operators: tuple[str, ...]
    calls_per_operator: int
    deadline_h: int
    staff_informed: bool
    rubric_id: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AssignmentInfo:
    assignment_id: int
    campaign_id: int
    scenario_id: str
    operator_id: str
    shopper: str | None
    status: str
    note: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """What a shopper handed in, with the scenario checks computed on the call's transcript."""

    entry_id: int
    assignment_id: int
    campaign_id: int
    call_id: str | None
    recording: str
    status: str  # scored | failed
    error: str | None
    shopper: str
    operator_id: str
    team: str | None
    called_at: datetime | None
    dialled_number: str | None
    rings: int | None
    service_rating: int
    scenario_id: str
    scenario_version: int
    scenario_hash: str
    answers: dict[str, Any]  # item id -> {"answer": yes|no|na, "comment": str}
    checks: tuple[dict[str, Any], ...]  # scenario checks as stored (id, kind, verdict, reason, evidence, confidence)
    assignment_status: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class JobInfo:
    """One file a batch handed to an executor (``qa jobs``)."""

    job_id: int
    batch_id: int
    index: int
    path: str
    call_id: str | None
    status: str  # queued | done | failed | quarantined
    attempts: int
    worker: str | None
    stage: str | None
    error: str | None
    updated_at: datetime
