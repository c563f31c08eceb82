"""Scorecards: storing a rubric's verdicts for a call, reading them back, and the per-call view scorecards use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, literal_column, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.errors import RubricError
from qa.core.records import (
    CallScore,
)
from qa.core.types import (
    Scorecard,
)
from qa.db import tables as t
from qa.db.campaigns import MYSTERY_KEY
from qa.db.convert import add_scorecard, order_truth, scorecard
from qa.db.engine import utcnow
from qa.db.human import current_overrides


def edited_rubric(s: Session, rubric_id: str, version: int, sha256: str) -> str | None:
    """The hash scorecards of ``rubric_id`` v``version`` were stored with, when it is not ``sha256``: the file
    was edited without raising its version."""
    return s.exec(
        select(t.Scorecard.rubric_hash).where(
            t.Scorecard.rubric_id == rubric_id, t.Scorecard.rubric_version == version, t.Scorecard.rubric_hash != sha256,
        ).limit(1)
    ).first()


def check_rubric(engine: Engine, *, rubric_id: str, version: int, sha256: str) -> None:
    """Refuse a rubric file whose version already scored calls with other contents (RubricError says what to do)."""
    with Session(engine) as s:
        stored = edited_rubric(s, rubric_id, version, sha256)
        newest = s.exec(select(func.max(t.Scorecard.rubric_version)).where(t.Scorecard.rubric_id == rubric_id)).one()
    if stored is not None:
        raise RubricError(
            f"rubric {rubric_id} v{version} was edited after calls were scored with it (stored sha256 {stored[:12]}, "
            f"file {sha256[:12]}): raise its `version:` to {max(version, newest or 0) + 1} so both versions stay reportable"
        )


def stored_rubric_versions(engine: Engine, *, rubric_id: str) -> list[tuple[int, str, int]]:
    """(version, sha256, scorecards) of every stored version of a rubric, oldest first."""
    with Session(engine) as s:
        rows = s.exec(
            select(t.Scorecard.rubric_version, t.Scorecard.rubric_hash, func.count(t.Scorecard.id))
            .where(t.Scorecard.rubric_id == rubric_id).group_by(t.Scorecard.rubric_version, t.Scorecard.rubric_hash)
            .order_by(t.Scorecard.rubric_version)
        ).all()
    return [(v, h, n) for v, h, n in rows]


def save_scorecard(engine: Engine, *, call_id: str, card: Scorecard) -> bool:
    """Store a scorecard; False when this call already has one from the same rubric file. A rubric file edited
    without raising its version is refused (RubricError), so a version always means one set of rules."""
    with Session(engine) as s, s.begin():
        stored = edited_rubric(s, card.rubric_id, card.rubric_version, card.rubric_hash)
        if stored is not None:
            raise RubricError(
                f"rubric {card.rubric_id} v{card.rubric_version} was edited after calls were scored with it "
                f"(stored sha256 {stored[:12]}, file {card.rubric_hash[:12]}): raise its `version:`"
            )
        exists = s.exec(
            select(t.Scorecard.id).where(
                t.Scorecard.call_id == call_id, t.Scorecard.rubric_id == card.rubric_id,
                t.Scorecard.rubric_version == card.rubric_version, t.Scorecard.rubric_hash == card.rubric_hash,
            )
        ).first()
        if exists is not None:
            return False
        add_scorecard(s, call_id, card, utcnow())
        return True


def load_scorecards(engine: Engine, *, call_id: str) -> list[Scorecard]:
    """All scorecards of a call, newest first."""
    with Session(engine) as s:
        rows = s.exec(select(t.Scorecard).where(t.Scorecard.call_id == call_id).order_by(t.Scorecard.id.desc())).all()
        return [scorecard(s, row) for row in rows]


def call_scores(
    engine: Engine, *, rubric_id: str, start: datetime | None = None, end: datetime | None = None,
    operator_ids: list[str] | None = None, call_ids: list[str] | None = None, include_superseded: bool = False,
    rubric_version: int | None = None, exclude_mystery: bool = False, evidence: bool = True,
) -> list[CallScore]:
    """Scored calls with an operator and a start time in [start, end): the newest
    scorecard of ``rubric_id`` (highest version, or ``rubric_version``) and the human overrides. Calls replaced by a
    re-imported transcript are left out unless ``include_superseded`` (a past review session's calls);
    ``exclude_mystery`` leaves out mystery-shopper calls (a shopper entry's call, or metadata ``mystery_campaign``),
    which ordinary operator averages never count. ``evidence=False`` leaves the verdicts' evidence out (figures
    over many calls never read it).

    Rows are read as plain tuples, not ORM objects: a month of a large desk is tens of thousands of calls."""
    call, card_t, verdict_t = t.Call.__table__.c, t.Scorecard.__table__, t.CriterionVerdict.__table__
    q = (
        select(call.id, call.started_at, call.duration_s, call.extra, call.notes, t.Operator.id.label("operator_id"),
               t.Operator.team, t.CallMetrics.talk_listen_ratio)
        .join(t.Operator, t.Operator.id == call.operator_id)
        .join(t.CallMetrics, t.CallMetrics.call_id == call.id, isouter=True)
        .where(call.status.in_(("done", "superseded") if include_superseded else ("done",)), call.started_at.is_not(None))
    )
    if start is not None:
        q = q.where(call.started_at >= start)
    if end is not None:
        q = q.where(call.started_at < end)
    if operator_ids is not None:
        q = q.where(call.operator_id.in_(operator_ids))
    if call_ids is not None:
        q = q.where(call.id.in_(call_ids))
    if exclude_mystery:
        q = q.where(call.id.not_in(select(t.ShopperEntry.call_id).where(t.ShopperEntry.call_id.is_not(None))),
                    or_(call.extra.is_(None), call.extra.not_like(f'%"{MYSTERY_KEY}"%')))
    with Session(engine) as s:
        conn = s.connection()  # plain rows: ``Session.exec`` would hand single-entity selects back as scalars
        rows = conn.execute(q.order_by(call.started_at, call.id)).all()
        ids = [r.id for r in rows]
        cards: dict[str, Any] = {}
        version = [card_t.c.rubric_version == rubric_version] if rubric_version is not None else []
        for chunk in _chunks(ids):
            for card in conn.execute(select(card_t).where(card_t.c.call_id.in_(chunk), card_t.c.rubric_id == rubric_id, *version)
                               .order_by(card_t.c.rubric_version, card_t.c.id)).all():
                cards[card.call_id] = card  # the newest version wins
        latency: dict[str, float | None] = {}
        for chunk in _chunks(ids):
            latency.update(conn.execute(
                select(t.RoleMetrics.call_id, t.RoleMetrics.response_latency_mean_s)
                .where(t.RoleMetrics.call_id.in_(chunk), t.RoleMetrics.role == "agent")
            ).all())
        overrides = current_overrides(s, [i for i in ids if i in cards])
        verdicts: dict[int, list] = {}
        columns = [c if evidence or c.name != "evidence" else literal_column("'[]'").label("evidence") for c in verdict_t.c]
        for chunk in _chunks([c.id for c in cards.values()]):
            for v in conn.execute(select(*columns).where(verdict_t.c.scorecard_id.in_(chunk)).order_by(verdict_t.c.id)).all():
                verdicts.setdefault(v.scorecard_id, []).append(v)
        return [
            CallScore(
                call_id=r.id, operator_id=r.operator_id, team=r.team, started_at=r.started_at, duration_s=r.duration_s,
                talk_listen_ratio=r.talk_listen_ratio, response_latency_s=latency.get(r.id),
                card=scorecard(s, cards[r.id], verdicts.get(cards[r.id].id, [])), overrides=tuple(overrides.get(r.id, ())),
                order_truth=order_truth(r),
            )
            for r in rows
            if r.id in cards
        ]


def _chunks(ids: list, size: int = 500):
    """``IN (...)`` lists of at most ``size`` (SQLite's variable limit, PostgreSQL's plan cache)."""
    return (ids[i : i + size] for i in range(0, len(ids), size))


def rubric_criteria(engine: Engine, *, rubric_id: str) -> list[str]:
    """The criterion ids of the newest stored version of ``rubric_id`` (empty when nothing is scored with it)."""
    with Session(engine) as s:
        card_id = s.exec(
            select(t.Scorecard.id).where(t.Scorecard.rubric_id == rubric_id)
            .order_by(t.Scorecard.rubric_version.desc(), t.Scorecard.id.desc())
        ).first()
        if card_id is None:
            return []
        return list(s.exec(
            select(t.CriterionVerdict.criterion_id).where(t.CriterionVerdict.scorecard_id == card_id).order_by(t.CriterionVerdict.id)
        ).all())
