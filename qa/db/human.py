"""People's verdicts: human labels, review sessions, comments, disputes, calibration rounds, the audit trail.

Human verdicts are append-only: a newer one supersedes an older one, nothing is updated or deleted."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.errors import NotFound
from qa.core.records import (
    AuditEntry,
    CalibrationRoundInfo,
    DisputeInfo,
    HumanVerdict,
    ReviewInfo,
)
from qa.core.types import Verdict
from qa.db import tables as t
from qa.db.convert import (
    audit_details,
    audit_entry,
    calibration_round_info,
    dispute_info,
    human_verdict,
    review_info,
)
from qa.db.engine import utcnow

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


def overrides_for(engine: Engine, *, call_id: str) -> list[HumanVerdict]:
    with Session(engine) as s:
        return current_overrides(s, [call_id]).get(call_id, [])


def add_audit(s: Session, *, actor: str, action: str, entity: str, entity_id, details: dict, at: datetime) -> None:
    """Append an audit event inside the caller's transaction."""
    s.add(t.AuditEvent(at=at, actor=actor, action=action, entity=entity, entity_id=str(entity_id),
                       details=audit_details(details)))


def human_labels(engine: Engine) -> dict[str, dict[str, str]]:
    """call id -> criterion -> the newest human verdict from imports, reviews and disputes (not calibration),
    on current calls (a superseded call keeps its verdicts, but they describe a transcript no longer in use)."""
    out: dict[str, dict[str, str]] = {}
    with Session(engine) as s:
        rows = s.exec(
            select(t.HumanLabel.call_id, t.HumanLabel.criterion_id, t.HumanLabel.verdict)
            .join(t.Call, t.Call.id == t.HumanLabel.call_id)
            .where(t.HumanLabel.source.in_(("import", *OVERRIDING_SOURCES)), t.Call.status == "done")
            .order_by(t.HumanLabel.id)
        ).all()
    for call_id, criterion_id, verdict in rows:
        out.setdefault(call_id, {})[criterion_id] = verdict
    return out


def _session_row(s: Session, session_id: int) -> t.ReviewSession:
    row = s.get(t.ReviewSession, session_id)
    if row is None:
        raise NotFound(f"no review session {session_id}; `qa review list` shows them")
    return row


# ---------------------------------------------------------------- sessions


def create_session(
    engine: Engine, *, operator_id: str, reviewer: str, rubric_id: str, pick: dict, items: list[tuple[str, str]],
) -> int:
    with Session(engine) as s, s.begin():
        now = utcnow()
        row = t.ReviewSession(operator_id=operator_id, reviewer=reviewer, rubric_id=rubric_id,
                              pick=json.dumps(pick, ensure_ascii=False), opened_at=now)
        s.add(row)
        s.flush()
        s.add_all(t.ReviewItem(session_id=row.id, call_id=cid, position=i, why=why) for i, (cid, why) in enumerate(items))
        add_audit(s, actor=reviewer, action="review.open", entity="review", entity_id=row.id, at=now,
               details={"operator": operator_id, "pick": pick, "calls": [cid for cid, _ in items]})
        return int(row.id)


def set_session_status(
    engine: Engine, *, session_id: int, actor: str, status: str, summary: str | None = None, actions: list[str] | None = None,
) -> None:
    with Session(engine) as s, s.begin():
        row = _session_row(s, session_id)
        now = utcnow()
        if status == "closed":
            row.closed_at, row.summary, row.actions = now, summary, "\n".join(actions or [])
        elif status == "acknowledged":
            row.acknowledged_at = now
        row.status = status
        s.add(row)
        details = {"summary": summary, "actions": actions} if status == "closed" else {}
        add_audit(s, actor=actor, action={"closed": "review.close", "acknowledged": "review.acknowledge"}[status],
               entity="review", entity_id=session_id, at=now, details=details)


def add_comment(
    engine: Engine, *, session_id: int, call_id: str, author: str, text: str, utterance_idx: int | None, at_s: float | None,
) -> int:
    with Session(engine) as s, s.begin():
        now = utcnow()
        row = t.ReviewComment(session_id=session_id, call_id=call_id, utterance_idx=utterance_idx, at_s=at_s,
                              author=author, text=text, created_at=now)
        s.add(row)
        s.flush()
        add_audit(s, actor=author, action="review.comment", entity="review", entity_id=session_id, at=now,
               details={"comment": row.id, "call": call_id, "utterance": utterance_idx, "at_s": at_s, "text": text})
        return int(row.id)


