"""Conversation events detected once per call and shared by criteria.

* the order lifecycle (:func:`order_lifecycle`): product proposed → customer agrees → placed (or read back and
  confirmed), changed, a pre-order; or declined, postponed, cancelled, a service call about an existing order.
  The main order counts from the first utterance where the agent places/confirms it, the customer takes the
  offer, or (failing both) the customer says yes to the agent's read-back — unless the whole order is cancelled
  later (an outbound confirmation that ends in «отменяю заказ» / "it's cancelled") and not placed again after that.
  Every event quotes its utterance; the call's status comes with a confidence.
* hold/check requests, thanks for waiting, long agent silences.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from scoring.context import CallContext, Lexicon
from scoring.text import UttText

class ReadbackLexicon(BaseModel):
    """An order is also placed when the agent reads back its details and the customer agrees."""

    details: dict[str, Lexicon] = {}
    min_details: int = 2
    customer_yes: Lexicon = {}


class OrderLexicon(BaseModel):
    agent_places: Lexicon = {}
    customer_takes: Lexicon = {}
    proposal: Lexicon = {}  # when given, a customer's "take" counts only after the agent's first proposal
    not_an_order: Lexicon = {}  # refusals, returns, call-backs: such an utterance places no order
    farewells: Lexicon = {}  # a customer's goodbye takes nothing; an agent's «спасибо за заказ, до свидания» still places
    cancels: Lexicon = {}  # the whole order is cancelled («отменяю заказ», "it's cancelled"): no order unless placed again
    service: Lexicon = {}  # the customer calls about an existing order (return, refund, complaint): a read-back after it is no new order
    readback: ReadbackLexicon | None = None
    # what the call's status is called when no order is placed, or how it was placed (labels only: they never
    # change whether an order was placed)
    postpones: Lexicon = {}  # «подумаю», «оформлю на сайте сам», "I'll call back"
    declines: Lexicon = {}  # «не надо», "no thanks"
    changes: Lexicon = {}  # an existing order changed: «обновляю заказ», "swap it for"
    preorder: Lexicon = {}  # a pre-order or reservation
    outbound: Lexicon = {}  # the agent calls about an order placed on the website


ORDER_STATUSES = ("placed", "pre_order", "changed", "cancelled", "postponed", "declined", "service", "no_order")


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One step of the order lifecycle: ``kind`` (proposed, agreed, placed, read_back, changed, pre_order,
    outbound, declined, postponed, cancelled, service) at an utterance, quoted."""

    kind: str
    utterance_index: int
    start_s: float
    role: str
    quote: str
    rule: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "utterance_index": self.utterance_index, "start_s": self.start_s, "role": self.role,
                "quote": self.quote, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class OrderLifecycle:
    """The call's order: ``placed_index`` (the utterance where the main order is agreed) or None, the status and
    how sure the detector is of it, and the events it read."""

    placed_index: int | None
    status: str
    confidence: float
    events: tuple[OrderEvent, ...]

    @property
    def placed(self) -> bool:
        return self.placed_index is not None


def _event(kind: str, utt: UttText, rule: str) -> OrderEvent:
    u = utt.utterance
    return OrderEvent(kind, utt.index, u.start_s, u.role.value, u.text, rule)


def _first(call: CallContext, kind: str, lexicon: Lexicon, role: str, after: int = -1) -> list[OrderEvent]:
    hit = next(((u, p) for u, p in call.find(lexicon, role=role) if u.index > after), None) if lexicon else None
    return [] if hit is None else [_event(kind, hit[0], hit[1].source)]


