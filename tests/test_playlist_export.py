"""A playlist exported for new hires: playable clips of the right length, the HTML page, and no planted personal
data left — masked in every text, silent in the audio where it was said. The fast test plants the words through a
fake recogniser on a speech-like recording; the ``models`` test runs a real synthetic call through Whisper."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from qa.core.types import AsrResult, AsrSegment, Diarization, SpeakerTurn, Word
from qa.db import playlists
from qa.db.engine import open_database
from qa.pipeline.batch import process_batch
from qa.pipeline.processor import CallProcessor, PipelineOptions
from qa.reports.playlist import export_playlist
from tests.conftest import copy_sqlite
from tests.fakes import speech_regions, speechlike


def luhn_valid(prefix: str) -> str:
    """``prefix`` + the check digit that makes it pass Luhn."""
    for d in "0123456789":
        digits = [int(c) for c in prefix + d][::-1]
        total = sum(x if i % 2 == 0 else (x * 2 - 9 if x * 2 > 9 else x * 2) for i, x in enumerate(digits))
        if total % 10 == 0:
            return prefix + d
    raise AssertionError


CARD = luhn_valid("427616001234567")
# (text, is personal data): what the "customer" says, word by word
PLANTED = [
    ("Добрый", False), ("день,", False), ("меня", False), ("зовут", False), ("Ирина", True), ("Ковалёва.", True),
    ("Мой", False), ("телефон", False), ("восемь", True), ("девятьсот", True), ("шестнадцать", True),
    ("четыреста", True), ("двадцать", True), ("тридцать", True), ("один", True), ("ноль", True), ("семь.", True),
    ("Второй", False), ("номер", False), ("+7", True), ("495", True), ("123-45-67.", True),
    ("Карта", False), (CARD[:4], True), (CARD[4:8], True), (CARD[8:12], True), (CARD[12:], True),
    ("почта", False), ("irina.kovaleva@mail.ru,", True),
    ("адрес", False), ("улица", True), ("Ленина,", True), ("дом", True), ("5,", True), ("квартира", True), ("12.", True),
    ("Спасибо", False), ("большое.", False),
]
SECRETS = ["Ирина", "Ковал", "девятьсот шестнадцать", "495", "123-45-67", CARD[:4] + " " + CARD[4:8], "irina.kovaleva",
           "mail.ru", "Ленина", "квартира 12"]


class PlantedTranscriber:
    """Every speech region of the file gets the next planted words, 0.4 s each (one segment per region)."""

    def detect_language(self, samples, allowed, speech=None):
        return "ru", 0.99

    def __call__(self, samples: np.ndarray, *, language: str, speech=None, hook=None) -> AsrResult:
        segments, n = [], 0
        for start, end in speech_regions(samples):
            words = []
            t = start
            while t + 0.4 <= end + 1e-9 and n < len(PLANTED):
                words.append(Word(round(t, 3), round(t + 0.4, 3), " " + PLANTED[n][0], 0.95))
                t, n = t + 0.4, n + 1
            if words:
                segments.append(AsrSegment(start_s=words[0].start_s, end_s=words[-1].end_s,
                                           text="".join(w.text for w in words).strip(), words=tuple(words),
                                           avg_logprob=-0.1, no_speech_prob=0.01, compression_ratio=1.1))
        assert n == len(PLANTED), "the recording is long enough for every planted word"
        return AsrResult(segments=tuple(segments), language=language, language_probability=0.99)


class TwoSpeakerDiarizer:
    """The first speech region is one speaker, every later one the other (who then dictates her details)."""

    def __call__(self, samples: np.ndarray, sample_rate_hz: int, *, hook=None) -> Diarization:
        turns = tuple(SpeakerTurn("SPEAKER_00" if i == 0 else "SPEAKER_01", a, b)
                      for i, (a, b) in enumerate(speech_regions(samples, sample_rate_hz)))
        return Diarization(turns=turns, method="pyannote")


def silent(samples: np.ndarray, rate: int, start_s: float, end_s: float) -> bool:
    a, b = int(start_s * rate), int(end_s * rate)
    return b > a and float(np.max(np.abs(samples[a:b]))) == 0.0


@pytest.fixture
def stored_call(tmp_path, empty_template):
    engine = open_database(copy_sqlite(empty_template, tmp_path / "qa.db"))
    wav = speechlike(tmp_path / "calls" / "op-anna_20261102_101500.wav", seconds=40, seed=11)
    processor = CallProcessor(PipelineOptions(), transcriber=PlantedTranscriber(), diarizer=TwoSpeakerDiarizer())
    outcome = process_batch(engine, [wav], processor=processor).outcomes[0]
    assert outcome.status == "processed", outcome.reason
    yield engine, outcome.call_id
    engine.dispose()


def _export(engine, call_id, folder: Path, start_s: float, end_s: float, redacted: bool = True):
    pl = playlists.create_playlist(engine, title="Onboarding week 1", owner="tanya", audience="new hires")
    playlists.add_clip(engine, playlist_id=pl.playlist_id, call_id=call_id, start_s=start_s, end_s=end_s,
                       actor="tanya", note="how a customer dictates details")
    return export_playlist(engine, playlist_id=pl.playlist_id, folder=folder, actor="tanya", redacted=redacted)


def test_the_export_keeps_no_planted_personal_data(stored_call, tmp_path):
    engine, call_id = stored_call
    from qa.db import calls as call_store

    words = [w for u in call_store.load_call(engine, call_id=call_id).transcript.utterances for w in u.words]
    assert [w.text.strip() for w in words] == [text for text, _ in PLANTED]
    start_s, end_s = 0.5, words[-1].end_s + 0.5
    exported = _export(engine, call_id, tmp_path / "out", start_s, end_s)
    clip = exported.clips[0]
    page = (tmp_path / "out" / "index.html").read_text("utf-8")
    manifest = (tmp_path / "out" / "playlist.json").read_text("utf-8")
    assert "<audio controls" in page and clip.audio in page and "how a customer dictates details" in page
    for secret in SECRETS:
        assert secret not in page and secret not in manifest, secret
    assert all(mark in page for mark in ("[name]", "[phone]", "[card]", "[email]", "[address]"))
    samples, rate = soundfile.read(tmp_path / "out" / clip.audio)
    assert abs(len(samples) / rate - (end_s - start_s)) < 0.01  # playable, and the clip's length
    muted = json.loads(manifest)["clips"][0]["muted"]
    for w, (_, personal) in zip(words, PLANTED):
        inside = any(m["start_s"] <= w.start_s and w.end_s <= m["end_s"] for m in muted)
        assert inside == personal, w.text
        if personal:
            assert silent(samples, rate, w.start_s - start_s, w.end_s - start_s), w.text
    spoken = [w for w, (_, personal) in zip(words, PLANTED) if not personal and w.start_s >= start_s]
    assert all(not silent(samples, rate, w.start_s - start_s, w.end_s - start_s) for w in spoken[:3])


def test_without_redaction_the_words_are_kept_and_nothing_is_muted(stored_call, tmp_path):
    engine, call_id = stored_call
    exported = _export(engine, call_id, tmp_path / "raw", 0.0, 20.0, redacted=False)
    assert exported.clips[0].muted == ()
    assert "Ирина" in (tmp_path / "raw" / "index.html").read_text("utf-8")


def test_a_clip_whose_transcript_expired_is_never_played(stored_call, tmp_path):
    from qa.db.lifecycle import remove_transcripts

    engine, call_id = stored_call
    remove_transcripts(engine, call_ids=[call_id], actor="olga", days=30)  # what retention does past 30 days
    exported = _export(engine, call_id, tmp_path / "late", 0.0, 20.0)
    assert exported.clips[0].audio is None and "cannot be found and muted" in exported.clips[0].problem
    assert not list((tmp_path / "late" / "clips").iterdir())


def test_an_export_never_overwrites_a_folder_it_did_not_write(stored_call, tmp_path):
    from qa.core.errors import ConfigError

    engine, call_id = stored_call
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        _export(engine, call_id, busy, 0.0, 5.0)
    assert (busy / "notes.txt").read_text() == "mine"


@pytest.mark.models
def test_a_real_call_exported_with_its_phone_number_muted(processor, eval_dir, tmp_path, empty_template):
    """ru-dev-004 (synthetic stereo) through Whisper: the customer dictates a phone number in words and the agent
    names her; neither survives the export, and the audio there is silent."""
    engine = open_database(copy_sqlite(empty_template, tmp_path / "qa.db"))
    recording = eval_dir / "synthetic" / "ru-dev-004" / "stereo.flac"
    outcome = process_batch(engine, [recording], processor=processor).outcomes[0]
    assert outcome.status in ("processed", "skipped"), outcome.reason
    exported = _export(engine, outcome.call_id, tmp_path / "out", 25.0, 62.0)
    clip = exported.clips[0]
    text = " ".join(u.text for u in clip.snippet)
    print("redacted snippet:", text)
    assert "[phone]" in text and "[name]" in text
    for secret in ("916", "девятьсот", "Ковал", "Ирин"):
        assert secret not in text
    samples, rate = soundfile.read(tmp_path / "out" / clip.audio)
    assert abs(len(samples) / rate - 37.0) < 0.05
    kinds = {k for _, _, k in clip.muted}
    assert {"phone", "name"} <= kinds
    for a, b, _ in clip.muted:
        assert silent(samples if samples.ndim == 1 else np.abs(samples).max(axis=1), rate, max(a, 25.0) - 25.0, min(b, 62.0) - 25.0)
    engine.dispose()


def test_cli_export_redact_and_playlist_export(stored_call, tmp_path, monkeypatch, eval_dir):
    from typer.testing import CliRunner

    from cli import app
    from qa.pipeline.imports import import_files

    engine, call_id = stored_call
    monkeypatch.setenv("QA_DB_URL", str(engine.url))
    imported = import_files(engine, [eval_dir / "synthetic" / "ru-dev-004" / "transcript.json"])[0]
    runner = CliRunner()
    plain = runner.invoke(app, ["export", imported.call_id, "--format", "txt"])
    masked = runner.invoke(app, ["export", imported.call_id, "--format", "txt", "--redact"])
    assert plain.exit_code == masked.exit_code == 0
    assert "Восемь девятьсот шестнадцать" in plain.stdout and "Ковалёву" in plain.stdout
    assert "девятьсот шестнадцать" not in masked.stdout and "Ковалёву" not in masked.stdout
    assert "[phone]" in masked.stdout and "[name]" in masked.stdout
    assert [line[:10] for line in masked.stdout.splitlines()] == [line[:10] for line in plain.stdout.splitlines()]
    as_json = runner.invoke(app, ["export", imported.call_id, "--format", "json", "--redact"]).stdout
    assert "девятьсот шестнадцать" not in as_json and "Ковалёву" not in as_json and '"[phone]' in as_json
    made = runner.invoke(app, ["playlist", "create", "Week 1", "--by", "tanya", "--json"])
    pid = str(json.loads(made.stdout)["playlist_id"])
    assert runner.invoke(app, ["playlist", "add", pid, call_id, "--start", "0", "--end", "10", "--by", "tanya"]).exit_code == 0
    got = runner.invoke(app, ["playlist", "export", pid, str(tmp_path / "week1"), "--by", "tanya", "--json"])
    assert got.exit_code == 0, got.output
    clip = json.loads(got.stdout)["clips"][0]
    assert (tmp_path / "week1" / clip["audio"]).is_file() and clip["muted"]
    again = runner.invoke(app, ["playlist", "export", pid, str(tmp_path / "week1"), "--by", "tanya"])
    assert again.exit_code == 1 and "--replace" in again.output
