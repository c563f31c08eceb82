"""Dialogue acts on paraphrases in ru/uk/en, with and without ASR punctuation."""

from __future__ import annotations

import pytest

from qa.core.errors import LexiconError
from scoring.acts import tag_acts
from scoring.lexicons import load_lexicon
from scoring.text import analyse
from tests.test_criteria import call


def acts(language: str, *turns: tuple[str, str]) -> list[set[str]]:
    transcript = call(language, *turns)
    return [set(t.acts) for t in tag_acts(analyse(transcript.utterances, language))]


@pytest.mark.parametrize("language, text, kind", [
    ("ru", "Какой объем вам нужен?", "question_open"),
    ("ru", "а для чего вы будете его использовать", "question_open"),  # raw ASR: no «?»
    ("ru", "а доставка в субботу возможна ли", "question_closed"),
    ("uk", "чи є у вас цей чайник у білому кольорі", "question_closed"),
    ("uk", "скільки коштує доставка", "question_open"),
    ("en", "what will you mostly use it for", "question_open"),
    ("en", "do you have it in blue", "question_closed"),
    ("en", "Is it in stock?", "question_closed"),
])
def test_a_question_is_a_question_with_or_without_a_question_mark(language, text, kind):
    assert kind in acts(language, ("customer", text))[0]


@pytest.mark.parametrize("language, text", [
    ("ru", "Чайник на полтора литра, доставка завтра."), ("uk", "Чайник на півтора літра, доставка завтра."),
    ("en", "The kettle is one and a half litres, delivery tomorrow."),
])
def test_a_statement_is_no_question(language, text):
    assert not any(a.startswith("question") for a in acts(language, ("agent", text))[0])


def test_the_other_sides_next_turn_answers_a_question():
    tags = acts("en", ("customer", "does it come with a warranty"), ("customer", "and a case"),
                ("agent", "Two years, and the case is included."), ("agent", "Anything else?"))
    assert "answer" not in tags[1] and "answer" in tags[2] and "answer" not in tags[3]


@pytest.mark.parametrize("language, turn, expected", [
    ("ru", "К нему часто берут фильтр для воды, могу предложить со скидкой.", "offer"),
    ("uk", "Можу запропонувати чохол до телефону.", "offer"),
    ("en", "Would you like a spare bulb as well?", "offer"),
    ("ru", "Оставайтесь, пожалуйста, на линии, я проверю.", "hold_request"),
    ("uk", "Зачекайте хвилинку, я перевірю наявність.", "hold_request"),
    ("en", "Bear with me, let me check that for you.", "hold_request"),
    ("ru", "Спасибо за ожидание, нашла ваш заказ.", "hold_return"),
    ("en", "Sorry for the wait, I've found it.", "hold_return"),
    ("ru", "Итак, чайник, две тысячи рублей, доставка завтра.", "summary"),
    ("en", "So that's one lamp, forty five dollars, delivered Friday.", "summary"),
    ("uk", "Тобто вам потрібен чайник для дачі?", "clarification"),
    ("en", "Just to confirm, you mean the large one?", "clarification"),
    ("ru", "Честно, понятия не имею.", "not_knowing"),
    ("en", "I don't know, sorry.", "not_knowing"),
    ("uk", "Дякую за дзвінок, до побачення!", "goodbye"),
])
def test_acts_in_other_words(language, turn, expected):
    assert expected in acts(language, ("agent", turn))[0]


def test_an_unknown_act_in_a_language_file_is_an_error_with_file_and_line(tmp_path):
    path = tmp_path / "en.yaml"
    path.write_text("language: en\nnumber_words: {one: 1}\nacts:\n  small_talk: [weather]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="small_talk") as info:
        load_lexicon(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("language, text", [
    ("ru", "оплата у вас картой курьеру правильно"), ("uk", "доставка у суботу вам зручно так"),
    ("en", "delivery on friday to the same address right"),
    ("en", "Okay, I can do photos. When will I get a replacement? We've got family coming."),
])
def test_a_tag_question_or_one_inside_a_turn_is_a_question_and_the_reply_answers_it(language, text):
    tags = acts(language, ("agent", text), ("customer", "да" if language != "en" else "yes"))
    assert any(a.startswith("question") for a in tags[0]) and "answer" in tags[1]


def test_a_confirmation_word_alone_is_not_a_question():
    assert not any(a.startswith("question") for a in acts("ru", ("customer", "да правильно"))[0])
