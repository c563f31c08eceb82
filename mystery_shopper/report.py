"""A campaign's figures: per operator (or per team when staff were not informed), per scenario, per checklist area,
the trend across the waves of its series, the shopper–machine agreement per item and the expected-fact pass rates.

Definitions (the tests recompute them by hand):

* an entry **counts** when its recording was scored and its assignment was not excluded (or sent for revision);
* an item's **shopper** answer is yes/no/na; its **machine** verdict is pass/fail/na from the scenario checks (items
  mapped to ``shopper`` have none);
* an entry's **shopper score** is Σ weight·[yes] / Σ weight over its items answered yes or no; its **machine score**
  the same over pass/fail checks; its **rubric score** the ordinary rubric's total for the call (0–100);
* a group's figure is the mean over its counted entries; **agreement** per item pairs (shopper yes/no, machine
  pass/fail) where both gave one (see :mod:`mystery_shopper.agreement`);
* a **fact pass rate** is the share of counted entries whose check of that fact passed, among those where it was
  checked (pass or fail).

Staff not informed: rows per operator are not produced (teams only) and the report says it is not for disciplinary use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy.engine import Engine

from mystery_shopper.agreement import Agreement, EntrySummary, agreement, suspicious
from mystery_shopper.scenario import Scenario, find_scenario
from qa.core.errors import QAError
from qa.core.records import CampaignInfo, EntryInfo
from qa.db import campaigns as store
from qa.db import scores

COUNTED = ("submitted", "validated", "published")
POSITIVE = {"yes": 1.0, "pass": 1.0, "no": 0.0, "fail": 0.0}
MACHINE_AS_ANSWER = {"pass": "yes", "fail": "no", "na": "na"}
NOT_FOR_DISCIPLINE = ("Staff were not informed of this campaign: results are shown per team only and are not for "
                      "disciplinary use.")


@dataclass(frozen=True, slots=True)
class GroupFigures:
    key: str  # operator id, team, scenario id, area or campaign name
    entries: int
    shopper_score: float | None
    machine_score: float | None
    rubric_score: float | None
    service_rating: float | None


@dataclass(frozen=True, slots=True)
class ItemAgreement:
    item_id: str
    area: str
    agreement: Agreement


@dataclass(frozen=True, slots=True)
class FactRate:
    scenario_id: str
    item_id: str
    checked: int
    passed: int
    rate: float | None


@dataclass(frozen=True, slots=True)
class Disagreement:
    entry_id: int
    call_id: str | None
    item_id: str
    shopper: str
    machine: str
    comment: str | None
    quote: str | None
    start_s: float | None


@dataclass(frozen=True, slots=True)
class ShopperReport:
    campaign: CampaignInfo
    entries: int  # counted
    failed: tuple[tuple[int, str], ...]  # (entry id, error): recordings that could not be scored
    by_operator: tuple[GroupFigures, ...]  # empty when staff were not informed
    by_team: tuple[GroupFigures, ...]
    by_scenario: tuple[GroupFigures, ...]
    by_area: tuple[GroupFigures, ...]
    waves: tuple[GroupFigures, ...]  # the campaigns of the series, oldest first
    agreement: tuple[ItemAgreement, ...]
    overall_agreement: Agreement
    facts: tuple[FactRate, ...]
    disagreements: tuple[Disagreement, ...]
    suspicious: tuple[tuple[int, tuple[str, ...]], ...]  # (entry id, reasons)
    notes: tuple[str, ...]
    late: tuple[tuple[int, float], ...] = ()  # (entry id, hours after the call) handed in past the deadline


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def _weighted(scenario: Scenario, marks: Mapping[str, str], area: str | None = None) -> float | None:
    total = got = 0.0
    for item in scenario.checklist:
        value = POSITIVE.get(marks.get(item.id, "na"))
        if value is None or (area is not None and item.area != area):
            continue
        total += item.weight
        got += item.weight * value
    return got / total if total else None


def _machine_marks(entry: EntryInfo) -> dict[str, str]:
    return {c["item_id"]: c["verdict"] for c in entry.checks}


def _shopper_marks(entry: EntryInfo) -> dict[str, str]:
    return {item: a["answer"] for item, a in entry.answers.items()}


@dataclass(frozen=True, slots=True)
class _Scored:
    entry: EntryInfo
    scenario: Scenario
    shopper: float | None
    machine: float | None
    rubric: float | None


def _figures(key: str, rows: Sequence[_Scored]) -> GroupFigures:
    return GroupFigures(key=key, entries=len(rows), shopper_score=_mean(r.shopper for r in rows),
                        machine_score=_mean(r.machine for r in rows), rubric_score=_mean(r.rubric for r in rows),
                        service_rating=_mean(float(r.entry.service_rating) for r in rows))


def _grouped(rows: Sequence[_Scored], key) -> tuple[GroupFigures, ...]:
    groups: dict[str, list[_Scored]] = defaultdict(list)
    for r in rows:
        groups[key(r) or "-"].append(r)
    return tuple(_figures(k, groups[k]) for k in sorted(groups))


def _rubric_totals(engine: Engine, entries: Sequence[EntryInfo], rubric_id: str) -> dict[str, float | None]:
    ids = [e.call_id for e in entries if e.call_id]
    found = {c.call_id: c.card.total for c in scores.call_scores(engine, rubric_id=rubric_id, call_ids=ids)}
    return {i: found.get(i) for i in ids}


def _scenarios(entries: Sequence[EntryInfo], notes: list[str]) -> dict[str, Scenario]:
    known: dict[str, Scenario] = {}
    for e in entries:
        if e.scenario_id in known:
            continue
        try:
            known[e.scenario_id] = find_scenario(e.scenario_id)
        except QAError as exc:
            notes.append(f"scenario {e.scenario_id}: {exc}; its entries are left out")
            continue
        if known[e.scenario_id].sha256 != e.scenario_hash:
            notes.append(f"scenario {e.scenario_id} changed since some entries were scored (v{e.scenario_version} "
                         f"then, v{known[e.scenario_id].version} now): its current weights are used")
    return known


def _score(engine: Engine, campaign: CampaignInfo, entries: Sequence[EntryInfo], notes: list[str]) -> list[_Scored]:
    counted = [e for e in entries if e.status == "scored" and e.assignment_status in COUNTED]
    scenarios = _scenarios(counted, notes)
    totals = _rubric_totals(engine, counted, campaign.rubric_id)
    return [_Scored(e, scenarios[e.scenario_id], _weighted(scenarios[e.scenario_id], _shopper_marks(e)),
                    _weighted(scenarios[e.scenario_id], _machine_marks(e)), totals.get(e.call_id or ""))
            for e in counted if e.scenario_id in scenarios]


def _by_area(rows: Sequence[_Scored]) -> tuple[GroupFigures, ...]:
    areas = sorted({i.area for r in rows for i in r.scenario.checklist})
    out = []
    for area in areas:
        shopper = [_weighted(r.scenario, _shopper_marks(r.entry), area) for r in rows]
        machine = [_weighted(r.scenario, _machine_marks(r.entry), area) for r in rows]
        present = [r for r in rows if any(i.area == area for i in r.scenario.checklist)]
        out.append(GroupFigures(key=area, entries=len(present), shopper_score=_mean(shopper),
                                machine_score=_mean(machine), rubric_score=None, service_rating=None))
    return tuple(out)


def _pairs(rows: Sequence[_Scored]):
    """(item id, area, shopper answer, machine answer, row) for every item both judged yes/no."""
    for r in rows:
        shopper, machine = _shopper_marks(r.entry), _machine_marks(r.entry)
        for item in r.scenario.checklist:
            a, m = shopper.get(item.id, "na"), MACHINE_AS_ANSWER.get(machine.get(item.id, "na"), "na")
            if a in ("yes", "no") and m in ("yes", "no"):
                yield item.id, item.area, a, m, r


def _agreement(rows: Sequence[_Scored]) -> tuple[tuple[ItemAgreement, ...], Agreement]:
    per_item: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    every: list[tuple[str, str]] = []
    for item_id, area, a, m, _ in _pairs(rows):
        per_item[(item_id, area)].append((a, m))
        every.append((a, m))
    items = tuple(ItemAgreement(i, area, agreement(pairs)) for (i, area), pairs in sorted(per_item.items()))
    return items, agreement(every)


def _disagreements(rows: Sequence[_Scored]) -> tuple[Disagreement, ...]:
    found = []
    for item_id, _, a, m, r in _pairs(rows):
        if a == m:
            continue
        check = next(c for c in r.entry.checks if c["item_id"] == item_id)
        found.append(Disagreement(entry_id=r.entry.entry_id, call_id=r.entry.call_id, item_id=item_id, shopper=a,
                                  machine=check["verdict"], comment=r.entry.answers[item_id].get("comment"),
                                  quote=check.get("quote"), start_s=check.get("start_s")))
    return tuple(found)


def _facts(rows: Sequence[_Scored]) -> tuple[FactRate, ...]:
    tally: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for r in rows:
        for c in r.entry.checks:
            if c["kind"] == "fact" and c["verdict"] in ("pass", "fail"):
                tally[(r.scenario.id, c["item_id"])].append(c["verdict"] == "pass")
    return tuple(FactRate(s, i, len(v), sum(v), sum(v) / len(v)) for (s, i), v in sorted(tally.items()))


def _suspicious(rows: Sequence[_Scored]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    flags = suspicious([EntrySummary(entry_id=r.entry.entry_id, shopper=r.entry.shopper,
                                     service_rating=r.entry.service_rating, answers=_shopper_marks(r.entry))
                        for r in rows])
    return tuple((entry_id, tuple(reasons)) for entry_id, reasons in sorted(flags.items()))


def _waves(engine: Engine, campaign: CampaignInfo) -> tuple[GroupFigures, ...]:
    series = sorted((c for c in store.list_campaigns(engine) if c.series == campaign.series),
                    key=lambda c: (c.starts_on, c.campaign_id))
    waves = []
    for wave in series:
        rows = _score(engine, wave, store.entries(engine, campaign_ids=[wave.campaign_id]), [])
        waves.append(_figures(wave.name, rows))
    return tuple(waves)


def build_report(engine: Engine, *, campaign_ref: int | str) -> ShopperReport:
    campaign = store.load_campaign(engine, ref=campaign_ref)
    entries = store.entries(engine, campaign_ids=[campaign.campaign_id])
    notes: list[str] = [] if campaign.staff_informed else [NOT_FOR_DISCIPLINE]
    rows = _score(engine, campaign, entries, notes)
    items, overall = _agreement(rows)
    return ShopperReport(
        campaign=campaign, entries=len(rows),
        failed=tuple((e.entry_id, e.error or "") for e in entries if e.status == "failed"),
        by_operator=_grouped(rows, lambda r: r.entry.operator_id) if campaign.staff_informed else (),
        by_team=_grouped(rows, lambda r: r.entry.team), by_scenario=_grouped(rows, lambda r: r.scenario.id),
        by_area=_by_area(rows), waves=_waves(engine, campaign), agreement=items, overall_agreement=overall,
        facts=_facts(rows), disagreements=_disagreements(rows), suspicious=_suspicious(rows), notes=tuple(notes),
        late=_late(campaign, entries),
    )


def _late(campaign: CampaignInfo, entries: Sequence[EntryInfo]) -> tuple[tuple[int, float], ...]:
    """Counted entries handed in more than the campaign's ``deadline_h`` after the call (a shopper's memory fades).
    ``called_at`` is the shopper's local time; ``created_at`` is stored in UTC and compared in local time."""
    late = []
    for e in entries:
        if e.called_at is not None and e.status == "scored" and e.assignment_status in COUNTED:
            handed_in = e.created_at.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None)
            hours = (handed_in - e.called_at.replace(tzinfo=None)).total_seconds() / 3600
            if hours > campaign.deadline_h:
                late.append((e.entry_id, round(hours, 1)))
    return tuple(late)


def operator_figures(engine: Engine, *, start, end, operator_ids: Sequence[str] | None = None) -> dict[str, GroupFigures]:
    """Per operator, the counted entries called in [start, end) of campaigns whose staff were informed: the
    mystery-shopper block of ordinary scorecards (uninformed campaigns are never shown per person)."""
    informed = {c.campaign_id: c for c in store.list_campaigns(engine) if c.staff_informed}
    rows: list[_Scored] = []
    by_campaign: dict[int, list[EntryInfo]] = defaultdict(list)
    for e in store.entries(engine, campaign_ids=list(informed), start=start, end=end):
        if operator_ids is None or e.operator_id in operator_ids:
            by_campaign[e.campaign_id].append(e)
    for campaign_id, group in by_campaign.items():
        rows += _score(engine, informed[campaign_id], group, [])
    return {g.key: g for g in _grouped(rows, lambda r: r.entry.operator_id)}
