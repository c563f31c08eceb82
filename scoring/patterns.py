"""Phrase patterns over tokens, robust to ASR text.

A pattern is a space-separated sequence of terms written as a person would
(«не знаю», "let me check"). Each term matches a token whose surface form or
lemma equals the term or the term's lemma, so «уточню» also matches
«уточнить»/«уточним». Special terms:

* ``*``      up to two arbitrary tokens;
* ``a|b``    either term;
* ``word~``  the exact surface form only (no lemma): «знаю~» is not «знаете».
* ``pre*``   any token starting with ``pre``;
* ``*part*`` any token containing ``part`` (ASR glues words: «випорекомендуєте», "менезвати");
* ``word%``  the word or a near miss of it (ASR misrecognitions: «прикомендуете» ~ «порекомендуете»):
  edit distance up to 1 for words of 4-7 letters, 2 for longer ones, on the surface form or the lemma.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.text import Tok, _norm, nlp

GAP = 2


def _budget(n: int) -> int:
    return 0 if n < 4 else 1 if n < 8 else 2


def near(word: str, target: str) -> bool:
    """``word`` is ``target`` or within a small edit distance of it (banded Levenshtein, early exit)."""
    if word == target:
        return True
    k = _budget(len(target))
    if k == 0 or abs(len(word) - len(target)) > k:
        return False
    prev = list(range(len(target) + 1))
    for i, a in enumerate(word, 1):
        cur = [i] + [0] * len(target)
        for j, b in enumerate(target, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != b))
        if min(cur) > k:
            return False
        prev = cur
    return prev[-1] <= k


@dataclass(frozen=True, slots=True)
class Term:
    options: tuple[tuple[str, str, bool, bool | str], ...]  # (surface, lemma, exact, prefix | "contains" | "fuzzy")

    def matches(self, tok: Tok) -> bool:
        for surface, lemma, exact, prefix in self.options:
            if prefix == "fuzzy":
                if near(tok.text, surface) or near(tok.lemma, lemma):
                    return True
            elif prefix == "contains":
                if surface in tok.text:
                    return True
            elif prefix:
                if tok.text.startswith(surface) or tok.lemma.startswith(surface):
                    return True
            elif exact:
                if tok.text == surface:
                    return True
            elif tok.text == surface or tok.lemma == lemma or tok.lemma == surface:
                return True
        return False


@dataclass(frozen=True, slots=True)
class Pattern:
    source: str
    terms: tuple[Term | None, ...]  # None = gap

    def find(self, tokens: tuple[Tok, ...]) -> tuple[int, int] | None:
        """(start, end) token span of the first match, or None."""
        for start in range(len(tokens)):
            end = self._match_from(tokens, start, 0)
            if end is not None:
                return start, end
        return None

    def find_all(self, tokens: tuple[Tok, ...]) -> list[tuple[int, int]]:
        spans = []
        for start in range(len(tokens)):
            end = self._match_from(tokens, start, 0)
            if end is not None:
                spans.append((start, end))
        return spans

    def _match_from(self, tokens, pos: int, ti: int) -> int | None:
        if ti == len(self.terms):
            return pos
        term = self.terms[ti]
        if term is None:
            for skip in range(GAP + 1):
                end = self._match_from(tokens, pos + skip, ti + 1)
                if end is not None:
                    return end
            return None
        if pos < len(tokens) and term.matches(tokens[pos]):
            return self._match_from(tokens, pos + 1, ti + 1)
        return None


def _pieces(word: str, language: str) -> list[tuple[str, str]]:
    """A written word as the pipeline tokenises it ("don't" -> do + n't), with lemmas."""
    doc = nlp(language)(word)
    return [(_norm(t.text), _norm(t.lemma_ or t.text)) for t in doc if not t.is_punct] or [(word, word)]


def compile_pattern(source: str, language: str) -> Pattern:
    terms: list[Term | None] = []
    for raw in _norm(source).replace(",", " ").split():
        if raw == "*":
            terms.append(None)
            continue
        alts = raw.split("|")
        if len(alts) == 1 and not raw.endswith(("~", "*", "%")) and not raw.startswith("*"):
            terms.extend(Term(((surface, lemma, False, False),)) for surface, lemma in _pieces(raw, language))
            continue
        options = []
        for alt in alts:
            exact = alt.endswith("~")
            prefix: bool | str = alt.endswith("*") and len(alt) > 1
            if alt.startswith("*") and alt.endswith("*") and len(alt) > 2:
                prefix = "contains"
            if alt.endswith("%") and len(alt) > 1:
                prefix = "fuzzy"
                word = alt.rstrip("%")
                options.append((word, _pieces(word, language)[0][1], False, prefix))
                continue
            word = alt.strip("~*")
            lemma = word if exact or prefix else _pieces(word, language)[0][1]
            options.append((word, lemma, exact, prefix))
        terms.append(Term(tuple(options)))
    return Pattern(source, tuple(terms))
