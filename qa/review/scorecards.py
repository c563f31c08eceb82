"""Operator scorecards: per operator (and team) and period, the figures a QA lead
tracks — calls, handle time, talk/listen, response latency, pass rate per
criterion, score, critical failures, conversion, NPS, service rating — with the
trend against the previous period and each operator's rank in the team.

Verdicts are the automatic ones corrected by people: a review override or an
overturned dispute replaces the machine's verdict and the score is recomputed
(:func:`qa.review.corrections.effective_scorecard`, under the critical-fail rule stored
with each scorecard). ``figures`` and ``rank`` are pure.
"""

from __future__ import annotations

from typing import Any

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from qa.core.errors import NotFound
from qa.core.records import CallScore
from qa.core.types import Verdict
from qa.review.corrections import effective_scorecard
from qa.review.periods import Period

# ---------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    title: str
    higher_is_better: bool | None  # None: not ranked (e.g. number of calls is volume, not quality)
    fmt: str


FIGURES = (
    Figure("calls", "calls", None, "{:.0f}"),
    Figure("score", "score", True, "{:.1f}"),
    Figure("critical_failures", "critical fails", False, "{:.0f}"),
    Figure("conversion", "conversion", True, "{:.0%}"),
    Figure("nps", "NPS", True, "{:+.0f}"),
    Figure("service_rating", "rating", True, "{:.1f}"),
    Figure("aht_s", "AHT", False, "{:.0f} s"),
    Figure("talk_listen_ratio", "talk/listen", False, "{:.2f}"),
    Figure("response_latency_s", "latency", False, "{:.1f} s"),
)
PROMOTER_MIN, DETRACTOR_MAX = 9, 6


@dataclass(frozen=True, slots=True)
class Figures:
    """What one operator (or a whole team) did in one period."""

    calls: int
    score: float | None
    critical_failures: int
    conversion: float | None  # share of calls that ended with an order
    orders: int
    nps: float | None  # promoters% - detractors%, -100..100, over calls with an NPS answer
    promoters: int
    passives: int
    detractors: int
    service_rating: float | None
    aht_s: float | None  # average handle time
    talk_listen_ratio: float | None
    response_latency_s: float | None
    overridden: int  # verdicts people changed
    pass_rates: tuple[tuple[str, float | None, int], ...] = ()  # criterion, pass / (pass + fail), judged calls

    def value(self, key: str) -> float | None:
        if key.startswith("pass:"):
            return next((rate for cid, rate, _ in self.pass_rates if cid == key[5:]), None)
        return getattr(self, key)


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def figures(calls: list[CallScore]) -> Figures:
    """Aggregate calls (their human-corrected scorecards) into one set of figures."""
    cards = [effective_scorecard(c.card, c.overrides, c.order_truth) for c in calls]
    outcomes = [dict(card.outcome) for card in cards]
    nps_answers = [o["nps_score"] for o in outcomes if o.get("nps_score") is not None]
    promoters = sum(n >= PROMOTER_MIN for n in nps_answers)
    detractors = sum(n <= DETRACTOR_MAX for n in nps_answers)
    criteria: dict[str, list[bool]] = {}
    for card in cards:
        for r in card.results:
            tally = criteria.setdefault(r.criterion_id, [])
            if r.verdict != Verdict.NA:
                tally.append(r.verdict == Verdict.PASS)
    orders = sum(bool(o.get("order_placed")) for o in outcomes)
    return Figures(
        calls=len(calls),
        score=_mean(card.total for card in cards),
        critical_failures=sum(card.critical_failed for card in cards),
        conversion=orders / len(calls) if calls else None,
        orders=orders,
        nps=100 * (promoters - detractors) / len(nps_answers) if nps_answers else None,
        promoters=promoters, passives=len(nps_answers) - promoters - detractors, detractors=detractors,
        service_rating=_mean(o.get("service_rating") for o in outcomes),
        aht_s=_mean(c.duration_s for c in calls),
        talk_listen_ratio=_mean(c.talk_listen_ratio for c in calls),
        response_latency_s=_mean(c.response_latency_s for c in calls),
        overridden=sum(len(c.overrides) for c in calls),
        pass_rates=tuple((cid, sum(v) / len(v) if v else None, len(v)) for cid, v in criteria.items()),
    )


@dataclass(frozen=True, slots=True)
class Rank:
    rank: int  # 1 = best; ties share a rank
    of: int
    percentile: float  # share of the team this operator does at least as well as, 0..100


def rank(values: dict[str, float | None], higher_is_better: bool) -> dict[str, Rank]:
    """Competition ranking (1, 1, 3) of operators on one figure; operators without a value are not ranked."""
    known = {k: v for k, v in values.items() if v is not None}
    out = {}
    for k, v in known.items():
        better = sum((o > v) if higher_is_better else (o < v) for o in known.values())
        not_better = sum((o <= v) if higher_is_better else (o >= v) for o in known.values())
        out[k] = Rank(better + 1, len(known), round(100 * not_better / len(known), 1))
    return out


