"""hold.v1: every hold is announced and thanked for; na without a hold."""

from __future__ import annotations

from pydantic import Field

from qa.core.types import Role
from scoring.context import CallContext, Lexicon
from scoring.criteria.common import FAIL, NA, PASS, StrictParams, judge, searched
from scoring.registry import CriterionKind, Judgement, register


class HoldParams(StrictParams):
    check: Lexicon = Field(description="the agent goes to check something")
    ask_wait: Lexicon = Field(description="asking the customer to stay on the line / wait")
    thanks: Lexicon = Field(description="thanking for waiting on return")
    silence_s: float = 8.0


@register("hold.v1")
class Hold(CriterionKind):
    """Every hold is announced and thanked for: the agent asks the customer to wait before
    going to check or going silent, and thanks them on return (na without a hold).

    A hold is a silence of ``silence_s`` or more inside the call, or an agent's request to
    wait. The agent's turns just before the silence must ask to wait; the first agent turn
    after it must thank. Going to check without ever asking to wait fails too."""

    Params = HoldParams

    def evaluate(self, call: CallContext, p: HoldParams) -> Judgement:
        utts = call.text.utterances
        checks = call.find(p.check, role="agent")
        asks = {u.index: pat for u, pat in call.find(p.ask_wait, role="agent")}
        thanks = {u.index: pat for u, pat in call.find(p.thanks, role="agent")}
        asks = {i: pat for i, pat in asks.items() if i not in thanks}  # «спасибо, что подождали» is not a new request
        first_agent = next((u.index for u in utts if u.role == Role.AGENT), None)
        gaps = [
            i for i in range(len(utts) - 1)
            if first_agent is not None and i >= first_agent
            and utts[i + 1].utterance.start_s - max(u.utterance.end_s for u in utts[: i + 1]) >= p.silence_s
        ]
        if not checks and not asks and not gaps:
            return judge(NA, "no hold or check in the call", more=[searched(
                utts, f"hold.v1: a silence of {p.silence_s:g} s or more after the agent's first turn, "
                "or an agent going to check or asking to wait", role="agent")])
        covered: set[int] = set()
        for i in gaps:
            before = [u for u in utts[max(0, i - 2) : i + 1] if u.role == Role.AGENT]
            after = next((u for u in utts[i + 1 :] if u.role == Role.AGENT), None)
            asked = next((u for u in reversed(before) if u.index in asks), None)
            silence = utts[i + 1].utterance.start_s - utts[i].utterance.end_s
            at = f"the {silence:.0f} s silence from {utts[i].utterance.end_s:.0f} s"
            if asked is None:
                last = (before[-1:] or [utts[i]])[0]
                looked = searched(before or [utts[i]], f"hold.v1: a request to wait in the agent's turns just before {at}", role="agent",
                                  end_s=utts[i].utterance.end_s)
                return judge(FAIL, f"went silent for {silence:.0f} s without asking the customer to wait",
                             nearest=[(last, f"hold.v1: the last turn before {at}; it does not ask the customer to wait")], more=[looked])
            covered.add(asked.index)
            if after is None or after.index not in thanks:
                looked = searched([after] if after else [], f"hold.v1: thanks for waiting in the agent's first turn after {at}",
                                  role="agent", start_s=utts[i + 1].utterance.start_s, end_s=call.text.duration_s if after is None else None)
                back = [(after, f"hold.v1: the agent's first turn after {at}; it does not thank for waiting")] if after else []
                return judge(FAIL, f"did not thank the customer for waiting ({silence:.0f} s)", [asked],
                              f"ask_wait: {asks[asked.index].source}; thanks missing after the hold", nearest=back, more=[looked])
        if not asks:
            check, pat = checks[0]
            return judge(FAIL, "went to check without asking the customer to wait",
                         nearest=[(check, f"hold.v1: goes to check ({pat.source}) but does not ask the customer to wait")],
                         more=[searched(call.agent(), "hold.v1: a request to wait in any agent turn", role="agent")])
        for index, pat in asks.items():  # a request to wait with no silence after it (the transcript may drop the pause)
            if index in covered:
                continue
            if not any(t > index for t in thanks):
                later = [u for u in utts[index + 1 :] if u.role == Role.AGENT]
                looked = searched(later, "hold.v1: thanks for waiting in the agent's turns after the request to wait", role="agent",
                                  start_s=utts[index].utterance.end_s, end_s=None if later else call.text.duration_s)
                return judge(FAIL, "did not thank the customer for waiting",
                             nearest=[(utts[index], f"hold.v1: asks to wait ({pat.source}), but no agent turn after it thanks for waiting")],
                             more=[looked])
        ask = min(asks)
        thank = min(t for t in thanks if t > ask)
        holds = f"{len(gaps)} hold(s)" if gaps else "a hold"
        return judge(PASS, f"asked to wait and thanked on return ({holds})", [utts[ask], utts[thank]],
                      f"ask_wait: {asks[ask].source}; thanks: {thanks[thank].source}")
