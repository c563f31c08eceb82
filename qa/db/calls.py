"""Calls: batches, operators, processed / failed / imported calls and reading them back.

A processed call is written in one transaction (call, utterances, words, turns, metrics), so a crash or
Ctrl-C never leaves half a call behind. Functions are keyword-only over an Engine; rows never leave ``qa.db``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, or_
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.errors import NotFound
from qa.core.records import (
    SearchHit,
    CallSummary,
    OperatorInfo,
    StoredCall,
)
from qa.core.types import (
    CallMetadata,
    ImportedCall,
    ProcessedCall,
)
from qa.db import tables as t
from qa.db.convert import (
    add_features,
    add_transcript,
    audit_details,
    call_summary,
    failed_call_row,
    imported_call_row,
    operator_info,
    processed_call_row,
    stored_call,
)
from qa.db.engine import utcnow

SUPERSEDED = "superseded"

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
        return [operator_info(o) for o in s.exec(select(t.Operator).order_by(t.Operator.id)).all()]


def set_operator(engine: Engine, *, operator_id: str, name: str | None = None, team: str | None = None) -> OperatorInfo:
    """Create an operator or change their name/team (a team move applies to every period)."""
    with Session(engine) as s, s.begin():
        row = s.get(t.Operator, operator_id) or t.Operator(id=operator_id, created_at=utcnow())
        row.name = name if name is not None else row.name
        row.team = team if team is not None else row.team
        s.add(row)
        return operator_info(row)


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
    """Store a processed recording atomically, replacing earlier failed attempts: of this content, and of the same
    path when it held other content then (a copy still in progress, a file fixed in place)."""
    call_id = call.recording.call_id
    tr = call.transcript
    with Session(engine) as s, s.begin():
        stale = s.exec(select(t.Call.id).where(
            t.Call.source_path == str(call.recording.path), t.Call.status == "failed", t.Call.id != call_id,
            t.Call.id.not_in(select(t.ShopperEntry.call_id).where(t.ShopperEntry.call_id.is_not(None))),  # kept: an entry's record
        )).all()
        for old_id in (call_id, *stale):
            _delete_call(s, old_id)
        _ensure_operator(s, call.metadata)
        s.add(processed_call_row(call, batch_id=batch_id, at=utcnow()))
        s.flush()
        add_transcript(s, call_id, tr)
        s.add_all(t.SpeakerTurn(call_id=call_id, speaker=x.speaker, start_s=x.start_s, end_s=x.end_s) for x in call.diarization.turns)
        add_features(s, call_id, call.features)


def save_failure(engine: Engine, *, call_id: str, sha256: str | None, path: Path, reason: str, batch_id: int | None, metadata: CallMetadata) -> None:
    """Record why a recording failed. A stored, successfully processed call is never touched."""
    with Session(engine) as s, s.begin():
        existing = s.get(t.Call, call_id)
        if existing is not None and existing.status in ("done", SUPERSEDED):
            return
        _delete_call(s, call_id)
        _ensure_operator(s, metadata)
        s.add(failed_call_row(call_id=call_id, sha256=sha256, path=path, reason=reason, batch_id=batch_id,
                              metadata=metadata, at=utcnow()))


def current_versions(engine: Engine, *, external_id: str) -> list[str]:
    """The stored, not superseded imported calls with this external id (a transcript's own ``call_id``)."""
    with Session(engine) as s:
        return list(s.exec(
            select(t.Call.id).where(t.Call.external_id == external_id, t.Call.status != SUPERSEDED).order_by(t.Call.id)
        ).all())


def save_imported(
    engine: Engine, *, call: ImportedCall, call_id: str, batch_id: int | None, supersedes: Iterable[str] = (),
) -> None:
    """Store an imported transcript atomically. ``supersedes``: earlier versions of the same external call
    (a corrected transcript); they are kept, marked ``superseded`` with ``superseded_by`` this call, and
    their human verdicts stay with them."""
    tr = call.transcript
    with Session(engine) as s, s.begin():
        _delete_call(s, call_id)
        _ensure_operator(s, call.metadata)
        s.add(imported_call_row(call, call_id=call_id, batch_id=batch_id, at=utcnow()))
        s.flush()
        add_transcript(s, call_id, tr)
        add_features(s, call_id, call.features)
        now = utcnow()
        s.add_all(
            t.HumanLabel(call_id=call_id, criterion_id=k, verdict=v, source="import", created_at=now) for k, v in call.labels
        )
        for old_id in supersedes:
            old = s.get(t.Call, old_id)
            if old is None or old_id == call_id:
                continue
            previous = old.status
            old.status, old.superseded_by = SUPERSEDED, call_id
            s.add(old)
            s.add(t.AuditEvent(at=now, actor="qa import-transcript", action="call.supersede", entity="call",
                               entity_id=old_id, details=audit_details({
                                   "superseded_by": call_id, "external_id": call.external_id,
                                   "status": previous, "file": str(call.source_path)})))


# ---------------------------------------------------------------- reading calls


def list_calls(
    engine: Engine, *, operator: str | None = None, date_from: datetime | None = None, date_to: datetime | None = None,
    status: str | None = None, limit: int | None = None, include_superseded: bool = False,
) -> list[CallSummary]:
    """Stored calls, oldest first. Superseded calls (replaced by a re-imported transcript) are left out
    unless ``include_superseded`` or ``status="superseded"``."""
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
    elif not include_superseded:
        query = query.where(t.Call.status != SUPERSEDED)
    query = query.order_by(t.Call.started_at.is_(None), t.Call.started_at, t.Call.file_name, t.Call.id)
    if limit:
        query = query.limit(limit)
    with Session(engine) as s:
        return [call_summary(row, int(n)) for row, n in s.exec(query).all()]


def resolve_call(engine: Engine, *, ref: str) -> str:
    """A call id, an imported call's own id, or the recording's file name -> call id.
    When a name matches a call and the versions it replaced, the current version wins."""
    with Session(engine) as s:
        if s.get(t.Call, ref) is not None:
            return ref
        name = Path(ref).name
        rows = s.exec(
            select(t.Call.id, t.Call.status).where(
                or_(t.Call.external_id == ref, t.Call.file_name == name, t.Call.id.startswith(ref) if len(ref) >= 6 else False)
            )
        ).all()
    unique = sorted({cid for cid, _ in rows})
    current = sorted({cid for cid, status in rows if status != SUPERSEDED})
    if len(unique) > 1 and len(current) == 1:
        return current[0]
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
        words = s.exec(
            select(t.Word).where(t.Word.utterance_id.in_([u.id for u in utt_rows])).order_by(t.Word.utterance_id, t.Word.idx)
        ).all() if utt_rows else []
        return stored_call(
            row, utterances=utt_rows, words=words,
            turns=s.exec(select(t.SpeakerTurn).where(t.SpeakerTurn.call_id == call_id).order_by(t.SpeakerTurn.start_s)).all(),
            metrics=s.get(t.CallMetrics, call_id),
            role_metrics=s.exec(select(t.RoleMetrics).where(t.RoleMetrics.call_id == call_id).order_by(t.RoleMetrics.role)).all(),
            operator=s.get(t.Operator, row.operator_id) if row.operator_id else None,
            labels=s.exec(select(t.HumanLabel).where(t.HumanLabel.call_id == call_id, t.HumanLabel.source == "import")).all(),
        )


def update_metadata(
    engine: Engine, *, call_id: str, actor: str, operator_id: str | None = None, started_at: datetime | None = None,
    team: str | None = None, order_placed: bool | None = None, order_reason: str | None = None,
) -> CallSummary:
    """Set a call's operator and/or start time, and the operator's team, and/or whether it placed an order
    (metadata ``order_placed``, ``order_placed_by``: who and why), with an audit entry (old and new values).
    The rules (what may change, the messages) are :func:`qa.review.calls.set_call_metadata`'s."""
    with Session(engine) as s, s.begin():
        row = s.get(t.Call, call_id)
        if row is None:
            raise NotFound(f"No call '{call_id}'. Use an id or file name listed by `qa calls`.")
        now = utcnow()
        old_operator = s.get(t.Operator, row.operator_id) if row.operator_id else None
        extra = json.loads(row.extra) if row.extra else {}
        old = {"operator": row.operator_id, "started_at": row.started_at, "team": old_operator.team if old_operator else None,
               "order_placed": extra.get("order_placed")}
        if order_placed is not None:
            extra |= {"order_placed": "yes" if order_placed else "no", "order_placed_by": f"reviewer {actor}: {order_reason}"}
            row.extra = json.dumps(extra, ensure_ascii=False)
        if operator_id is not None and operator_id != row.operator_id:
            if s.get(t.Operator, operator_id) is None:
                s.add(t.Operator(id=operator_id, created_at=now))
                s.flush()
            row.operator_id = operator_id
        if started_at is not None:
            row.started_at = started_at
        operator = s.get(t.Operator, row.operator_id) if row.operator_id else None
        if team is not None and operator is not None:
            operator.team = team
            s.add(operator)
        s.add(row)
        new = {"operator": row.operator_id, "started_at": row.started_at, "team": operator.team if operator else None,
               "order_placed": extra.get("order_placed")} | ({"reason": order_reason} if order_placed is not None else {})
        s.add(t.AuditEvent(at=now, actor=actor, action="call.metadata", entity="call", entity_id=call_id,
                           details=audit_details({"old": old, "new": new})))
        s.flush()
        n = s.exec(select(func.count(t.Utterance.id)).where(t.Utterance.call_id == call_id)).one()
        return call_summary(row, int(n))


def table_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            name: int(s.exec(select(func.count()).select_from(table)).one())
            for name, table in (("calls", t.Call), ("utterances", t.Utterance), ("words", t.Word), ("operators", t.Operator))
        }


