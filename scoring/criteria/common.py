"""What every criterion kind shares: strict params, the verdict names, and a Judgement with evidence."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from qa.core.types import Evidence, Verdict
from scoring.context import evidence, low_confidence_penalty, nearest, searched
from scoring.registry import Judgement
from scoring.text import UttText

NA, PASS, FAIL = Verdict.NA, Verdict.PASS, Verdict.FAIL


class StrictParams(BaseModel):
    """Base of every kind's ``Params``: an unknown parameter is a rubric error."""

    model_config = ConfigDict(extra="forbid")


def judge(verdict: Verdict, reason: str, utts: Sequence[UttText] = (), rule: str = "", *,
          nearest: Sequence[tuple[UttText, str]] = (), more: Sequence[Evidence] = ()) -> Judgement:
    """A judgement quoting ``utts`` (each as evidence for ``rule``), then the ``nearest`` candidates of a fail
    (utterance, why it did not count), then ``more`` (the window ``searched``, further candidates).

    Confidence = the mean ASR word probability of ``utts`` and ``nearest``: what the verdict rests on;
    ``more`` only shows a reviewer where the criterion looked and leaves it alone."""
    ev = tuple(evidence(u, rule) for u in utts) + tuple(evidence(u, why, "nearest") for u, why in nearest) + tuple(more)
    basis = [*utts, *(u for u, _ in nearest)]
    return Judgement(verdict, reason, ev, low_confidence_penalty(basis) if basis else 1.0)


__all__ = ["FAIL", "NA", "PASS", "StrictParams", "judge", "nearest", "searched"]
