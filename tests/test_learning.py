"""Learned criteria: trained on human verdicts, never on held-out calls, stored
with a pinned hash and usable in a rubric as ``learned.v1``."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from qa.core.errors import ModelError
from qa.db.engine import open_database
from qa.pipeline.imports import import_files, read_labeled
from scoring import learned
from scoring.rubric import load_rubric
from scoring.score import score


@pytest.fixture
def split(eval_dir, tmp_path):
    """The dev calls that were not synthesised into audio (train) and the 12 that were (held out)."""
    held_ids = {p.name for p in (eval_dir / "synthetic").iterdir() if p.is_dir()}
    train, held = tmp_path / "train", tmp_path / "held"
    train.mkdir()
    held.mkdir()
    for path in sorted((eval_dir / "labeled-dev").glob("*.json")):
        shutil.copy(path, (held if json.loads(path.read_text())["call_id"] in held_ids else train) / path.name)
    return train, held, held_ids


def test_learn_reports_cross_validated_scores_beside_the_rules_and_never_trains_on_held_out(split, qa_home):
    from cli import app

    train, held, held_ids = split
    runner = CliRunner()
    args = ["learn", "active_listening", "nps_question", "--train", str(train.parent / "train"), "--held-out", str(held), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = {r["criterion"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"active_listening", "nps_question"}
    for r in rows.values():
        assert r["n_train"] == 32 and r["version"] == 1
        for side in ("learned", "rule"):
            cv = r["cross_validated"][side]
            assert cv["n"] == 32 and 0 <= cv["accuracy"] <= 1 and 0 <= cv["f1"] <= 1
            assert r["held_out"][side]["n"] == 12
        model = learned.load(r["path"], r["sha256"])
        assert not set(model.trained_on) & held_ids and len(model.trained_on) == 32
    # the same data and seed give the same model, stored as the next version
    again = {r["criterion"]: r for r in json.loads(runner.invoke(app, args).stdout)}
    assert again["nps_question"]["version"] == 2
    assert again["nps_question"]["sha256"] == rows["nps_question"]["sha256"]
    assert again["nps_question"]["cross_validated"] == rows["nps_question"]["cross_validated"]


def test_learned_criterion_in_a_rubric_shows_its_evidence_and_refuses_a_changed_model(split, qa_home, tmp_path):
    from cli import app

    train, held, _ = split
    result = CliRunner().invoke(app, ["learn", "nps_question", "--train", str(train), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)[0]
    rubric_file = tmp_path / "learned.yaml"
    rubric_file.write_text(f"""id: learned_nps
title: NPS by a learned model
version: 1
languages: [ru, uk, en]
sections:
  - id: closing
    title: Closing
    criteria:
      - id: nps_question
        title: NPS question
        kind: learned.v1
        weight: 10
        params: {{model: "{info['path']}", sha256: "{info['sha256']}"}}
""")
    rubric = load_rubric(rubric_file)
    call = read_labeled(sorted(held.glob("*.json"))[0])
    result = score(call.transcript, call.features, rubric).result("nps_question")
    assert result.verdict.value in ("pass", "fail")
    assert result.reason.startswith("learned model for nps_question")
    assert 0 < result.confidence <= 1
    assert all(e.rule.startswith("learned") for e in result.evidence)
    learned.load.cache_clear()
    rubric_file.write_text(rubric_file.read_text().replace(info["sha256"], "0" * 64))
    with pytest.raises(ModelError, match="does not match the sha256"):
        score(call.transcript, call.features, load_rubric(rubric_file))


def test_learn_from_the_database_uses_imported_labels_and_review_overrides(eval_dir, qa_home):
    from qa.core.types import Verdict
    from qa.pipeline.learn import from_database
    from qa.review import sessions as reviews
    from scoring.rubric import find_rubric

    files = sorted((eval_dir / "labeled-dev").glob("*.json"))[:8]
    engine = open_database(f"sqlite:///{qa_home / 'qa.db'}")
    import_files(engine, files, rubric=find_rubric("order_desk"))
    calls = from_database(engine)
    assert len(calls) == 8
    first = json.loads(files[0].read_text())
    mine = next(c for c in calls if c.key == first["call_id"])
    assert dict(mine.labels) == first["labels"]
    # a reviewer's override is the newest human verdict: the next training run learns from it
    session = reviews.open_session(engine, operator_id=first["operator"], reviewer="lead", rubric_id="order_desk",
                                   pick=reviews.Pick("calls", calls=(first["call_id"],)))
    flipped = "fail" if first["labels"]["greeting"] == "pass" else "pass"
    reviews.override(engine, session_id=session.session_id, call_ref=first["call_id"], criterion_id="greeting",
                     verdict=Verdict(flipped), author="lead", reason="heard it differently")
    mine = next(c for c in from_database(engine) if c.key == first["call_id"])
    assert mine.label("greeting") == flipped and mine.label("farewell") == first["labels"]["farewell"]
