"""A seeded model of speech-recognition errors, for ``qa eval --asr-noise LEVEL``.

Typed transcripts are cleaner than anything an ASR engine writes. To see how much of a rubric's accuracy survives
recognition errors, each utterance is perturbed the way ASR output typically differs from a careful typist:
lowercased, punctuation dropped, word endings changed (ru/uk: another inflection ending; en: -s/-ed dropped or
added), short words dropped, neighbouring words glued, near-homophones swapped. Each perturbation's probability is
its rate in :data:`RATES` times ``level`` (0 = off, 1 = every rate in full).

The model is pure: the same transcript, level, seed and key (the call id) give the same text, on every machine and
run (``random.Random`` seeded from the seed and the key's CRC-32, never from ``hash()``). Utterance timing and
roles are kept; word timings, where there are any, are rebuilt over the utterance's span so they match the new text.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass, replace

from qa.core.errors import ConfigError
from qa.core.types import Transcript, Utterance, Word

# Probability of each perturbation at level 1; at level L it is min(1, rate * L).
# lowercase / punctuation: per utterance; ending, drop_short, homophone: per word; glue: per pair of neighbours.
RATES: dict[str, float] = {
    "lowercase": 1.0,
    "punctuation": 1.0,
    "homophone": 0.6,
    "ending": 0.3,
    "drop_short": 0.3,
    "glue": 0.15,
}

SHORT_WORD_MAX = 2  # letters: "и", "в", "на", "не", "to", "a", "is"
ENDING_MIN_WORD = 4  # letters: shorter words keep their ending

# Common inflection endings (1–2 letters) that an ASR engine confuses with each other.
ENDINGS: dict[str, tuple[str, ...]] = {
    "ru": ("а", "я", "о", "е", "и", "ы", "у", "ю", "ь", "й", "ам", "ям", "ой", "ей", "ом", "ем", "ый", "ий", "ая",
           "ое", "ые", "ие", "ую", "ть", "ет", "ит", "ут", "ют", "ат", "ят", "ла", "ло", "ли", "им"),
    "uk": ("а", "я", "о", "е", "и", "і", "у", "ю", "ь", "й", "ам", "ям", "ою", "ею", "ом", "ем", "ий", "ій", "ої",
           "ів", "ти", "ть", "ла", "ло", "ли", "их"),
}
EN_SUFFIXES = ("s", "ed")

# Near-homophones: pairs an ASR engine writes for each other (both directions are used).
CONFUSABLE: dict[str, tuple[tuple[str, str], ...]] = {
    "ru": (
        ("что", "што"), ("сейчас", "щас"), ("здравствуйте", "здрасьте"), ("пожалуйста", "пожалста"),
        ("конечно", "канешно"), ("спасибо", "спасиба"), ("тоже", "то же"), ("также", "так же"), ("чтобы", "что бы"),
        ("оформить", "аформить"), ("доставка", "даставка"), ("заказ", "заказа"), ("десять", "дисять"),
        ("свидания", "свиданья"), ("минутку", "минуту"), ("подождите", "падаждите"),
        ("вопрос", "вапрос"), ("сколько", "скока"), ("ничего", "ничо"), ("хорошо", "харашо"), ("можно", "можна"),
    ),
    "uk": (
        ("що", "шо"), ("зараз", "зарас"), ("дякую", "дякуєм"), ("будь", "буть"), ("замовлення", "замовленя"),
        ("доставка", "достафка"), ("хвилинку", "хвилину"), ("побачення", "побачиня"), ("звичайно", "звичайна"),
        ("добре", "добрі"), ("вибачте", "вибачти"), ("скільки", "скіки"), ("десять", "десіть"), ("оформити", "аформити"),
    ),
    "en": (
        ("to", "two"), ("for", "four"), ("there", "their"), ("right", "write"), ("know", "no"), ("hold", "hole"),
        ("wait", "weight"), ("buy", "by"), ("here", "hear"), ("would", "wood"), ("eight", "ate"), ("thanks", "tanks"),
        ("your", "you're"), ("order", "odor"), ("one", "won"), ("see", "sea"), ("week", "weak"), ("too", "to"),
    ),
}

_PUNCT = re.compile(r"[.,!?;:…«»\"“”„()\[\]—–]|(?<!\w)-(?!\w)")
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.I)
_CORE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


@dataclass(frozen=True, slots=True)
class NoiseSpec:
    """``--asr-noise LEVEL --seed N``: how strong (0–1) and which draw."""

    level: float
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.level <= 1.0:
            raise ConfigError(f"--asr-noise must be between 0 and 1 (0 = off), got {self.level}")


def probabilities(level: float) -> dict[str, float]:
    """Each perturbation's probability at ``level``."""
    return {name: min(1.0, rate * level) for name, rate in RATES.items()}


