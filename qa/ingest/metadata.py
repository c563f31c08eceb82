"""Call metadata from a sidecar CSV and/or the recording's file name.

CSV: one row per recording, a ``file`` column (file name or path) plus any of
``operator``, ``operator_name``, ``team``, ``started_at`` (or ``date`` + ``time``),
``direction`` (inbound/outbound/callback), ``phone``, ``order_id`` (the order the call is about),
``order_placed`` (yes/no from the order system or a CRM export: it wins over the detector in conversion).
Other columns are kept as extra metadata (and reported once).

File-name pattern: fields in braces, e.g. ``{operator}_{date}_{time}``; known
fields are ``operator``, ``date`` (2026-11-02 or 20261102), ``time`` (10:15:00,
10-15-00 or 101500), ``direction``, ``phone``, ``order``; ``{_}`` matches
anything. Values from the CSV win over values from the name.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from qa.core.errors import MetadataError
from qa.core.types import CallMetadata, Direction

EXTRA_COLUMNS = {"order_placed"}  # understood, and kept with the extra metadata
KNOWN_COLUMNS = EXTRA_COLUMNS | {"file", "operator", "operator_id", "operator_name", "team", "started_at", "date", "time", "direction", "phone", "order_id"}
NAME_FIELDS = {"operator": r"[^_\s]+?", "date": r"\d{4}-?\d{2}-?\d{2}", "time": r"\d{2}[-:.]?\d{2}(?:[-:.]?\d{2})?",
               "direction": r"inbound|outbound|callback|in|out", "phone": r"\+?\d+", "order": r"[^_\s]+?", "_": r".*?"}


def parse_datetime(date: str | None, time: str | None = None) -> datetime | None:
    if not date:
        return None
    text = date.strip()
    try:
        if time:
            digits = re.sub(r"\D", "", time)
            digits = digits.ljust(6, "0")[:6]
            d = re.sub(r"\D", "", text)
            return datetime.strptime(d + digits, "%Y%m%d%H%M%S")
        return datetime.fromisoformat(text.replace("Z", ""))
    except ValueError as exc:
        raise MetadataError(f"cannot read date/time {text!r} {time or ''}: use 2026-11-02T10:15:00") from exc


def parse_direction(value: str | None) -> Direction | None:
    if not value:
        return None
    v = value.strip().lower()
    v = {"in": "inbound", "out": "outbound", "incoming": "inbound", "outgoing": "outbound"}.get(v, v)
    try:
        return Direction(v)
    except ValueError as exc:
        raise MetadataError(f"unknown call direction {value!r}: use inbound, outbound or callback") from exc


@dataclass(frozen=True, slots=True)
class NamePattern:
    pattern: str
    regex: re.Pattern[str]

    @classmethod
    def compile(cls, pattern: str) -> "NamePattern":
        parts = re.split(r"(\{[^}]*\})", pattern)
        out = []
        for part in parts:
            if part.startswith("{") and part.endswith("}"):
                name = part[1:-1]
                if name not in NAME_FIELDS:
                    raise MetadataError(
                        f"unknown field {part} in --name-pattern; use {', '.join('{' + k + '}' for k in NAME_FIELDS)}"
                    )
                group = "skip" + str(len(out)) if name == "_" else name
                out.append(f"(?P<{group}>{NAME_FIELDS[name]})")
            else:
                out.append(re.escape(part))
        return cls(pattern, re.compile("^" + "".join(out) + "$", re.IGNORECASE))

    def parse(self, path: Path) -> CallMetadata | None:
        match = self.regex.match(path.stem)
        if match is None:
            return None
        g = match.groupdict()
        return CallMetadata(
            operator_id=g.get("operator"),
            started_at=parse_datetime(g.get("date"), g.get("time")),
            direction=parse_direction(g.get("direction")),
            phone=g.get("phone"),
            order_id=g.get("order"),
        )


@dataclass(frozen=True, slots=True)
class Sidecar:
    rows: dict[str, CallMetadata]
    unknown_columns: tuple[str, ...]

    def lookup(self, path: Path) -> CallMetadata | None:
        return self.rows.get(path.name) or self.rows.get(str(path)) or self.rows.get(path.stem)


def load_sidecar(path: Path) -> Sidecar:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MetadataError(f"cannot read metadata file {path}: {exc.strerror or exc}") from exc
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
    except csv.Error:
        pass
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    if "file" not in columns:
        raise MetadataError(f"{path}: the metadata CSV needs a 'file' column naming each recording (found: {', '.join(columns) or 'no header'})")
    unknown = tuple(c for c in columns if c not in KNOWN_COLUMNS)
    kept = unknown + tuple(c for c in columns if c in EXTRA_COLUMNS)
    rows: dict[str, CallMetadata] = {}
    for line_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not row.get("file"):
            continue
        try:
            started = parse_datetime(row.get("started_at") or row.get("date"), None if row.get("started_at") else row.get("time"))
            meta = CallMetadata(
                operator_id=row.get("operator") or row.get("operator_id") or None,
                operator_name=row.get("operator_name") or None,
                team=row.get("team") or None,
                started_at=started,
                direction=parse_direction(row.get("direction")),
                phone=row.get("phone") or None,
                order_id=row.get("order_id") or None,
                extra=tuple((c, row[c]) for c in kept if row.get(c)),
            )
        except MetadataError as exc:
            raise MetadataError(f"{path}, line {line_no}: {exc}") from exc
        rows[row["file"]] = meta
        rows.setdefault(Path(row["file"]).name, meta)
    return Sidecar(rows=rows, unknown_columns=unknown)


def merge(primary: CallMetadata | None, fallback: CallMetadata | None) -> CallMetadata:
    """Fields of ``primary`` (the CSV) win; empty ones are filled from ``fallback``."""
    if primary is None:
        return fallback or CallMetadata()
    if fallback is None:
        return primary
    return replace(
        primary,
        **{f: getattr(fallback, f) for f in ("operator_id", "operator_name", "team", "started_at", "direction", "phone", "order_id") if getattr(primary, f) is None},
    )


def metadata_source(csv_path: Path | None, name_pattern: str | None):
    """Build ``path -> (CallMetadata, warnings)`` from a sidecar CSV and/or a name pattern."""
    sidecar = load_sidecar(csv_path) if csv_path else None
    pattern = NamePattern.compile(name_pattern) if name_pattern else None

    def lookup(path: Path) -> tuple[CallMetadata, tuple[str, ...]]:
        warnings: list[str] = []
        from_csv = sidecar.lookup(path) if sidecar else None
        if sidecar and from_csv is None:
            warnings.append("not listed in the metadata CSV")
        from_name = None
        if pattern:
            try:
                from_name = pattern.parse(path)
            except MetadataError as exc:
                warnings.append(f"file name: {exc}")
            else:
                if from_name is None:
                    warnings.append(f"file name does not match {pattern.pattern!r}: operator/time unknown")
        return merge(from_csv, from_name), tuple(warnings)

    return lookup, (sidecar.unknown_columns if sidecar else ())
