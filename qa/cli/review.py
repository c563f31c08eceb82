"""``qa review``: review (coaching) sessions from open to acknowledged or disputed, with the audit trail."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from qa.cli import common
from qa.cli.common import ActorOpt, AsOpt, DecisionOpt, JsonOpt, RubricOpt, VerdictOpt, emit, out

app = typer.Typer(
    help="Review (coaching) sessions: open one for an operator, comment, override verdicts, close; "
    "the operator acknowledges or disputes; the reviewer resolves disputes. Everything is audited.",
    no_args_is_help=True,
)

SessionArg = Annotated[int, typer.Argument(help="Session id (from `qa review list`).")]
CallArg = Annotated[str, typer.Argument(help="Call id (or prefix / external id).")]
CriterionArg = Annotated[str, typer.Argument(help="Criterion id, e.g. active_listening.")]
OperatorYouOpt = Annotated[Optional[str], typer.Option("--operator", help="You, the session's operator (with accounts: --as LOGIN is enough).")]
RandomOpt = Annotated[Optional[int], typer.Option("--random", help="A random sample of N calls (default 5).")]
SeedOpt = Annotated[Optional[int], typer.Option(help="Seed for --random: the same seed picks the same calls.")]
LowestOpt = Annotated[Optional[int], typer.Option(help="The N lowest-scoring calls.")]
LowConfidenceOpt = Annotated[Optional[int], typer.Option("--low-confidence", help="The N calls with the most verdicts marked needs review (low confidence), not yet settled by a person.")]
FailedOpt = Annotated[Optional[str], typer.Option(help="Calls failing this criterion (newest first; --n of them).")]
NOpt = Annotated[int, typer.Option(help="How many calls for --failed and --mystery.")]
MysteryOpt = Annotated[Optional[str], typer.Option(help="Mystery-shopper calls (metadata column mystery_campaign): a campaign name, or 'any'; --n of them.")]
PickCallOpt = Annotated[Optional[list[str]], typer.Option("--call", help="Pick this call by hand (repeat for more).")]
PeriodOpt = Annotated[Optional[str], typer.Option(help="Only calls in this period (2026-11, 2026-W47, all...).")]


def _render(engine, session, as_json: bool = False) -> None:
    """A session with its calls' machine and corrected totals, as tables or as JSON."""
    from qa.cli.render import review_view
    from qa.reports.serialize import review_dict
    from qa.review.sessions import session_scores

    scores = session_scores(engine, session)
    emit(as_json, session, lambda s: review_dict(s, scores), lambda s: review_view(s, scores))


@app.command("open")
def review_open(
    operator: Annotated[str, typer.Option(help="The operator whose calls are reviewed.")],
    reviewer: Annotated[Optional[str], typer.Option(help="The QA lead running the session (with accounts: --as).")] = None,
    as_: AsOpt = None,
    random_n: RandomOpt = None, seed: SeedOpt = None, lowest: LowestOpt = None, low_confidence: LowConfidenceOpt = None,
    failed: FailedOpt = None,
    n: NOpt = 5, mystery: MysteryOpt = None, call: PickCallOpt = None, period: PeriodOpt = None,
    rubric: RubricOpt = None, as_json: JsonOpt = False,
) -> None:
    """Open a review session for an operator, with calls picked by a rule.

    Rules: --random N [--seed S], --lowest N, --low-confidence N, --failed CRITERION [--n N], --mystery CAMPAIGN|any [--n N],
    or --call ID (repeatable). Example: qa review open --operator op-anna --reviewer olga --failed nps_question
    """
    from qa.review import sessions
    from qa.review.periods import parse_period

    pick = sessions.pick_from_options(random_n=random_n, seed=seed, lowest=lowest, failed=failed, n=n, mystery=mystery,
                                      calls=call, low_confidence=low_confidence)
    settings = common.settings()
    engine = common.engine(settings)
    reviewer = common.actor(engine, reviewer, as_, "review.manage", "--reviewer NAME")
    session = sessions.open_session(engine, operator_id=operator, reviewer=reviewer, pick=pick,
                                    rubric_id=common.rubric(settings, rubric).id, period=parse_period(period) if period else None)
    _render(engine, session, as_json)


