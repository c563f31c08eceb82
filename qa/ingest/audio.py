"""The one audio decoder (PyAV, i.e. FFmpeg's decoders inside the ``av`` wheel).

WAV, FLAC, MP3, OGG/Opus, M4A/AAC and anything else FFmpeg reads; the container is probed by content, so a
file with a wrong extension still decodes. Errors are :class:`RecordingError` with a reason a QA lead understands.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.core.errors import RecordingError
from qa.core.types import DecodedAudio

SILENCE_PEAK = 10 ** (-80 / 20)  # -80 dBFS


def decode(path: Path, *, sample_rate_hz: int = 16000, max_duration_s: float | None = None) -> DecodedAudio:
    """Decode to float32 at ``sample_rate_hz``, keeping up to two channels."""
    import av

    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise RecordingError(f"not a readable audio file (corrupt or unsupported format): {_av_reason(exc)}") from exc
    with container:
        if not container.streams.audio:
            raise RecordingError("the file has no audio stream (is it a video thumbnail, text or image?)")
        stream = container.streams.audio[0]
        declared_s = float(container.duration) / 1_000_000 if container.duration else None
        if max_duration_s and declared_s and declared_s > max_duration_s:
            raise RecordingError(
                f"recording is {declared_s / 3600:.1f} h long, over the {max_duration_s / 3600:.1f} h limit "
                "(raise QA_MAX_DURATION_S to accept it)"
            )
        source_rate = stream.codec_context.sample_rate or 0
        n_channels = stream.codec_context.channels or 1
        layout = "stereo" if n_channels >= 2 else "mono"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate_hz)
        chunks: list[np.ndarray] = []
        max_samples = int(max_duration_s * sample_rate_hz) if max_duration_s else None
        decoded = 0
        try:
            for frame in container.decode(stream):
                frame.pts = None
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray()
                    chunks.append(chunk)
                    decoded += chunk.shape[1]
                if max_samples and decoded > max_samples:
                    raise RecordingError(
                        f"recording is over the {max_duration_s / 3600:.1f} h limit (raise QA_MAX_DURATION_S to accept it)"
                    )
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
        except av.error.FFmpegError as exc:
            done_s = decoded / sample_rate_hz
            raise RecordingError(f"recording is truncated or corrupt after {done_s:.1f} s: {_av_reason(exc)}") from exc
    if not chunks:
        raise RecordingError("recording holds no audio samples (zero length)")
    samples = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
    if samples.shape[1] < sample_rate_hz // 10:
        raise RecordingError(f"recording is too short to hold speech ({samples.shape[1] / sample_rate_hz:.2f} s)")
    if not np.isfinite(samples).all():
        raise RecordingError("decoded audio contains invalid values (corrupt file)")
    if float(np.max(np.abs(samples))) < SILENCE_PEAK:
        raise RecordingError("recording is silent (no signal above -80 dBFS): check the recorder's input")
    return DecodedAudio(
        channels=tuple(np.ascontiguousarray(c) for c in samples),
        sample_rate_hz=sample_rate_hz,
        source_sample_rate_hz=source_rate,
        codec=stream.codec_context.name or "unknown",
    )


def _av_reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip() if text else type(exc).__name__
