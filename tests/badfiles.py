"""Generate a corpus of broken recordings, each with the reason we expect."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16000


def make_bad_corpus(folder: Path, good_wav: Path) -> dict[str, str]:
    """Write bad files into ``folder``; return {file name: expected words in the reason}."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    expected: dict[str, str] = {}

    def put(name: str, reason: str) -> Path:
        expected[name] = reason
        return folder / name

    put("empty.wav", "empty").touch()
    sf.write(put("header_only.wav", "no audio samples"), np.zeros(0, np.float32), SR)
    put("truncated_header.wav", "not a readable audio file").write_bytes(good_wav.read_bytes()[:30])
    samples, _ = sf.read(good_wav, dtype="float32")
    full = folder / "full.flac.tmp"
    sf.write(full, np.tile(samples, 5), SR, format="FLAC")
    data = full.read_bytes()
    full.unlink()
    put("truncated.flac", "truncated or corrupt").write_bytes(data[: len(data) // 3])
    put("random_bytes.wav", "not a readable audio file").write_bytes(rng.bytes(50_000))
    put("random_bytes.mp3", "not a readable audio file").write_bytes(rng.bytes(50_000))
    put("notes.wav", "not a readable audio file").write_text("call notes: the customer asked for a refund\n" * 100)
    put("picture.m4a", "no audio stream").write_bytes(b"\x89PNG\r\n\x1a\n" + rng.bytes(5_000))
    put("fake.ogg", "not a readable audio file").write_bytes(b"OggS" + rng.bytes(4_000))
    header = bytearray(good_wav.read_bytes()[:44])
    header[22:24] = struct.pack("<H", 0)  # zero channels
    put("zero_channels.wav", "not a readable audio file").write_bytes(bytes(header) + rng.bytes(2_000))
    sf.write(put("silence.wav", "silent"), np.zeros(5 * SR, np.float32), SR)
    sf.write(put("silence_stereo.flac", "silent"), np.zeros((5 * 8000, 2), np.float32), 8000)
    sf.write(put("too_short.wav", "too short"), rng.normal(0, 0.1, 300).astype(np.float32), SR)
    nan = rng.normal(0, 0.1, 2 * SR).astype(np.float32)
    nan[100:200] = np.nan
    sf.write(put("nan_samples.wav", "invalid values"), nan, SR, subtype="FLOAT")
    sf.write(put("white_noise.wav", "no speech"), rng.normal(0, 0.05, 4 * SR).astype(np.float32), SR)
    t = np.arange(4 * SR) / SR
    sf.write(put("dial_tone.wav", "no speech"), (0.3 * np.sin(2 * np.pi * 425 * t)).astype(np.float32), SR)
    long_t = np.arange(90 * 8000) / 8000
    sf.write(put("too_long.wav", "limit"), (0.2 * np.sin(2 * np.pi * 300 * long_t)).astype(np.float32), 8000)
    os.symlink("/nonexistent/recording.wav", put("moved_away.wav", "not found"))
    return expected


# ---------------------------------------------------------------- audio the telephony world produces

def _tone_speech(seconds: float, rate: int, seed: int, channels: int = 1) -> np.ndarray:
    """Word-like noise bursts (frames × channels for more than one channel, each channel its own bursts)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    out = np.zeros((n, channels), np.float32)
    for c in range(channels):
        t = int(0.2 * rate) + c * int(0.4 * rate)
        while t < n - rate // 2:
            length = int(rng.uniform(0.25, 0.5) * rate)
            out[t:t + length, c] = rng.normal(0, 0.15, length) * np.sin(np.linspace(0, np.pi, length)) ** 0.5
            t += length + int(rng.uniform(0.3, 1.0) * rate)
    return out if channels > 1 else out[:, 0]


def _sf(subtype: str, rate: int = 8000, channels: int = 1, fmt: str = "WAV"):
    return lambda p, seconds=3.0, seed=0: sf.write(p, _tone_speech(seconds, rate, seed, channels), rate, subtype=subtype, format=fmt)


def _av_write(container_format: str, codec: str, rate: int, video: bool = False):
    def write(path: Path, seconds: float = 3.0, seed: int = 0) -> None:
        import av

        samples = _tone_speech(seconds, rate, seed)
        with av.open(str(path), "w", format=container_format) as out:
            stream = out.add_stream(codec, rate=rate, layout="mono")
            if video:  # a screen recording or a video call: a small picture track beside the audio
                picture = out.add_stream("mpeg4", rate=5)
                picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
                for i in range(int(seconds * 5)):
                    frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 8 % 255, np.uint8), format="rgb24")
                    frame.pts = i
                    for packet in picture.encode(frame):
                        out.mux(packet)
                for packet in picture.encode(None):
                    out.mux(packet)
            fmt = stream.codec_context.codec.audio_formats[0].name
            step = stream.codec_context.frame_size or 1024
            for i in range(0, len(samples), step):
                chunk = samples[i:i + step]
                if len(chunk) < step and stream.codec_context.frame_size:
                    chunk = np.pad(chunk, (0, step - len(chunk)))
                data = (chunk * 32767).astype(np.int16)[None, :] if fmt.startswith("s16") else chunk[None, :]
                frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="mono")
                frame.sample_rate, frame.pts = rate, i
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
    return write


def _streaming_header(path: Path, seconds: float = 3.0, seed: int = 0) -> None:
    """A WAV as recorders write it while recording: RIFF and data sizes 'unknown' (0xFFFFFFFF)."""
    sf.write(path, _tone_speech(seconds, 8000, seed), 8000, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    data[4:8] = b"\xff\xff\xff\xff"
    at = data.index(b"data")
    data[at + 4:at + 8] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))


def _half_copied(path: Path, seconds: float = 6.0, seed: int = 0) -> None:
    sf.write(path, _tone_speech(seconds, 8000, seed), 8000, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# name -> (writer(path, seconds=, seed=), the decoder's codec name, channels after decoding)
TELEPHONY_FORMATS = {
    "mulaw_8k.wav": (_sf("ULAW"), "pcm_mulaw", 1),
    "alaw_8k.wav": (_sf("ALAW"), "pcm_alaw", 1),
    "mulaw_stereo.wav": (_sf("ULAW", channels=2), "pcm_mulaw", 2),
    "gsm610.wav": (_sf("GSM610"), "gsm_ms", 1),
    "ima_adpcm.wav": (_sf("IMA_ADPCM"), "adpcm_ima_wav", 1),
    "ms_adpcm.wav": (_sf("MS_ADPCM"), "adpcm_ms", 1),
    "g726_32k.wav": (_sf("G721_32"), "g726", 1),
    "pcm_u8.wav": (_sf("PCM_U8"), "pcm_u8", 1),
    "pcm_24bit.wav": (_sf("PCM_24", rate=48000), "pcm_s24le", 1),
    "pcm_32bit.wav": (_sf("PCM_32", rate=44100), "pcm_s32le", 1),
    "float32.wav": (_sf("FLOAT", rate=16000), "pcm_f32le", 1),
    "float64.wav": (_sf("DOUBLE", rate=16000), "pcm_f64le", 1),
    "rate_96k.wav": (_sf("PCM_24", rate=96000, channels=2), "pcm_s24le", 2),
    "rate_192k.flac": (_sf("PCM_24", rate=192000, fmt="FLAC"), "flac", 1),
    "amr_nb.amr": (_av_write("amr", "libopencore_amrnb", 8000), "amrnb", 1),
    "g722.wav": (_av_write("wav", "g722", 16000), "g722", 1),
    "video_call.mp4": (_av_write("mp4", "aac", 16000, video=True), "aac", 1),
    "video_call.mkv": (_av_write("matroska", "aac", 16000, video=True), "aac", 1),
    "phone_memo.3gp": (_av_write("3gp", "libopencore_amrnb", 8000), "amrnb", 1),
    "sun_mulaw.au": (_sf("ULAW", fmt="AU"), "pcm_mulaw", 1),
    "recording_in_progress_header.wav": (_streaming_header, "pcm_s16le", 1),
}

# name -> (writer(path), words of the reason it is refused)
REFUSED_FORMATS = {
    "half_copied.wav": (_half_copied, "shorter than its WAV header says"),
    "four_channels.wav": (_sf("PCM_16", channels=4), "has 4 channels"),
    "six_channels.flac": (_sf("PCM_16", channels=6, fmt="FLAC"), "has 6 channels"),
}
