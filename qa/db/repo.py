"""Storage API: keyword-only functions over an Engine.

Dataclass <-> row conversion happens only here. A processed call is written in
one transaction (call, utterances, words, turns, metrics), so a crash or Ctrl-C
never leaves half a call behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import delete, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.errors import NotFound
from qa.core.records import (
    CallScore,
    CallSummary,
    HumanVerdict,
    OperatorInfo,
    StoredCall,
)
from qa.core.types import (
    CallFeatures,
    CallMetadata,
    CriterionResult,
    Diarization,
    Direction,
    Evidence,
    ImportedCall,
    ProcessedCall,
    Role,
    RoleAssignment,
    RoleFeatures,
    Scorecard,
    SpeakerTurn,
    Transcript,
    Utterance,
    Verdict,
    Word,
)
from qa.db import tables as t
from qa.db.engine import make_engine
from qa.db.migrate import upgrade


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def open_database(url: str) -> Engine:
    """Engine for ``url`` with the schema migrated to the newest revision."""
    engine = make_engine(url)
    upgrade(engine)
    return engine


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


def _metadata_columns(m: CallMetadata) -> dict:
    return {
        "operator_id": m.operator_id,
        "started_at": m.started_at,
        "direction": m.direction.value if m.direction else None,
        "phone": m.phone,
        "order_id": m.order_id,
        "extra": json.dumps(dict(m.extra), ensure_ascii=False) if m.extra else None,
    }


def _add_transcript(s: Session, call_id: str, transcript: Transcript) -> None:
    for idx, u in enumerate(transcript.utterances):
        row = t.Utterance(
            call_id=call_id, idx=idx, role=u.role.value, speaker=u.speaker, start_s=u.start_s, end_s=u.end_s,
            text=u.text, confidence=None if u.confidence is None else round(u.confidence, 4),
        )
        s.add(row)
        s.flush()
        s.add_all(
            t.Word(utterance_id=row.id, idx=i, start_s=w.start_s, end_s=w.end_s, text=w.text, probability=w.probability)
            for i, w in enumerate(u.words)
        )


def _add_features(s: Session, call_id: str, f: CallFeatures) -> None:
    s.add(t.CallMetrics(
        call_id=call_id, duration_s=f.duration_s, talk_s=f.talk_s, talk_listen_ratio=f.talk_listen_ratio,
        silence_total_s=f.silence_total_s, silence_longest_s=f.silence_longest_s, overtalk_s=f.overtalk_s,
    ))
    for r in f.roles:
        s.add(t.RoleMetrics(
            call_id=call_id, role=r.role.value, talk_s=r.talk_s, talk_ratio=r.talk_ratio, turns=r.turns, words=r.words,
            speech_rate_wpm=r.speech_rate_wpm, interruptions=r.interruptions,
            response_latency_mean_s=r.response_latency_mean_s, response_latency_max_s=r.response_latency_max_s,
            loudness_dbfs=r.loudness_dbfs,
        ))


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
            processing_s=round(call.processing_s, 3), processed_at=utcnow(), **_metadata_columns(call.metadata),
        ))
        s.flush()
        _add_transcript(s, call_id, tr)
        s.add_all(t.SpeakerTurn(call_id=call_id, speaker=x.speaker, start_s=x.start_s, end_s=x.end_s) for x in call.diarization.turns)
        _add_features(s, call_id, call.features)


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
            batch_id=batch_id, processed_at=utcnow(), **_metadata_columns(metadata),
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
            **_metadata_columns(call.metadata),
        ))
        s.flush()
        _add_transcript(s, call_id, tr)
        _add_features(s, call_id, call.features)
        now = utcnow()
        s.add_all(
            t.HumanLabel(call_id=call_id, criterion_id=k, verdict=v, source="import", created_at=now) for k, v in call.labels
        )


# ---------------------------------------------------------------- reading calls

def _summary(row: t.Call, n_utt: int) -> CallSummary:
    return CallSummary(
        call_id=row.id, file_name=row.file_name, status=row.status, error=row.error, operator_id=row.operator_id,
        started_at=row.started_at, direction=row.direction, mode=row.mode, language=row.language,
        duration_s=row.duration_s, utterances=n_utt, external_id=row.external_id,
    )


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
        return [_summary(row, int(n)) for row, n in s.exec(query).all()]


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
            summary=_summary(row, len(utterances)), metadata=metadata, transcript=transcript,
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


def save_scorecard(engine: Engine, *, call_id: str, card: Scorecard) -> bool:
    """Store a scorecard; False when this call already has one from the same rubric file."""
    with Session(engine) as s, s.begin():
        exists = s.exec(
            select(t.Scorecard.id).where(
                t.Scorecard.call_id == call_id, t.Scorecard.rubric_id == card.rubric_id,
                t.Scorecard.rubric_version == card.rubric_version, t.Scorecard.rubric_hash == card.rubric_hash,
            )
        ).first()
        if exists is not None:
            return False
        row = t.Scorecard(
            call_id=call_id, rubric_id=card.rubric_id, rubric_version=card.rubric_version, rubric_hash=card.rubric_hash,
            language=card.language, total=card.total, critical_failed=card.critical_failed,
            section_scores=json.dumps(dict(card.section_scores)), outcome=json.dumps(dict(card.outcome), ensure_ascii=False),
            created_at=utcnow(),
        )
        s.add(row)
        s.flush()
        s.add_all(
            t.CriterionVerdict(
                scorecard_id=row.id, criterion_id=r.criterion_id, section_id=r.section_id, verdict=r.verdict.value,
                reason=r.reason, confidence=r.confidence, weight=r.weight, critical=r.critical,
                evidence=json.dumps([asdict(e) for e in r.evidence], ensure_ascii=False),
            )
            for r in card.results
        )
        return True


def _card(s: Session, row: t.Scorecard, verdicts: list[t.CriterionVerdict] | None = None) -> Scorecard:
    if verdicts is None:
        verdicts = s.exec(select(t.CriterionVerdict).where(t.CriterionVerdict.scorecard_id == row.id).order_by(t.CriterionVerdict.id)).all()
    return Scorecard(
        rubric_id=row.rubric_id, rubric_version=row.rubric_version, rubric_hash=row.rubric_hash, language=row.language,
        results=tuple(
            CriterionResult(
                v.criterion_id, v.section_id, Verdict(v.verdict), v.reason,
                tuple(Evidence(**e) for e in json.loads(v.evidence)), v.confidence, v.weight, v.critical,
            )
            for v in verdicts
        ),
        section_scores=tuple(json.loads(row.section_scores).items()), total=row.total,
        critical_failed=row.critical_failed, outcome=tuple(json.loads(row.outcome).items()),
    )


def load_scorecards(engine: Engine, *, call_id: str) -> list[Scorecard]:
    """All scorecards of a call, newest first."""
    with Session(engine) as s:
        rows = s.exec(select(t.Scorecard).where(t.Scorecard.call_id == call_id).order_by(t.Scorecard.id.desc())).all()
        return [_card(s, row) for row in rows]


def human_verdict(row: t.HumanLabel) -> HumanVerdict:
    return HumanVerdict(
        row.id, row.call_id, row.criterion_id, Verdict(row.verdict), row.source, row.author, row.created_at,
        row.reason, row.machine_verdict,
    )


OVERRIDING_SOURCES = ("review", "dispute")


def current_overrides(s: Session, call_ids: list[str]) -> dict[str, list[HumanVerdict]]:
    """The newest review/dispute verdict per call and criterion (older ones are superseded, never deleted)."""
    out: dict[str, dict[str, HumanVerdict]] = {}
    for i in range(0, len(call_ids), 500):
        rows = s.exec(
            select(t.HumanLabel)
            .where(t.HumanLabel.call_id.in_(call_ids[i : i + 500]), t.HumanLabel.source.in_(OVERRIDING_SOURCES))
            .order_by(t.HumanLabel.id)
        ).all()
        for row in rows:
            out.setdefault(row.call_id, {})[row.criterion_id] = human_verdict(row)
    return {cid: list(by_crit.values()) for cid, by_crit in out.items()}


MYSTERY_KEY = "mystery_campaign"


def mystery_calls(engine: Engine, *, operator_id: str, campaign: str | None = None) -> dict[str, str]:
    """call id -> mystery-shopper campaign, for calls whose metadata has a ``mystery_campaign`` column."""
    with Session(engine) as s:
        rows = s.exec(select(t.Call.id, t.Call.extra).where(t.Call.operator_id == operator_id, t.Call.extra.is_not(None))).all()
    out = {}
    for call_id, extra in rows:
        name = json.loads(extra).get(MYSTERY_KEY)
        if name and (campaign is None or name == campaign):
            out[call_id] = name
    return out


def overrides_for(engine: Engine, *, call_id: str) -> list[HumanVerdict]:
    with Session(engine) as s:
        return current_overrides(s, [call_id]).get(call_id, [])


def call_scores(
    engine: Engine, *, rubric_id: str, start: datetime | None = None, end: datetime | None = None,
    operator_ids: list[str] | None = None, call_ids: list[str] | None = None,
) -> list[CallScore]:
    """Scored calls with an operator and a start time in [start, end): the newest
    scorecard of ``rubric_id`` (highest version) and the human overrides."""
    with Session(engine) as s:
        q = (
            select(t.Call, t.Operator, t.CallMetrics)
            .join(t.Operator, t.Operator.id == t.Call.operator_id)
            .join(t.CallMetrics, t.CallMetrics.call_id == t.Call.id, isouter=True)
            .where(t.Call.status == "done", t.Call.started_at.is_not(None))
        )
        if start is not None:
            q = q.where(t.Call.started_at >= start)
        if end is not None:
            q = q.where(t.Call.started_at < end)
        if operator_ids is not None:
            q = q.where(t.Call.operator_id.in_(operator_ids))
        if call_ids is not None:
            q = q.where(t.Call.id.in_(call_ids))
        rows = s.exec(q.order_by(t.Call.started_at, t.Call.id)).all()
        ids = [c.id for c, _, _ in rows]
        cards: dict[str, t.Scorecard] = {}
        for i in range(0, len(ids), 500):
            for card in s.exec(
                select(t.Scorecard).where(t.Scorecard.call_id.in_(ids[i : i + 500]), t.Scorecard.rubric_id == rubric_id)
                .order_by(t.Scorecard.rubric_version, t.Scorecard.id)
            ).all():
                cards[card.call_id] = card  # the newest version wins
        latency: dict[str, float | None] = {}
        for i in range(0, len(ids), 500):
            latency.update(s.exec(
                select(t.RoleMetrics.call_id, t.RoleMetrics.response_latency_mean_s)
                .where(t.RoleMetrics.call_id.in_(ids[i : i + 500]), t.RoleMetrics.role == "agent")
            ).all())
        overrides = current_overrides(s, [i for i in ids if i in cards])
        card_ids = [c.id for c in cards.values()]
        verdicts: dict[int, list[t.CriterionVerdict]] = {}
        for i in range(0, len(card_ids), 500):
            for v in s.exec(
                select(t.CriterionVerdict).where(t.CriterionVerdict.scorecard_id.in_(card_ids[i : i + 500])).order_by(t.CriterionVerdict.id)
            ).all():
                verdicts.setdefault(v.scorecard_id, []).append(v)
        return [
            CallScore(
                call_id=call.id, operator_id=op.id, team=op.team, started_at=call.started_at, duration_s=call.duration_s,
                talk_listen_ratio=metrics.talk_listen_ratio if metrics else None, response_latency_s=latency.get(call.id),
                card=_card(s, cards[call.id], verdicts.get(cards[call.id].id, [])), overrides=tuple(overrides.get(call.id, ())),
            )
            for call, op, metrics in rows
            if call.id in cards
        ]


def call_ids(engine: Engine, *, status: str = "done") -> list[str]:
    with Session(engine) as s:
        return list(s.exec(select(t.Call.id).where(t.Call.status == status).order_by(t.Call.id)).all())


# ---------------------------------------------------------------- audit, human labels, learned models


def add_audit(s: Session, *, actor: str, action: str, entity: str, entity_id, details: dict, at: datetime) -> None:
    """Append an audit event inside the caller's transaction."""
    s.add(t.AuditEvent(at=at, actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                       details=json.dumps(details, ensure_ascii=False, default=str)))


