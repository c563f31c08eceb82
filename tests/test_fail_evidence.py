"""A fail says where it looked: the window ``searched`` and the ``nearest`` candidate with why it did not count
(ru/uk/en calls written by hand, no ASR model)."""

from __future__ import annotations

import re

import pytest

from qa.core.types import Evidence, Role, RoleAssignment, Transcript, Utterance, Verdict, Word
from scoring.criteria.common import FAIL, judge
from scoring.rubric import RUBRICS_DIR, load_rubric
from scoring.score import score
from scoring.text import analyse
from transcription.features import compute_features

ROLES = RoleAssignment((("agent", Role.AGENT), ("customer", Role.CUSTOMER)), 1.0, "test")


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(RUBRICS_DIR / "order_desk.yaml")


def timed(language: str, *turns: tuple[float, str, str]) -> Transcript:
    utts = [Utterance(Role(role), role, start, start + 0.3 * len(text.split()) + 0.5, text) for start, role, text in turns]
    return Transcript(language, tuple(utts), ROLES)


def result(rubric, transcript: Transcript, criterion: str):
    features = compute_features(transcript.utterances, transcript.utterances[-1].end_s)
    return score(transcript, features, rubric).result(criterion)


def kinds(r) -> dict[str, list[Evidence]]:
    out: dict[str, list[Evidence]] = {}
    for e in r.evidence:
        out.setdefault(e.kind, []).append(e)
    return out


def only_window(r) -> Evidence:
    """The one ``searched`` item, checked for its shape: no utterance, no quote, a window, what was sought."""
    (window,) = kinds(r)["searched"]
    assert window.utterance_index is None and window.quote == ""
    assert window.start_s is not None and window.end_s is not None and window.start_s <= window.end_s
    assert re.match(r"[a-z]+\.v1: \w", window.rule), window.rule  # the kind, then what it sought
    return window


GREETING_EN = [(0.5, "agent", "Hi, how can I help you today?"), (3.0, "customer", "I need a kettle.")]


def test_greeting_fail_quotes_the_first_turn_and_names_what_it_lacks(rubric):
    r = result(rubric, timed("en", *GREETING_EN), "greeting")
    assert r.verdict == Verdict.FAIL
    (near,) = kinds(r)["nearest"]
    assert near.utterance_index == 0 and near.role == "agent" and "company name" in near.rule and "own name" in near.rule
    window = only_window(r)
    assert (window.start_s, window.end_s, window.role) == (0.5, near.end_s, "agent")


def test_a_late_greeting_shows_the_window_it_missed(rubric):
    late = timed("ru", (0.5, "customer", "Алло? Алло?"), (21.0, "agent", "Магазин «Ромашка», Анна, здравствуйте."))
    r = result(rubric, late, "greeting")
    assert r.verdict == Verdict.FAIL
    window = only_window(r)
    assert (window.start_s, window.end_s) == (0.0, 15.0) and "15 s" in window.rule
    (near,) = kinds(r)["nearest"]
    assert near.utterance_index == 1 and "21 s" in near.rule


def test_nps_fail_shows_the_recommend_question_without_a_scale(rubric):
    asked = timed("ru", (0.5, "agent", "Магазин «Ромашка», Анна, здравствуйте."), (4.0, "customer", "Здравствуйте."),
                  (6.0, "agent", "Вы бы порекомендовали нас друзьям?"), (9.0, "customer", "Да, наверное."),
                  (11.0, "agent", "Спасибо, до свидания!"))
    r = result(rubric, asked, "nps_question")
    assert r.verdict == Verdict.FAIL
    (near,) = kinds(r)["nearest"]
    assert near.utterance_index == 2 and "no 0-10 scale" in near.rule
    window = only_window(r)  # every agent turn was searched
    assert window.role == "agent" and window.start_s == 0.5 and window.end_s == asked.utterances[-1].end_s


def test_nps_fail_without_any_candidate_still_says_where_it_looked(rubric):
    none = timed("uk", (0.5, "agent", "Магазин «Ромашка», Олена, добрий день."), (4.0, "customer", "Добрий день, є чайник?"),
                 (7.0, "agent", "Так, є. Дякую, до побачення!"))
    r = result(rubric, none, "nps_question")
    assert r.verdict == Verdict.FAIL and "nearest" not in kinds(r)
    window = only_window(r)
    assert (window.start_s, window.end_s) == (0.5, none.utterances[-1].end_s) and "0-10" in window.rule


