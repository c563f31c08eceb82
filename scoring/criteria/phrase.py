"""phrase.v1: lemma patterns a role must (or must never) say, in a window of the call."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from qa.core.types import Evidence
from scoring.context import CallContext, Lexicon, first_match, first_match_where, patterns_for
from scoring.criteria.common import FAIL, NA, PASS, StrictParams, judge, nearest, searched
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


def _scope(p: PhraseParams) -> str:
    """The window a phrase criterion searches, in words."""
    who = "any speaker's" if p.role == "any" else f"the {p.role}'s"
    where = f"{who} last {p.last_utterances} utterance(s)" if p.last_utterances else f"every one of {who} utterances"
    if p.first_s is not None:
        where += f" starting in the first {p.first_s:g} s"
    skipped = [what for what, on in (("questions", p.skip_questions), ("utterances with an excluded phrase", bool(p.unless))) if on]
    return where + (f" ({' and '.join(skipped)} left out)" if skipped else "")


def _nearest(call: CallContext, p: PhraseParams, spoken: list[UttText], window: list[UttText], pool: list[UttText],
             missing: list[str]) -> list[Evidence]:
    """The closest candidate of a phrase that was not found (at most one): an utterance of the window left out
    (a question, an excluded phrase) that says it, the nearest one outside the window that says it, or else
    the window's last utterance (what a reviewer checks for a farewell)."""
    kept = {u.index for u in pool}
    inside = {u.index for u in window}
    outside = [u for u in spoken if u.index not in inside]
    if p.last_utterances:
        outside.reverse()  # the latest before the window is the nearest
    for group in missing:
        pats = patterns_for(p.groups[group], call.language)
        dropped = next((u for u in window if u.index not in kept and first_match(u, pats) is not None), None)
        if dropped is not None:
            why = "a question" if p.skip_questions and dropped.is_question else "it has an excluded phrase"
            return [nearest(dropped, f"phrase.v1: says {group}, but is left out: {why}")]
        if outside and (p.last_utterances or p.first_s is not None):
            away = next((u for u in outside if first_match(u, pats) is not None), None)
            if away is not None:
                return [nearest(away, f"phrase.v1: says {group}, but outside {_scope(p)}")]
    if p.last_utterances and window:
        who = "any speaker's" if p.role == "any" else f"the {p.role}'s"
        return [nearest(window[-1], f"phrase.v1: {who} last utterance, without {' or '.join(missing)}")]
    return []


@register("phrase.v1")
class Phrase(CriterionKind):
    """Lemma-pattern groups that must (or must never) be said by a role, in a window."""

    Params = PhraseParams

    def evaluate(self, call: CallContext, p: PhraseParams) -> Judgement:
        if p.requires_order is not None and order_agreed_index(call, p.requires_order) is None:
            return judge(NA, "no order was placed",
                         more=[searched(call.text.utterances, "phrase.v1: an agreed order anywhere in the call (needed before this applies)")])
        spoken = call.text.by_role(p.role)
        pool = spoken
        if p.first_s is not None:
            pool = [u for u in pool if u.utterance.start_s <= p.first_s]
        if p.last_utterances:
            pool = pool[-p.last_utterances :]
        window = pool
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
            role = None if p.role == "any" else p.role
            looked = searched(window, f"phrase.v1: {' + '.join(missing)} in {_scope(p)}", role=role,
                              start_s=0.0 if p.first_s is not None else None, end_s=p.first_s)
            near = _nearest(call, p, spoken, window, pool, missing) if not utts else []
            return judge(FAIL, f"missing: {', '.join(missing)}", utts, rule, more=[*near, looked])
        return judge(PASS, f"found {', '.join(found)}", utts, rule)
