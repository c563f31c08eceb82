"""What every criterion sees of one call: tokenised utterances, timing features,
and conversation events detected once (order agreed, hold, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from qa.core.types import CallFeatures, Evidence, Role
from scoring.patterns import Pattern, compile_pattern
from scoring.text import CallText, UttText

Lexicon = dict[str, list[str]]  # language -> patterns


@lru_cache(maxsize=4096)
def _compiled(source: str, language: str) -> Pattern:
    return compile_pattern(source, language)


def patterns_for(lexicon: Lexicon | None, language: str) -> list[Pattern]:
    if not lexicon:
        return []
    return [_compiled(p, language) for p in lexicon.get(language, [])]


def first_match(utt: UttText, patterns: list[Pattern]) -> Pattern | None:
    return next((p for p in patterns if p.find(utt.tokens) is not None), None)


def first_match_where(utts: list[UttText], patterns: list[Pattern], keep) -> tuple[UttText, Pattern] | None:
    """The first (utterance, pattern) whose match span passes ``keep(utt, start, end)``."""
    for utt in utts:
        for pat in patterns:
            if any(keep(utt, start, end) for start, end in pat.find_all(utt.tokens)):
                return utt, pat
    return None


def evidence(utt: UttText, rule: str, kind: str = "quote") -> Evidence:
    u = utt.utterance
    return Evidence(utt.index, u.start_s, u.end_s, u.role.value, u.text, rule, kind)


def nearest(utt: UttText, why: str) -> Evidence:
    """The closest candidate of a fail, quoted; ``why`` says why it did not count."""
    return evidence(utt, why, "nearest")


def searched(utts: Sequence[UttText], rule: str, *, role: str | None = None,
             start_s: float | None = None, end_s: float | None = None) -> Evidence:
    """Where a criterion looked and found nothing: the span of ``utts`` (or the window given), what was sought in
    ``rule``. ``role`` defaults to the role of ``utts`` when they share one; an empty window sits at ``start_s``."""
    start = start_s if start_s is not None else (min(u.utterance.start_s for u in utts) if utts else 0.0)
    end = end_s if end_s is not None else (max(u.utterance.end_s for u in utts) if utts else start)
    roles = {u.role.value for u in utts}
    who = role if role is not None else (roles.pop() if len(roles) == 1 else None)
    return Evidence(None, round(start, 2), round(max(start, end), 2), who, "", rule, "searched")


def low_confidence_penalty(utts: list[UttText]) -> float:
    """Mean ASR word probability of the quoted utterances (1.0 for typed transcripts)."""
    probs = [w.probability for u in utts for w in u.utterance.words]
    return round(sum(probs) / len(probs), 3) if probs else 1.0


@dataclass
class CallContext:
    text: CallText
    features: CallFeatures | None
    events: dict[str, object] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.text.language

    def agent(self) -> list[UttText]:
        return [u for u in self.text.utterances if u.role == Role.AGENT]

    def customer(self) -> list[UttText]:
        return [u for u in self.text.utterances if u.role == Role.CUSTOMER]

    def find(self, lexicon: Lexicon | None, role: str | None = "agent", utts: list[UttText] | None = None) -> list[tuple[UttText, Pattern]]:
        pats = patterns_for(lexicon, self.language)
        pool = utts if utts is not None else self.text.by_role(role)
        out = []
        for u in pool:
            p = first_match(u, pats)
            if p is not None:
                out.append((u, p))
        return out