def _current_label(s: Session, call_id: str, criterion_id: str, sources: tuple[str, ...], calibration_id: int | None = None, author: str | None = None):
    q = select(t.HumanLabel).where(
        t.HumanLabel.call_id == call_id, t.HumanLabel.criterion_id == criterion_id, t.HumanLabel.source.in_(sources),
    )
    if calibration_id is not None:
        q = q.where(t.HumanLabel.calibration_id == calibration_id, t.HumanLabel.author == author)
    return s.exec(q.order_by(t.HumanLabel.id.desc())).first()


def _add_label(
    s: Session, *, call_id: str, criterion_id: str, verdict: Verdict, source: str, author: str, reason: str | None,
    machine_verdict: str | None, at: datetime, review_id: int | None = None, calibration_id: int | None = None,
) -> t.HumanLabel:
    if source == "calibration":
        previous = _current_label(s, call_id, criterion_id, ("calibration",), calibration_id, author)
    else:
        previous = _current_label(s, call_id, criterion_id, ("review", "dispute"))
    row = t.HumanLabel(
        call_id=call_id, criterion_id=criterion_id, verdict=verdict.value, source=source, author=author,
        created_at=at, reason=reason, machine_verdict=machine_verdict, review_id=review_id,
        calibration_id=calibration_id, supersedes_id=previous.id if previous else None,
    )
    s.add(row)
    s.flush()
    return row


def add_override(
    engine: Engine, *, session_id: int | None, call_id: str, criterion_id: str, verdict: Verdict, author: str,
    reason: str, machine_verdict: str,
) -> HumanVerdict:
    """A reviewer's verdict, in a review session or (``session_id`` None) straight on the call's page."""
    with Session(engine) as s, s.begin():
        now = utcnow()
        row = _add_label(s, call_id=call_id, criterion_id=criterion_id, verdict=verdict, source="review", author=author,
                         reason=reason, machine_verdict=machine_verdict, at=now, review_id=session_id)
        entity, entity_id = ("review", session_id) if session_id is not None else ("call", call_id)
        add_audit(s, actor=author, action="verdict.override", entity=entity, entity_id=entity_id, at=now,
               details={"label": row.id, "call": call_id, "criterion": criterion_id, "verdict": verdict.value,
                        "machine": machine_verdict, "supersedes": row.supersedes_id, "reason": reason})
        return human_verdict(row)


# ---------------------------------------------------------------- disputes


def open_dispute(
    engine: Engine, *, session_id: int, call_id: str, criterion_id: str, operator_id: str, disputed: Verdict,
    claimed: Verdict, reason: str,
) -> DisputeInfo:
    with Session(engine) as s, s.begin():
        now = utcnow()
        row = t.Dispute(session_id=session_id, call_id=call_id, criterion_id=criterion_id, operator_id=operator_id,
                        disputed_verdict=disputed.value, claimed_verdict=claimed.value, reason=reason, opened_at=now)
        s.add(row)
        s.flush()
        add_audit(s, actor=operator_id, action="dispute.open", entity="review", entity_id=session_id, at=now,
               details={"dispute": row.id, "call": call_id, "criterion": criterion_id, "disputed": disputed.value,
                        "claimed": claimed.value, "reason": reason})
        return dispute_info(row)


def get_dispute(engine: Engine, *, dispute_id: int) -> DisputeInfo:
    with Session(engine) as s:
        row = s.get(t.Dispute, dispute_id)
        if row is None:
            raise NotFound(f"no dispute {dispute_id}; `qa review show SESSION` lists a session's disputes")
        return dispute_info(row)


def resolve_dispute(engine: Engine, *, dispute_id: int, author: str, overturn: bool, note: str, machine_verdict: str) -> DisputeInfo:
    with Session(engine) as s, s.begin():
        row = s.get(t.Dispute, dispute_id)
        now = utcnow()
        label = None
        if overturn:
            label = _add_label(s, call_id=row.call_id, criterion_id=row.criterion_id, verdict=Verdict(row.claimed_verdict),
                               source="dispute", author=author, reason=f"dispute {row.id} overturned: {note}",
                               machine_verdict=machine_verdict, at=now, review_id=row.session_id)
            row.label_id = label.id
        row.status = "overturned" if overturn else "upheld"
        row.resolved_by, row.resolution, row.resolved_at = author, note, now
        s.add(row)
        add_audit(s, actor=author, action="dispute.resolve", entity="review", entity_id=row.session_id, at=now,
               details={"dispute": row.id, "decision": row.status, "note": note, "label": label.id if label else None})
        return dispute_info(row)


# ---------------------------------------------------------------- reading


