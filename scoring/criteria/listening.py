"""listening.v1: clarifies or summarises, rarely interrupts, leaves no customer question unanswered."""

from __future__ import annotations

import re

from pydantic import Field

from qa.core.types import Evidence, Role
from scoring.context import CallContext, Lexicon, first_match, patterns_for
from scoring.criteria.common import FAIL, PASS, StrictParams, judge, nearest, searched
from scoring.patterns import near
from scoring.registry import CriterionKind, Judgement, register
from scoring.text import UttText, nlp, tokenize


class IgnoredQuestionParams(StrictParams):
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
    cues: Lexicon = Field(default_factory=dict, description="words that open a question part without «?» (raw ASR) or a further part of a multi-part question")
    lead_cues: Lexicon = Field(default_factory=dict, description="cues that open a question without «?» only at the start of a turn (raw ASR «а ...»)")


class ListeningParams(StrictParams):
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
            counted = searched(call.text.utterances, f"listening.v1: the agent's interruptions over the whole call: "
                               f"{interruptions}, at most {p.max_interruptions} allowed", role="agent")
            return judge(FAIL, f"the agent interrupted the customer {interruptions} times", [], "interruptions", more=[counted])
        if p.ignored_question is not None and (ignored := _ignored_question(call, p.ignored_question)) is not None:
            utts, reason, rule, checked, more = ignored
            return judge(FAIL, reason, utts, rule, nearest=checked, more=more)
        hits = call.find(p.reflect, role="agent")
        if hits:
            utt, pat = hits[0]
            return judge(PASS, "clarifies / summarises the customer's words", [utt], f"reflect: {pat.source}")
        if p.echo_min_shared:
            echo = _echo(call, p.echo_min_shared)
            if echo is not None:
                utt, shared = echo
                return judge(PASS, f"repeats the customer's words back ({', '.join(shared)})", [utt], "echo")
        wanted = "a clarifying or summarising phrase" + (
            f", or {p.echo_min_shared} content words of the customer's previous turn repeated," if p.echo_min_shared else "")
        looked = searched(call.agent(), f"listening.v1: {wanted} in every agent turn of the call", role="agent")
        closest = _closest_echo(call, p.echo_min_shared) if p.echo_min_shared else None
        return judge(FAIL, "no clarifying or summarising turn", [], "reflect", more=[*closest, looked] if closest else [looked])


def _content(tokens, language: str) -> set[str]:
    stop = nlp(language).Defaults.stop_words
    return {t.lemma for t in tokens if len(t.text) > 2 and t.text not in stop and t.lemma not in stop}


def _shares(a: set[str], b: set[str]) -> bool:
    """A content word in common, allowing ASR near misses of longer words («изофикс» ~ «изофиксом»)."""
    return bool(a & b) or any(len(x) >= 5 and near(x, y) for x in a for y in b if abs(len(x) - len(y)) <= 2)


_CONJ = frozenset({"and", "or", "but", "so", "и", "а", "или", "і", "й", "та", "або", "чи"})


def _parts(tokens: tuple, cues: list) -> list[int]:
    """Where the parts of a (possibly multi-part) question start: at the start of a clause or at a
    conjunction, followed by a question cue («..., do you have ten wide, and is there...», «... а у вас есть»)."""
    def cue_at(j: int) -> bool:
        return j < len(tokens) and any(pat._match_from(tokens, j, 0) is not None for pat in cues)

    return [i for i in range(len(tokens)) if (i == 0 or tokens[i].text in _CONJ) and (cue_at(i) or (tokens[i].text in _CONJ and cue_at(i + 1)))]


def _clauses(sentence: str, language: str, tokens: tuple | None) -> list[tuple]:
    """A sentence's clauses (split at commas and dashes), tokenised; raw ASR text is one clause."""
    if tokens is not None:
        return [tokens]
    pieces = [x for x in re.split(r"\s*[,;:—–]\s*|\s-\s", sentence) if x.strip()]
    return [tokenize(x, language) for x in pieces] if len(pieces) > 1 else [tokenize(sentence, language)]


