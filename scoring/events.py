"""Conversation events detected once per call and shared by criteria.

* order agreed: the first utterance where the agent places/confirms the order,
  the customer takes the offer, or (failing both) the customer says yes to the agent's read-back —
  unless the whole order is cancelled later (an outbound confirmation that ends in
  «отменяю заказ» / "it's cancelled") and not placed again after that;
* hold/check requests, thanks for waiting, long agent silences.
"""

from __future__ import annotations

from pydantic import BaseModel

from scoring.context import CallContext, Lexicon


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
    cancels: Lexicon = {}  # the whole order is cancelled («отменяю заказ», "it's cancelled"): no order unless placed again
    service: Lexicon = {}  # the customer calls about an existing order (return, refund, complaint): a read-back after it is no new order
    readback: ReadbackLexicon | None = None


def order_agreed_index(call: CallContext, lex: OrderLexicon) -> int | None:
    """Index of the utterance where the main order is agreed, or None (no order placed)."""
    key = f"order_agreed:{id(lex)}"  # one result per lexicon (criteria may define different ones)
    if key in call.events:
        return call.events[key]  # type: ignore[return-value]
    refusals = {u.index for u, _ in call.find(lex.not_an_order, role="any")}
    hits = [u.index for u, _ in call.find(lex.agent_places, role="agent") if u.index not in refusals]
    proposals = [u.index for u, _ in call.find(lex.proposal, role="agent")] if lex.proposal else [-1]
    first_proposal = min(proposals, default=None)
    if first_proposal is not None:
        hits += [
            u.index for u, _ in call.find(lex.customer_takes, role="customer")
            if u.index not in refusals and u.index > first_proposal
        ]
    if lex.readback is not None and not hits and first_proposal is not None:
        utts = call.text.utterances
        # a service call (return, refund, cancellation asked by the customer) reads back the existing order: no new one
        service = min((u.index for u, _ in call.find(lex.service, role="customer")), default=len(utts))
        for u in (x for x in call.agent() if first_proposal < x.index < service and x.index not in refusals):
            cats = sum(bool(call.find(d, utts=[u])) for d in lex.readback.details.values())
            nxt = next((x for x in utts[u.index + 1 :] if x.role.value == "customer"), None)
            if cats >= lex.readback.min_details and nxt is not None and nxt.index not in refusals and call.find(lex.readback.customer_yes, utts=[nxt]):
                hits.append(u.index)
                break
    index = min(hits) if hits else None
    if index is not None and lex.cancels:
        cancelled = [u.index for u, _ in call.find(lex.cancels, role="any")]
        if cancelled and max(cancelled) > index and not any(h > max(cancelled) for h in hits):
            index = None  # cancelled at the end and not placed again
    call.events[key] = index
    call.events["order_placed"] = index is not None  # the call's outcome, shown on the scorecard
    return index
