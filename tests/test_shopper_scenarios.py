"""Mystery-shopper scenarios, answers, checks and agreement: validation with file + line + fix, amounts said in
digits and words, traps and upsells on small hand-made transcripts, Cohen's kappa and the suspicious-entry flags.
No ASR models: transcripts are built by hand (or read from the labeled synthetic calls)."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

import pytest

from mystery_shopper.agreement import EntrySummary, agreement, shopper_vs_machine, suspicious
from mystery_shopper.answers import load_answers
from mystery_shopper.checks import Check, check_scenario, parse_amounts
from mystery_shopper.scenario import SCENARIOS_DIR, find_scenario, list_scenarios, load_scenario
from qa.core.errors import ScenarioError
from qa.core.types import CriterionResult, Evidence, Role, RoleAssignment, Scorecard, Transcript, Utterance, Verdict

RU = SCENARIOS_DIR / "ru_coat_callback.yaml"
EN = SCENARIOS_DIR / "en_gift_subscription.yaml"
RU_TEXT = RU.read_text(encoding="utf-8")


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return lines[nth - 1]


def _error_line(error: str, path: Path) -> int:
    assert error.startswith(f"{path}:"), error
    return int(error[len(str(path)) + 1 :].split(":")[0])


def transcript(language: str, turns: list[tuple[str, str]]) -> Transcript:
    """Turns of ("agent" | "customer", text), 3 s each."""
    speakers = {"agent": ("ch0", Role.AGENT), "customer": ("ch1", Role.CUSTOMER)}
    utts = tuple(Utterance(speakers[who][1], speakers[who][0], 3.0 * i, 3.0 * i + 2.5, text)
                 for i, (who, text) in enumerate(turns))
    return Transcript(language, utts, RoleAssignment((("ch0", Role.AGENT), ("ch1", Role.CUSTOMER)), 1.0, "test"))


def card(*results: CriterionResult, outcome: dict | None = None) -> Scorecard:
    return Scorecard("order_desk", 5, "0" * 64, "ru", tuple(results), (), None, False, outcome=tuple((outcome or {}).items()))


def only(checks: list[Check], item_id: str) -> Check:
    return next(c for c in checks if c.item_id == item_id)


# ---------------------------------------------------------------- scenarios


def test_example_scenarios_load():
    scenarios = {s.id: s for s in list_scenarios()}
    assert set(scenarios) == {"ru_coat_callback", "en_gift_subscription"}
    ru, en = scenarios["ru_coat_callback"], scenarios["en_gift_subscription"]
    assert (ru.language, ru.persona, en.language, en.persona) == ("ru", "existing_customer", "en", "new_customer")
    for s in (ru, en):
        assert s.rubric_id == "order_desk" and s.version >= 1 and len(s.sha256) == 64 and s.path.parent == SCENARIOS_DIR
        assert {f.kind for f in s.facts} == {"amount", "phrase"} and s.traps and s.upsell and s.upsell.after_order
        assert {i.target_kind for i in s.checklist} == {"criterion", "fact", "trap", "upsell", "shopper"}
    assert find_scenario("ru_coat_callback") == ru and find_scenario(str(EN)) == en


def test_unknown_scenario_names_the_known_ones(tmp_path):
    with pytest.raises(ScenarioError) as info:
        find_scenario("no_such_scenario")
    assert "ru_coat_callback" in str(info.value) and "qa shopper scenario list" in str(info.value)
    with pytest.raises(ScenarioError, match="no such scenario file"):
        find_scenario(str(tmp_path / "missing.yaml"))


def test_two_files_with_one_id_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(RU_TEXT, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(RU_TEXT.replace("version: 1", "version: 2"), encoding="utf-8")
    with pytest.raises(ScenarioError, match="also used by"):
        list_scenarios(tmp_path)


CHECKLIST_DELIVERY = '  - {id: delivery_named, title: "Назвал день доставки", area: competence, weight: 1, maps_to: "fact:delivery_term"}\n'


@pytest.mark.parametrize(
    "mutate, needle, nth, message",
    [
        (lambda s: s.replace("area: cross_upsell", "area: upselling"), "area: upselling", 1, "area: Input should be"),
        (lambda s: s.replace('"fact:price"', '"fact:cost"'), "fact:cost", 1, "names no expected fact; known: delivery_term, price"),
        (lambda s: s.replace("id: delivery_named", "id: price_named"), "id: price_named", 2, "'price_named' is used twice"),
        (lambda s: s.replace("  - id: price\n", "  - id: price\n    colour: red\n"), "colour: red", 1, "Extra inputs are not permitted"),
        (lambda s: s.replace("language: ru", "language: de"), "language: de", 1, "language: Input should be 'ru', 'uk' or 'en'"),
        (lambda s: s.replace('"criterion:farewell"', '"criterion:goodbye"'), "criterion:goodbye", 1, "names no criterion of rubric 'order_desk'"),
        (lambda s: s.replace("maps_to: upsell}", "maps_to: upsel}"), "maps_to: upsel}", 1, "is not one of criterion:"),
        (lambda s: s.replace("rubric: order_desk", "rubric: no_such_rubric"), "rubric: no_such_rubric", 1, "cannot be used"),
        (lambda s: s.replace("    amount: 14900\n", ""), "kind: amount", 1, "give `amount:`"),
        (lambda s: s.replace(CHECKLIST_DELIVERY, ""), "- id: delivery_term", 1, "fact 'delivery_term' is not checked"),
        (lambda s: s.replace("area: competence, weight: 2", "area: competence, weight: 0"), "weight: 0", 1, "greater than 0"),
        (lambda s: s.replace("version: 1", "version: one"), "version: one", 1, "version: Input should be a valid integer"),
        (lambda s: s.replace("    tolerance: 0\n", "    tolerance: -5\n"), "tolerance: -5", 1, "greater than or equal to 0"),
    ],
)
def test_malformed_scenarios_name_file_line_and_fix(tmp_path, mutate, needle, nth, message):
    text = mutate(RU_TEXT)
    assert text != RU_TEXT
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    error = str(info.value)
    assert message in error, error
    assert _error_line(error, path) == _line_of(text, needle, nth), error


# ---------------------------------------------------------------- answers

ANSWERS = """\
shopper: nick
called_at: 2026-11-20T14:05:00
dialled_number: "+7 495 123-45-67"
rings: 3
service_rating: 8
items:
  greeting: yes
  needs: {answer: no, comment: " asked nothing "}
  price_named: yes
  delivery_named: yes
  readback: "yes"
  no_i_dont_know: na
  accessory_offered: no
  farewell: yes
  promo_mentioned: n/a
  friendly_tone: {answer: yes}
