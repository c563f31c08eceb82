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
