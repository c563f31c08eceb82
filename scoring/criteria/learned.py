"""learned.v1: a classifier trained by ``qa learn`` (the model code is :mod:`scoring.learned`)."""

from __future__ import annotations

from pydantic import Field

from qa.core.types import Role
from scoring.context import CallContext
from scoring.criteria.common import StrictParams, judge
from scoring.learned import load
from scoring.registry import CriterionKind, Judgement, register


class LearnedParams(StrictParams):
    model: str = Field(description="path of a model trained by `qa learn` (absolute, or relative to the working directory)")
    sha256: str | None = Field(default=None, description="the model file's sha256 as `qa learn` printed it; a changed file is refused")


@register("learned.v1")
class Learned(CriterionKind):
    """A scikit-learn classifier trained on human verdicts (``qa learn``); evidence = the words that weighed most."""

    Params = LearnedParams

    def evaluate(self, call: CallContext, p: LearnedParams) -> Judgement:
        model = load(p.model, p.sha256)
        verdict, probability, top = model.predict(call.text, call.features)
        quoted, rules = [], []
        for term, weight in top:
            tag, _, lemma = term.split(" ")[0].partition(":")
            role = {"a": Role.AGENT, "a0": Role.AGENT, "aN": Role.AGENT, "c": Role.CUSTOMER}.get(tag)
            utt = next((u for u in call.text.utterances if u.role == role and any(t.lemma == lemma for t in u.tokens)), None)
            if utt is not None and utt not in quoted:
                quoted.append(utt)
            rules.append(f"{term} (+{weight:.2f})")
        reason = f"learned model for {model.criterion_id}: {verdict.value} with probability {probability:.2f}"
        j = judge(verdict, reason, quoted, "learned: " + ", ".join(rules) if rules else "learned")
        return Judgement(j.verdict, j.reason, j.evidence, round(min(j.confidence, probability), 3))
