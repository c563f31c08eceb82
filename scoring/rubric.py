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

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from qa.core.errors import RubricError
from scoring.registry import get_kind, kind_names

RUBRICS_DIR = Path(__file__).resolve().parent.parent / "rubrics"


class CriterionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    kind: str
    weight: float = Field(default=1.0, ge=0)
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
    version: int = Field(ge=1)
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


class _LineLoader(yaml.SafeLoader):
    """Records the line of every mapping key and sequence item, by path."""


def _compose_lines(text: str) -> dict[tuple, int]:
    lines: dict[tuple, int] = {}

    def walk(node, path: tuple) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[path + (key.value,)] = key.start_mark.line + 1
                walk(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    root = yaml.compose(text, Loader=_LineLoader)
    if root is not None:
        walk(root, ())
    return lines


def _line_for(lines: dict[tuple, int], loc: tuple) -> int:
    loc = tuple(loc)
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 1)


def load_rubric(path: Path) -> Rubric:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RubricError(f"{path}: cannot read the rubric: {exc.strerror or exc}") from exc
    text = raw.decode("utf-8", errors="replace")
    try:
        data = yaml.safe_load(text)
        lines = _compose_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise RubricError(f"{path}:{line}: not valid YAML ({problem}); check indentation and quoting") from exc
    if not isinstance(data, dict):
        raise RubricError(f"{path}:1: a rubric is a mapping with id, version, title, languages and sections")
    data = {k: v for k, v in data.items() if not str(k).startswith("x-")}
    try:
        spec = RubricSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RubricError(f"{path}:{_line_for(lines, first['loc'])}: {where}: {first['msg']}") from exc
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for si, section in enumerate(spec.sections):
        for ci, c in enumerate(section.criteria):
            loc = ("sections", si, "criteria", ci)
            if c.id in seen:
                raise RubricError(f"{path}:{_line_for(lines, loc + ('id',))}: criterion id '{c.id}' is used twice; ids must be unique")
            seen.add(c.id)
            kind = get_kind(c.kind)
            if kind is None:
                raise RubricError(
                    f"{path}:{_line_for(lines, loc + ('kind',))}: unknown criterion kind '{c.kind}'; known kinds: {', '.join(kind_names())}"
                )
            try:
                params = kind.Params.model_validate(c.params)
            except ValidationError as exc:
                err = exc.errors()[0]
                ploc = loc + ("params",) + tuple(err["loc"])
                raise RubricError(
                    f"{path}:{_line_for(lines, ploc)}: {c.id}: params.{'.'.join(map(str, err['loc']))}: {err['msg']}"
                ) from exc
            criteria.append(Criterion(c.id, c.title, section.id, c.kind, c.weight, c.critical, params, kind()))
    return Rubric(
        id=spec.id, version=spec.version, title=spec.title, languages=tuple(spec.languages),
        sha256=hashlib.sha256(raw).hexdigest(), path=path, critical_zeroes_total=spec.critical_zeroes_total,
        sections=tuple((s.id, s.title) for s in spec.sections), criteria=tuple(criteria),
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
