"""People's names: pymorphy3's ``Name``/``Surn``/``Patr`` tags for ru/uk, cues for every language.

A word is taken as a name on one of three kinds of evidence:

* it is capitalised in mid-sentence and the dictionary knows it as a name, surname or patronymic («оформлен на
  Ковалёву Ирину»): a capital inside a sentence already says "proper noun", so even «Надежда» counts there;
* it opens a sentence and the dictionary says it is *mostly* a name (``Name`` parses hold at least
  :data:`SENTENCE_START_SCORE` of pymorphy's probability), so «Сергей, добрый день» counts and «Надежда есть» not;
* it follows a cue («меня зовут», «фамилия», «на имя», "my name is"), where raw lower-case ASR text is accepted
  too; after a weak cue («это», "this is") only a word the dictionary knows as a name.

A capitalised word next to a name joins it when it is a name or unknown to the dictionary (a rare surname). Short
quotes («Мебельград», «Модный склад») are brand names and never masked. English has no morphology here: cues only.
The Ukrainian dictionary (``pymorphy3-dicts-uk``) carries no frequencies, so there a word is "mostly a name" when
no common-noun reading competes. natasha's NER would find more names, at the cost of a model; it is not used.
Analyzers load on first use and are cached, as are the lookups (a call repeats the same few names).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.privacy.lexicon import (
    COMMON_WORD_NAMES, EN_STOPWORDS, NAME_CUES_AFTER, NAME_CUES_STRONG, NAME_CUES_WEAK, NOT_NAMES, normalize,
)
from qa.privacy.spans import Span

if TYPE_CHECKING:
    import pymorphy3

__all__ = ["Reading", "find_names", "name_reading"]

SENTENCE_START_SCORE = 0.6
MID_SENTENCE_SCORE = 0.05  # a capital mid-sentence is evidence enough: «Роман» is a name there, «роман» a novel
MID_SENTENCE_SCORE_UK = 0.5  # the uk share counts parses, not their frequency: «в Києві» is 0.4
WEAK_CUE_SCORE = 0.3
MAX_CUED_WORDS = 3
MAX_BRAND_WORDS = 3  # «Мебельград», «Модный склад»; a longer quote is dictated text («Любимой Оле. Десять лет...»)
MIN_NAME_CHARS = 3  # «Эм», «Бэ» spelled out in a VIN are tagged as names; two-letter names are rare
_NAME_TAGS = frozenset({"Name", "Surn", "Patr"})

_WORD = re.compile(r"[^\W\d_]+(?:[-'’ʼ][^\W\d_]+)*")
_UKRAINIAN_LETTERS = re.compile(r"[іїєґ']")
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”|„[^“”]*[“”]")
_OPENERS = " \t\"«»“”„()-–—"  # what may stand between a sentence end and its first word
_NAME_GAP = re.compile(r"[ \u00a0\t]+")  # between the words of one name
_CUE_GAP = re.compile(r"[\s:,—–-]*")


def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'])(?:" + "|".join(sorted(cues, key=len, reverse=True)) + r")(?![\w'])",
                      re.IGNORECASE)


_STRONG = _cue_pattern(NAME_CUES_STRONG)
_WEAK = _cue_pattern(NAME_CUES_WEAK)
_AFTER = re.compile(r"[ \u00a0]+(?:" + "|".join(NAME_CUES_AFTER) + r")\b")


@dataclass(frozen=True, slots=True)
class Reading:
    """What the dictionary says of a word: how much of it is a name, and whether it knows the word at all."""

    score: float  # share of the parses' probability that is Name/Surn/Patr, 0..1
    known: bool


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    start: int
    end: int


@functools.cache
def _analyzer(language: str) -> pymorphy3.MorphAnalyzer:
    import pymorphy3  # here, not at the top: importing it is cheap, but nothing should load before it is needed

    if language == "uk":
        try:
            return pymorphy3.MorphAnalyzer(lang="uk")
        except (ValueError, ImportError, OSError):  # pymorphy3-dicts-uk not installed: Russian is the nearest
            return _analyzer("ru")
    return pymorphy3.MorphAnalyzer(lang="ru")


@functools.lru_cache(maxsize=100_000)
def name_reading(word: str, language: str) -> Reading:
    """How much the ru/uk dictionary takes ``word`` (any case) for a person's name."""
    lang = "uk" if language == "uk" else "ru"
    analyzer = _analyzer(lang)
    lower = word.lower()
    parses = analyzer.parse(lower)
    known = any(p.is_known for p in parses)
    if not parses or normalize(word) in NOT_NAMES:
        return Reading(0.0, known)
    named = [p for p in parses if _NAME_TAGS & set(p.tag.grammemes)]
    if not named:
        return Reading(0.0, known)
    if lang == "uk" and analyzer.lang == "uk":  # a name spelt alike in Russian has frequencies there («Максим»)
        russian = name_reading(word, "ru") if not _UKRAINIAN_LETTERS.search(lower) else Reading(0.0, False)
        return Reading(max(_uk_share(lower, parses, named), russian.score if russian.known else 0.0), known)
    total = sum(p.score for p in parses) or 1.0
    return Reading(sum(p.score for p in named) / total, known)


def _uk_share(lower: str, parses: list, named: list) -> float:
    """The Ukrainian dictionary gives every parse the same score: count them instead, leaving out the
    possessive adjectives made from the name itself («Ірина» as «Ірин», Iryna's)."""
    others = [p for p in parses if p not in named and not ("ADJF" in p.tag and p.normal_form != lower)]
    return len(named) / (len(named) + len(others))


