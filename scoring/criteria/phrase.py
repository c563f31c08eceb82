"""phrase.v1: lemma patterns a role must (or must never) say, in a window of the call."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scoring.context import CallContext, Lexicon, first_match_where, patterns_for
from scoring.criteria.common import FAIL, NA, PASS, StrictParams, judge
from scoring.events import OrderLexicon, order_agreed_index
from scoring.registry import CriterionKind, Judgement, register
from scoring.text import UttText


class PhraseParams(StrictParams):
    role: Literal["agent", "customer", "any"] = "agent"
    groups: dict[str, Lexicon] = Field(min_length=1, description="every group must match (in one or several utterances)")
    expect: Literal["present", "absent"] = "present"
    last_utterances: int | None = Field(default=None, ge=1, description="only the role's last N utterances")
    first_s: float | None = Field(default=None, gt=0, description="only utterances starting in the first N seconds")
    skip_questions: bool = False
    unless: Lexicon = Field(default_factory=dict, description="an utterance matching these does not count")
    not_after: Lexicon = Field(default_factory=dict, description="a match right after one of these words does not count (\"you don't know\" asks, it does not admit)")
    requires_order: OrderLexicon | None = None


@register("phrase.v1")
class Phrase(CriterionKind):
    """Lemma-pattern groups that must (or must never) be said by a role, in a window."""

    Params = PhraseParams

    def evaluate(self, call: CallContext, p: PhraseParams) -> Judgement:
        if p.requires_order is not None and order_agreed_index(call, p.requires_order) is None:
            return judge(NA, "no order was placed")
        pool = call.text.by_role(p.role)
        if p.first_s is not None:
            pool = [u for u in pool if u.utterance.start_s <= p.first_s]
        if p.last_utterances:
            pool = pool[-p.last_utterances :]
        if p.skip_questions:
            pool = [u for u in pool if not u.is_question]
        unless = patterns_for(p.unless, call.language)
        if unless:
            pool = [u for u in pool if not any(x.find(u.tokens) for x in unless)]
        found: dict[str, tuple[UttText, str]] = {}
        blockers = patterns_for(p.not_after, call.language)
        for name, lexicon in p.groups.items():
            hit = first_match_where(  # a match right after a blocker word does not count
                pool, patterns_for(lexicon, call.language),
                lambda utt, start, _: start == 0 or not any(b.find(utt.tokens[start - 1 : start]) for b in blockers),
            )
            if hit is not None:
                found[name] = (hit[0], hit[1].source)
        if p.expect == "absent":
            if found:
                name, (utt, src) = next(iter(found.items()))
                return judge(FAIL, f"{p.role} said «{src}» ({name})", [utt], f"{name}: {src}")
            return judge(PASS, f"no {', '.join(p.groups)} phrase from the {p.role}")
        missing = [g for g in p.groups if g not in found]
        utts = sorted({u.index: u for u, _ in found.values()}.values(), key=lambda u: u.index)
        rule = "; ".join(f"{g}: {src}" for g, (_, src) in found.items())
        if missing:
            return judge(FAIL, f"missing: {', '.join(missing)}", utts, rule)
        return judge(PASS, f"found {', '.join(found)}", utts, rule)
