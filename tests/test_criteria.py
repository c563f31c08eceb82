"""Criterion kinds on small hand-written transcripts (no ASR model)."""

from __future__ import annotations

import pytest

from qa.core.types import Role, RoleAssignment, Transcript, Utterance, Verdict
from scoring.criteria.nps import extract_score
from scoring.embeddings import semantic_hits
from scoring.rubric import RUBRICS_DIR, load_rubric
from scoring.score import score
from scoring.text import analyse
from transcription.features import compute_features


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(RUBRICS_DIR / "order_desk.yaml")


def call(language: str, *turns: tuple[str, str]) -> Transcript:
    utts, t = [], 0.5
    for role, text in turns:
        duration = 0.35 * len(text.split()) + 0.5
        utts.append(Utterance(Role(role), role, t, t + duration, text))
        t += duration + 0.7
    roles = RoleAssignment((("agent", Role.AGENT), ("customer", Role.CUSTOMER)), 1.0, "test")
    return Transcript(language, tuple(utts), roles)


def verdict(rubric, transcript: Transcript, criterion: str):
    features = compute_features(transcript.utterances, transcript.utterances[-1].end_s)
    return score(transcript, features, rubric).result(criterion)


@pytest.mark.parametrize(
    "language, turns, expected",
    [
        ("ru", [("customer", "Ой, я не знаю номер заказа."), ("agent", "Ничего страшного, найду по телефону.")], Verdict.PASS),
        ("ru", [("agent", "Вы не знаете номер заказа?"), ("customer", "Не знаю.")], Verdict.PASS),
        ("ru", [("customer", "А шланги в комплекте?"), ("agent", "Честно, не знаю точно, сейчас уточню.")], Verdict.FAIL),
        ("ru", [("customer", "А какой срок гарантии?"), ("agent", "Понятия не имею.")], Verdict.FAIL),
        ("uk", [("customer", "А є в білому?"), ("agent", "Гадки не маю, чесно.")], Verdict.FAIL),
        ("en", [("customer", "Is it waterproof?"), ("agent", "I'm not sure, let me check that for you.")], Verdict.PASS),
        ("en", [("customer", "Is it waterproof?"), ("agent", "I'm not sure, I don't know.")], Verdict.FAIL),
        # ASR text has no question mark: "you don't know" still asks, a bare "don't know" still admits
        ("en", [("agent", "oh no sorry you don't know the order number by any chance"), ("customer", "no I don't know it")], Verdict.PASS),
        ("en", [("customer", "Does it come in red?"), ("agent", "Don't know, sorry.")], Verdict.FAIL),
    ],
)
def test_no_i_dont_know_is_about_the_agent_admitting_it(rubric, language, turns, expected):
    result = verdict(rubric, call(language, *turns), "no_i_dont_know")
    assert result.verdict == expected, result.reason
    if expected == Verdict.FAIL:
        quote = result.evidence[0]
        assert quote.role == "agent" and quote.start_s is not None and quote.rule.startswith("admission")


ORDER_RU = [
    ("agent", "Интернет-магазин «Ромашка», меня зовут Анна, здравствуйте!"),
    ("customer", "Здравствуйте, хочу чайник."),
    ("agent", "Для чего вам чайник, какой объём нужен?"),
    ("customer", "Для дачи, литра полтора."),
    ("agent", "Есть модель Бриз, стоит две тысячи рублей."),
]


def test_upsell_counts_only_after_the_order(rubric):
    before = call("ru", *ORDER_RU[:4], ("agent", "Есть модель Бриз, две тысячи рублей, и к нему можно добавить фильтр."),
                  ("customer", "Давайте чайник, без фильтра."), ("agent", "Оформляю. Итого две тысячи рублей, доставка завтра."))
    after = call("ru", *ORDER_RU, ("customer", "Давайте его."),
                 ("agent", "Оформляю. Итого две тысячи рублей, доставка завтра. К нему обычно ещё берут фильтр, добавить?"))
    no_order = call("ru", *ORDER_RU, ("customer", "Спасибо, я подумаю."), ("agent", "Хорошо, всего доброго."))
    r_before, r_after = verdict(rubric, before, "upsell_after_order"), verdict(rubric, after, "upsell_after_order")
    assert r_before.verdict == Verdict.FAIL and "only before" in r_before.reason
    assert r_after.verdict == Verdict.PASS and r_after.evidence[0].utterance_index == 6
    assert verdict(rubric, no_order, "upsell_after_order").verdict == Verdict.NA
    assert verdict(rubric, no_order, "order_confirmation").verdict == Verdict.NA
    assert verdict(rubric, after, "order_confirmation").verdict == Verdict.PASS
    assert verdict(rubric, after, "needs_discovery").verdict == Verdict.PASS


