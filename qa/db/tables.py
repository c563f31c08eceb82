"""SQLModel table rows. Times are naive: call start times are the telephony system's
local time; processing times are UTC.

 They never leave ``qa.db`` (and later ``qa.web``).

The schema is built to be referenced: later stages (scorecards with evidence,
reviews, comments, mystery-shopper entries, playlists of clips) point at
``call.id`` (stable: derived from the content hash) and ``utterance.id``
(stable once a call is done; a done call is never re-transcribed in place).
Changes go through Alembic migrations in ``qa/db/migrations``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel


class Operator(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str | None = None
    team: str | None = None
    created_at: datetime = Field(sa_type=DateTime)


class Batch(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(sa_type=DateTime)
    finished_at: datetime | None = Field(default=None, sa_type=DateTime)
    status: str = "running"  # running | finished | interrupted | aborted
    inputs: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of the paths given
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    audio_s: float = 0.0
    wall_s: float = 0.0


class Call(SQLModel, table=True):
    __table_args__ = (
        Index("ix_call_operator_started", "operator_id", "started_at"),
        Index("ix_call_status", "status"),
    )

    id: str = Field(primary_key=True, max_length=64)  # sha256[:12] of the source bytes
    sha256: str | None = Field(default=None, unique=True, max_length=64)
    source: str = "audio"  # audio | import
    external_id: str | None = Field(default=None, index=True)  # call id from an imported transcript
    file_name: str = Field(index=True)
    source_path: str
    status: str = "done"  # done | failed | superseded (a re-imported transcript replaced it)
    error: str | None = None
    superseded_by: str | None = None  # the id of the call that replaced this one (same external id, new content)
    batch_id: int | None = Field(default=None, foreign_key="batch.id")
    operator_id: str | None = Field(default=None, foreign_key="operator.id")
    started_at: datetime | None = Field(default=None, sa_type=DateTime)
    direction: str | None = None
    phone: str | None = None
    order_id: str | None = None
    extra: str | None = Field(default=None, sa_column=Column(Text))  # JSON object of unknown metadata columns
    mode: str | None = None  # stereo | mono | import
    language: str | None = None
    language_probability: float | None = None
    duration_s: float | None = None
    sample_rate_hz: int | None = None
    channels: int | None = None
    role_method: str | None = None
    role_confidence: float | None = None
    asr_model: str | None = None
    notes: str | None = Field(default=None, sa_column=Column(Text))  # JSON list (hallucination guard, warnings)
    processing_s: float | None = None
    processed_at: datetime = Field(sa_type=DateTime)
    # data lifecycle (migration 0008): what was removed and when; the scores and timings stay
    erased_at: datetime | None = Field(default=None, sa_type=DateTime)  # a customer's erasure request
    transcript_removed_at: datetime | None = Field(default=None, sa_type=DateTime)
    audio_removed_at: datetime | None = Field(default=None, sa_type=DateTime)


class Utterance(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("call_id", "idx"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True)
    idx: int
    role: str  # agent | customer | unknown
    speaker: str  # raw label: ch0/ch1 or SPEAKER_00...
    start_s: float
    end_s: float
    text: str = Field(sa_column=Column(Text, nullable=False))
    confidence: float | None = None  # mean word probability


class Word(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("utterance_id", "idx"),)

    id: int | None = Field(default=None, primary_key=True)
    utterance_id: int = Field(foreign_key="utterance.id", index=True)
    idx: int
    start_s: float
    end_s: float
    text: str
    probability: float


class SpeakerTurn(SQLModel, table=True):
    """The raw diarization (with overlaps), kept for RTTM export and DER checks."""

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True)
    speaker: str
    start_s: float
    end_s: float


class CallMetrics(SQLModel, table=True):
    call_id: str = Field(foreign_key="call.id", primary_key=True)
    duration_s: float
    talk_s: float
    talk_listen_ratio: float | None = None
    silence_total_s: float
    silence_longest_s: float
    overtalk_s: float


class RoleMetrics(SQLModel, table=True):
    call_id: str = Field(foreign_key="call.id", primary_key=True)
    role: str = Field(primary_key=True)
    talk_s: float
    talk_ratio: float
    turns: int
    words: int
    speech_rate_wpm: float | None = None
    interruptions: int
    response_latency_mean_s: float | None = None
    response_latency_max_s: float | None = None
    loudness_dbfs: float | None = None


class HumanLabel(SQLModel, table=True):
    """A verdict given by a person. Never updated or deleted: a newer row for the
    same call and criterion (``supersedes_id`` points at the one it replaces) wins.

    source: import (gold labels of imported transcripts), review (a QA lead's
    override), dispute (an overturned verdict), calibration (blind scoring; never
    changes a scorecard).
    """

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True)
    criterion_id: str
    verdict: str  # pass | fail | na
    source: str  # import | review | dispute | calibration
    author: str | None = None
    created_at: datetime = Field(sa_type=DateTime)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    machine_verdict: str | None = None  # what the automatic verdict was when this one was given
    review_id: int | None = Field(default=None, foreign_key="reviewsession.id", index=True)
    calibration_id: int | None = Field(default=None, foreign_key="calibrationround.id", index=True)
    supersedes_id: int | None = Field(default=None, foreign_key="humanlabel.id")


class Scorecard(SQLModel, table=True):
    """One scoring of one call by one rubric version. Old scorecards are kept."""

    __table_args__ = (UniqueConstraint("call_id", "rubric_id", "rubric_version", "rubric_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(foreign_key="call.id", index=True)
    rubric_id: str
    rubric_version: int
    rubric_hash: str = Field(max_length=64)
    language: str
    total: float | None = None
    critical_failed: bool = False
    critical_zeroes_total: bool = True  # the rubric's rule when scored; corrected totals use it, never today's file
    section_scores: str = Field(sa_column=Column(Text, nullable=False))  # JSON {section: score|null}
    outcome: str = Field(sa_column=Column(Text, nullable=False))  # JSON {order_placed, nps_score}
    created_at: datetime = Field(sa_type=DateTime)


class CriterionVerdict(SQLModel, table=True):
    """An automatic verdict with its evidence. Human overrides (reviews) will sit beside it."""

    __table_args__ = (UniqueConstraint("scorecard_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    scorecard_id: int = Field(foreign_key="scorecard.id", index=True)
    criterion_id: str
    section_id: str
    verdict: str  # pass | fail | na
    reason: str = Field(sa_column=Column(Text, nullable=False))
    confidence: float
    weight: float
    critical: bool
    evidence: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of {utterance_index, start_s, end_s, role, quote, rule}
    needs_review: bool = False  # calibrated confidence below the rubric's review_below when scored (migration 0005)


class ReviewSession(SQLModel, table=True):
    """A QA lead goes through calls with one operator: open -> closed -> acknowledged."""

    id: int | None = Field(default=None, primary_key=True)
    operator_id: str = Field(foreign_key="operator.id", index=True)
    reviewer: str
    status: str = "open"  # open | closed | acknowledged
    pick: str = Field(sa_column=Column(Text, nullable=False))  # JSON: how the calls were chosen (rule, n, seed...)
    rubric_id: str
    opened_at: datetime = Field(sa_type=DateTime)
    closed_at: datetime | None = Field(default=None, sa_type=DateTime)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    actions: str | None = Field(default=None, sa_column=Column(Text))  # agreed actions, one per line
    acknowledged_at: datetime | None = Field(default=None, sa_type=DateTime)


class ReviewItem(SQLModel, table=True):
    session_id: int = Field(foreign_key="reviewsession.id", primary_key=True)
    call_id: str = Field(foreign_key="call.id", primary_key=True)
    position: int
    why: str  # the pick rule that chose it


class ReviewComment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="reviewsession.id", index=True)
    call_id: str = Field(foreign_key="call.id")
    utterance_idx: int | None = None
    at_s: float | None = None
    author: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=DateTime)


class Dispute(SQLModel, table=True):
    """An operator contests a verdict; the QA lead upholds it or overturns it."""

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="reviewsession.id", index=True)
    call_id: str = Field(foreign_key="call.id")
    criterion_id: str
    operator_id: str = Field(foreign_key="operator.id")
    disputed_verdict: str
    claimed_verdict: str
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: str = "open"  # open | upheld | overturned
    opened_at: datetime = Field(sa_type=DateTime)
    resolved_by: str | None = None
    resolution: str | None = Field(default=None, sa_column=Column(Text))
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime)
    label_id: int | None = Field(default=None, foreign_key="humanlabel.id")  # the verdict an overturn created


class AuditEvent(SQLModel, table=True):
    """Append-only trail of every human action (who, when, what, on which row)."""

    __table_args__ = (Index("ix_auditevent_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=DateTime)
    actor: str
    action: str  # review.open, review.comment, verdict.override, review.close, review.acknowledge, dispute.open, dispute.resolve...
    entity: str  # review | dispute | call | calibration | model
    entity_id: str
    details: str = Field(sa_column=Column(Text, nullable=False))  # JSON


class CalibrationRound(SQLModel, table=True):
    """Several reviewers score the same calls blind; their labels are HumanLabel rows (source calibration)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    rubric_id: str
    created_at: datetime = Field(sa_type=DateTime)


