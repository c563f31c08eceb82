"""The one audio decoder (PyAV, i.e. FFmpeg's decoders inside the ``av`` wheel), and the few edits we make.

WAV, FLAC, MP3, OGG/Opus, M4A/AAC and anything else FFmpeg reads; the container is probed by content, so a
file with a wrong extension still decodes. Errors are :class:`RecordingError` with a reason a QA lead understands.

Edits work on decoded samples (1-D mono or 2-D channels × samples) and return copies: :func:`mute` silences (or
bleeps) the spans ``qa.privacy.redact`` finds, :func:`cut` takes a clip for a playlist, :func:`write_audio`
writes WAV, FLAC or OGG through ``soundfile`` (libsndfile; the decoder stays PyAV).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.core.errors import RecordingError
from qa.core.types import DecodedAudio

SILENCE_PEAK = 10 ** (-80 / 20)  # -80 dBFS


MAX_CHANNELS = 2  # one party per channel at most; more needs the user's choice of which two


def decode(path: Path, *, sample_rate_hz: int = 16000, max_duration_s: float | None = None) -> DecodedAudio:
    """Decode to float32 at ``sample_rate_hz``: mono, or stereo with one party per channel.

    Refused with a :class:`RecordingError`: a WAV shorter than its header says (a copy still in progress, or cut
    off: storing it would add a shorter call now and a second one once the copy ends), and more than two channels
    (which two are the agent and the customer is the user's choice, not a downmix's).
    """
    import av

    _refuse_short_wav(path)
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
        if n_channels > MAX_CHANNELS:
            raise RecordingError(
                f"recording has {n_channels} channels; qa reads mono or stereo (agent and customer on one channel "
                "each). Keep the two parties' channels, e.g. ffmpeg -i IN -af 'pan=stereo|c0=c0|c1=c1' OUT.wav"
            )
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


def _refuse_short_wav(path: Path) -> None:
    """A RIFF/WAVE file whose ``data`` chunk declares more bytes than the file holds is incomplete. FFmpeg would
    quietly decode the part that is there. Sizes 0 and 0xFFFFFFFF mean "unknown" (recorders streaming a file)."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
            size = f.seek(0, 2)
    except OSError:
        return  # the decoder reports unreadable files
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    offset = 12
    while offset + 8 <= len(head):
        chunk, length = head[offset:offset + 4], int.from_bytes(head[offset + 4:offset + 8], "little")
        if chunk == b"data":
            if length in (0, 0xFFFFFFFF) or offset + 8 + length <= size:
                return
            held = (size - offset - 8) / length
            raise RecordingError(
                f"recording is shorter than its WAV header says ({held:.0%} of the declared audio is there): "
                "the copy is still in progress or was cut off; process it again once the file is complete"
            )
        offset += 8 + length + (length & 1)


def _av_reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip() if text else type(exc).__name__


BLEEP_AMPLITUDE = 0.1  # -20 dBFS: audible as "something was removed", not loud
WRITE_FORMATS = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".ogg": ("OGG", "VORBIS")}


def mute(samples: np.ndarray, sample_rate_hz: int, spans: Sequence[tuple[float, float]], *, pad_s: float = 0.05,
         bleep_hz: float | None = None) -> np.ndarray:
    """A copy of ``samples`` with each ``(start_s, end_s)`` span, widened by ``pad_s`` on both sides, set to zero,
    or to a quiet sine at ``bleep_hz``. Word times from ASR are a little tight, hence the padding."""
    if sample_rate_hz <= 0 or pad_s < 0:
        raise ValueError(f"mute needs sample_rate_hz > 0 and pad_s >= 0 (got {sample_rate_hz}, {pad_s})")
    out = np.array(samples, copy=True)
    for start_s, end_s in spans:
        a, b = _bounds(out.shape[-1], sample_rate_hz, start_s - pad_s, end_s + pad_s)
        if b > a:
            out[..., a:b] = 0 if bleep_hz is None else _bleep(a, b, sample_rate_hz, bleep_hz, out.dtype)
    return out


def cut(samples: np.ndarray, sample_rate_hz: int, start_s: float, end_s: float) -> np.ndarray:
    """A copy of the samples from ``start_s`` to ``end_s``, clamped to the recording (empty when they miss it)."""
    if sample_rate_hz <= 0:
        raise ValueError(f"cut needs sample_rate_hz > 0 (got {sample_rate_hz})")
    a, b = _bounds(samples.shape[-1], sample_rate_hz, start_s, end_s)
    return np.array(samples[..., a:max(a, b)], copy=True)


def write_audio(path: Path, samples: np.ndarray, sample_rate_hz: int) -> None:
    """Write mono (1-D) or channels × samples (2-D) audio as ``.wav``/``.flac`` (16-bit) or ``.ogg`` (Vorbis)."""
    import soundfile

    fmt = WRITE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RecordingError(f"cannot write {path.name}: name the file .wav, .flac or .ogg")
    data = np.asarray(samples)
    if data.ndim not in (1, 2) or data.size == 0:
        raise RecordingError(
            f"cannot write {path.name}: expected mono or channels × samples audio, got shape {data.shape}"
        )
    if data.ndim == 2:
        data = data.T  # soundfile wants frames × channels
    if np.issubdtype(data.dtype, np.floating):
        data = np.clip(data, -1.0, 1.0).astype(np.float32)
    try:
        soundfile.write(str(path), data, sample_rate_hz, format=fmt[0], subtype=fmt[1])
    except (RuntimeError, OSError, ValueError) as exc:  # soundfile.LibsndfileError is a RuntimeError
        raise RecordingError(f"cannot write {path.name}: {exc} (is the folder writable, the disk full?)") from exc


def _bounds(n: int, sample_rate_hz: int, start_s: float, end_s: float) -> tuple[int, int]:
    a = int(np.floor(start_s * sample_rate_hz))
    b = int(np.ceil(end_s * sample_rate_hz))
    return min(max(a, 0), n), min(max(b, 0), n)


def _bleep(a: int, b: int, sample_rate_hz: int, bleep_hz: float, dtype: np.dtype) -> np.ndarray:
    tone = BLEEP_AMPLITUDE * np.sin(2 * np.pi * bleep_hz * np.arange(a, b) / sample_rate_hz)
    if np.issubdtype(dtype, np.integer):
        tone = tone * np.iinfo(dtype).max
    return tone.astype(dtype)