def get_session(engine: Engine, *, session_id: int) -> ReviewInfo:
    with Session(engine) as s:
        row = _session_row(s, session_id)
        items = s.exec(select(t.ReviewItem).where(t.ReviewItem.session_id == session_id).order_by(t.ReviewItem.position)).all()
        comments = s.exec(select(t.ReviewComment).where(t.ReviewComment.session_id == session_id).order_by(t.ReviewComment.id)).all()
        labels = s.exec(select(t.HumanLabel).where(t.HumanLabel.review_id == session_id).order_by(t.HumanLabel.id)).all()
        disputes = s.exec(select(t.Dispute).where(t.Dispute.session_id == session_id).order_by(t.Dispute.id)).all()
        return review_info(row, items=items, comments=comments, labels=labels, disputes=disputes)


def list_sessions(engine: Engine, *, operator_id: str | None = None) -> list[ReviewInfo]:
    with Session(engine) as s:
        q = select(t.ReviewSession.id).order_by(t.ReviewSession.id)
        if operator_id is not None:
            q = q.where(t.ReviewSession.operator_id == operator_id)
        ids = list(s.exec(q).all())
    return [get_session(engine, session_id=i) for i in ids]


def audit_trail(engine: Engine, *, entity: str, entity_id) -> list[AuditEntry]:
    with Session(engine) as s:
        rows = s.exec(
            select(t.AuditEvent).where(t.AuditEvent.entity == entity, t.AuditEvent.entity_id == str(entity_id)).order_by(t.AuditEvent.id)
        ).all()
        return [audit_entry(r) for r in rows]


# ---------------------------------------------------------------- calibration


def calibration_round(engine: Engine, *, name: str, rubric_id: str, create: bool = False) -> int:
    with Session(engine) as s, s.begin():
        row = s.exec(select(t.CalibrationRound).where(t.CalibrationRound.name == name)).first()
        if row is None:
            if not create:
                raise NotFound(f"no calibration round {name!r}; `qa calibrate add {name} SHEET.csv --reviewer R` starts one")
            row = t.CalibrationRound(name=name, rubric_id=rubric_id, created_at=utcnow())
            s.add(row)
            s.flush()
            add_audit(s, actor="system", action="calibration.open", entity="calibration", entity_id=row.id,
                   at=row.created_at, details={"name": name, "rubric": rubric_id})
        return int(row.id)


def add_calibration_labels(
    engine: Engine, *, calibration_id: int, reviewer: str, labels: list[tuple[str, str, Verdict]],
) -> int:
    """One reviewer's blind verdicts (call id, criterion, verdict); a later verdict supersedes theirs."""
    with Session(engine) as s, s.begin():
        now = utcnow()
        for call_id, criterion_id, verdict in labels:
            _add_label(s, call_id=call_id, criterion_id=criterion_id, verdict=verdict, source="calibration", author=reviewer,
                       reason=None, machine_verdict=None, at=now, calibration_id=calibration_id)
        add_audit(s, actor=reviewer, action="calibration.labels", entity="calibration", entity_id=calibration_id, at=now,
               details={"labels": len(labels)})
        return len(labels)


def calibration_labels(engine: Engine, *, calibration_id: int) -> list[HumanVerdict]:
    """Each reviewer's newest verdict per call and criterion."""
    with Session(engine) as s:
        rows = s.exec(select(t.HumanLabel).where(t.HumanLabel.calibration_id == calibration_id).order_by(t.HumanLabel.id)).all()
        newest = {(r.author, r.call_id, r.criterion_id): r for r in rows}
        return [human_verdict(r) for r in newest.values()]


def list_calibration_rounds(engine: Engine) -> list[CalibrationRoundInfo]:
    """Every calibration round, oldest first, with its reviewers and how many verdicts they gave."""
    with Session(engine) as s:
        rounds = s.exec(select(t.CalibrationRound).order_by(t.CalibrationRound.id)).all()
        labels: dict[int, list[t.HumanLabel]] = {}
        for label in s.exec(select(t.HumanLabel).where(t.HumanLabel.calibration_id.is_not(None))).all():
            labels.setdefault(label.calibration_id, []).append(label)
        return [calibration_round_info(r, labels.get(r.id, [])) for r in rounds]


def record_event(engine: Engine, *, actor: str, action: str, entity: str, entity_id: str, details: dict) -> None:
    """One line in the audit trail for something read (a transcript viewed, audio played, an export)."""
    with Session(engine) as s, s.begin():
        add_audit(s, actor=actor, action=action, entity=entity, entity_id=entity_id, at=utcnow(), details=details)
