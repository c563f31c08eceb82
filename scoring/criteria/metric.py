"""metric.v1: a timing feature of the call within bounds."""

from __future__ import annotations

from typing import Literal

from qa.core.types import Role
from scoring.context import CallContext
from scoring.criteria.common import FAIL, NA, PASS, StrictParams, judge, searched
from scoring.registry import CriterionKind, Judgement, register

METRICS = {
    "talk_listen_ratio": lambda f: f.talk_listen_ratio,
    "silence_longest_s": lambda f: f.silence_longest_s,
    "overtalk_s": lambda f: f.overtalk_s,
    "agent_interruptions": lambda f: (r.interruptions if (r := f.for_role(Role.AGENT)) else None),
    "agent_response_latency_mean_s": lambda f: (r.response_latency_mean_s if (r := f.for_role(Role.AGENT)) else None),
    "agent_response_latency_max_s": lambda f: (r.response_latency_max_s if (r := f.for_role(Role.AGENT)) else None),
    "agent_speech_rate_wpm": lambda f: (r.speech_rate_wpm if (r := f.for_role(Role.AGENT)) else None),
}


class MetricParams(StrictParams):
    metric: Literal[tuple(METRICS)]  # type: ignore[valid-type]
    max: float | None = None
    min: float | None = None


@register("metric.v1")
class Metric(CriterionKind):
    """A timing/audio feature of the call within bounds (talk/listen ratio, interruptions, dead air...)."""

    Params = MetricParams

    def evaluate(self, call: CallContext, p: MetricParams) -> Judgement:
        value = METRICS[p.metric](call.features) if call.features is not None else None
        if value is None:
            return judge(NA, f"{p.metric} is not available for this call")
        if p.max is not None and value > p.max:
            looked = searched(call.text.utterances, f"metric.v1: {p.metric} over the whole call: {value:g}, at most {p.max:g} allowed")
            return judge(FAIL, f"{p.metric} = {value:g} is above {p.max:g}", [], f"{p.metric} <= {p.max:g}", more=[looked])
        if p.min is not None and value < p.min:
            looked = searched(call.text.utterances, f"metric.v1: {p.metric} over the whole call: {value:g}, at least {p.min:g} needed")
            return judge(FAIL, f"{p.metric} = {value:g} is below {p.min:g}", [], f"{p.metric} >= {p.min:g}", more=[looked])
        return judge(PASS, f"{p.metric} = {value:g} within bounds", [], p.metric)
