"""Redact a transcript: mask the personal data in its text and words, and say which seconds to mute.

The redacted transcript keeps every utterance, its role, speaker and times, so it can still be scored, reviewed
and played next to the audio; only the text changes («[phone]», «[name]»). Words that hold personal data become
one word ``[kind]`` spanning their time, and those times are the :class:`MuteSpan` s that
``qa.ingest.audio.mute`` silences. Words are matched to the utterance text in order; when they do not spell the
text (an editor changed one of the two), the words are checked on their own and the whole utterance is muted:
muting too much is the safe side. A speaker's consecutive utterances are also read as one text, so a phone
number dictated in groups, which pauses split into several utterances, is still found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from qa.core.hooks import Hook, StageStarted
from qa.core.types import Transcript, Utterance, Word
from qa.privacy.detect import find_pii
from qa.privacy.spans import Span

__all__ = ["MuteSpan", "Redaction", "mask", "redact", "redact_text"]

Offsets = list[tuple[int, int]]  # where each word stands in its text
TURN_GAP_S = 2.0  # one speaker's utterances this close are read together (a number dictated in groups)


@dataclass(frozen=True, slots=True)
class MuteSpan:
    """Seconds of the call's audio to silence: utterance ``utterance_index`` says ``kind`` there."""

    start_s: float
    end_s: float
    kind: str
    utterance_index: int


@dataclass(frozen=True, slots=True)
class Redaction:
    transcript: Transcript  # same utterances and times, personal data masked
    spans: tuple[MuteSpan, ...]  # sorted by start

    @property
    def intervals(self) -> tuple[tuple[float, float], ...]:
        """The spans as ``(start_s, end_s)`` pairs, the shape ``qa.ingest.audio.mute`` takes."""
        return tuple((s.start_s, s.end_s) for s in self.spans)


def mask(text: str, spans: list[Span]) -> str:
    """``text`` with each (disjoint) span replaced by ``[kind]``."""
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        text = f"{text[:span.start]}[{span.kind}]{text[span.end:]}"
    return text


def redact_text(text: str, language: str) -> str:
    """``text`` with its personal data masked: «позвоните [phone], [name]»."""
    return mask(text, find_pii(text, language))


def redact(transcript: Transcript, *, hook: Hook | None = None) -> Redaction:
    """The transcript with personal data masked, and the time spans to mute in its audio."""
    if hook is not None:
        hook(StageStarted("redact"))
    utterances: list[Utterance] = []
    mutes: list[MuteSpan] = []
    across: dict[int, list[Span]] = {}
    for block in _turns(transcript.utterances):
        across.update(_across(transcript.utterances, block, transcript.language))
    for index, utterance in enumerate(transcript.utterances):
        redacted, spans = _redact_utterance(utterance, index, transcript.language, across.get(index, []))
        utterances.append(redacted)
        mutes.extend(spans)
    mutes.sort(key=lambda m: (m.start_s, m.end_s))
    return Redaction(replace(transcript, utterances=tuple(utterances)), tuple(mutes))


def _turns(utterances: tuple[Utterance, ...]) -> list[list[int]]:
    """Runs of consecutive utterances of one role with pauses of at most :data:`TURN_GAP_S` between them."""
    runs: list[list[int]] = []
    for i, u in enumerate(utterances):
        last = utterances[runs[-1][-1]] if runs else None
        if last is not None and u.role == last.role and u.start_s - last.end_s <= TURN_GAP_S:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _across(utterances: tuple[Utterance, ...], run: list[int], language: str) -> dict[int, list[Span]]:
    """What only the run's joined text shows — a number dictated in groups that pauses cut into several
    utterances — cut back into each utterance's own offsets."""
    if len(run) < 2:
        return {}
    starts, cursor = [], 0
    for i in run:
        starts.append(cursor)
        cursor += len(utterances[i].text) + 1
    out: dict[int, list[Span]] = {}
    for span in find_pii(" ".join(utterances[i].text for i in run), language):
        pieces = [(i, a) for i, a in zip(run, starts) if span.start < a + len(utterances[i].text) and a < span.end]
        if len(pieces) < 2:  # inside one utterance: its own detection finds it
            continue
        for i, a in pieces:
            text = utterances[i].text
            lo, hi = max(span.start - a, 0), min(span.end - a, len(text))
            out.setdefault(i, []).append(Span(span.kind, lo, hi, text[lo:hi]))
    return out