def order_lifecycle(call: CallContext, lex: OrderLexicon) -> OrderLifecycle:
    """The order as the conversation went (computed once per call and lexicon)."""
    key = f"order:{id(lex)}"  # one result per lexicon (criteria may define different ones)
    if key in call.events:
        return call.events[key]  # type: ignore[return-value]
    refusals = {u.index for u, _ in call.find(lex.not_an_order, role="any")}
    goodbyes = {u.index for u, _ in call.find(lex.farewells, role="customer")} if lex.farewells else set()
    placed = [(u, p) for u, p in call.find(lex.agent_places, role="agent") if u.index not in refusals]
    proposals = call.find(lex.proposal, role="agent") if lex.proposal else []
    first_proposal = min((u.index for u, _ in proposals), default=None) if lex.proposal else -1
    takes = [] if first_proposal is None else [
        (u, p) for u, p in call.find(lex.customer_takes, role="customer")
        if u.index not in refusals and u.index not in goodbyes and u.index > first_proposal
    ]
    hits = [u.index for u, _ in placed] + [u.index for u, _ in takes]
    events = [_event("proposed", proposals[0][0], proposals[0][1].source)] if proposals else []
    events += [_event("agreed", u, p.source) for u, p in takes[:1]] + [_event("placed", u, p.source) for u, p in placed[:1]]
    how = "placed" if placed and min(u.index for u, _ in placed) == min(hits) else "agreed" if hits else None
    if lex.readback is not None and not hits and first_proposal is not None:
        utts = call.text.utterances
        # a service call (return, refund, cancellation asked by the customer) reads back the existing order: no new one
        service = min((u.index for u, _ in call.find(lex.service, role="customer")), default=len(utts))
        for u in (x for x in call.agent() if first_proposal < x.index < service and x.index not in refusals):
            cats = [name for name, d in lex.readback.details.items() if call.find(d, utts=[u])]
            nxt = next((x for x in utts[u.index + 1 :] if x.role.value == "customer"), None)
            if len(cats) >= lex.readback.min_details and nxt is not None and nxt.index not in refusals and call.find(lex.readback.customer_yes, utts=[nxt]):
                hits.append(u.index)
                events += [_event("read_back", u, "details: " + ", ".join(cats)), _event("agreed", nxt, "yes to the read-back")]
                how = "read_back"
                break
    index = min(hits) if hits else None
    cancelled = [(u, p) for u, p in call.find(lex.cancels, role="any")] if lex.cancels else []
    if cancelled:
        events.append(_event("cancelled", cancelled[-1][0], cancelled[-1][1].source))
    if index is not None and cancelled:
        last = cancelled[-1][0].index
        if last > index and not any(h > last for h in hits):
            index = None  # cancelled at the end and not placed again
    events += _first(call, "outbound", lex.outbound, "agent") + _first(call, "service", lex.service, "customer")
    events += _first(call, "postponed", lex.postpones, "customer") + _first(call, "declined", lex.declines, "customer")
    if index is not None:
        events += _first(call, "pre_order", lex.preorder, "any") + _first(call, "changed", lex.changes, "agent")
    events.sort(key=lambda e: (e.utterance_index, e.kind))
    lifecycle = OrderLifecycle(index, *_status(index, how, {e.kind for e in events}, first_proposal), tuple(events))
    call.events[key] = lifecycle
    call.events["order_placed"] = lifecycle.placed  # the call's outcome, shown on the scorecard
    call.events["order_status"] = lifecycle.status
    call.events["order_confidence"] = lifecycle.confidence
    call.events["order_events"] = [e.as_dict() for e in lifecycle.events]
    return lifecycle


def _status(index: int | None, how: str | None, kinds: set[str], first_proposal: int | None) -> tuple[str, float]:
    """The call's order status and a confidence set by how direct the evidence is (not fitted: an agent saying
    the order is placed is surer than a customer's "yes" to a read-back; no order after an explicit refusal is
    surer than no order after silence)."""
    if index is not None:
        status = "pre_order" if "pre_order" in kinds else "changed" if "changed" in kinds else "placed"
        return status, {"placed": 0.95, "agreed": 0.85, "read_back": 0.75}.get(how or "", 0.75)
    for status in ("cancelled", "service", "postponed", "declined"):
        if status in kinds:
            return status, 0.9
    return "no_order", 0.95 if first_proposal is None else 0.7


def order_agreed_index(call: CallContext, lex: OrderLexicon) -> int | None:
    """Index of the utterance where the main order is agreed, or None (no order placed)."""
    return order_lifecycle(call, lex).placed_index
