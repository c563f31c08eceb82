"""Stage 2 (pure): timing and audio features per call and per role.

Computed from the utterances (who spoke when) and, when audio is available,
from the samples (loudness via librosa). Definitions:

* talk time: union of a role's utterance intervals; talk/listen ratio = agent / customer talk.
* silence: time inside the conversation (first word to last word) when nobody speaks;
  the longest such gap is the "dead air" a QA lead looks for.
* overtalk: time both parties speak at once.
* interruption: a role starts speaking while the other party's utterance has
  started more than 0.3 s earlier and goes on for at least 0.5 s more.
* response latency: when the other party had the floor and stopped, the gap
  until this role starts speaking (starts over the other party are not latencies).
* speech rate: words per minute of the role's talk time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa.core.types import CallFeatures, DecodedAudio, Role, RoleFeatures, Utterance

INTERRUPT_AFTER_START_S = 0.3
INTERRUPT_REMAINING_S = 0.5


def merge_intervals(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def total(intervals: Sequence[tuple[float, float]]) -> float:
    return sum(b - a for a, b in intervals)


def intersect(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]) -> float:
    i = j = 0
    out = 0.0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        out += max(0.0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _loudness_dbfs(audio: DecodedAudio | None, channel: int | None, intervals: Sequence[tuple[float, float]]) -> float | None:
    if audio is None or not intervals:
        return None
    import librosa

    samples = audio.channels[channel] if channel is not None else audio.mono()
    sr = audio.sample_rate_hz
    parts = [samples[int(a * sr) : int(b * sr)] for a, b in intervals]
    joined = np.concatenate([p for p in parts if len(p)]) if any(len(p) for p in parts) else None
    if joined is None or len(joined) < 512:
        return None
    rms = librosa.feature.rms(y=joined, frame_length=1024, hop_length=512)[0]
    rms = rms[rms > 1e-6]
    if not len(rms):
        return None
    return round(float(20 * np.log10(np.mean(rms))), 1)


def compute_features(
    utterances: Sequence[Utterance],
    duration_s: float,
    audio: DecodedAudio | None = None,
    channel_of_speaker: dict[str, int] | None = None,
) -> CallFeatures:
    ordered = sorted(utterances, key=lambda u: u.start_s)
    per_role = {role: merge_intervals([(u.start_s, u.end_s) for u in ordered if u.role == role]) for role in (Role.AGENT, Role.CUSTOMER)}
    everyone = merge_intervals([(u.start_s, u.end_s) for u in ordered])
    talk_s = total(everyone)
    gaps = [b0 - a1 for (_, a1), (b0, _) in zip(everyone, everyone[1:])]
    overtalk = intersect(per_role[Role.AGENT], per_role[Role.CUSTOMER])

    roles: list[RoleFeatures] = []
    for role in (Role.AGENT, Role.CUSTOMER):
        mine = [u for u in ordered if u.role == role]
        if not mine:
            continue
        others = [u for u in ordered if u.role not in (role, Role.UNKNOWN)]
        interruptions = sum(
            1
            for u in mine
            for o in others
            if o.start_s + INTERRUPT_AFTER_START_S < u.start_s < o.end_s - INTERRUPT_REMAINING_S
        )
        latencies: list[float] = []
        for u in mine:
            other_end = max((o.end_s for o in others if o.end_s <= u.start_s), default=None)
            own_end = max((m.end_s for m in mine if m.start_s < u.start_s), default=float("-inf"))
            if other_end is not None and other_end > own_end:  # the other party had the floor and stopped
                latencies.append(u.start_s - other_end)
        role_talk = total(per_role[role])
        n_words = sum(len(u.text.split()) for u in mine)
        channel = (channel_of_speaker or {}).get(mine[0].speaker)
        roles.append(
            RoleFeatures(
                role=role,
                talk_s=round(role_talk, 3),
                talk_ratio=round(role_talk / talk_s, 4) if talk_s else 0.0,
                turns=len(mine),
                words=n_words,
                speech_rate_wpm=round(n_words / (role_talk / 60), 1) if role_talk > 0 else None,
                interruptions=interruptions,
                response_latency_mean_s=round(float(np.mean(latencies)), 3) if latencies else None,
                response_latency_max_s=round(max(latencies), 3) if latencies else None,
                loudness_dbfs=_loudness_dbfs(audio, channel, per_role[role]),
            )
        )
    agent_talk, customer_talk = total(per_role[Role.AGENT]), total(per_role[Role.CUSTOMER])
    return CallFeatures(
        duration_s=round(duration_s, 3),
        talk_s=round(talk_s, 3),
        talk_listen_ratio=round(agent_talk / customer_talk, 3) if customer_talk else None,
        silence_total_s=round(sum(gaps), 3),
        silence_longest_s=round(max(gaps, default=0.0), 3),
        overtalk_s=round(overtalk, 3),
        roles=tuple(roles),
    )


__all__ = ["compute_features", "merge_intervals"]
