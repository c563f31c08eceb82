"""The shopper's answers: one small YAML file per test call, checked against the scenario's checklist.

The file says who called (``shopper``), when (``called_at``), which number (``dialled_number``), how many rings
it took (``rings``), the overall ``service_rating`` (0-10) and one answer per checklist item::

    shopper: nick
    called_at: 2026-11-20T14:05:00
    dialled_number: "+7 495 123-45-67"
    rings: 3
    service_rating: 8
    items:
      price_named: yes
      upsell_offered: {answer: no, comment: offered nothing after the order}

Every checklist item needs an answer (``na`` where it did not apply), so a shopper's answer can always be set
beside the machine's check. YAML reads a bare ``yes``/``no`` as true/false: both spellings are accepted. A
phone number must be quoted (bare digits are a number to YAML, and a leading zero makes it octal). Problems
raise :class:`ScenarioError` as ``file:line: what to fix``, before any work is done on the recording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

from mystery_shopper.scenario import Scenario
from qa.core.errors import ScenarioError
from qa.core.yamlio import YamlDocument, load_yaml

ANSWERS = ("yes", "no", "na")


@dataclass(frozen=True, slots=True)
class ItemAnswer:
    answer: str  # yes | no | na
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Answers:
    shopper: str  # "" when the file leaves it out: the assignment knows its shopper
    called_at: datetime | None
    dialled_number: str | None
    rings: int | None
    service_rating: int
    items: Mapping[str, ItemAnswer]  # in checklist order


class _AnswersSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shopper: str = ""
    called_at: datetime | None = None
    dialled_number: str | None = None
    rings: StrictInt | None = Field(default=None, ge=0, le=1000)
    service_rating: StrictInt = Field(ge=0, le=10)
    items: dict[str, Any] = Field(min_length=1)

    @field_validator("called_at", mode="before")
    @classmethod
    def _when(cls, value: Any) -> Any:
        if isinstance(value, date) and not isinstance(value, datetime):
            raise ValueError("give the date and the time of the call, e.g. 2026-11-20T14:05:00")
        return value

    @field_validator("dialled_number", "shopper", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"write it in quotes (\"{value}\"): YAML reads bare digits as a number")
        return value


def _answer(value: Any) -> str | None:
    """yes/no/na from what YAML read (``yes`` → True, ``no`` → False); None when it is none of them."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        text = value.strip().lower()
        text = "na" if text in ("n/a", "n.a.") else text
        return text if text in ANSWERS else None
    return None


def _item(doc: YamlDocument, item_id: str, value: Any) -> ItemAnswer:
    loc = ("items", item_id)
    comment: Any = None
    raw = value
    if isinstance(value, dict):
        unknown = sorted(str(k) for k in value if k not in ("answer", "comment"))
        if unknown:
            raise doc.error(ScenarioError, loc + (unknown[0],), f"item '{item_id}': unknown key '{unknown[0]}'; "
                            "an item has `answer` (yes, no or na) and an optional `comment`")
        if "answer" not in value:
            raise doc.error(ScenarioError, loc, f"item '{item_id}': give `answer: yes`, `no` or `na`")
        raw, comment = value["answer"], value.get("comment")
        loc = loc + ("answer",)
    answer = _answer(raw)
    if answer is None:
        raise doc.error(ScenarioError, loc, f"item '{item_id}': answer {raw!r} is not yes, no or na")
    text = "" if comment is None else str(comment).strip()
    return ItemAnswer(answer, text or None)


def _items(doc: YamlDocument, given: dict[str, Any], scenario: Scenario) -> dict[str, ItemAnswer]:
    known = [item.id for item in scenario.checklist]
    for key in given:
        if key not in known:
            raise doc.error(ScenarioError, ("items", key), f"unknown checklist item '{key}' (scenario '{scenario.id}'); "
                            f"known items: {', '.join(known)}")
    missing = [k for k in known if k not in given]
    if missing:
        raise doc.error(ScenarioError, ("items",), f"no answer for {', '.join(missing)}; answer every checklist "
                        "item (na where it did not apply)")
    return {k: _item(doc, k, given[k]) for k in known}


def load_answers(path: Path, scenario: Scenario) -> Answers:
    """The shopper's answers file, validated against ``scenario``'s checklist."""
    doc = load_yaml(path, error=ScenarioError, what="answers file")
    if not isinstance(doc.data, dict):
        raise ScenarioError(f"{path}:1: the answers file is a mapping with service_rating and items "
                            "(and shopper, called_at, dialled_number, rings)")
    spec = doc.validate(_AnswersSpec, ScenarioError)
    items = _items(doc, spec.items, scenario)
    return Answers(
        shopper=spec.shopper.strip(), called_at=spec.called_at,
        dialled_number=(spec.dialled_number or "").strip() or None, rings=spec.rings,
        service_rating=spec.service_rating, items=MappingProxyType(items),
    )


__all__ = ["ANSWERS", "Answers", "ItemAnswer", "load_answers"]
