"""greeting.v1: the agent's first turn greets, names the company and the agent (first names via pymorphy3)."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import Field

from scoring.context import CallContext, Lexicon, patterns_for
from scoring.criteria.common import FAIL, PASS, StrictParams, judge, searched
from scoring.registry import CriterionKind, Judgement, register
from scoring.text import nlp


class GreetingParams(StrictParams):
    within_s: float = 15.0
    greet: Lexicon
    intro: Lexicon = Field(description="phrases that introduce the agent's name (the next word is the name)")
    company_words: Lexicon = Field(description="words that name a kind of business (shop, pharmacy...)")
    service: Lexicon = Field(default_factory=dict, description="words that are neither the company nor a name")
    purpose: Lexicon = Field(default_factory=dict, description="the call's purpose («звоню по вашему заказу с сайта», \"about your order\"): "
                             "what follows is the subject of the call, not the company")


@lru_cache(maxsize=8)
def _morph(language: str):
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=language)


def _is_first_name(word: str, language: str) -> bool:
    """A first name from the dictionary (pymorphy3 guesses 'Name' for unknown words like shop names).
    Ukrainian also asks the Russian dictionary: it knows many shared names (Богдан, Тарас) the Ukrainian one lacks."""
    if language not in ("ru", "uk"):
        return False
    dictionaries = ("uk", "ru") if language == "uk" else ("ru",)
    return any("Name" in p.tag and p.is_known for lang in dictionaries for p in _morph(lang).parse(word)[:3])


def _is_patronymic(word: str, language: str) -> bool:
    return language in ("ru", "uk") and any("Patr" in p.tag and p.is_known for p in _morph(language).parse(word)[:3])


_MISSING = {"greeting": "a greeting", "company": "the company name", "own name": "the agent's own name"}


@register("greeting.v1")
class Greeting(CriterionKind):
    """The agent's first turn greets, names the company and the agent, within N seconds."""

    Params = GreetingParams

    def evaluate(self, call: CallContext, p: GreetingParams) -> Judgement:
        agent = call.agent()
        if not agent:
            return judge(FAIL, "the agent never speaks",
                         more=[searched(call.text.utterances, "greeting.v1: an agent utterance anywhere in the call", role="agent")])
        first = agent[0]
        if first.utterance.start_s > p.within_s:
            late = f"greeting.v1: the agent's first words start at {first.utterance.start_s:.0f} s, after the {p.within_s:.0f} s limit"
            return judge(FAIL, f"the agent's first words come after {p.within_s:.0f} s", nearest=[(first, late)],
                         more=[searched([], f"greeting.v1: an agent utterance starting in the first {p.within_s:.0f} s",
                                        role="agent", start_s=0.0, end_s=p.within_s)])
        toks = first.tokens
        used: set[int] = set()

        def cover(lexicon: Lexicon) -> bool:
            hit = False
            for pat in patterns_for(lexicon, call.language):
                for a, b in pat.find_all(toks):
                    used.update(range(a, b))
                    hit = True
            return hit

        greets = cover(p.greet)
        cover(p.service)
        for pat in patterns_for(p.purpose, call.language):
            for a, _ in pat.find_all(toks)[:1]:
                used.update(range(a, len(toks)))
        company_at = {i for pat in patterns_for(p.company_words, call.language) for a, b in pat.find_all(toks) for i in range(a, b)}
        name_idx: int | None = None
        for pat in patterns_for(p.intro, call.language):
            for a, b in pat.find_all(toks):
                used.update(range(a, b))
                nxt = b if b < len(toks) else None
                if pat.source.endswith("speaking"):
                    nxt = a - 1 if a > 0 else None
                if nxt is not None and name_idx is None:
                    name_idx = nxt
        stop = nlp(call.language).Defaults.stop_words
        raw = first.utterance.text
        for i, t in enumerate(toks):
            if name_idx is None and _is_first_name(t.text, call.language):
                followed_by_patr = i + 1 < len(toks) and _is_patronymic(toks[i + 1].text, call.language)
                addressed = re.search(re.escape(t.text) + r"[\w\s]{0,20}\?", raw.lower()) is not None
                in_company = (i - 1) in company_at or re.search(r"[«\"“]" + re.escape(t.text), raw.lower()) is not None  # «магазин Белла Косметик»
                if not followed_by_patr and not addressed and not in_company:
                    name_idx = i
        for i, t in enumerate(toks):  # the customer's name and patronymic are not the company
            if _is_first_name(t.text, call.language) or _is_patronymic(t.text, call.language):
                used.add(i)
        if name_idx is not None:
            used.add(name_idx)
        company = cover(p.company_words) or any(
            i not in used and t.text not in stop and len(t.text) > 1 and not t.text.isdigit() for i, t in enumerate(toks)
        )
        missing = [what for what, ok in (("greeting", greets), ("company", company), ("own name", name_idx is not None)) if not ok]
        if missing:
            lacks = f"greeting.v1: the agent's first turn, without {' or '.join(_MISSING[m] for m in missing)}"
            return judge(FAIL, f"first turn lacks: {', '.join(missing)}", nearest=[(first, lacks)],
                         more=[searched([first], "greeting.v1: a greeting, the company and the agent's own name in the agent's first turn")])
        return judge(PASS, f"greets, names the company and '{toks[name_idx].text}'", [first], "greeting + company + name")
