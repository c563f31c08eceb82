"""The data lifecycle: a customer's erasure request removes every word, quote, comment, clip and the recording
of a call while its scores keep counting; retention removes what is past its period; nothing personal is left in
the audit trail; a dry run changes nothing."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from qa.core.errors import ConfigError
from qa.db import calls as call_store
from qa.db import human, playlists, scores
from qa.db.engine import open_database
from qa.pipeline.batch import process_batch
from qa.pipeline.lifecycle import apply_retention, erase
from qa.pipeline.processor import CallProcessor, PipelineOptions
from qa.pipeline.rescore import score_stored
from qa.review import sessions
from qa.review.periods import parse_period
from qa.review.scorecards import build_report
from scoring.rubric import find_rubric
from tests.conftest import copy_sqlite
from tests.fakes import FakeDiarizer, FakeTranscriber, speechlike

RUBRIC = "order_desk"
ALL = parse_period("all")


@pytest.fixture
def engine(history_engine):
    return history_engine


def _everything_about(db_path, call_id: str) -> str:
    """Every text column of every row that names the call, as one string (what a leak would show up in)."""
    con = sqlite3.connect(db_path)
    try:
        parts = []
        for (table,) in con.execute("select name from sqlite_master where type='table' and name not like '%fts%'"):
            cols = [r[1] for r in con.execute(f"pragma table_info('{table}')")]
            for row in con.execute(f"select * from '{table}'"):
                text = json.dumps(row, ensure_ascii=False, default=str)
                if call_id in text or ("utterance_id" in cols and table == "word"):
                    parts.append(text)
        parts += [r[0] for r in con.execute("select text from utterance_fts where utterance_fts match ?",
                                            ('"Оформлен"',))]
        return "\n".join(parts)
    finally:
        con.close()


def _customer_words(engine, call_id):
    stored = call_store.load_call(engine, call_id=call_id)
    return [w for u in stored.transcript.utterances if u.role.value == "customer"
            for w in u.text.replace(",", " ").split() if len(w) > 6]


def test_erasure_removes_the_words_and_keeps_the_scores(engine, qa_home):
    call = scores.call_scores(engine, rubric_id=RUBRIC, operator_ids=["op-anna"])[0]
    words = _customer_words(engine, call.call_id)
    assert words
    before = build_report(engine, rubric_id=RUBRIC, period=ALL, operator_id="op-anna").operators[0].now
    session = sessions.open_session(engine, operator_id="op-anna", reviewer="olga", rubric_id=RUBRIC,
                                    pick=sessions.Pick("calls", calls=(call.call_id,)))
    sessions.add_comment(engine, session_id=session.session_id, call_ref=call.call_id, author="olga",
                         text=f"customer said {words[0]}", at_s=1.0)
    pl = playlists.create_playlist(engine, title="t", owner="tanya")
    playlists.add_clip(engine, playlist_id=pl.playlist_id, call_id=call.call_id, start_s=0, end_s=5, actor="tanya")

    with pytest.raises(ConfigError, match="ticket"):
        erase(engine, call_ref=call.call_id, actor="olga", ticket="Иванова Ирина +7 916")
    done = erase(engine, call_ref=call.call_id, actor="olga", ticket="GDPR-2026-118")

    assert done.utterances > 0 and done.quotes > 0 and done.clips == 1 and done.notes >= 1
    stored = call_store.load_call(engine, call_id=call.call_id)
    assert stored.transcript.utterances == () and stored.summary.erased_at is not None
    assert call_store.search_utterances(engine, query=words[0]) == [] or all(
        h.call_id != call.call_id for h in call_store.search_utterances(engine, query=words[0]))
    leak = _everything_about(qa_home / "qa.db", call.call_id)
    assert not [w for w in words if w in leak]
    assert playlists.load_playlist(engine, playlist_id=pl.playlist_id).items == ()
    card = next(c for c in scores.load_scorecards(engine, call_id=call.call_id) if c.rubric_id == RUBRIC)
    assert card.total == call.card.total
    assert all(e.quote in ("", "[removed]") for r in card.results for e in r.evidence)
    after = build_report(engine, rubric_id=RUBRIC, period=ALL, operator_id="op-anna").operators[0].now
    assert (after.calls, after.value("score")) == (before.calls, before.value("score"))  # KPIs keep the call
    outcome = score_stored(engine, [call.call_id], find_rubric(RUBRIC))[0]
    assert outcome.status == "transcript removed"  # an empty transcript is never re-scored into fails
    audit = human.audit_trail(engine, entity="call", entity_id=call.call_id)
    erased = [a for a in audit if a.action == "call.erase"]
    assert len(erased) == 1 and erased[0].details["ticket"] == "GDPR-2026-118" and erased[0].actor == "olga"


def test_erasure_deletes_the_recording_and_a_rerun_does_not_bring_it_back(tmp_path, empty_template):
    engine = open_database(copy_sqlite(empty_template, tmp_path / "qa.db"))
    wav = speechlike(tmp_path / "calls" / "op1_20261102_101500.wav", seconds=8, seed=3)
    copy = tmp_path / "keep.wav"
    copy.write_bytes(wav.read_bytes())
    processor = CallProcessor(PipelineOptions(), transcriber=FakeTranscriber(), diarizer=FakeDiarizer())
    call_id = process_batch(engine, [wav], processor=processor).outcomes[0].call_id
    done = erase(engine, call_ref=call_id, actor="olga", ticket="REQ-7")
    assert done.audio_deleted and not wav.exists()
    again = process_batch(engine, [copy], processor=processor).outcomes[0]  # the same bytes handed in again
    assert again.status == "skipped" and call_store.load_call(engine, call_id=call_id).transcript.utterances == ()


def test_retention_dry_run_changes_nothing_then_apply_removes_what_is_old(engine):
    ids = call_store.call_ids(engine)
    pl = playlists.create_playlist(engine, title="t", owner="tanya")
    playlists.add_clip(engine, playlist_id=pl.playlist_id, call_id=ids[0], start_s=0, end_s=5, actor="tanya")
    counts = call_store.table_counts(engine)
    with pytest.raises(ConfigError, match="QA_RETENTION_AUDIO_DAYS"):
        apply_retention(engine, audio_days=None, transcript_days=None, clips_days=None, actor="olga")
    dry = apply_retention(engine, audio_days=None, transcript_days=7, clips_days=None, actor="olga", dry_run=True)
    assert set(dry.transcripts) == set(ids)  # the history's calls are in Oct-Nov 2026, older than a week
    assert call_store.table_counts(engine) == counts
    # a period longer than the calls' age keeps everything
    assert apply_retention(engine, audio_days=None, transcript_days=3650, clips_days=3650, actor="olga").transcripts == ()
    done = apply_retention(engine, audio_days=None, transcript_days=7, clips_days=None, actor="olga")
    assert set(done.transcripts) == set(ids)
    assert all(call_store.load_call(engine, call_id=i).transcript.utterances == () for i in ids[:5])
    assert apply_retention(engine, audio_days=None, transcript_days=7, clips_days=None, actor="olga").transcripts == ()
    assert playlists.load_playlist(engine, playlist_id=pl.playlist_id).items  # clips: own period, not set


def test_cli_erase_needs_a_lead_and_a_ticket(engine):
    from cli import app

    call_id = call_store.call_ids(engine)[0]
    runner = CliRunner()
    got = runner.invoke(app, ["erase", call_id, "--by", "olga", "--yes"])
    assert got.exit_code == 2 and "--ticket" in got.output
    got = runner.invoke(app, ["erase", call_id, "--ticket", "GDPR-1", "--by", "olga", "--yes", "--json"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout)["call_id"] == call_id
    got = runner.invoke(app, ["retention", "apply", "--transcript-days", "7", "--dry-run", "--by", "olga"])
    assert got.exit_code == 0 and "would remove" in got.output
    from qa import access

    access.add_user(engine, login="olga", role="lead", password="a long password", actor="test")
    access.add_user(engine, login="tanya", role="trainer", password="a long password", actor="test")
    other = call_store.call_ids(engine)[1]
    got = runner.invoke(app, ["erase", other, "--ticket", "GDPR-2", "--as", "tanya", "--yes"])
    assert got.exit_code == 1 and "may not data erase" in got.output
    assert call_store.load_call(engine, call_id=other).summary.erased_at is None
    assert runner.invoke(app, ["erase", other, "--ticket", "GDPR-2", "--as", "olga", "--yes"]).exit_code == 0
