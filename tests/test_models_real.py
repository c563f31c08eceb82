"""The real bundled models on real audio from ../shared/eval (no mocks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.core.types import CallMetadata, Role
from qa.ingest.audio import decode
from qa.ingest.recordings import identify
from qa.metrics import (
    diarization_error_rate,
    read_rttm,
    role_agreement,
    word_error_rate,
)

pytestmark = pytest.mark.models


def test_telephone_sample_diarization_der_within_10_percent(eval_dir, diarizer):
    folder = eval_dir / "real" / "pyannote_sample_call"
    audio = decode(folder / "sample.wav")
    diarization = diarizer(audio.mono(), audio.sample_rate_hz)
    assert len(diarization.speakers) == 2
    der = diarization_error_rate(read_rttm(folder / "sample.rttm"), diarization.turns, collar_s=0.5)
    assert der <= 0.10, f"DER {der:.1%}"


def test_telephone_sample_wer_within_25_percent(eval_dir, processor):
    folder = eval_dir / "real" / "pyannote_sample_call"
    path = folder / "sample.wav"
    call = processor(identify(path), decode(path), CallMetadata())
    reference = " ".join(line.split(maxsplit=5)[5] for line in (folder / "sample.stm").read_text().splitlines() if line.strip())
    wer = word_error_rate(reference, call.transcript.text)
    assert call.transcript.language == "en"
    assert wer <= 0.25, f"WER {wer:.1%}: {call.transcript.text}"
    # both speakers got words, and every utterance carries timed words
    assert {u.speaker for u in call.transcript.utterances} == set(call.diarization.speakers)
    assert all(u.words and u.start_s <= u.words[0].start_s for u in call.transcript.utterances)


def test_russian_utterance_key_words(eval_dir, transcriber):
    audio = decode(eval_dir / "real" / "pisets_ru_asr_smoke" / "test_sound_ru.wav")
    lang, _ = transcriber.detect_language(audio.mono(), ("ru", "uk", "en"))
    assert lang == "ru"
    text = " ".join(s.text for s in transcriber(audio.mono(), language="ru").segments).lower()
    # «нейронные сети это хорошо»: stems survive Whisper base's case endings
    for stem in ("нейрон", "сет", "хорош"):
        assert stem in text, text


def test_silence_yields_no_utterances(eval_dir, transcriber, processor):
    path = eval_dir / "real" / "pisets_ru_asr_smoke" / "test_silence.wav"
    audio = decode(path)
    assert transcriber(audio.mono(), language="ru").segments == ()
    from qa.core.errors import RecordingError

    with pytest.raises(RecordingError, match="no speech"):
        processor(identify(path), audio, CallMetadata())


def _process_synthetic(processor, folder: Path, audio_name: str):
    """Run a synthetic call through the pipeline; return (call, reference json, role agreement)."""
    path = folder / audio_name
    call = processor(identify(path), decode(path), CallMetadata())
    reference = json.loads((folder / "transcript.json").read_text())
    ref = [(u["role"], u["start_s"], u["end_s"]) for u in reference["utterances"]]
    hyp = [(u.role.value, u.start_s, u.end_s) for u in call.transcript.utterances]
    return call, reference, role_agreement(ref, hyp)


@pytest.mark.parametrize("call_name", ["ru-dev-002", "en-dev-004"])
def test_stereo_synthetic_call_roles(eval_dir, processor, call_name):
    call, reference, agreement = _process_synthetic(processor, eval_dir / "synthetic" / call_name, "stereo.flac")
    assert call.mode == "stereo"
    assert agreement >= 0.95
    assert call.transcript.utterances[0].role == Role.AGENT
    assert call.transcript.language == reference["language"]
    assert call.transcript.role_assignment.method == "channel:ch0"


def test_mono_synthetic_call_roles_from_content(eval_dir, processor):
    call, _, agreement = _process_synthetic(processor, eval_dir / "synthetic" / "ru-dev-002", "mono.flac")
    assert call.mode == "mono"
    assert agreement >= 0.85
    assert call.transcript.role_assignment.method == "content"
    assert call.transcript.role_assignment.confidence > 0.5
    agent = call.features.for_role(Role.AGENT)
    assert agent is not None and agent.talk_s > 0 and agent.speech_rate_wpm


def test_english_clip_is_recognised_nearly_verbatim(eval_dir, transcriber):
    audio = decode(eval_dir / "real" / "ru_speech" / "en_jfk.flac")
    text = " ".join(s.text for s in transcriber(audio.mono(), language="en").segments)
    reference = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
    assert word_error_rate(reference, text) <= 0.1, text


def test_a_recording_reads_the_same_whatever_came_before(eval_dir, transcriber):
    """Whisper samples on windows it cannot decode confidently; that must not make the words depend
    on the batch order (a resumed batch would store other words than a clean run)."""
    from tests.conftest import SAMPLES
    from transcription.transcribe import Transcriber

    hard = decode(SAMPLES / "ru_delivery_mono.ogg").mono()  # its customer turns need the fallback
    other = decode(eval_dir / "real" / "pisets_ru_asr_smoke" / "test_sound_en.wav").mono()

    def words(t) -> list[tuple]:
        return [(w.text, w.start_s, w.probability) for s in t(hard, language="ru").segments for w in s.words]

    alone = words(Transcriber(transcriber.options))
    transcriber(other, language="en")
    after_other = words(transcriber)
    assert alone == after_other
    assert words(transcriber) == alone


def test_a_long_recording_read_in_pieces_keeps_its_words_and_clock(eval_dir, transcriber):
    """Long recordings go through ASR a piece of speech at a time (flat memory); the pieces are cut at pauses,
    so the words, and their times on the recording's clock, stay those of one pass."""
    from dataclasses import replace

    from transcription.diarize import speech_stamps
    from transcription.transcribe import Transcriber

    agent = decode(eval_dir / "synthetic" / "en-dev-004" / "stereo.flac").channels[0]
    speech = speech_stamps(agent, 16000)
    whole = transcriber(agent, language="en", speech=speech)
    pieces = Transcriber(replace(transcriber.options, max_speech_s=15.0))(agent, language="en", speech=speech)
    spoken = [(r["start"] / 16000 - 0.05, r["end"] / 16000 + 0.05) for r in speech]
    words = [w for s in pieces.segments for w in s.words]
    assert len(speech) >= 4 and words
    assert all(any(a <= w.start_s <= b for a, b in spoken) for w in words)  # on the recording's clock
    assert [w.start_s for w in words] == sorted(w.start_s for w in words)
    text = lambda r: " ".join(s.text for s in r.segments)  # noqa: E731
    assert word_error_rate(text(whole), text(pieces)) < 0.1
