"""PII redaction (qa.privacy) and the audio edits it feeds (qa.ingest.audio): planted personal data in ru/uk/en
comes out masked, ordinary order-desk talk stays as it was, a redacted transcript keeps its times, and muted audio
is silent exactly where the words were. No models: pymorphy3's dictionaries are data, loaded once per session."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from qa.core.types import Role, RoleAssignment, Transcript, Utterance, Word
from qa.ingest.audio import cut, mute, write_audio
from qa.privacy import KINDS, MuteSpan, Redaction, Span, find_pii, redact, redact_text
from qa.privacy.checksums import iban_ok, inn_ok, luhn_ok, snils_ok, ua_tax_id_ok
from tests.conftest import ROOT

SR = 16000


def kinds(text: str, language: str) -> list[str]:
    return [s.kind for s in find_pii(text, language)]


def assert_masked(text: str, language: str, kind: str, secret: str) -> None:
    out = redact_text(text, language)
    assert f"[{kind}]" in out, (out, find_pii(text, language))
    assert secret not in out, out


# ---------------------------------------------------------------- phones

@pytest.mark.parametrize(("language", "text", "secret"), [
    ("ru", "Мой номер +7 916 123-45-67, записали?", "916 123-45-67"),
    ("ru", "Запасной 8(916)1234567.", "1234567"),
    ("ru", "Звоните на 89161234567 после шести.", "89161234567"),
    ("uk", "Мій номер +380 67 123 4567, дякую.", "123 4567"),
    ("uk", "Телефонуйте 067 123 45 67.", "123 45 67"),
    ("en", "Call me on +44 20 7946 0958 please.", "7946 0958"),
    ("en", "My cell is (212) 555-0147.", "555-0147"),
    ("ru", "на который оформляли заказ. 816 420 31 07, спасибо", "420 31 07"),  # ASR joined «8» and «916»
])
def test_written_phones_are_masked(language, text, secret):
    assert_masked(text, language, "phone", secret)


@pytest.mark.parametrize(("language", "text", "secret"), [
    ("ru", "Записывайте: восемь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь.", "сорок пять"),
    ("ru", "Восемь, девятьсот шестнадцать, четыреста двадцать, тридцать один, ноль семь.", "тридцать один"),
    ("ru", "да восемь 916 123 45 67 это мой", "916"),
    ("uk", "Так, вісім нуль шістдесят сім сто двадцять три сорок п'ять шістдесят сім.", "шістдесят сім"),
    ("uk", "Нуль шістдесят сім, сто двадцять три, сорок п’ять, шістдесят сім.", "сто двадцять три"),
    ("en", "It's eight one two, five five five, zero one nine nine.", "zero one nine"),
    ("en", "sure it's two one two double five five oh one four seven", "double five"),
    ("ru", "плюс семь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь", "девятьсот"),
])
def test_spoken_phones_are_masked(language, text, secret):
    assert_masked(text, language, "phone", secret)


def test_a_short_local_number_is_masked_only_after_a_phone_cue():
    assert kinds("Рабочий телефон 123-45-67.", "ru") == ["phone"]
    assert kinds("Артикул 123-45-67 есть на складе.", "ru") == []


# ---------------------------------------------------------------- cards, accounts, IBAN, INN, СНИЛС, passports

@pytest.mark.parametrize("text", [
    "Оплачу картой 4276 3800 1234 5679.",
    "card number 4111-1111-1111-1111 expires next year",
    "Номер картки 5469380012345673",
])
def test_luhn_valid_cards_are_masked(text):
    assert kinds(text, "ru") == ["card"]


def test_a_luhn_invalid_sixteen_digit_order_number_is_not_a_card():
    text = "Номер заказа 1234 5678 9012 3456, проверьте."
    assert not luhn_ok("1234567890123456")
    assert redact_text(text, "ru") == text
    assert redact_text("Ваш трек 4276 3800 1234 5679.", "ru") == "Ваш трек 4276 3800 1234 5679."  # after «трек»


def test_a_spoken_card_number_is_masked():
    text = "четыре два семь шесть три восемь ноль ноль один два три четыре пять шесть семь девять"
    assert kinds(text, "ru") == ["card"]


def test_iban_valid_is_masked_and_invalid_is_not():
    assert kinds("IBAN GB82 WEST 1234 5698 7654 32, thanks", "en") == ["iban"]
    assert kinds("рахунок UA213223130000026007233566001", "uk") == ["iban"]
    assert kinds("IBAN GB82 WEST 1234 5698 7654 33", "en") == []


def test_inn_and_snils_need_their_check_digits():
    assert kinds("ИНН 7707083893", "ru") == ["inn"]
    assert kinds("ИНН 7707083894", "ru") == []
    assert kinds("мой ИНН 500100732259", "ru") == ["inn"]
    assert kinds("ІПН 3184710691", "uk") == ["inn"]
    assert kinds("СНИЛС 112-233-445 95", "ru") == ["snils"]
    assert kinds("СНИЛС 112-233-445 96", "ru") == []


def test_passports_and_accounts():
    assert kinds("паспорт серия 45 07 номер 123456", "ru") == ["passport"]
    assert kinds("Паспорт: 4507 123456, выдан в 2015 году", "ru") == ["passport"]
    assert kinds("паспорт серії КВ 123456", "uk") == ["passport"]
    assert kinds("Расчётный счёт 40817810099910004312 в Сбербанке", "ru") == ["account"]


def test_emails_written_and_spoken():
    assert_masked("Пишите на ivan.petrov@mail.ru, отвечу.", "ru", "email", "petrov")
    assert_masked("почта иван собака майл точка ру", "ru", "email", "майл")
    assert_masked("it's john dot smith at gmail dot com", "en", "email", "gmail")


# ---------------------------------------------------------------- addresses

@pytest.mark.parametrize(("language", "text", "secret"), [
    ("ru", "Адрес доставки: г. Москва, ул. Тверская, д. 12, кв. 34.", "Тверская"),
    ("ru", "живу на садовой улице дом пять квартира тридцать четыре", "садовой"),
    ("ru", "Проспект Мира, сто восемь, корпус два, квартира десять.", "Мира"),
    ("ru", "Записываю: Гончарова, двенадцать, квартира сорок пять.", "Гончарова"),
    ("uk", "Доставка на вул. Шевченка 12, кв. 5, будь ласка.", "Шевченка"),
    ("uk", "Бровари, вулиця Київська, сто дванадцять, квартира сорок.", "Київська"),
    ("en", "Deliver to 221B Baker Street, apt 4 please.", "Baker"),
    ("en", "The address is 27 Linden Court, Evanston.", "Linden"),
])
def test_addresses_are_masked(language, text, secret):
    assert_masked(text, language, "address", secret)


# ---------------------------------------------------------------- names

@pytest.mark.parametrize(("language", "text", "secret"), [
    ("ru", "Добрый день, меня зовут Сергей.", "Сергей"),
    ("ru", "меня зовут ирина ковалёва я по заказу", "ирина ковалёва"),
    ("ru", "Заказ оформлен на Ковалёву Ирину, всё верно?", "Ковалёву Ирину"),
    ("ru", "Алло, Елена Викторовна? Вам удобно говорить?", "Елена Викторовна"),
    ("ru", "оформите на фамилию Кузнецов", "Кузнецов"),
    ("ru", "алло добрый день это анна зоомагазин", "анна"),
    ("uk", "Добрий день, мене звати Олена Коваленко.", "Олена Коваленко"),
    ("uk", "Отримувачка Ганна Петрівна Коваль, вона вдома.", "Ганна Петрівна Коваль"),
    ("en", "Hi, my name is John Smith, and I'm calling about my order.", "John Smith"),
    ("en", "Am I speaking with Mr. Daniel Price?", "Daniel Price"),
    ("en", "Oak and Nest, Liam speaking.", "Liam"),
])
def test_names_are_masked(language, text, secret):
    assert_masked(text, language, "name", secret)


def test_a_name_span_covers_the_whole_name_and_nothing_else():
    spans = find_pii("Заказ оформлен на Ковалёву Ирину, всё верно?", "ru")
    assert [(s.kind, s.text) for s in spans] == [("name", "Ковалёву Ирину")]


# ---------------------------------------------------------------- what must stay

ORDINARY = [
    ("ru", "Стоимость две тысячи четыреста девяносто рублей, доставка бесплатная."),
    ("ru", "Номер заказа 45123678, оформлен 20.11.2026, доставка с 12:00 до 16:00."),
    ("ru", "Стоит семьдесят девять девятьсот, а со скидкой семьдесят четыре девятьсот девяносто рублей."),
    ("ru", "Возьму две штуки по триста пятьдесят и одну за тысячу двести."),
    ("ru", "Надежда есть, что привезут в пятницу, двадцатое, с двенадцати до шестнадцати."),
    ("ru", "Вера в ваш магазин у меня пропала, но любовь к дивану осталась."),
    ("ru", "«Мебельград», добрый день! Слушаю вас."),
    ("ru", "Угловой диван «Бергамо», серый, в наличии на складе."),
    ("ru", "На улице было минус пять, курьер опоздал на сорок минут."),
    ("ru", "Заказ номер пятьсот сорок семь восемьсот двенадцать, верно?"),
    ("ru", "Промокод 1234567890123 не сработал, сумма 12 490 рублей."),
    ("ru", "Трек-номер 59001234567890, посылка в пути."),
    ("ru", "Алло. Да, это я. Хорошо, спасибо, всего доброго."),
    ("uk", "Замовлення двадцять п'ять сімсот сімнадцять — три книжки, вартість 1 490 гривень."),
    ("uk", "Алло. Сірий графіт є на складі, доставка три-чотири дні."),
    ("uk", "Надія є, що встигнемо до суботи."),
    ("en", "Order five five eight one two was delivered Tuesday, it's a hundred sixty-nine ninety-nine."),
    ("en", "This is about my order, it's five minutes down the road."),
    ("en", "Hello, GlowBox here, this is MedExpress support."),
    ("en", "That's two chairs at three twenty-nine ninety-nine, delivered on Monday the 5th."),
]


@pytest.mark.parametrize(("language", "text"), ORDINARY)
def test_ordinary_order_desk_talk_is_left_alone(language, text):
    assert redact_text(text, language) == text, find_pii(text, language)


def test_spans_are_sorted_disjoint_and_quote_the_text():
    text = "Меня зовут Анна, мой телефон +7 916 123-45-67, почта anna@mail.ru, адрес ул. Ленина, д. 5."
    spans = find_pii(text, "ru")
    assert [s.kind for s in spans] == ["name", "phone", "email", "address"]
    assert all(isinstance(s, Span) and s.kind in KINDS and text[s.start:s.end] == s.text for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    assert redact_text(text, "ru") == "Меня зовут [name], мой телефон [phone], почта [email], адрес [address]."


def test_empty_and_blank_texts():
    assert find_pii("", "ru") == [] and find_pii("   ", "en") == []
    assert redact_text("", "uk") == ""


# ---------------------------------------------------------------- checksums

def test_checksums():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112") and not luhn_ok("")
    assert inn_ok("7707083893") and inn_ok("500100732259") and not inn_ok("500100732258") and not inn_ok("123")
    assert snils_ok("11223344595") and not snils_ok("11223344596") and not snils_ok("00100100000")
    assert iban_ok("DE89 3704 0044 0532 0130 00") and not iban_ok("DE89 3704 0044 0532 0130 01")
    assert not iban_ok("ZZ") and not iban_ok("DE89 ЯЯЯЯ 0044 0532 0130 00")
    assert ua_tax_id_ok("3184710691") and not ua_tax_id_ok("3184710692")


# ---------------------------------------------------------------- redact(transcript)

def words_for(text: str, start_s: float, end_s: float) -> tuple[Word, ...]:
    """Whisper-style words (leading spaces), evenly spread over the utterance."""
    tokens = text.split()
    step = (end_s - start_s) / len(tokens)
    return tuple(Word(start_s + i * step, start_s + (i + 1) * step - 0.01, f" {t}", 0.9) for i, t in enumerate(tokens))


def utterance(text: str, start_s: float, end_s: float, role: Role = Role.CUSTOMER, *, words: bool = True) -> Utterance:
    return Utterance(role=role, speaker=role.value, start_s=start_s, end_s=end_s, text=text,
                     words=words_for(text, start_s, end_s) if words else ())


def transcript(*utterances: Utterance, language: str = "ru") -> Transcript:
    return Transcript(language=language, utterances=utterances,
                      role_assignment=RoleAssignment(roles=(), confidence=1.0, method="test"))


CALL = transcript(
    utterance("Добрый день, меня зовут Сергей, слушаю вас.", 0.0, 4.0, Role.AGENT),
    utterance("Мой номер восемь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь.", 4.5, 10.5),
    utterance("Спасибо, диван будет в пятницу.", 11.0, 13.0, Role.AGENT),
    utterance("Карта 4276 3800 1234 5679, оформите на Ковалёву Ирину.", 13.5, 18.0, words=False),
)


def test_redact_keeps_utterances_roles_and_times():
    result = redact(CALL)
    assert isinstance(result, Redaction)
    assert len(result.transcript.utterances) == len(CALL.utterances)
    for before, after in zip(CALL.utterances, result.transcript.utterances):
        assert (after.start_s, after.end_s, after.role, after.speaker) == (before.start_s, before.end_s, before.role,
                                                                            before.speaker)
    texts = [u.text for u in result.transcript.utterances]
    assert texts == [
        "Добрый день, меня зовут [name], слушаю вас.",
        "Мой номер [phone].",
        "Спасибо, диван будет в пятницу.",
        "Карта [card], оформите на [name].",
    ]
    assert result.transcript.utterances[2] == CALL.utterances[2]


def test_masked_words_keep_their_timings_and_the_mute_spans_cover_them():
    result = redact(CALL)
    original = CALL.utterances[1].words
    words = result.transcript.utterances[1].words
    assert [w.text for w in words] == [" Мой", " номер", " [phone]."]
    phone = words[-1]
    assert (phone.start_s, phone.end_s) == (original[2].start_s, original[-1].end_s)
    assert words[:2] == original[:2]
    name = result.transcript.utterances[0].words[4]
    assert name.text == " [name]," and (name.start_s, name.end_s) == (CALL.utterances[0].words[4].start_s,
                                                                       CALL.utterances[0].words[4].end_s)
    spans = result.spans
    assert all(isinstance(s, MuteSpan) for s in spans)
    assert [(s.kind, s.utterance_index) for s in spans] == [("name", 0), ("phone", 1), ("card", 3)]
    assert (spans[1].start_s, spans[1].end_s) == (phone.start_s, phone.end_s)
    assert (spans[2].start_s, spans[2].end_s) == (13.5, 18.0)  # no words: the whole utterance
    assert result.intervals[1] == (phone.start_s, phone.end_s)


def test_words_that_do_not_spell_the_text_mute_the_whole_utterance():
    u = utterance("Позвоните на 89161234567, пожалуйста.", 2.0, 5.0)
    odd = Utterance(role=u.role, speaker=u.speaker, start_s=u.start_s, end_s=u.end_s, text=u.text,
                    words=words_for("Позвоните мне на 8 916 123 45 67 пожалуйста", 2.0, 5.0))
    result = redact(transcript(odd))
    assert result.transcript.utterances[0].text == "Позвоните на [phone], пожалуйста."
    assert [(s.start_s, s.end_s, s.kind) for s in result.spans] == [(2.0, 5.0, "phone")]
    assert "[phone]" in [w.text.strip() for w in result.transcript.utterances[0].words]
    assert not any("916" in w.text for w in result.transcript.utterances[0].words)


def test_redacting_a_long_call_is_fast():
    lines = [
        "Добрый день, меня зовут Марина, интернет-магазин «Цифрус», чем могу помочь?",
        "Я заказывала ноутбук, стоит восемьдесят девять девятьсот, где он?",
        "Назовите телефон: восемь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь.",
        "Доставка на улицу Гагарина, дом 14, квартира 52, в четверг с 10 до 14.",
    ]
    call = transcript(*(utterance(lines[i % 4], i * 5.0, i * 5.0 + 4.5) for i in range(100)))
    redact(transcript(utterance(lines[0], 0.0, 1.0)))  # the dictionary loads once per process
    started = time.perf_counter()
    result = redact(call)
    assert time.perf_counter() - started < 1.0
    assert len(result.spans) == 75


def test_importing_the_package_loads_no_dictionary():
    code = "import sys, qa.privacy; assert 'pymorphy3' not in sys.modules, 'pymorphy3 loaded at import'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


# ---------------------------------------------------------------- a real labeled call

def test_a_labeled_call_has_its_phone_and_customer_name_masked(eval_dir):
    from qa.ingest.interchange import read_interchange

    path = eval_dir / "synthetic" / "ru-dev-004" / "transcript.json"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    call = read_interchange(path).transcript
    result = redact(call)
    text = result.transcript.text
    assert "[phone]" in text and "девятьсот шестнадцать" not in text
    assert "[name]" in text and "Ковалёву" not in text and "Ирину" not in text
    assert [(u.start_s, u.end_s, u.role) for u in result.transcript.utterances] == [
        (u.start_s, u.end_s, u.role) for u in call.utterances
    ]
    phone = next(s for s in result.spans if s.kind == "phone")
    spoken = call.utterances[phone.utterance_index]
    assert "шестнадцать" in spoken.text and (phone.start_s, phone.end_s) == (spoken.start_s, spoken.end_s)
    assert "Мебельград" in text and "пятница" in text.lower()  # the shop and the dates stay


# ---------------------------------------------------------------- audio: mute, cut, write

def tone(seconds: float = 2.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    mono = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32) + 0.01
    return mono if channels == 1 else np.stack([mono] * channels)


def test_mute_silences_the_spans_and_leaves_the_rest():
    samples = tone()
    out = mute(samples, SR, [(0.5, 0.8), (1.5, 1.6)], pad_s=0.05)
    for start_s, end_s in [(0.45, 0.85), (1.45, 1.65)]:
        assert np.max(np.abs(out[int(start_s * SR):int(end_s * SR)])) == 0
    keep = np.ones(len(samples), bool)
    keep[int(0.45 * SR) - 1:int(0.85 * SR) + 1] = False
    keep[int(1.45 * SR) - 1:int(1.65 * SR) + 1] = False
    assert np.array_equal(out[keep], samples[keep])
    assert np.max(np.abs(samples[int(0.5 * SR):int(0.8 * SR)])) > 0  # a copy: the input is untouched


def test_mute_takes_redaction_spans_stereo_and_a_bleep():
    result = redact(CALL)
    samples = tone(20.0, channels=2)
    out = mute(samples, SR, result.intervals)
    for s in result.spans:
        assert np.max(np.abs(out[:, int(s.start_s * SR):int(s.end_s * SR)])) == 0
    assert np.array_equal(out[:, int(11.2 * SR):int(12.8 * SR)], samples[:, int(11.2 * SR):int(12.8 * SR)])
    bleeped = mute(tone(), SR, [(0.5, 1.0)], bleep_hz=1000.0)
    segment = bleeped[int(0.5 * SR):int(1.0 * SR)]
    assert 0 < np.max(np.abs(segment)) <= 0.1 + 1e-6
    assert np.array_equal(mute(tone(), SR, [(5.0, 6.0)]), tone())  # a span past the end changes nothing


def test_cut_is_clamped():
    samples = tone(2.0)
    assert len(cut(samples, SR, 0.5, 1.0)) == SR // 2
    assert len(cut(samples, SR, -1.0, 0.25)) == SR // 4
    assert len(cut(samples, SR, 1.5, 9.0)) == SR // 2
    assert len(cut(samples, SR, 3.0, 4.0)) == 0 and len(cut(samples, SR, 1.0, 0.5)) == 0
    assert cut(tone(1.0, channels=2), SR, 0.0, 0.5).shape == (2, SR // 2)


@pytest.mark.parametrize(("suffix", "channels"), [(".wav", 1), (".flac", 2), (".ogg", 1)])
def test_write_audio_round_trips_the_duration(tmp_path, suffix, channels):
    import soundfile

    samples = mute(tone(1.5, channels=channels), SR, [(0.2, 0.4)])
    path = tmp_path / f"redacted{suffix}"
    write_audio(path, samples, SR)
    data, rate = soundfile.read(str(path), always_2d=True)
    assert rate == SR and data.shape == (int(1.5 * SR), channels)
    if suffix != ".ogg":  # lossless: the muted part is exactly silent
        assert np.max(np.abs(data[int(0.25 * SR):int(0.35 * SR)])) == 0


def test_write_audio_refuses_an_unknown_suffix(tmp_path):
    from qa.core.errors import RecordingError

    with pytest.raises(RecordingError, match=r"\.wav, \.flac or \.ogg"):
        write_audio(tmp_path / "out.mp3", tone(0.5), SR)
    with pytest.raises(RecordingError, match="mono or channels"):
        write_audio(tmp_path / "out.wav", np.zeros((1, 2, 3), np.float32), SR)


def test_the_package_imports_only_the_core():
    from tests.test_architecture import import_graph

    graph = import_graph()
    modules = [m for m in graph if m.startswith("qa.privacy")]
    assert "qa.privacy.redact" in modules
    outside = {m: sorted(t for t in graph[m] if not t.startswith(("qa.core", "qa.privacy"))) for m in modules}
    assert not any(outside.values()), outside


@pytest.mark.parametrize("text, expected", [
    ("назовите номер, на который оформляли заказ. 8,916, 420, 31,07. Спасибо.",
     "назовите номер, на который оформляли заказ. [phone]. Спасибо."),  # Whisper's commas for the pauses
    ("Телефон: 067, 123, 45, 67.", "Телефон: [phone]."),
    ("взяли 5, 7, 10 штук", "взяли 5, 7, 10 штук"),
    ("цены 1,200, 3,400, 5,600 рублей", "цены 1,200, 3,400, 5,600 рублей"),
    ("номер заказа 8,916, 420, 31,07", "номер заказа 8,916, 420, 31,07"),
])
def test_a_number_dictated_with_commas_for_pauses(text, expected):
    assert redact_text(text, "ru") == expected
