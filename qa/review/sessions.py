"""Review (coaching) sessions: a QA lead goes through an operator's calls with them,
comments on moments, overrides wrong automatic verdicts, closes the session with a
summary and agreed actions; the operator acknowledges it or disputes a verdict and
the lead upholds or overturns the dispute. Every step lands in the audit trail.

The rules live here (who may do what, in which state, which calls get picked);
storage is :mod:`qa.db.human`. The CLI and the web UI call these functions; people's verdicts are
applied by :func:`qa.review.corrections.effective_scorecard` only.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from qa.core.errors import ConfigError, Forbidden, NotFound, StateError
from qa.core.records import AuditEntry, CallScore, Comment, DisputeInfo, HumanVerdict, ReviewInfo
from qa.core.types import Verdict
from qa.db import calls as call_store
from qa.db import campaigns, human, scores
from qa.review.corrections import effective_scorecard
from qa.review.periods import Period

PICK_RULES = ("random", "lowest", "failed", "uncertain", "mystery", "calls")


@dataclass(frozen=True, slots=True)
class Pick:
    """How a session's calls are chosen.

    random: ``n`` calls, reproducible with ``seed`` (a seed is drawn and recorded when none is given);
    lowest: the ``n`` lowest-scoring calls; failed: the ``n`` newest calls failing ``criterion``;
    uncertain: the ``n`` calls with the most automatic verdicts marked ``needs_review`` (lowest confidence first)
    that no person has settled yet;
    mystery: the ``n`` newest mystery-shopper calls (metadata column ``mystery_campaign``; ``campaign`` narrows it);
    calls: exactly the calls named in ``calls`` (ids, id prefixes or external ids).
    """

    rule: str = "random"
    n: int = 5
    seed: int | None = None
    criterion: str | None = None
    calls: tuple[str, ...] = ()
    campaign: str | None = None

    def as_dict(self) -> dict:
        out = {"rule": self.rule, "n": self.n}
        if self.campaign:
            out["campaign"] = self.campaign
        if self.rule == "random":
            out["seed"] = self.seed
        if self.criterion:
            out["criterion"] = self.criterion
        if self.calls:
            out["calls"] = list(self.calls)
        return out


DEFAULT_RANDOM = 5


def pick_from_options(
    *, random_n: int | None, seed: int | None, lowest: int | None, failed: str | None, n: int, mystery: str | None,
    calls: list[str] | None, low_confidence: int | None = None,
) -> Pick:
    """The pick rule from ``qa review open``'s options (the web form has the same fields).

    One rule at most: ``--random N [--seed S]``, ``--lowest N``, ``--low-confidence N``, ``--failed CRITERION [--n N]``,
    ``--mystery CAMPAIGN|any [--n N]`` or ``--call ID`` (repeatable); none gives a random sample of 5."""
    given = [name for name, on in (("--random", random_n is not None), ("--lowest", lowest is not None),
                                   ("--low-confidence", low_confidence is not None),
                                   ("--failed", failed is not None), ("--mystery", mystery is not None),
                                   ("--call", bool(calls))) if on]
    if len(given) > 1:
        raise ConfigError(f"choose one pick rule, not {' and '.join(given)}: --random, --lowest, --low-confidence, --failed, "
                          "--mystery or --call")
    if seed is not None and given and given[0] != "--random":
        raise ConfigError(f"--seed only applies to --random, not to {given[0]}")
    for option, count in (("--random", random_n), ("--lowest", lowest), ("--low-confidence", low_confidence)):
        if count is not None and count < 1:
            raise ConfigError(f"{option} needs a number of calls of at least 1, got {count}")
    if (failed is not None or mystery is not None) and n < 1:
        raise ConfigError(f"--n needs a number of calls of at least 1, got {n}")
    if mystery is not None:
        if not mystery.strip():
            raise ConfigError("--mystery needs a campaign name, or 'any' for every mystery-shopper call")
        return Pick("mystery", n, campaign=None if mystery.strip() == "any" else mystery.strip())
    if calls:
        return Pick("calls", len(calls), calls=tuple(calls))
    if lowest is not None:
        return Pick("lowest", lowest)
    if low_confidence is not None:
        return Pick("uncertain", low_confidence)
    if failed is not None:
        if not failed.strip():
            raise ConfigError("--failed needs a criterion id, e.g. --failed active_listening")
        return Pick("failed", n, criterion=failed.strip())
    return Pick("random", DEFAULT_RANDOM if random_n is None else random_n, seed=seed)


def _effective(call: CallScore):
    return effective_scorecard(call.card, call.overrides, call.order_truth)


def session_scores(engine: Engine, session: ReviewInfo) -> dict[str, tuple[float | None, float | None]]:
    """call id -> (machine total, total with people's corrections) of a session's calls (``qa review show``)."""
    ids = [cid for cid, _ in session.items]
    return {
        c.call_id: (c.card.total, _effective(c).total)
        for c in scores.call_scores(engine, rubric_id=session.rubric_id, call_ids=ids, include_superseded=True)
    }


def choose_calls(candidates: list[CallScore], pick: Pick, mystery: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(call id, why) for the pick rule; pure, so the same seed gives the same calls.
    ``mystery`` maps mystery-shopper call ids to their campaign."""
    if pick.rule == "random":
        ids = sorted(c.call_id for c in candidates)
        chosen = random.Random(pick.seed).sample(ids, min(pick.n, len(ids)))
        return [(cid, f"random sample (seed {pick.seed})") for cid in chosen]
    if pick.rule == "lowest":
        totals = {c.call_id: _effective(c).total for c in candidates}
        scored = sorted(candidates, key=lambda c: (101 if totals[c.call_id] is None else totals[c.call_id], c.call_id))
        return [(c.call_id, f"lowest score ({totals[c.call_id]})") for c in scored[: pick.n]]
    if pick.rule == "uncertain":
        return _uncertain(candidates, pick.n)
    if pick.rule == "failed":
        failing = [c for c in candidates if (r := _effective(c).result(pick.criterion)) is not None and r.verdict == Verdict.FAIL]
        failing.sort(key=lambda c: c.started_at, reverse=True)
        return [(c.call_id, f"failed {pick.criterion}") for c in failing[: pick.n]]
    if pick.rule == "mystery":
        shopped = sorted((c for c in candidates if c.call_id in (mystery or {})), key=lambda c: c.started_at, reverse=True)
        return [(c.call_id, f"mystery shopper ({mystery[c.call_id]})") for c in shopped[: pick.n]]
    raise ConfigError(f"unknown pick rule {pick.rule!r}: use one of {', '.join(PICK_RULES)}")


def _uncertain(candidates: list[CallScore], n: int) -> list[tuple[str, str]]:
    """Calls whose automatic verdicts most need a person: ``needs_review`` ones nobody has overridden."""
    ranked = []
    for c in candidates:
        settled = {o.criterion_id for o in c.overrides}
        open_ = [r for r in c.card.results if r.needs_review and r.criterion_id not in settled]
        if open_:
            ranked.append((-len(open_), min(r.confidence for r in open_), c.call_id, open_))
    ranked.sort(key=lambda x: x[:3])
    return [
        (cid, "needs review: " + ", ".join(f"{r.criterion_id} ({r.confidence:.2f})" for r in sorted(open_, key=lambda r: r.confidence)))
        for _, _, cid, open_ in ranked[:n]
    ]


def open_session(
    engine: Engine, *, operator_id: str, reviewer: str, rubric_id: str, pick: Pick, period: Period | None = None,
) -> ReviewInfo:
    if pick.rule not in PICK_RULES:
        raise ConfigError(f"unknown pick rule {pick.rule!r}: use one of {', '.join(PICK_RULES)}")
    if pick.n < 1:
        raise ConfigError("a review session needs at least one call (n >= 1)")
    if pick.rule == "failed" and not pick.criterion:
        raise ConfigError("--failed needs a criterion id, e.g. --failed active_listening")
    if operator_id not in {o.id for o in call_store.list_operators(engine)}:
        raise NotFound(f"unknown operator {operator_id!r}; `qa operators` lists them")
    start, end = period.bounds() if period else (None, None)
    if pick.rule == "calls":
        if not pick.calls:
            raise ConfigError("pick calls by hand with --call CALL (repeat it for more calls)")
        ids = [call_store.resolve_call(engine, ref=ref) for ref in pick.calls]
        found = {c.call_id: c for c in scores.call_scores(engine, rubric_id=rubric_id, call_ids=ids)}
        for ref, cid in zip(pick.calls, ids, strict=True):
            if cid not in found:
                raise NotFound(f"call {ref} has no {rubric_id} scorecard with an operator and start time; run `qa score {ref}`")
            if found[cid].operator_id != operator_id:
                raise Forbidden(f"call {ref} belongs to {found[cid].operator_id}, not {operator_id}")
        items = [(cid, "picked by hand") for cid in dict.fromkeys(ids)]
    else:
        candidates = scores.call_scores(engine, rubric_id=rubric_id, start=start, end=end, operator_ids=[operator_id])
        if pick.rule == "random" and pick.seed is None:
            pick = Pick(pick.rule, pick.n, random.SystemRandom().randrange(1_000_000), pick.criterion, pick.calls)
        mystery = campaigns.mystery_calls(engine, operator_id=operator_id, campaign=pick.campaign) if pick.rule == "mystery" else None
        items = choose_calls(candidates, pick, mystery)
    if not items:
        scope = f" in {period.label}" if period else ""
        raise NotFound(f"no scored calls of {operator_id}{scope} match the pick rule {pick.as_dict()}")
    pick_record = pick.as_dict() | ({"period": period.label} if period else {})
    session_id = human.create_session(
        engine, operator_id=operator_id, reviewer=reviewer, rubric_id=rubric_id, pick=pick_record, items=items,
    )
    return human.get_session(engine, session_id=session_id)


def get_session(engine: Engine, session_id: int) -> ReviewInfo:
    return human.get_session(engine, session_id=session_id)


def _in_session(engine: Engine, session: ReviewInfo, call_ref: str) -> str:
    call_id = call_store.resolve_call(engine, ref=call_ref)
    if call_id not in {cid for cid, _ in session.items}:
        raise NotFound(f"call {call_ref} is not in review session {session.session_id}; its calls: "
                       + ", ".join(cid for cid, _ in session.items))
    return call_id


def _require(session: ReviewInfo, *states: str, doing: str) -> None:
    if session.status not in states:
        raise StateError(f"review session {session.session_id} is {session.status}: cannot {doing} "
                               f"(allowed when {' or '.join(states)})")


def _open_step(engine: Engine, session_id: int, call_ref: str, *, doing: str, text: str, missing: str) -> tuple[ReviewInfo, str]:
    """The checks every step in an open session makes: the state, the text it needs, the call belongs to it."""
    session = get_session(engine, session_id)
    _require(session, "open", doing=doing)
    if not text.strip():
        raise ConfigError(missing)
    return session, _in_session(engine, session, call_ref)


def add_comment(
    engine: Engine, *, session_id: int, call_ref: str, author: str, text: str,
    at_s: float | None = None, utterance_idx: int | None = None,
) -> int:
    """A comment on a moment of a call: at a time (the utterance spoken then is found) or on an utterance."""
    _, call_id = _open_step(engine, session_id, call_ref, doing="comment", text=text, missing="a comment needs text")
    stored = call_store.load_call(engine, call_id=call_id)
    utterances = stored.transcript.utterances
    length = max([stored.summary.duration_s or 0.0, *(u.end_s for u in utterances)])
    if at_s is not None and not (math.isfinite(at_s) and 0 <= at_s <= length):
        raise ConfigError(f"--at {at_s:g} s is outside call {call_ref}, which is {length:.1f} s long "
                          f"(give 0 to {length:.1f} s)")
    if utterance_idx is not None:
        if not utterances:
            raise ConfigError(f"call {call_ref} has no utterances to comment on; use --at SECONDS")
        if not 0 <= utterance_idx < len(utterances):
            raise ConfigError(f"call {call_ref} has utterances 0..{len(utterances) - 1}, not {utterance_idx}")
        at_s = utterances[utterance_idx].start_s if at_s is None else at_s
    elif at_s is not None:
        spoken = [i for i, u in enumerate(utterances) if u.start_s <= at_s < u.end_s]
        before = [i for i, u in enumerate(utterances) if u.start_s <= at_s]
        utterance_idx = (spoken or before or [None])[-1]
    return human.add_comment(engine, session_id=session_id, call_id=call_id, author=author, text=text.strip(),
                             utterance_idx=utterance_idx, at_s=at_s)


def _machine_verdict(engine: Engine, session: ReviewInfo, call_id: str, criterion_id: str) -> tuple[str, Verdict]:
    """(automatic verdict, current verdict with people's corrections) of one criterion."""
    calls = scores.call_scores(engine, rubric_id=session.rubric_id, call_ids=[call_id], include_superseded=True)
    if not calls:
        raise NotFound(f"call {call_id} has no {session.rubric_id} scorecard")
    machine = calls[0].card.result(criterion_id)
    if machine is None:
        known = ", ".join(r.criterion_id for r in calls[0].card.results)
        raise NotFound(f"rubric {session.rubric_id} has no criterion {criterion_id!r} (criteria: {known})")
    current = _effective(calls[0]).result(criterion_id)
    return machine.verdict.value, current.verdict


def override(
    engine: Engine, *, session_id: int, call_ref: str, criterion_id: str, verdict: Verdict, author: str, reason: str,
) -> HumanVerdict:
    """The lead's verdict replaces the machine's in scorecards; the machine's stays stored beside it."""
    session, call_id = _open_step(engine, session_id, call_ref, doing="override a verdict", text=reason,
                                  missing="an override needs a reason (--reason): the operator and the audit trail will read it")
    machine, _ = _machine_verdict(engine, session, call_id, criterion_id)
    return human.add_override(engine, session_id=session_id, call_id=call_id, criterion_id=criterion_id,
                              verdict=verdict, author=author, reason=reason.strip(), machine_verdict=machine)


def override_call(
    engine: Engine, *, call_ref: str, criterion_id: str, verdict: Verdict, author: str, reason: str,
) -> HumanVerdict:
    """A reviewer's verdict given on the call itself (the web's call page), outside a review session."""
    if not reason.strip():
        raise ConfigError("an override needs a reason: the operator and the audit trail will read it")
    call_id = call_store.resolve_call(engine, ref=call_ref)
    card = next(iter(scores.load_scorecards(engine, call_id=call_id)), None)  # the newest, as the call page shows
    machine = card.result(criterion_id) if card is not None else None
    if machine is None:
        raise NotFound(f"call {call_ref} has no verdict on {criterion_id!r} to override")
    return human.add_override(engine, session_id=None, call_id=call_id, criterion_id=criterion_id, verdict=verdict,
                              author=author, reason=reason.strip(), machine_verdict=machine.verdict.value)


def close_session(engine: Engine, *, session_id: int, author: str, summary: str, actions: list[str]) -> ReviewInfo:
    session = get_session(engine, session_id)
    _require(session, "open", doing="close")
    if author != session.reviewer:
        raise Forbidden(f"only the session's reviewer ({session.reviewer}) can close it")
    if not summary.strip():
        raise ConfigError("closing a session needs a summary (--summary)")
    human.set_session_status(engine, session_id=session_id, actor=author, status="closed", summary=summary.strip(),
                             actions=[a.strip() for a in actions if a.strip()])
    return get_session(engine, session_id)


def acknowledge(engine: Engine, *, session_id: int, operator_id: str) -> ReviewInfo:
    session = get_session(engine, session_id)
    if operator_id != session.operator_id:
        raise Forbidden(f"review session {session_id} is for {session.operator_id}; only they can acknowledge it")
    _require(session, "closed", doing="acknowledge")
    human.set_session_status(engine, session_id=session_id, actor=operator_id, status="acknowledged")
    return get_session(engine, session_id)


def dispute(
    engine: Engine, *, session_id: int, call_ref: str, criterion_id: str, operator_id: str, reason: str,
    claimed: Verdict | None = None,
) -> DisputeInfo:
    """The operator contests the current verdict (automatic or overridden) of one criterion."""
    session = get_session(engine, session_id)
    if operator_id != session.operator_id:
        raise Forbidden(f"review session {session_id} is for {session.operator_id}; only they can dispute its verdicts")
    _require(session, "closed", "acknowledged", doing="dispute (wait until the reviewer closes the session)")
    if not reason.strip():
        raise ConfigError("a dispute needs a reason (--reason)")
    call_id = _in_session(engine, session, call_ref)
    _, current = _machine_verdict(engine, session, call_id, criterion_id)
    if any(d.call_id == call_id and d.criterion_id == criterion_id and d.status == "open" for d in session.disputes):
        raise StateError(f"{criterion_id} on call {call_ref} is already disputed and waiting for the reviewer")
    claimed = claimed or (Verdict.PASS if current == Verdict.FAIL else Verdict.FAIL)
    if claimed == current:
        raise ConfigError(f"the verdict of {criterion_id} is already {current.value}")
    return human.open_dispute(engine, session_id=session_id, call_id=call_id, criterion_id=criterion_id,
                              operator_id=operator_id, disputed=current, claimed=claimed, reason=reason.strip())


def resolve_dispute(engine: Engine, *, dispute_id: int, author: str, decision: str, note: str) -> DisputeInfo:
    """upheld: the verdict stands; overturned: the operator's claimed verdict becomes the human verdict."""
    if decision not in ("upheld", "overturned"):
        raise ConfigError(f"a dispute is resolved as 'upheld' or 'overturned', not {decision!r}")
    d = human.get_dispute(engine, dispute_id=dispute_id)
    if d.status != "open":
        raise StateError(f"dispute {dispute_id} was already {d.status} by {d.resolved_by}")
    session = get_session(engine, d.session_id)
    if author != session.reviewer:
        raise Forbidden(f"only the session's reviewer ({session.reviewer}) can resolve its disputes")
    if not note.strip():
        raise ConfigError("resolving a dispute needs a note for the operator (--note)")
    machine, _ = _machine_verdict(engine, session, d.call_id, d.criterion_id)
    return human.resolve_dispute(engine, dispute_id=dispute_id, author=author, overturn=decision == "overturned",
                                 note=note.strip(), machine_verdict=machine)


def audit_trail(engine: Engine, session_id: int) -> list[AuditEntry]:
    get_session(engine, session_id)
    return human.audit_trail(engine, entity="review", entity_id=session_id)


def list_sessions(engine: Engine, operator_id: str | None = None) -> list[ReviewInfo]:
    return human.list_sessions(engine, operator_id=operator_id)


def comments_on(engine: Engine, *, call_id: str) -> list[tuple[int, Comment]]:
    """Every comment made on a call in any review session, oldest first, with its session id."""
    found = [(s.session_id, c) for s in list_sessions(engine) if any(cid == call_id for cid, _ in s.items)
             for c in s.comments if c.call_id == call_id]
    return sorted(found, key=lambda item: item[1].created_at)
