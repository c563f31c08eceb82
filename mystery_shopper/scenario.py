"""Mystery-shopper scenarios are data: versioned YAML in ``rubrics/mystery_shopper/``, validated like rubrics.

A scenario says what the shopper asks for (``script``), what the operator must state (``expected_facts``: a
price within a tolerance, or one of some phrases), which questions the operator cannot know the answer to
(``traps``: the right answer is "let me check", not "I don't know"), what extra the operator should offer after
the order (``upsell``) and the ``checklist`` the shopper fills in. Each checklist item names what judges it
(``maps_to``): a criterion of the rubric the call is scored with, a fact, a trap, the upsell, or the shopper alone.

Loading checks everything a campaign later relies on — unknown keys and areas, duplicate ids, ``maps_to``
pointing at nothing, a criterion the rubric lacks, a language the rubric does not cover, facts or traps that no
checklist item checks — and reports each as ``file:line: what to fix``. An entry records the scenario's id,
version and the SHA-256 of the file's bytes, as a scorecard does for its rubric.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qa.core.errors import RubricError, ScenarioError
from qa.core.yamlio import YamlDocument, load_yaml
from scoring.rubric import RUBRICS_DIR, Rubric, find_rubric

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "rubrics" / "mystery_shopper"

AREAS = ("competence", "service_quality", "critical_situation", "promo_materials", "cross_upsell", "custom")
LANGUAGES = ("ru", "uk", "en")
PERSONAS = ("new_customer", "existing_customer")
MAPS_TO = "criterion:<rubric criterion id>, fact:<expected fact id>, trap:<trap id>, upsell or shopper"
DEFAULT_RUBRIC = "order_desk"

_ID = r"^[a-z0-9_]+$"
_MAPS_TO = re.compile(r"^(?:(criterion|fact|trap):([a-z0-9_]+)|(upsell|shopper))$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScriptSpec(_Strict):
    id: str = Field(pattern=_ID)
    say: str = Field(min_length=1)


class FactSpec(_Strict):
    id: str = Field(pattern=_ID)
    title: str
    kind: Literal["amount", "phrase"]
    amount: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    tolerance: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    currency: str | None = None
    phrases: list[str] = Field(default_factory=list)


class TrapSpec(_Strict):
    id: str = Field(pattern=_ID)
    question: str = Field(min_length=1)
    title: str


class UpsellSpec(_Strict):
    items: list[str] = Field(min_length=1)
    after_order: bool = True


class ChecklistSpec(_Strict):
    id: str = Field(pattern=_ID)
    title: str
    area: Literal["competence", "service_quality", "critical_situation", "promo_materials", "cross_upsell", "custom"]
    weight: float = Field(gt=0, le=1000, allow_inf_nan=False)
    maps_to: str


class ScenarioSpec(_Strict):
    # keys starting with "x-" hold shared YAML anchors and are ignored, as in rubrics
    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    version: int = Field(ge=1, le=1_000_000)
    title: str
    language: Literal["ru", "uk", "en"]
    persona: Literal["new_customer", "existing_customer"]
    goal: str
    rubric: str = DEFAULT_RUBRIC
    script: list[ScriptSpec] = Field(min_length=1)
    expected_facts: list[FactSpec] = Field(default_factory=list)
    traps: list[TrapSpec] = Field(default_factory=list)
    upsell: UpsellSpec | None = None
    checklist: list[ChecklistSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class ScriptLine:
    """A prompt the shopper must use during the call."""

    id: str
    say: str


@dataclass(frozen=True, slots=True)
class Fact:
    """What the operator must state: ``amount`` (within ``tolerance``, absolute) or one of ``phrases``."""

    id: str
    title: str
    kind: str  # amount | phrase
    amount: float | None
    tolerance: float
    currency: str | None
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Trap:
    """A question the operator cannot know the answer to: the right reply offers to check, never "I don't know"."""

    id: str
    question: str
    title: str


@dataclass(frozen=True, slots=True)
class Upsell:
    """Extras the operator should name (``items``: phrases), after the order is placed when ``after_order``."""

    items: tuple[str, ...]
    after_order: bool


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One question of the shopper's checklist and what judges it (``maps_to``)."""

    id: str
    title: str
    area: str
    weight: float
    maps_to: str  # criterion:<id> | fact:<id> | trap:<id> | upsell | shopper

    @property
    def target_kind(self) -> str:
        """criterion, fact, trap, upsell or shopper."""
        return self.maps_to.partition(":")[0]

    @property
    def target_id(self) -> str | None:
        """The criterion, fact or trap id (None for upsell and shopper)."""
        return self.maps_to.partition(":")[2] or None


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    version: int
    title: str
    language: str
    persona: str
    goal: str
    script: tuple[ScriptLine, ...]
    facts: tuple[Fact, ...]
    traps: tuple[Trap, ...]
    upsell: Upsell | None
    checklist: tuple[ChecklistItem, ...]
    rubric_id: str
    sha256: str
    path: Path


