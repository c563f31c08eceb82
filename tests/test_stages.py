"""Pure stages: features, alignment, roles, hallucination guard (no models)."""

from __future__ import annotations

import pytest

from qa.core.types import (
    AsrResult,
    AsrSegment,
    Diarization,
    Direction,
    Role,
    SpeakerTurn,
    Utterance,
    Word,
)
from transcription.align import align_channels, align_mono
from transcription.features import compute_features, merge_intervals
from transcription.lexicons import phantom_phrases
from transcription.roles import (
    MonoRoleRule,
    assign_channel_roles,
    assign_mono_roles,
    role_scores,
)
from transcription.transcribe import TranscriberOptions, drop_hallucinations


def utt(role: str, start: float, end: float, text: str = "word word", speaker: str | None = None) -> Utterance:
    return Utterance(Role(role), speaker or role, start, end, text)


def test_features_talk_silence_overtalk_interruptions_latency():
    utterances = [
        utt("agent", 0.0, 4.0, "здравствуйте магазин ромашка меня зовут анна"),  # 6 words
        utt("customer", 5.0, 10.0, "добрый день хочу заказать чайник"),  # 5 words
        utt("agent", 7.0, 8.0, "да"),  # agent starts 2 s into the customer's turn, customer goes on 2 s: interruption
        utt("agent", 12.0, 14.0, "какой объём нужен"),  # 2 s after the customer stopped
        utt("customer", 13.8, 14.2, "полтора"),  # starts at the agent's tail: overlap, not an interruption
        utt("customer", 20.0, 21.0, "да"),
    ]
    f = compute_features(utterances, duration_s=25.0)
    assert f.duration_s == 25.0
    assert f.talk_s == pytest.approx(4 + 5 + 2.2 + 1)
    assert f.overtalk_s == pytest.approx(1.0 + 0.2)
    assert f.silence_longest_s == pytest.approx(20.0 - 14.2)
    assert f.silence_total_s == pytest.approx(1.0 + 2.0 + 5.8)
    agent, customer = f.for_role(Role.AGENT), f.for_role(Role.CUSTOMER)
    assert agent.talk_s == pytest.approx(7.0) and customer.talk_s == pytest.approx(6.4)
    assert f.talk_listen_ratio == pytest.approx(7.0 / 6.4, abs=1e-3)
    assert agent.interruptions == 1 and customer.interruptions == 0
    assert agent.turns == 3 and agent.words == 10
    assert agent.speech_rate_wpm == pytest.approx(10 / (7.0 / 60), abs=0.1)
    # agent answers 2.0 s after the customer's 5-10 s turn ends; the 7.0 s start overlaps and is no latency
    assert agent.response_latency_mean_s == pytest.approx(2.0) and agent.response_latency_max_s == pytest.approx(2.0)
    # customer answers the greeting after 1.0 s; 13.8 s starts over the agent; at 20 s the customer
    # had spoken last, so that gap is dead air, not a response
    assert customer.response_latency_mean_s == pytest.approx(1.0) and customer.response_latency_max_s == pytest.approx(1.0)
    assert agent.loudness_dbfs is None  # no audio given


def test_merge_intervals():
    assert merge_intervals([(3, 4), (0, 1), (0.5, 2)]) == [(0, 2), (3, 4)]


def _w(start: float, end: float, text: str, p: float = 0.9) -> Word:
    return Word(start, end, text, p)


def _seg(*words: Word, **kw) -> AsrSegment:
    return AsrSegment(
        start_s=words[0].start_s if words else 0.0, end_s=words[-1].end_s if words else 0.0,
        text=kw.get("text", "".join(w.text for w in words)), words=words,
        avg_logprob=kw.get("avg_logprob", -0.2), no_speech_prob=kw.get("no_speech_prob", 0.01),
        compression_ratio=kw.get("compression_ratio", 1.2),
    )