@pytest.mark.parametrize(
    "offer, expected",
    [
        ("Хотите, мы его упакуем в подарочную бумагу? Это сто пятьдесят рублей.", Verdict.PASS),  # gift wrap
        ("Есть упаковка побольше, выходит дешевле. Может, сразу возьмёте большую?", Verdict.PASS),  # upgrade
        ("Подарочный набор Бриз, две тысячи рублей, доставка завтра.", Verdict.FAIL),  # a read-back is no offer
    ],
)
def test_upsell_after_the_order_in_other_words(rubric, offer, expected):
    transcript = call("ru", *ORDER_RU, ("customer", "Давайте его."), ("agent", offer))
    assert verdict(rubric, transcript, "upsell_after_order").verdict == expected


def test_order_confirmation_is_a_read_back_after_the_order(rubric):
    en = [("agent", "GlowBox, this is Tom speaking!"), ("customer", "I want a gift subscription for my sister.")]
    # price and delivery said while proposing, before the customer agreed: not a read-back
    proposal = call("en", *en, ("agent", "So it's the monthly box, twenty-five dollars, and we ship on the fifth."),
                    ("customer", "Okay. Let's do three months."), ("agent", "Great, that's all set up."))
    assert verdict(rubric, proposal, "order_confirmation").verdict == Verdict.FAIL
    # item, price, delivery and payment in one turn after the order: a read-back even without "to confirm"
    full = call("uk", ("agent", "Інтернет-магазин «Краса», мене звати Андрій."), ("customer", "Хочу шампунь Kérastase."),
                ("agent", "Коштує тисяча вісімсот сорок гривень. Доставка Новою поштою?"), ("customer", "Так, беру."),
                ("agent", "Добре: шампунь Kérastase, тисяча вісімсот сорок гривень, Нова пошта, відділення п'ять, оплата на картку."))
    assert verdict(rubric, full, "order_confirmation").verdict == Verdict.PASS


def test_semantic_similarity_catches_paraphrases_a_keyword_list_misses():
    text = analyse(call("ru", ("agent", "Многие покупатели заодно берут защитное стекло для экрана"), ("agent", "Доставка будет завтра до обеда")).utterances, "ru")
    hits = semantic_hits(list(text.utterances), ["к смартфону обычно ещё берут защитное стекло"], 0.5)
    assert [h[0].index for h in hits] == [0]


@pytest.mark.parametrize(
    "language, answer, number",
    [("ru", "Ну девять, наверное.", 9), ("ru", "Ставлю на восьмёрку.", 8), ("en", "Oh, a solid 9.", 9),
     ("uk", "Десять з десяти!", 10), ("ru", "Хм, 7.", 7), ("en", "Eight, I guess", 8),
     ("ru", "Девять... нет, восемь, пусть будет восемь.", 8), ("en", "Nine out of ten", 9),
     ("uk", "Вісім. Якщо диван приїде вчасно — буде десять.", 8)],
)
def test_nps_number_extraction(language, answer, number):
    utt = analyse(call(language, ("customer", answer)).utterances, language).utterances[0]
    assert extract_score(utt, language) == number


def test_nps_question_and_outcome(rubric):
    asked = call("ru", ("agent", "По шкале от нуля до десяти, насколько вероятно, что вы порекомендуете нас друзьям?"), ("customer", "На восьмёрку."))
    generic = call("ru", ("agent", "Вы довольны обслуживанием?"), ("customer", "Да."))
    card = score(asked, None, rubric)
    assert card.result("nps_question").verdict == Verdict.PASS and dict(card.outcome)["nps_score"] == 8
    assert score(generic, None, rubric).result("nps_question").verdict == Verdict.FAIL


