"""Verdict confidence that means something: the probability that a verdict is right.

A criterion's raw confidence says only how well the quoted words were recognised (1.0 for typed transcripts).
What a QA lead needs is "how often is a verdict like this one right". The confidence model answers that from
labeled calls: for each criterion and verdict it keeps how many such verdicts were right, smoothed towards a
prior (``prior_accuracy`` with weight ``prior_weight``) so a verdict seen three times is not trusted as if
seen three hundred times, and the dev sets (on which the rules were tuned) do not make every verdict look
certain. The raw recognition confidence then scales it: ``p(right) * raw ** asr_weight``.

A verdict whose confidence falls below ``review_below`` — or is 0.0, a criterion that could not decide —
``needs_review``: review picks and the web UI show it to a person first.

The model is versioned data (``rubrics/calibration/<rubric id>.yaml``), fitted by ``tools/fit_confidence.py``
on labeled calls, with the held-out calibration error it reached written beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qa.core.errors import RubricError
from qa.core.types import Verdict
from qa.core.yamlio import load_yaml


class Cell(BaseModel):
    """How many verdicts of one kind were seen in the labeled calls, and how many of them were right."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(ge=0)
    correct: int = Field(ge=0)


class ConfidenceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rubric: str
    version: int = Field(ge=1)
    fitted_on: list[str] = Field(default_factory=list)
    held_out: dict[str, float] = Field(default_factory=dict)  # figures reached on calls not fitted on (ECE, ...)
    prior_accuracy: float = Field(default=0.9, gt=0, le=1)
    prior_weight: float = Field(default=10.0, ge=0)
    asr_weight: float = Field(default=0.5, ge=0)
    review_below: float = Field(default=0.8, ge=0, le=1)
    cells: dict[str, dict[str, Cell]] = Field(default_factory=dict)  # criterion -> verdict -> counts


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """``probability(criterion, verdict, raw)``: the calibrated chance that the verdict is right."""

    version: int
    prior_accuracy: float = 0.9
    prior_weight: float = 10.0
    asr_weight: float = 0.5
    review_below: float = 0.8
    cells: tuple[tuple[str, str, int, int], ...] = ()  # (criterion, verdict, n, correct)

    def probability(self, criterion_id: str, verdict: Verdict, raw: float) -> float:
        if raw <= 0.0:
            return 0.0  # the criterion could not decide: no table makes that trustworthy
        n, correct = next(((n, c) for cid, v, n, c in self.cells if cid == criterion_id and v == verdict.value), (0, 0))
        rate = (correct + self.prior_weight * self.prior_accuracy) / (n + self.prior_weight) if n + self.prior_weight else self.prior_accuracy
        return round(rate * min(1.0, raw) ** self.asr_weight, 3)

    def needs_review(self, confidence: float) -> bool:
        return confidence <= 0.0 or confidence < self.review_below


UNCALIBRATED = ConfidenceModel(version=0, prior_weight=0.0, prior_accuracy=1.0, asr_weight=1.0)
"""No labeled calls behind it: the raw confidence as it is, ``needs_review`` below 0.8."""


def fit(observations: Iterable[tuple[str, Verdict, bool]], *, version: int, prior_accuracy: float = 0.9,
        prior_weight: float = 10.0, asr_weight: float = 0.5, review_below: float = 0.8) -> ConfidenceModel:
    """A model from (criterion id, predicted verdict, was it right) over labeled calls."""
    counts: dict[tuple[str, str], list[int]] = {}
    for criterion_id, verdict, right in observations:
        cell = counts.setdefault((criterion_id, verdict.value), [0, 0])
        cell[0] += 1
        cell[1] += bool(right)
    return ConfidenceModel(
        version, prior_accuracy, prior_weight, asr_weight, review_below,
        tuple((cid, v, n, c) for (cid, v), (n, c) in sorted(counts.items())),
    )


def calibration_path(rubric_path: Path) -> Path:
    """Where a rubric's confidence model lives: ``calibration/<rubric file stem>.yaml`` beside it."""
    return rubric_path.parent / "calibration" / f"{rubric_path.stem}.yaml"


def load_confidence(path: Path, rubric_id: str) -> ConfidenceModel:
    doc = load_yaml(path, error=RubricError, what="confidence model")
    try:
        spec = ConfidenceSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise doc.validation_error(RubricError, exc) from exc
    if spec.rubric != rubric_id:
        raise RubricError(f"{path}:{doc.line(('rubric',))}: this confidence model is for rubric '{spec.rubric}', "
                          f"not '{rubric_id}'; fit one with tools/fit_confidence.py")
    for cid, verdicts in spec.cells.items():
        for v, cell in verdicts.items():
            if v not in {x.value for x in Verdict} or cell.correct > cell.n:
                raise RubricError(f"{path}:{doc.line(('cells', cid, v))}: {cid}.{v}: a verdict pass/fail/na with correct <= n")
    return ConfidenceModel(
        spec.version, spec.prior_accuracy, spec.prior_weight, spec.asr_weight, spec.review_below,
        tuple((cid, v, c.n, c.correct) for cid, vs in sorted(spec.cells.items()) for v, c in sorted(vs.items())),
    )


def to_document(model: ConfidenceModel, *, rubric_id: str, fitted_on: list[str], held_out: dict[str, float]) -> dict:
    """The YAML document of a fitted model (``tools/fit_confidence.py`` writes it)."""
    cells: dict[str, dict[str, dict[str, int]]] = {}
    for cid, v, n, c in model.cells:
        cells.setdefault(cid, {})[v] = {"n": n, "correct": c}
    return {
        "rubric": rubric_id, "version": model.version, "fitted_on": fitted_on, "held_out": held_out,
        "prior_accuracy": model.prior_accuracy, "prior_weight": model.prior_weight, "asr_weight": model.asr_weight,
        "review_below": model.review_below, "cells": cells,
    }
