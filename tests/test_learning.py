"""Learned criteria: trained on human verdicts, never on held-out calls, stored
with a pinned hash and usable in a rubric as ``learned.v1``."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from qa.core.errors import ModelError
from qa.db.engine import open_database
from qa.pipeline.imports import read_labeled
from scoring import learned
from scoring.rubric import load_rubric
from scoring.score import score
from tests.conftest import snapshot_sqlite


@pytest.fixture(scope="module")
def split(eval_dir, tmp_path_factory):
    """The dev calls that were not synthesised into audio (train) and the 12 that were (held out)."""
    held_ids = {p.name for p in (eval_dir / "synthetic").iterdir() if p.is_dir()}
    root = tmp_path_factory.mktemp("split")
    train, held = root / "train", root / "held"
    train.mkdir()
    held.mkdir()
    for path in sorted((eval_dir / "labeled-dev").glob("*.json")):
        shutil.copy(path, (held if json.loads(path.read_text())["call_id"] in held_ids else train) / path.name)
    return train, held, held_ids


LEARNED = ("active_listening", "nps_question")


@pytest.fixture(scope="module")
def learn_rubric(tmp_path_factory) -> str:
    """The shipped rubric cut down to the criteria learned here. `qa learn` scores every training call by the whole
    rubric only to compare the learned model with each learned criterion's rule, and the other criteria (upsell's
    sentence encoder above all) are most of that time; these two criteria read nothing the others write."""
    import yaml

    from scoring.rubric import find_rubric

    doc = yaml.safe_load(find_rubric("order_desk").path.read_text(encoding="utf-8"))
    for section in doc["sections"]:
        section["criteria"] = [c for c in section["criteria"] if c["id"] in LEARNED]
    doc["sections"] = [s for s in doc["sections"] if s["criteria"]]
    assert sorted(c["id"] for s in doc["sections"] for c in s["criteria"]) == sorted(LEARNED)
    path = tmp_path_factory.mktemp("rubric") / "order_desk_learned.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def first_learn(split, learn_rubric, tmp_path_factory):
    """One `qa learn active_listening nps_question --train --held-out --json` in a home of its own, shared by the
    tests that read its output or its models (the models are files no test changes): (rows by criterion, home)."""
    from cli import app

    train, held, _ = split
    home = tmp_path_factory.mktemp("learn-home")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QA_HOME", str(home))
        env.delenv("QA_DB_URL", raising=False)
        result = CliRunner().invoke(app, ["learn", *LEARNED, "--train", str(train), "--held-out", str(held),
                                          "--rubric", learn_rubric, "--json"])
    assert result.exit_code == 0, result.output
    return {r["criterion"]: r for r in json.loads(result.stdout)}, home


def test_learn_reports_cross_validated_scores_beside_the_rules_and_never_trains_on_held_out(split, first_learn, learn_rubric,
                                                                                             qa_home):
    from cli import app

    train, _, held_ids = split
    rows, home = first_learn
    assert set(rows) == {"active_listening", "nps_question"}
    for r in rows.values():
        assert r["n_train"] == 32 and r["version"] == 1
        for side in ("learned", "rule"):
            cv = r["cross_validated"][side]
            assert cv["n"] == 32 and 0 <= cv["accuracy"] <= 1 and 0 <= cv["f1"] <= 1
            assert r["held_out"][side]["n"] == 12
        model = learned.load(r["path"], r["sha256"])
        assert not set(model.trained_on) & held_ids and len(model.trained_on) == 32
    # the same training data and seed give the same model, stored as the next version (in a copy of that database;
    # without --held-out, which only adds scores on calls the model never sees)
    snapshot_sqlite(home / "qa.db", qa_home / "qa.db")
    result = CliRunner().invoke(app, ["learn", "nps_question", "--train", str(train), "--rubric", learn_rubric, "--json"])
    assert result.exit_code == 0, result.output
    again = {r["criterion"]: r for r in json.loads(result.stdout)}
    assert again["nps_question"]["version"] == 2
    assert again["nps_question"]["sha256"] == rows["nps_question"]["sha256"]
    assert again["nps_question"]["cross_validated"] == rows["nps_question"]["cross_validated"]
    assert again["nps_question"]["held_out"] is None


def test_learned_criterion_in_a_rubric_shows_its_evidence_and_refuses_a_changed_model(split, first_learn, tmp_path):
    _, held, _ = split
    info = first_learn[0]["nps_question"]
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


def test_learn_from_the_database_uses_imported_labels_and_review_overrides(history_template, tmp_path):
    """On a private copy of the shared history (tests/conftest.py): every labeled dev file, imported and scored."""
    from qa.core.types import Verdict
    from qa.pipeline.learn import from_database
    from qa.review import sessions as reviews

    files = sorted(history_template.json_dir.glob("*.json"))
    engine = open_database(history_template.copy_sqlite(tmp_path / "qa.db"))
    calls = from_database(engine)
    assert len(calls) == len(files) == len(history_template.calls)
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