"""


def test_answers_load_in_checklist_order(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    answers = load_answers(path, load_scenario(RU))
    assert (answers.shopper, answers.dialled_number, answers.rings, answers.service_rating) == ("nick", "+7 495 123-45-67", 3, 8)
    assert answers.called_at is not None and answers.called_at.hour == 14
    assert list(answers.items) == [i.id for i in load_scenario(RU).checklist]
    assert answers.items["needs"].answer == "no" and answers.items["needs"].comment == "asked nothing"
    assert answers.items["greeting"].answer == "yes" and answers.items["promo_mentioned"].answer == "na"


@pytest.mark.parametrize(
    "mutate, needle, message",
    [
        (lambda s: s.replace("service_rating: 8", "service_rating: 11"), "service_rating: 11", "less than or equal to 10"),
        (lambda s: s.replace("service_rating: 8", "service_rating: 7.5"), "service_rating: 7.5", "valid integer"),
        (lambda s: s.replace("  farewell: yes\n", "  farewell: yes\n  parking: yes\n"), "parking: yes",
         "unknown checklist item 'parking' (scenario 'ru_coat_callback'); known items: greeting, needs"),
        (lambda s: s.replace("  farewell: yes\n", ""), "items:", "no answer for farewell"),
        (lambda s: s.replace("  farewell: yes", "  farewell: maybe"), "farewell: maybe", "answer 'maybe' is not yes, no or na"),
        (lambda s: s.replace('dialled_number: "+7 495 123-45-67"', "dialled_number: 84951234567"), "dialled_number", "in quotes"),
        (lambda s: s.replace("rings: 3", "rings: -1"), "rings: -1", "greater than or equal to 0"),
        (lambda s: s.replace("called_at: 2026-11-20T14:05:00", "called_at: 2026-11-20"), "called_at", "date and the time"),
        (lambda s: s.replace("service_rating: 8\n", ""), None, "service_rating: Field required"),
    ],
)
def test_malformed_answers_name_file_line_and_fix(tmp_path, mutate, needle, message):
    text = mutate(ANSWERS)
    assert text != ANSWERS
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_answers(path, load_scenario(RU))
    error = str(info.value)
    assert message in error, error
    if needle:
        assert _error_line(error, path) == _line_of(text, needle), error


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    "language, text, expected",
    [
        ("ru", "Это будет 2 490 рублей.", (2490,)),
        ("ru", "итого 2490р., доставка 14,900 ₽", (2490, 14900)),
        ("ru", "Стоит тридцать одна тысяча девятьсот, подключение за две пятьсот", (31900, 2500)),
        ("ru", "две тысячи четыреста девяносто", (2490,)),
        ("ru", "цена четырнадцать тысяч девятьсот", (14900,)),
        ("ru", "шарф три двести", (3200,)),
        ("ru", "полторы тысячи или 15 тысяч, до двухсот", (1500, 15000, 200)),
        ("ru", "сорок, пять", (40, 5)),
        ("uk", "шість тисяч чотириста дев'яносто дев'ять гривень", (6499,)),
        ("en", "The box is $45, or $45.99 with shipping", (45, 45.99)),
        ("en", "It's twenty-five dollars, five products a month", (25, 5)),
        ("en", "fourteen ninety-nine for two bulbs", (14.99, 2)),
        ("en", "two hundred and fifty, a thousand, 2,490 dollars", (250, 1000, 2490)),
        ("en", "fourteen dollars and ninety-nine cents", (14.99,)),
        ("en", "no numbers here", ()),
    ],
)
def test_amounts_in_digits_and_words(language, text, expected):
    assert parse_amounts(text, language) == pytest.approx(expected)


@pytest.mark.parametrize("tolerance, verdict", [(10, Verdict.PASS), (9.99, Verdict.FAIL), (0, Verdict.FAIL)])
def test_amount_tolerance_is_absolute_and_inclusive(tolerance, verdict):
    scenario = load_scenario(RU)
    price = replace(scenario.facts[0], amount=2490, tolerance=tolerance)
    scenario = replace(scenario, facts=(price, *scenario.facts[1:]))
    call = transcript("ru", [("customer", "Сколько стоит?"), ("agent", "Это будет две тысячи пятьсот рублей.")])
    check = only(check_scenario(scenario, call, None), "price_named")
    assert check.verdict == verdict and check.kind == "fact"
    assert check.quote == "Это будет две тысячи пятьсот рублей." and check.start_s == 3.0


def test_amount_said_by_the_customer_does_not_count():
    call = transcript("ru", [("customer", "Мне сказали четырнадцать тысяч девятьсот"), ("agent", "Да, всё верно.")])
    check = only(check_scenario(load_scenario(RU), call, None), "price_named")
    assert check.verdict == Verdict.FAIL and check.quote is None and "no amount" in check.reason


# ---------------------------------------------------------------- traps, phrases, upsell, criteria

RU_TRAP = "А рукава какие — подойдут, если у меня короткие руки?"


@pytest.mark.parametrize(
    "answers, verdict, quoted",
    [
        (["Не знаю, честно."], Verdict.FAIL, 0),
        (["Не знаю точно, оставайтесь на линии, я уточню."], Verdict.PASS, 0),
        (["Не знаю.", "Минуту, сейчас уточню у коллег."], Verdict.PASS, 1),
        (["Рукав стандартный, в ателье подошьют."], Verdict.PASS, None),
    ],
)
def test_trap_fails_on_not_knowing_without_a_hold_offer(answers, verdict, quoted):
    turns = [("agent", "Добрый день!"), ("customer", RU_TRAP)] + [("agent", a) for a in answers]
    check = only(check_scenario(load_scenario(RU), transcript("ru", turns), None), "no_i_dont_know")
    assert check.kind == "trap" and check.verdict == verdict, check.reason
    assert check.quote == (answers[quoted] if quoted is not None else None)
    assert "answer to the trap question" in check.reason


def test_a_hold_offer_after_the_customer_speaks_in_between_still_counts():
    turns = [("customer", RU_TRAP), ("agent", "Не знаю."), ("customer", "Хм."), ("agent", "Минуту, сейчас уточню.")]
    check = only(check_scenario(load_scenario(RU), transcript("ru", turns), None), "no_i_dont_know")
    assert check.verdict == Verdict.PASS and check.quote == "Минуту, сейчас уточню."


def test_trap_reads_only_the_answer_when_the_question_is_found():
    turns = [("customer", "Вы не знаете, где у вас парковка?"), ("agent", "Не знаю, я на удалёнке."),
             ("customer", RU_TRAP), ("agent", "Оставайтесь на линии, я уточню у технолога.")]
    assert only(check_scenario(load_scenario(RU), transcript("ru", turns), None), "no_i_dont_know").verdict == Verdict.PASS
    unfound = [("customer", "Когда поставка?"), ("agent", "Не знаю.")]  # no trap question: every agent turn is read
    check = only(check_scenario(load_scenario(RU), transcript("ru", unfound), None), "no_i_dont_know")
    assert check.verdict == Verdict.FAIL and "not found" in check.reason


def test_english_trap_and_shipping_phrase():
    turns = [("agent", "We ship on the fifth of every month."),
             ("customer", "When exactly will the first box arrive? Her birthday is on the twelfth."),
             ("agent", "No idea, sorry, it depends on the courier.")]
    checks = check_scenario(load_scenario(EN), transcript("en", turns), None)
    assert only(checks, "no_i_dont_know").verdict == Verdict.FAIL
    assert only(checks, "no_i_dont_know").quote == "No idea, sorry, it depends on the courier."
    shipping = only(checks, "shipping_named")
    assert shipping.verdict == Verdict.PASS and "ship on" in shipping.reason


UPSELL_CALL = [("agent", "Шарф к нему тоже есть."), ("customer", "Давайте пальто."), ("agent", "Заказ оформлен."),
               ("agent", "К пальто есть шарф из той же коллекции, добавить?")]


@pytest.mark.parametrize(
    "outcome, verdict, quote",
    [
        ({"order_placed": True, "order_events": [{"kind": "agreed", "utterance_index": 1}]}, Verdict.PASS, UPSELL_CALL[3][1]),
        ({"order_placed": True, "order_events": [{"kind": "placed", "utterance_index": 3}]}, Verdict.PASS, UPSELL_CALL[3][1]),
        ({"order_placed": False, "order_events": []}, Verdict.NA, None),
        ({}, Verdict.NA, None),
    ],
)
def test_upsell_counts_after_the_order_of_the_scorecard(outcome, verdict, quote):
    check = only(check_scenario(load_scenario(RU), transcript("ru", UPSELL_CALL), card(outcome=outcome)), "accessory_offered")
    assert check.kind == "upsell" and check.verdict == verdict and check.quote == quote, check.reason


def test_upsell_only_before_the_order_fails_and_needs_a_scorecard():
    call = transcript("ru", UPSELL_CALL[:3])
    placed = card(outcome={"order_placed": True, "order_events": [{"kind": "placed", "utterance_index": 2}]})
    check = only(check_scenario(load_scenario(RU), call, placed), "accessory_offered")
    assert check.verdict == Verdict.FAIL and "only before" in check.reason and check.quote == UPSELL_CALL[0][1]
    unscored = only(check_scenario(load_scenario(RU), call, None), "accessory_offered")
    assert unscored.verdict == Verdict.NA and unscored.confidence == 0.0


def test_criterion_items_carry_the_scorecard_verdict():
    ev = Evidence(0, 0.0, 2.5, "agent", "Добрый день!", "greet: добрый день")
    scored = card(CriterionResult("greeting", "opening", Verdict.PASS, "greets", (ev,), 0.9, 10, False))
    checks = check_scenario(load_scenario(RU), transcript("ru", [("agent", "Добрый день!")]), scored)
    greeting = only(checks, "greeting")
    assert (greeting.verdict, greeting.quote, greeting.end_s, greeting.confidence) == (Verdict.PASS, "Добрый день!", 2.5, 0.9)
    assert only(checks, "needs").verdict == Verdict.NA and "has no criterion 'needs_discovery'" in only(checks, "needs").reason
    unscored = only(check_scenario(load_scenario(RU), transcript("ru", [("agent", "Алло")]), None), "greeting")
    assert unscored.verdict == Verdict.NA and "no scorecard" in unscored.reason


def test_one_check_per_machine_item_and_it_serialises():
    scenario = load_scenario(RU)
    checks = check_scenario(scenario, transcript("ru", [("agent", "Добрый день!")]), None)
    assert [c.item_id for c in checks] == [i.id for i in scenario.checklist if i.maps_to != "shopper"]
    assert asdict(checks[0])["item_id"] == "greeting"


# ---------------------------------------------------------------- agreement


def test_kappa_against_a_hand_computed_example():
    shopper = "yes yes yes yes yes yes no no no yes".split()
    machine = "yes yes yes yes no yes no yes no no".split()
    result = agreement(list(zip(shopper, machine)) + [("na", "yes"), ("no", "na")])  # na pairs are left out
    n, agree = 10, 7
    p_yes_s, p_yes_m = 7 / n, 6 / n
    expected = p_yes_s * p_yes_m + (1 - p_yes_s) * (1 - p_yes_m)  # 0.54
    assert (result.n, result.agree, result.percent) == (10, 7, pytest.approx(0.7))
    assert result.kappa == pytest.approx((agree / n - expected) / (1 - expected))
    assert result.kappa == pytest.approx(0.16 / 0.46)


def test_kappa_edges():
    assert agreement([]) == agreement([("na", "na")]) and agreement([]).kappa is None and agreement([]).percent is None
    assert agreement([("yes", "yes")] * 4).kappa == 1.0
    assert agreement([("yes", "no"), ("no", "yes")]).kappa == pytest.approx(-1.0)


def test_shopper_vs_machine_from_fresh_and_stored_checks(tmp_path):
    scenario = load_scenario(RU)
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    answers = load_answers(path, scenario)
    checks = [Check("greeting", "service_quality", "criterion", Verdict.PASS, "", None, None, None, 1.0),
              Check("needs", "competence", "criterion", Verdict.PASS, "", None, None, None, 1.0),
              Check("no_i_dont_know", "critical_situation", "trap", Verdict.FAIL, "", None, None, None, 1.0)]
    rows = {r.item_id: r for r in shopper_vs_machine(scenario, answers, checks)}
    assert (rows["greeting"].machine, rows["greeting"].agrees) == ("yes", True)
    assert (rows["needs"].shopper, rows["needs"].machine, rows["needs"].agrees) == ("no", "yes", False)
    assert rows["no_i_dont_know"].agrees is None  # the shopper said na
    assert rows["friendly_tone"].machine is None and rows["friendly_tone"].agrees is None
    stored = [{**asdict(c), "verdict": c.verdict.value} for c in checks]
    stored_answers = {k: {"answer": a.answer, "comment": a.comment} for k, a in answers.items.items()}
    assert shopper_vs_machine(scenario, stored_answers, stored) == list(rows.values())


def _entry(entry_id: int, shopper: str, rating: int, answer: str = "yes") -> EntrySummary:
    return EntrySummary(entry_id, shopper, rating, {"a": answer, "b": "na", "c": "yes" if answer == "yes" else "no"})


def test_suspicious_flags_all_perfect_and_rating_outliers():
    entries = [_entry(1, "ann", 8, "no"), _entry(2, "ann", 7, "no"), _entry(3, "bob", 8, "no"), _entry(4, "cid", 7, "no"),
               _entry(5, "dan", 10), _entry(6, "dan", 10)]
    flags = suspicious(entries)
    assert set(flags) == {5, 6}
    assert any(f.startswith("all perfect") for f in flags[5]) and any("rating outlier: dan" in f for f in flags[5])
    assert suspicious(entries[:4]) == {}
    two = suspicious([_entry(1, "ann", 9, "no"), _entry(2, "bob", 5, "no")])  # 4 points apart: both stand out
    assert set(two) == {1, 2} and "rating outlier" in two[1][0]
    close = [_entry(1, "ann", 8, "no"), _entry(2, "bob", 8, "no"), _entry(3, "cid", 8, "no"), _entry(4, "dan", 9, "no")]
    assert suspicious(close) == {}  # one point off three identical means: z = 1 with the one-point spread floor
    assert suspicious([_entry(1, "ann", 10, "no")]) == {}


# ---------------------------------------------------------------- the synthetic calls the scenarios fit


@pytest.mark.parametrize(
    "call_dir, scenario, expected",
    [
        ("ru-dev-005", RU, {"price_named": "pass", "delivery_named": "pass", "no_i_dont_know": "pass", "accessory_offered": "pass"}),
        ("en-dev-004", EN, {"price_named": "pass", "shipping_named": "pass", "no_i_dont_know": "fail", "upgrade_offered": "pass"}),
    ],
)
def test_scenarios_on_the_synthetic_calls_they_fit(eval_dir, monkeypatch, call_dir, scenario, expected):
    import scoring.criteria.upsell as upsell
    from qa.ingest.interchange import read_interchange
    from scoring.rubric import find_rubric
    from scoring.score import score

    monkeypatch.setattr(upsell, "semantic_hits", lambda *a: [])  # patterns only: no sentence encoder in this test
    call = read_interchange(eval_dir / "synthetic" / call_dir / "transcript.json")
    scored = score(call.transcript, call.features, find_rubric("order_desk"))
    checks = {c.item_id: c for c in check_scenario(load_scenario(scenario), call.transcript, scored)}
    assert {k: checks[k].verdict.value for k in expected} == expected
    assert all(c.quote for k, c in checks.items() if k in expected and c.verdict == Verdict.PASS and k != "no_i_dont_know")
    for c in checks.values():
        if c.kind == "criterion":
            assert c.verdict == scored.result(next(i.target_id for i in load_scenario(scenario).checklist if i.id == c.item_id)).verdict


def test_a_price_glued_to_the_next_number_by_recognition_is_read_both_ways():
    from mystery_shopper.checks import _glued

    assert _glued("The monthly box is $25.5 products every month") == (25.0,)  # "$25. 5 products", as Whisper wrote it
    assert _glued("it costs 25.50 in total") == () and _glued("version 2.5") == ()
