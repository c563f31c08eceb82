"""Street addresses, by a few high-precision patterns.

An address is masked when a street word («улица», «ул.», «проспект», «вулиця», «street», «ave») stands with a
name and a house number: «ул. Ленина, д. 5, кв. 34», «на Садовой улице дом пять», «вул. Шевченка 12»,
«12 Baker Street, apt 4». With a flat or a building after the number the street word may go: «дом 5, квартира
34», «Гончарова, двенадцать, квартира сорок пять». A preceding «город/г./м. X» joins the span. Without a house
word («дом», «д.», «будинок») or a flat the street name must be capitalised and the house number written in
digits, so «на улице было минус пять» stays. A street word alone, a city alone or a house number alone are not
masked: on an order desk they are mostly about the shop («заберите на Садовой»), and a rule that caught them
would mask half the calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from qa.privacy.lexicon import NUMBER_WORDS_BY_LANGUAGE
from qa.privacy.spans import Span

__all__ = ["find_addresses"]


def _words(*languages: str) -> str:
    words = {w for lang in languages for w in NUMBER_WORDS_BY_LANGUAGE[lang] if len(w) > 2}
    return "|".join(re.escape(w).replace("'", "['’ʼ]") for w in sorted(words, key=len, reverse=True))


_NUMW = _words("ru", "uk")
_NUMW_EN = _words("en")
_NUM = rf"(?:\d{{1,4}}(?: ?[а-яa-z]\b)?(?:/\d{{1,4}})?|(?i:{_NUMW})(?:[\s-]+(?i:{_NUMW})){{0,2}})\b"
_WORD = r"[^\W\d_][\w'’ʼ\-]*\.?"
_CAP = r"[A-ZА-ЯЁІЇЄҐ][\w'’ʼ\-]*\.?"
_STREET = (
    r"(?i:улиц[аеуы]|ул\.|ул\b|проспект[еау]?|просп\.|пр-т[еау]?|переул(?:ок|ке|ка)|пер\.|бульвар[еау]?|б-р"
    r"|шоссе|набережн(?:ая|ой|ую|а|ій|у)|наб\.|площад[ьи]|пл\.|проезд[еау]?|тупик[еау]?|микрорайон[еау]?|мкр\.?"
    r"|вулиц[яіюі]|вул\.|провул(?:ок|ку|ка)|пров\.|проспект[іу]|бульвар[іу]|площ[аіу]|узвіз|узвозі|шосе)"
)
_HOUSE = r"(?i:д\.|дом[ау]?\b|доме\b|буд\.|будин(?:ок|ку)\b)"
_NOT_HOUSE = rf"(?!{_HOUSE})"
_NAME_ANY = rf"{_NOT_HOUSE}{_WORD}(?:\s+{_NOT_HOUSE}{_WORD}){{0,2}}"
_NAME_CAP = rf"{_CAP}(?:\s+{_CAP}){{0,2}}"
_PART = (
    r"[,\s]+(?i:корп(?:ус)?\.?|к\.|стр(?:оение)?\.?|лит(?:ера)?\.?|кв(?:артир[аеуіи])?\.?|оф(?:ис)?\.?"
    rf"|под[ъь]езд\w*|під['’ʼ]?їзд\w*|этаж|поверх)\s*{_NUM}"
)  # «, корпус два», «, кв. 34»
_TAIL = rf"(?:{_PART})*"
_CITY = rf"(?:(?i:город[еа]?|г\.|гор\.|місто|міста|м\.)\s*{_WORD}[,\s]+)?"

_RU_UK = re.compile(
    "|".join((
        rf"{_CITY}{_STREET}\s*{_NAME_ANY}[,\s]+{_HOUSE}\s*{_NUM}{_TAIL}",  # ул. Ленина, д. 5 / улица ленина дом пять
        rf"{_CITY}{_STREET}\s*{_NAME_CAP}[,\s]+\d{{1,4}}(?: ?[а-я]\b)?(?:/\d{{1,4}})?\b{_TAIL}",  # ул. Ленина 5
        rf"{_CITY}{_NAME_CAP}\s+{_STREET}[,\s]+(?:{_HOUSE}\s*)?{_NUM}{_TAIL}",  # Европейский проспект, 21
        rf"{_CITY}{_WORD}\s+{_STREET}[,\s]+{_HOUSE}\s*{_NUM}{_TAIL}",  # на садовой улице дом пять
        rf"{_CITY}{_STREET}\s*{_NAME_ANY}[,\s]+{_NUM}(?:{_PART})+",  # улица лесная, пять, кв. 42
        rf"{_HOUSE}\s*{_NUM}(?:{_PART})+",  # дом 5, квартира 34
        rf"{_NAME_CAP}[,\s]+{_NUM}(?:{_PART})+",  # Гончарова, двенадцать, квартира сорок пять
    ))
)
_EN_UNIT = r"(?i:apt\.?|apartment|flat|unit|suite|#)"
_EN = re.compile(
    rf"(?:{_EN_UNIT}\s*\d+[a-zA-Z]?,?\s+)?\b(?:\d{{1,5}}[a-zA-Z]?|(?i:{_NUMW_EN})(?:[\s-]+(?i:{_NUMW_EN})){{0,2}})"
    r"\s+(?:[A-Z][\w'’\-]*\s+){1,3}"
    r"(?i:street|st\.?|avenue|ave\.?|road|rd\.?|lane|ln\.?|boulevard|blvd\.?|drive|square|crescent|terrace|court"
    r"|place|way|close|parkway|highway)\b"
    rf"(?:,?\s*{_EN_UNIT}\s*\d+[a-zA-Z]?\b)?"
)


def find_addresses(text: str) -> Iterator[Span]:
    for pattern in (_RU_UK, _EN):
        for m in pattern.finditer(text):
            start, end = m.span()
            raw = text[start:end].rstrip(" ,")
            yield Span("address", start, start + len(raw), raw)
