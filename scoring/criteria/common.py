"""What every criterion kind shares: strict params, the verdict names, and a Judgement with evidence."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from qa.core.types import Verdict
from scoring.context import evidence, low_confidence_penalty
from scoring.registry import Judgement
from scoring.text import UttText

NA, PASS, FAIL = Verdict.NA, Verdict.PASS, Verdict.FAIL


class StrictParams(BaseModel):
    """Base of every kind's ``Params``: an unknown parameter is a rubric error."""

    model_config = ConfigDict(extra="forbid")


def judge(verdict: Verdict, reason: str, utts: Sequence[UttText] = (), rule: str = "") -> Judgement:
    """A judgement quoting ``utts`` (each as evidence for ``rule``); confidence = their mean ASR word probability."""
    ev = tuple(evidence(u, rule) for u in utts)
    return Judgement(verdict, reason, ev, low_confidence_penalty(list(utts)) if utts else 1.0)


__all__ = ["FAIL", "NA", "PASS", "StrictParams", "judge"]