def test_service_rating_goes_to_the_outcome_not_the_nps(rubric):
    transcript = call("ru", ("agent", "Оцените, пожалуйста, нашу работу от нуля до десяти."), ("customer", "На восьмёрку."),
                      ("agent", "Спасибо! До свидания."))
    card = score(transcript, None, rubric)
    assert dict(card.outcome)["service_rating"] == 8
    assert dict(card.outcome)["nps_score"] is None
    assert card.result("nps_question").verdict == Verdict.FAIL


def test_greeting_needs_greeting_company_and_own_name(rubric):
    full = call("ru", ("agent", "Зоомагазин «Лапки», меня зовут Ольга, добрый день!"), ("customer", "Здравствуйте"))
    no_name = call("ru", ("agent", "Добрый день, магазин «Техника», слушаю вас."), ("customer", "Здравствуйте"))
    customer_name = call("ru", ("agent", "Алло, Елена Викторовна? Вам удобно говорить?"), ("customer", "Да"))
    en = call("en", ("agent", "Hello, GlowBox, this is Tom speaking!"), ("customer", "Hi"))
    # an unknown brand name is not mistaken for a first name (pymorphy3 guesses 'Name' for unknown words)
    brand = call("ru", ("agent", "Интернетомагазин Трамашка, меня зовут Ольга, здравствуйте!"), ("customer", "Здравствуйте"))
    assert verdict(rubric, brand, "greeting").verdict == Verdict.PASS
    assert verdict(rubric, full, "greeting").verdict == Verdict.PASS
    assert "own name" in verdict(rubric, no_name, "greeting").reason
    assert verdict(rubric, customer_name, "greeting").verdict == Verdict.FAIL
    assert verdict(rubric, en, "greeting").verdict == Verdict.PASS
    # a Ukrainian name the Ukrainian dictionary lacks, in lowercase ASR text
    uk = call("uk", ("agent", "зоомагазин хвостик богдан добрий день"), ("customer", "добрий день"))
    assert verdict(rubric, uk, "greeting").verdict == Verdict.PASS


def test_needs_discovery_ignores_spec_questions_but_not_the_needs_beside_them(rubric):
    opening = [("agent", "HomeWorks appliances, Jim speaking, good morning."), ("customer", "I'm looking for a built-in dishwasher.")]
    spec_only = call("en", *opening, ("agent", "What size is the opening?"), ("customer", "Twenty four inch."),
                     ("agent", "The Bosch 300 costs eight forty nine dollars."))
    both = call("en", *opening, ("agent", "sure what size is the space and how often do you run it"),
                ("customer", "standard, every day"), ("agent", "The Bosch 300 costs eight forty nine dollars."))
    assert verdict(rubric, spec_only, "needs_discovery").verdict == Verdict.FAIL
    result = verdict(rubric, both, "needs_discovery")
    assert result.verdict == Verdict.PASS and result.evidence[0].rule == "open_question: how often"


LISTENING_OPENING = [
    ("agent", "Магазин «Ромашка», Анна, здравствуйте."),
    ("customer", "Здравствуйте, мне нужен чайник для дачи."),
    ("agent", "То есть вам нужен чайник для дачи, правильно понимаю?"),
]


