"""Phones, cards, accounts, tax and insurance numbers, passports, e-mail addresses and IBANs.

Most of these are "a long number", and an order desk says long numbers all day (order ids, waybills, sums), so a
number is masked only on positive evidence: a check digit (Luhn, INN, СНИЛС, IBAN), the shape of a phone number in
the countries we serve (+7/8 and a 3/4/8/9 area code, +380/0xx, +44/0, or any «+»), or a cue just before it
(«телефон», «ИНН», «паспорт»); twenty digits are a bank account (nothing else on an order desk is that long). A
number right after «заказ №», «ТТН» or «артикул» is not masked whatever its shape.
Spoken numbers are read through :mod:`qa.privacy.numbers`: 10–12 digits said as words are a phone, 16 that pass
Luhn a card.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from qa.privacy.checksums import iban_ok, inn_ok, luhn_ok, snils_ok, ua_tax_id_ok
from qa.privacy.numbers import NumberRun, find_runs
from qa.privacy.spans import Span

__all__ = ["find_identifiers"]

CONTEXT_CHARS = 40  # how far before a number its cue may stand
MAX_STRAY_DIGITS = 2  # a written number may lose a group this short at either end («89161234567 2 шт»)
MIN_DIGITS, MAX_DIGITS = 7, 20  # the shortest (a cued local phone) and longest (an account) number we mask

_PHONE_CUE = re.compile(r"(?i)телефон|\bтел\.|мобильн|мобільн|сотов|для связи|phone|mobile|\bcell\b|number is"
                        r"|viber|вайбер|whatsapp|телеграм|telegram")
_INN_CUE = re.compile(r"(?i)\b(?:инн|іпн|рнокпп|ідентифікаційн\w*|tax\s*(?:id|number)|itn)\b")
_SNILS_CUE = re.compile(r"(?i)\bснилс\b")
_PASSPORT_CUE = re.compile(r"(?i)паспорт|passport|\bсери[яиюі]|\bсерії")
_ORDER_BEFORE = re.compile(
    r"(?i)(?:заказ\w*|замовлен\w*|order|накладн\w*|ттн|трек\w*|tracking|артикул\w*|sku|чек\w*|квитанц\w*"
    r"|договор\w*|договір\w*|invoice|reference|ref|код\w*|code|промокод\w*)\s*(?:номер|№|#|no\.?|number)?"
    r"\s*[:№#-]?\s*$"
)
# Prices said without «тысяч» («семьдесят девять девятьсот») can chain into ten digits; a price word before or
# a currency after a spoken run keeps it from being a phone (unless a phone cue says otherwise).
_PRICE_BEFORE = re.compile(r"(?i)сто[ия]т|стоимост|цен[аеуы]|итого|сумм|вартіст|коштує|ціна|разом|costs?|price"
                           r"|total|\$|₽|₴|€|£")
_CURRENCY_AFTER = re.compile(r"(?i)[\s,.]*(?:руб|р\.|грн|гривен|гривн|долл|dollars?|pounds?|euros?|евро|євро|₽|₴)")
_SNILS_WRITTEN = re.compile(r"\d{3}[- ]\d{3}[- ]\d{3}[- ]\d{2}")
_US_WRITTEN = re.compile(r"(?:1[ .-])?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}")
# «916 420 31 07»: ten digits grouped 3-3-2-2 are how a Russian or Ukrainian number is written (or recognised:
# ASR turns «восемь девятьсот шестнадцать» into «816»), whatever the first digit
_RU_GROUPED = re.compile(r"\(?\d{3}\)?[ -]\d{3}[ -]\d{2}[ -]\d{2}")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_SPOKEN = re.compile(
    r"(?i)\b[\w.-]+\s+(?:at|собака|собачка|равлик)\s+[\w-]+\s+(?:dot|точка|крапка)\s+"
    r"(?:ru|ру|ua|юа|com|ком|net|нет|org|орг|uk|de|info|инфо|io|by|бай|kz|me)\b"
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}")
_PASSPORT_SERIES = re.compile(
    r"(?i)\bсери[яиюі]\w*\s*:?\s*(?:\d{2}\s?\d{2}|[А-ЯІЇЄҐA-Z]{2})\s*,?\s*(?:и\s+|і\s+|та\s+)?(?:номер|№|no\.?)"
    r"\s*:?\s*\d{6}\b"
)
_UA_PASSPORT_BOOK = re.compile(r"\b[А-ЯІЇЄҐ]{2} ?\d{6}\b")


# Whisper writes a dictated number with the pauses as commas: «8,916, 420, 31,07». Commas never join digits in
# a run (a list «5, 7» is two numbers), so this shape is read apart, as a phone only.
_COMMA_GROUPS = re.compile(r"(?<![\d,.])\+?\d{1,4}(?:,\s?\d{1,4}){2,5}(?![\d]|[,.]\d)")


def find_identifiers(text: str) -> list[Span]:
    """Every identifier candidate in ``text``; overlaps between kinds are settled by the caller."""
    found = [*_emails(text), *_ibans(text), *_passports(text), *_comma_phones(text)]
    for run in find_runs(text):
        found.extend(_scan(text, run, spoken=run.spoken))
    return found


def _span(text: str, kind: str, start: int, end: int) -> Span:
    return Span(kind, start, end, text[start:end])


def _emails(text: str) -> Iterator[Span]:
    for pattern in (_EMAIL, _EMAIL_SPOKEN):
        for m in pattern.finditer(text):
            yield _span(text, "email", *m.span())


def _ibans(text: str) -> Iterator[Span]:
    for m in _IBAN.finditer(text):
        candidate = m.group()
        for end in range(len(candidate), 14, -1):  # the longest prefix that checks, ending between two groups
            if (end == len(candidate) or candidate[end] == " ") and iban_ok(candidate[:end]):
                yield _span(text, "iban", m.start(), m.start() + end)
                break


def _passports(text: str) -> Iterator[Span]:
    for m in _PASSPORT_SERIES.finditer(text):
        yield _span(text, "passport", *m.span())
    for m in _UA_PASSPORT_BOOK.finditer(text):
        if _PASSPORT_CUE.search(_before(text, m.start())):
            yield _span(text, "passport", *m.span())


def _before(text: str, start: int) -> str:
    return text[max(0, start - CONTEXT_CHARS):start]


def _windows(run: NumberRun, *, all_windows: bool) -> Iterator[tuple[int, int]]:
    """Group windows to try, longest first: every window of a spoken run; for a written one the whole run and the
    run less a short first or last group («89161234567 2 шт»), never less a block of a longer number."""
    n = len(run.groups)
    if not all_windows:
        yield 0, n
        if n > 1 and len(run.groups[0].digits) <= MAX_STRAY_DIGITS:
            yield 1, n
        if n > 1 and len(run.groups[-1].digits) <= MAX_STRAY_DIGITS:
            yield 0, n - 1
        return
    for i in range(n):
        for j in range(n, i, -1):
            yield i, j


def _scan(text: str, run: NumberRun, *, spoken: bool) -> Iterator[Span]:
    taken = 0  # groups before this index are already part of a detection
    for i, j in _windows(run, all_windows=spoken):
        if i < taken:
            continue
        digits = "".join(g.digits for g in run.groups[i:j])
        if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
            continue
        start = run.start if i == 0 else run.groups[i].start
        end = run.groups[j - 1].end
        before = _before(text, start)
        if _ORDER_BEFORE.search(before):
            continue
        plus = run.plus and i == 0
        if spoken and _priced(text, before, end):
            continue
        kind = _spoken_kind(digits, before, plus) if spoken else _written_kind(digits, text[start:end], before, plus)
        if kind:
            yield _span(text, kind, start, end)
            taken = j
            if not spoken:
                return


def _comma_phones(text: str) -> Iterator[Span]:
    for m in _COMMA_GROUPS.finditer(text):
        digits, before = re.sub(r"\D", "", m.group()), _before(text, m.start())
        if _ORDER_BEFORE.search(before) or _priced(text, before, m.end()):
            continue
        plus = m.group().startswith("+")
        if (plus and 10 <= len(digits) <= 15) or _phone_shape(digits) or (
                10 <= len(digits) <= 12 and _PHONE_CUE.search(before)):
            yield _span(text, "phone", *m.span())


def _priced(text: str, before: str, end: int) -> bool:
    if _PHONE_CUE.search(before):
        return False
    return _PRICE_BEFORE.search(before) is not None or _CURRENCY_AFTER.match(text, end) is not None


def _cued_kind(digits: str, before: str) -> str | None:
    """A kind that a cue before the number settles («паспорт 4507 123456», «ИНН 7707083893»)."""
    n = len(digits)
    if n in (9, 10) and _PASSPORT_CUE.search(before):
        return "passport"
    if _INN_CUE.search(before) and (inn_ok(digits) or ua_tax_id_ok(digits)):
        return "inn"
    if _SNILS_CUE.search(before) and snils_ok(digits):
        return "snils"
    if 7 <= n <= 12 and _PHONE_CUE.search(before):
        return "phone"
    return None


def _written_kind(digits: str, raw: str, before: str, plus: bool) -> str | None:
    n = len(digits)
    if plus:
        return "phone" if 10 <= n <= 15 else None
    if kind := _cued_kind(digits, before):
        return kind
    if n == 11 and _SNILS_WRITTEN.fullmatch(raw) and snils_ok(digits):
        return "snils"
    if n == 20:
        return "account"
    if 13 <= n <= 19 and luhn_ok(digits):
        return "card"
    if _phone_shape(digits) or (n in (10, 11) and _US_WRITTEN.fullmatch(raw)) or (n == 10 and _RU_GROUPED.fullmatch(raw)):
        return "phone"
    if n == 12 and inn_ok(digits):
        return "inn"
    if n == 11 and snils_ok(digits):
        return "snils"
    return None


def _phone_shape(digits: str) -> bool:
    """National and international phone numbers as written without «+» in ru/uk/en calls."""
    n, first = len(digits), digits[:1]
    if n == 11 and first in "78" and digits[1] in "3489":
        return True  # RU: 8 916 ..., 7 495 ...
    if n == 12 and digits.startswith("380"):
        return True  # UA international without «+»
    if n in (10, 11) and first == "0" and digits[1] != "0":
        return True  # UA 067 ..., UK 020 ...
    if n == 10 and first == "9":
        return True  # RU mobile without the trunk 8
    return 12 <= n <= 17 and digits.startswith("00")  # 00 44 ..., 00 380 ...


def _spoken_kind(digits: str, before: str, plus: bool) -> str | None:
    n = len(digits)
    if kind := _cued_kind(digits, before):
        return kind
    if n == 16 and luhn_ok(digits):
        return "card"
    if 10 <= n <= 12 or (plus and 10 <= n <= 15):
        return "phone"
    if n == 20:
        return "account"
    return None
