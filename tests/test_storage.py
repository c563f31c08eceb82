"""Storage on SQLite and on a real PostgreSQL server (no models: imported transcripts)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from qa.core.errors import NotFound
from qa.core.types import CallMetadata, call_id_for
from qa.db import calls as call_store
from qa.db import scores
from qa.db.engine import make_engine, open_database
from qa.db.migrate import current_revision, head_revision, upgrade
from qa.ingest.interchange import read_interchange
from qa.pipeline.imports import import_files


@pytest.fixture
def engine(db_url):
    engine = open_database(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def dev_files(eval_dir) -> list[Path]:
    return sorted((eval_dir / "labeled-dev").glob("*.json"))[:6]


def test_import_roundtrip_keeps_transcript_labels_and_metadata(engine, dev_files):
    results = import_files(engine, dev_files)
    assert [r.status for r in results] == ["imported"] * len(dev_files)
    source = json.loads(dev_files[0].read_text())
    call_id = call_store.resolve_call(engine, ref=source["call_id"])
    stored = call_store.load_call(engine, call_id=call_id)
    assert stored.summary.external_id == source["call_id"]
    assert stored.metadata.operator_id == source["operator"]
    assert stored.metadata.started_at == datetime.fromisoformat(source["started_at"])
    assert [(u.role.value, u.start_s, u.end_s, u.text) for u in stored.transcript.utterances] == sorted(
        [(u["role"], u["start_s"], u["end_s"], u["text"]) for u in source["utterances"]], key=lambda x: x[1]
    )
    assert stored.features is not None and stored.features.talk_s > 0
    with engine.connect() as conn:
        labels = dict(conn.execute(text("select criterion_id, verdict from humanlabel where call_id = :c"), {"c": call_id}).all())
    assert labels == source["labels"]
    # the same files again: nothing new, nothing changed
    again = import_files(engine, dev_files)
    assert [r.status for r in again] == ["skipped"] * len(dev_files)
    assert call_store.table_counts(engine)["calls"] == len(dev_files)


def test_list_filters_and_resolve(engine, dev_files):
    import_files(engine, dev_files)
    calls = call_store.list_calls(engine)
    assert len(calls) == len(dev_files)
    assert [c.started_at for c in calls] == sorted(c.started_at for c in calls)
    operator = calls[0].operator_id
    mine = call_store.list_calls(engine, operator=operator)
    assert mine and all(c.operator_id == operator for c in mine)
    day = calls[0].started_at.replace(hour=0, minute=0, second=0)
    same_day = call_store.list_calls(engine, date_from=day, date_to=day.replace(day=day.day + 1))
    assert calls[0] in same_day and all(c.started_at.date() == day.date() for c in same_day)
    assert call_store.resolve_call(engine, ref=calls[0].call_id) == calls[0].call_id
    assert call_store.resolve_call(engine, ref=calls[0].file_name) == calls[0].call_id
    with pytest.raises(NotFound, match="qa calls"):
        call_store.resolve_call(engine, ref="no-such-call")


def test_failure_never_overwrites_a_processed_call(engine, dev_files):
    import_files(engine, dev_files[:1])
    call = read_interchange(dev_files[0])
    call_id = call_id_for(call.sha256)
    before = call_store.load_call(engine, call_id=call_id)
    call_store.save_failure(engine, call_id=call_id, sha256=call.sha256, path=dev_files[0], reason="boom", batch_id=None, metadata=CallMetadata())
    assert call_store.load_call(engine, call_id=call_id) == before
    # a failure on a new file is recorded with its reason, and a later success replaces it
    call_store.save_failure(engine, call_id="abc123abc123", sha256=None, path=Path("x.wav"), reason="file is empty", batch_id=None, metadata=CallMetadata(operator_id="op-new"))
    failed = call_store.list_calls(engine, status="failed")
    assert [(c.call_id, c.error, c.operator_id) for c in failed] == [("abc123abc123", "file is empty", "op-new")]


def test_migrations_are_at_head_and_upgrade_keeps_data(db_url, tmp_path):
    """A database created by the first release (revision 0001) keeps its calls through the upgrades, and
    scorecards stored before 0004 get the critical-fail rule of the rubric file they were scored with."""
    rubrics_dir = tmp_path / "rubrics"
    rubrics_dir.mkdir()
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:  # rows as release 0001 wrote them
        conn.execute(text("insert into operator (id, name, created_at) values ('op-1', 'Anna', '2026-11-01 09:00:00')"))
        conn.execute(text(
            "insert into call (id, sha256, source, file_name, source_path, status, operator_id, mode, language, duration_s, processed_at) "
            "values ('abcdefabcdef', 'abcdef', 'audio', 'a.wav', '/calls/a.wav', 'done', 'op-1', 'stereo', 'ru', 12.5, '2026-11-01 09:05:00')"
        ))
        conn.execute(text(
            "insert into utterance (call_id, idx, role, speaker, start_s, end_s, text) "
            "values ('abcdefabcdef', 0, 'agent', 'ch0', 0.5, 2.0, 'Добрый день')"
        ))
    upgrade(engine, "0003")
    # scorecards as releases 0002/0003 wrote them: of a rubric file at hand whose critical fails do not zero the
    # total, of the same rubric id in another version of the file (gone), and of a rubric nobody has any more
    lenient = rubrics_dir / "lenient.yaml"
    lenient.write_text("id: lenient\nversion: 3\ncritical_zeroes_total: false\n")
    lenient_sha = hashlib.sha256(lenient.read_bytes()).hexdigest()
    (rubrics_dir / "broken.yaml").write_text("id: [unclosed\n")
    with engine.begin() as conn:
        for card_id, rubric_id, version, sha in ((1, "lenient", 3, lenient_sha), (2, "lenient", 2, "0" * 64), (3, "gone", 1, "1" * 64)):
            conn.execute(text(
                "insert into scorecard (id, call_id, rubric_id, rubric_version, rubric_hash, language, total, critical_failed, "
                "section_scores, outcome, created_at) values (:id, 'abcdefabcdef', :rubric, :version, :sha, 'ru', 0.0, :crit, "
                "'{\"s\": 50.0}', '{}', '2026-11-02 10:00:00')"
            ), {"id": card_id, "rubric": rubric_id, "version": version, "sha": sha, "crit": True})
            conn.execute(text(
                "insert into criterionverdict (scorecard_id, criterion_id, section_id, verdict, reason, confidence, weight, "
                "critical, evidence) values (:id, 'c1', 's', 'fail', 'machine', 0.9, 1.0, :crit, '[]')"
            ), {"id": card_id, "crit": True})
    upgrade(engine, rubrics_dir=rubrics_dir)  # to head
    assert current_revision(engine) == head_revision(engine)
    stored = call_store.load_call(engine, call_id="abcdefabcdef")
    assert stored.summary.operator_id == "op-1" and stored.transcript.utterances[0].text == "Добрый день"
    assert stored.summary.status == "done" and stored.summary.superseded_by is None
    cards = {c.rubric_version if c.rubric_id == "lenient" else 0: c for c in scores.load_scorecards(engine, call_id="abcdefabcdef")}
    assert len(cards) == 3 and all(c.total == 0.0 and c.results[0].verdict.value == "fail" for c in cards.values())
    # the rule is taken from the rubric file only when id and sha256 match; otherwise the default (True)
    assert (cards[3].critical_zeroes_total, cards[2].critical_zeroes_total, cards[0].critical_zeroes_total) == (False, True, True)
    tables = set(inspect(engine).get_table_names())
    assert {"call", "utterance", "word", "operator", "batch", "speakerturn", "callmetrics", "rolemetrics", "humanlabel",
            "scorecard", "criterionverdict", "alembic_version"} <= tables
    engine.dispose()


def test_models_match_the_migrated_schema(db_url):
    """Autogenerate finds nothing to do: the tables and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    engine = open_database(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    # the search index (migration 0006) is no model: FTS5's tables on SQLite, an expression index on PostgreSQL
    search = [d for d in diff if d[0] in ("remove_table", "remove_index") and d[1].name.startswith(("utterance_fts", "ix_utterance_text_fts"))]
    assert [d for d in diff if d not in search] == []


def test_a_corrected_transcript_replaces_the_stored_version(engine, dev_files, tmp_path):
    """The same call_id with other content is a new version: the old call is kept, superseded, out of listings,
    scorecards and re-scoring, with its human verdicts; the same file again changes nothing."""
    from scoring.rubric import find_rubric

    rubric = find_rubric("order_desk")
    first = import_files(engine, dev_files[:2], rubric=rubric)
    old_id = first[0].call_id
    with engine.begin() as conn:  # a reviewer's verdict on the first version stays with it
        conn.execute(text("insert into humanlabel (call_id, criterion_id, verdict, source, author, created_at) "
                          "values (:c, 'greeting', 'fail', 'review', 'lead', '2026-11-20 10:00:00')"), {"c": old_id})
    data = json.loads(dev_files[0].read_text())
    data["utterances"][0]["text"] += " Извините, связь прерывается."
    data["labels"]["greeting"] = "fail"
    corrected = tmp_path / "corrected.json"
    corrected.write_text(json.dumps(data, ensure_ascii=False))

    result = import_files(engine, [corrected], rubric=rubric)[0]
    assert result.status == "imported" and old_id in result.detail and result.call_id != old_id
    new_id = result.call_id
    listed = {c.call_id for c in call_store.list_calls(engine)}
    assert new_id in listed and old_id not in listed and len(listed) == 2  # counted once
    old = [c for c in call_store.list_calls(engine, include_superseded=True) if c.call_id == old_id][0]
    assert (old.status, old.superseded_by) == ("superseded", new_id)
    assert [c.call_id for c in call_store.list_calls(engine, status="superseded")] == [old_id]
    assert call_store.resolve_call(engine, ref=data["call_id"]) == new_id  # the current version wins
    assert old_id not in call_store.call_ids(engine)
    assert {c.call_id for c in scores.call_scores(engine, rubric_id="order_desk")} == listed
    with engine.connect() as conn:
        labels = conn.execute(text("select call_id, criterion_id, verdict, source from humanlabel where call_id in (:a, :b) "
                                   "and criterion_id = 'greeting' order by id"), {"a": old_id, "b": new_id}).all()
        trail = conn.execute(text("select action, entity_id from auditevent where entity = 'call'")).all()
    assert [tuple(r) for r in labels] == [(old_id, "greeting", "pass", "import"), (old_id, "greeting", "fail", "review"),
                                          (new_id, "greeting", "fail", "import")]
    assert [tuple(r) for r in trail] == [("call.supersede", old_id)]
    from qa.pipeline.rescore import score_stored

    assert [r.status for r in score_stored(engine, [old_id], rubric)] == ["superseded"]
    # importing either version again is a no-op
    again = import_files(engine, [corrected, dev_files[0]], rubric=rubric)
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert call_store.table_counts(engine)["calls"] == 3
    assert len(call_store.list_calls(engine)) == 2


def test_metadata_of_a_call_processed_without_it_can_be_set_and_is_audited(engine, dev_files, tmp_path):
    from qa.core.errors import ConfigError
    from qa.db.human import audit_trail
    from qa.review.calls import call_detail, set_call_metadata
    from scoring.rubric import find_rubric

    data = json.loads(dev_files[0].read_text())
    for key in ("operator", "started_at"):
        data.pop(key)
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(data, ensure_ascii=False))
    (result,) = import_files(engine, [bare], rubric=find_rubric("order_desk"))
    assert scores.call_scores(engine, rubric_id="order_desk") == []  # no operator, no start time: not in scorecards
    with pytest.raises(ConfigError, match="nothing to change"):
        set_call_metadata(engine, ref=data["call_id"], actor="lead-olga")
    with pytest.raises(ConfigError, match="has no operator"):
        set_call_metadata(engine, ref=data["call_id"], actor="lead-olga", team="north")
    with pytest.raises(NotFound, match="No call 'ghost'"):
        set_call_metadata(engine, ref="ghost", actor="lead-olga", operator_id="op-1")
    summary = set_call_metadata(engine, ref=data["call_id"], actor="lead-olga", operator_id="op-new",
                                started_at=datetime(2026, 11, 2, 10, 15), team="north")
    assert (summary.call_id, summary.operator_id, summary.started_at) == (result.call_id, "op-new", datetime(2026, 11, 2, 10, 15))
    assert [c.call_id for c in scores.call_scores(engine, rubric_id="order_desk")] == [result.call_id]
    assert {o.id: o.team for o in call_store.list_operators(engine)}["op-new"] == "north"
    detail = call_detail(engine, ref=result.call_id)
    assert detail.stored.metadata.team == "north" and detail.effective.results == detail.scorecards[0].results and detail.human == ()
    (entry,) = audit_trail(engine, entity="call", entity_id=result.call_id)
    assert (entry.action, entry.actor) == ("call.metadata", "lead-olga")
    assert entry.details["old"] == {"operator": None, "started_at": None, "team": None, "order_placed": None}
    assert entry.details["new"] == {"operator": "op-new", "started_at": "2026-11-02 10:15:00", "team": "north", "order_placed": None}


