"""Review sessions end to end on real imported dialogues: open, comment, override
(the scorecard changes), the operator disputes, the lead overturns; the audit
trail shows every step and a new rubric version keeps the human verdicts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qa.core.errors import ConfigError, Forbidden, NotFound, StateError
from qa.core.types import Verdict
from qa.db import calls as call_store
from qa.db import scores
from qa.db.engine import open_database
from qa.pipeline.imports import import_files
from qa.pipeline.rescore import score_stored
from qa.review import sessions as reviews
from qa.review.periods import parse_period
from qa.review.scorecards import build_report
from qa.review.sessions import Pick, choose_calls
from scoring.rubric import RUBRICS_DIR, find_rubric, load_rubric

ALL = parse_period("all")


@pytest.fixture
def engine(history_url, monkeypatch):
    """A private copy of the shared history (tests/conftest.py) on SQLite and on PostgreSQL; the CLI uses it too."""
    monkeypatch.setenv("QA_DB_URL", history_url)
    engine = open_database(history_url)
    yield engine
    engine.dispose()


def anna(engine):
    return build_report(engine, rubric_id="order_desk", period=ALL, operator_id="op-anna").operators[0].now


def test_pick_rules_are_reproducible_and_mean_what_they_say(engine):
    candidates = scores.call_scores(engine, rubric_id="order_desk", operator_ids=["op-anna"])
    assert len(candidates) >= 8
    first = choose_calls(candidates, Pick("random", 3, seed=7))
    assert first == choose_calls(candidates, Pick("random", 3, seed=7)) and len(first) == 3
    assert first != choose_calls(candidates, Pick("random", 3, seed=8))
    lowest = [cid for cid, _ in choose_calls(candidates, Pick("lowest", 2))]
    totals = sorted((c.card.total, c.call_id) for c in candidates)
    assert lowest == [cid for _, cid in totals[:2]]
    failed = choose_calls(candidates, Pick("failed", 10, criterion="nps_question"))
    assert failed and all(
        next(c for c in candidates if c.call_id == cid).card.result("nps_question").verdict == Verdict.FAIL for cid, _ in failed
    )
    session = reviews.open_session(engine, operator_id="op-anna", reviewer="lead-olga", rubric_id="order_desk", pick=Pick("random", 3))
    assert session.pick["seed"] is not None  # a drawn seed is recorded, so the sample can be re-drawn
    assert list(session.items) == choose_calls(candidates, Pick("random", 3, seed=session.pick["seed"]))
    with pytest.raises(NotFound, match="unknown operator"):
        reviews.open_session(engine, operator_id="op-ghost", reviewer="lead-olga", rubric_id="order_desk", pick=Pick())
    boris_call = scores.call_scores(engine, rubric_id="order_desk", operator_ids=["op-boris"])[0].call_id
    with pytest.raises(Forbidden, match="belongs to op-boris"):
        reviews.open_session(engine, operator_id="op-anna", reviewer="lead-olga", rubric_id="order_desk",
                             pick=Pick("calls", calls=(boris_call,)))


def test_pick_from_options_one_rule_counts_of_at_least_one():
    options = dict(random_n=None, seed=None, lowest=None, failed=None, n=5, mystery=None, calls=None)
    pick = reviews.pick_from_options
    assert pick(**options) == Pick("random", 5)
    assert pick(**options | {"random_n": 3, "seed": 7}) == Pick("random", 3, seed=7)
    assert pick(**options | {"seed": 7}) == Pick("random", 5, seed=7)
    assert pick(**options | {"lowest": 2}) == Pick("lowest", 2)
    assert pick(**options | {"failed": "greeting", "n": 3}) == Pick("failed", 3, criterion="greeting")
    assert pick(**options | {"mystery": "any"}) == Pick("mystery", 5)
    assert pick(**options | {"mystery": "nov"}) == Pick("mystery", 5, campaign="nov")
    assert pick(**options | {"calls": ["a", "b"]}) == Pick("calls", 2, calls=("a", "b"))
    for bad, message in (
        ({"random_n": 0}, "--random needs a number of calls of at least 1, got 0"),
        ({"lowest": -1}, "--lowest needs a number of calls of at least 1"),
        ({"failed": "greeting", "n": 0}, "--n needs a number of calls of at least 1"),
        ({"random_n": 3, "lowest": 2}, "choose one pick rule, not --random and --lowest"),
        ({"failed": "greeting", "calls": ["a"]}, "choose one pick rule"),
        ({"lowest": 2, "seed": 1}, "--seed only applies to --random"),
        ({"failed": " "}, "--failed needs a criterion id"),
    ):
        with pytest.raises(ConfigError, match=message):
            pick(**options | bad)


def test_mystery_shopper_calls_are_picked_from_the_call_metadata(eval_dir, tmp_path, engine):
    source = sorted((eval_dir / "labeled-dev").glob("ru-*.json"))[:3]
    for i, path in enumerate(source):
        data = json.loads(path.read_text())
        data.update(call_id=f"mystery-{i}", operator="op-anna", started_at=f"2026-11-2{i}T10:00:00",
                    extra={"mystery_campaign": "nov-delivery" if i < 2 else "oct-returns"})
        (tmp_path / f"mystery-{i}.json").write_text(json.dumps(data, ensure_ascii=False))
    import_files(engine, sorted(tmp_path.glob("mystery-*.json")), rubric=find_rubric("order_desk"))
    session = reviews.open_session(engine, operator_id="op-anna", reviewer="lead-olga", rubric_id="order_desk",
                                   pick=Pick("mystery", 5, campaign="nov-delivery"))
    ids = [call_store.resolve_call(engine, ref=f"mystery-{i}") for i in (1, 0)]  # newest first
    assert list(session.items) == [(cid, "mystery shopper (nov-delivery)") for cid in ids]
    everything = reviews.open_session(engine, operator_id="op-anna", reviewer="lead-olga", rubric_id="order_desk",
                                      pick=Pick("mystery", 5))
    assert len(everything.items) == 3
    with pytest.raises(NotFound, match="no scored calls of op-boris"):
        reviews.open_session(engine, operator_id="op-boris", reviewer="lead-olga", rubric_id="order_desk", pick=Pick("mystery"))


def test_review_session_override_dispute_overturn_and_audit_trail(engine, tmp_path):
    before = anna(engine)
    session = reviews.open_session(engine, operator_id="op-anna", reviewer="lead-olga", rubric_id="order_desk",
                                   pick=Pick("failed", 3, criterion="nps_question"))
    call_id = session.items[0][0]
    card = scores.load_scorecards(engine, call_id=call_id)[0]
    weight_sum = sum(r.weight for r in card.results if r.verdict != Verdict.NA)

    # a comment at 5 s lands on the utterance spoken then
    stored = call_store.load_call(engine, call_id=call_id)
    reviews.add_comment(engine, session_id=session.session_id, call_ref=call_id, author="lead-olga", text="Greet first, then the shop.", at_s=5.0)
    comment = reviews.get_session(engine, session.session_id).comments[0]
    spoken = stored.transcript.utterances[comment.utterance_idx]
    assert spoken.start_s <= 5.0 and comment.at_s == 5.0
    # a moment outside the call, or an utterance it does not have, is refused with the call's length / range
    length = max([stored.summary.duration_s or 0.0, *(u.end_s for u in stored.transcript.utterances)])
    for at in (-5.0, length + 1, float("nan")):
        with pytest.raises(ConfigError, match=rf"{length:.1f} s long"):
            reviews.add_comment(engine, session_id=session.session_id, call_ref=call_id, author="lead-olga", text="x", at_s=at)
    with pytest.raises(ConfigError, match=rf"utterances 0\.\.{len(stored.transcript.utterances) - 1}, not 999"):
        reviews.add_comment(engine, session_id=session.session_id, call_ref=call_id, author="lead-olga", text="x", utterance_idx=999)
    assert len(reviews.get_session(engine, session.session_id).comments) == 1

    # the lead overrides: the scorecard follows the human verdict, the machine's stays beside it
    with pytest.raises(ConfigError, match="reason"):
        reviews.override(engine, session_id=session.session_id, call_ref=call_id, criterion_id="nps_question",
                         verdict=Verdict.PASS, author="lead-olga", reason=" ")
    label = reviews.override(engine, session_id=session.session_id, call_ref=call_id, criterion_id="nps_question",
                             verdict=Verdict.PASS, author="lead-olga", reason="asked at 02:10, ASR missed 'порекомендуете'")
    assert label.machine_verdict == "fail" and label.source == "review"
    after = anna(engine)
    assert after.overridden == 1
    # one call gains one criterion of weight 10 (per-call totals are rounded to 0.1)
    assert after.score == pytest.approx(before.score + 100 * 10 / weight_sum / before.calls, abs=0.05)
    assert dict((c, r) for c, r, _ in after.pass_rates)["nps_question"] > dict((c, r) for c, r, _ in before.pass_rates)["nps_question"]
    assert scores.load_scorecards(engine, call_id=call_id)[0].result("nps_question").verdict == Verdict.FAIL  # machine's kept

    # the operator cannot dispute before the session is closed, nor can anyone else close it
    with pytest.raises(StateError):
        reviews.dispute(engine, session_id=session.session_id, call_ref=call_id, criterion_id="greeting",
                        operator_id="op-anna", reason="I did greet")
    with pytest.raises(Forbidden):
        reviews.close_session(engine, session_id=session.session_id, author="op-anna", summary="fine", actions=[])
    reviews.close_session(engine, session_id=session.session_id, author="lead-olga",
                          summary="Good product knowledge; NPS question often skipped.", actions=["Ask the NPS question on every call"])
    with pytest.raises(StateError):
        reviews.override(engine, session_id=session.session_id, call_ref=call_id, criterion_id="greeting",
                         verdict=Verdict.PASS, author="lead-olga", reason="late")

    # the operator disputes a failed criterion; only they may, and the lead overturns it
    failed = next(r.criterion_id for r in card.results if r.verdict == Verdict.FAIL and r.criterion_id != "nps_question")
    with pytest.raises(Forbidden):
        reviews.dispute(engine, session_id=session.session_id, call_ref=call_id, criterion_id=failed,
                        operator_id="op-boris", reason="not mine")
    d = reviews.dispute(engine, session_id=session.session_id, call_ref=call_id, criterion_id=failed,
                        operator_id="op-anna", reason="I did that, listen at the start")
    assert (d.disputed_verdict, d.claimed_verdict, d.status) == (Verdict.FAIL, Verdict.PASS, "open")
    with pytest.raises(StateError, match="already disputed"):
        reviews.dispute(engine, session_id=session.session_id, call_ref=call_id, criterion_id=failed,
                        operator_id="op-anna", reason="again")
    with pytest.raises(Forbidden):
        reviews.resolve_dispute(engine, dispute_id=d.dispute_id, author="op-anna", decision="overturned", note="I win")
    resolved = reviews.resolve_dispute(engine, dispute_id=d.dispute_id, author="lead-olga", decision="overturned",
                                       note="Right, the greeting is there.")
    assert resolved.status == "overturned"
    overturned = anna(engine)
    assert overturned.overridden == 2 and overturned.score > after.score
    with pytest.raises(StateError):
        reviews.resolve_dispute(engine, dispute_id=d.dispute_id, author="lead-olga", decision="upheld", note="changed my mind")
    with pytest.raises(Forbidden):
        reviews.acknowledge(engine, session_id=session.session_id, operator_id="op-boris")
    reviews.acknowledge(engine, session_id=session.session_id, operator_id="op-anna")

    # the audit trail has every step, in order, with who did it
    trail = reviews.audit_trail(engine, session.session_id)
    assert [(e.action, e.actor) for e in trail] == [
        ("review.open", "lead-olga"), ("review.comment", "lead-olga"), ("verdict.override", "lead-olga"),
        ("review.close", "lead-olga"), ("dispute.open", "op-anna"), ("dispute.resolve", "lead-olga"),
        ("review.acknowledge", "op-anna"),
    ]
    assert trail[2].details["machine"] == "fail" and trail[5].details["decision"] == "overturned"

    # a new rubric version re-scores the transcripts; the human verdicts still decide
    v2 = tmp_path / "order_desk_v2.yaml"
    current = load_rubric(RUBRICS_DIR / "order_desk.yaml").version
    v2.write_text((RUBRICS_DIR / "order_desk.yaml").read_text().replace(f"version: {current}", f"version: {current + 1}", 1))
    assert load_rubric(v2).version == current + 1
    score_stored(engine, [call_id], load_rubric(v2))
    cards = scores.load_scorecards(engine, call_id=call_id)
    assert [c.rubric_version for c in cards] == [current + 1, current]
    rescored = scores.call_scores(engine, rubric_id="order_desk", call_ids=[call_id])[0]
    assert rescored.card.rubric_version == current + 1
    assert {h.criterion_id: h.verdict for h in rescored.overrides} == {"nps_question": Verdict.PASS, failed: Verdict.PASS}
    assert anna(engine).score == pytest.approx(overturned.score)


def test_review_cli(engine, monkeypatch):
    from cli import app

    runner = CliRunner()

    def qa(*args):
        result = runner.invoke(app, list(args))
        return result.exit_code, result.output

    code, out = qa("review", "open", "--operator", "op-vera", "--reviewer", "lead-olga", "--lowest", "2")
    assert code == 0, out
    session_id = reviews.list_sessions(engine, "op-vera")[0].session_id
    call_id = reviews.get_session(engine, session_id).items[0][0]
    code, out = qa("review", "override", str(session_id), call_id, "farewell", "fail", "--by", "lead-olga", "--reason", "no goodbye")
    assert code == 0, out
    code, out = qa("review", "show", str(session_id))
    assert code == 0 and "farewell" in out and "no goodbye" in out
    code, out = qa("review", "ack", str(session_id), "--operator", "op-vera")
    assert code == 1 and "open" in out
    code, out = qa("review", "close", str(session_id), "--by", "lead-olga", "--summary", "ok", "--action", "say goodbye")
    assert code == 0, out
    code, out = qa("review", "audit", str(session_id))
    assert code == 0 and "verdict.override" in out and "review.close" in out
    code, out = qa("review", "show", "999")
    assert code == 1 and "no review session 999" in out
