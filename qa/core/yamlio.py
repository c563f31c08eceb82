"""YAML data files (rubrics, lexicons) read safely, with a line for every path.

:func:`load_yaml` reads a file with PyYAML's safe loader and returns the data
together with the line of every mapping key and sequence item, so a loader can
report a validation error as ``file:line: what to fix``. It refuses what a
data file never needs and an attacker would use:

* files over :data:`MAX_BYTES`;
* more than :data:`MAX_ALIASES` aliases, aliases that expand to more than
  :data:`MAX_NODES` nodes ("billion laughs") and recursive aliases;
* nesting deeper than :data:`MAX_DEPTH`;
* a key given twice in one mapping (PyYAML would silently keep the last one);
* ``.inf``, ``.nan`` and numbers too large for a float (a weight of infinity turns every score into NaN);
* anything that is not a regular file (a FIFO would block the reader, ``/dev/zero`` never ends).

Every error is raised as the caller's error class (``RubricError``,
``LexiconError``...) with a one-line message naming the file, the line and the fix.
"""

from __future__ import annotations

import math
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from qa.core.errors import QAError

MAX_BYTES = 1_000_000
MAX_ALIASES = 100
MAX_NODES = 100_000
MAX_DEPTH = 50

Location = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


class _Refused(Exception):
    """A limit was hit while composing; carries the line and the message."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, counting aliases and nesting depth while it composes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._open_anchors: set[str] = set()

    def construct_object(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # int("9"*5000), date 2026-13-45: PyYAML lets these escape
            reason = str(exc).split(";")[0][:80]
            raise _Refused(node.start_mark.line + 1, f"cannot read the value {str(node.value)[:40]!r} ({reason}); "
                           "quote it if it is text") from None

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(line, f"more than {MAX_ALIASES} YAML aliases (*name); repeat the data or split the file")
            if event.anchor in self._open_anchors:
                raise _Refused(line, f"alias *{event.anchor} refers to its own enclosing node; YAML data must not be recursive")
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(line, f"nested deeper than {MAX_DEPTH} levels; flatten the structure")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.discard(anchor)


_FLOAT_TAG = "tag:yaml.org,2002:float"


def _non_finite(node: yaml.ScalarNode) -> bool:
    """A float scalar that PyYAML would read as an infinity or NaN (``.inf``, ``-.Inf``, ``.nan``, ``1e999``)."""
    value = str(node.value).lower().replace("_", "")
    if value.lstrip("+-") in (".inf", ".nan"):
        return True
    try:
        return not math.isfinite(float(value))
    except ValueError:  # sexagesimal (1:30.5) and other forms PyYAML reads itself: finite
        return False


def _key_text(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else node.tag


def _index(root: yaml.Node) -> dict[Location, int]:
    """Line of every path (mapping keys, sequence items); refuses duplicate keys and alias blow-ups."""
    lines: dict[Location, int] = {}
    checked: set[int] = set()  # mapping nodes already checked for duplicate keys (aliases share nodes)
    count = 0

    def walk(node: yaml.Node, path: Location) -> None:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise _Refused(node.start_mark.line + 1, f"the YAML expands to more than {MAX_NODES} nodes (aliases repeating "
                           "aliases?); write the data out or split the file")
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode) and node.tag == _FLOAT_TAG and _non_finite(node):
            raise _Refused(node.start_mark.line + 1, f"{node.value!r} is not a finite number; write a plain number "
                           "such as 1 or 2.5")
        if isinstance(node, yaml.MappingNode):
            if id(node) not in checked:
                checked.add(id(node))
                seen: dict[tuple[str, str], int] = {}
                for key, _ in node.value:
                    if key.tag == "tag:yaml.org,2002:merge":
                        continue
                    ident = (key.tag, _key_text(key))
                    line = key.start_mark.line + 1
                    if ident in seen:
                        raise _Refused(line, f"key '{ident[1]}' appears twice in one mapping (lines {seen[ident]} and {line}); "
                                       "keep one of them")
                    seen[ident] = line
            for key, value in node.value:
                walk(value, path + (key.value,))
                lines[path + (key.value,)] = key.start_mark.line + 1  # the key's line, not its value's next one
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    walk(root, ())
    return lines


@dataclass(frozen=True, slots=True)
class YamlDocument:
    path: Path
    raw: bytes  # the file's bytes (hash them to pin a version)
    data: Any
    lines: dict[Location, int]

    def line(self, loc: Sequence[str | int]) -> int:
        """The line of ``loc`` or of its nearest ancestor that has one (1 if none)."""
        return line_for(self.lines, loc)

    def error(self, error: type[QAError], loc: Sequence[str | int], message: str) -> QAError:
        """``error("file:line: message")`` for the line of ``loc``."""
        return error(f"{self.path}:{self.line(loc)}: {message}")

    def validate(self, model: type[M], error: type[QAError]) -> M:
        """The whole document validated by a pydantic model; the first problem raises ``error`` at its line."""
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            raise self.validation_error(error, exc) from exc

    def validation_error(self, error: type[QAError], exc: ValidationError, prefix: Location = (), label: str = "") -> QAError:
        """The first pydantic error as ``file:line: label.where: msg`` (``prefix`` = where the validated data sits)."""
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return self.error(error, prefix + tuple(first["loc"]), f"{label}{where}: {first['msg']}")


def line_for(lines: dict[Location, int], loc: Sequence[str | int]) -> int:
    loc = tuple(loc)
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 1)


def load_yaml(path: Path, *, error: type[QAError], what: str) -> YamlDocument:
    """Read, limit-check and parse one YAML file; problems raise ``error`` as ``file:line: fix``.

    ``what`` names the kind of file in messages ("rubric", "lexicon")."""
    try:
        info = path.stat()  # follows symlinks; a FIFO or a device is refused before it is opened
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path}: not a regular file (a FIFO, a device or a folder?); give the {what} as a YAML file")
        size = info.st_size
        if size > MAX_BYTES:
            raise error(f"{path}:1: the {what} is {size} bytes, over the {MAX_BYTES}-byte limit; split it or remove unused data")
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:  # grew between stat and read
        raise error(f"{path}:1: the {what} is {len(raw)} bytes, over the {MAX_BYTES}-byte limit; split it or remove unused data")
    text = raw.decode("utf-8", errors="replace")
    loader = _StrictLoader(text)
    try:
        root = loader.get_single_node()
        lines = _index(root) if root is not None else {}
        data = loader.construct_document(root) if root is not None else None
    except _Refused as exc:
        raise error(f"{path}:{exc.line}: {exc.message}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{path}:{line}: not valid YAML ({problem}); check indentation and quoting") from exc
    except RecursionError:
        raise error(f"{path}:1: nested too deeply to read; flatten the structure") from None
    finally:
        loader.dispose()
    return YamlDocument(path=path, raw=raw, data=data, lines=lines)


__all__ = ["MAX_ALIASES", "MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "YamlDocument", "line_for", "load_yaml"]
