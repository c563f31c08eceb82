"""The machine's side of a mystery-shopper call: one check per checklist item the transcript can answer.

A checklist item maps to what judges it (see :mod:`mystery_shopper.scenario`):

* ``criterion:<id>`` — the rubric's verdict on the call, as scored (the scorecard's result and first evidence);
* ``fact:<id>`` — an amount the agent states (digits «2 490», «2490 рублей», "$45", or words «две тысячи четыреста
  девяносто», "fourteen ninety-nine") within the fact's absolute tolerance, or one of the fact's phrases in an
  agent turn (lemmas or plain lowercase text, «ё» read as «е»);
* ``trap:<id>`` — the agent's answer to a question nobody at the desk can know: «не знаю» without an offer to
  check or hold fails; the words are scoring's own dialogue-act lexicon (``not_knowing``, ``hold_request`` in
  ``scoring/lang/<language>.yaml``), not a second list;
* ``upsell`` — an agent turn naming one of the scenario's extras, after the order was placed (the moment comes
  from the scorecard's order outcome, so the check and the rubric's ``upsell_after_order`` agree on it).

Items only the shopper can judge (``shopper``) get no check. Every check quotes the utterance it rests on, with
its times, so a reviewer can listen to it; the confidence is the ASR's word probability of that quote (1.0 for
typed transcripts, 0.0 when the check could not decide).

The words for numbers above ten (teens, tens, hundreds, thousands) live here until scoring's lexicon files carry
them; 0-10 come from :func:`scoring.lexicons.number_words`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mystery_shopper.scenario import ChecklistItem, Fact, Scenario, Trap
from qa.core.types import Scorecard, Transcript, Verdict
from scoring.context import low_confidence_penalty, patterns_for
from scoring.lexicons import act_patterns, number_words
from scoring.text import CallText, Tok, UttText, analyse, tokenize

# ---------------------------------------------------------------- amounts

_TEENS_TENS_HUNDREDS: dict[str, dict[str, tuple[str, float]]] = {
    "ru": {
        **{w: ("teen", v) for v, w in enumerate(
            "одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать "
            "девятнадцать".split(), start=11)},
        **{w: ("tens", 10 * v) for v, w in enumerate(
            "двадцать тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят девяносто".split(), start=2)},
        "сорока": ("tens", 40),  # the lemmatizer reads it as the bird
        **{w: ("hundreds", 100 * v) for v, w in enumerate(
            "сто двести триста четыреста пятьсот шестьсот семьсот восемьсот девятьсот".split(), start=1)},
        "полтора": ("half", 1.5), "полторы": ("half", 1.5),
        "тысяча": ("scale", 1e3), "тыща": ("scale", 1e3), "тыс": ("scale", 1e3), "тыс.": ("scale", 1e3),
        "миллион": ("scale", 1e6), "млн": ("scale", 1e6),
    },
    "uk": {
        **{w: ("teen", v) for v, w in enumerate(
            "одинадцять дванадцять тринадцять чотирнадцять п'ятнадцять шістнадцять сімнадцять вісімнадцять "
            "дев'ятнадцять".split(), start=11)},
        **{w: ("tens", 10 * v) for v, w in enumerate(
            "двадцять тридцять сорок п'ятдесят шістдесят сімдесят вісімдесят дев'яносто".split(), start=2)},
        **{w: ("hundreds", 100 * v) for v, w in enumerate(
            "сто двісті триста чотириста п'ятсот шістсот сімсот вісімсот дев'ятсот".split(), start=1)},
        "півтора": ("half", 1.5), "півтори": ("half", 1.5),
        "тисяча": ("scale", 1e3), "тис": ("scale", 1e3), "тис.": ("scale", 1e3),
        "мільйон": ("scale", 1e6), "млн": ("scale", 1e6),
    },
    "en": {
        **{w: ("teen", v) for v, w in enumerate(
            "eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split(), start=11)},
        **{w: ("tens", 10 * v) for v, w in enumerate(
            "twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)},
        "hundred": ("hundred", 100), "thousand": ("scale", 1e3), "grand": ("scale", 1e3), "million": ("scale", 1e6),
    },
}
_CURRENCY_WORDS = frozenset({"dollar", "buck", "pound", "euro", "рубль", "руб", "доллар", "евро", "гривна", "гривня",
                             "грн", "долар", "євро"})
_CENT_WORDS = frozenset({"cent", "penny", "pence", "копейка", "коп", "копійка"})
_CHUNKS = re.compile(r"[;:!?…—–()«»\"“”\n]|[,.](?!\d)|\s-\s")
_DIGITS = re.compile(r"^(\d+(?:[.,]\d+)*)([a-zа-яіїєґ]*)$")
_EPSILON = 1e-9


def _digits_value(text: str) -> float | None:
    """«2490», "14,900", "45.99", «2,5», "15k" (a separator before exactly three digits groups thousands)."""
    m = _DIGITS.match(text)
    if m is None:
        return None
    number, suffix = m.groups()
    parts = re.split(r"[.,]", number)
    if len(parts) == 1:
        value = float(number)
    elif all(len(p) == 3 for p in parts[1:]):
        value = float("".join(parts))
    elif len(parts) == 2:
        value = float(f"{parts[0]}.{parts[1]}")
    else:
        return None
    return value * 1000 if suffix in ("k", "к") else value


def _classify(tok: Tok, language: str, following: Tok | None) -> tuple[str, float] | None:
    """(kind, value) of a number token: digits, unit (0-9), teen (10-19), tens, hundreds, hundred, half, scale."""
    value = _digits_value(tok.text)
    if value is not None:
        return "digits", value
    table = _TEENS_TENS_HUNDREDS.get(language, {})
    for form in (tok.text, tok.lemma):
        if form in table:
            return table[form]
    units = number_words(language)
    for form in (tok.text, tok.lemma):
        if form in units:
            return ("teen", 10.0) if units[form] == 10 else ("unit", float(units[form]))
    if language == "en" and tok.text in ("a", "an") and following is not None:
        nxt = table.get(following.lemma)
        if nxt is not None and nxt[0] in ("hundred", "scale"):
            return "unit", 1.0
    return None


@dataclass(slots=True)
class _Reading:
    """A number being read token by token: the committed thousands part and the group below it."""

    start: int
    end: int = 0
    total: float = 0.0
    group: float = 0.0
    slots: set[str] = field(default_factory=set)  # h(undreds), t(ens), u(nits) of the group
    last_scale: float = math.inf
    kinds: list[str] = field(default_factory=list)

    def accepts(self, kind: str, value: float) -> bool:
        free = not self.slots
        return {
            "digits": free and value < self.last_scale and (not self.kinds or value < 1000),
            "unit": "u" not in self.slots,
            "teen": not self.slots & {"t", "u"},
            "tens": not self.slots & {"t", "u"},
            "hundreds": free,
            "half": free,
            "hundred": "h" not in self.slots and self.group < 100 and (self.group > 0 or free),
            "scale": value < self.last_scale,
        }[kind]

    def add(self, kind: str, value: float, index: int) -> None:
        self.end = index
        self.kinds.append(kind)
        if kind == "scale":
            self.total += (self.group if self.slots else 1) * value
            self.group, self.slots, self.last_scale = 0.0, set(), value
        elif kind == "hundred":
            self.group, self.slots = (self.group or 1) * 100, {"h"}
        else:
            self.group += value
            self.slots |= {"digits": {"h", "t", "u"}, "half": {"h", "t", "u"}, "unit": {"u"}, "teen": {"t", "u"},
                           "tens": {"t"}, "hundreds": {"h"}}[kind]

    @property
    def value(self) -> float:
        return self.total + self.group


@dataclass(frozen=True, slots=True)
class _Number:
    value: float
    start: int
    end: int
    kinds: tuple[str, ...]


def _read(toks: Sequence[Tok], language: str) -> list[_Number]:
    """Numbers in a run of tokens, each as long as the grammar of numerals allows («тридцать одна тысяча девятьсот»)."""
    out: list[_Number] = []
    cur: _Reading | None = None

    def flush() -> None:
        nonlocal cur
        if cur is not None:
            out.append(_Number(cur.value, cur.start, cur.end, tuple(cur.kinds)))
        cur = None

    for i, tok in enumerate(toks):
        following = toks[i + 1] if i + 1 < len(toks) else None
        item = _classify(tok, language, following)
        if item is None:
            joins = tok.text == "and" and cur is not None and following is not None
            if not (joins and _classify(following, language, None) is not None):  # "two hundred and fifty"
                flush()
            continue
        if cur is None or not cur.accepts(*item):
            flush()
            cur = _Reading(start=i)
        cur.add(item[0], item[1], i)
    flush()
    return out


_SMALL = {"unit", "teen", "tens"}


def _spoken_price(first: _Number, second: _Number, language: str) -> float | None:
    """How people say prices: «три двести» = 3 200, «четырнадцать девятьсот» = 14 900; "fourteen ninety-nine" = 14.99."""
    if second.start != first.end + 1 or not set(first.kinds) <= _SMALL or not 1 <= first.value <= 99:
        return None
    if language in ("ru", "uk") and second.kinds[0] == "hundreds" and "scale" not in second.kinds:
        return first.value * 1000 + second.value
    if language == "en" and set(second.kinds) <= _SMALL and second.kinds[0] != "unit" and 10 <= second.value <= 99:
        return first.value + second.value / 100
    return None


def _with_cents(first: _Number, second: _Number, toks: Sequence[Tok]) -> float | None:
    """"fourteen dollars and ninety-nine cents" = 14.99."""
    between = [t.lemma for t in toks[first.end + 1 : second.start]]
    after = toks[second.end + 1].lemma if second.end + 1 < len(toks) else ""
    if between and between[0] in _CURRENCY_WORDS and set(between[1:]) <= {"and", "и", "і"} and after in _CENT_WORDS \
            and second.value < 100:
        return first.value + second.value / 100
    return None


def _combine(numbers: list[_Number], toks: Sequence[Tok], language: str) -> list[float]:
    values: list[float] = []
    i = 0
    while i < len(numbers):
        nxt = numbers[i + 1] if i + 1 < len(numbers) else None
        joined = None
        if nxt is not None:
            joined = _spoken_price(numbers[i], nxt, language)
            joined = joined if joined is not None else _with_cents(numbers[i], nxt, toks)
        values.append(numbers[i].value if joined is None else joined)
        i += 1 if joined is None else 2
    return values


def _merge_digit_groups(toks: Sequence[Tok]) -> list[Tok]:
    """«2 490», «14 900 ₽»: a group of 1-3 digits followed by groups of exactly three digits is one number."""
    out: list[Tok] = []
    grouping = False  # the last token is a digit group that a following «900» continues
    for tok in toks:
        if grouping and re.fullmatch(r"\d{3}", tok.text):
            joined = out[-1].text + tok.text
            out[-1] = Tok(joined, joined)
            continue
        out.append(tok)
        grouping = re.fullmatch(r"\d{1,3}", tok.text) is not None
    return out


def parse_amounts(text: str, language: str) -> tuple[float, ...]:
    """Every amount said in ``text``, in order: digits and number words of ``language`` (ru, uk, en).

    Punctuation ends a number («сорок, пять» is two); currency signs are read as words ("$45" → 45)."""
    values: list[float] = []
    for chunk in _CHUNKS.split(text):
        if not chunk.strip():
            continue
        toks = _merge_digit_groups(tokenize(chunk, language))
        values += _combine(_read(toks, language), toks, language)
    return tuple(values)


# ---------------------------------------------------------------- checks


@dataclass(frozen=True, slots=True)
class Check:
    """The machine's answer to one checklist item, with the utterance it rests on."""

    item_id: str
    area: str
    kind: str  # criterion | fact | trap | upsell
    verdict: Verdict
    reason: str
    quote: str | None
    start_s: float | None
    end_s: float | None
    confidence: float


