"""Scoring stored transcripts with a rubric (no re-transcription) and storing the scorecards."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine

from qa.core.hooks import BatchStarted, Hook, Scored, ignore
from qa.core.types import Transcript
from qa.db import calls, scores
from qa.ingest.interchange import MAX_UTTERANCE_CHARS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScoreOutcome:
    call_id: str
    status: str  # scored | unchanged | superseded (replaced by a newer transcript, not scored)
    total: float | None
    critical_failed: bool


def clipped(transcript: Transcript) -> Transcript:
    """The transcript as scoring reads it: an utterance longer than the import limit (stored before that limit
    existed) is cut to it, so a stored call can always be scored (spaCy refuses texts over 1,000,000 characters)."""
    limit = MAX_UTTERANCE_CHARS
    if all(len(u.text) <= limit for u in transcript.utterances):
        return transcript
    log.warning("utterance text over %d characters cut for scoring", limit)
    return replace(transcript, utterances=tuple(u if len(u.text) <= limit else replace(u, text=u.text[:limit])
                                                for u in transcript.utterances))


def score_and_store(engine: Engine, call_id: str, transcript: Transcript, features, rubric):
    """Score one call and store the scorecard (a no-op when this rubric file already scored it)."""
    from scoring.score import score

    card = score(clipped(transcript), features, rubric)
    return card, scores.save_scorecard(engine, call_id=call_id, card=card)


def score_stored(engine: Engine, call_ids: Sequence[str], rubric, hook: Hook | None = None) -> list[ScoreOutcome]:
    """Score stored transcripts with ``rubric`` (no re-transcription); earlier scorecards are kept."""
    emit = hook or ignore
    scores.check_rubric(engine, rubric_id=rubric.id, version=rubric.version, sha256=rubric.sha256)
    emit(BatchStarted(total=len(call_ids), ignored=0))
    out = []
    for call_id in call_ids:
        stored = calls.load_call(engine, call_id=call_id)
        if stored.summary.status == "superseded" or stored.summary.transcript_removed_at is not None:
            # replaced by a re-imported transcript (score the new version), or its words are gone (erasure,
            # retention): its scorecards stand as they were, an empty transcript would fail every criterion
            state = "superseded" if stored.summary.status == "superseded" else "transcript removed"
            out.append(ScoreOutcome(call_id, state, None, False))
            emit(Scored(call_id))
            continue
        card, saved = score_and_store(engine, call_id, stored.transcript, stored.features, rubric)
        out.append(ScoreOutcome(call_id, "scored" if saved else "unchanged", card.total, card.critical_failed))
        emit(Scored(call_id))
    return out
