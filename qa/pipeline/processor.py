"""Stage order for one recording: decoded audio -> language -> diarization -> transcript -> roles -> features.

With :mod:`qa.pipeline.batch` this is where ``transcription`` is joined to the rest. Models load once per
:class:`CallProcessor` (lazily: a batch with only stereo calls never loads the diarization model) and are
reused for every file; tests inject fakes honouring :class:`Transcriber` and :class:`Diarizer` instead.
Progress goes through a typed ``hook`` (:mod:`qa.core.hooks`); nothing here prints.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.core.errors import ModelError, RecordingError
from qa.core.hooks import Hook, StageProgress, StageStarted, ignore
from qa.core.settings import DEFAULT_ASR_MODEL, Settings
from qa.core.types import (
    AsrResult,
    CallMetadata,
    DecodedAudio,
    Diarization,
    ProcessedCall,
    Recording,
    Transcript,
)
from transcription.features import compute_features

__all__ = ["CallProcessor", "Diarizer", "PipelineOptions", "SAMPLE_RATE_HZ", "Transcriber"]

log = logging.getLogger(__name__)

PyannoteHook = Callable[..., None]  # pyannote's (step_name, step_artifact, file=None, total=None, completed=None)
SAMPLE_RATE_HZ = 16000
DUAL_MONO_CORRELATION = 0.98  # stereo files whose channels are copies are treated as mono


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    asr_model: str = DEFAULT_ASR_MODEL
    asr_backend: str = "whisper"  # whisper | onnx
    asr_onnx_model: str = "gigaam-v3-ctc"
    device: str = "cpu"  # cpu | cuda
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
            asr_model=settings.asr_model, asr_backend=settings.asr_backend, asr_onnx_model=settings.asr_onnx_model,
            device=settings.device, models_dir=settings.models_dir, compute_type=settings.asr_compute_type,
            cpu_threads=settings.cpu_threads, beam_size=settings.asr_beam_size, language=settings.language,
            allowed_languages=settings.allowed_languages, agent_channel=0 if settings.agent_channel == "left" else 1,
            max_duration_s=settings.max_duration_s, diarization_threshold=settings.diarization_threshold,
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def asr_model_label(self) -> str:
        if self.asr_backend == "onnx":
            return f"{self.asr_onnx_model} (onnx) {self.asr_model}"
        return "whisper-base (bundled)" if self.asr_model == DEFAULT_ASR_MODEL else self.asr_model


class Transcriber(Protocol):
    """Speech to text on one 16 kHz stream (``transcription.transcribe.Transcriber``; ``tests.fakes``)."""

    def __call__(self, samples: np.ndarray, *, language: str, speech: list[dict] | None = None,
                 hook: Hook | None = None) -> AsrResult:
        """Segments with word timings on the stream's clock; ``speech``: its speech regions in samples when they
        are known (Silero's ``[{"start", "end"}]``), else found by the transcriber; reports ``StageProgress`` in
        seconds of audio through ``hook``."""
        ...

    def detect_language(self, samples: np.ndarray, allowed: Sequence[str], speech: list[dict] | None = None) -> tuple[str, float | None]:
        """The most likely language among ``allowed`` and its probability."""
        ...


class Diarizer(Protocol):
    """Who spoke when in a mono mix (``transcription.diarize.Diarizer``; ``tests.fakes``)."""

    def __call__(self, samples: np.ndarray, sample_rate_hz: int, *, hook: PyannoteHook | None = None) -> Diarization:
        ...


class CallProcessor:
    """Runs the stages on one decoded recording; owns the models (loaded on first use unless given)."""

    def __init__(self, options: PipelineOptions, *, transcriber: Transcriber | None = None, diarizer: Diarizer | None = None) -> None:
        self.options = options
        self._transcriber = transcriber
        self._diarizer = diarizer
        self._given = (transcriber is not None, diarizer is not None)
        self._check_choices()

    def _check_choices(self) -> None:
        """Refuse a device or backend that cannot work before a batch starts (a ModelError, one line)."""
        o = self.options
        if o.device != "cpu":
            from transcription import models

            models.check_device(o.device)
        if o.asr_backend == "onnx" and o.asr_model == DEFAULT_ASR_MODEL and self._transcriber is None:
            raise ModelError("QA_ASR_BACKEND=onnx needs QA_ASR_MODEL (or --asr-model): the folder holding "
                             f"the {o.asr_onnx_model} model's files; the bundled model is Whisper")

    @property
    def transcriber(self) -> Transcriber:
        if self._transcriber is None:
            from transcription import models

            o = self.options
            if o.asr_backend == "onnx":
                from transcription.onnx_asr_backend import OnnxOptions, OnnxTranscriber

                self._transcriber = OnnxTranscriber(OnnxOptions(
                    model_dir=Path(o.asr_model), model_type=o.asr_onnx_model, cpu_threads=o.cpu_threads, device=o.device,
                ))
            else:
                from transcription.transcribe import Transcriber, TranscriberOptions

                model = str(models.bundled_whisper_dir(o.models_dir)) if o.asr_model == DEFAULT_ASR_MODEL else o.asr_model
                self._transcriber = Transcriber(TranscriberOptions(
                    model=model, device=o.device, compute_type=o.compute_type, cpu_threads=o.cpu_threads,
                    beam_size=o.beam_size,
                ))
        return self._transcriber

    @property
    def diarizer(self) -> Diarizer:
        if self._diarizer is None:
            from transcription.diarize import Diarizer, DiarizerOptions

            self._diarizer = Diarizer(DiarizerOptions(clustering_threshold=self.options.diarization_threshold,
                                                      device=self.options.device))
        return self._diarizer

    def for_worker(self, *, cpu_threads: int) -> "CallProcessor":
        """A fresh processor for another process (a Ray actor): the same options at ``cpu_threads``, the stages that
        were given (fakes in tests, a user's own) kept, the models it loaded itself left behind to be loaded there
        once (they do not pickle, and each worker needs its own)."""
        given_asr = self._transcriber if self._given[0] else None
        given_diarizer = self._diarizer if self._given[1] else None
        return CallProcessor(replace(self.options, cpu_threads=cpu_threads), transcriber=given_asr,
                             diarizer=given_diarizer)

    def load_models(self) -> None:
        """Load both models now (benchmarks measure load time apart)."""
        _ = self.transcriber, self.diarizer

    def _language(self, samples: np.ndarray, speech: list[dict] | None = None) -> tuple[str, float | None]:
        if self.options.language != "auto":
            return self.options.language, None
        return self.transcriber.detect_language(samples, self.options.allowed_languages, speech=speech)

    def __call__(self, recording: Recording, audio: DecodedAudio, metadata: CallMetadata, hook: Hook | None = None) -> ProcessedCall:
        from transcription.align import align_channels, align_mono, with_roles
        from transcription.diarize import diarize_channels, speech_stamps
        from transcription.roles import (
            MonoRoleRule,
            assign_channel_roles,
            assign_mono_roles,
        )

        started = time.perf_counter()
        notes: list[str] = []
        emit = hook or ignore
        channels = audio.channels
        stereo = audio.is_stereo and not _is_dual_mono(channels)
        if audio.is_stereo and not stereo:
            notes.append("stereo file with identical channels: processed as mono")
        mix = audio.mono()
        rate = audio.sample_rate_hz
        # Silero runs once per stream; diarization, language detection and ASR share its speech regions
        mix_speech = None if stereo else speech_stamps(mix, rate)

        emit(StageStarted("language"))
        language, language_p = self._language(mix, mix_speech)

        if stereo:
            emit(StageStarted("diarize"))
            stamps = tuple(speech_stamps(samples, rate) for samples in channels)
            diarization = diarize_channels(channels, rate, stamps=stamps)
            if not diarization.turns:
                raise RecordingError("no speech found on either channel (silence, noise or music only)")
            asr: dict[str, AsrResult] = {}
            for i, samples in enumerate(channels):
                emit(StageStarted(f"transcribe ch{i}"))
                asr[f"ch{i}"] = self.transcriber(samples, language=language, speech=stamps[i], hook=hook)
            roles = assign_channel_roles([f"ch{i}" for i in range(len(channels))], self.options.agent_channel)
            utterances = align_channels(asr, roles)
            dropped = [d for r in asr.values() for d in r.dropped]
            channel_of = {f"ch{i}": i for i in range(len(channels))}
        else:
            emit(StageStarted("transcribe"))
            result = self.transcriber(mix, language=language, speech=mix_speech, hook=hook)
            if not result.segments:
                raise RecordingError("no speech found (silence, noise or music only)")
            emit(StageStarted("diarize"))
            diarization = self.diarizer(mix, rate, hook=_pyannote_hook(hook))
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
        emit(StageStarted("features"))
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


def _pyannote_hook(hook: Hook | None) -> PyannoteHook | None:
    if hook is None:
        return None

    def relay(step_name, step_artifact, file=None, total=None, completed=None):  # pyannote's hook signature
        if total is not None and completed is not None:
            hook(StageProgress(f"diarize: {step_name}", completed, total))

    return relay