def _question_parts(utt: UttText, language: str, cues: list, lead: list) -> list[tuple[str, tuple, int]]:
    """The customer's questions in an utterance, each part of a multi-part question on its own.

    A sentence ending with «?» is a question; in raw ASR text (no punctuation at all) a stretch opened by a
    question cue («а ...», «можно», «у вас есть», "do you", "can i") is one too."""
    text = utt.utterance.text.strip()
    raw = re.search(r"[.!?…,;]", text) is None
    out: list[tuple[str, tuple, int]] = []
    sentences = [text] if raw else re.split(r"(?<=[.!?…])\s+", text)
    for k, sentence in enumerate(sentences):
        asked = sentence.rstrip().endswith("?")
        if not asked and not raw:
            continue
        parts: list[tuple] = []
        for clause in _clauses(sentence, language, utt.tokens if raw else None):
            cued = set(_parts(clause, cues))
            if raw and clause and any(pat.find(clause[:2]) for pat in lead):
                cued.add(0)  # «ну а скидка у вас работает»: a question opened at the start of the turn
            splits = {i for i, t in enumerate(clause) if t.text in _CONJ} if raw else set()  # raw ASR: clauses at conjunctions
            bounds = sorted({0, *cued, *splits}) + [len(clause)]
            for x, y in zip(bounds, bounds[1:]):
                piece = clause[x:y]
                if not piece:
                    continue
                if parts and x == 0 and x not in cued and not raw:
                    parts[-1] = parts[-1] + piece  # a clause without a cue continues the part before it
                elif asked or x in cued or (raw and any(pat.find(piece) for pat in cues)):
                    parts.append(piece)
        out += [(sentence if len(parts) == 1 and not raw else " ".join(t.text for t in part), part, k) for part in parts]
    return out


def _why_not_answered(p: IgnoredQuestionParams, first: bool, sentence: str) -> str:
    """Why the agent's reply did not count as an answer: what was checked in it."""
    answer = (f"no yes/no answer word in its first {p.answer_within} words" if first
              else "an answer word would answer only the question's first part")
    return f"listening.v1: reply to «{sentence}»: {answer}, no check or admission, no word of the question taken up"


Ignored = tuple[list[UttText], str, str, list[tuple[UttText, str]], list[Evidence]]
"""The question quoted, the reason, the rule, the agent replies checked (with why they did not count), the window."""


def _ignored_question(call: CallContext, p: IgnoredQuestionParams) -> Ignored | None:
    lang = call.language
    open_words, answer, engage, reask, cues, lead = (patterns_for(lex, lang) for lex in (p.open, p.answer, p.engage, p.reask, p.cues, p.lead_cues))
    utts = call.text.utterances
    first_agent = next((u.index for u in utts if u.role == Role.AGENT), len(utts))
    asked: list[tuple[UttText, set[str]]] = []  # earlier customer questions and their content words
    for i, utt in enumerate(utts):
        if utt.role != Role.CUSTOMER or i < first_agent:  # "hello? is anyone there?" before the agent is on the line
            continue
        words = _content(utt.tokens, lang)
        if first_match(utt, reask) is not None:
            earlier = next((q for q, q_words in reversed(asked) if q_words & words), None)
            if earlier is not None:
                return [earlier, utt], "the customer had to ask again: the question was not answered", "reask", [], []
        replies = [u for u in utts[i + 1 :] if u.role == Role.AGENT][:2]
        if replies and not replies[0].utterance.text.rstrip().endswith("?"):
            replies = replies[:1]  # a counter-question («для кого берёте?») may be answered in the next turn
        answered_first: set[int] = set()  # sentences whose first judged part has been seen
        for sentence, tokens, k in _question_parts(utt, lang, cues, lead):
            q_words = _content(tokens, lang)
            asked.append((utt, q_words))
            if not replies or len(tokens) < p.min_words:
                continue
            first = k not in answered_first
            answered_first.add(k)
            head = tokens if sentence.rstrip().endswith("?") else tokens[:4]  # raw ASR: a question word leads («а когда...»), a later «что» joins clauses
            if any(pat.find(head) for pat in open_words):
                continue
            if first and any(pat.find(r.tokens[: p.answer_within]) for r in replies for pat in answer):
                continue
            if any(first_match(r, engage) is not None for r in replies):
                continue
            if any(_shares(q_words, _content(r.tokens, lang)) for r in replies):
                continue
            why = _why_not_answered(p, first, sentence)
            looked = searched(replies, f"listening.v1: an answer to «{sentence}» in the agent's next {len(replies)} turn(s)",
                              role="agent", start_s=utt.utterance.end_s)
            return ([utt], f"the customer's question «{sentence}» got no answer", "ignored question",
                    [(replies[0], why)], [nearest(r, why) for r in replies[1:]] + [looked])
    return None


def _closest_echo(call: CallContext, min_shared: int) -> list[Evidence]:
    """The agent turn sharing the most (but too few) content words with the customer's turn before it."""
    best: tuple[int, UttText, list[str]] | None = None
    previous_customer: set[str] = set()
    for u in call.text.utterances:
        if u.role == Role.CUSTOMER:
            previous_customer = _content(u.tokens, call.language)
        elif u.role == Role.AGENT and previous_customer:
            shared = sorted(_content(u.tokens, call.language) & previous_customer)
            if shared and (best is None or len(shared) > best[0]):
                best = (len(shared), u, shared)
    if best is None:
        return []
    n, utt, shared = best
    why = f"listening.v1: repeats {n} word(s) of the customer's turn ({', '.join(shared)}), {min_shared} needed; no clarifying phrase"
    return [nearest(utt, why)]


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
