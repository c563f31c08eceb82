"""Ingest: decoding formats, channels, hashing (no models)."""

from __future__ import annotations

import shutil

import av
import numpy as np
import pytest
import soundfile as sf

from qa.core.errors import RecordingError
from qa.ingest.audio import decode
from qa.ingest.recordings import find_recordings, identify
from qa.pipeline.processor import _is_dual_mono
from tests.badfiles import REFUSED_FORMATS, TELEPHONY_FORMATS
from tests.conftest import SAMPLES


def _encode_m4a(samples: np.ndarray, rate: int, path) -> None:
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples[None, :].astype(np.float32), format="fltp", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def test_decodes_every_bundled_format_to_16k_keeping_channels():
    stereo = decode(SAMPLES / "ru_order_stereo.flac")
    assert stereo.is_stereo and stereo.sample_rate_hz == 16000 and stereo.source_sample_rate_hz == 8000
    assert stereo.duration_s == pytest.approx(sf.info(SAMPLES / "ru_order_stereo.flac").duration, abs=0.05)
    # the agent (left) and the customer (right) are different signals
    assert not _is_dual_mono(stereo.channels)
    for name in ("en_order_mono.mp3", "ru_delivery_mono.ogg"):
        audio = decode(SAMPLES / name)
        assert len(audio.channels) == 1 and audio.duration_s > 20
    wav = decode(SAMPLES / "en_support_stereo.wav")
    assert wav.codec == "pcm_mulaw" and wav.is_stereo


def test_m4a_and_wrong_extension(tmp_path):
    rate = 16000
    tone = 0.3 * np.sin(2 * np.pi * 300 * np.arange(3 * rate) / rate)
    _encode_m4a(tone, rate, tmp_path / "call.m4a")
    audio = decode(tmp_path / "call.m4a")
    assert audio.codec == "aac" and audio.duration_s == pytest.approx(3.0, abs=0.1)
    shutil.copy(SAMPLES / "en_order_mono.mp3", tmp_path / "mislabelled.wav")
    assert decode(tmp_path / "mislabelled.wav").codec.startswith("mp3")


def test_dual_mono_stereo_is_detected(tmp_path):
    mono = decode(SAMPLES / "en_order_mono.mp3").channels[0]
    sf.write(tmp_path / "dual.wav", np.stack([mono, mono], axis=1), 16000)
    assert _is_dual_mono(decode(tmp_path / "dual.wav").channels)


def test_identity_is_the_content_not_the_name(tmp_path):
    a = identify(SAMPLES / "en_order_mono.mp3")
    shutil.copy(SAMPLES / "en_order_mono.mp3", tmp_path / "renamed.mp3")
    b = identify(tmp_path / "renamed.mp3")
    assert a.sha256 == b.sha256 and a.call_id == b.call_id == a.sha256[:12]


def test_long_recordings_are_refused_before_decoding(tmp_path):
    sf.write(tmp_path / "long.wav", np.zeros(70 * 8000, np.float32) + 0.01, 8000)
    with pytest.raises(RecordingError, match="over the 0.0 h limit|limit"):
        decode(tmp_path / "long.wav", max_duration_s=60)


def test_folders_are_searched_recursively_for_audio(tmp_path):
    (tmp_path / "day1" / "sub").mkdir(parents=True)
    for name in ("day1/a.wav", "day1/sub/b.MP3", "day1/notes.txt", "day1/.hidden.wav"):
        (tmp_path / name).write_bytes(b"x")
    found, ignored = find_recordings([tmp_path, tmp_path / "day1" / "a.wav"])
    assert [p.name for p in found] == ["a.wav", "b.MP3"]
    assert [p.name for p in ignored] == ["notes.txt"]


@pytest.mark.parametrize("name", sorted(TELEPHONY_FORMATS))
def test_telephony_formats_decode_to_16k_with_their_length_and_channels(tmp_path, name):
    write, codec, channels = TELEPHONY_FORMATS[name]
    write(tmp_path / name, seconds=3.0, seed=1)
    audio = decode(tmp_path / name)
    assert audio.codec == codec and len(audio.channels) == channels
    assert audio.sample_rate_hz == 16000 and audio.duration_s == pytest.approx(3.0, abs=0.1)
    assert all(float(np.max(np.abs(c))) > 0.05 for c in audio.channels)  # the signal survived on every channel


@pytest.mark.parametrize("name", sorted(REFUSED_FORMATS))
def test_half_copied_and_many_channel_recordings_are_refused_saying_what_to_do(tmp_path, name):
    write, words = REFUSED_FORMATS[name]
    write(tmp_path / name)
    with pytest.raises(RecordingError, match=words) as caught:
        decode(tmp_path / name)
    assert "\n" not in str(caught.value) and ("once the file is complete" in str(caught.value) or "ffmpeg" in str(caught.value))
