"""`qa eval`: the ASR noise model, disagreements with their evidence, the outcome against gold, calibration
figures, and the `--json` shape (no models: typed transcripts only)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from qa.core.errors import ConfigError
from qa.core.types import (
    CriterionResult,
    Evidence,
    Role,
    RoleAssignment,
    Scorecard,
    Transcript,
    Utterance,
    Verdict,
    Word,
)
from qa.pipeline.evaluate import LabeledCard, calibration, compare, evaluate_path, outcome_checks
from qa.pipeline.imports import read_labeled
from qa.pipeline.noise import NoiseSpec, change_ending, noisy_transcript, probabilities
from scoring.rubric import find_rubric
from scoring.score import score

runner = CliRunner()

RU = (
    ("agent", 0.5, 4.0, "Интернет-магазин, меня зовут Анна, здравствуйте! Чем могу помочь?"),
    ("customer", 4.5, 9.0, "Здравствуйте. Я хочу заказать беспроводные наушники, но пока не выбрал, какие именно."),
    ("agent", 9.5, 15.0, "Хорошо, давайте подберём. Расскажите, для чего они вам нужны: для спорта или для работы?"),
    ("customer", 15.5, 20.0, "В основном в метро езжу, и на созвонах по работе сижу. Что посоветуете?"),
    ("agent", 20.5, 26.0, "Сейчас посмотрю. Спасибо за ожидание, есть модель с шумоподавлением, доставка завтра."),
)


def _transcript(rows=RU, language: str = "ru", with_words: bool = True) -> Transcript:
    utterances = []
    for role, start_s, end_s, text in rows:
        tokens = text.split()
        step = (end_s - start_s) / len(tokens)
        words = tuple(Word(start_s + i * step, start_s + (i + 1) * step, t, 0.9) for i, t in enumerate(tokens))
        utterances.append(Utterance(Role(role), role, start_s, end_s, text, words if with_words else ()))
    return Transcript(language, tuple(utterances), RoleAssignment((("agent", Role.AGENT), ("customer", Role.CUSTOMER)), 1.0, "typed"))


# ---------------------------------------------------------------- the noise model


def test_noise_is_deterministic_and_keeps_timing_and_roles():
    clean = _transcript()
    spec = NoiseSpec(0.3, seed=0)
    first = noisy_transcript(clean, spec, "ru-call-1")
    assert first == noisy_transcript(clean, spec, "ru-call-1")  # same seed + level + input = same output
    assert first.text != clean.text
    assert [(u.role, u.speaker, u.start_s, u.end_s) for u in first.utterances] == [
        (u.role, u.speaker, u.start_s, u.end_s) for u in clean.utterances]
    # another seed, another call id: another draw
    assert noisy_transcript(clean, NoiseSpec(0.3, seed=1), "ru-call-1").text != first.text
    assert noisy_transcript(clean, spec, "ru-call-2").text != first.text


def test_noise_level_zero_changes_nothing():
    clean = _transcript()
    assert noisy_transcript(clean, NoiseSpec(0.0, seed=7), "any") == clean


def test_word_timings_follow_the_noisy_text():
    noisy = noisy_transcript(_transcript(), NoiseSpec(0.5, seed=3), "call")
    for u in noisy.utterances:
        assert [w.text for w in u.words] == u.text.split()
        assert u.words[0].start_s == pytest.approx(u.start_s) and u.words[-1].end_s == pytest.approx(u.end_s, abs=1e-3)
        assert all(a.end_s == pytest.approx(b.start_s, abs=1e-3) for a, b in zip(u.words, u.words[1:]))
    without = noisy_transcript(_transcript(with_words=False), NoiseSpec(0.5, seed=3), "call")
    assert all(u.words == () for u in without.utterances)


def test_full_level_lowercases_and_drops_punctuation_everywhere():
    assert probabilities(1.0)["lowercase"] == 1.0 and probabilities(0.1)["glue"] == pytest.approx(0.015)
    noisy = noisy_transcript(_transcript(), NoiseSpec(1.0, seed=0), "call")
    for u in noisy.utterances:
        assert u.text == u.text.lower()
        assert not set(u.text) & set(".,!?:«»")
    # stronger noise changes more words
    clean_words = _transcript().text.lower().split()
    changed = {lvl: sum(a != b for a, b in zip(clean_words, noisy_transcript(_transcript(), NoiseSpec(lvl, 0), "c").text.lower().split()))
               for lvl in (0.1, 0.6)}
    assert changed[0.6] > changed[0.1]


def test_endings_change_by_language():
    import random

    rng = random.Random(0)
    assert change_ending("orders", "en", rng) == "order"
    assert change_ending("confirmed", "en", rng) == "confirm"
    assert change_ending("order", "en", rng) in {"orders", "ordered"}
    ru = change_ending("заказать", "ru", rng)
    assert ru != "заказать" and ru.startswith("заказа"[:5]) and len(ru) >= len("заказать") - 2
    assert change_ending("iPhone", "ru", rng) in {"iPhones", "iPhoneed"}  # Latin words in a Russian call: en endings


def test_noise_level_out_of_range_is_a_config_error():
    with pytest.raises(ConfigError, match="between 0 and 1"):
        NoiseSpec(1.5)


# ---------------------------------------------------------------- figures on crafted scorecards


def _result(cid: str, verdict: str, confidence: float = 0.9, quote: str = "") -> CriterionResult:
    evidence = (Evidence(3, 12.5, 14.0, "agent", quote, f"{cid}: phrase"),) if quote else ()
    return CriterionResult(cid, "s", Verdict(verdict), f"{cid} is {verdict}", evidence, confidence, 1.0, False)


def _card(results, **outcome) -> Scorecard:
    return Scorecard("r", 1, "h", "ru", tuple(results), (), None, False, outcome=tuple(outcome.items()))


def test_errors_carry_the_predicted_verdicts_evidence():
    scored = [
        LabeledCard("c1", {"greeting": "fail", "farewell": "pass"}, {},
                    _card([_result("greeting", "pass", quote="Добрый день!"), _result("farewell", "pass")])),
        LabeledCard("c2", {"greeting": "pass"}, {}, _card([_result("greeting", "pass", quote="Здравствуйте")])),
    ]
    reports = compare(scored)
    assert reports["greeting"].n == 2 and reports["greeting"].accuracy == 0.5
    (error,) = reports["greeting"].errors
    assert (error.call_id, error.criterion_id, error.gold, error.predicted) == ("c1", "greeting", "fail", "pass")
    assert error.reason == "greeting is pass"
    assert [(e.quote, e.start_s, e.rule) for e in error.evidence] == [("Добрый день!", 12.5, "greeting: phrase")]
    assert reports["farewell"].errors == ()


def test_outcome_counts_right_and_wrong_calls_and_skips_missing_gold():
    scored = [
        LabeledCard("right", {}, {"order_placed": True, "nps_score": 9}, _card([], order_placed=True, nps_score=9)),
        LabeledCard("missed", {}, {"order_placed": True, "nps_score": None}, _card([], order_placed=False, nps_score=None)),
        LabeledCard("phantom", {}, {"order_placed": False, "nps_score": None}, _card([], order_placed=True, nps_score=7)),
        LabeledCard("nps-off", {}, {"order_placed": False, "nps_score": 8}, _card([], order_placed=False, nps_score=6)),
        LabeledCard("no-gold", {}, {}, _card([], order_placed=True, nps_score=3)),
    ]
    checks = outcome_checks(scored)
    order = checks["order_placed"]
    assert (order.n, order.correct) == (4, 2)
    assert [(m.call_id, m.gold, m.predicted) for m in order.misses] == [("missed", True, False), ("phantom", False, True)]
    nps = checks["nps_score"]  # "missed" has no score on either side: not counted
    assert (nps.n, nps.correct) == (3, 1)
    assert [(m.call_id, m.gold, m.predicted) for m in nps.misses] == [("phantom", None, 7), ("nps-off", 8, 6)]


def test_calibration_figures_over_all_labeled_verdicts():
    # eight confident verdicts (0.9), all right; two unsure ones (0.6), the first of them wrong
    results = [_result(f"sure{i}", "pass", 0.9) for i in range(8)] + [_result("unsure0", "fail", 0.6), _result("unsure1", "pass", 0.6)]
    gold = {r.criterion_id: "pass" for r in results}
    cal = calibration([LabeledCard("c1", gold, {}, _card(results))])
    assert cal.n == 10 and cal.accuracy == 0.9 and cal.mean_confidence == pytest.approx(0.84)
    assert cal.ece == pytest.approx((8 * 0.1 + 2 * 0.1) / 10)  # |1.0 - 0.9| on eight, |0.5 - 0.6| on two
    assert dict(cal.at_coverage) == {0.9: pytest.approx(8 / 9), 0.8: pytest.approx(1.0)}
    flagged = [replace(r, needs_review=r.confidence < 0.7) for r in results]
    cal = calibration([LabeledCard("c1", gold, {}, _card(flagged))])
    assert cal.needs_review == 2 and cal.accuracy_trusted == 1.0


# ---------------------------------------------------------------- on real interchange files (typed, no models)


@pytest.fixture(scope="module")
def crafted(eval_dir, tmp_path_factory) -> tuple[Path, dict]:
    """Three dev calls copied to a folder with one label set against the rules' verdict, one order outcome set
    against the detector's and one NPS score off by one; the third file has no outcome at all."""
    rubric = find_rubric("order_desk")
    folder = tmp_path_factory.mktemp("crafted")
    names = ["ru-dev-001", "en-dev-001", "uk-dev-001"]
    expected = {"flipped": None, "order": [], "nps": []}
    for i, name in enumerate(names):
        doc = json.loads((eval_dir / "labeled-dev" / f"{name}.json").read_text(encoding="utf-8"))
        card = score(*_typed(eval_dir / "labeled-dev" / f"{name}.json"), rubric)
        predicted = {r.criterion_id: r.verdict.value for r in card.results}
        outcome = dict(card.outcome)
        if i == 0:
            other = next(v for v in ("pass", "fail", "na") if v != predicted["greeting"])
            doc["labels"]["greeting"] = other
            expected["flipped"] = (doc["call_id"], other, predicted["greeting"])
            doc["outcome"] = {"order_placed": not outcome["order_placed"], "nps_score": outcome["nps_score"]}
            expected["order"].append((doc["call_id"], False))
            if outcome["nps_score"] is not None:
                expected["nps"].append((doc["call_id"], True))
        elif i == 1:
            nps = outcome["nps_score"]
            doc["outcome"] = {"order_placed": outcome["order_placed"], "nps_score": 5 if nps is None else nps + 1}
            expected["order"].append((doc["call_id"], True))
            expected["nps"].append((doc["call_id"], False))
        else:
            doc.pop("outcome", None)
        (folder / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder, expected


def _typed(path: Path):
    call = read_labeled(path)
    return call.transcript, call.features


def test_evaluate_path_reports_outcome_and_errors_on_interchange_files(crafted):
    folder, expected = crafted
    evaluation = evaluate_path(folder, find_rubric("order_desk"), processor=None)
    assert evaluation.calls == 3 and evaluation.noise is None
    order = evaluation.outcome["order_placed"]
    assert order.n == 2 and order.correct == sum(ok for _, ok in expected["order"])
    assert [m.call_id for m in order.misses] == [c for c, ok in expected["order"] if not ok]
    nps = evaluation.outcome["nps_score"]
    assert (nps.n, nps.correct) == (len(expected["nps"]), sum(ok for _, ok in expected["nps"]))
    call_id, gold, predicted = expected["flipped"]
    assert (call_id, gold, predicted) in {(e.call_id, e.gold, e.predicted) for e in evaluation.reports["greeting"].errors}
    assert evaluation.calibration.n == sum(r.n for r in evaluation.reports.values())


def test_noisy_evaluation_is_reproducible(crafted):
    folder, _ = crafted
    rubric = find_rubric("order_desk")
    a = evaluate_path(folder, rubric, processor=None, noise=NoiseSpec(0.3, seed=0))
    b = evaluate_path(folder, rubric, processor=None, noise=NoiseSpec(0.3, seed=0))
    assert a.noise.level == 0.3 and a.noise.seed == 0 and 0 < a.noise.word_error_rate < 0.6
    assert a == b


def test_cli_eval_json_shape_and_errors_table(crafted, tmp_path):
    folder, expected = crafted
    result = runner.invoke(app, ["eval", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["calls"] == 3 and data["noise"] is None
    assert set(data["outcome"]) == {"order_placed", "nps_score"}
    assert {"n", "correct", "accuracy", "wrong"} <= set(data["outcome"]["order_placed"])
    assert set(data["calibration"]) >= {"n", "ece", "bins", "accuracy", "accuracy_at_coverage", "needs_review"}
    assert set(data["calibration"]["accuracy_at_coverage"]) == {"0.9", "0.8"}
    call_id, gold, predicted = expected["flipped"]
    error = next(e for e in data["criteria"]["greeting"]["errors"] if e["call"] == call_id)
    assert (error["gold"], error["predicted"]) == (gold, predicted)
    assert {"reason", "confidence", "evidence"} <= set(error)
    assert all({"quote", "start_s", "rule"} <= set(e) for e in error["evidence"])

    table = runner.invoke(app, ["eval", str(folder), "--errors"])
    assert table.exit_code == 0 and "disagreements" in table.stdout and call_id in table.stdout
    assert "order_placed" in table.stdout and "ECE" in table.stdout

    noisy = json.loads(runner.invoke(app, ["eval", str(folder), "--json", "--asr-noise", "0.2", "--seed", "4"]).stdout)
    assert noisy["noise"]["level"] == 0.2 and noisy["noise"]["seed"] == 4 and noisy["noise"]["word_error_rate"] > 0


def test_cli_refuses_noise_on_audio_folders(tmp_path):
    call = tmp_path / "call-1"
    call.mkdir()
    (call / "transcript.json").write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(tmp_path), "--asr-noise", "0.1"])
    assert result.exit_code == 1 and "--asr-noise" in result.output
