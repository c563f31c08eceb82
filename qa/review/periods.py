"""Reporting periods: months, ISO weeks, quarters, days, years, custom ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from qa.core.errors import ConfigError

PERIOD_HELP = (
    "2026-11 (month), 2026-W47 (ISO week), 2026-Q4 (quarter), 2026-11-20 (day), 2026 (year), "
    "day|week|month|quarter (the current one), or all"
)


@dataclass(frozen=True, slots=True)
class Period:
    """Calls with start time in [start, end). ``kind`` picks the previous period for trends."""

    label: str
    kind: str  # day | week | month | quarter | year | range | all
    start: date | None = None
    end: date | None = None

    def previous(self) -> Period | None:
        if self.start is None or self.end is None:
            return None
        if self.kind == "day":
            return period_for("day", self.start - timedelta(days=1))
        if self.kind == "week":
            return period_for("week", self.start - timedelta(days=7))
        if self.kind in ("month", "quarter", "year"):
            return period_for(self.kind, self.start - timedelta(days=1))
        length = self.end - self.start
        return Period(f"{self.start - length} – {self.start - timedelta(days=1)}", "range", self.start - length, self.start)

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        as_dt = lambda d: datetime(d.year, d.month, d.day) if d else None  # noqa: E731
        return as_dt(self.start), as_dt(self.end)


def period_for(kind: str, day: date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == "day":
        return Period(day.isoformat(), "day", day, day + timedelta(days=1))
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        year, week, _ = monday.isocalendar()
        return Period(f"{year}-W{week:02d}", "week", monday, monday + timedelta(days=7))
    if kind == "month":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return Period(f"{start:%Y-%m}", "month", start, end)
    if kind == "quarter":
        q = (day.month - 1) // 3
        start = date(day.year, 3 * q + 1, 1)
        end = date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
        return Period(f"{day.year}-Q{q + 1}", "quarter", start, end)
    if kind == "year":
        return Period(str(day.year), "year", date(day.year, 1, 1), date(day.year + 1, 1, 1))
    raise ConfigError(f"unknown period kind {kind!r}: use {PERIOD_HELP}")


def parse_period(text: str | None, *, start: date | None = None, end: date | None = None, today: date | None = None) -> Period:
    """``--period`` text, or a custom range ``--from``/``--to`` (both days included)."""
    if start or end:
        if text:
            raise ConfigError("give either --period or --from/--to, not both")
        if not (start and end):
            raise ConfigError("a custom range needs both --from and --to (e.g. --from 2026-11-01 --to 2026-11-15)")
        if end < start:
            raise ConfigError(f"--to {end} is before --from {start}")
        return Period(f"{start} – {end}", "range", start, end + timedelta(days=1))
    text = (text or "month").strip()
    today = today or date.today()
    if text == "all":
        return Period("all time", "all")
    if text in ("day", "week", "month", "quarter", "year"):
        return period_for(text, today)
    try:
        if m := re.fullmatch(r"(\d{4})-W(\d{1,2})", text):
            return period_for("week", date.fromisocalendar(int(m[1]), int(m[2]), 1))
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            return period_for("quarter", date(int(m[1]), 3 * int(m[2]) - 2, 1))
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return period_for("month", date(int(m[1]), int(m[2]), 1))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return period_for("day", date.fromisoformat(text))
        if re.fullmatch(r"\d{4}", text):
            return period_for("year", date(int(text), 1, 1))
    except ValueError as exc:
        raise ConfigError(f"--period {text!r}: {exc}") from exc
    raise ConfigError(f"--period {text!r} is not a period: use {PERIOD_HELP}")