def find_names(text: str, language: str) -> list[Span]:
    """Spans of people's names in ``text``; adjacent name words make one span («Ковалёву Ирину»)."""
    words = [_Word(m.group(), *m.span()) for m in _WORD.finditer(text)]
    if not words:
        return []
    quoted = [m.span() for m in _QUOTED.finditer(text) if len(m.group().split()) <= MAX_BRAND_WORDS]
    words = [w for w in words if not any(a <= w.start < b for a, b in quoted)]
    accepted = _by_cue(text, words, language) | _by_dictionary(text, words, language) | _by_cue_after(text, words)
    accepted |= _neighbours(text, words, accepted, language)
    return _merge(text, words, accepted)


def _is_cyrillic(word: str) -> bool:
    return _CYRILLIC.search(word) is not None


def _capitalised(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and not word.isupper()


def _camel_case(word: str) -> bool:
    """«MedExpress», «GlowBox»: a brand, not a person (McDonald and O'Neil apart)."""
    rest = word[1:]
    return any(ch.isupper() for ch in rest) and not word.startswith(("Mc", "Mac", "O'", "O’", "D'"))


def _sentence_start(text: str, word: _Word) -> bool:
    before = text[max(0, word.start - 20):word.start].rstrip(_OPENERS)
    return not before or before[-1] in ".!?…:;\n"


def _by_dictionary(text: str, words: list[_Word], language: str) -> set[int]:
    out: set[int] = set()
    for i, w in enumerate(words):
        if len(w.text) < MIN_NAME_CHARS or not (_capitalised(w.text) and _is_cyrillic(w.text)):
            continue
        reading = name_reading(w.text, language)
        if not reading.known or reading.score == 0.0:
            continue
        if not _sentence_start(text, w):
            if reading.score >= (MID_SENTENCE_SCORE_UK if language == "uk" else MID_SENTENCE_SCORE):
                out.add(i)
        elif reading.score >= SENTENCE_START_SCORE and normalize(w.text) not in COMMON_WORD_NAMES:
            out.add(i)
    return out


def _by_cue(text: str, words: list[_Word], language: str) -> set[int]:
    out: set[int] = set()
    starts = {w.start: i for i, w in enumerate(words)}
    for pattern, strong in ((_STRONG, True), (_WEAK, False)):
        for m in pattern.finditer(text):
            gap = _CUE_GAP.match(text, m.end())
            i = starts.get(gap.end()) if gap else None
            if i is not None:
                out |= _after_cue(text, words, i, language, strong=strong)
    return out


def _by_cue_after(text: str, words: list[_Word]) -> set[int]:
    """en «Liam speaking»: a capitalised word right before the cue."""
    return {i for i, w in enumerate(words)
            if not _is_cyrillic(w.text) and _capitalised(w.text) and _cued_word(w.text, "en", strong=False, first=True)
            and _AFTER.match(text, w.end)}


def _after_cue(text: str, words: list[_Word], i: int, language: str, *, strong: bool) -> set[int]:
    out: set[int] = set()
    for k in range(i, min(i + MAX_CUED_WORDS, len(words))):
        if k > i and not _NAME_GAP.fullmatch(text, words[k - 1].end, words[k].start):
            break
        if not _cued_word(words[k].text, language, strong=strong, first=k == i):
            break
        out.add(k)
    return out


def _cued_word(word: str, language: str, *, strong: bool, first: bool) -> bool:
    if _is_cyrillic(word):
        reading = name_reading(word, language)
        if strong:
            return reading.score > 0.0 or not reading.known
        common = normalize(word) in COMMON_WORD_NAMES
        return (reading.score >= WEAK_CUE_SCORE and not common) or (_capitalised(word) and reading.score > 0.0)
    if normalize(word) in EN_STOPWORDS or _camel_case(word):
        return False
    return _capitalised(word) or (strong and first)


def _neighbours(text: str, words: list[_Word], accepted: set[int], language: str) -> set[int]:
    """Capitalised words next to a name that are names too, or unknown to the dictionary (rare surnames)."""
    out: set[int] = set()
    frontier = sorted(accepted)
    while frontier:
        i = frontier.pop()
        for k in (i - 1, i + 1):
            if k < 0 or k >= len(words) or k in accepted or k in out:
                continue
            if k < i and not _is_cyrillic(words[k].text):
                continue  # an English name is found after its cue; what stands before it is the cue
            a, b = (words[k], words[i]) if k < i else (words[i], words[k])
            if _NAME_GAP.fullmatch(text, a.end, b.start) and _joins_name(words[k].text, language):
                out.add(k)
                frontier.append(k)
    return out


def _joins_name(word: str, language: str) -> bool:
    if not _capitalised(word):
        return False
    if not _is_cyrillic(word):
        return normalize(word) not in EN_STOPWORDS and not _camel_case(word)
    reading = name_reading(word, language)
    return reading.score > 0.0 or not reading.known


def _merge(text: str, words: list[_Word], accepted: set[int]) -> list[Span]:
    groups: list[list[int]] = []
    for i in sorted(accepted):
        if groups and groups[-1][-1] == i - 1 and _NAME_GAP.fullmatch(text, words[i - 1].end, words[i].start):
            groups[-1].append(i)
        else:
            groups.append([i])
    spans = []
    for group in groups:
        start, end = words[group[0]].start, words[group[-1]].end
        spans.append(Span("name", start, end, text[start:end]))
    return spans