@pytest.mark.parametrize(
    "turns, expected, rule",
    [
        # a clarifying question, every question answered
        ([("customer", "А он есть в белом цвете?"), ("agent", "Да, есть белый и серый.")], Verdict.PASS, "reflect"),
        # the answer may echo the question instead of saying yes/no
        ([("customer", "А до пятницы успеете привезти?"), ("agent", "Должны успеть, курьер позвонит.")], Verdict.PASS, "reflect"),
        # taking the question up to check it is an answer for now
        ([("customer", "А он сейчас есть на складе?"), ("agent", "Сейчас проверю, минутку.")], Verdict.PASS, "reflect"),
        # open questions and short follow-ups are not judged by this rule
        ([("customer", "А сколько стоит доставка?"), ("agent", "Чайник Бриз стоит две тысячи.")], Verdict.PASS, "reflect"),
        ([("customer", "А сборка?"), ("agent", "Чайник Бриз стоит две тысячи.")], Verdict.PASS, "reflect"),
        # a yes/no question answered with something else
        ([("customer", "А скидка пенсионерам у вас есть?"), ("agent", "Могу предложить чайник Бриз за две тысячи.")], Verdict.FAIL, "ignored question"),
        # the customer has to ask again
        ([("customer", "Сколько идёт доставка на дачу?"), ("agent", "Чайник Бриз стоит две тысячи."),
          ("customer", "Я про доставку спрашивала.")], Verdict.FAIL, "reask"),
    ],
)
def test_active_listening_fails_an_ignored_question(rubric, turns, expected, rule):
    result = verdict(rubric, call("ru", *LISTENING_OPENING, *turns), "active_listening")
    assert result.verdict == expected, result.reason
    assert result.evidence[0].rule.startswith(rule)
    if expected == Verdict.FAIL:
        quoted = {e.role for e in result.evidence}
        assert quoted == ({"customer"} if rule == "reask" else {"customer", "agent"})


def test_active_listening_in_english(rubric):
    opening = [("agent", "PartsPoint, Grace speaking."), ("customer", "I need a headlight bulb for a Civic.")]
    ignored = call("en", *opening, ("customer", "Is it hard to put in myself?"), ("agent", "The Sylvania comes in a two-pack."))
    answered = call("en", *opening, ("customer", "Is it hard to put in myself?"), ("agent", "Not really, it takes ten minutes."),
                    ("agent", "So you need the low beam, right?"))
    assert verdict(rubric, ignored, "active_listening").verdict == Verdict.FAIL
    assert verdict(rubric, answered, "active_listening").verdict == Verdict.PASS


def test_hold_etiquette(rubric):
    none = call("en", ("customer", "Hi"), ("agent", "Hello, how can I help?"))
    good = call("en", ("agent", "Let me check, please stay on the line."), ("agent", "Thank you for waiting, it is in stock."))
    silent = call("en", ("agent", "Let me check that."), ("agent", "It is in stock."))
    assert verdict(rubric, none, "hold_etiquette").verdict == Verdict.NA
    assert verdict(rubric, good, "hold_etiquette").verdict == Verdict.PASS
    assert verdict(rubric, silent, "hold_etiquette").verdict == Verdict.FAIL


def timed(language: str, *turns: tuple[float, str, str]) -> Transcript:
    """Utterances with explicit start times (a silence is a gap between them)."""
    utts = [Utterance(Role(role), role, start, start + 0.3 * len(text.split()) + 0.5, text) for start, role, text in turns]
    roles = RoleAssignment((("agent", Role.AGENT), ("customer", Role.CUSTOMER)), 1.0, "test")
    return Transcript(language, tuple(utts), roles)


def test_every_hold_is_announced_and_thanked_for(rubric):
    opening = [(0.0, "agent", "Магазин «Ромашка», Анна, здравствуйте."), (3.0, "customer", "Есть чайник Бриз в белом?")]
    proper = timed("ru", *opening, (6.0, "agent", "Спасибо. Подождите, пожалуйста, на линии, я проверю склад."),
                   (9.0, "customer", "Хорошо."), (40.0, "agent", "Спасибо, что подождали! Да, есть."))
    assert verdict(rubric, proper, "hold_etiquette").verdict == Verdict.PASS
    # the customer is left in silence: no request to wait before it
    silent = timed("ru", *opening, (6.0, "agent", "Так, смотрю."), (30.0, "customer", "Алло? Вы тут?"), (33.0, "agent", "Да, есть."))
    result = verdict(rubric, silent, "hold_etiquette")
    assert result.verdict == Verdict.FAIL and "went silent" in result.reason
    # the first hold is perfect, the second returns without thanks
    second = timed(
        "ru", *opening, (6.0, "agent", "Подождите, пожалуйста, на линии, я проверю склад."),
        (40.0, "agent", "Спасибо за ожидание! Да, есть."), (44.0, "customer", "А доставка в Кудрово сколько?"),
        (47.0, "agent", "Кудрово... секунду."), (70.0, "agent", "Так, доставка тысяча двести."),
    )
    result = verdict(rubric, second, "hold_etiquette")
    assert result.verdict == Verdict.FAIL and "did not thank" in result.reason
    assert result.evidence[0].quote == "Кудрово... секунду."