def rng_for(spec: NoiseSpec, key: str) -> random.Random:
    """The call's own generator: the seed and a hash-free digest of ``key`` (the call id), so a call's noise does
    not depend on which other calls are evaluated or in what order."""
    return random.Random((spec.seed << 32) ^ zlib.crc32(key.encode("utf-8")))


def _homophones(language: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for a, b in CONFUSABLE.get(language, ()):
        if a != b:
            table.setdefault(a, b)
            table.setdefault(b, a)
    return table


def _split(token: str) -> tuple[str, str, str]:
    """``«Здравствуйте!`` → (``«``, ``Здравствуйте``, ``!``)."""
    m = _CORE.match(token)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", token, "")


def _like(word: str, model: str) -> str:
    """``word`` with ``model``'s capital first letter, if it had one."""
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


def change_ending(word: str, language: str, rng: random.Random) -> str:
    """ru/uk: the last 1–2 letters swapped for another common ending; en: -s/-ed dropped, or one of them added."""
    lower = word.lower()
    if language in ENDINGS and _CYRILLIC.search(word):
        endings = ENDINGS[language]
        current = next((e for e in sorted(endings, key=len, reverse=True) if lower.endswith(e)), lower[-1:])
        other = rng.choice([e for e in endings if e != current])
        return word[: len(word) - len(current)] + other
    for suffix in EN_SUFFIXES:
        if lower.endswith(suffix) and len(lower) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word + rng.choice(EN_SUFFIXES)


def noisy_text(text: str, language: str, p: dict[str, float], rng: random.Random) -> str:
    """One utterance's text through the noise model (probabilities ``p`` from :func:`probabilities`)."""
    homophones = _homophones(language)
    words: list[str] = []
    for token in text.split():
        lead, core, trail = _split(token)
        letters = sum(ch.isalpha() for ch in core)
        swap = homophones.get(core.lower())
        if swap and rng.random() < p["homophone"]:
            core = _like(swap, core)
        elif letters >= ENDING_MIN_WORD and core.isalpha() and rng.random() < p["ending"]:
            core = change_ending(core, language, rng)
        elif 0 < letters <= SHORT_WORD_MAX and core.isalpha() and rng.random() < p["drop_short"]:
            continue
        words.append(lead + core + trail)
    if not words:  # an utterance never vanishes: ASR would have written something
        words = text.split()[:1]
    glued = words[:1]
    for token in words[1:]:
        if rng.random() < p["glue"]:  # "подождите пожалуйста" → "подождитепожалуйста": no punctuation between
            lead, core, _ = _split(glued[-1])
            _, next_core, next_trail = _split(token)
            glued[-1] = lead + core + next_core + next_trail
        else:
            glued.append(token)
    out = " ".join(glued)
    if rng.random() < p["lowercase"]:
        out = out.lower()
    if rng.random() < p["punctuation"]:
        out = " ".join(_PUNCT.sub("", out).split()) or out
    return out


def spread_words(utterance: Utterance, text: str) -> tuple[Word, ...]:
    """Word timings for ``text`` over the utterance's span, each word's share by its length; the probability is the
    utterance's mean (the noise model knows no better). No words in, none out."""
    if not utterance.words:
        return ()
    tokens = text.split()
    probability = sum(w.probability for w in utterance.words) / len(utterance.words)
    total = sum(len(t) for t in tokens) or 1
    span_s = utterance.end_s - utterance.start_s
    words, at_s = [], utterance.start_s
    for token in tokens:
        end_s = at_s + span_s * len(token) / total
        words.append(Word(round(at_s, 3), round(end_s, 3), token, probability))
        at_s = end_s
    return tuple(words)


def noisy_transcript(transcript: Transcript, spec: NoiseSpec, key: str) -> Transcript:
    """``transcript`` as a noisy recogniser might have written it; level 0 returns it unchanged. Timing, roles and
    speakers are kept."""
    if spec.level == 0:
        return transcript
    rng, p = rng_for(spec, key), probabilities(spec.level)
    language = transcript.language if transcript.language in CONFUSABLE else "en"
    utterances = []
    for u in transcript.utterances:
        text = noisy_text(u.text, language, p, rng)
        utterances.append(replace(u, text=text, words=spread_words(u, text)))
    return replace(transcript, utterances=tuple(utterances))