def _check(item: ChecklistItem, verdict: Verdict, reason: str, utt: UttText | None = None,
           confidence: float | None = None) -> Check:
    quote, start, end = (utt.utterance.text, utt.utterance.start_s, utt.utterance.end_s) if utt else (None, None, None)
    if confidence is None:
        confidence = low_confidence_penalty([utt]) if utt is not None else 1.0
    return Check(item.id, item.area, item.target_kind, verdict, reason, quote, start, end, confidence)


def _plain(text: str) -> str:
    text = re.sub(r"[^\w\s']", " ", text.lower().replace("ё", "е").replace("’", "'"))
    return f" {' '.join(text.split())} "


def _says(utt: UttText, phrases: Sequence[str], language: str) -> str | None:
    """The words of ``utt`` that say one of ``phrases``: as a lemma pattern (scoring.patterns) or as plain text."""
    plain = _plain(utt.utterance.text)
    for phrase in phrases:
        span = patterns_for({language: [phrase]}, language)[0].find(utt.tokens)
        if span is not None:
            return " ".join(t.text for t in utt.tokens[span[0] : span[1]])
        if _plain(phrase) in plain:
            return phrase
    return None


def _criterion(item: ChecklistItem, card: Scorecard | None) -> Check:
    cid = item.target_id or ""
    if card is None:
        return _check(item, Verdict.NA, f"no scorecard: score the call to judge criterion '{cid}'", confidence=0.0)
    result = card.result(cid)
    if result is None:
        return _check(item, Verdict.NA, f"the scorecard (rubric {card.rubric_id} v{card.rubric_version}) has no "
                      f"criterion '{cid}'", confidence=0.0)
    ev = result.evidence[0] if result.evidence else None
    return Check(item.id, item.area, "criterion", result.verdict, result.reason, (ev.quote or None) if ev else None,
                 ev.start_s if ev else None, ev.end_s if ev else None, result.confidence)


