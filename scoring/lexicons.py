"""The scoring engine's own per-language words, as data: ``scoring/lang/<language>.yaml``.

A rubric carries the patterns of its criteria; these files hold the words the
engine itself needs in every rubric:

* ``number_words``: 0-10 said in words, for ``nps.v1`` («девять», "nine", «дев'ять»);
* ``scale_words``: a number after one of these is a scale's upper end («из десяти»);
* ``corrections``: after one of these a later number replaces the first («нет, восемь»);
* ``fillers``: hesitations the tokenizer drops («э-э», "uh");
* ``acts``: patterns of the dialogue acts (:mod:`scoring.acts`): questions, clarifications, offers, holds...

Number words are looked up in the call's language. Scale words, corrections and
fillers of every language count in any call, as they did when they were one set
in code (callers and the ASR mix languages).

The files are read once per process (cached) and validated; a problem is a
:class:`~qa.core.errors.LexiconError` naming ``file:line`` and the fix.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from qa.core.errors import LexiconError
from qa.core.yamlio import load_yaml

LANG_DIR = Path(__file__).resolve().parent / "lang"


def _check_word(word: str) -> str:
    """Words are single tokens in the tokenizer's normal form (lowercase, «е» for «ё», straight apostrophe)."""
    if not word or word != word.strip() or any(c.isspace() for c in word):
        raise ValueError(f"{word!r}: write one word, without spaces")
    if word != word.lower() or "ё" in word or "’" in word:
        raise ValueError(f"{word!r}: write it as the tokenizer sees it: lowercase, «е» for «ё», ' for ’")
    return word


Word = Annotated[str, AfterValidator(_check_word)]

ACT_NAMES = ("question_open", "question_closed", "question_tag", "clarification", "summary", "offer", "hold_request", "hold_return",
             "thanks", "goodbye", "not_knowing")
"""Acts found by patterns; ``question`` (either kind) and ``answer`` (the other side's turn after a question) follow."""


def _check_acts(acts: dict[str, list[str]]) -> dict[str, list[str]]:
    unknown = sorted(set(acts) - set(ACT_NAMES))
    if unknown:
        raise ValueError(f"unknown act(s) {unknown}: use {', '.join(ACT_NAMES)}")
    return acts


class ScoringLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str = Field(pattern=r"^[a-z]{2}$", description="the file's name without .yaml")
    number_words: dict[Word, Annotated[int, Field(ge=0, le=10)]] = Field(min_length=1, description="a word -> its value 0-10")
    scale_words: list[Word] = Field(default_factory=list)
    corrections: list[Word] = Field(default_factory=list)
    fillers: list[Word] = Field(default_factory=list)
    acts: Annotated[dict[str, list[str]], AfterValidator(_check_acts)] = Field(default_factory=dict)


def load_lexicon(path: Path) -> ScoringLexicon:
    """One language file, validated (not cached: :func:`lexicons` caches the bundled ones)."""
    doc = load_yaml(path, error=LexiconError, what="lexicon")
    lexicon = doc.validate(ScoringLexicon, LexiconError)
    if lexicon.language != path.stem:
        raise doc.error(LexiconError, ("language",), f"language '{lexicon.language}' does not match the file name; "
                        f"rename the file to {lexicon.language}.yaml or fix the language")
    return lexicon


@lru_cache(maxsize=4)
def lexicons(directory: Path = LANG_DIR) -> MappingProxyType[str, ScoringLexicon]:
    """Every language file of ``directory``, by language (read once per process)."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise LexiconError(f"{directory}: no lexicon files (<language>.yaml); reinstall the package")
    return MappingProxyType({p.stem: load_lexicon(p) for p in files})


@lru_cache(maxsize=8)
def number_words(language: str) -> MappingProxyType[str, int]:
    """Number words of one language (empty for a language without a file)."""
    lexicon = lexicons().get(language)
    return MappingProxyType(dict(lexicon.number_words) if lexicon else {})


@lru_cache(maxsize=1)
def scale_words() -> frozenset[str]:
    return frozenset(w for lexicon in lexicons().values() for w in lexicon.scale_words)


@lru_cache(maxsize=1)
def corrections() -> frozenset[str]:
    return frozenset(w for lexicon in lexicons().values() for w in lexicon.corrections)


@lru_cache(maxsize=1)
def fillers() -> frozenset[str]:
    return frozenset(w for lexicon in lexicons().values() for w in lexicon.fillers)


@lru_cache(maxsize=8)
def act_patterns(language: str) -> MappingProxyType[str, tuple[str, ...]]:
    """act -> its patterns in one language (empty for a language without a file)."""
    lexicon = lexicons().get(language)
    return MappingProxyType({k: tuple(v) for k, v in lexicon.acts.items()} if lexicon else {})


__all__ = ["ACT_NAMES", "LANG_DIR", "act_patterns", "ScoringLexicon", "corrections", "fillers", "lexicons", "load_lexicon", "number_words", "scale_words"]