def human_labels(engine: Engine) -> dict[str, dict[str, str]]:
    """call id -> criterion -> the newest human verdict from imports, reviews and disputes (not calibration)."""
    out: dict[str, dict[str, str]] = {}
    with Session(engine) as s:
        rows = s.exec(
            select(t.HumanLabel.call_id, t.HumanLabel.criterion_id, t.HumanLabel.verdict)
            .where(t.HumanLabel.source.in_(("import", *OVERRIDING_SOURCES))).order_by(t.HumanLabel.id)
        ).all()
    for call_id, criterion_id, verdict in rows:
        out.setdefault(call_id, {})[criterion_id] = verdict
    return out


def next_model_version(engine: Engine, *, criterion_id: str) -> int:
    with Session(engine) as s:
        newest = s.exec(select(func.max(t.LearnedModel.version)).where(t.LearnedModel.criterion_id == criterion_id)).one()
        return int(newest or 0) + 1


def save_model(engine: Engine, *, criterion_id: str, version: int, path: str, sha256: str, n_train: int, metrics: dict) -> None:
    with Session(engine) as s, s.begin():
        now = utcnow()
        s.add(t.LearnedModel(criterion_id=criterion_id, version=version, path=path, sha256=sha256, trained_at=now,
                             n_train=n_train, metrics=json.dumps(metrics, ensure_ascii=False)))
        add_audit(s, actor="qa learn", action="model.train", entity="model", entity_id=f"{criterion_id}-v{version}",
                  at=now, details={"sha256": sha256, "n_train": n_train})
