"""confirmation.v1: when an order is placed, the agent reads back its details."""

from __future__ import annotations

from pydantic import Field

from qa.core.types import Role
from scoring.context import CallContext, Lexicon
from scoring.criteria.common import FAIL, NA, PASS, StrictParams, judge, searched
from scoring.events import OrderLexicon, order_agreed_index
from scoring.registry import CriterionKind, Judgement, register
from scoring.text import UttText


def _customer_confirms(call: CallContext, utt: UttText, order: OrderLexicon) -> bool:
    """The customer's next turn says yes to this agent turn (a read-back before the order is placed)."""
    if order.readback is None:
        return False
    nxt = next((u for u in call.text.utterances[utt.index + 1 :] if u.role == Role.CUSTOMER), None)
    return nxt is not None and bool(call.find(order.readback.customer_yes, utts=[nxt]))


class ConfirmationParams(StrictParams):
    order: OrderLexicon
    readback: Lexicon = Field(description="markers of a read-back (so, to confirm, итого...)")
    details: dict[str, Lexicon] = Field(description="detail categories: price, delivery, payment")
    min_details: int = 1
    unmarked_details: int | None = Field(default=None, ge=1, description="a turn naming this many detail categories is a read-back even without a marker")


@register("confirmation.v1")
class Confirmation(CriterionKind):
    """When an order is placed, the agent reads back its key details."""

    Params = ConfirmationParams

    def evaluate(self, call: CallContext, p: ConfirmationParams) -> Judgement:
        agreed = order_agreed_index(call, p.order)
        if agreed is None:
            return judge(NA, "no order was placed")
        readback = {u.index for u, _ in call.find(p.readback, role="agent")}
        best = None
        closest: tuple[UttText, list[str], bool] | None = None  # the fullest turn that did not count
        checked = [u for u in call.agent() if u.index >= agreed or _customer_confirms(call, u, p.order)]
        for utt in checked:
            cats = [name for name, lex in p.details.items() if call.find(lex, utts=[utt])]
            marked = utt.index in readback or (p.unmarked_details is not None and len(cats) >= p.unmarked_details)
            if marked and len(cats) >= p.min_details:
                if best is None or len(cats) > len(best[1]):
                    best = (utt, cats)
            elif (marked or cats) and (closest is None or (len(cats), marked) > (len(closest[1]), closest[2])):
                closest = (utt, cats, marked)
        if best is None:
            window = searched(checked, f"a read-back (a marker and at least {p.min_details} of: {', '.join(p.details)}) "
                              "after the order is agreed", role="agent",
                              start_s=call.text.utterances[agreed].utterance.start_s)
            near = []
            if closest is not None:
                utt, cats, marked = closest
                why = (f"names {', '.join(cats)} but is not read back (no marker)" if not marked
                       else f"a read-back marker with {len(cats)} of {p.min_details} details needed")
                near = [(utt, why)]
            return judge(FAIL, "order placed but its details were never read back", [], "readback + details", nearest=near, more=[window])
        utt, cats = best
        return judge(PASS, f"reads back the order ({', '.join(cats)})", [utt], "readback + " + ", ".join(cats))
