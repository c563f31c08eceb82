"""A mystery-shopper campaign end to end: two scenarios, three operators, entries made from calls of
``../shared/eval/synthetic/`` (their labeled transcripts in the fast test, their real audio through the real models in
the ``models`` one), a failed recording, an excluded assignment, a second wave; the report's figures are recomputed
here from the raw scenario YAML, the shopper's answers and the stored checks, with a kappa written out by hand."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mystery_shopper import workflow
from qa.core.errors import ConfigError, ScenarioError, StateError
from qa.db import calls as call_store
from qa.db import campaigns as store
from qa.db.engine import open_database
from qa.pipeline.shopper import add_entry
from scoring.rubric import find_rubric
from tests.conftest import copy_sqlite

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {"ru": "ru_coat_callback", "en": "en_gift_subscription"}
TEAMS = {"op-a": "north", "op-b": "north", "op-c": "south"}
# (operator, scenario) -> synthetic call; op-a gets scenario (0+k) mod 2, op-b (1+k), op-c (2+k) (the rotation)
CALLS = {("op-a", "ru"): "ru-dev-005", ("op-a", "en"): "en-dev-004", ("op-b", "ru"): "ru-dev-002",
         ("op-b", "en"): "en-dev-007", ("op-c", "ru"): "ru-dev-022"}  # op-c's en call: a corrupt recording
SHOPPERS = {"op-a": "lisa", "op-b": "mark", "op-c": "nina"}
RATINGS = {("op-a", "ru"): 9, ("op-a", "en"): 7, ("op-b", "ru"): 6, ("op-b", "en"): 5, ("op-c", "ru"): 3, ("op-c", "en"): 4}
SAID_NO = {("op-a", "ru"): {"greeting"}, ("op-a", "en"): {"needs", "no_i_dont_know", "promo_mentioned"},
           ("op-b", "ru"): {"price_named", "accessory_offered", "promo_mentioned"},
           ("op-b", "en"): {"price_named", "shipping_named", "upgrade_offered", "farewell"},
           ("op-c", "ru"): {"price_named", "delivery_named", "accessory_offered", "no_i_dont_know", "friendly_tone"},
           ("op-c", "en"): set()}
# what the scenario checks find in the labeled calls (the facts are stated, or not, in the words)
FACTS = {("op-a", "ru"): {"price_named": "pass", "delivery_named": "pass"},
         ("op-a", "en"): {"price_named": "pass", "shipping_named": "pass"},
         ("op-b", "ru"): {"price_named": "fail", "delivery_named": "pass"},
         ("op-b", "en"): {"price_named": "fail", "shipping_named": "fail"},
         ("op-c", "ru"): {"price_named": "fail", "delivery_named": "fail"}}


def raw_scenario(language: str) -> dict:
    return yaml.safe_load((ROOT / "rubrics" / "mystery_shopper" / f"{SCENARIOS[language]}.yaml").read_text("utf-8"))


def write_answers(folder: Path, operator: str, language: str) -> Path:
    no = SAID_NO[(operator, language)]
    items = {i["id"]: {"answer": "no" if i["id"] in no else "yes", "comment": f"{operator} {i['id']}"}
             for i in raw_scenario(language)["checklist"]}
    path = folder / f"{operator}-{language}.yaml"
    path.write_text(yaml.safe_dump({"shopper": SHOPPERS[operator], "called_at": "2026-12-02T11:00:00",
                                    "dialled_number": "+7 495 000-00-00", "rings": 2,
                                    "service_rating": RATINGS[(operator, language)], "items": items},
                                   allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def engine(empty_template, qa_home, monkeypatch):
    url = copy_sqlite(empty_template, qa_home / "qa.db")
    monkeypatch.setenv("QA_DB_URL", url)
    engine = open_database(url)
    for operator, team in TEAMS.items():
        call_store.set_operator(engine, operator_id=operator, team=team)
    yield engine
    engine.dispose()


def _campaign(engine, name="dec-w1", staff_informed=True, operators=tuple(TEAMS), calls=2):
    from datetime import date

    return workflow.create_campaign(engine, name=name, series="dec", scenarios=[SCENARIOS["ru"], SCENARIOS["en"]],
                                    operators=list(operators), starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 14),
                                    actor="olga", calls_per_operator=calls, staff_informed=staff_informed)


def run_campaign(engine, eval_dir: Path, tmp_path: Path, recording: str, processor=None):
    """Campaign dec-w1 as the lead and shoppers would run it; returns (campaign, {(operator, lang): entry})."""
    campaign = _campaign(engine)
    lang_of = {v: k for k, v in SCENARIOS.items()}
    made = {}
    corrupt = tmp_path / "broken.flac"
    corrupt.write_bytes(b"fLaC" + b"\x00" * 2000)
    for a in store.assignments(engine, campaign_id=campaign.campaign_id):
        key = (a.operator_id, lang_of[a.scenario_id])
        workflow.assign(engine, assignment_id=a.assignment_id, shopper=SHOPPERS[a.operator_id], actor="olga")
        source = corrupt if key not in CALLS else eval_dir / "synthetic" / CALLS[key] / recording
        entry = add_entry(engine, assignment_id=a.assignment_id, recording=source, actor="olga",
                          answers_path=write_answers(tmp_path, *key), processor=processor, rubric=find_rubric("order_desk"))
        made[key] = entry
        if entry.status == "scored":
            workflow.move(engine, assignment_id=a.assignment_id, status="validated", actor="olga")
    return campaign, made


def kappa(pairs):
    """Cohen's kappa written out: (p_o - p_e) / (1 - p_e) over yes/no labels."""
    n = len(pairs)
    p_o = sum(a == b for a, b in pairs) / n
    p_e = sum((sum(a == c for a, _ in pairs) / n) * (sum(b == c for _, b in pairs) / n) for c in ("yes", "no"))
    return 1.0 if p_e == 1 else (p_o - p_e) / (1 - p_e)


