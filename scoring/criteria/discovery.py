"""discovery.v1: an open needs question before the first proposal; na for service calls."""

from __future__ import annotations

from pydantic import Field

from qa.core.types import Evidence
from scoring.context import CallContext, Lexicon, first_match, first_match_where, patterns_for
from scoring.criteria.common import FAIL, NA, PASS, StrictParams, judge, nearest, searched
from scoring.events import OrderLexicon, order_agreed_index
from scoring.registry import CriterionKind, Judgement, register
from scoring.text import UttText


class DiscoveryParams(StrictParams):
    open_question: Lexicon
    not_needs: Lexicon = Field(default_factory=dict, description="questions about a specification (size, colour) that do not count")
    proposal: Lexicon = Field(description="the agent proposes/confirms a product (price, a model...)")
    not_a_sale: Lexicon = Field(description="customer requests that are no sale: delivery status, complaint, refund")
    web_order: Lexicon = Field(default_factory=dict, description="the agent calls to confirm an order placed on the website: a sale even when it is cancelled")
    consultation: Lexicon = Field(default_factory=dict, description="the customer asks about a product's stock or price: a consultation even when no order follows")
    order: OrderLexicon


def _needs_question(call: CallContext, p: DiscoveryParams, utts: list[UttText]):
    """The first open question that is not a specification question («какой размер?»):
    "what size is the space and how often do you run it" still asks about needs."""
    specs = patterns_for(p.not_needs, call.language)

    def outside_spec(utt: UttText, start: int, end: int) -> bool:
        return not any(start < s_end and s_start < end for s in specs for s_start, s_end in s.find_all(utt.tokens))

    return first_match_where(utts, patterns_for(p.open_question, call.language), outside_spec)


@register("discovery.v1")
class Discovery(CriterionKind):
    """An open question about the customer's needs before the first proposal (na if no sale)."""

    Params = DiscoveryParams

    def evaluate(self, call: CallContext, p: DiscoveryParams) -> Judgement:
        order = order_agreed_index(call, p.order)
        opening = call.customer()[:3] + call.agent()[:2]
        service = call.find(p.not_a_sale, utts=sorted(opening, key=lambda u: u.index))
        web_order = call.find(p.web_order, utts=call.agent()[:2])
        service_first = min((u.index for u, _ in service), default=None)
        enquiry = [u for u, _ in call.find(p.consultation, utts=call.customer()[:2]) if service_first is None or u.index <= service_first]
        if service and order is None and not web_order and not enquiry:
            utt, pat = service[0]
            return judge(NA, "not a sale or consultation", [utt], f"not_a_sale: {pat.source}")
        proposals = call.find(p.proposal, role="agent")
        limit = min([u.index for u, _ in proposals] + ([order] if order is not None else []), default=len(call.text.utterances))
        window = [u for u in call.agent() if u.index <= limit]
        hit = _needs_question(call, p, window)
        if hit is not None:
            utt, pat = hit
            return judge(PASS, "open question about needs before the proposal", [utt], f"open_question: {pat.source}")
        quoted, rule = [], "open_question"
        if proposals:
            quoted, rule = [proposals[0][0]], f"proposal: {proposals[0][1].source} (the first; an open question must come before it)"
        bounded = limit < len(call.text.utterances)
        before = "the first proposal" if proposals and proposals[0][0].index == limit else "the order is agreed"
        looked = searched(window, "discovery.v1: an open question about needs by the agent "
                          + (f"before {before}" if bounded else "in the whole call (no proposal)"), role="agent",
                          start_s=0.0, end_s=call.text.utterances[limit].utterance.end_s if bounded else None)
        return judge(FAIL, "no open question before the first proposal", quoted, rule,
                     more=[*_nearest_question(call, p, window, limit), looked])


def _nearest_question(call: CallContext, p: DiscoveryParams, window: list[UttText], limit: int) -> list[Evidence]:
    """The question that came closest to counting: a specification question in the window, an open question
    after the first proposal, or a closed question in the window (at most one)."""
    opens = patterns_for(p.open_question, call.language)
    spec = next((u for u in window if first_match(u, opens) is not None), None)  # matched, yet not outside a spec span
    if spec is not None:
        return [nearest(spec, "discovery.v1: asks about a specification (size, colour, logistics), not about needs")]
    late = _needs_question(call, p, [u for u in call.agent() if u.index > limit])
    if late is not None:
        return [nearest(late[0], f"discovery.v1: an open question ({late[1].source}), but after the first proposal")]
    closed = next((u for u in window if u.is_question), None)
    if closed is None:
        return []
    return [nearest(closed, "discovery.v1: a question, but not an open question about needs (none of the open_question phrases)")]
