"""Fake stages for fast batch tests: they honour the protocols of ``qa.pipeline.processor`` (``Transcriber``,
``Diarizer``) with output derived from the audio itself, so the same file always gives the same rows.

* Speech is where the frame energy rises well above the quiet parts; a stationary signal (white noise, a dial
  tone, silence) has no speech, as the real models would say.
* Each speech region is one ASR segment of words "слово 1", "слово 2", ... (about 0.4 s each) and one diarization
  turn; turns alternate between two speakers.
* ``fail_on={path: exception}`` makes a fake raise on that file (recognised by its number of 16 kHz samples).

Also here: :func:`speechlike` writes synthetic "speech" files, and :func:`dump_rows` reads what a batch stored.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
from sqlalchemy import event
from sqlalchemy.engine import Engine

from qa.core.hooks import Hook, StageProgress
from qa.core.types import AsrResult, AsrSegment, Diarization, SpeakerTurn, Word
from qa.db.engine import make_engine
from qa.ingest.audio import decode

RATE_HZ = 16000
FRAME_S = 0.02
WORD_S = 0.4


def speech_regions(samples: np.ndarray, sample_rate_hz: int = RATE_HZ) -> list[tuple[float, float]]:
    """(start_s, end_s) of the loud parts of a signal whose energy varies like speech."""
    frame = int(FRAME_S * sample_rate_hz)
    n = len(samples) // frame
    if n < 5:
        return []
    rms = np.sqrt(np.mean(np.square(samples[: n * frame].reshape(n, frame).astype(np.float64)), axis=1))
    peak = float(np.percentile(rms, 95))
    if peak < 1e-3 or float(np.std(rms)) < 0.3 * float(np.mean(rms)):  # silence, or stationary noise / tone
        return []
    loud = rms > 0.25 * peak
    regions: list[tuple[float, float]] = []
    start = None
    for i, on in enumerate([*loud, False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            begin, end = start * FRAME_S, i * FRAME_S
            if regions and begin - regions[-1][1] < 0.3:  # a short pause does not end the region
                begin = regions.pop()[0]
            regions.append((begin, end))
            start = None
    return [(round(a, 3), round(b, 3)) for a, b in regions if b - a >= 0.2]


def _key(samples: np.ndarray) -> int:
    return len(samples)


def _keys(fail_on: Mapping[Path, BaseException] | None) -> dict[int, BaseException]:
    """Fakes see samples, not paths: a file is recognised by its length at 16 kHz."""
    return {len(decode(path, sample_rate_hz=RATE_HZ).channels[0]): exc for path, exc in (fail_on or {}).items()}


class FakeTranscriber:
    """Honours ``qa.pipeline.processor.Transcriber``; records the length of every stream it is called on."""

    def __init__(self, *, language: str = "ru", fail_on: Mapping[Path, BaseException] | None = None) -> None:
        self.language = language
        self.fail_on = _keys(fail_on)
        self.calls: list[int] = []

    def detect_language(self, samples: np.ndarray, allowed: Sequence[str], speech=None) -> tuple[str, float | None]:
        return (self.language if self.language in allowed else allowed[0]), 0.9

    def __call__(self, samples: np.ndarray, *, language: str, speech=None, hook: Hook | None = None) -> AsrResult:
        self.calls.append(len(samples))
        if _key(samples) in self.fail_on:
            raise self.fail_on[_key(samples)]
        duration_s = len(samples) / RATE_HZ
        segments, n = [], 0
        for start, end in speech_regions(samples):
            count = max(1, round((end - start) / WORD_S))
            step = (end - start) / count
            words = []
            for k in range(count):
                n += 1
                words.append(Word(round(start + k * step, 3), round(start + (k + 1) * step, 3), f" слово {n}", 0.9))
            segments.append(AsrSegment(
                start_s=start, end_s=end, text="".join(w.text for w in words).strip(), words=tuple(words),
                avg_logprob=-0.2, no_speech_prob=0.01, compression_ratio=1.2,
            ))
            if hook is not None:
                hook(StageProgress("transcribe", completed=end, total=duration_s, unit="s"))
        return AsrResult(segments=tuple(segments), language=language, language_probability=0.9)


class FakeDiarizer:
    """Honours ``qa.pipeline.processor.Diarizer``: one turn per speech region, two speakers taking turns."""

    def __init__(self, *, fail_on: Mapping[Path, BaseException] | None = None) -> None:
        self.fail_on = _keys(fail_on)
        self.calls: list[int] = []

    def __call__(self, samples: np.ndarray, sample_rate_hz: int, *, hook=None) -> Diarization:
        self.calls.append(len(samples))
        if _key(samples) in self.fail_on:
            raise self.fail_on[_key(samples)]
        turns = tuple(
            SpeakerTurn(f"SPEAKER_0{i % 2}", start, end)
            for i, (start, end) in enumerate(speech_regions(samples, sample_rate_hz))
        )
        if hook is not None:  # pyannote's hook signature, as the real diarizer calls it
            hook("speaker_counting", None, total=1, completed=1)
        return Diarization(turns=turns, method="pyannote")


def speechlike(path: Path, *, seconds: float, seed: int, sample_rate_hz: int = 8000) -> Path:
    """A mono file of noise bursts shaped like words and phrases (telephone rate by default)."""
    rng = np.random.default_rng(seed)
    out = [np.zeros(int(0.3 * sample_rate_hz), np.float32)]
    total = 0.3
    while total < seconds:
        for _ in range(int(rng.integers(2, 5))):  # a phrase of 2-4 words
            word_s = float(rng.uniform(0.25, 0.5))
            n = int(word_s * sample_rate_hz)
            envelope = np.sin(np.linspace(0, np.pi, n)) ** 0.5
            out.append((rng.normal(0, 0.15, n) * envelope).astype(np.float32))
            out.append(np.zeros(int(0.1 * sample_rate_hz), np.float32))
            total += word_s + 0.1
        pause_s = float(rng.uniform(0.7, 1.2))
        out.append(np.zeros(int(pause_s * sample_rate_hz), np.float32))
        total += pause_s
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.concatenate(out), sample_rate_hz)
    return path


def dump_rows(db: Path) -> dict:
    """What a batch stored in a SQLite database, minus timings and dates (equal for equal work)."""
    con = sqlite3.connect(db)
    try:
        return {
            "calls": con.execute(
                "select id, sha256, file_name, status, error, operator_id, mode, language, duration_s, channels, "
                "role_method, role_confidence from call order by id"
            ).fetchall(),
            "utterances": con.execute(
                "select call_id, idx, role, speaker, start_s, end_s, text, confidence from utterance order by call_id, idx"
            ).fetchall(),
            "words": con.execute(
                "select u.call_id, u.idx, w.idx, w.text, w.start_s, w.end_s, w.probability from word w "
                "join utterance u on u.id = w.utterance_id order by 1, 2, 3"
            ).fetchall(),
            "metrics": con.execute("select * from rolemetrics order by call_id, role").fetchall(),
            "turns": con.execute("select call_id, speaker, start_s, end_s from speakerturn order by 1, 3, 2").fetchall(),
        }
    finally:
        con.close()


def full_disk_engine(url: str) -> Engine:
    """An engine on an SQLite file that cannot grow: SQLite's own 'database or disk is full' stands in for a full disk."""
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _no_room_to_grow(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count = {pages}")
        cur.close()

    return engine