def test_an_ignored_question_quotes_it_and_the_reply_that_was_checked(rubric):
    turns = timed("ru", (0.5, "agent", "Магазин «Ромашка», Анна, здравствуйте."),
                  (4.0, "customer", "Здравствуйте, хочу чайник на дачу."),
                  (8.0, "customer", "А скидка пенсионерам у вас есть?"),
                  (11.0, "agent", "Могу предложить чайник Бриз за две тысячи."))
    r = result(rubric, turns, "active_listening")
    assert r.verdict == Verdict.FAIL
    quote = r.evidence[0]
    assert quote.kind == "quote" and quote.utterance_index == 2 and quote.rule == "ignored question"
    (reply,) = kinds(r)["nearest"]
    assert reply.utterance_index == 3 and reply.role == "agent" and "no yes/no answer word" in reply.rule
    window = only_window(r)  # from the end of the question to the end of the reply checked
    assert (window.start_s, window.end_s) == (turns.utterances[2].end_s, turns.utterances[3].end_s)


def test_hold_fails_quote_the_request_and_search_after_it(rubric):
    checked = timed("en", (0.5, "agent", "Let me check that."), (3.0, "agent", "It is in stock."))
    r = result(rubric, checked, "hold_etiquette")
    assert r.verdict == Verdict.FAIL and "without asking" in r.reason
    (near,) = kinds(r)["nearest"]
    assert near.utterance_index == 0 and "does not ask the customer to wait" in near.rule
    assert only_window(r).end_s == checked.utterances[-1].end_s
    unthanked = timed("ru", (0.0, "agent", "Магазин «Ромашка», Анна, здравствуйте."), (3.0, "customer", "А доставка в Кудрово сколько?"),
                      (6.0, "agent", "Кудрово... секунду."), (9.0, "agent", "Так, доставка тысяча двести."))
    r = result(rubric, unthanked, "hold_etiquette")
    assert r.verdict == Verdict.FAIL and r.evidence[0].quote == "Кудрово... секунду." and r.evidence[0].kind == "nearest"
    window = only_window(r)  # the agent's turns after the request
    assert (window.start_s, window.end_s) == (unthanked.utterances[2].end_s, unthanked.utterances[3].end_s)


def test_a_hold_na_says_what_it_looked_for(rubric):
    r = result(rubric, timed("en", (0.0, "customer", "Hi"), (2.0, "agent", "Hello, how can I help?")), "hold_etiquette")
    assert r.verdict == Verdict.NA and "silence of 8 s" in only_window(r).rule


def test_discovery_fail_searches_up_to_the_proposal_and_shows_the_specification_question(rubric):
    sale = timed("en", (0.5, "agent", "PartsPoint, Grace speaking."), (3.0, "customer", "I need a headlight bulb."),
                 (6.0, "agent", "What size is the socket?"), (9.0, "customer", "H4, I think."),
                 (12.0, "agent", "We have the Sylvania at twenty dollars."), (16.0, "agent", "What will you use it for?"))
    r = result(rubric, sale, "needs_discovery")
    assert r.verdict == Verdict.FAIL
    assert r.evidence[0].kind == "quote" and r.evidence[0].utterance_index == 4  # the first proposal ends the window
    (near,) = kinds(r)["nearest"]
    assert near.utterance_index == 2 and "specification" in near.rule
    window = only_window(r)
    assert (window.start_s, window.end_s) == (0.0, sale.utterances[4].end_s) and "before the first proposal" in window.rule


def test_farewell_fail_quotes_the_last_agent_turn(rubric):
    ended = timed("uk", (0.5, "agent", "Магазин «Ромашка», Олена, добрий день."), (4.0, "customer", "Є чайник Бриз?"),
                  (7.0, "agent", "Так, є, коштує тисяча гривень."), (11.0, "agent", "Доставка завтра."))
    r = result(rubric, ended, "farewell")
    assert r.verdict == Verdict.FAIL
    (near,) = kinds(r)["nearest"]
    assert near.utterance_index == 3 and "last utterance" in near.rule
    window = only_window(r)  # the agent's last two utterances
    assert (window.start_s, window.end_s) == (7.0, ended.utterances[3].end_s) and "last 2" in window.rule


def test_the_window_and_extra_candidates_leave_the_confidence_alone():
    """Confidence rests on what the verdict quotes (its ASR word probabilities), not on where it looked."""
    heard = Utterance(Role.AGENT, "agent", 0.0, 1.0, "hello there", words=(Word(0.0, 0.5, "hello", 0.5), Word(0.5, 1.0, "there", 0.7)))
    clear = Utterance(Role.AGENT, "agent", 2.0, 3.0, "bye now", words=(Word(2.0, 2.5, "bye", 0.9), Word(2.5, 3.0, "now", 0.9)))
    first, second = analyse((heard, clear), "en").utterances
    plain = judge(FAIL, "x", nearest=[(first, "why")])
    shown = judge(FAIL, "x", nearest=[(first, "why")], more=[Evidence(None, 0.0, 3.0, "agent", "", "looked", "searched"),
                                                              Evidence(1, 2.0, 3.0, "agent", "bye now", "also", "nearest")])
    assert plain.confidence == shown.confidence == 0.6
    assert judge(FAIL, "x", nearest=[(first, "why"), (second, "why")]).confidence == 0.75
    assert [e.kind for e in shown.evidence] == ["nearest", "searched", "nearest"]
