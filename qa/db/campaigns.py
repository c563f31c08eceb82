"""Mystery-shopper campaigns, their assignments and the entries shoppers hand in; and the older way of marking a
call as a mystery-shopper call (the metadata column ``mystery_campaign``).

Every step is one transaction with its audit event. The assignment lifecycle itself (which step may follow which)
is ``mystery_shopper.workflow``'s; these functions check the step it allows inside the transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.errors import NotFound, StateError
from qa.core.records import AssignmentInfo, CampaignInfo, EntryInfo
from qa.db import tables as t
from qa.db.convert import assignment_info, campaign_info, entry_info
from qa.db.engine import utcnow
from qa.db.human import add_audit

MYSTERY_KEY = "mystery_campaign"


def mystery_calls(engine: Engine, *, operator_id: str, campaign: str | None = None) -> dict[str, str]:
    """call id -> mystery-shopper campaign, for calls whose metadata has a ``mystery_campaign`` column."""
    with Session(engine) as s:
        rows = s.exec(select(t.Call.id, t.Call.extra).where(
            t.Call.operator_id == operator_id, t.Call.extra.is_not(None), t.Call.status == "done"
        )).all()
    out = {}
    for call_id, extra in rows:
        name = json.loads(extra).get(MYSTERY_KEY)
        if name and (campaign is None or name == campaign):
            out[call_id] = name
    return out


# ---------------------------------------------------------------- campaigns, assignments, entries

def _campaign(s: Session, ref: int | str) -> t.ShopperCampaign:
    row = s.get(t.ShopperCampaign, int(ref)) if str(ref).isdigit() else None
    if row is None:
        row = s.exec(select(t.ShopperCampaign).where(t.ShopperCampaign.name == str(ref))).first()
    if row is None:
        names = s.exec(select(t.ShopperCampaign.name).order_by(t.ShopperCampaign.id)).all()
        raise NotFound(f"No campaign {ref!r} (known: {', '.join(names[:10]) or 'none yet: qa shopper campaign create'})")
    return row


def create_campaign(
    engine: Engine, *, name: str, title: str, series: str, starts_on: datetime, ends_on: datetime,
    scenarios: Sequence[str], operators: Sequence[str], calls_per_operator: int, deadline_h: int,
    staff_informed: bool, rubric_id: str, actor: str,
) -> CampaignInfo:
    """A campaign and its planned assignments: each operator gets ``calls_per_operator`` test calls, the
    scenarios taken in turn (operator i's call k gets scenario (i + k) mod n, so every scenario meets several
    operators). One transaction."""
    now = utcnow()
    with Session(engine) as s:
        if s.exec(select(t.ShopperCampaign.id).where(t.ShopperCampaign.name == name)).first() is not None:
            raise StateError(f"a campaign named {name!r} exists; choose another name (`qa shopper campaign list`)")
        known = set(s.exec(select(t.Operator.id)).all())
        missing = [o for o in operators if o not in known]
        if missing:
            raise NotFound(f"unknown operator(s) {', '.join(missing)} (known: {', '.join(sorted(known)[:10]) or 'none'}); "
                           "operators come from the metadata of processed calls, or `qa operators set`")
        row = t.ShopperCampaign(
            name=name, title=title, series=series, starts_on=starts_on, ends_on=ends_on,
            scenarios=json.dumps(list(scenarios)), operators=json.dumps(list(operators)),
            calls_per_operator=calls_per_operator, deadline_h=deadline_h, staff_informed=staff_informed,
            rubric_id=rubric_id, created_by=actor, created_at=now,
        )
        s.add(row)
        s.flush()
        for i, operator_id in enumerate(operators):
            for k in range(calls_per_operator):
                s.add(t.ShopperAssignment(campaign_id=row.id, scenario_id=scenarios[(i + k) % len(scenarios)],
                                          operator_id=operator_id, status="planned", updated_at=now))
        add_audit(s, actor=actor, action="campaign.create", entity="campaign", entity_id=row.id,
                  details={"name": name, "scenarios": list(scenarios), "operators": list(operators),
                           "calls_per_operator": calls_per_operator}, at=now)
        s.commit()
        return campaign_info(row)


def list_campaigns(engine: Engine) -> list[CampaignInfo]:
    with Session(engine) as s:
        return [campaign_info(r) for r in s.exec(select(t.ShopperCampaign).order_by(t.ShopperCampaign.starts_on,
                                                                                     t.ShopperCampaign.id)).all()]


def load_campaign(engine: Engine, *, ref: int | str) -> CampaignInfo:
    with Session(engine) as s:
        return campaign_info(_campaign(s, ref))


def assignments(engine: Engine, *, campaign_id: int) -> list[AssignmentInfo]:
    with Session(engine) as s:
        return [assignment_info(r) for r in s.exec(
            select(t.ShopperAssignment).where(t.ShopperAssignment.campaign_id == campaign_id)
            .order_by(t.ShopperAssignment.id)).all()]


def load_assignment(engine: Engine, *, assignment_id: int) -> AssignmentInfo:
    with Session(engine) as s:
        return assignment_info(_assignment(s, assignment_id))


def _assignment(s: Session, assignment_id: int) -> t.ShopperAssignment:
    row = s.get(t.ShopperAssignment, assignment_id)
    if row is None:
        raise NotFound(f"No assignment {assignment_id}. `qa shopper campaign show CAMPAIGN` lists them.")
    return row


def _step(s: Session, row: t.ShopperAssignment, status: str, *, allowed_from: Sequence[str], actor: str,
          note: str | None, at: datetime, **changes) -> None:
    if row.status not in allowed_from:
        raise StateError(f"assignment {row.id} is {row.status}; it can become {status} only from "
                         f"{' or '.join(allowed_from)}")
    before = row.status
    row.status, row.updated_at = status, at
    if note is not None:
        row.note = note
    for key, value in changes.items():
        setattr(row, key, value)
    s.add(row)
    add_audit(s, actor=actor, action=f"assignment.{status}", entity="assignment", entity_id=row.id,
              details={"from": before, "to": status, "note": note, **changes}, at=at)


def move_assignment(engine: Engine, *, assignment_id: int, status: str, allowed_from: Sequence[str], actor: str,
                    note: str | None = None, shopper: str | None = None) -> AssignmentInfo:
    """Move one assignment to ``status`` if it is in one of ``allowed_from`` (checked in the transaction)."""
    now = utcnow()
    with Session(engine) as s:
        row = _assignment(s, assignment_id)
        changes = {"shopper": shopper} if shopper is not None else {}
        _step(s, row, status, allowed_from=allowed_from, actor=actor, note=note, at=now, **changes)
        s.commit()
        return assignment_info(row)


def save_entry(
    engine: Engine, *, assignment_id: int, allowed_from: Sequence[str], recording: str, call_id: str | None,
    error: str | None, shopper: str, called_at: datetime | None, dialled_number: str | None, rings: int | None,
    service_rating: int, scenario_id: str, scenario_version: int, scenario_hash: str, answers: dict,
    checks: list[dict], actor: str,
) -> EntryInfo:
    """Store (or, after a revision, replace) the entry of an assignment and move it to ``submitted``, in one
    transaction. A recording that failed is stored too (``call_id`` None, ``error`` set): nothing handed in is lost."""
    now = utcnow()
    with Session(engine) as s:
        a = _assignment(s, assignment_id)
        if a.status in ("planned", "assigned"):  # the shopper called: record the step the entry implies
            _step(s, a, "called", allowed_from=("assigned",), actor=actor, note=None, at=now)
        _step(s, a, "submitted", allowed_from=allowed_from, actor=actor, note=None, at=now)
        row = s.exec(select(t.ShopperEntry).where(t.ShopperEntry.assignment_id == assignment_id)).first()
        row = row or t.ShopperEntry(assignment_id=assignment_id)
        for key, value in dict(
            call_id=call_id, recording=recording, status="failed" if call_id is None else "scored", error=error,
            shopper=shopper, operator_id=a.operator_id, called_at=called_at, dialled_number=dialled_number,
            rings=rings, service_rating=service_rating, scenario_id=scenario_id, scenario_version=scenario_version,
            scenario_hash=scenario_hash, answers=json.dumps(answers, ensure_ascii=False),
            checks=json.dumps(checks, ensure_ascii=False, default=str), created_by=actor, created_at=now,
        ).items():
            setattr(row, key, value)
        s.add(row)
        s.flush()
        add_audit(s, actor=actor, action="entry.submit", entity="assignment", entity_id=assignment_id,
                  details={"entry": row.id, "call": call_id, "status": row.status}, at=now)
        s.commit()
        return _entry_info(s, row)


def _entry_info(s: Session, row: t.ShopperEntry) -> EntryInfo:
    a = s.get(t.ShopperAssignment, row.assignment_id)
    op = s.get(t.Operator, row.operator_id)
    return entry_info(row, a, op.team if op else None)


def entries(engine: Engine, *, campaign_ids: Sequence[int] | None = None, operator_id: str | None = None,
            start: datetime | None = None, end: datetime | None = None) -> list[EntryInfo]:
    with Session(engine) as s:
        q = select(t.ShopperEntry).join(t.ShopperAssignment, t.ShopperAssignment.id == t.ShopperEntry.assignment_id)
        if campaign_ids is not None:
            q = q.where(t.ShopperAssignment.campaign_id.in_(list(campaign_ids)))
        if operator_id is not None:
            q = q.where(t.ShopperEntry.operator_id == operator_id)
        if start is not None:
            q = q.where(t.ShopperEntry.called_at >= start)
        if end is not None:
            q = q.where(t.ShopperEntry.called_at < end)
        return [_entry_info(s, r) for r in s.exec(q.order_by(t.ShopperEntry.id)).all()]


def load_entry(engine: Engine, *, entry_id: int) -> EntryInfo:
    with Session(engine) as s:
        row = s.get(t.ShopperEntry, entry_id)
        if row is None:
            raise NotFound(f"No entry {entry_id}. `qa shopper campaign show CAMPAIGN` lists the entries.")
        return _entry_info(s, row)
