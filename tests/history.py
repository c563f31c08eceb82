"""A realistic scoring history for scorecard, review and calibration tests: the 44
labeled dev transcripts imported as five operators' calls over October and
November 2026 (real dialogues, real rubric scoring; no ASR)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

TEAMS = {"op-anna": "north", "op-boris": "north", "op-vera": "north", "op-gleb": "south", "op-dina": "south"}


@dataclass(frozen=True)
class HistoryCall:
    external_id: str
    operator: str
    team: str
    started_at: datetime
    duration_s: float
    order_placed: bool
    nps_score: int | None
    labels: dict[str, str]


def write_history(source_dir: Path, target: Path) -> list[HistoryCall]:
    """Copy every dev transcript with an operator, team and start time assigned round-robin:
    even positions in October, odd ones in November (so every operator has both months)."""
    target.mkdir(parents=True, exist_ok=True)
    operators = list(TEAMS)
    calls = []
    for i, path in enumerate(sorted(source_dir.glob("*.json"))):
        data = json.loads(path.read_text(encoding="utf-8"))
        operator = operators[(i // 2) % len(operators)]
        month = 10 if i % 2 == 0 else 11
        started = datetime(2026, month, 1 + (i * 7) % 28, 9 + i % 8, (i * 13) % 60)
        data.update(operator=operator, team=TEAMS[operator], started_at=started.isoformat())
        (target / path.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        calls.append(HistoryCall(
            data["call_id"], operator, TEAMS[operator], started,
            max(u["end_s"] for u in data["utterances"]),
            bool(data["outcome"]["order_placed"]), data["outcome"]["nps_score"], data["labels"],
        ))
    return calls


def in_month(calls: list[HistoryCall], month: int) -> list[HistoryCall]:
    return [c for c in calls if c.started_at.month == month]


def month_start(month: int) -> datetime:
    return datetime(2026, month, 1)


ONE_DAY = timedelta(days=1)