def test_align_mono_assigns_words_by_overlap_and_splits_on_speaker_change():
    asr = AsrResult(
        segments=(_seg(_w(0.0, 0.5, " Hello"), _w(0.6, 1.0, " there."), _w(1.2, 1.6, " Hi"), _w(1.7, 2.0, " Anna."), _w(5.0, 5.5, " Bye.")),),
        language="en", language_probability=0.9,
    )
    diarization = Diarization(
        turns=(SpeakerTurn("SPEAKER_00", 0.0, 1.1), SpeakerTurn("SPEAKER_01", 1.15, 2.1), SpeakerTurn("SPEAKER_00", 4.9, 6.0)),
        method="pyannote",
    )
    utterances = align_mono(asr, diarization)
    assert [(u.speaker, u.text) for u in utterances] == [
        ("SPEAKER_00", "Hello there."), ("SPEAKER_01", "Hi Anna."), ("SPEAKER_00", "Bye."),
    ]
    assert utterances[1].start_s == 1.2 and utterances[1].end_s == 2.0


def test_align_channels_interleaves_by_time_and_splits_long_pauses():
    ch0 = AsrResult(segments=(_seg(_w(0.0, 0.4, " Добрый"), _w(0.5, 0.9, " день.")), _seg(_w(6.0, 6.5, " Слушаю."))), language="ru", language_probability=1)
    ch1 = AsrResult(segments=(_seg(_w(2.0, 2.5, " Здравствуйте.")),), language="ru", language_probability=1)
    roles = assign_channel_roles(["ch0", "ch1"], agent_channel=0)
    utterances = align_channels({"ch0": ch0, "ch1": ch1}, roles)
    assert [(u.role, u.text) for u in utterances] == [
        (Role.AGENT, "Добрый день."), (Role.CUSTOMER, "Здравствуйте."), (Role.AGENT, "Слушаю."),
    ]
    assert assign_channel_roles(["ch0", "ch1"], agent_channel=1).role_of("ch1") == Role.AGENT


def test_mono_roles_follow_the_greeting_not_the_first_speaker():
    utterances = [
        utt("unknown", 0.0, 1.0, "Алло?", speaker="S0"),
        utt("unknown", 1.5, 5.0, "Интернет-магазин «Ромашка», меня зовут Анна, чем могу помочь?", speaker="S1"),
        utt("unknown", 5.5, 8.0, "Я хочу заказать чайник.", speaker="S0"),
        utt("unknown", 8.5, 12.0, "Оформляю ваш заказ, оставайтесь на линии.", speaker="S1"),
    ]
    roles = assign_mono_roles(utterances, Direction.INBOUND)
    assert roles.role_of("S1") == Role.AGENT and roles.role_of("S0") == Role.CUSTOMER
    assert roles.confidence > 0.9 and roles.method == "content"


def test_mono_roles_a_customer_naming_the_shop_is_still_the_customer():
    utterances = [
        utt("unknown", 0.5, 3.0, "«Книжный двор», Дмитрий, добрый день!", speaker="S0"),
        utt("unknown", 3.8, 8.0, "Добрый день. Скажите, у вас есть эта книга?", speaker="S1"),
        utt("unknown", 8.8, 16.0, "Да, есть, восемьсот девяносто рублей.", speaker="S0"),
        utt("unknown", 17.5, 21.0, "А в магазине на Садовой можно забрать?", speaker="S1"),
    ]
    assert assign_mono_roles(utterances, Direction.INBOUND).role_of("S0") == Role.AGENT


def test_mono_roles_without_cues_fall_back_to_who_answers_and_are_unsure():
    utterances = [utt("unknown", 0.0, 1.0, "Да?", speaker="A"), utt("unknown", 1.5, 3.0, "Ну да.", speaker="B")]
    inbound = assign_mono_roles(utterances, Direction.INBOUND)
    outbound = assign_mono_roles(utterances, Direction.OUTBOUND)
    assert inbound.role_of("A") == Role.AGENT and outbound.role_of("B") == Role.AGENT
    assert 0.5 < inbound.confidence < 0.75


def test_mono_roles_override():
    utterances = [utt("unknown", 0.0, 1.0, "my name is Tom, how can I help", speaker="A"), utt("unknown", 1.5, 3.0, "hi", speaker="B")]
    roles = assign_mono_roles(utterances, None, MonoRoleRule.FIRST_IS_CUSTOMER)
    assert roles.role_of("B") == Role.AGENT and roles.method == "override:first-is-customer"