def expected_figures(made) -> dict:
    """The report's figures, from the raw YAML, the answers written above and the stored checks."""
    as_answer = {"pass": "yes", "fail": "no"}
    per_op, per_area, per_item, facts = defaultdict(list), defaultdict(lambda: ([], [])), defaultdict(list), defaultdict(list)
    for (operator, language), entry in made.items():
        if entry.status != "scored":
            continue
        checklist = raw_scenario(language)["checklist"]
        machine = {c["item_id"]: c["verdict"] for c in entry.checks}
        shopper = {i["id"]: "no" if i["id"] in SAID_NO[(operator, language)] else "yes" for i in checklist}

        def score(marks, area=None):
            items = [i for i in checklist if (area is None or i["area"] == area) and marks.get(i["id"]) in ("yes", "no")]
            return sum(i["weight"] for i in items if marks[i["id"]] == "yes") / sum(i["weight"] for i in items) if items else None

        machine_marks = {k: as_answer.get(v, "na") for k, v in machine.items()}
        per_op[operator].append((score(shopper), score(machine_marks), RATINGS[(operator, language)]))
        for area in {i["area"] for i in checklist}:
            per_area[area][0].append(score(shopper, area))
            per_area[area][1].append(score(machine_marks, area))
        for i in checklist:
            if machine_marks.get(i["id"]) in ("yes", "no"):
                per_item[i["id"]].append((shopper[i["id"]], machine_marks[i["id"]]))
            if i["maps_to"].startswith("fact:") and machine.get(i["id"]) in ("pass", "fail"):
                facts[f"{raw_scenario(language)['id']}:{i['id']}"].append(machine[i["id"]] == "pass")

    def mean(values):
        kept = [v for v in values if v is not None]
        return sum(kept) / len(kept) if kept else None

    return {
        "operators": {op: (mean(s for s, _, _ in rows), mean(m for _, m, _ in rows), mean(r for _, _, r in rows))
                      for op, rows in per_op.items()},
        "areas": {a: (mean(s), mean(m)) for a, (s, m) in per_area.items()},
        "agreement": {i: (len(p), sum(a == b for a, b in p) / len(p), kappa(p)) for i, p in per_item.items()},
        "overall": kappa([x for p in per_item.values() for x in p]),
        "facts": {k: sum(v) / len(v) for k, v in facts.items()},
    }


def report_json(campaign: str, fmt: str = "json") -> dict | str:
    from cli import app

    got = CliRunner().invoke(app, ["shopper", "report", "--campaign", campaign, "--format", fmt])
    assert got.exit_code == 0, got.output
    return json.loads(got.stdout) if fmt == "json" else got.stdout


def check_report(report: dict, expected: dict) -> None:
    ops = {g["key"]: g for g in report["by_operator"]}
    assert set(ops) == set(expected["operators"])
    for op, (shopper, machine, rating) in expected["operators"].items():
        assert ops[op]["shopper_score"] == pytest.approx(shopper) and ops[op]["service_rating"] == pytest.approx(rating)
        assert ops[op]["machine_score"] == pytest.approx(machine)
    areas = {g["key"]: g for g in report["by_area"]}
    for area, (shopper, machine) in expected["areas"].items():
        assert areas[area]["shopper_score"] == pytest.approx(shopper)
        assert (areas[area]["machine_score"] is None and machine is None) or areas[area]["machine_score"] == pytest.approx(machine)
    items = {a["item_id"]: a["agreement"] for a in report["agreement"]}
    assert set(items) == set(expected["agreement"])
    for item, (n, percent, k) in expected["agreement"].items():
        assert items[item]["n"] == n and items[item]["percent"] == pytest.approx(percent)
        assert items[item]["kappa"] == pytest.approx(k)
    assert report["overall_agreement"]["kappa"] == pytest.approx(expected["overall"])
    assert {f"{f['scenario_id']}:{f['item_id']}": f["rate"] for f in report["facts"]} == pytest.approx(expected["facts"])


