"""Criterion kinds, registered by versioned name ("phrase.v1").

A kind is a class with a pydantic ``Params`` model (validated when the rubric
loads) and ``evaluate(call, params) -> Judgement``. New kinds register with
``@register("name.v1")`` and need no change to the engine.

This module knows no kind: the built-in ones register themselves when
:mod:`scoring.criteria` is imported (:mod:`scoring.rubric` does so), others
(mystery shopper checks) when their own module is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from pydantic import BaseModel

from qa.core.types import Evidence, Verdict

_KINDS: dict[str, type] = {}


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    reason: str
    evidence: tuple[Evidence, ...] = field(default=())
    confidence: float = 1.0


class CriterionKind:
    Params: type[BaseModel] = BaseModel

    def evaluate(self, call, params) -> Judgement:  # pragma: no cover - interface
        raise NotImplementedError


def register(name: str) -> Callable[[type], type]:
    def decorate(cls: type) -> type:
        _KINDS[name] = cls
        return cls

    return decorate


def get_kind(name: str) -> type | None:
    """The kind registered under ``name`` (the built-in ones once :mod:`scoring.criteria` is imported)."""
    return _KINDS.get(name)


def kind_names() -> list[str]:
    return sorted(_KINDS)