@pytest.mark.parametrize(
    "text, kw, reason",
    [
        ("Продолжение следует...", {}, "phantom phrase"),
        ("Субтитры сделал DimaTorzok", {}, "phantom phrase"),
        ("Thanks for watching!", {}, "phantom phrase"),
        ("Дякую за перегляд!", {}, "phantom phrase"),
        ("мм", {"no_speech_prob": 0.9, "avg_logprob": -1.5}, "no speech"),
        ("да да да да да да да да да да да да", {"compression_ratio": 3.1}, "repetitive"),
    ],
)
def test_hallucination_guard_drops_invented_text(text, kw, reason):
    words = tuple(_w(i * 0.3, i * 0.3 + 0.2, " " + t) for i, t in enumerate(text.split()))
    kept, dropped = drop_hallucinations([_seg(*words, text=text, **kw)], TranscriberOptions(model="x"))
    assert kept == [] and dropped and dropped[0].startswith(reason)


@pytest.mark.parametrize("phrase", phantom_phrases())
def test_every_phantom_phrase_of_the_lexicons_is_dropped(phrase):
    text = phrase.capitalize() + "!"
    words = tuple(_w(i * 0.3, i * 0.3 + 0.2, " " + t) for i, t in enumerate(text.split()))
    kept, dropped = drop_hallucinations([_seg(*words, text=text)], TranscriberOptions(model="x"))
    assert kept == [] and dropped[0].startswith("phantom phrase")


def test_mono_role_cues_of_every_language_count_in_any_call():
    # a Ukrainian opening and an English agent cue in one call: the lexicons are merged, not chosen by language
    utterances = [
        utt("unknown", 0.0, 1.0, "Алло?", speaker="S0"),
        utt("unknown", 1.5, 5.0, "Інтернет-магазин «Краса», мене звати Андрій, слухаю вас.", speaker="S1"),
        utt("unknown", 5.5, 8.0, "Hold on, your order is ready.", speaker="S1"),
    ]
    scores = role_scores(utterances, Direction.INBOUND)
    # openings магазин (ru.yaml), мене звати, слухаю (uk.yaml); agent cues hold on, your order (en.yaml);
    # S0 only gets the +2 of the inbound call's first speaker
    assert scores["S1"] == 3 * 3 + 2 and scores["S0"] == 2


def test_hallucination_guard_keeps_real_speech_and_cuts_word_loops():
    opts = TranscriberOptions(model="x")
    real = _seg(_w(0, 0.3, " Спасибо"), _w(0.3, 0.6, " за"), _w(0.6, 1.0, " заказ."))
    loop = _seg(*[_w(i * 0.2, i * 0.2 + 0.1, " алло") for i in range(6)])
    kept, dropped = drop_hallucinations([real, loop], opts)
    assert kept[0] == real
    assert kept[1].text == "алло алло" and len(kept[1].words) == 2
    assert any("repeated" in d for d in dropped)
    # a phantom sentence at the end of a call goes, the goodbye after it stays; a credit line goes whole
    bye = _seg(_w(36.2, 36.6, " Thanks"), _w(36.6, 36.8, " for"), _w(36.8, 37.2, " watching."), _w(37.3, 37.6, " Bye."))
    kept, dropped = drop_hallucinations([bye], opts)
    assert [w.text for w in kept[0].words] == [" Bye."] and kept[0].start_s == 37.3 and "phantom phrase cut" in dropped[0]
    credit = _seg(_w(0, 0.4, " Субтитры"), _w(0.4, 0.8, " сделал"), _w(0.8, 1.5, " Вася."), _w(1.6, 2.0, " Пока."))
    assert drop_hallucinations([credit], opts)[0] == []
    # a subscription word inside a long real sentence is not a phantom
    long = _seg(*[_w(i, i + 0.5, " " + t) for i, t in enumerate("please subscribe me to the monthly box for my sister and mom".split())])
    assert drop_hallucinations([long], opts)[0] == [long]


def test_asr_pieces_hold_at_most_their_share_of_speech_and_cut_between_regions():
    from transcription.transcribe import _pieces

    speech = [{"start": s, "end": s + 300} for s in range(0, 5000, 500)]  # ten regions of 300 samples
    pieces = _pieces(speech, 1000)
    assert [len(p) for p in pieces] == [3, 3, 3, 1] and [r for p in pieces for r in p] == speech
    assert _pieces([{"start": 0, "end": 5000}], 1000) == [[{"start": 0, "end": 5000}]]  # a long region stays whole
    assert _pieces([], 1000) == [[]]
