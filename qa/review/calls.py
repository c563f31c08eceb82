"""One call for people: what ``qa show`` and the web's call page present, and fixing a call's metadata.

The CLI and the web UI call these functions; storage is :mod:`qa.db.calls`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy.engine import Engine

from qa.core.errors import ConfigError
from qa.core.records import CallDetail, CallSummary, OrderTruth, SearchHit
from qa.db import calls as call_store
from qa.db import human, scores
from qa.review.corrections import effective_scorecard


def call_detail(engine: Engine, *, ref: str) -> CallDetail:
    """A call (id, id prefix, external id or file name) with its machine scorecards (newest first), the newest
    one as people corrected it, and the human verdicts in force."""
    call_id = call_store.resolve_call(engine, ref=ref)
    stored = call_store.load_call(engine, call_id=call_id)
    cards = tuple(scores.load_scorecards(engine, call_id=call_id))
    verdicts = tuple(human.overrides_for(engine, call_id=call_id))
    truth = OrderTruth.of(dict(stored.metadata.extra), dict(stored.outcome))
    effective = effective_scorecard(cards[0], verdicts, truth) if cards else None
    return CallDetail(stored=stored, scorecards=cards, effective=effective, human=verdicts, acts=dialogue_acts(stored))


def dialogue_acts(stored) -> tuple[tuple[str, ...], ...]:
    """What each utterance does (question, answer, offer, hold...), as the scorer reads it (scoring/acts.py)."""
    transcript = stored.transcript
    if not transcript.utterances:
        return ()
    language = transcript.language if transcript.language in ("ru", "uk", "en") else "en"
    return _acts(language, transcript.utterances)


@lru_cache(maxsize=64)
def _acts(language: str, utterances: tuple) -> tuple[tuple[str, ...], ...]:
    """Keyed by the utterances themselves (frozen, hashable): a call reopened during a review is not lemmatised
    again (0.2 s for 200 utterances), and a changed transcript (roles swapped, erased) is a new key."""
    from scoring.acts import tag_acts
    from scoring.text import analyse

    return tuple(tag.acts for tag in tag_acts(analyse(utterances, language)))


def set_call_metadata(
    engine: Engine, *, ref: str, actor: str, operator_id: str | None = None, started_at: datetime | None = None,
    team: str | None = None, order_placed: bool | None = None, reason: str | None = None,
) -> CallSummary:
    """Give a call processed without metadata its operator, start time and/or the operator's team.

    Audited (``call.metadata`` with the old and the new values). A team belongs to the operator, so it needs one
    (given here or already on the call) and moves that operator to the team in every period.

    ``order_placed`` corrects the call's outcome (with a ``reason``, like any verdict): it then wins over the order
    system's and the detector's, in conversion and on the call's scorecard."""
    if not actor or not actor.strip():
        raise ConfigError("say who changes the call's metadata (--by NAME): it goes into the audit trail")
    operator_id = operator_id.strip() if operator_id is not None else None
    team = team.strip() if team is not None else None
    if operator_id == "":
        raise ConfigError("an operator id cannot be empty")
    if team == "":
        raise ConfigError("a team name cannot be empty")
    if operator_id is None and started_at is None and team is None and order_placed is None:
        raise ConfigError("nothing to change: give an operator, a start time, a team and/or --order-placed yes|no")
    if order_placed is not None and not (reason or "").strip():
        raise ConfigError("say why the order outcome is wrong (--reason TEXT): the operator and the audit trail read it")
    if started_at is not None and started_at.tzinfo is not None:
        raise ConfigError("give the start time as the telephony system's local time, without a time zone "
                          "(e.g. 2026-11-02T10:15:00)")
    call_id = call_store.resolve_call(engine, ref=ref)
    stored = call_store.load_call(engine, call_id=call_id)
    if stored.summary.status == call_store.SUPERSEDED:
        raise ConfigError(f"call {call_id} was replaced by a re-imported transcript ({stored.summary.superseded_by}); "
                          f"change that call instead")
    if team is not None and operator_id is None and stored.summary.operator_id is None:
        raise ConfigError(f"call {call_id} has no operator: a team belongs to an operator, give --operator too")
    return call_store.update_metadata(engine, call_id=call_id, actor=actor.strip(), operator_id=operator_id,
                                      started_at=started_at, team=team, order_placed=order_placed,
                                      order_reason=reason.strip() if reason else None)


@dataclass(frozen=True, slots=True)
class CallFilter:
    """What the web's call list (and ``qa calls``) may narrow by; None: any."""

    operator_id: str | None = None
    team: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    min_score: float | None = None
    max_score: float | None = None
    failed: str | None = None  # a criterion id whose effective verdict is fail
    needs_review: bool = False  # a verdict a person should check
    status: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class CallRow:
    summary: CallSummary
    team: str | None
    total: float | None
    failed: tuple[str, ...]
    needs_review: tuple[str, ...]


def browse_calls(engine: Engine, *, where: CallFilter, limit: int = 500) -> list[CallRow]:
    """Calls with their newest scorecard as people corrected it, newest first, narrowed by ``where``."""
    teams = {o.id: o.team for o in call_store.list_operators(engine)}
    rows = []
    for summary in reversed(call_store.list_calls(engine, operator=where.operator_id, date_from=where.date_from,
                                                  date_to=where.date_to, status=where.status)):
        team = teams.get(summary.operator_id or "")
        if where.team and team != where.team or where.language and summary.language != where.language:
            continue
        cards = scores.load_scorecards(engine, call_id=summary.call_id)
        card = effective_scorecard(cards[0], human.overrides_for(engine, call_id=summary.call_id)) if cards else None
        total = card.total if card is not None else None
        failed = tuple(r.criterion_id for r in card.results if r.verdict.value == "fail") if card else ()
        review = tuple(r.criterion_id for r in card.results if r.needs_review) if card else ()
        if where.min_score is not None and (total is None or total < where.min_score):
            continue
        if where.max_score is not None and (total is None or total > where.max_score):
            continue
        if where.failed and where.failed not in failed or where.needs_review and not review:
            continue
        rows.append(CallRow(summary, team, total, failed, review))
        if len(rows) >= limit:
            break
    return rows


def search(engine: Engine, *, query: str, operator_id: str | None = None, limit: int = 100) -> list[SearchHit]:
    """Utterances that say ``query`` (every word; ``operator_id``: in that operator's calls only)."""
    return call_store.search_utterances(engine, query=query, operator=operator_id, limit=limit)
