"""The data lifecycle in storage: erase a call on a customer's request, and remove transcripts and clips past their
retention period.

What carries a customer's personal data: the words (utterances, words, the search index that triggers keep in
step), the quotes and reasons in verdicts' evidence, people's comments and reasons about the call, the clips cut
from it, its file name, phone, order id and unknown metadata columns, and audit details about it. What does not,
and stays so that scorecards and KPIs keep counting the call: its id, operator, time, duration, timings
(diarization turns, metrics), verdicts and totals. Each operation is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.errors import NotFound
from qa.db import tables as t
from qa.db.campaigns import MYSTERY_KEY  # kept when erasing: a test call stays out of ordinary averages
from qa.db.engine import utcnow
from qa.db.human import add_audit

REMOVED = "[removed]"
FREE_TEXT = {"text", "reason", "quote", "resolution", "note", "comment", "query"}  # audit details people wrote


@dataclass(frozen=True, slots=True)
class Removal:
    """What one operation removed from one call (counts only: the audit keeps no personal data)."""

    call_id: str
    utterances: int
    quotes: int
    notes: int  # comments, reasons, disputes, audit details
    clips: int
    source_path: str | None  # the recording the caller may delete (None: nothing to delete)


def _scrub_transcript(s: Session, call_id: str) -> tuple[int, int]:
    utt_ids = list(s.exec(select(t.Utterance.id).where(t.Utterance.call_id == call_id)).all())
    if utt_ids:
        s.exec(delete(t.Word).where(t.Word.utterance_id.in_(utt_ids)))
        s.exec(delete(t.Utterance).where(t.Utterance.id.in_(utt_ids)))
    quotes = 0
    for card in s.exec(select(t.Scorecard).where(t.Scorecard.call_id == call_id)).all():
        outcome, n = _unquoted(json.loads(card.outcome))  # order events quote the moment they were read from
        card.outcome, quotes = json.dumps(outcome, ensure_ascii=False), quotes + n
        s.add(card)
        for v in s.exec(select(t.CriterionVerdict).where(t.CriterionVerdict.scorecard_id == card.id)).all():
            evidence, n = _unquoted(json.loads(v.evidence))
            v.evidence, quotes = json.dumps(evidence, ensure_ascii=False), quotes + n
            v.reason = f"{v.verdict} (the transcript was removed; the reason quoted it)"
            s.add(v)
    return len(utt_ids), quotes


def _unquoted(value):
    """``value`` with every ``quote`` (at any depth) replaced; and how many there were."""
    if isinstance(value, list):
        parts = [_unquoted(v) for v in value]
        return [p for p, _ in parts], sum(n for _, n in parts)
    if isinstance(value, dict):
        out, n = {}, 0
        for k, v in value.items():
            if k == "quote" and isinstance(v, str):
                out[k], n = (REMOVED if v else ""), n + bool(v)
            else:
                out[k], m = _unquoted(v)
                n += m
        return out, n
    return value, 0


def _clips(s: Session, call_id: str, before: datetime | None = None) -> int:
    q = select(t.PlaylistItem).where(t.PlaylistItem.call_id == call_id)
    if before is not None:
        q = q.where(t.PlaylistItem.added_at < before)
    items = s.exec(q).all()
    ids = [i.id for i in items]
    if ids:
        s.exec(delete(t.PlaylistListen).where(t.PlaylistListen.item_id.in_(ids)))
        s.flush()
        for item in items:
            s.delete(item)
        s.flush()
        for playlist_id in {i.playlist_id for i in items}:  # keep positions dense
            rest = s.exec(select(t.PlaylistItem).where(t.PlaylistItem.playlist_id == playlist_id)
                          .order_by(t.PlaylistItem.position)).all()
            for n, item in enumerate(rest, start=1):
                item.position = n
                s.add(item)
    return len(ids)


def _scrub_people(s: Session, call_id: str) -> int:
    n = 0
    for c in s.exec(select(t.ReviewComment).where(t.ReviewComment.call_id == call_id)).all():
        c.text, n = REMOVED, n + 1
        s.add(c)
    for d in s.exec(select(t.Dispute).where(t.Dispute.call_id == call_id)).all():
        d.reason, d.resolution, n = REMOVED, REMOVED if d.resolution else None, n + 1
        s.add(d)
    for h in s.exec(select(t.HumanLabel).where(t.HumanLabel.call_id == call_id, t.HumanLabel.reason.is_not(None))).all():
        h.reason, n = REMOVED, n + 1
        s.add(h)
    for e in s.exec(select(t.ShopperEntry).where(t.ShopperEntry.call_id == call_id)).all():
        checks, _ = _unquoted(json.loads(e.checks))  # the machine's checks quote the call
        for c in checks:
            c["reason"] = f"{c.get('verdict')} (the transcript was removed)"
        answers = json.loads(e.answers)
        for a in answers.values():
            if isinstance(a, dict) and a.get("comment"):
                a["comment"] = REMOVED
        e.checks, e.answers, n = json.dumps(checks, ensure_ascii=False), json.dumps(answers, ensure_ascii=False), n + 1
        s.add(e)
    about = (t.AuditEvent.entity == "call") & (t.AuditEvent.entity_id == call_id)
    for a in s.exec(select(t.AuditEvent).where(about | t.AuditEvent.details.contains(call_id))).all():
        details = json.loads(a.details)
        free = {k for k, v in details.items() if k in FREE_TEXT and isinstance(v, str) and v}
        if free:  # who did what, when, stays; what they wrote about the call goes
            a.details, n = json.dumps({**details, **dict.fromkeys(free, REMOVED)}, ensure_ascii=False), n + 1
            s.add(a)
    return n


def erase_call(engine: Engine, *, call_id: str, actor: str, ticket: str) -> Removal:
    """Remove everything personal about a call (see the module doc); ``ticket`` is the request's reference."""
    now = utcnow()
    with Session(engine) as s, s.begin():
        row = s.get(t.Call, call_id)
        if row is None:
            raise NotFound(f"No call '{call_id}'. Use an id listed by `qa calls`.")
        utterances, quotes = _scrub_transcript(s, call_id)
        notes = _scrub_people(s, call_id)
        clips = _clips(s, call_id)
        source = row.source_path if row.source == "audio" and row.audio_removed_at is None else None
        row.file_name = f"erased-{call_id}"
        if not source:  # a recording still on disk keeps its path until it is deleted (mark_audio_removed)
            row.source_path = ""
        mystery = {k: v for k, v in json.loads(row.extra or "{}").items() if k == MYSTERY_KEY}
        row.phone = row.order_id = None
        row.extra = json.dumps(mystery) if mystery else None  # a test call stays out of ordinary averages
        row.erased_at = now
        row.transcript_removed_at = row.transcript_removed_at or now
        s.add(row)
        add_audit(s, actor=actor, action="call.erase", entity="call", entity_id=call_id,
                  details={"ticket": ticket, "utterances": utterances, "quotes": quotes, "notes": notes,
                           "clips": clips}, at=now)
        return Removal(call_id, utterances, quotes, notes, clips, source)


