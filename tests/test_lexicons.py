"""Lexicons as data (scoring/lang, transcription/lang) and the safe YAML reader behind them and the rubrics."""

from __future__ import annotations

import shutil
import time

import pytest

from qa.core import yamlio
from qa.core.errors import LexiconError, RubricError
from qa.core.types import Role, Utterance
from scoring import lexicons as scoring_lexicons
from scoring.criteria.nps import extract_score
from scoring.rubric import RUBRICS_DIR, load_rubric
from scoring.text import analyse, tokenize
from transcription import lexicons as transcription_lexicons

LANGUAGES = ("ru", "uk", "en")
SCORING_RU = (scoring_lexicons.LANG_DIR / "ru.yaml").read_text(encoding="utf-8")
CUES_EN = (transcription_lexicons.LANG_DIR / "en.yaml").read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def _where(error: Exception) -> tuple[str, int]:
    path, line, _ = str(error).split(":", 2)
    return path, int(line)


# ---------------------------------------------------------------- the bundled files


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_file_loads(language):
    scoring = scoring_lexicons.load_lexicon(scoring_lexicons.LANG_DIR / f"{language}.yaml")
    assert scoring.language == language and scoring.number_words and scoring.corrections and scoring.fillers
    assert set(scoring.number_words.values()) <= set(range(11)) and {0, 9, 10} <= set(scoring.number_words.values())
    transcription = transcription_lexicons.load_lexicon(transcription_lexicons.LANG_DIR / f"{language}.yaml")
    assert transcription.language == language and transcription.phantom_phrases
    cues = transcription.role_cues
    assert cues.opening and cues.agent and cues.customer


def test_the_bundled_lexicons_are_read_once():
    assert set(scoring_lexicons.lexicons()) == set(LANGUAGES)
    assert scoring_lexicons.lexicons() is scoring_lexicons.lexicons()
    assert transcription_lexicons.role_cues() is transcription_lexicons.role_cues()
    assert {lex.language for lex in transcription_lexicons.lexicons()} == set(LANGUAGES)


def test_fillers_scale_words_and_corrections_apply_in_every_language():
    assert {"э-э", "uh", "е-е"} <= scoring_lexicons.fillers()
    assert {"из", "з", "of"} <= scoring_lexicons.scale_words()
    assert {"нет", "ні", "no"} <= scoring_lexicons.corrections()  # "no" stays a word, not YAML's false
    assert [t.text for t in tokenize("Э-э, ну, uh, девять", "ru")] == ["ну", "девять"]
    assert "продолжение следует" in transcription_lexicons.phantom_phrases()
    assert "thanks for watching" in transcription_lexicons.phantom_phrases()


@pytest.mark.parametrize(
    "language, answer, number",
    [("ru", "Ну девять, наверное.", 9), ("en", "Nine, I'd say.", 9), ("uk", "Дев'ять, мабуть.", 9),
     ("uk", "Дев’ять з десяти.", 9), ("uk", "Вісімка.", 8), ("ru", "Десятка!", 10), ("en", "zero", 0)],
)
def test_number_words_still_parse(language, answer, number):
    utt = analyse((Utterance(Role.CUSTOMER, "c", 0.0, 1.0, answer),), language).utterances[0]
    assert extract_score(utt, language) == number


# ---------------------------------------------------------------- malformed copies name file:line


@pytest.mark.parametrize(
    "old, new, needle, message",
    [
        ("  девять: 9\n", "  девять: nine\n", "девять: nine", "number_words.девять: Input should be a valid integer"),
        ("  девять: 9\n", "  девять: 19\n", "девять: 19", "less than or equal to 10"),
        ("  девять: 9\n", "  Девять: 9\n", "Девять: 9", "lowercase"),
        ("fillers: [э, ", "fillers: [э э, ", "fillers: [э э", "without spaces"),
        ("corrections: [нет, ", "corrections: [нет, [вернее], ", "corrections:", "corrections.1: Input should be a valid string"),
        ("language: ru\n", "language: ru\ncolour: red\n", "colour: red", "Extra inputs are not permitted"),
        ("language: ru\n", "language: uk\n", "language: uk", "does not match the file name"),
        ("  девять: 9\n", "  девять: [9\n", "девять: [9", "not valid YAML"),
    ],
)
def test_a_malformed_scoring_lexicon_names_file_and_line(tmp_path, old, new, needle, message):
    text = SCORING_RU.replace(old, new, 1)
    assert text != SCORING_RU
    path = tmp_path / "ru.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        scoring_lexicons.load_lexicon(path)
    where, line = _where(info.value)
    assert where == str(path) and message in str(info.value), info.value
    assert abs(line - _line_of(text, needle)) <= 1, info.value
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "old, new, needle, message",
    [
        ("    - '\\bi want\\b'\n", "    - '\\bi (want\\b'\n", "i (want", "not a valid regular expression"),
        ("  - please subscribe\n", "  - Please subscribe!\n", "Please subscribe!", "lowercase words"),
        ("role_cues:\n  opening:", "role_cues:\n  greeting: []\n  opening:", "greeting: []", "role_cues.greeting: Extra inputs"),
    ],
)
def test_a_malformed_transcription_lexicon_names_file_and_line(tmp_path, old, new, needle, message):
    text = CUES_EN.replace(old, new, 1)
    assert text != CUES_EN
    path = tmp_path / "en.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        transcription_lexicons.load_lexicon(path)
    where, line = _where(info.value)
    assert where == str(path) and message in str(info.value), info.value
    assert abs(line - _line_of(text, needle)) <= 1, info.value