def _merged(spans: list[Span], text: str) -> list[Span]:
    """Disjoint spans: overlapping ones become one (the first one's kind)."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if out and span.start < out[-1].end:
            last = out.pop()
            end = max(last.end, span.end)
            span = Span(last.kind, last.start, end, text[last.start:end])
        out.append(span)
    return out


def _redact_utterance(u: Utterance, index: int, language: str,
                      across: list[Span] = ()) -> tuple[Utterance, list[MuteSpan]]:
    spans = _merged([*find_pii(u.text, language), *across], u.text)
    offsets = _locate(u.text, u.words)
    if offsets is None:  # the words do not spell the text: check them apart, mute the whole utterance
        joined, offsets = _join(u.words)
        word_spans = find_pii(joined, language)
        words, _ = _mask_words(joined, u.words, offsets, word_spans)
        found = spans or word_spans
        mutes = [MuteSpan(u.start_s, u.end_s, found[0].kind, index)] if found else []
        return replace(u, text=mask(u.text, spans), words=words), mutes
    if not spans:
        return u, []
    words, mutes = _mask_words(u.text, u.words, offsets, spans)
    muted = [MuteSpan(w.start_s, w.end_s, kind, index) for w, kind in mutes]
    if len(mutes) < len(spans):  # a span no word covers (or no words at all): the whole utterance
        muted = [MuteSpan(u.start_s, u.end_s, spans[0].kind, index)]
    return replace(u, text=mask(u.text, spans), words=words), muted


def _locate(text: str, words: tuple[Word, ...]) -> Offsets | None:
    """Each word's place in ``text``, in order; None when the words skip letters of the text or are not in it."""
    offsets: Offsets = []
    fold = len(text.lower()) == len(text)  # case-blind search unless lower-casing moves offsets («İ»)
    haystack = text.lower() if fold else text
    cursor = 0
    for word in words:
        token = word.text.strip()
        if not token:
            offsets.append((cursor, cursor))
            continue
        pos = haystack.find(token.lower() if fold else token, cursor)
        if pos < 0 or any(ch.isalnum() for ch in text[cursor:pos]):
            return None
        offsets.append((pos, pos + len(token)))
        cursor = pos + len(token)
    return offsets


def _join(words: tuple[Word, ...]) -> tuple[str, Offsets]:
    parts: list[str] = []
    offsets: Offsets = []
    cursor = 0
    for word in words:
        token = word.text.strip()
        offsets.append((cursor, cursor + len(token)))
        parts.append(token)
        cursor += len(token) + 1
    return " ".join(parts), offsets


def _mask_words(text: str, words: tuple[Word, ...], offsets: Offsets,
                spans: list[Span]) -> tuple[tuple[Word, ...], list[tuple[Word, str]]]:
    """Words with each span's words merged into one ``[kind]`` word; the merged words with their kinds."""
    replaced: dict[int, Word | None] = {}  # word index → its replacement (None: merged into an earlier one)
    merged: list[tuple[Word, str]] = []
    for span in spans:
        hit = [k for k, (a, b) in enumerate(offsets) if a < span.end and span.start < b and k not in replaced]
        if not hit:
            continue
        word = _merged_word(text, words, offsets, hit, span)
        replaced.update({k: None for k in hit})
        replaced[hit[0]] = word
        merged.append((word, span.kind))
    out = [replaced.get(k, w) for k, w in enumerate(words)]
    return tuple(w for w in out if w is not None), merged


def _merged_word(text: str, words: tuple[Word, ...], offsets: Offsets, hit: list[int], span: Span) -> Word:
    first = words[hit[0]]
    (a, _), (_, b) = offsets[hit[0]], offsets[hit[-1]]
    leading = first.text[:len(first.text) - len(first.text.lstrip())]
    before = text[a:span.start] if span.start > a else ""  # «(+7 916...» keeps its «(»
    after = text[span.end:b] if span.end < b else ""  # «Ирину.» keeps its «.»
    return Word(
        start_s=first.start_s,
        end_s=max(words[k].end_s for k in hit),
        text=f"{leading}{before}[{span.kind}]{after}",
        probability=min(words[k].probability for k in hit),
    )
