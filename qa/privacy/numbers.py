"""Runs of digits and number words, turned into the digit strings a caller meant.

A phone number reaches the transcript as «+7 (916) 123-45-67», as «восемь девятьсот шестнадцать сто двадцать три
сорок пять шестьдесят семь», or as a mix («восемь 916 123 45 67»). The detectors need one view of all three: a
:class:`NumberRun` is a stretch of numeric tokens joined only by separators, split into :class:`Group` s, each the
digits one spoken number stands for («девятьсот шестнадцать» → ``916``, «сорок пять» → ``45``, «ноль» → ``0``).
Any other word ends a run, so «две тысячи четыреста девяносто рублей» never grows into a phone number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.privacy.lexicon import HUNDRED_WORDS, NUMBER_WORDS, PLUS_WORDS, REPEAT_WORDS, normalize

__all__ = ["Group", "NumberRun", "find_runs"]

_TOKEN = re.compile(r"\+|\d+|[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*")
_GAP_DIGITS = re.compile(r"[ \u00a0\t\-–().]{1,3}")  # «+7 (916) 123-45-67»; no comma: «5, 7» are two numbers
_GAP_PLUS = re.compile(r"[ \u00a0(]{0,2}")
_GAP_WORDS = re.compile(r"[\s,.\-–—:;()]{1,4}")  # ASR punctuates dictation: «восемь, девятьсот шестнадцать.»
MAX_GROUPS = 40  # a longer run is cut: nobody dictates more, and the detectors scan windows of a run


@dataclass(frozen=True, slots=True)
class Group:
    """The digits of one number said or written (``"916"``), and where it stands in the text."""

    digits: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class NumberRun:
    groups: tuple[Group, ...]
    spoken: bool  # at least one number word (else digits only, as written)
    start: int  # where the run starts, a leading «+»/«плюс» included
    plus: bool = False

    @property
    def end(self) -> int:
        return self.groups[-1].end

    @property
    def digits(self) -> str:
        return "".join(g.digits for g in self.groups)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # digits | number | hundred | repeat | plus
    text: str
    start: int
    end: int
    value: int = 0


def find_runs(text: str) -> list[NumberRun]:
    """Every run of numeric tokens in ``text``, in order."""
    runs: list[NumberRun] = []
    for tokens in _token_runs(text):
        for i in range(0, len(tokens), MAX_GROUPS):
            run = _to_run(tokens[i:i + MAX_GROUPS])
            if run is not None:
                runs.append(run)
    return runs


def _token_runs(text: str) -> list[list[_Token]]:
    runs: list[list[_Token]] = []
    current: list[_Token] = []
    for match in _TOKEN.finditer(text):
        token = _classify(match)
        if token is None:
            current = _close(runs, current)
            continue
        if current and not _joins(text, current[-1], token):
            current = _close(runs, current)
        current.append(token)
    _close(runs, current)
    return runs


def _close(runs: list[list[_Token]], current: list[_Token]) -> list[_Token]:
    if current:
        runs.append(current)
    return []


def _classify(match: re.Match[str]) -> _Token | None:
    text = match.group()
    start, end = match.span()
    if text == "+":
        return _Token("plus", text, start, end)
    if text.isdigit():
        return _Token("digits", text, start, end)
    word = normalize(text)
    if word in NUMBER_WORDS:
        return _Token("number", text, start, end, NUMBER_WORDS[word])
    if word in HUNDRED_WORDS:
        return _Token("hundred", text, start, end, 100)
    if word in REPEAT_WORDS:
        return _Token("repeat", text, start, end, REPEAT_WORDS[word])
    if word in PLUS_WORDS:
        return _Token("plus", text, start, end)
    return None


def _joins(text: str, left: _Token, right: _Token) -> bool:
    """Whether only a separator stands between two numeric tokens."""
    gap = text[left.end:right.start]
    if right.kind == "plus":
        return False  # a «+» starts a new number
    if left.kind == "plus":
        return _GAP_PLUS.fullmatch(gap) is not None if left.text == "+" else _GAP_WORDS.fullmatch(gap) is not None
    if left.kind == "digits" and right.kind == "digits":
        return _GAP_DIGITS.fullmatch(gap) is not None
    return _GAP_WORDS.fullmatch(gap) is not None


def _to_run(tokens: list[_Token]) -> NumberRun | None:
    plus = tokens[0].kind == "plus"
    body = tokens[1:] if plus else tokens
    groups = _compose(body)
    if not groups:
        return None
    spoken = any(t.kind != "digits" for t in body)
    return NumberRun(tuple(groups), spoken, tokens[0].start, plus)


class _Builder:
    """Spoken numbers into digit groups: «девятьсот» opens a group that «шестнадцать» or «сорок» «пять» fill."""

    def __init__(self) -> None:
        self.groups: list[Group] = []
        self.hundreds = self.tens = self.units = self.teen = None
        self.start = self.end = 0
        self.repeat = 1

    def flush(self) -> None:
        if self.hundreds is None and self.tens is None and self.units is None and self.teen is None:
            return
        total = sum(v or 0 for v in (self.hundreds, self.tens, self.units, self.teen))
        width = 3 if self.hundreds is not None else 2 if self.tens is not None else 1
        self.groups.append(Group(f"{total:0{width}d}", self.start, self.end))
        self.hundreds = self.tens = self.units = self.teen = None

    def open(self, token: _Token, **parts: int) -> None:
        self.flush()
        self.start, self.end = token.start, token.end
        for name, value in parts.items():
            setattr(self, name, value)

    def fill(self, token: _Token, name: str, value: int) -> None:
        setattr(self, name, value)
        self.end = token.end

    def add(self, token: _Token) -> None:
        if token.kind == "digits":
            self.flush()
            self.groups.append(Group(token.text, token.start, token.end))
        elif token.kind == "repeat":
            self.flush()
            self.repeat, self.start = token.value, token.start
        elif token.kind == "hundred":
            self._hundred(token)
        elif self.repeat > 1 and token.value < 10:
            self.groups.append(Group(str(token.value) * self.repeat, self.start, token.end))
            self.repeat = 1
        else:
            self._number(token, token.value)

    def _hundred(self, token: _Token) -> None:
        only_units = self.units is not None and self.hundreds is None and self.tens is None
        if only_units:
            self.hundreds, self.units, self.end = self.units * 100, None, token.end
        else:
            self.open(token, hundreds=100)

    def _number(self, token: _Token, value: int) -> None:
        self.repeat = 1
        open_hundred = self.hundreds is not None and self.tens is None and self.units is None and self.teen is None
        if value == 0:
            self.open(token, units=0)
            self.flush()
        elif value < 10 and (open_hundred or (self.tens is not None and self.units is None)):
            self.fill(token, "units", value)
        elif 10 <= value < 100 and open_hundred:
            self.fill(token, "teen" if value < 20 else "tens", value)
        else:
            self.open(token, **{_slot(value): value})


def _slot(value: int) -> str:
    return "units" if value < 10 else "teen" if value < 20 else "tens" if value < 100 else "hundreds"


def _compose(tokens: list[_Token]) -> list[Group]:
    builder = _Builder()
    for token in tokens:
        if token.kind == "plus":
            builder.flush()
            continue
        builder.add(token)
    builder.flush()
    return builder.groups
