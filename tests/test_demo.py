"""`make demo` scores the bundled sample calls as their gold labels say (samples/labels.json), through the real
models: ASR, diarization, roles, scoring."""

from __future__ import annotations

import json

import pytest

from qa.db.engine import open_database
from qa.review.calls import call_detail
from tests.conftest import ROOT, SAMPLES, copy_sqlite

pytestmark = pytest.mark.models
GOLD = json.loads((ROOT / "samples" / "labels.json").read_text(encoding="utf-8"))


def test_demo_scores_every_sample_as_its_gold_labels(tmp_path, demo_database):
    engine = open_database(copy_sqlite(demo_database.sqlite, tmp_path / "demo.db"))
    report = demo_database.report
    assert report.count("processed") == len(GOLD["calls"]) == len(list(SAMPLES.iterdir()))
    misses, outcomes = {}, {}
    for name, gold in GOLD["calls"].items():
        card = call_detail(engine, ref=name).effective
        got = {r.criterion_id: r.verdict.value for r in card.results}
        misses.update({(name, cid): f"gold {want}, got {got[cid]}: {card.result(cid).reason}"
                       for cid, want in gold["labels"].items() if got[cid] != want})
        outcome = dict(card.outcome)
        outcomes[name] = (outcome["order_placed"], outcome["nps_score"])
        assert outcomes[name] == (gold["outcome"]["order_placed"], gold["outcome"]["nps_score"]), name
    known = {(name, cid) for name, by in GOLD["asr_misses"].items() for cid in by}
    assert set(misses) == known, {"new misses": {k: v for k, v in misses.items() if k not in known},
                                  "fixed, drop from asr_misses": sorted(known - set(misses))}
    assert outcomes["ru_order_stereo.flac"] == (True, 9)  # the first screen a new user sees: the NPS of the ru call
