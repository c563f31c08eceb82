"""Per-language phrases of the transcription stages, as data: ``transcription/lang/<language>.yaml``.

* ``phantom_phrases``: what Whisper invents on silence and music («продолжение следует»,
  "thanks for watching"); the hallucination guard (:mod:`transcription.transcribe`) drops a
  short segment containing one;
* ``role_cues``: regular expressions for mono role assignment (:mod:`transcription.roles`):
  ``opening`` (a speaker's first words), ``agent`` and ``customer`` phrases.

The phrases and cues of every language apply to every call (the ASR and the callers mix
languages), so the same cue in two files is refused: it would count twice.

The files are read once per process (cached) and validated; a problem is a
:class:`~qa.core.errors.LexiconError` naming ``file:line`` and the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from qa.core.errors import LexiconError
from qa.core.yamlio import YamlDocument, load_yaml

LANG_DIR = Path(__file__).resolve().parent / "lang"
CUE_KINDS = ("opening", "agent", "customer")


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern!r} is not a valid regular expression ({exc}); "
                         "write it in single quotes and escape special characters") from None
    return pattern


def _check_phrase(phrase: str) -> str:
    if not phrase or phrase != re.sub(r"[^\w]+", " ", phrase.lower()).strip():
        raise ValueError(f"{phrase!r}: write it as the guard compares text: lowercase words, "
                         "single spaces, no punctuation (\"amara org\" for amara.org)")
    return phrase


Regex = Annotated[str, AfterValidator(_check_regex)]
Phrase = Annotated[str, AfterValidator(_check_phrase)]


class RoleCues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    opening: list[Regex] = Field(default_factory=list, description="in a speaker's first utterance: +3 each")
    agent: list[Regex] = Field(default_factory=list, description="agent-only phrases: +1 each")
    customer: list[Regex] = Field(default_factory=list, description="customer-typical phrases: -1 each")


class TranscriptionLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str = Field(pattern=r"^[a-z]{2}$", description="the file's name without .yaml")
    phantom_phrases: list[Phrase] = Field(default_factory=list)
    role_cues: RoleCues = Field(default_factory=RoleCues)


def _load(path: Path) -> tuple[TranscriptionLexicon, YamlDocument]:
    doc = load_yaml(path, error=LexiconError, what="lexicon")
    lexicon = doc.validate(TranscriptionLexicon, LexiconError)
    if lexicon.language != path.stem:
        raise doc.error(LexiconError, ("language",), f"language '{lexicon.language}' does not match the file name; "
                        f"rename the file to {lexicon.language}.yaml or fix the language")
    return lexicon, doc


def load_lexicon(path: Path) -> TranscriptionLexicon:
    """One language file, validated (not cached: :func:`lexicons` caches the bundled ones)."""
    return _load(path)[0]


@lru_cache(maxsize=4)
def lexicons(directory: Path = LANG_DIR) -> tuple[TranscriptionLexicon, ...]:
    """Every language file of ``directory`` (read once per process); a cue in two files is refused."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise LexiconError(f"{directory}: no lexicon files (<language>.yaml); reinstall the package")
    seen: dict[tuple[str, str], str] = {}
    out = []
    for path in files:
        lexicon, doc = _load(path)
        entries = [("phantom_phrases", i, p) for i, p in enumerate(lexicon.phantom_phrases)]
        entries += [(kind, i, p) for kind in CUE_KINDS for i, p in enumerate(getattr(lexicon.role_cues, kind))]
        for kind, i, text in entries:
            loc = (kind, i) if kind == "phantom_phrases" else ("role_cues", kind, i)
            here = f"{path}:{doc.line(loc)}"
            if (kind, text) in seen:
                raise LexiconError(f"{here}: {text!r} is also in {seen[kind, text]}; every language's entries apply to "
                                   "every call, so keep it in one file")
            seen[kind, text] = here
        out.append(lexicon)
    return tuple(out)


@lru_cache(maxsize=1)
def phantom_phrases() -> tuple[str, ...]:
    """The hallucination guard's phrases, of every language."""
    return tuple(p for lexicon in lexicons() for p in lexicon.phantom_phrases)


@dataclass(frozen=True, slots=True)
class CompiledCues:
    opening: tuple[re.Pattern[str], ...]
    agent: tuple[re.Pattern[str], ...]
    customer: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def role_cues() -> CompiledCues:
    """The role cues of every language, compiled."""
    def compiled(kind: str) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for lexicon in lexicons() for p in getattr(lexicon.role_cues, kind))

    return CompiledCues(*(compiled(kind) for kind in CUE_KINDS))


__all__ = ["LANG_DIR", "CompiledCues", "RoleCues", "TranscriptionLexicon", "lexicons", "load_lexicon", "phantom_phrases",
           "role_cues"]