def test_a_role_cue_in_two_language_files_is_refused(tmp_path):
    for p in transcription_lexicons.LANG_DIR.glob("*.yaml"):
        shutil.copy(p, tmp_path / p.name)
    uk = tmp_path / "uk.yaml"
    uk.write_text(uk.read_text(encoding="utf-8").replace("  agent:\n", "  agent:\n    - '\\bhold on\\b'\n", 1), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"uk\.yaml:\d+: '\\\\bhold on\\\\b' is also in .*en\.yaml:\d+"):
        transcription_lexicons.lexicons(tmp_path)


def test_an_empty_lexicon_directory_says_so(tmp_path):
    with pytest.raises(LexiconError, match="no lexicon files"):
        scoring_lexicons.lexicons(tmp_path)


# ---------------------------------------------------------------- the safe YAML reader


def test_duplicate_keys_are_refused_with_both_lines(tmp_path):
    text = SCORING_RU.replace("  девять: 9\n", "  девять: 9\n  девять: 8\n", 1)
    path = tmp_path / "ru.yaml"
    path.write_text(text, encoding="utf-8")
    first = _line_of(text, "девять: 9")
    with pytest.raises(LexiconError) as info:
        scoring_lexicons.load_lexicon(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{first + 1}: key 'девять' appears twice") and f"lines {first} and {first + 1}" in message


def test_a_duplicate_key_in_a_rubric_is_refused_too(tmp_path):
    good = (RUBRICS_DIR / "order_desk.yaml").read_text(encoding="utf-8")
    text = good.replace("          within_s: 15\n", "          within_s: 15\n          within_s: 10\n", 1)
    assert text != good
    path = tmp_path / "rubric.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError, match=r":\d+: key 'within_s' appears twice in one mapping \(lines \d+ and \d+\)"):
        load_rubric(path)


def test_merge_keys_are_no_duplicates(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("base: &b {a: 1, b: 2}\nthing:\n  <<: *b\n  b: 3\n", encoding="utf-8")
    assert yamlio.load_yaml(path, error=LexiconError, what="lexicon").data["thing"] == {"a": 1, "b": 3}


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(LexiconError) as info:
        yamlio.load_yaml(path, error=LexiconError, what="lexicon")
    assert time.perf_counter() - started < 2
    assert str(info.value).startswith(f"{path}:") and "aliases" in str(info.value)


def test_more_aliases_than_the_limit_are_refused(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text("a: &a x\nlist:\n" + "  - *a\n" * (yamlio.MAX_ALIASES + 1), encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"many\.yaml:{yamlio.MAX_ALIASES + 3}: more than {yamlio.MAX_ALIASES} YAML aliases"):
        yamlio.load_yaml(path, error=LexiconError, what="lexicon")


def test_few_aliases_expanding_to_too_many_nodes_are_refused(tmp_path):
    lines = ["a0: &a0 [x, x]"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 25)]  # 48 aliases, 2**25 nodes
    path = tmp_path / "doubling.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(LexiconError, match="expands to more than"):
        yamlio.load_yaml(path, error=LexiconError, what="lexicon")
    assert time.perf_counter() - started < 2


def test_a_recursive_alias_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("a: &a\n  b: *a\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"loop\.yaml:2: alias \*a refers to its own enclosing node"):
        yamlio.load_yaml(path, error=LexiconError, what="lexicon")


def test_deep_nesting_is_refused(tmp_path):
    depth = yamlio.MAX_DEPTH + 5
    path = tmp_path / "deep.yaml"
    path.write_text("x: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"deep\.yaml:1: nested deeper than {yamlio.MAX_DEPTH} levels"):
        yamlio.load_yaml(path, error=LexiconError, what="lexicon")
    ok = tmp_path / "ok.yaml"
    ok.write_text("x: " + "[" * 40 + "]" * 40 + "\n", encoding="utf-8")
    assert yamlio.load_yaml(ok, error=LexiconError, what="lexicon").data["x"]  # 41 levels are fine


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("words:\n" + "  - word\n" * (yamlio.MAX_BYTES // 9 + 10), encoding="utf-8")
    with pytest.raises(RubricError, match=r"big\.yaml:1: the rubric is \d+ bytes, over the 1000000-byte limit"):
        load_rubric(path)


def test_lines_point_at_keys_and_items(tmp_path):
    path = tmp_path / "doc.yaml"
    path.write_text("a:\n  b:\n    - x\n    - y\nc: 1\n", encoding="utf-8")
    doc = yamlio.load_yaml(path, error=LexiconError, what="lexicon")
    assert doc.data == {"a": {"b": ["x", "y"]}, "c": 1}
    assert doc.line(("a", "b", 1)) == 4 and doc.line(("c",)) == 5 and doc.line(("a", "b", 9)) == 2
    assert doc.line(("a",)) == 1 and doc.line(()) == 1 and doc.line(("nowhere", 3)) == 1