def _money(value: float, currency: str | None) -> str:
    shown = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{shown} {currency}" if currency else shown


_GLUED = re.compile(r"(?<![\d.,])(\d+)[.,](\d)\s+(?=[^\W\d_])")


def _glued(text: str) -> tuple[float, ...]:
    """Amounts recognition may have glued to the next number: "the box is $25.5 products" was said as "twenty-five
    dollars, five products". A price with one decimal digit followed by a word is also read without it."""
    return tuple(float(m.group(1)) for m in _GLUED.finditer(text))


def _amount(item: ChecklistItem, fact: Fact, call: CallText) -> Check:
    assert fact.amount is not None  # validated when the scenario was loaded
    target = _money(fact.amount, fact.currency) + (f" ± {_money(fact.tolerance, None)}" if fact.tolerance else "")
    nearest: tuple[float, float, UttText] | None = None  # (distance, amount, utterance)
    for utt in call.by_role("agent"):
        for value in (*parse_amounts(utt.utterance.text, call.language), *_glued(utt.utterance.text)):
            distance = abs(value - fact.amount)
            if distance <= fact.tolerance + _EPSILON:
                return _check(item, Verdict.PASS, f"the agent states {_money(value, fact.currency)} ({target} expected)", utt)
            if nearest is None or distance < nearest[0]:
                nearest = (distance, value, utt)
    if nearest is None:
        return _check(item, Verdict.FAIL, f"the agent states no amount ({target} expected)")
    return _check(item, Verdict.FAIL, f"no amount within {target}; the closest the agent states is "
                  f"{_money(nearest[1], fact.currency)}", nearest[2])


