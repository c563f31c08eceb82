"""Rubric files: validation with file + line + fix, versions, stored scorecards."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli import app
from qa.core.errors import RubricError
from scoring.rubric import RUBRICS_DIR, load_rubric

runner = CliRunner()
GOOD = (RUBRICS_DIR / "order_desk.yaml").read_text(encoding="utf-8")


def test_bundled_rubric_is_valid():
    rubric = load_rubric(RUBRICS_DIR / "order_desk.yaml")
    assert rubric.id == "order_desk" and rubric.version >= 1 and set(rubric.languages) == {"ru", "uk", "en"}
    assert {c.id for c in rubric.criteria} == {
        "greeting", "needs_discovery", "active_listening", "order_confirmation", "upsell_after_order",
        "no_i_dont_know", "hold_etiquette", "nps_question", "farewell",
    }
    assert len(rubric.sha256) == 64


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    "mutate, needle, message",
    [
        (lambda s: s.replace("kind: nps.v1", "kind: nps.v9"), "kind: nps.v9", "unknown criterion kind 'nps.v9'; known kinds: "),
        (lambda s: s.replace("weight: 10\n        params:\n          recommend", "weight: heavy\n        params:\n          recommend"), "weight: heavy", "valid number"),
        (lambda s: s.replace("id: order_desk\n", ""), None, "id: Field required"),
        (lambda s: s.replace("      - id: farewell\n", "      - id: farewell\n        colour: red\n"), "colour: red", "Extra inputs are not permitted"),
        (lambda s: s.replace("          silence_s: 8", "          silence_s: [8"), "silence_s: [8", "not valid YAML"),
        (lambda s: s.replace("          within_s: 15", "          within_s: soon"), "within_s: soon", "greeting: params.within_s"),
    ],
)
def test_malformed_rubrics_name_file_line_and_fix(tmp_path, mutate, needle, message):
    text = mutate(GOOD)
    assert text != GOOD
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    error = str(info.value)
    assert error.startswith(f"{path}:") and message in error, error
    if needle:
        line = int(error.split(":")[1])
        assert abs(line - _line_of(text, needle)) <= 1, error


def test_rubric_commands(tmp_path):
    ok = runner.invoke(app, ["rubric", "validate", str(RUBRICS_DIR / "order_desk.yaml")])
    assert ok.exit_code == 0 and "9 criteria" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("kind: phrase.v1", "kind: magic.v1", 1))
    result = runner.invoke(app, ["rubric", "validate", str(bad)])
    assert result.exit_code == 1 and "unknown criterion kind 'magic.v1'" in result.output
    shown = runner.invoke(app, ["rubric", "show", "order_desk"])
    assert shown.exit_code == 0 and "upsell_after_order" in shown.stdout


def test_rescoring_with_a_new_version_keeps_old_scorecards_and_bad_rubrics_change_nothing(tmp_path, eval_dir):
    files = [str(eval_dir / "labeled-dev" / "ru-dev-001.json"), str(eval_dir / "labeled-dev" / "en-dev-004.json")]
    assert runner.invoke(app, ["import-transcript", *files]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["show", "ru-dev-001", "--json"]).stdout)
    assert len(shown["scorecards"]) == 1
    card = shown["scorecards"][0]
    current = load_rubric(RUBRICS_DIR / "order_desk.yaml")
    assert card["rubric"] == {"id": "order_desk", "version": current.version, "sha256": current.sha256}
    assert all(c["reason"] for c in card["criteria"])
    assert all((e["quote"] or e["kind"] == "searched") and e["rule"] and e["start_s"] is not None
               for c in card["criteria"] for e in c["evidence"])
    assert card["outcome"]["order_placed"] is True and isinstance(card["total"], float)

    v2 = tmp_path / "order_desk_v2.yaml"
    v2.write_text(GOOD.replace(f"version: {current.version}", f"version: {current.version + 1}").replace("within_s: 15", "within_s: 10"), encoding="utf-8")
    again = runner.invoke(app, ["score", "--rubric", str(v2), "--json"])
    assert again.exit_code == 0 and [r["status"] for r in json.loads(again.stdout)] == ["scored", "scored"]
    same = runner.invoke(app, ["score", "--rubric", str(v2), "--json"])
    assert [r["status"] for r in json.loads(same.stdout)] == ["unchanged", "unchanged"]
    cards = json.loads(runner.invoke(app, ["show", "ru-dev-001", "--json"]).stdout)["scorecards"]
    assert [c["rubric"]["version"] for c in cards] == [current.version + 1, current.version]

    # a version means one set of rules: the file edited again without a new version is refused, nothing stored
    v2.write_text(v2.read_text(encoding="utf-8").replace("within_s: 10", "within_s: 12"), encoding="utf-8")
    edited = runner.invoke(app, ["score", "--rubric", str(v2)])
    assert edited.exit_code == 1 and f"raise its `version:` to {current.version + 2}" in edited.output
    assert json.loads(runner.invoke(app, ["show", "ru-dev-001", "--json"]).stdout)["scorecards"] == cards
    # any stored version can be reported
    for version in (current.version, current.version + 1):
        report = runner.invoke(app, ["scorecard", "--rubric", f"order_desk@{version}", "--period", "all", "--format", "json"])
        assert report.exit_code == 0, report.output
        assert {r["rubric_version"] for r in json.loads(report.stdout)} == {version}
    unknown = runner.invoke(app, ["scorecard", "--rubric", "order_desk@99", "--period", "all"])
    assert unknown.exit_code == 1 and f"order_desk@{current.version + 1}" in unknown.output

    broken = tmp_path / "broken.yaml"
    broken.write_text(GOOD.replace(f"version: {current.version}", "version: x"), encoding="utf-8")
    result = runner.invoke(app, ["score", "--rubric", str(broken)])
    assert result.exit_code == 1 and "version" in result.output
    assert json.loads(runner.invoke(app, ["show", "ru-dev-001", "--json"]).stdout)["scorecards"] == cards


def test_eval_json_on_the_labeled_dev_set(eval_dir):
    result = runner.invoke(app, ["eval", str(eval_dir / "labeled-dev"), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["calls"] == len(list((eval_dir / "labeled-dev").glob("*.json")))
    assert set(data["criteria"]) == {c.id for c in load_rubric(RUBRICS_DIR / "order_desk.yaml").criteria}
    for cid, m in data["criteria"].items():
        assert {"accuracy", "precision", "recall", "f1", "n"} <= set(m)
        # regression floor for the rule set as tuned (the target is 0.90 for every criterion)
        assert m["accuracy"] >= 0.85, (cid, m["accuracy"])
    assert sum(m["accuracy"] for m in data["criteria"].values()) / len(data["criteria"]) >= 0.92
