"""The order system's word on the outcome wins over the detector's, a reviewer's over both (audited)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli import app
from qa.core.records import OrderTruth
from qa.core.types import Scorecard
from qa.db import human
from qa.db.engine import make_engine
from qa.review.corrections import effective_outcome

runner = CliRunner()


def test_order_truth_sources_in_their_order_of_trust():
    assert OrderTruth.of({}, {}) is None
    assert OrderTruth.of({"order_placed": "maybe"}, {}) is None  # not a yes/no: the detector's word stands
    assert OrderTruth.of({}, {"order_placed": False}) == OrderTruth(False, "order system (imported outcome)")
    assert OrderTruth.of({"order_placed": "Yes"}, {"order_placed": False}) == OrderTruth(True, "order system")
    person = OrderTruth.of({"order_placed": "no", "order_placed_by": "reviewer olga: cancelled"}, {"order_placed": True})
    assert person == OrderTruth(False, "reviewer olga: cancelled")


def test_a_disagreement_with_the_detector_is_flagged_and_the_detector_kept():
    card = Scorecard("r", 1, "h", "en", (), (), None, False, outcome=(("order_placed", True), ("nps_score", 7)))
    assert effective_outcome(card, None) is card
    out = dict(effective_outcome(card, OrderTruth(False, "order system")).outcome)
    assert out == {"order_placed": False, "order_source": "order system", "order_detected": True, "order_disagrees": True,
                   "nps_score": 7}
    agree = dict(effective_outcome(card, OrderTruth(True, "order system")).outcome)
    assert agree["order_placed"] is True and agree["order_disagrees"] is False


def test_a_reviewer_corrects_the_outcome_and_conversion_follows(eval_dir, qa_home):
    placed = next(p for p in sorted((eval_dir / "labeled-dev").glob("*.json"))
                  if json.loads(p.read_text(encoding="utf-8"))["outcome"]["order_placed"])
    call = json.loads(placed.read_text(encoding="utf-8"))
    assert runner.invoke(app, ["import-transcript", str(placed)]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["show", call["call_id"], "--json"]).stdout)["effective"]["outcome"]
    assert shown["order_placed"] is True and shown["order_source"] == "order system (imported outcome)"

    def conversion() -> float:
        report = runner.invoke(app, ["scorecard", "--operator", call["operator"], "--period", "all", "--format", "json"])
        return json.loads(report.stdout)[0]["conversion"]

    assert conversion() == 1.0
    refused = runner.invoke(app, ["calls", "set", call["call_id"], "--no-order-placed", "--by", "olga"])
    assert refused.exit_code == 1 and "--reason" in refused.output
    fixed = runner.invoke(app, ["calls", "set", call["call_id"], "--no-order-placed", "--reason", "paid but cancelled the same day",
                                "--by", "olga"])
    assert fixed.exit_code == 0, fixed.output
    shown = json.loads(runner.invoke(app, ["show", call["call_id"], "--json"]).stdout)
    out = shown["effective"]["outcome"]
    assert out["order_placed"] is False and out["order_source"] == "reviewer olga: paid but cancelled the same day"
    assert out["order_detected"] is True and out["order_disagrees"] is True
    assert shown["scorecards"][0]["outcome"]["order_placed"] is True  # the machine's card is kept as it was
    assert conversion() == 0.0
    trail = human.audit_trail(make_engine(f"sqlite:///{qa_home / 'qa.db'}"), entity="call", entity_id=shown["call_id"])
    assert [(a.actor, a.action) for a in trail] == [("olga", "call.metadata")]
    assert trail[0].details["old"]["order_placed"] is None and trail[0].details["new"]["order_placed"] == "no"
    text = runner.invoke(app, ["show", call["call_id"]], env={"COLUMNS": "200"}).stdout
    assert "order placed: no (reviewer olga" in text and "the detector said yes" in text