def _phrase(item: ChecklistItem, fact: Fact, call: CallText) -> Check:
    for utt in call.by_role("agent"):
        said = _says(utt, fact.phrases, call.language)
        if said is not None:
            return _check(item, Verdict.PASS, f"the agent says «{said}» ({fact.title})", utt)
    return _check(item, Verdict.FAIL, f"no agent turn says any of: {', '.join(fact.phrases)}")


def _fact(item: ChecklistItem, scenario: Scenario, call: CallText) -> Check:
    fact = next(f for f in scenario.facts if f.id == item.target_id)
    return _amount(item, fact, call) if fact.kind == "amount" else _phrase(item, fact, call)


def _content(toks: Sequence[Tok]) -> set[str]:
    return {t.lemma for t in toks if len(t.lemma) >= 3}


def _asked(call: CallText, question: str) -> UttText | None:
    """The customer turn that asks the trap question: at least half of its words (and two or more), best first."""
    wanted = _content(tokenize(question, call.language))
    best: tuple[int, UttText] | None = None
    for utt in call.by_role("customer"):
        shared = len(wanted & _content(utt.tokens))
        if shared >= 2 and shared >= len(wanted) / 2 and (best is None or shared > best[0]):
            best = (shared, utt)
    return best[1] if best else None


ANSWER_TURNS = 2
"""The agent turns after the trap question that make up the answer to it."""


