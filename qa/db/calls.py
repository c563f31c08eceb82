"""Calls: batches, operators, processed / failed / imported calls and reading them back.

A processed call is written in one transaction (call, utterances, words, turns, metrics), so a crash or
Ctrl-C never leaves half a call behind. Functions are keyword-only over an Engine; rows never leave ``qa.db``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.errors import NotFound
from qa.core.records import (
    CallSummary,
    OperatorInfo,
    StoredCall,
)
from qa.core.types import (
    CallFeatures,
    CallMetadata,
    Diarization,
    Direction,
    ImportedCall,
    ProcessedCall,
    Role,
    RoleAssignment,
    RoleFeatures,
    SpeakerTurn,
    Transcript,
    Utterance,
    Word,
)
from qa.db import tables as t
from qa.db.convert import add_features, add_transcript, call_summary, metadata_columns
from qa.db.engine import utcnow

# ---------------------------------------------------------------- batches

def start_batch(engine: Engine, *, inputs: Iterable[str]) -> int:
    with Session(engine) as s:
        row = t.Batch(started_at=utcnow(), inputs=json.dumps(list(inputs), ensure_ascii=False))
        s.add(row)
        s.commit()
        return int(row.id)


def finish_batch(engine: Engine, *, batch_id: int, status: str, processed: int, skipped: int, failed: int, audio_s: float, wall_s: float) -> None:
    with Session(engine) as s:
        row = s.get(t.Batch, batch_id)
        if row is None:
            return
        row.status, row.finished_at = status, utcnow()
        row.processed, row.skipped, row.failed = processed, skipped, failed
        row.audio_s, row.wall_s = round(audio_s, 3), round(wall_s, 3)
        s.add(row)
        s.commit()


# ---------------------------------------------------------------- writing calls

def call_status(engine: Engine, *, call_id: str) -> str | None:
    with Session(engine) as s:
        row = s.get(t.Call, call_id)
        return row.status if row else None


def _ensure_operator(s: Session, metadata: CallMetadata) -> None:
    if not metadata.operator_id:
        return
    row = s.get(t.Operator, metadata.operator_id)
    if row is None:
        s.add(t.Operator(id=metadata.operator_id, name=metadata.operator_name, team=metadata.team, created_at=utcnow()))
    elif (metadata.operator_name and not row.name) or (metadata.team and metadata.team != row.team):
        row.name = row.name or metadata.operator_name
        row.team = metadata.team or row.team  # the newest metadata moves an operator between teams
        s.add(row)
    s.flush()


def list_operators(engine: Engine) -> list[OperatorInfo]:
    with Session(engine) as s:
        return [OperatorInfo(o.id, o.name, o.team) for o in s.exec(select(t.Operator).order_by(t.Operator.id)).all()]


def set_operator(engine: Engine, *, operator_id: str, name: str | None = None, team: str | None = None) -> OperatorInfo:
    """Create an operator or change their name/team (a team move applies to every period)."""
    with Session(engine) as s, s.begin():
        row = s.get(t.Operator, operator_id) or t.Operator(id=operator_id, created_at=utcnow())
        row.name = name if name is not None else row.name
        row.team = team if team is not None else row.team
        s.add(row)
        return OperatorInfo(row.id, row.name, row.team)


def _delete_call(s: Session, call_id: str) -> None:
    utt_ids = select(t.Utterance.id).where(t.Utterance.call_id == call_id)
    card_ids = select(t.Scorecard.id).where(t.Scorecard.call_id == call_id)
    s.exec(delete(t.CriterionVerdict).where(t.CriterionVerdict.scorecard_id.in_(card_ids)))
    s.exec(delete(t.Scorecard).where(t.Scorecard.call_id == call_id))
    s.exec(delete(t.Word).where(t.Word.utterance_id.in_(utt_ids)))
    for table in (t.Utterance, t.SpeakerTurn, t.RoleMetrics, t.CallMetrics, t.HumanLabel):
        s.exec(delete(table).where(table.call_id == call_id))
    s.exec(delete(t.Call).where(t.Call.id == call_id))
    s.flush()








def save_processed(engine: Engine, *, call: ProcessedCall, batch_id: int | None) -> None:
    """Store a processed recording atomically (replacing an earlier failed attempt)."""
    call_id = call.recording.call_id
    tr = call.transcript
    with Session(engine) as s, s.begin():
        _delete_call(s, call_id)
        _ensure_operator(s, call.metadata)
        s.add(t.Call(
            id=call_id, sha256=call.recording.sha256, source="audio", file_name=call.recording.path.name,
            source_path=str(call.recording.path), status="done", batch_id=batch_id, mode=call.mode,
            language=tr.language, language_probability=tr.language_probability, duration_s=round(call.duration_s, 3),
            sample_rate_hz=call.sample_rate_hz, channels=call.channels, role_method=tr.role_assignment.method,
            role_confidence=tr.role_assignment.confidence, asr_model=call.asr_model,
            notes=json.dumps(list(call.notes), ensure_ascii=False) if call.notes else None,
            processing_s=round(call.processing_s, 3), processed_at=utcnow(), **metadata_columns(call.metadata),
        ))
        s.flush()
        add_transcript(s, call_id, tr)
        s.add_all(t.SpeakerTurn(call_id=call_id, speaker=x.speaker, start_s=x.start_s, end_s=x.end_s) for x in call.diarization.turns)
        add_features(s, call_id, call.features)


def save_failure(engine: Engine, *, call_id: str, sha256: str | None, path: Path, reason: str, batch_id: int | None, metadata: CallMetadata) -> None:
    """Record why a recording failed. A stored, successfully processed call is never touched."""
    with Session(engine) as s, s.begin():
        existing = s.get(t.Call, call_id)
        if existing is not None and existing.status == "done":
            return
        _delete_call(s, call_id)
        _ensure_operator(s, metadata)
        s.add(t.Call(
            id=call_id, sha256=sha256, file_name=path.name, source_path=str(path), status="failed", error=reason,
            batch_id=batch_id, processed_at=utcnow(), **metadata_columns(metadata),
        ))


def save_imported(engine: Engine, *, call: ImportedCall, call_id: str, batch_id: int | None) -> None:
    tr = call.transcript
    with Session(engine) as s, s.begin():
        _delete_call(s, call_id)
        _ensure_operator(s, call.metadata)
        s.add(t.Call(
            id=call_id, sha256=call.sha256, source="import", external_id=call.external_id,
            file_name=call.source_path.name, source_path=str(call.source_path), status="done", batch_id=batch_id,
            mode="import", language=tr.language, duration_s=call.duration_s, role_method=tr.role_assignment.method,
            role_confidence=tr.role_assignment.confidence, processed_at=utcnow(),
            notes=json.dumps({"outcome": dict(call.outcome)}, ensure_ascii=False) if call.outcome else None,
            **metadata_columns(call.metadata),
        ))
        s.flush()
        add_transcript(s, call_id, tr)
        add_features(s, call_id, call.features)
        now = utcnow()
        s.add_all(
            t.HumanLabel(call_id=call_id, criterion_id=k, verdict=v, source="import", created_at=now) for k, v in call.labels
        )


# ---------------------------------------------------------------- reading calls



def list_calls(
    engine: Engine, *, operator: str | None = None, date_from: datetime | None = None, date_to: datetime | None = None,
    status: str | None = None, limit: int | None = None,
) -> list[CallSummary]:
    counts = select(t.Utterance.call_id, func.count(t.Utterance.id).label("n")).group_by(t.Utterance.call_id).subquery()
    query = select(t.Call, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.call_id == t.Call.id)
    if operator:
        query = query.where(t.Call.operator_id == operator)
    if date_from:
        query = query.where(t.Call.started_at >= date_from)
    if date_to:
        query = query.where(t.Call.started_at < date_to)
    if status:
        query = query.where(t.Call.status == status)
    query = query.order_by(t.Call.started_at.is_(None), t.Call.started_at, t.Call.file_name, t.Call.id)
    if limit:
        query = query.limit(limit)
    with Session(engine) as s:
        return [call_summary(row, int(n)) for row, n in s.exec(query).all()]


def resolve_call(engine: Engine, *, ref: str) -> str:
    """A call id, an imported call's own id, or the recording's file name -> call id."""
    with Session(engine) as s:
        if s.get(t.Call, ref) is not None:
            return ref
        name = Path(ref).name
        rows = s.exec(
            select(t.Call.id).where(or_(t.Call.external_id == ref, t.Call.file_name == name, t.Call.id.startswith(ref) if len(ref) >= 6 else False))
        ).all()
    unique = sorted(set(rows))
    if not unique:
        raise NotFound(f"No call '{ref}'. Use an id or file name listed by `qa calls`.")
    if len(unique) > 1:
        raise NotFound(f"'{ref}' matches several calls ({', '.join(unique[:5])}); use the call id from `qa calls`.")
    return unique[0]


def load_call(engine: Engine, *, call_id: str) -> StoredCall:
    with Session(engine) as s:
        row = s.get(t.Call, call_id)
        if row is None:
            raise NotFound(f"No call '{call_id}'. Use an id or file name listed by `qa calls`.")
        utt_rows = s.exec(select(t.Utterance).where(t.Utterance.call_id == call_id).order_by(t.Utterance.idx)).all()
        words_by_utt: dict[int, list[Word]] = {}
        if utt_rows:
            for w in s.exec(
                select(t.Word).where(t.Word.utterance_id.in_([u.id for u in utt_rows])).order_by(t.Word.utterance_id, t.Word.idx)
            ).all():
                words_by_utt.setdefault(w.utterance_id, []).append(Word(w.start_s, w.end_s, w.text, w.probability))
        turns = s.exec(select(t.SpeakerTurn).where(t.SpeakerTurn.call_id == call_id).order_by(t.SpeakerTurn.start_s)).all()
        cm = s.get(t.CallMetrics, call_id)
        rms = s.exec(select(t.RoleMetrics).where(t.RoleMetrics.call_id == call_id).order_by(t.RoleMetrics.role)).all()
        utterances = tuple(
            Utterance(Role(u.role), u.speaker, u.start_s, u.end_s, u.text, tuple(words_by_utt.get(u.id, ())))
            for u in utt_rows
        )
        speaker_roles = tuple(sorted({(u.speaker, u.role) for u in utterances}))
        transcript = Transcript(
            language=row.language or "", utterances=utterances,
            role_assignment=RoleAssignment(roles=speaker_roles, confidence=row.role_confidence or 0.0, method=row.role_method or ""),
            language_probability=row.language_probability,
        )
        features = None
        if cm is not None:
            features = CallFeatures(
                duration_s=cm.duration_s, talk_s=cm.talk_s, talk_listen_ratio=cm.talk_listen_ratio,
                silence_total_s=cm.silence_total_s, silence_longest_s=cm.silence_longest_s, overtalk_s=cm.overtalk_s,
                roles=tuple(
                    RoleFeatures(
                        role=Role(r.role), talk_s=r.talk_s, talk_ratio=r.talk_ratio, turns=r.turns, words=r.words,
                        speech_rate_wpm=r.speech_rate_wpm, interruptions=r.interruptions,
                        response_latency_mean_s=r.response_latency_mean_s, response_latency_max_s=r.response_latency_max_s,
                        loudness_dbfs=r.loudness_dbfs,
                    )
                    for r in rms
                ),
            )
        notes = row.notes
        metadata = CallMetadata(
            operator_id=row.operator_id, started_at=row.started_at,
            direction=Direction(row.direction) if row.direction else None, phone=row.phone, order_id=row.order_id,
            extra=tuple(sorted(json.loads(row.extra).items())) if row.extra else (),
        )
        return StoredCall(
            summary=call_summary(row, len(utterances)), metadata=metadata, transcript=transcript,
            diarization=Diarization(
                tuple(SpeakerTurn(x.speaker, x.start_s, x.end_s) for x in turns),
                method={"stereo": "channels", "mono": "pyannote"}.get(row.mode or "", row.mode or ""),
            ),
            features=features,
            notes=tuple(json.loads(notes)) if notes and notes.startswith("[") else (),
            source_path=row.source_path, asr_model=row.asr_model,
        )


def table_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            name: int(s.exec(select(func.count()).select_from(table)).one())
            for name, table in (("calls", t.Call), ("utterances", t.Utterance), ("words", t.Word), ("operators", t.Operator))
        }


# ---------------------------------------------------------------- scorecards






















def call_ids(engine: Engine, *, status: str = "done") -> list[str]:
    with Session(engine) as s:
        return list(s.exec(select(t.Call.id).where(t.Call.status == status).order_by(t.Call.id)).all())


# ---------------------------------------------------------------- audit, human labels, learned models