def _older(q, before: datetime):
    """Calls whose time (start, or processing when unknown) is before ``before``."""
    return q.where(((t.Call.started_at.is_not(None)) & (t.Call.started_at < before))
                   | ((t.Call.started_at.is_(None)) & (t.Call.processed_at < before)))


def transcripts_before(engine: Engine, *, before: datetime) -> list[str]:
    with Session(engine) as s:
        q = select(t.Call.id).where(t.Call.transcript_removed_at.is_(None), t.Call.status != "failed")
        return list(s.exec(_older(q, before)).all())


def audio_before(engine: Engine, *, before: datetime) -> list[tuple[str, str]]:
    """(call id, recording path) of processed recordings older than ``before`` still on disk as far as we know."""
    with Session(engine) as s:
        q = select(t.Call.id, t.Call.source_path).where(t.Call.audio_removed_at.is_(None), t.Call.source == "audio",
                                                        t.Call.source_path != "")
        return [(a, b) for a, b in s.exec(_older(q, before)).all()]


def clips_before(engine: Engine, *, before: datetime) -> list[int]:
    with Session(engine) as s:
        return list(s.exec(select(t.PlaylistItem.id).where(t.PlaylistItem.added_at < before)).all())


def remove_transcripts(engine: Engine, *, call_ids: Sequence[str], actor: str, days: int) -> list[Removal]:
    now, done = utcnow(), []
    with Session(engine) as s, s.begin():
        for call_id in call_ids:
            row = s.get(t.Call, call_id)
            utterances, quotes = _scrub_transcript(s, call_id)
            row.transcript_removed_at = now
            s.add(row)
            add_audit(s, actor=actor, action="retention.transcript", entity="call", entity_id=call_id,
                      details={"days": days, "utterances": utterances, "quotes": quotes}, at=now)
            done.append(Removal(call_id, utterances, quotes, 0, 0, None))
    return done


def mark_audio_removed(engine: Engine, *, call_ids: Sequence[str], actor: str, days: int | None = None) -> None:
    """The recordings of ``call_ids`` were deleted (by retention after ``days``, or by an erasure)."""
    now = utcnow()
    with Session(engine) as s, s.begin():
        for call_id in call_ids:
            row = s.get(t.Call, call_id)
            row.audio_removed_at, row.source_path = now, ""
            s.add(row)
            add_audit(s, actor=actor, action="retention.audio" if days else "erase.audio", entity="call",
                      entity_id=call_id, details={"days": days} if days else {}, at=now)


def remove_clips(engine: Engine, *, before: datetime, actor: str, days: int) -> int:
    now = utcnow()
    with Session(engine) as s, s.begin():
        calls = set(s.exec(select(t.PlaylistItem.call_id).where(t.PlaylistItem.added_at < before)).all())
        n = sum(_clips(s, call_id, before) for call_id in calls)
        if n:
            add_audit(s, actor=actor, action="retention.clips", entity="playlist", entity_id="*",
                      details={"days": days, "clips": n}, at=now)
        return n
