"""upsell.v1: an extra offered after the order is agreed (patterns, then sentence similarity to examples)."""

from __future__ import annotations

from pydantic import Field

from scoring.context import CallContext, Lexicon
from scoring.criteria.common import FAIL, NA, PASS, StrictParams, judge, searched
from scoring.embeddings import semantic_hits
from scoring.events import OrderLexicon, order_agreed_index
from scoring.registry import CriterionKind, Judgement, register


class UpsellParams(StrictParams):
    order: OrderLexicon
    offer: Lexicon = Field(description="phrases that offer something extra")
    examples: Lexicon = Field(default_factory=dict, description="example upsell sentences for semantic matching")
    min_similarity: float = 0.6


@register("upsell.v1")
class Upsell(CriterionKind):
    """After the main order is agreed, the agent offers something extra."""

    Params = UpsellParams

    def evaluate(self, call: CallContext, p: UpsellParams) -> Judgement:
        agreed = order_agreed_index(call, p.order)
        if agreed is None:
            return judge(NA, "no order was placed")
        after = [u for u in call.agent() if u.index >= agreed]
        hits = call.find(p.offer, utts=after)
        if hits:
            utt, pat = hits[0]
            return judge(PASS, "offers an extra after the order", [utt], f"offer: {pat.source}")
        scored = semantic_hits(after, p.examples.get(call.language, []), -1.0)  # every turn, to name the nearest on a fail
        sem = [x for x in scored if x[2] >= p.min_similarity]
        if sem:
            utt, example, sim = sem[0]
            j = judge(PASS, f"offers an extra after the order (like «{example}», similarity {sim:.2f})", [utt], f"semantic: {example}")
            return Judgement(j.verdict, j.reason, j.evidence, round(min(j.confidence, sim), 3))
        window = searched(after, "an offer of something extra (phrases or like the rubric's examples) after the order",
                          role="agent", start_s=call.text.utterances[agreed].utterance.start_s)
        before = call.find(p.offer, utts=[u for u in call.agent() if u.index < agreed])
        if before:
            return judge(FAIL, "an extra was offered only before the order was agreed", [before[0][0]], f"offer: {before[0][1].source}",
                         more=[window])
        closest = max(scored, key=lambda x: x[2], default=None)
        near = [(closest[0], f"closest to «{closest[1]}», similarity {closest[2]:.2f} < {p.min_similarity}")] if closest else []
        return judge(FAIL, "no extra offered after the order", [], "offer", nearest=near, more=[window])