def test_a_campaign_report_recomputed_by_hand(engine, eval_dir, tmp_path):
    campaign, made = run_campaign(engine, eval_dir, tmp_path, "transcript.json")
    assert made[("op-c", "en")].status == "failed" and made[("op-c", "en")].error  # stored, not lost
    for key, facts in FACTS.items():  # the expected-fact checks on the labeled words
        got = {c["item_id"]: c["verdict"] for c in made[key].checks}
        assert {k: got[k] for k in facts} == facts, key
    price = next(c for c in made[("op-a", "ru")].checks if c["item_id"] == "price_named")
    assert price["start_s"] is not None and "четырнадцать тысяч девятьсот" in price["quote"].lower()
    report = report_json("dec-w1")
    check_report(report, expected_figures(made))
    assert report["entries"] == 5 and [e for e, _ in report["failed"]] == [made[("op-c", "en")].entry_id]
    # called on 2 Dec, handed in today (later): past the 48 h deadline, every one of them
    assert {e for e, _ in report["late"]} == {e.entry_id for e in made.values() if e.status == "scored"}
    teams = {g["key"]: g["entries"] for g in report["by_team"]}
    assert teams == {"north": 4, "south": 1}
    # the all-yes-at-10 shopper is flagged: a second wave where nina gives everything top marks
    wave2 = _campaign(engine, name="dec-w2", staff_informed=False, operators=["op-a"], calls=1)
    a = store.assignments(engine, campaign_id=wave2.campaign_id)[0]
    workflow.assign(engine, assignment_id=a.assignment_id, shopper="nina", actor="olga")
    answers = tmp_path / "perfect.yaml"
    answers.write_text(yaml.safe_dump({"shopper": "nina", "service_rating": 10, "called_at": "2026-12-09T10:00:00",
                                       "items": {i["id"]: "yes" for i in raw_scenario("ru")["checklist"]}}), "utf-8")
    add_entry(engine, assignment_id=a.assignment_id, recording=eval_dir / "synthetic" / "ru-dev-017" / "transcript.json",
              answers_path=answers, actor="olga", rubric=find_rubric("order_desk"))
    second = report_json("dec-w2")
    assert second["by_operator"] == [] and second["by_team"][0]["key"] == "north"  # staff not informed: teams only
    assert any("not for disciplinary use" in n for n in second["notes"])
    assert [w["key"] for w in second["waves"]] == ["dec-w1", "dec-w2"]
    assert second["waves"][0]["shopper_score"] == pytest.approx(
        sum(s for s, _, _ in _entries_scores(expected_figures(made))) / 5)
    assert second["waves"][1]["shopper_score"] == 1.0 and second["suspicious"][0][1]
    # an erased test call takes its quotes and the shopper's comments with it, and stays a test call
    from qa.pipeline.lifecycle import erase

    erase(engine, call_ref=made[("op-a", "ru")].call_id, actor="olga", ticket="REQ-1")
    gone = store.load_entry(engine, entry_id=made[("op-a", "ru")].entry_id)
    assert "четырнадцать" not in json.dumps(gone.checks, ensure_ascii=False)
    assert {a["comment"] for a in gone.answers.values()} == {"[removed]"}
    from qa.review.periods import parse_period
    from qa.review.scorecards import build_report

    assert all(c.now.calls == 0 for c in build_report(engine, rubric_id="order_desk", period=parse_period("all")).operators)
    # CSV and HTML carry the same figures
    csv_text = report_json("dec-w1", "csv")
    assert "agreement,all items" in csv_text and "operator,op-a" in csv_text
    html = report_json("dec-w1", "html")
    assert "<table>" in html and "op-a" in html and "Shopper–machine agreement" in html


def _entries_scores(expected):
    """Per-entry shopper scores are not kept in ``expected``; rebuild them from the operators' means."""
    return [(s, None, None) for op, (s, _, _) in expected["operators"].items()
            for _ in range({"op-a": 2, "op-b": 2, "op-c": 1}[op])]


