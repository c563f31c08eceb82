"""Scoring stored transcripts with a rubric (no re-transcription) and storing the scorecards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from qa.core.hooks import BatchStarted, Hook, Scored, ignore
from qa.core.types import Transcript
from qa.db import calls, scores


@dataclass(frozen=True, slots=True)
class ScoreOutcome:
    call_id: str
    status: str  # scored | unchanged | superseded (replaced by a newer transcript, not scored)
    total: float | None
    critical_failed: bool


def score_and_store(engine: Engine, call_id: str, transcript: Transcript, features, rubric):
    """Score one call and store the scorecard (a no-op when this rubric file already scored it)."""
    from scoring.score import score

    card = score(transcript, features, rubric)
    return card, scores.save_scorecard(engine, call_id=call_id, card=card)


def score_stored(engine: Engine, call_ids: Sequence[str], rubric, hook: Hook | None = None) -> list[ScoreOutcome]:
    """Score stored transcripts with ``rubric`` (no re-transcription); earlier scorecards are kept."""
    emit = hook or ignore
    scores.check_rubric(engine, rubric_id=rubric.id, version=rubric.version, sha256=rubric.sha256)
    emit(BatchStarted(total=len(call_ids), ignored=0))
    out = []
    for call_id in call_ids:
        stored = calls.load_call(engine, call_id=call_id)
        if stored.summary.status == "superseded":  # replaced by a re-imported transcript: score the new version
            out.append(ScoreOutcome(call_id, stored.summary.status, None, False))
            emit(Scored(call_id))
            continue
        card, saved = score_and_store(engine, call_id, stored.transcript, stored.features, rubric)
        out.append(ScoreOutcome(call_id, "scored" if saved else "unchanged", card.total, card.critical_failed))
        emit(Scored(call_id))
    return out