def call_ids(engine: Engine, *, status: str = "done") -> list[str]:
    """Ids of the calls with this status (``done``: the current, successfully stored ones)."""
    with Session(engine) as s:
        return list(s.exec(select(t.Call.id).where(t.Call.status == status).order_by(t.Call.id)).all())


def search_utterances(engine: Engine, *, query: str, operator: str | None = None, limit: int = 100) -> list[SearchHit]:
    """Utterances whose words start with the words of ``query`` (every word, any order; case ignored), newest calls
    first. SQLite: the FTS5 index; PostgreSQL: ``to_tsvector('simple', ...)`` (both from migration 0006)."""
    words = [w for w in re.findall(r"\w+", query.lower()) if w]
    if not words:
        return []
    select_hit = ("SELECT c.id, c.file_name, c.operator_id, u.idx, u.role, u.start_s, u.text FROM utterance u "
                  "JOIN call c ON c.id = u.call_id WHERE c.status = 'done'")
    params: dict = {"limit": limit}
    if engine.dialect.name == "sqlite":
        params["q"] = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
        query_sql = select_hit + " AND u.id IN (SELECT rowid FROM utterance_fts WHERE utterance_fts MATCH :q)"
    elif engine.dialect.name == "postgresql":  # prefixes, as FTS5 above: "заказ" finds «заказа» too
        params["q"] = " & ".join(f"{w}:*" for w in words)  # \w+ only: no tsquery operator gets through
        query_sql = select_hit + " AND to_tsvector('simple', u.text) @@ to_tsquery('simple', :q)"
    else:  # any other database: a plain scan
        query_sql = select_hit + "".join(f" AND lower(u.text) LIKE :w{i}" for i in range(len(words)))
        params |= {f"w{i}": f"%{w}%" for i, w in enumerate(words)}
    if operator is not None:
        query_sql += " AND c.operator_id = :operator"
        params["operator"] = operator
    query_sql += " ORDER BY c.started_at DESC, c.id, u.idx LIMIT :limit"
    with engine.connect() as conn:
        rows = conn.execute(sql_text(query_sql), params).all()
    return [SearchHit(call_id=r[0], file_name=r[1], operator_id=r[2], utterance_idx=r[3], role=r[4],
                      start_s=float(r[5]), text=r[6]) for r in rows]


def asr_confidence(engine: Engine, *, call_ids: list[str]) -> dict[str, float | None]:
    """call id -> the mean word probability over its utterances (None: typed or imported, no ASR confidence)."""
    out: dict[str, float | None] = {}
    with Session(engine) as s:
        for i in range(0, len(call_ids), 500):
            out.update(s.exec(
                select(t.Utterance.call_id, func.avg(t.Utterance.confidence))
                .where(t.Utterance.call_id.in_(call_ids[i : i + 500])).group_by(t.Utterance.call_id)
            ).all())
    return out