def _trap(item: ChecklistItem, scenario: Scenario, call: CallText) -> Check:
    trap: Trap = next(t for t in scenario.traps if t.id == item.target_id)
    lexicon = act_patterns(call.language)
    admits = patterns_for({call.language: list(lexicon.get("not_knowing", ()))}, call.language)
    holds = patterns_for({call.language: list(lexicon.get("hold_request", ()))}, call.language)
    asked = _asked(call, trap.question)
    agent = call.by_role("agent")
    window = [u for u in agent if u.index > asked.index][:ANSWER_TURNS] if asked else agent
    where = "in the answer to the trap question" if asked else "(the trap question was not found; every agent turn read)"
    offers = [u for u in window if any(p.find(u.tokens) for p in holds)]
    for k, utt in enumerate(window):
        admit = next((p for p in admits if p.find(utt.tokens) is not None), None)
        if admit is None:
            continue
        follow = [u for u in window[k:k + 2] if u in offers]  # this agent turn or the agent's next one
        if not follow:
            return _check(item, Verdict.FAIL, f"the agent says «{admit.source}» without offering to check {where}", utt)
        return _check(item, Verdict.PASS, f"the agent does not know but offers to check or hold {where}", follow[0])
    if offers:
        return _check(item, Verdict.PASS, f"the agent offers to check or hold {where}", offers[0])
    return _check(item, Verdict.PASS, f"no «I don't know» from the agent {where}")


def _order_index(card: Scorecard) -> tuple[bool | None, int | None, float]:
    """(order placed?, the utterance where the order counts from, the detector's confidence) from the outcome."""
    outcome = dict(card.outcome)
    placed = outcome.get("order_placed")
    confidence = float(outcome.get("order_confidence") or 1.0)
    if not placed:
        return placed, None, confidence
    events = outcome.get("order_events") or []
    starts = [e["utterance_index"] for e in events if isinstance(e, dict) and e.get("kind") in ("placed", "agreed", "read_back")]
    return True, min(starts) if starts else None, confidence


def _upsell(item: ChecklistItem, scenario: Scenario, call: CallText, card: Scorecard | None) -> Check:
    assert scenario.upsell is not None  # validated when the scenario was loaded
    items = scenario.upsell.items
    named = [(u, s) for u in call.by_role("agent") if (s := _says(u, items, call.language)) is not None]
    if not scenario.upsell.after_order:
        if named:
            return _check(item, Verdict.PASS, f"the agent offers «{named[0][1]}»", named[0][0])
        return _check(item, Verdict.FAIL, f"no agent turn names any of: {', '.join(items)}")
    if card is None:
        return _check(item, Verdict.NA, "no scorecard: the moment the order was placed is unknown; score the call first",
                      confidence=0.0)
    placed, start, confidence = _order_index(card)
    if placed is None or (placed and start is None):
        return _check(item, Verdict.NA, "the scorecard does not say when the order was placed; rescore the call",
                      confidence=0.0)
    if not placed:
        return _check(item, Verdict.NA, "no order was placed, so there is no upsell after it", confidence=confidence)
    after = [(u, s) for u, s in named if u.index >= start]
    if after:
        return _check(item, Verdict.PASS, f"the agent offers «{after[0][1]}» after the order", after[0][0])
    if named:
        return _check(item, Verdict.FAIL, f"«{named[0][1]}» was offered only before the order was placed", named[0][0])
    return _check(item, Verdict.FAIL, f"no agent turn after the order names any of: {', '.join(items)}")


def check_scenario(scenario: Scenario, transcript: Transcript, scorecard: Scorecard | None) -> list[Check]:
    """One check per checklist item the call can answer (all but ``shopper`` items), in checklist order.

    The transcript is read in the scenario's language (its phrases are written in it)."""
    call = analyse(transcript.utterances, scenario.language)
    run: dict[str, Callable[[ChecklistItem], Check]] = {
        "criterion": lambda item: _criterion(item, scorecard),
        "fact": lambda item: _fact(item, scenario, call),
        "trap": lambda item: _trap(item, scenario, call),
        "upsell": lambda item: _upsell(item, scenario, call, scorecard),
    }
    return [run[item.target_kind](item) for item in scenario.checklist if item.target_kind in run]


__all__ = ["ANSWER_TURNS", "Check", "check_scenario", "parse_amounts"]
