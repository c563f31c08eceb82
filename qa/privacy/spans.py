"""The one result type of every detector: what kind of personal data, and where it stands in the text."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KINDS", "Span"]

# The kinds, in the order a conflict is settled: when two detections overlap, the earlier kind wins
# (an e-mail address holds a name, an IBAN holds an account number, an address holds a street named after a person).
KINDS = ("email", "iban", "card", "account", "inn", "snils", "passport", "phone", "address", "name")


@dataclass(frozen=True, slots=True)
class Span:
    """``text[start:end]`` is personal data of ``kind`` (one of :data:`KINDS`); offsets are characters."""

    kind: str
    start: int
    end: int
    text: str