def test_mystery_calls_stay_out_of_ordinary_averages(engine, eval_dir, tmp_path):
    from qa.review.periods import parse_period
    from qa.review.scorecards import build_report

    _, made = run_campaign(engine, eval_dir, tmp_path, "transcript.json")
    report = build_report(engine, rubric_id="order_desk", period=parse_period("all"))
    assert all(card.now.calls == 0 for card in report.operators)  # the test calls are not ordinary calls
    expected = expected_figures(made)["operators"]
    block = {c.operator_id: c.mystery for c in report.operators}  # they have their own block
    assert {op: m.entries for op, m in block.items()} == {"op-a": 2, "op-b": 2, "op-c": 1}
    for op, (shopper, machine, rating) in expected.items():
        assert (block[op].shopper_score, block[op].machine_score, block[op].service_rating) == pytest.approx(
            (shopper, machine, rating))
    from cli import app

    got = CliRunner().invoke(app, ["scorecard", "--period", "all", "--format", "json"])
    assert got.exit_code == 0, got.output
    assert {c["operator"]: c["mystery_shopper"]["entries"] for c in json.loads(got.stdout)} == {"op-a": 2, "op-b": 2, "op-c": 1}


def test_steps_out_of_order_and_bad_files_are_refused_with_a_fix(engine, eval_dir, tmp_path):
    campaign = _campaign(engine)
    first = store.assignments(engine, campaign_id=campaign.campaign_id)[0]
    with pytest.raises(StateError, match="assign a shopper first"):
        add_entry(engine, assignment_id=first.assignment_id, recording=tmp_path / "x.json",
                  answers_path=write_answers(tmp_path, "op-a", "ru"), actor="olga")
    with pytest.raises(StateError, match="planned"):
        workflow.move(engine, assignment_id=first.assignment_id, status="validated", actor="olga")
    with pytest.raises(ConfigError, match="--reason"):
        workflow.move(engine, assignment_id=first.assignment_id, status="revision", actor="olga")
    workflow.assign(engine, assignment_id=first.assignment_id, shopper="lisa", actor="olga")
    bad = tmp_path / "bad.yaml"
    bad.write_text("shopper: lisa\nservice_rating: 14\nitems: {}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.yaml:2"):
        add_entry(engine, assignment_id=first.assignment_id, recording=tmp_path / "x.json", answers_path=bad,
                  actor="olga")
    assert store.load_assignment(engine, assignment_id=first.assignment_id).status == "assigned"  # nothing changed
    from cli import app

    got = CliRunner().invoke(app, ["shopper", "status", str(first.assignment_id), "published", "--by", "olga"])
    assert got.exit_code == 1 and "validated" in got.output


@pytest.mark.models
def test_a_campaign_on_real_audio(engine, eval_dir, tmp_path, processor):
    """The same campaign with the synthetic calls' stereo recordings through Whisper: the entries are calls with
    audio, the report matches the hand computation (whatever the recognition made of the facts)."""
    campaign, made = run_campaign(engine, eval_dir, tmp_path, "stereo.flac", processor=processor)
    assert made[("op-c", "en")].status == "failed"
    scored = [e for e in made.values() if e.status == "scored"]
    assert len(scored) == 5
    for e in scored:
        stored = call_store.load_call(engine, call_id=e.call_id)
        assert stored.summary.mode == "stereo" and stored.transcript.utterances
        assert len(e.checks) == 8  # every checklist item the machine can judge
    check_report(report_json("dec-w1"), expected_figures(made))
    price = {k: next(c["verdict"] for c in made[k].checks if c["item_id"] == "price_named") for k in CALLS}
    print("price checks on recognised audio:", price)
    assert price[("op-a", "en")] == "pass"  # "twenty-five dollars" survives recognition


def test_the_campaign_page_shows_the_report_to_leads_only(engine, eval_dir, tmp_path, qa_home):
    from fastapi.testclient import TestClient

    from qa import access
    from qa.core.settings import load_settings
    from qa.web.app import create_app
    from tests.test_web import PASSWORD, log_in

    campaign, made = run_campaign(engine, eval_dir, tmp_path, "transcript.json")
    access.add_user(engine, login="olga", role="lead", password=PASSWORD, actor="test")
    access.add_user(engine, login="anya", role="operator", operator_id="op-a", password=PASSWORD, actor="test")
    app = create_app(load_settings(home=qa_home, db_url=str(engine.url)), engine)
    lead, operator = (TestClient(app, follow_redirects=False) for _ in range(2))
    assert log_in(lead, "olga").status_code == 303 and log_in(operator, "anya").status_code == 303
    page = lead.get(f"/campaigns/{campaign.campaign_id}")
    assert page.status_code == 200
    assert "Shopper–machine agreement" in page.text and made[("op-c", "en")].error[:20] in page.text
    assert "price_named: no/fail" in page.text  # op-b's shopper and the machine both said the price was missing
    assert operator.get(f"/campaigns/{campaign.campaign_id}").status_code == 403
    own = operator.get("/operators/op-a", params={"period": "all"}).text  # her scorecard: a block of its own
    assert 'id="mystery">2 Entries' in own
    assert f'href="/campaigns/{campaign.campaign_id}">{campaign.title}<' in lead.get("/campaigns").text
