"""Stage order and batch processing: recording -> features/diarization -> transcript -> storage.

This is the only module that wires ``transcription`` (and later ``scoring``)
to storage. Models load once per :class:`CallProcessor` (lazily: a batch with
only stereo calls never loads the diarization model) and are reused for every
file. Progress goes through a ``hook(event, **info)`` callback; nothing here
prints.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from qa.db import repo
from qa.errors import ModelError, QAError, RecordingError, StageError
from qa.features import compute_features
from qa.recordings import decode, find_recordings, identify
from qa.settings import DEFAULT_ASR_MODEL, Settings
from qa.types import (
    AsrResult, CallMetadata, DecodedAudio, ProcessedCall, Recording, Transcript, call_id_for,
)

log = logging.getLogger(__name__)

Hook = Callable[..., None]
SAMPLE_RATE_HZ = 16000
DUAL_MONO_CORRELATION = 0.98  # stereo files whose channels are copies are treated as mono


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    asr_model: str = DEFAULT_ASR_MODEL
    models_dir: Path = Path(".")
    compute_type: str = "int8"
    cpu_threads: int = 2
    beam_size: int = 5
    language: str = "auto"
    allowed_languages: tuple[str, ...] = ("ru", "uk", "en")
    agent_channel: int = 0
    mono_roles: str = "auto"
    max_duration_s: float = 4 * 3600
    diarization_threshold: float = 0.7

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> "PipelineOptions":
        values = dict(
            asr_model=settings.asr_model, models_dir=settings.models_dir, compute_type=settings.asr_compute_type,
            cpu_threads=settings.cpu_threads, beam_size=settings.asr_beam_size, language=settings.language,
            allowed_languages=settings.allowed_languages, agent_channel=0 if settings.agent_channel == "left" else 1,
            max_duration_s=settings.max_duration_s, diarization_threshold=settings.diarization_threshold,
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def asr_model_label(self) -> str:
        return "whisper-base (bundled)" if self.asr_model == DEFAULT_ASR_MODEL else self.asr_model


class CallProcessor:
    """Runs the stages on one decoded recording; owns the (lazily loaded) models."""

    def __init__(self, options: PipelineOptions) -> None:
        self.options = options
        self._transcriber = None
        self._diarizer = None

    @property
    def transcriber(self):
        if self._transcriber is None:
            from transcription import models
            from transcription.transcribe import Transcriber, TranscriberOptions

            o = self.options
            model = str(models.bundled_whisper_dir(o.models_dir)) if o.asr_model == DEFAULT_ASR_MODEL else o.asr_model
            self._transcriber = Transcriber(TranscriberOptions(
                model=model, compute_type=o.compute_type, cpu_threads=o.cpu_threads, beam_size=o.beam_size,
            ))
        return self._transcriber

    @property
    def diarizer(self):
        if self._diarizer is None:
            from transcription.diarize import Diarizer, DiarizerOptions

            self._diarizer = Diarizer(DiarizerOptions(clustering_threshold=self.options.diarization_threshold))
        return self._diarizer

    def load_models(self) -> None:
        """Load both models now (benchmarks measure load time apart)."""
        _ = self.transcriber, self.diarizer

    def _language(self, samples: np.ndarray) -> tuple[str, float | None]:
        if self.options.language != "auto":
            return self.options.language, None
        return self.transcriber.detect_language(samples, self.options.allowed_languages)

    def __call__(self, recording: Recording, audio: DecodedAudio, metadata: CallMetadata, hook: Hook | None = None) -> ProcessedCall:
        from transcription.align import align_channels, align_mono, with_roles
        from transcription.diarize import diarize_channels
        from transcription.roles import MonoRoleRule, assign_channel_roles, assign_mono_roles

        started = time.perf_counter()
        notes: list[str] = []
        stage = hook or (lambda *a, **k: None)
        channels = audio.channels
        stereo = audio.is_stereo and not _is_dual_mono(channels)
        if audio.is_stereo and not stereo:
            notes.append("stereo file with identical channels: processed as mono")
        mix = audio.mono()

        stage("stage", name="language")
        language, language_p = self._language(mix)

        if stereo:
            stage("stage", name="diarize")
            diarization = diarize_channels(channels, audio.sample_rate_hz)
            if not diarization.turns:
                raise RecordingError("no speech found on either channel (silence, noise or music only)")
            asr: dict[str, AsrResult] = {}
            for i, samples in enumerate(channels):
                stage("stage", name=f"transcribe ch{i}")
                asr[f"ch{i}"] = self.transcriber(samples, language=language, hook=hook)
            roles = assign_channel_roles([f"ch{i}" for i in range(len(channels))], self.options.agent_channel)
            utterances = align_channels(asr, roles)
            dropped = [d for r in asr.values() for d in r.dropped]
            channel_of = {f"ch{i}": i for i in range(len(channels))}
        else:
            stage("stage", name="transcribe")
            result = self.transcriber(mix, language=language, hook=hook)
            if not result.segments:
                raise RecordingError("no speech found (silence, noise or music only)")
            stage("stage", name="diarize")
            diarization = self.diarizer(mix, audio.sample_rate_hz, hook=_pyannote_hook(hook))
            if not diarization.turns:
                raise RecordingError("no speech found by diarization (silence, noise or music only)")
            unlabelled = align_mono(result, diarization)
            roles = assign_mono_roles(unlabelled, metadata.direction, MonoRoleRule(self.options.mono_roles))
            utterances = with_roles(unlabelled, roles)
            dropped = list(result.dropped)
            channel_of = None
        if not utterances:
            raise RecordingError("no speech recognised (everything was silence, noise or filtered as hallucination)")
        if dropped:
            notes.append(f"hallucination guard removed {len(dropped)} segment(s): " + "; ".join(dropped[:5]))
        transcript = Transcript(language=language, utterances=tuple(utterances), role_assignment=roles, language_probability=language_p)
        stage("stage", name="features")
        features = compute_features(transcript.utterances, audio.duration_s, audio, channel_of)
        return ProcessedCall(
            recording=recording, metadata=metadata, mode="stereo" if stereo else "mono", duration_s=audio.duration_s,
            sample_rate_hz=audio.source_sample_rate_hz, channels=len(channels), transcript=transcript,
            diarization=diarization, features=features, asr_model=self.options.asr_model_label,
            processing_s=time.perf_counter() - started, notes=tuple(notes),
        )


def _is_dual_mono(channels: Sequence[np.ndarray]) -> bool:
    a, b = channels[0], channels[1]
    if np.allclose(a, b, atol=1e-4):
        return True
    sa, sb = float(np.std(a)), float(np.std(b))
    if sa < 1e-6 or sb < 1e-6:
        return False
    return float(np.corrcoef(a, b)[0, 1]) > DUAL_MONO_CORRELATION


def _pyannote_hook(hook: Hook | None) -> Hook | None:
    if hook is None:
        return None

    def relay(step_name, step_artifact, file=None, total=None, completed=None):  # pyannote's hook signature
        if total is not None and completed is not None:
            hook("progress", name=f"diarize: {step_name}", completed=completed, total=total)

    return relay


# ---------------------------------------------------------------- batches


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: Path
    status: str  # processed | skipped | failed
    call_id: str | None = None
    reason: str | None = None
    audio_s: float = 0.0
    wall_s: float = 0.0
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class BatchReport:
    batch_id: int | None
    outcomes: list[FileOutcome] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    wall_s: float = 0.0
    status: str = "running"

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def audio_s(self) -> float:
        return sum(o.audio_s for o in self.outcomes if o.status == "processed")

    @property
    def processing_s(self) -> float:
        return sum(o.wall_s for o in self.outcomes if o.status == "processed")

    @property
    def real_time_factor(self) -> float | None:
        return self.processing_s / self.audio_s if self.audio_s else None

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0 and self.status == "finished"


class StorageError(StageError):
    """The database refused a write (disk full, read-only, gone)."""


MetadataFor = Callable[[Path], tuple[CallMetadata, tuple[str, ...]]]


def process_batch(
    engine: Engine,
    paths: Sequence[Path],
    *,
    processor: CallProcessor,
    metadata_for: MetadataFor = lambda p: (CallMetadata(), ()),
    rubric=None,
    hook: Hook | None = None,
) -> BatchReport:
    """Process files and folders; skip what is stored, record what fails, go on.

    Each call is stored in one transaction when it is complete, so an
    interrupted batch re-run gives the same rows as an uninterrupted one.
    KeyboardInterrupt is re-raised after the batch row is marked interrupted.
    """
    emit = hook or (lambda *a, **k: None)
    files, ignored = find_recordings(list(paths))
    try:
        batch_id = repo.start_batch(engine, inputs=[str(p) for p in paths])
    except OperationalError as exc:
        raise StorageError(f"cannot write to the database: {exc.orig or exc}. Free disk space or fix QA_DB_URL.") from exc
    report = BatchReport(batch_id=batch_id, ignored=ignored)
    started = time.perf_counter()
    emit("batch_start", total=len(files), ignored=len(ignored))
    try:
        for index, path in enumerate(files):
            emit("file_start", path=path, index=index)
            outcome = _process_one(engine, path, processor, metadata_for, batch_id, emit, rubric)
            report.outcomes.append(outcome)
            emit("file_done", outcome=outcome)
        report.status = "finished"
    except KeyboardInterrupt:
        report.status = "interrupted"
        raise
    except QAError:
        report.status = "aborted"
        raise
    finally:
        report.wall_s = time.perf_counter() - started
        try:
            repo.finish_batch(
                engine, batch_id=batch_id, status=report.status, processed=report.count("processed"),
                skipped=report.count("skipped"), failed=report.count("failed"), audio_s=report.audio_s, wall_s=report.wall_s,
            )
        except OperationalError:
            log.warning("could not record the batch summary (database unavailable)")
        emit("batch_end", report=report)
    return report


def _process_one(engine: Engine, path: Path, processor: CallProcessor, metadata_for: MetadataFor, batch_id: int, emit: Hook, rubric) -> FileOutcome:
    t0 = time.perf_counter()
    warnings: tuple[str, ...] = ()
    metadata = CallMetadata()
    call_id: str | None = None
    sha: str | None = None
    try:
        metadata, warnings = metadata_for(path)
        recording = identify(path)
        call_id, sha = recording.call_id, recording.sha256
        if repo.call_status(engine, call_id=call_id) == "done":
            if rubric is not None:  # stored before scoring existed, or with another rubric version
                stored = repo.load_call(engine, call_id=call_id)
                score_and_store(engine, call_id, stored.transcript, stored.features, rubric)
            return FileOutcome(path, "skipped", call_id, "already processed", warnings=warnings)
        emit("stage", name="decode")
        audio = decode(path, sample_rate_hz=SAMPLE_RATE_HZ, max_duration_s=processor.options.max_duration_s)
        call = processor(recording, audio, metadata, hook=emit)
        emit("stage", name="store")
        try:
            repo.save_processed(engine, call=call, batch_id=batch_id)
            if rubric is not None:
                emit("stage", name="score")
                score_and_store(engine, call_id, call.transcript, call.features, rubric)
        except OperationalError as exc:
            raise StorageError(
                f"could not store {path.name}: {exc.orig or exc}. Free disk space or fix the database, then re-run: "
                "finished calls are kept and will be skipped."
            ) from exc
        return FileOutcome(path, "processed", call_id, audio_s=call.duration_s, wall_s=time.perf_counter() - t0, warnings=warnings)
    except (StorageError, ModelError):
        raise
    except QAError as exc:
        reason = str(exc)
    except MemoryError:
        reason = "ran out of memory decoding or processing this recording (split it or raise QA_MAX_DURATION_S limits)"
    except Exception as exc:  # a stage crashed on this file: record it, keep the batch going
        log.exception("stage failed on %s", path)
        reason = f"internal error in processing ({type(exc).__name__}: {exc}); the file was skipped"
    call_id = call_id or call_id_for(_path_key(path))
    try:
        repo.save_failure(engine, call_id=call_id, sha256=sha, path=path, reason=reason, batch_id=batch_id, metadata=metadata)
    except OperationalError as exc:
        raise StorageError(f"could not record the failure of {path.name}: {exc.orig or exc}") from exc
    return FileOutcome(path, "failed", call_id, reason, wall_s=time.perf_counter() - t0, warnings=warnings)


def _path_key(path: Path) -> str:
    import hashlib

    return hashlib.sha256(("unreadable:" + str(path.resolve())).encode()).hexdigest()


# ---------------------------------------------------------------- re-scoring stored calls


@dataclass(frozen=True, slots=True)
class ScoreOutcome:
    call_id: str
    status: str  # scored | unchanged
    total: float | None
    critical_failed: bool


def score_and_store(engine: Engine, call_id: str, transcript: Transcript, features, rubric):
    """Score one call and store the scorecard (a no-op when this rubric file already scored it)."""
    from scoring.score import score

    card = score(transcript, features, rubric)
    return card, repo.save_scorecard(engine, call_id=call_id, card=card)


def score_stored(engine: Engine, call_ids: Sequence[str], rubric, hook: Hook | None = None) -> list[ScoreOutcome]:
    """Score stored transcripts with ``rubric`` (no re-transcription); earlier scorecards are kept."""
    emit = hook or (lambda *a, **k: None)
    emit("batch_start", total=len(call_ids), ignored=0)
    out = []
    for call_id in call_ids:
        stored = repo.load_call(engine, call_id=call_id)
        card, saved = score_and_store(engine, call_id, stored.transcript, stored.features, rubric)
        out.append(ScoreOutcome(call_id, "scored" if saved else "unchanged", card.total, card.critical_failed))
        emit("scored", call_id=call_id)
    return out


def evaluate_audio(folders: Sequence[Path], processor: CallProcessor, rubric, audio: str = "stereo", hook: Hook | None = None):
    """End-to-end check: each folder holds ``transcript.json`` (with labels) and ``stereo.flac``/``mono.flac``;
    the audio goes through the whole pipeline, the result is scored and compared with the labels."""
    import json as _json

    from scoring.evaluate import compare
    from scoring.score import score

    emit = hook or (lambda *a, **k: None)
    emit("batch_start", total=len(folders), ignored=0)
    scored = []
    for folder in folders:
        reference = _json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
        path = folder / f"{audio}.flac"
        emit("file_start", path=path, index=len(scored))
        call = processor(identify(path), decode(path), CallMetadata(), hook=emit)
        scored.append((reference.get("call_id", folder.name), reference.get("labels", {}), score(call.transcript, call.features, rubric)))
        emit("file_done", outcome=FileOutcome(path, "processed", call.recording.call_id, audio_s=call.duration_s))
    return compare(scored), scored
