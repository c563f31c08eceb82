"""Mystery-shopper campaigns (today: calls marked by the metadata column ``mystery_campaign``)."""

from __future__ import annotations

import json

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.db import tables as t

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