@app.command("list")
def review_list(
    operator: Annotated[Optional[str], typer.Option(help="Only this operator's sessions.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List review sessions."""
    from qa.cli.render import reviews_table
    from qa.reports.serialize import review_dict
    from qa.review.sessions import list_sessions

    emit(as_json, list_sessions(common.engine(), operator), review_dict, reviews_table)


@app.command("show")
def review_show(session: SessionArg, as_json: JsonOpt = False) -> None:
    """A session's calls (score before/after people's corrections), comments, verdicts, disputes."""
    from qa.review.sessions import get_session

    engine = common.engine()
    _render(engine, get_session(engine, session), as_json)


@app.command("comment")
def review_comment(
    session: SessionArg, call: CallArg, text: Annotated[str, typer.Argument(help="The comment.")], by: ActorOpt = None,
    as_: AsOpt = None,
    at: Annotated[Optional[float], typer.Option(help="Seconds into the call (the utterance spoken then is linked).")] = None,
    utterance: Annotated[Optional[int], typer.Option(help="Utterance number: the # column of `qa show`.")] = None,
) -> None:
    """Comment on a moment of a call in an open session."""
    from qa.review.sessions import add_comment

    engine = common.engine()
    by = common.actor(engine, by, as_, "review.manage")
    add_comment(engine, session_id=session, call_ref=call, author=by, text=text, at_s=at, utterance_idx=utterance)
    out.print("comment added")


@app.command("override")
def review_override(
    session: SessionArg, call: CallArg, criterion: CriterionArg,
    verdict: Annotated[VerdictOpt, typer.Argument(help="pass, fail or na.")],
    reason: Annotated[str, typer.Option(help="Why the machine was wrong (the operator reads this).")],
    by: ActorOpt = None, as_: AsOpt = None,
) -> None:
    """Replace an automatic verdict with yours; scorecards recompute, the machine's verdict stays stored."""
    from qa.core.types import Verdict
    from qa.review.sessions import override

    engine = common.engine()
    by = common.actor(engine, by, as_, "review.manage")
    label = override(engine, session_id=session, call_ref=call, criterion_id=criterion,
                     verdict=Verdict(verdict.value), author=by, reason=reason)
    out.print(f"{criterion}: {label.machine_verdict} (machine) → {label.verdict.value} (by {by})", highlight=False, markup=False)


@app.command("close")
def review_close(
    session: SessionArg,
    summary: Annotated[str, typer.Option(help="What was discussed.")],
    action: Annotated[Optional[list[str]], typer.Option("--action", help="An agreed action (repeat for more).")] = None,
    by: ActorOpt = None, as_: AsOpt = None,
) -> None:
    """Close a session with a summary and the agreed actions; the operator can then acknowledge or dispute."""
    from qa.review.sessions import close_session

    engine = common.engine()
    by = common.actor(engine, by, as_, "review.manage")
    _render(engine, close_session(engine, session_id=session, author=by, summary=summary, actions=action or []))


@app.command("ack")
def review_ack(session: SessionArg, operator: OperatorYouOpt = None, as_: AsOpt = None) -> None:
    """The operator acknowledges a closed session."""
    from qa.review.sessions import acknowledge

    engine = common.engine()
    operator = common.actor(engine, operator, as_, "review.respond", "--operator ID")
    acknowledge(engine, session_id=session, operator_id=operator)
    out.print(f"session {session} acknowledged by {operator}", highlight=False, markup=False)


@app.command("dispute")
def review_dispute(
    session: SessionArg, call: CallArg, criterion: CriterionArg,
    reason: Annotated[str, typer.Option(help="Why the verdict is wrong (quote the moment).")],
    claim: Annotated[Optional[VerdictOpt], typer.Option(help="The verdict you claim (default: the opposite).")] = None,
    operator: OperatorYouOpt = None, as_: AsOpt = None,
) -> None:
    """The operator disputes a verdict of a closed session; the reviewer resolves it."""
    from qa.core.types import Verdict
    from qa.review.sessions import dispute

    engine = common.engine()
    operator = common.actor(engine, operator, as_, "review.respond", "--operator ID")
    d = dispute(engine, session_id=session, call_ref=call, criterion_id=criterion, operator_id=operator,
                reason=reason, claimed=Verdict(claim.value) if claim else None)
    out.print(f"dispute {d.dispute_id} opened: {criterion} {d.disputed_verdict.value} → {d.claimed_verdict.value}", highlight=False, markup=False)


@app.command("resolve")
def review_resolve(
    dispute: Annotated[int, typer.Argument(help="Dispute id (see `qa review show`).")],
    decision: Annotated[DecisionOpt, typer.Argument(help="upheld (the verdict stands) or overturned (the operator is right).")],
    note: Annotated[str, typer.Option(help="The answer to the operator.")],
    by: ActorOpt = None, as_: AsOpt = None,
) -> None:
    """The reviewer resolves a dispute: upheld or overturned."""
    from qa.review.sessions import resolve_dispute

    engine = common.engine()
    by = common.actor(engine, by, as_, "review.manage")
    d = resolve_dispute(engine, dispute_id=dispute, author=by, decision=decision.value, note=note)
    out.print(f"dispute {d.dispute_id}: {d.status}", highlight=False)


@app.command("audit")
def review_audit(session: SessionArg) -> None:
    """Every step of a session: who did what, when."""
    from qa.cli.render import audit_table
    from qa.review.sessions import audit_trail

    out.print(audit_table(audit_trail(common.engine(), session)))