def _no_duplicates(doc: YamlDocument, key: str, ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            raise doc.error(ScenarioError, (key, i, "id"), f"{what} id '{ident}' is used twice; ids must be unique")
        seen.add(ident)


def _check_facts(doc: YamlDocument, facts: list[FactSpec]) -> None:
    for i, f in enumerate(facts):
        loc = ("expected_facts", i)
        if f.kind == "amount" and f.amount is None:
            raise doc.error(ScenarioError, loc + ("kind",), f"fact '{f.id}' is an amount: give `amount:` (the price to state)")
        if f.kind == "amount" and f.phrases:
            raise doc.error(ScenarioError, loc + ("phrases",), f"fact '{f.id}' is an amount: remove `phrases:` "
                            "(or make it kind: phrase)")
        if f.kind == "phrase" and not [p for p in f.phrases if p.strip()]:
            raise doc.error(ScenarioError, loc + ("kind",), f"fact '{f.id}' is a phrase: list the phrases the operator "
                            "may say (`phrases: [...]`)")
        if f.kind == "phrase" and f.amount is not None:
            raise doc.error(ScenarioError, loc + ("amount",), f"fact '{f.id}' is a phrase: remove `amount:` "
                            "(or make it kind: amount)")
        blank = next((j for j, p in enumerate(f.phrases) if not p.strip()), None)
        if blank is not None:
            raise doc.error(ScenarioError, loc + ("phrases", blank), f"fact '{f.id}': an empty phrase; write words or remove it")


def _check_maps_to(doc: YamlDocument, spec: ScenarioSpec, rubric: Rubric) -> None:
    targets = {"fact": {f.id for f in spec.expected_facts}, "trap": {t.id for t in spec.traps},
               "criterion": {c.id for c in rubric.criteria}}
    names = {"fact": "expected fact", "trap": "trap", "criterion": f"criterion of rubric '{rubric.id}'"}
    for i, item in enumerate(spec.checklist):
        loc = ("checklist", i, "maps_to")
        match = _MAPS_TO.match(item.maps_to.strip())
        if match is None:
            raise doc.error(ScenarioError, loc, f"item '{item.id}': maps_to '{item.maps_to}' is not one of {MAPS_TO}")
        kind, target = match.group(1), match.group(2)
        if kind and target not in targets[kind]:
            known = ", ".join(sorted(targets[kind])) or "none defined"
            raise doc.error(ScenarioError, loc, f"item '{item.id}': maps_to '{item.maps_to}' names no {names[kind]}; "
                            f"known: {known}")
        if match.group(3) == "upsell" and spec.upsell is None:
            raise doc.error(ScenarioError, loc, f"item '{item.id}' maps to upsell, but the scenario has no `upsell:`; "
                            "add `upsell: {items: [...]}` or map the item elsewhere")


def _check_coverage(doc: YamlDocument, spec: ScenarioSpec) -> None:
    """Every fact, trap and the upsell is checked by some checklist item, or it would never be looked at."""
    used = {item.maps_to.strip() for item in spec.checklist}
    for key, entries, prefix in (("expected_facts", spec.expected_facts, "fact"), ("traps", spec.traps, "trap")):
        for i, entry in enumerate(entries):
            if f"{prefix}:{entry.id}" not in used:
                raise doc.error(ScenarioError, (key, i, "id"), f"{prefix} '{entry.id}' is not checked by any checklist "
                                f"item; add an item with maps_to: {prefix}:{entry.id}, or remove it")
    if spec.upsell is not None and "upsell" not in used:
        raise doc.error(ScenarioError, ("upsell",), "the upsell is not checked by any checklist item; add an item "
                        "with maps_to: upsell, or remove `upsell:`")


def _rubric(doc: YamlDocument, spec: ScenarioSpec) -> Rubric:
    try:
        rubric = find_rubric(spec.rubric, RUBRICS_DIR)
    except RubricError as exc:
        raise doc.error(ScenarioError, ("rubric",), f"rubric '{spec.rubric}' cannot be used: {exc}") from exc
    if spec.language not in rubric.languages:
        raise doc.error(ScenarioError, ("language",), f"language '{spec.language}' is not covered by rubric "
                        f"'{rubric.id}' ({', '.join(rubric.languages)}); use one of those or another rubric")
    return rubric


def _validate(doc: YamlDocument) -> ScenarioSpec:
    data: Any = doc.data
    if not isinstance(data, dict):
        raise ScenarioError(f"{doc.path}:1: a scenario is a mapping with id, version, title, language, persona, goal, "
                            "script and checklist")
    data = {k: v for k, v in data.items() if not str(k).startswith("x-")}
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise doc.validation_error(ScenarioError, exc) from exc
    for key, entries, what in (("script", spec.script, "script line"), ("expected_facts", spec.expected_facts, "fact"),
                               ("traps", spec.traps, "trap"), ("checklist", spec.checklist, "checklist item")):
        _no_duplicates(doc, key, [e.id for e in entries], what)
    _check_facts(doc, spec.expected_facts)
    return spec


def _scenario(spec: ScenarioSpec, rubric: Rubric, doc: YamlDocument) -> Scenario:
    return Scenario(
        id=spec.id, version=spec.version, title=spec.title, language=spec.language, persona=spec.persona,
        goal=spec.goal.strip(),
        script=tuple(ScriptLine(s.id, s.say.strip()) for s in spec.script),
        facts=tuple(Fact(f.id, f.title, f.kind, f.amount, f.tolerance, f.currency, tuple(p.strip() for p in f.phrases))
                    for f in spec.expected_facts),
        traps=tuple(Trap(t.id, t.question.strip(), t.title) for t in spec.traps),
        upsell=Upsell(tuple(i.strip() for i in spec.upsell.items), spec.upsell.after_order) if spec.upsell else None,
        checklist=tuple(ChecklistItem(c.id, c.title, c.area, c.weight, c.maps_to.strip()) for c in spec.checklist),
        rubric_id=rubric.id, sha256=hashlib.sha256(doc.raw).hexdigest(), path=doc.path,
    )


def load_scenario(path: Path) -> Scenario:
    """One scenario file, validated; a problem raises :class:`ScenarioError` as ``file:line: what to fix``."""
    doc = load_yaml(path, error=ScenarioError, what="scenario")
    spec = _validate(doc)
    rubric = _rubric(doc, spec)
    _check_maps_to(doc, spec, rubric)
    _check_coverage(doc, spec)
    return _scenario(spec, rubric, doc)


def list_scenarios(directory: Path = SCENARIOS_DIR) -> list[Scenario]:
    """Every scenario of ``directory`` (``*.yaml``/``*.yml``), by id; two files with one id are an error."""
    found: dict[str, Scenario] = {}
    for path in sorted(directory.glob("*.y*ml")):
        scenario = load_scenario(path)
        if scenario.id in found:
            raise ScenarioError(f"{path}:1: scenario id '{scenario.id}' is also used by {found[scenario.id].path}; "
                                "give each scenario its own id")
        found[scenario.id] = scenario
    return sorted(found.values(), key=lambda s: s.id)


def find_scenario(ref: str, directory: Path = SCENARIOS_DIR) -> Scenario:
    """A scenario file path, or the id of a scenario in ``directory``."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml"):
        if not path.exists():
            raise ScenarioError(f"{path}: no such scenario file; give a YAML file or a scenario id "
                                "(`qa shopper scenario list`)")
        return load_scenario(path)
    scenarios = list_scenarios(directory) if directory.is_dir() else []
    for scenario in scenarios:
        if scenario.id == ref:
            return scenario
    known = ", ".join(s.id for s in scenarios) or "none"
    raise ScenarioError(f"No scenario '{ref}'. Give a YAML file or one of: {known} (see `qa shopper scenario list`)")


__all__ = [
    "AREAS", "ChecklistItem", "Fact", "LANGUAGES", "PERSONAS", "SCENARIOS_DIR", "Scenario", "ScriptLine", "Trap", "Upsell",
    "find_scenario", "list_scenarios", "load_scenario",
]