# ---------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class OperatorCard:
    operator_id: str
    name: str | None
    team: str | None
    now: Figures
    before: Figures | None  # the previous period, for trends
    ranks: dict[str, Rank] = field(default_factory=dict)  # figure key (or pass:<criterion>) -> rank in the team
    history: tuple[tuple[str, float | None], ...] = ()  # (period label, score) oldest first, for trend charts
    mystery: Any = None  # mystery_shopper.report.GroupFigures of the period's test calls (informed campaigns only)

    def trend(self, key: str) -> float | None:
        if self.before is None:
            return None
        a, b = self.now.value(key), self.before.value(key)
        return None if a is None or b is None else a - b


@dataclass(frozen=True, slots=True)
class ScorecardReport:
    rubric_id: str
    period: Period
    previous: Period | None
    operators: tuple[OperatorCard, ...]
    team: Figures  # everyone in the report together
    team_name: str | None
    criteria: tuple[str, ...]
    rubric_version: int | None = None  # None: each call's newest scorecard of the rubric


HISTORY_PERIODS = 6


def build_report(
    engine: Engine, *, rubric_id: str, period: Period, operator_id: str | None = None, team: str | None = None,
    rubric_version: int | None = None,
) -> ScorecardReport:
    """Scorecards of one operator (ranked within their team), of one team, or of everyone; with
    ``rubric_version``, from the scorecards of that stored version only (``qa scorecard --rubric ID@VERSION``)."""
    from qa.db import calls as call_store
    from qa.db import scores

    operators = call_store.list_operators(engine)
    if operator_id is not None:
        me = next((o for o in operators if o.id == operator_id), None)
        if me is None:
            known = ", ".join(o.id for o in operators[:10]) or "none yet"
            raise NotFound(f"unknown operator {operator_id!r} (known: {known}); operators come from the metadata of processed calls")
        team = me.team
        peers = [o for o in operators if o.team == team]
    elif team is not None:
        peers = [o for o in operators if o.team == team]
        if not peers:
            teams = sorted({o.team for o in operators if o.team})
            raise NotFound(f"no operators in team {team!r} (teams: {', '.join(teams) or 'none set'}); set a 'team' column in the metadata CSV")
    else:
        peers = operators
    ids = [o.id for o in peers]

    loaded: dict[str, dict[str, list[CallScore]]] = {}  # the previous period is also the newest of the history

    def calls_in(p: Period) -> dict[str, list[CallScore]]:
        if p.label in loaded:
            return loaded[p.label]
        start, end = p.bounds()
        by_op = loaded[p.label] = {}
        for c in scores.call_scores(engine, rubric_id=rubric_id, start=start, end=end, operator_ids=ids, rubric_version=rubric_version,
                                        exclude_mystery=True, evidence=False):
            by_op.setdefault(c.operator_id, []).append(c)
        return by_op

    now = calls_in(period)
    previous = period.previous()
    before = calls_in(previous) if previous else {}
    history_periods = [period]
    while len(history_periods) < HISTORY_PERIODS and (p := history_periods[0].previous()) is not None:
        history_periods.insert(0, p)
    history = {p.label: calls_in(p) for p in history_periods[:-1]} if previous else {}
    history[period.label] = now

    from mystery_shopper.report import operator_figures

    mystery = operator_figures(engine, start=period.bounds()[0], end=period.bounds()[1], operator_ids=ids)
    figs = {o.id: figures(now.get(o.id, [])) for o in peers}
    criteria = tuple(dict.fromkeys(cid for f in figs.values() for cid, _, _ in f.pass_rates))
    active = [o for o in peers if figs[o.id].calls or o.id in mystery or o.id == operator_id]
    ranks: dict[str, dict[str, Rank]] = {o.id: {} for o in active}
    keys = [(f.key, f.higher_is_better) for f in FIGURES if f.higher_is_better is not None]
    keys += [(f"pass:{cid}", True) for cid in criteria]
    for key, higher in keys:
        for op, r in rank({o.id: figs[o.id].value(key) for o in active if figs[o.id].calls}, higher).items():
            ranks[op][key] = r
    cards = tuple(
        OperatorCard(
            o.id, o.name, o.team, figs[o.id],
            figures(before[o.id]) if o.id in before else None,
            ranks[o.id],
            tuple((label, figures(calls.get(o.id, [])).score) for label, calls in history.items()),
            mystery.get(o.id),
        )
        for o in active
        if operator_id is None or o.id == operator_id
    )
    everyone = [c for calls in now.values() for c in calls]
    return ScorecardReport(rubric_id, period, previous, cards, figures(everyone), team, criteria, rubric_version)


def latest_month(engine: Engine, *, operator_id: str) -> Period:
    """The month of the operator's newest call (the web's default period: today's month may have no calls yet)."""
    from datetime import date

    from qa.db import calls as call_store
    from qa.review.periods import period_for

    started = [c.started_at for c in call_store.list_calls(engine, operator=operator_id) if c.started_at]
    return period_for("month", max(started).date() if started else date.today())
