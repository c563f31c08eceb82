"""Stage 4c (pure): which speaker is the agent.

Stereo: the agent's channel is configured (default left, ``--agent-channel``).

Mono: each diarized speaker gets a score; the highest is the agent:

* +3 for each opening phrase in the speaker's first utterance, if it starts in
  the first 20 s (names the shop/company or themselves, "how can I help", «слушаю»);
* +1 for each agent-only phrase anywhere (order handling, hold requests, the NPS
  question, "thank you for calling");
* -1 for each customer-typical phrase («я хочу», «у вас есть», "I'd like", "do you have");
* +2 to the first speaker on inbound calls (the agent answers), +2 to the second
  speaker on outbound calls (the customer answers «Алло»).

Confidence grows with the margin between the best and second-best scores
(0.5 = a coin toss). ``MonoRoleRule`` lets a QA lead override it per batch.

The phrases are data: ``role_cues`` in ``transcription/lang/<language>.yaml``
(those of every language count in every call).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from enum import Enum

from qa.core.types import Direction, Role, RoleAssignment, Utterance
from transcription.lexicons import role_cues

OPENING_WINDOW_S = 20.0


class MonoRoleRule(str, Enum):
    AUTO = "auto"  # content + who speaks first (see module doc)
    FIRST_IS_AGENT = "first-is-agent"
    FIRST_IS_CUSTOMER = "first-is-customer"


def _text(u: Utterance) -> str:
    return re.sub(r"[^\w\s]+", " ", u.text.lower())


def assign_channel_roles(speakers: Sequence[str], agent_channel: int) -> RoleAssignment:
    agent = f"ch{agent_channel}"
    roles = tuple((s, Role.AGENT if s == agent else Role.CUSTOMER) for s in speakers)
    return RoleAssignment(roles=roles, confidence=1.0, method=f"channel:{agent}")


def speaker_order(utterances: Sequence[Utterance]) -> list[str]:
    order: list[str] = []
    for u in sorted(utterances, key=lambda u: u.start_s):
        if u.speaker not in order:
            order.append(u.speaker)
    return order


def role_scores(utterances: Sequence[Utterance], direction: Direction | None) -> dict[str, float]:
    scores: dict[str, float] = defaultdict(float)
    order = speaker_order(utterances)
    for speaker in order:
        scores[speaker] += 0.0
    cues = role_cues()
    opened: set[str] = set()
    for u in sorted(utterances, key=lambda u: u.start_s):
        text = _text(u)
        if u.speaker not in opened:
            opened.add(u.speaker)
            if u.start_s <= OPENING_WINDOW_S:
                scores[u.speaker] += 3 * sum(bool(p.search(text)) for p in cues.opening)
        scores[u.speaker] += sum(bool(p.search(text)) for p in cues.agent)
        scores[u.speaker] -= sum(bool(p.search(text)) for p in cues.customer)
    if order:
        if direction == Direction.OUTBOUND and len(order) > 1:
            scores[order[1]] += 2
        else:
            scores[order[0]] += 2
    return dict(scores)


def assign_mono_roles(
    utterances: Sequence[Utterance], direction: Direction | None = None, rule: MonoRoleRule = MonoRoleRule.AUTO
) -> RoleAssignment:
    order = speaker_order(utterances)
    if not order:
        return RoleAssignment(roles=(), confidence=0.0, method="none")
    if rule != MonoRoleRule.AUTO:
        agent_index = 0 if rule == MonoRoleRule.FIRST_IS_AGENT else min(1, len(order) - 1)
        agent = order[agent_index]
        roles = tuple((s, Role.AGENT if s == agent else Role.CUSTOMER) for s in order)
        return RoleAssignment(roles=roles, confidence=1.0, method=f"override:{rule.value}")
    scores = role_scores(utterances, direction)
    ranked = sorted(order, key=lambda s: (-scores[s], order.index(s)))
    agent = ranked[0]
    margin = scores[agent] - (scores[ranked[1]] if len(ranked) > 1 else 0.0)
    confidence = 0.5 + 0.5 * math.tanh(margin / 4) if len(ranked) > 1 else 0.5
    roles = tuple((s, Role.AGENT if s == agent else Role.CUSTOMER) for s in order)
    return RoleAssignment(roles=roles, confidence=round(confidence, 3), method="content")


__all__ = ["MonoRoleRule", "assign_channel_roles", "assign_mono_roles", "role_scores"]
