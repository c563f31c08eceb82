"""Trainer playlists: suggested clips per criterion, and the playlist itself (create, add, move, remove, listen).

A clip defaults to the verdict's evidence ± :data:`PAD_S` seconds, clamped to the call. Suggestions for a criterion:

* ``examples``: the effective verdict (after human overrides) is pass, and either a person confirmed it (a review,
  dispute or imported gold label) or the machine is confident (≥ :data:`MIN_CONFIDENCE`); the audio is clear
  (mean word probability ≥ :data:`MIN_ASR_CONFIDENCE`, typed transcripts count as clear); shorter clips first;
  at most :data:`PER_OPERATOR` per operator before anyone repeats, one clip per call, and no near-duplicate
  quotes (same words) — a new hire should hear several people do it well, not one call five times;
* ``failures``: the same over fail verdicts that quote a moment (a missing greeting has nothing to play).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from qa.core.errors import ConfigError, NotFound
from qa.core.records import CallScore, PlaylistInfo
from qa.core.types import CriterionResult, Evidence, Verdict
from qa.db import calls as call_store
from qa.db import human, playlists, scores
from qa.db.lifecycle import REMOVED
from qa.review.corrections import current_verdicts, effective_scorecard

PAD_S = 15.0
MAX_CLIP_S = 180.0
MIN_CONFIDENCE = 0.8
MIN_ASR_CONFIDENCE = 0.5
PER_OPERATOR = 1
KINDS = ("examples", "failures")


@dataclass(frozen=True, slots=True)
class Suggestion:
    call_id: str
    operator_id: str
    criterion_id: str
    verdict: Verdict
    start_s: float
    end_s: float
    evidence_start_s: float
    evidence_end_s: float
    quote: str
    confidence: float
    confirmed_by: str | None  # review | dispute | import (a person's verdict agrees), None: the machine alone
    reason: str


def clip_window(evidence: Evidence, duration_s: float | None, pad_s: float = PAD_S) -> tuple[float, float]:
    """The evidence ± ``pad_s``, clamped to [0, duration]."""
    start = max(0.0, (evidence.start_s or 0.0) - pad_s)
    end = (evidence.end_s or evidence.start_s or 0.0) + pad_s
    if duration_s is not None:
        end = min(end, duration_s)
    return round(start, 2), round(max(end, start), 2)


def _quote_key(quote: str) -> frozenset[str]:
    return frozenset(w for w in "".join(ch.lower() if ch.isalnum() else " " for ch in quote).split() if len(w) > 2)


def _near_duplicate(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= 0.8


def _candidate(c: CallScore, criterion_id: str, want: Verdict, labels: dict[str, dict[str, str]]) -> Suggestion | None:
    card = effective_scorecard(c.card, c.overrides, c.order_truth)
    result: CriterionResult | None = next((r for r in card.results if r.criterion_id == criterion_id), None)
    if result is None or result.verdict != want:
        return None
    evidence = next((e for e in result.evidence if e.start_s is not None), None)
    if evidence is None or evidence.quote == REMOVED:  # the call's transcript was erased or expired
        return None
    person = current_verdicts(c.overrides).get(criterion_id)
    confirmed = person.source if person is not None else (
        "import" if labels.get(c.call_id, {}).get(criterion_id) == want.value else None)
    machine = next(r for r in c.card.results if r.criterion_id == criterion_id)
    if confirmed is None and (machine.confidence < MIN_CONFIDENCE or machine.verdict != want):
        return None
    start_s, end_s = clip_window(evidence, c.duration_s)
    why = f"confirmed by a person ({confirmed})" if confirmed else f"machine confidence {machine.confidence:.2f}"
    return Suggestion(
        call_id=c.call_id, operator_id=c.operator_id, criterion_id=criterion_id, verdict=want, start_s=start_s,
        end_s=end_s, evidence_start_s=evidence.start_s, evidence_end_s=evidence.end_s or evidence.start_s,
        quote=evidence.quote, confidence=1.0 if confirmed else machine.confidence, confirmed_by=confirmed,
        reason=f"{want.value}: {why}; {evidence.rule}",
    )


def suggest(engine: Engine, *, rubric_id: str, criterion_id: str, top: int = 5, kind: str = "examples") -> list[Suggestion]:
    """The ``top`` clips that show ``criterion_id`` done well (``examples``) or badly (``failures``)."""
    if kind not in KINDS:
        raise ConfigError(f"unknown suggestion kind {kind!r}: use one of {', '.join(KINDS)}")
    if top < 1:
        raise ConfigError("--top must be at least 1")
    known = scores.rubric_criteria(engine, rubric_id=rubric_id)
    if criterion_id not in known:
        raise NotFound(f"no criterion {criterion_id!r} in the stored scorecards of {rubric_id!r} "
                       f"(known: {', '.join(known) or 'nothing scored yet: run qa process or qa score'})")
    want = Verdict.PASS if kind == "examples" else Verdict.FAIL
    labels = human.human_labels(engine)
    found = [s for c in scores.call_scores(engine, rubric_id=rubric_id, exclude_mystery=True)
             if (s := _candidate(c, criterion_id, want, labels)) is not None]
    clarity = call_store.asr_confidence(engine, call_ids=[s.call_id for s in found])
    clear = [s for s in found if (clarity.get(s.call_id) is None or clarity[s.call_id] >= MIN_ASR_CONFIDENCE)]
    clear.sort(key=lambda s: (s.confirmed_by is None, -s.confidence, s.end_s - s.start_s, s.call_id))
    return _diverse(clear, top)


def _diverse(ranked: list[Suggestion], top: int) -> list[Suggestion]:
    """Round-robin over operators (:data:`PER_OPERATOR` each per round), skipping near-duplicate quotes."""
    chosen: list[Suggestion] = []
    keys: list[frozenset[str]] = []
    rounds = 0
    while len(chosen) < top and rounds <= len(ranked):
        rounds += 1
        taken: dict[str, int] = {}
        progressed = False
        for s in ranked:
            if len(chosen) >= top:
                break
            if s in chosen or taken.get(s.operator_id, 0) >= PER_OPERATOR:
                continue
            key = _quote_key(s.quote)
            if any(_near_duplicate(key, k) for k in keys):
                continue
            chosen.append(s)
            keys.append(key)
            taken[s.operator_id] = taken.get(s.operator_id, 0) + 1
            progressed = True
        if not progressed:
            break
    return chosen


def add_clip(engine: Engine, *, playlist_id: int, call_ref: str, actor: str, start_s: float | None = None,
             end_s: float | None = None, criterion_id: str | None = None, rubric_id: str = "order_desk",
             note: str | None = None, position: int | None = None) -> PlaylistInfo:
    """Add a clip; without a window, the verdict's evidence of ``criterion_id`` ± :data:`PAD_S`."""
    call_id = call_store.resolve_call(engine, ref=call_ref)
    stored = call_store.load_call(engine, call_id=call_id)
    duration = stored.summary.duration_s
    if start_s is None or end_s is None:
        if criterion_id is None:
            raise ConfigError("give --start and --end, or --criterion to take the window around its evidence")
        cards = [c for c in scores.load_scorecards(engine, call_id=call_id) if c.rubric_id == rubric_id]
        result = next((r for c in cards for r in c.results if r.criterion_id == criterion_id), None)
        evidence = next((e for e in (result.evidence if result else ()) if e.start_s is not None), None)
        if evidence is None:
            raise NotFound(f"call {call_id} has no timed evidence for {criterion_id!r}: give --start and --end")
        window = clip_window(evidence, duration)
        start_s = window[0] if start_s is None else start_s
        end_s = window[1] if end_s is None else end_s
    if not 0 <= start_s < end_s:
        raise ConfigError(f"a clip needs 0 ≤ start < end (got {start_s} .. {end_s})")
    if end_s - start_s > MAX_CLIP_S:  # a trainer and new hires hear moments, never whole calls
        raise ConfigError(f"a clip is at most {MAX_CLIP_S:.0f} s (got {end_s - start_s:.0f} s); "
                          "split the moment into several clips")
    if duration is not None and start_s >= duration:
        raise ConfigError(f"the clip starts at {start_s} s, after the call's end ({duration:.1f} s)")
    if duration is not None:
        end_s = min(end_s, duration)
    return playlists.add_clip(engine, playlist_id=playlist_id, call_id=call_id, start_s=start_s, end_s=end_s,
                              actor=actor, criterion_id=criterion_id, note=note, position=position)
