"""Rubrics are data: versioned YAML with an id, languages, sections and criteria.

Loading validates everything (structure, criterion kinds and their
parameters) and reports problems as ``file:line: what to fix``. A scorecard
records the rubric id, version and the SHA-256 of the file's bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

import scoring.criteria  # noqa: F401  (registers the built-in kinds before any rubric is validated)
from qa.core.errors import RubricError
from qa.core.yamlio import load_yaml
from scoring.confidence import UNCALIBRATED, ConfidenceModel, calibration_path, load_confidence
from scoring.registry import get_kind, kind_names

RUBRICS_DIR = Path(__file__).resolve().parent.parent / "rubrics"


class CriterionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    kind: str
    weight: float = Field(default=1.0, ge=0, le=1000, allow_inf_nan=False)
    critical: bool = False
    params: dict[str, Any] = Field(default_factory=dict)


class SectionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    criteria: list[CriterionSpec] = Field(min_length=1)


class RubricSpec(BaseModel):
    # keys starting with "x-" hold shared YAML anchors (lexicons) and are ignored
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    version: int = Field(ge=1, le=1_000_000)  # stored in an integer column
    title: str
    languages: list[str] = Field(min_length=1)
    description: str = ""
    critical_zeroes_total: bool = True
    sections: list[SectionSpec] = Field(min_length=1)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in ("ru", "uk", "en")]
        if bad:
            raise ValueError(f"unsupported language(s) {bad}: use ru, uk, en")
        return value


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    title: str
    section_id: str
    kind: str
    weight: float
    critical: bool
    params: Any  # the kind's validated Params
    evaluator: Any


@dataclass(frozen=True, slots=True)
class Rubric:
    id: str
    version: int
    title: str
    languages: tuple[str, ...]
    sha256: str
    path: Path
    critical_zeroes_total: bool
    sections: tuple[tuple[str, str], ...]  # (id, title)
    criteria: tuple[Criterion, ...]
    confidence: ConfidenceModel = UNCALIBRATED  # calibration/<stem>.yaml beside the file, when there is one


def load_rubric(path: Path) -> Rubric:
    doc = load_yaml(path, error=RubricError, what="rubric")
    data = doc.data
    if not isinstance(data, dict):
        raise RubricError(f"{path}:1: a rubric is a mapping with id, version, title, languages and sections")
    data = {k: v for k, v in data.items() if not str(k).startswith("x-")}
    try:
        spec = RubricSpec.model_validate(data)
    except ValidationError as exc:
        raise doc.validation_error(RubricError, exc) from exc
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for si, section in enumerate(spec.sections):
        for ci, c in enumerate(section.criteria):
            loc = ("sections", si, "criteria", ci)
            if c.id in seen:
                raise RubricError(f"{path}:{doc.line(loc + ('id',))}: criterion id '{c.id}' is used twice; ids must be unique")
            seen.add(c.id)
            kind = get_kind(c.kind)
            if kind is None:
                raise RubricError(
                    f"{path}:{doc.line(loc + ('kind',))}: unknown criterion kind '{c.kind}'; known kinds: {', '.join(kind_names())}"
                )
            try:
                params = kind.Params.model_validate(c.params)
            except ValidationError as exc:
                raise doc.validation_error(RubricError, exc, prefix=loc + ("params",), label=f"{c.id}: params.") from exc
            criteria.append(Criterion(c.id, c.title, section.id, c.kind, c.weight, c.critical, params, kind()))
    calibration = calibration_path(path)
    confidence = load_confidence(calibration, spec.id) if calibration.exists() else UNCALIBRATED
    return Rubric(
        id=spec.id, version=spec.version, title=spec.title, languages=tuple(spec.languages),
        sha256=hashlib.sha256(doc.raw).hexdigest(), path=path, critical_zeroes_total=spec.critical_zeroes_total,
        sections=tuple((s.id, s.title) for s in spec.sections), criteria=tuple(criteria),
        confidence=confidence,
    )


def find_rubric(ref: str, directory: Path = RUBRICS_DIR) -> Rubric:
    """A rubric file path, or the id of a rubric in ``rubrics/``."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_rubric(path)
    for candidate in sorted(directory.glob("*.y*ml")):
        rubric = load_rubric(candidate)
        if rubric.id == ref:
            return rubric
    known = ", ".join(sorted(load_rubric(p).id for p in directory.glob("*.y*ml")))
    raise RubricError(f"No rubric '{ref}'. Give a YAML file or one of: {known}")