class LearnedModel(SQLModel, table=True):
    """A trained classifier for one criterion; the file under QA_HOME/models/learned is checked by sha256."""

    __table_args__ = (UniqueConstraint("criterion_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    criterion_id: str
    version: int
    path: str
    sha256: str = Field(max_length=64)
    trained_at: datetime = Field(sa_type=DateTime)
    n_train: int
    metrics: str = Field(sa_column=Column(Text, nullable=False))  # JSON: cross-validated scores, rule-based on the same labels


class AppUser(SQLModel, table=True):
    """A person who logs in (web) or acts (CLI ``--as``): role lead | reviewer | trainer | operator. An operator's
    account names the operator it is; it sees only that operator's calls. Never deleted: disabled."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(sa_column=Column(String, unique=True, nullable=False))
    role: str
    operator_id: str | None = Field(default=None, foreign_key="operator.id")
    password_hash: str | None = None  # argon2id; None: cannot log in to the web (a CLI-only account)
    disabled: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    failed_logins: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    locked_until: datetime | None = Field(default=None, sa_type=DateTime)
    created_at: datetime = Field(sa_type=DateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=DateTime)


class Playlist(SQLModel, table=True):
    """A trainer's ordered list of clips for new hires (onboarding): title, audience, purpose."""

    id: int | None = Field(default=None, primary_key=True)
    title: str
    audience: str | None = None
    purpose: str | None = Field(default=None, sa_column=Column(Text))
    owner: str  # the login (or name) of the trainer who made it
    created_at: datetime = Field(sa_type=DateTime)
    updated_at: datetime = Field(sa_type=DateTime)


class PlaylistItem(SQLModel, table=True):
    """A clip: a window of one call, the criterion it illustrates and the trainer's note. ``position`` orders them."""

    id: int | None = Field(default=None, primary_key=True)
    playlist_id: int = Field(foreign_key="playlist.id", index=True)
    position: int
    call_id: str = Field(foreign_key="call.id", index=True)
    start_s: float
    end_s: float
    criterion_id: str | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    added_by: str
    added_at: datetime = Field(sa_type=DateTime)


class PlaylistListen(SQLModel, table=True):
    """A new hire marked a clip as listened (once per person and clip; the first time is kept)."""

    item_id: int = Field(foreign_key="playlistitem.id", primary_key=True)
    login: str = Field(primary_key=True)
    listened_at: datetime = Field(sa_type=DateTime)


class ShopperCampaign(SQLModel, table=True):
    """A wave of mystery-shopper calls: period, scenarios, target operators, calls per operator, results deadline.
    Campaigns of one ``series`` are its waves (the report's trend). ``staff_informed`` off: reports aggregate
    to teams and hide operator names, and say the results are not for disciplinary use."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String, unique=True, nullable=False))
    title: str
    series: str
    starts_on: datetime = Field(sa_type=DateTime)
    ends_on: datetime = Field(sa_type=DateTime)
    scenarios: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of scenario ids
    operators: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of target operator ids
    calls_per_operator: int = 1
    deadline_h: int = 48
    staff_informed: bool = False
    rubric_id: str
    created_by: str
    created_at: datetime = Field(sa_type=DateTime)


class ShopperAssignment(SQLModel, table=True):
    """One planned test call: planned → assigned → called → submitted → validated | revision | excluded → published
    (revision goes back to submitted). Every step is an audit event."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="shoppercampaign.id", index=True)
    scenario_id: str
    operator_id: str = Field(foreign_key="operator.id", index=True)
    shopper: str | None = None  # the shopper's nickname, once assigned
    status: str = "planned"
    note: str | None = Field(default=None, sa_column=Column(Text))  # the reason of the last step (revision, exclusion)
    updated_at: datetime = Field(sa_type=DateTime)


class ShopperEntry(SQLModel, table=True):
    """What a shopper handed in for an assignment: the call (processed by the pipeline like any other; ``call_id``
    None when the recording failed, ``error`` says why), the checklist answers, a 0–10 rating, and the scenario
    checks computed on the transcript."""

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="shopperassignment.id", unique=True)
    call_id: str | None = Field(default=None, foreign_key="call.id", index=True)
    recording: str  # the file as given (shown with a failure)
    status: str = "scored"  # scored | failed
    error: str | None = Field(default=None, sa_column=Column(Text))
    shopper: str
    operator_id: str = Field(foreign_key="operator.id", index=True)
    called_at: datetime | None = Field(default=None, sa_type=DateTime)
    dialled_number: str | None = None
    rings: int | None = None
    service_rating: int
    scenario_id: str
    scenario_version: int
    scenario_hash: str = Field(max_length=64)
    answers: str = Field(sa_column=Column(Text, nullable=False))  # JSON {item: {answer, comment}}
    checks: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of scenario checks with evidence
    created_by: str
    created_at: datetime = Field(sa_type=DateTime)


class Job(SQLModel, table=True):
    """One file of a batch handed to an executor (migration 0009): what became of it, after how many tries, on
    which worker, in which stage it failed. ``qa jobs`` reads it; ``qa jobs retry`` runs the failed ones again."""

    __table_args__ = (UniqueConstraint("batch_id", "idx"), Index("ix_job_status", "status"))

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    idx: int  # the file's position in the batch
    path: str
    call_id: str | None = None
    status: str = "queued"  # queued | done | failed | quarantined (its worker died on every try)
    attempts: int = 0
    worker: str | None = None  # host:pid of the process that did (or last tried) it
    stage: str | None = None  # the stage it was in when it failed
    error: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = Field(sa_type=DateTime)
