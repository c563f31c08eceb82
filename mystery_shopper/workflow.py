"""Campaigns and the assignment lifecycle: who calls whom, and which step may follow which.

An assignment moves planned → assigned (a shopper takes it) → called → submitted (the entry is handed in) →
validated | revision | excluded; validated → published. A revision goes back to the shopper, whose new entry
makes it submitted again. A step out of order is refused with a line saying which step must come first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from sqlalchemy.engine import Engine

from qa.core.errors import ConfigError
from qa.core.records import AssignmentInfo, CampaignInfo
from qa.db import campaigns as store

STATES = ("planned", "assigned", "called", "submitted", "validated", "revision", "excluded", "published")
# status -> the statuses it may be reached from
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "assigned": ("planned", "assigned"),  # (re)assign to a shopper before the call
    "called": ("assigned",),
    "submitted": ("called", "revision"),
    "validated": ("submitted",),
    "revision": ("submitted",),
    "excluded": ("submitted", "planned", "assigned"),
    "published": ("validated",),
}
# what a person may set by hand; "submitted" comes with an entry (`qa shopper entry add`)
MANUAL = ("called", "validated", "revision", "excluded", "published")


def create_campaign(
    engine: Engine, *, name: str, scenarios: Sequence[str], operators: Sequence[str], starts_on: date,
    ends_on: date, actor: str, title: str | None = None, series: str | None = None, calls_per_operator: int = 1,
    deadline_h: int = 48, staff_informed: bool = False, rubric_id: str = "order_desk",
) -> CampaignInfo:
    """A campaign with its planned assignments; the scenarios must exist (validated) and be distinct."""
    from mystery_shopper.scenario import find_scenario

    if not scenarios:
        raise ConfigError("a campaign needs at least one scenario (--scenario ID; `qa shopper scenario list`)")
    if not operators:
        raise ConfigError("a campaign needs target operators (--operator ID, repeatable)")
    if len(set(scenarios)) != len(scenarios) or len(set(operators)) != len(operators):
        raise ConfigError("a scenario or an operator is named twice; name each once")
    if ends_on < starts_on:
        raise ConfigError(f"the campaign ends ({ends_on}) before it starts ({starts_on})")
    if not 1 <= calls_per_operator <= 100:
        raise ConfigError("--calls-per-operator must be between 1 and 100")
    if not 1 <= deadline_h <= 24 * 90:
        raise ConfigError("--deadline-h must be between 1 hour and 90 days")
    from mystery_shopper.scenario import SCENARIOS_DIR

    found = [find_scenario(ref) for ref in scenarios]
    for s in found:
        if s.path.resolve().parent != SCENARIOS_DIR.resolve():
            raise ConfigError(f"{s.path}: a campaign's scenarios live in {SCENARIOS_DIR} (entries find them there by "
                              "id); copy the file there and give its id")
        if s.rubric_id != rubric_id:
            raise ConfigError(f"scenario {s.id} maps its items to rubric {s.rubric_id!r}, the campaign scores with "
                              f"{rubric_id!r}: use --rubric {s.rubric_id} or a scenario written for {rubric_id}")
    ids = [s.id for s in found]
    return store.create_campaign(
        engine, name=name, title=title or name, series=series or name, starts_on=datetime.combine(starts_on, time()),
        ends_on=datetime.combine(ends_on, time()), scenarios=ids, operators=list(operators),
        calls_per_operator=calls_per_operator, deadline_h=deadline_h, staff_informed=staff_informed,
        rubric_id=rubric_id, actor=actor,
    )


def assign(engine: Engine, *, assignment_id: int, shopper: str, actor: str) -> AssignmentInfo:
    shopper = shopper.strip()
    if not shopper:
        raise ConfigError("--shopper needs the shopper's nickname")
    return store.move_assignment(engine, assignment_id=assignment_id, status="assigned",
                                 allowed_from=TRANSITIONS["assigned"], actor=actor, shopper=shopper)


def move(engine: Engine, *, assignment_id: int, status: str, actor: str, note: str | None = None) -> AssignmentInfo:
    """A manual step (``MANUAL``); revision and exclusion need a reason the shopper will read."""
    if status not in MANUAL:
        hint = " (an entry makes it submitted: qa shopper entry add)" if status == "submitted" else ""
        raise ConfigError(f"cannot set an assignment to {status!r}{hint}; use one of {', '.join(MANUAL)}")
    if status in ("revision", "excluded") and not (note or "").strip():
        raise ConfigError(f"say why (--reason) when an assignment goes to {status}")
    return store.move_assignment(engine, assignment_id=assignment_id, status=status,
                                 allowed_from=TRANSITIONS[status], actor=actor, note=note)
