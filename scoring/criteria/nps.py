"""nps.v1: the 0-10 recommend question; the customer's number goes into the outcome.

Number words, scale words and corrections are data: ``scoring/lang/<language>.yaml``."""

from __future__ import annotations

from pydantic import Field

from qa.core.types import Evidence
from scoring.context import CallContext, Lexicon
from scoring.criteria.common import FAIL, PASS, StrictParams, judge, nearest, searched
from scoring.lexicons import corrections, number_words, scale_words
from scoring.registry import CriterionKind, Judgement, register
from scoring.text import UttText


def extract_score(utt: UttText, language: str) -> int | None:
    """A 0-10 number said in words or digits («на восьмёрку», "a solid 9", «десять из десяти»).

    The first number counts, unless the customer corrects it («девять... нет, восемь» is 8);
    a scale's upper end («из десяти») and later conditions («будет десять») do not."""
    words = number_words(language)
    correction_words, scale = corrections(), scale_words()
    found: int | None = None
    correcting = False
    for i, tok in enumerate(utt.tokens):
        if tok.text in correction_words and found is not None:
            correcting = True
            continue
        if i > 0 and utt.tokens[i - 1].text in scale:
            continue
        value = None
        if tok.text.isdigit() and 0 <= int(tok.text) <= 10:
            value = int(tok.text)
        else:
            value = next((words[f] for f in (tok.text, tok.lemma) if f in words), None)
        if value is None:
            continue
        if found is None or correcting:
            found, correcting = value, False
    return found


class NpsParams(StrictParams):
    recommend: Lexicon
    scale: Lexicon
    rating: Lexicon = Field(default_factory=dict, description="a 0-10 service-rating question (rate our service); its number goes to the outcome as service_rating")
    look_ahead: int = Field(default=3, ge=1, description="customer utterances searched for the answer")


def _nearest_question(call: CallContext, recommend: dict, scale: set[int]) -> list[Evidence]:
    """What came closest to the NPS question: the recommend question without a scale, else a 0-10 scale
    without the recommend question (a service rating)."""
    utts = call.text.utterances
    if recommend:
        utt, pat = recommend[min(recommend)]
        return [nearest(utt, f"nps.v1: asks to recommend ({pat.source}), but no 0-10 scale in this or a neighbouring turn")]
    if scale:
        return [nearest(utts[min(scale)], "nps.v1: a 0-10 scale, but no recommend question in this or a neighbouring turn")]
    return []


@register("nps.v1")
class Nps(CriterionKind):
    """The agent asks the 0-10 recommend question; the customer's number goes into the outcome."""

    Params = NpsParams

    def evaluate(self, call: CallContext, p: NpsParams) -> Judgement:
        recommend = {u.index: (u, pat) for u, pat in call.find(p.recommend, role="agent")}
        scale = {u.index for u, _ in call.find(p.scale, role="agent")}
        for u, _ in call.find(p.rating, role="agent"):
            if u.index in scale and u.index not in recommend:
                rating = next((n for a in call.customer() if a.index > u.index for n in [extract_score(a, call.language)] if n is not None), None)
                if rating is not None:
                    call.events["service_rating"] = rating
                break
        asked = [recommend[i] for i in sorted(recommend) if i in scale or i + 1 in scale or i - 1 in scale]
        if not asked:
            looked = searched(call.agent(), "nps.v1: the recommend question with a 0-10 scale (the same or a neighbouring turn) "
                              "among all the agent's turns", role="agent")
            return judge(FAIL, "the 0-10 recommend question was not asked", [], "recommend + scale",
                         more=[*_nearest_question(call, recommend, scale), looked])
        utt, pat = asked[0]
        answer = None
        answers = [u for u in call.customer() if u.index > utt.index][: p.look_ahead]
        for a in answers:
            answer = extract_score(a, call.language)
            if answer is not None:
                call.events["nps_score"] = answer
                return judge(PASS, f"asked; the customer answered {answer}", [utt, a], f"recommend: {pat.source}")
        return judge(PASS, "asked the recommend question (no number in the answer)", [utt], f"recommend: {pat.source}")
