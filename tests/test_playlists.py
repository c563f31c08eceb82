"""Trainer playlists on the scored history of 44 labeled dialogues: suggestions mean what they say (pass verdicts
whose evidence the clip contains, several operators, no near-duplicates), the playlist keeps its order, new hires'
listens are recorded, every change is audited, and bad steps are refused with a line that says how to fix."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qa.core.errors import ConfigError, NotFound, StateError
from qa.core.types import Verdict
from qa.db import human, playlists, scores
from qa.review import playlists as review
from qa.review.corrections import effective_scorecard

RUBRIC = "order_desk"


@pytest.fixture
def engine(history_engine):
    return history_engine


def _stored(engine):
    return {c.call_id: c for c in scores.call_scores(engine, rubric_id=RUBRIC)}


@pytest.mark.parametrize("criterion", ["greeting", "upsell_after_order", "order_confirmation"])
def test_examples_are_passes_whose_evidence_lies_inside_the_clip(engine, criterion):
    stored = _stored(engine)
    labels = human.human_labels(engine)
    found = review.suggest(engine, rubric_id=RUBRIC, criterion_id=criterion, top=5)
    assert found, f"the history has passes of {criterion}"
    assert len({s.call_id for s in found}) == len(found)  # one clip per call
    for s in found:
        c = stored[s.call_id]
        result = effective_scorecard(c.card, c.overrides, c.order_truth).result(criterion)
        assert result.verdict == Verdict.PASS
        machine = c.card.result(criterion)
        confirmed = labels.get(s.call_id, {}).get(criterion) == "pass"
        assert confirmed or (machine.verdict == Verdict.PASS and machine.confidence >= review.MIN_CONFIDENCE)
        timed = [e for e in result.evidence if e.start_s is not None]
        assert s.start_s <= timed[0].start_s and (timed[0].end_s or timed[0].start_s) <= s.end_s
        assert s.start_s >= 0 and (c.duration_s is None or s.end_s <= c.duration_s + 1e-6)
    operators = {stored[cid].operator_id for cid in stored}
    assert len({s.operator_id for s in found}) == min(len(found), len(operators))


def test_failures_are_fails_with_a_moment_to_play(engine):
    stored = _stored(engine)
    found = review.suggest(engine, rubric_id=RUBRIC, criterion_id="active_listening", top=4, kind="failures")
    for s in found:
        c = stored[s.call_id]
        assert effective_scorecard(c.card, c.overrides, c.order_truth).result("active_listening").verdict == Verdict.FAIL
        assert s.start_s <= s.evidence_start_s <= s.end_s


def test_no_two_suggestions_quote_the_same_words(engine):
    found = review.suggest(engine, rubric_id=RUBRIC, criterion_id="farewell", top=10)
    keys = [review._quote_key(s.quote) for s in found]
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            assert not review._near_duplicate(a, b)


def test_a_playlist_keeps_its_order_and_who_listened(engine):
    pl = playlists.create_playlist(engine, title="Upsell after the order", owner="tanya", audience="new hires",
                                   purpose="hear the accessory offered after the order is taken")
    picks = review.suggest(engine, rubric_id=RUBRIC, criterion_id="upsell_after_order", top=3)
    assert len(picks) == 3
    for s in picks:
        pl = review.add_clip(engine, playlist_id=pl.playlist_id, call_ref=s.call_id, actor="tanya",
                             criterion_id="upsell_after_order", note=s.quote[:40])
    assert [c.call_id for c in pl.items] == [s.call_id for s in picks]
    assert [(c.start_s, c.end_s) for c in pl.items] == [(s.start_s, s.end_s) for s in picks]  # evidence ± 15 s
    first, _, last = pl.items
    pl = playlists.move_clip(engine, playlist_id=pl.playlist_id, item_id=last.item_id, position=1, actor="tanya")
    assert [c.item_id for c in pl.items][0] == last.item_id and [c.position for c in pl.items] == [1, 2, 3]
    pl = playlists.mark_listened(engine, playlist_id=pl.playlist_id, item_id=first.item_id, login="newbie")
    pl = playlists.mark_listened(engine, playlist_id=pl.playlist_id, item_id=first.item_id, login="newbie")
    heard = {c.item_id: [login for login, _ in c.listened_by] for c in pl.items}
    assert heard[first.item_id] == ["newbie"] and heard[last.item_id] == []
    pl = playlists.remove_clip(engine, playlist_id=pl.playlist_id, item_id=first.item_id, actor="tanya")
    assert [c.position for c in pl.items] == [1, 2] and first.item_id not in {c.item_id for c in pl.items}
    actions = [e.action for e in human.audit_trail(engine, entity="playlist", entity_id=str(pl.playlist_id))]
    assert actions.count("playlist.add") == 3 and "playlist.move" in actions and "playlist.remove" in actions


def test_bad_playlist_steps_say_how_to_fix(engine):
    pl = playlists.create_playlist(engine, title="t", owner="tanya")
    call_id = next(iter(_stored(engine)))
    with pytest.raises(NotFound, match="qa calls"):
        review.add_clip(engine, playlist_id=pl.playlist_id, call_ref="no-such-call", actor="tanya", start_s=0, end_s=5)
    with pytest.raises(ConfigError, match="--start and --end, or --criterion"):
        review.add_clip(engine, playlist_id=pl.playlist_id, call_ref=call_id, actor="tanya")
    with pytest.raises(ConfigError, match="start < end"):
        review.add_clip(engine, playlist_id=pl.playlist_id, call_ref=call_id, actor="tanya", start_s=9, end_s=3)
    with pytest.raises(ConfigError, match="at most 180 s"):  # moments, never a whole call
        review.add_clip(engine, playlist_id=pl.playlist_id, call_ref=call_id, actor="tanya", start_s=0, end_s=500)
    with pytest.raises(StateError, match="outside"):
        review.add_clip(engine, playlist_id=pl.playlist_id, call_ref=call_id, actor="tanya", start_s=0, end_s=3,
                        position=5)
    with pytest.raises(NotFound, match="qa playlist show"):
        playlists.move_clip(engine, playlist_id=pl.playlist_id, item_id=999, position=1, actor="tanya")
    with pytest.raises(NotFound):
        review.suggest(engine, rubric_id=RUBRIC, criterion_id="no_such_criterion")
    assert playlists.load_playlist(engine, playlist_id=pl.playlist_id).items == ()  # nothing half-done


def test_cli_suggest_json_then_build_and_show(engine):
    from cli import app

    runner = CliRunner()
    got = runner.invoke(app, ["playlist", "suggest", "--criterion", "greeting", "--top", "3", "--json"])
    assert got.exit_code == 0, got.output
    items = json.loads(got.stdout)
    assert len(items) == 3 and all({"call_id", "start_s", "end_s", "reason"} <= set(i) for i in items)
    got = runner.invoke(app, ["playlist", "create", "Greetings", "--audience", "week 1", "--by", "tanya", "--json"])
    assert got.exit_code == 0, got.output
    pid = str(json.loads(got.stdout)["playlist_id"])
    got = runner.invoke(app, ["playlist", "add", pid, items[0]["call_id"], "--criterion", "greeting", "--by", "tanya"])
    assert got.exit_code == 0, got.output
    got = runner.invoke(app, ["playlist", "show", pid, "--json"])
    shown = json.loads(got.stdout)
    assert [(c["start_s"], c["end_s"]) for c in shown["items"]] == [(items[0]["start_s"], items[0]["end_s"])]
    got = runner.invoke(app, ["playlist", "move", pid, "999", "1", "--by", "tanya"])
    assert got.exit_code == 1 and "qa playlist show" in got.output
