"""Dialogue acts: what each utterance does in the conversation, from precise lemma patterns.

An utterance can carry several acts: a question (``question_open`` — what, which, how… — or ``question_closed``),
an ``answer`` (the other side's next turn after a question), a ``clarification``, a ``summary`` (read-back), an
``offer``, a ``hold_request`` or ``hold_return``, ``thanks``, ``goodbye``, an admission of ``not_knowing``.

Raw ASR drops question marks, so a turn is a question when it ends with «?», or opens with a question word, or
holds a question particle («ли», «чи», "do you", "can you") — not only by its punctuation. The patterns are data,
per language, in ``scoring/lang/<language>.yaml`` (``acts``), written in :mod:`scoring.patterns` syntax.

``qa show`` prints them beside the transcript, so a reviewer sees what the scorer read each turn as.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.context import first_match, patterns_for
from scoring.lexicons import act_patterns
from scoring.text import CallText, UttText

QUESTION_OPENERS = 3  # a question word among the first tokens makes a turn a question without «?»


@dataclass(frozen=True, slots=True)
class ActTag:
    """The acts of one utterance and, for each, the pattern that found it."""

    utterance_index: int
    acts: tuple[str, ...]
    rules: tuple[str, ...]


def _lexicon(language: str) -> dict[str, list[str]]:
    return {act: list(patterns) for act, patterns in act_patterns(language).items()}


def _question(utt: UttText, lex: dict[str, list[str]], language: str) -> tuple[str, str] | None:
    head = UttText(utt.index, utt.utterance, utt.tokens[:QUESTION_OPENERS], utt.is_question)
    marked = "?" in utt.utterance.text  # anywhere: one turn often holds a statement and then a question
    for p in patterns_for({language: lex.get("question_open", [])}, language):
        if (marked and p.find(utt.tokens) is not None) or p.find(head.tokens) is not None:
            return "question_open", f"question word: {p.source}"
    closed = first_match(utt, patterns_for({language: lex.get("question_closed", [])}, language))
    if closed is not None:
        return "question_closed", f"question particle: {closed.source}"
    tail = UttText(utt.index, utt.utterance, utt.tokens[-1:], utt.is_question)
    tag = first_match(tail, patterns_for({language: lex.get("question_tag", [])}, language)) if len(utt.tokens) > 2 else None
    if tag is not None:
        return "question_closed", f"ends asking: …{tag.source}"
    if marked:
        return "question_closed", "has a ?"
    return None


def tag_acts(text: CallText) -> tuple[ActTag, ...]:
    """Every utterance's acts, in order."""
    language = text.language
    lex = _lexicon(language)
    out: list[ActTag] = []
    asked_by: str | None = None  # the role of the last question not yet answered
    for utt in text.utterances:
        acts, rules = [], []
        if asked_by is not None and utt.role.value != asked_by:
            acts.append("answer")
            rules.append("the other side's turn after a question")
            asked_by = None
        question = _question(utt, lex, language)
        if question is not None:
            acts.append(question[0])
            rules.append(question[1])
            asked_by = utt.role.value
        for act in ("clarification", "summary", "offer", "hold_request", "hold_return", "thanks", "goodbye", "not_knowing"):
            hit = first_match(utt, patterns_for({language: lex.get(act, [])}, language))
            if hit is not None:
                acts.append(act)
                rules.append(hit.source)
        out.append(ActTag(utt.index, tuple(acts), tuple(rules)))
    return tuple(out)


def is_question(tag: ActTag) -> bool:
    return any(a.startswith("question_") for a in tag.acts)


__all__ = ["ActTag", "is_question", "tag_acts"]
