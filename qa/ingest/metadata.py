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
import io
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path

from qa.core.errors import MetadataError
from qa.core.types import CallMetadata, Direction
from qa.ingest.files import read_limited, readable

EXTRA_COLUMNS = {"order_placed"}  # understood, and kept with the extra metadata
KNOWN_COLUMNS = EXTRA_COLUMNS | {"file", "operator", "operator_id", "operator_name", "team", "started_at", "date", "time", "direction", "phone", "order_id"}
NAME_FIELDS = {"operator": r"[^_\s]+?", "date": r"\d{4}-?\d{2}-?\d{2}", "time": r"\d{2}[-:.]?\d{2}(?:[-:.]?\d{2})?",
               "direction": r"inbound|outbound|callback|in|out", "phone": r"\+?\d+", "order": r"[^_\s]+?", "_": r".*?"}


_TIME_12H = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?:[:.](\d{2}))?\s*([ap])\.?\s*m\.?$", re.IGNORECASE)
_TIME_24H = re.compile(r"^(\d{1,2})[:.\-h](\d{2})(?:[:.\-](\d{2})(?:[.,]\d+)?)?$", re.IGNORECASE)
_TIME_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{2})?$")  # 1015, 101500 (file names)
_DATE_YEAR_FIRST = re.compile(r"^(\d{4})([-./]?)(\d{1,2})\2(\d{1,2})$")  # 2026-11-02, 2026.11.2, 20261102
_DATE_DAY_FIRST = re.compile(r"^(\d{1,2})[.\-](\d{1,2})[.\-](\d{4})$")  # 02.11.2026 (RU/UA/EU Excel), 02-11-2026
_DATE_SLASHES = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")  # 11/2/2026 (US) or 2/11/2026 (UK): only when clear
DATETIME_HINT = "use 2026-11-02T10:15:00, or a date (2026-11-02, 02.11.2026) and a time (10:15, 1:05, 2:30 PM)"


def parse_date(text: str) -> date:
    """A calendar day as telephony exports and Excel write it; an ambiguous or unreadable one is refused."""
    text = text.strip()
    if m := _DATE_YEAR_FIRST.match(text):
        if not m.group(2) and len(text) != 8:
            raise ValueError(text)
        return date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    if m := _DATE_DAY_FIRST.match(text):
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if m := _DATE_SLASHES.match(text):
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if a > 12 >= b:
            return date(year, b, a)
        if b > 12 >= a or a == b:
            return date(year, a, b)
        raise MetadataError(f"date {text!r} is ambiguous (day/month or month/day?): write it as {year}-{a:02d}-{b:02d} "
                            f"or {year}-{b:02d}-{a:02d}")
    raise ValueError(text)


def parse_time(text: str) -> time:
    """A time of day: 24-hour ``10:15``, ``1:05``, ``10:15:30``, ``10-15-00``, ``101500``; or 12-hour ``2:30 PM``."""
    text = text.strip()
    if m := _TIME_12H.match(text):
        hour, minute, second = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if m.group(4).lower() == "p" else 0)
        return time(hour, minute, second)
    m = _TIME_24H.match(text) or _TIME_COMPACT.match(text)
    if m is None:
        raise ValueError(text)
    return time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))


def parse_datetime(date_text: str | None, time_text: str | None = None) -> datetime | None:
    """``started_at`` (ISO 8601, or a date and a time with a space) or a ``date`` and a ``time`` -> datetime.

    Read as written, never guessed: ``1:05`` is 01:05, ``2:30 PM`` is 14:30, ``02/11/2026`` is refused as ambiguous."""
    if not date_text or not date_text.strip():
        return None
    text = date_text.strip()
    try:
        if time_text and time_text.strip():
            day = text.split()[0].split("T")[0] if len(text) > 10 else text  # Excel writes dates as "2026-11-02 00:00:00"
            return datetime.combine(parse_date(day), parse_time(time_text))
        try:
            return datetime.fromisoformat(text.replace("Z", ""))
        except ValueError:
            day, _, clock = text.replace("T", " ", 1).partition(" ")
            return datetime.combine(parse_date(day), parse_time(clock) if clock.strip() else time())
    except MetadataError:
        raise
    except (ValueError, OverflowError) as exc:
        shown = f"{text!r} {time_text!r}" if time_text else repr(text)
        raise MetadataError(f"cannot read date/time {shown}: {DATETIME_HINT}") from exc


def parse_direction(value: str | None) -> Direction | None:
    if not value:
        return None
    v = value.strip().lower()
    v = {"in": "inbound", "out": "outbound", "incoming": "inbound", "outgoing": "outbound"}.get(v, v)
    try:
        return Direction(v)
    except ValueError as exc:
        raise MetadataError(f"unknown call direction {value!r}: use inbound, outbound or callback") from exc