def test_learned_models_are_listed(engine):
    from qa.db import learned

    assert learned.list_models(engine) == []
    for version in (1, 2):
        learned.save_model(engine, criterion_id="greeting", version=version, path=f"/m/greeting-v{version}.pkl",
                           sha256=str(version) * 64, n_train=40 + version, metrics={"cv_f1": 0.8})
    models = learned.list_models(engine)
    assert [(m.criterion_id, m.version, m.n_train, m.metrics) for m in models] == [
        ("greeting", 1, 41, {"cv_f1": 0.8}), ("greeting", 2, 42, {"cv_f1": 0.8})]
    assert learned.next_model_version(engine, criterion_id="greeting") == 3


def test_transcripts_are_searchable_by_words_on_both_databases(engine, dev_files):
    import_files(engine, dev_files)
    source = json.loads(dev_files[0].read_text())
    said = next(u for u in source["utterances"] if len(re.findall(r"\w{3,}", u["text"])) >= 3)
    words = [w.upper() for w in re.findall(r"\w{3,}", said["text"])[1:3]]  # two words, in capitals
    hits = call_store.search_utterances(engine, query=" ".join(reversed(words)))  # any order, any case
    call_id = call_store.resolve_call(engine, ref=source["call_id"])
    assert (call_id, said["start_s"]) in {(h.call_id, h.start_s) for h in hits}
    assert all(all(w.lower() in h.text.lower() for w in words) for h in hits)
    assert call_store.search_utterances(engine, query="zzzqqq nothing like it") == []
    assert isinstance(call_store.search_utterances(engine, query='"; DROP TABLE utterance; -- NEAR('), list)
    assert call_store.search_utterances(engine, query=" ".join(words)) == hits  # quotes and operators were just words
    mine = call_store.search_utterances(engine, query=" ".join(words), operator=source["operator"])
    assert mine and {h.operator_id for h in mine} == {source["operator"]}


def test_search_matches_word_beginnings_alike_on_both_databases(engine, dev_files):
    """"order" finds "orders" and "ordered": a word is found by its beginning on SQLite (FTS5) and PostgreSQL alike."""
    import_files(engine, dev_files)
    texts = [u["text"].lower() for f in dev_files for u in json.loads(f.read_text())["utterances"]]
    words = {w for t in texts for w in re.findall(r"\w+", t)}
    stem = min(w for w in words if len(w) >= 4 and any(o != w and o.startswith(w) for o in words))  # e.g. "order"
    longer = [t for t in texts if re.search(rf"\b{stem}\w+", t)]
    hits = call_store.search_utterances(engine, query=stem.upper(), limit=1000)
    assert longer and all(stem in h.text.lower() for h in hits)
    assert sum(bool(re.search(rf"\b{stem}\w+", h.text.lower())) for h in hits) == len(longer)
    assert call_store.search_utterances(engine, query=stem[1:] + "zq") == []
