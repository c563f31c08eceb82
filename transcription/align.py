"""Stage 4b (pure): words x speaker turns -> utterances with roles.

WhisperX's good idea kept as its own step: every recognised word goes to the
speaker whose turn overlaps it most; consecutive words of one speaker form an
utterance until the speaker changes or a pause is long enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from qa.core.types import (
    AsrResult,
    Diarization,
    Role,
    RoleAssignment,
    SpeakerTurn,
    Utterance,
    Word,
)

MAX_PAUSE_S = 1.2  # a longer pause inside one speaker's speech starts a new utterance
NEAREST_TURN_S = 1.0  # a word outside every turn joins the nearest turn within this distance


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def speaker_for_word(word: Word, turns: Sequence[SpeakerTurn], previous: str | None) -> str | None:
    best, best_overlap = None, 0.0
    for turn in turns:
        if turn.start_s > word.end_s:
            break
        ov = _overlap(word.start_s, word.end_s, turn.start_s, turn.end_s)
        if ov > best_overlap:
            best, best_overlap = turn.speaker, ov
    if best is not None:
        return best
    mid = (word.start_s + word.end_s) / 2
    nearest = min(turns, key=lambda t: min(abs(t.start_s - mid), abs(t.end_s - mid)), default=None)
    if nearest is not None and min(abs(nearest.start_s - mid), abs(nearest.end_s - mid)) <= NEAREST_TURN_S:
        return nearest.speaker
    return previous


def _utterance(speaker: str, words: Sequence[Word], roles: RoleAssignment | None) -> Utterance:
    return Utterance(
        role=roles.role_of(speaker) if roles else Role.UNKNOWN,
        speaker=speaker,
        start_s=words[0].start_s,
        end_s=words[-1].end_s,
        text="".join(w.text for w in words).strip(),
        words=tuple(words),
    )


def group_words(labelled: Iterable[tuple[str, Word]], roles: RoleAssignment | None = None, max_pause_s: float = MAX_PAUSE_S) -> list[Utterance]:
    """Consecutive words of one speaker (time order) -> utterances."""
    utterances: list[Utterance] = []
    current: list[Word] = []
    speaker: str | None = None
    for label, word in labelled:
        if current and (label != speaker or word.start_s - current[-1].end_s > max_pause_s):
            utterances.append(_utterance(speaker, current, roles))
            current = []
        speaker = label
        current.append(word)
    if current and speaker is not None:
        utterances.append(_utterance(speaker, current, roles))
    return utterances


def align_mono(asr: AsrResult, diarization: Diarization, roles: RoleAssignment | None = None) -> list[Utterance]:
    """Assign each word of a mono transcript to a diarized speaker."""
    turns = sorted(diarization.turns, key=lambda t: t.start_s)
    labelled: list[tuple[str, Word]] = []
    previous: str | None = None
    fallback = turns[0].speaker if turns else "SPEAKER_00"
    for segment in asr.segments:
        for word in segment.words:
            label = speaker_for_word(word, turns, previous) or fallback
            labelled.append((label, word))
            previous = label
    return group_words(labelled, roles)


def align_channels(asr_by_speaker: Mapping[str, AsrResult], roles: RoleAssignment | None = None) -> list[Utterance]:
    """Each channel is one speaker: group its words, then interleave by time."""
    utterances: list[Utterance] = []
    for speaker, asr in asr_by_speaker.items():
        words = [(speaker, w) for seg in asr.segments for w in seg.words]
        utterances.extend(group_words(words, roles))
    return sorted(utterances, key=lambda u: (u.start_s, u.speaker))


def with_roles(utterances: Sequence[Utterance], roles: RoleAssignment) -> list[Utterance]:
    return [replace(u, role=roles.role_of(u.speaker)) for u in utterances]


__all__ = ["align_mono", "align_channels", "group_words", "speaker_for_word", "with_roles"]
