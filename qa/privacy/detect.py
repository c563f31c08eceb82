"""Find personal data in one text: every detector, then one rule for overlaps.

The detectors (:mod:`~qa.privacy.identifiers`, :mod:`~qa.privacy.addresses`, :mod:`~qa.privacy.names`) each
propose spans; where two overlap, the kind earlier in :data:`~qa.privacy.spans.KINDS` wins, then the longer span
(an e-mail address holds a name, an address holds a surname-like street). The result is sorted and disjoint, so a
caller can replace the spans right to left. Precision comes first: a masked order number makes a transcript
useless for QA, so every rule wants positive evidence (a check digit, a phone shape, a cue, a capital).
"""

from __future__ import annotations

import bisect

from qa.privacy.addresses import find_addresses
from qa.privacy.identifiers import find_identifiers
from qa.privacy.names import find_names
from qa.privacy.spans import KINDS, Span

__all__ = ["KINDS", "Span", "find_pii"]

_RANK = {kind: i for i, kind in enumerate(KINDS)}


def find_pii(text: str, language: str) -> list[Span]:
    """Disjoint spans of personal data in ``text`` (``language``: ru | uk | en), sorted by position."""
    if not text or not text.strip():
        return []
    candidates = [*find_identifiers(text), *find_addresses(text), *find_names(text, language)]
    return _resolve(candidates)


def _resolve(candidates: list[Span]) -> list[Span]:
    chosen: list[Span] = []  # disjoint, sorted by start
    for span in sorted(candidates, key=lambda s: (_RANK[s.kind], s.start - s.end, s.start)):
        i = bisect.bisect_left(chosen, span.start, key=lambda c: c.start)
        clashes = (i > 0 and chosen[i - 1].end > span.start) or (i < len(chosen) and chosen[i].start < span.end)
        if span.end > span.start and not clashes:
            chosen.insert(i, span)
    return chosen