MAX_PATTERN_FIELDS = 12  # each {_} is a lazy ".*?": many of them make matching a long name slow
MAX_PATTERN_CHARS = 300


@dataclass(frozen=True, slots=True)
class NamePattern:
    pattern: str
    regex: re.Pattern[str]

    @classmethod
    def compile(cls, pattern: str) -> "NamePattern":
        parts = re.split(r"(\{[^}]*\})", pattern)
        if len(pattern) > MAX_PATTERN_CHARS or sum(p.startswith("{") and p.endswith("}") for p in parts) > MAX_PATTERN_FIELDS:
            raise MetadataError(f"--name-pattern is too long: at most {MAX_PATTERN_FIELDS} fields and {MAX_PATTERN_CHARS} characters")
        out = []
        used: set[str] = set()
        for part in parts:
            if part.startswith("{") and part.endswith("}"):
                name = part[1:-1]
                if name not in NAME_FIELDS:
                    raise MetadataError(
                        f"unknown field {part} in --name-pattern; use {', '.join('{' + k + '}' for k in NAME_FIELDS)}"
                    )
                if name in used and name != "_":
                    raise MetadataError(f"field {part} appears twice in --name-pattern {pattern!r}; use each field once "
                                        "({_} matches anything)")
                used.add(name)
                group = "skip" + str(len(out)) if name == "_" else name
                out.append(f"(?P<{group}>{NAME_FIELDS[name]})")
            else:
                out.append(re.escape(part))
        try:
            return cls(pattern, re.compile("^" + "".join(out) + "$", re.IGNORECASE))
        except re.error as exc:  # not reachable with the checks above; kept so no pattern can crash the CLI
            raise MetadataError(f"cannot use --name-pattern {pattern!r}: {exc}") from None

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


MAX_CSV_BYTES = 50_000_000


def decode_csv(raw: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV as Excel and telephony systems save it: UTF-8 (with or without BOM), UTF-16 (with
    a BOM, or without one but with the zero bytes of Latin/Cyrillic text), else Windows Cyrillic (cp1251)."""
    boms = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
            (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
    candidates = [enc for bom, enc in boms if raw.startswith(bom)][:1]
    if not candidates:
        head = raw[:4000]
        if len(head) >= 2 and head[1::2].count(0) > len(head) // 4:
            candidates.append("utf-16-le")
        elif len(head) >= 2 and head[0::2].count(0) > len(head) // 4:
            candidates.append("utf-16-be")
        candidates += ["utf-8", "cp1251"]
    for encoding in candidates:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnicodeError("not UTF-8, UTF-16 or cp1251")


def load_sidecar(path: Path) -> Sidecar:
    """A metadata CSV (any of the encodings :func:`decode_csv` reads; comma, semicolon or tab); a bad value is one
    MetadataError naming the file and line."""
    raw = read_limited(path, max_bytes=MAX_CSV_BYTES, error=MetadataError, what="metadata CSV")
    try:
        text, _ = decode_csv(raw)
    except UnicodeError:
        raise MetadataError(f"{readable(path)}: cannot tell the text encoding of the metadata CSV; save it as "
                            "\"CSV UTF-8\" in Excel") from None
    if "\x00" in text:
        raise MetadataError(f"{readable(path)}: the metadata CSV contains NUL bytes (a binary file, or a spreadsheet "
                            "saved as .xlsx?); save it as \"CSV UTF-8\"")
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0][:10_000] if text else "", delimiters=",;\t")
    except csv.Error:
        pass
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise MetadataError(f"{readable(path)}, line 1: not a readable CSV header ({exc})") from None
    if "file" not in columns:
        raise MetadataError(f"{readable(path)}: the metadata CSV needs a 'file' column naming each recording (found: {', '.join(columns) or 'no header'})")
    unknown = tuple(c for c in columns if c and c not in KNOWN_COLUMNS)
    kept = unknown + tuple(c for c in columns if c in EXTRA_COLUMNS)
    rows: dict[str, CallMetadata] = {}
    records = iter(reader)
    while True:
        try:
            raw_row = next(records)
        except StopIteration:
            break
        except csv.Error as exc:
            raise MetadataError(f"{readable(path)}, line {reader.reader.line_num}: not a readable CSV row ({exc})") from None
        line_no = reader.line_num
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw_row.items() if isinstance(k, str) and isinstance(v, str)}
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
            raise MetadataError(f"{readable(path)}, line {line_no}: {exc}") from exc
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