def test_metric_kind(tmp_path):
    rubric_file = tmp_path / "metrics.yaml"
    rubric_file.write_text(
        "id: timing\nversion: 1\ntitle: Timing\nlanguages: [en]\nsections:\n  - id: t\n    title: T\n    criteria:\n"
        "      - {id: dead_air, title: No long silence, kind: metric.v1, params: {metric: silence_longest_s, max: 5}}\n"
        "      - {id: talk_share, title: Lets the customer talk, kind: metric.v1, params: {metric: talk_listen_ratio, max: 2}}\n"
    )
    rubric = load_rubric(rubric_file)
    t = Transcript("en", (
        Utterance(Role.AGENT, "a", 0.0, 10.0, "long pitch"), Utterance(Role.CUSTOMER, "c", 20.0, 22.0, "ok"),
    ), RoleAssignment((), 1.0, "test"))
    card = score(t, compute_features(t.utterances, 22.0), rubric)
    assert card.result("dead_air").verdict == Verdict.FAIL and "10" in card.result("dead_air").reason
    assert card.result("talk_share").verdict == Verdict.FAIL
    assert card.total == 0.0


def test_low_asr_word_probability_lowers_the_confidence(rubric):
    from qa.core.types import Word

    def said(probability: float):
        words = tuple(Word(0.5 + i * 0.3, 0.7 + i * 0.3, " " + w, probability) for i, w in enumerate("я не знаю".split()))
        t = Transcript("ru", (Utterance(Role.AGENT, "ch0", 0.5, 1.5, "я не знаю", words),), RoleAssignment((), 1.0, "test"))
        return score(t, None, rubric).result("no_i_dont_know")

    clear, mumbled = said(1.0), said(0.3)
    assert clear.verdict == mumbled.verdict == Verdict.FAIL
    assert not clear.needs_review and clear.confidence >= 0.8
    # the rubric's confidence model scales by sqrt(word probability): a mumbled quote needs a person
    assert mumbled.confidence == pytest.approx(clear.confidence * 0.3 ** 0.5, abs=0.002) and mumbled.needs_review


def test_patterns_survive_words_glued_by_asr(rubric):
    glued = call("uk", ("agent", "Добрий день, інтернет-магазин гаджеток менезвати Оксана. Чим можу допомогти?"),
                 ("agent", "За шкалою від нуля до 10 наскільки імовірно, що випорекомендуєте нас друзям."), ("customer", "Дев'ять."))
    card = score(glued, None, rubric)
    assert card.result("greeting").verdict == Verdict.PASS
    assert card.result("nps_question").verdict == Verdict.PASS and dict(card.outcome)["nps_score"] == 9


@pytest.mark.parametrize(
    "language, question, answer, number",
    [
        # the bundled demo call through ASR: «от нуля» heard as «от руляды», «порекомендуете» as «прикомендуете»
        ("ru", "по шкале от руляды 10, насколько вероятно, что вы прикомендуете нас", "Девять", 9),
        ("ru", "и последний вопрос по десятибалльной шкале насколько вероятно что вы парекомендуете нас друзьям", "восемь", 8),
        ("ru", "оцените от нуля до десети насколько вероятно что вы рекамендуете наш магазин", "10", 10),
        ("uk", "за шкалою від нуля до десяти наскільки ймовірно що ви прикомендуєте нас друзям", "сім", 7),
        ("en", "on a scale of zero to ten how likely are you to recomend us to a friend", "nine", 9),
        ("en", "from zero to 10 how likely would you be to reckommend fresh cart", "8", 8),
    ],
)
def test_nps_question_survives_asr_misrecognitions(rubric, language, question, answer, number):
    transcript = call(language, ("agent", question), ("customer", answer))
    card = score(transcript, None, rubric)
    assert card.result("nps_question").verdict == Verdict.PASS, card.result("nps_question").reason
    assert dict(card.outcome)["nps_score"] == number
