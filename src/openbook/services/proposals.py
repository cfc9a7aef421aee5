"""The approval flow after P: the seller's decisions, the customer's rejection, and B of an accepted proposal.

P itself is ``BookingService.book`` with ``Stage.P``: the same checks as B, the places held by the proposal.
Every decision here is one Store transaction (``change_proposal``) that re-checks the rules on the current
row, so two racing decisions cannot both apply; each reaches the partner's order-proposals feed.
"""

from __future__ import annotations

import secrets
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from openbook.domain import access, errors
from openbook.domain.access import Draw
from openbook.domain.booking_rules import payment_error, reconciliation_error, reflected_payment
from openbook.domain.clock import to_epoch_ms
from openbook.domain.errors import BookingError
from openbook.domain.inventory import FlowRequirement
from openbook.domain.proposals import Decision, ProposalRefused, ProposalStatus, booking_refusal, next_status
from openbook.services.booking import current_totals
from openbook.store.port import BookedProposal, InventoryView, Partner, ProposalChange, Store, StoredOrder, UnknownOrder
from openbook.store.records import offer_from

NOTE_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class ProposalBooking:
    """B's second form: ``{"@type": "Order", "orderProposalVersion": …, "payment": …}``."""

    uuid: str
    version: str  # the version UUID named by orderProposalVersion
    payment: dict[str, Any] | None
    fingerprint: str


class Proposals:
    def __init__(self, store: Store, lease_duration: timedelta, draw: Draw = secrets.randbelow) -> None:
        self.store = store
        self.lease_duration = lease_duration  # how long a rejected proposal's places stay held
        self.draw = draw  # randomness for the means of entry issued at B

    async def decide(
        self,
        partner: Partner,
        uuid: str,
        decision: Decision,
        now: datetime,
        *,
        note: str | None = None,
    ) -> StoredOrder:
        """Apply a decision: the seller's (``note`` is the seller's note) or the customer's rejection (``note``
        is the customer's note, kept for the seller and never published). Raises ProposalRefused."""
        if note is not None and (not note.strip() or len(note) > NOTE_LIMIT):
            raise ProposalRefused(f"a note is text of 1 to {NOTE_LIMIT} characters")
        by_customer = decision.by_customer

        def change(current: StoredOrder) -> ProposalChange:
            status = ProposalStatus(current.proposal_status or ProposalStatus.AWAITING)
            new = next_status(status, decision)
            if decision is Decision.AMEND and not _negotiable(current):
                raise ProposalRefused(
                    "none of this proposal's offers lets the seller amend it (OpenBookingNegotiation)"
                )
            if new is status and decision is not Decision.AMEND and note is None:
                return ProposalChange()  # the customer repeating a rejection: nothing to do
            return ProposalChange(
                status=None if new is status else new.value,
                version=str(uuid_module.uuid4()) if decision is Decision.AMEND else None,
                seller_note=None if by_customer else note,
                customer_note=note if by_customer else None,
                # Rejected: the places return once a lease taken now would have expired (decision 0013).
                hold_lapses_ms=to_epoch_ms(now + self.lease_duration)
                if new.is_rejected and not status.is_rejected
                else None,
            )

        try:
            return await self.store.change_proposal(partner.id, uuid, change, to_epoch_ms(now))
        except UnknownOrder as unknown:
            raise BookingError(errors.UNKNOWN_ORDER, "no OrderProposal has this UUID") from unknown

    async def book(
        self,
        partner: Partner,
        booking: ProposalBooking,
        now: datetime,
        render: Callable[[StoredOrder, dict[str, Any] | None, InventoryView], str],
    ) -> str:
        """B by orderProposalVersion: the accepted proposal becomes the Order. Returns the 201 body, which
        ``render`` builds from the proposal, the payment to reflect and the inventory booked; an identical repeat
        gets it again."""
        existing = await self.store.order(partner.id, booking.uuid)
        if existing is None or existing.kind == "OrderQuote":
            raise BookingError(errors.UNKNOWN_ORDER, "no OrderProposal has this UUID")
        if existing.kind != "OrderProposal":
            return _replayed(existing, booking)
        refusal = _refusal(existing, booking.version)
        if refusal is not None:
            raise refusal
        payment = await self._checked_payment(existing, booking.payment)
        due, _ = current_totals(existing)
        # Means of entry come with the booking (as at B without approval), so they are issued now.
        inventory = await self.store.inventory_for({item.opportunity_id for item in existing.items})
        issued = {
            item.line: access.issue(self.draw, inventory.opportunities[item.opportunity_id].attendance_mode)
            for item in existing.items
            if item.opportunity_id in inventory.opportunities
        }
        booked_items = [replace(item, access=issued.get(item.line, item.access)) for item in existing.items]
        reflected = reflected_payment(payment, booked=True, free=due == 0)
        body = render(replace(existing, items=booked_items), reflected, inventory)

        def change(current: StoredOrder) -> ProposalChange:
            refused = _refusal(current, booking.version)
            if refused is not None:  # the seller changed it meanwhile
                raise refused
            return ProposalChange(booked=BookedProposal(body, booking.fingerprint, payment, issued))

        try:
            await self.store.change_proposal(partner.id, booking.uuid, change, to_epoch_ms(now))
        except UnknownOrder:  # booked (or deleted) by a concurrent request
            current = await self.store.order(partner.id, booking.uuid)
            if current is None:
                raise BookingError(errors.UNKNOWN_ORDER, "no OrderProposal has this UUID") from None
            return _replayed(current, booking)
        return body

    async def _checked_payment(self, proposal: StoredOrder, payment: dict[str, Any] | None) -> dict[str, Any] | None:
        """The payment B brings, checked as at P; without one, the payment given at P stands."""
        if payment is None:
            given: dict[str, Any] | None = proposal.details.get("payment")
            return given
        seller = await self.store.seller_by_id(proposal.seller_id or 0)
        unreconcilable = reconciliation_error(None if seller is None else seller.payment_reconciliation, payment)
        if unreconcilable is not None:
            raise unreconcilable
        offers = [
            offer_from({**item.offer_snapshot, "id": item.offer_id}) for item in proposal.items if item.offer_snapshot
        ]
        due, _ = current_totals(proposal)
        problem = payment_error(offers, due == 0, payment)
        if problem is not None:
            raise problem
        return payment


def _refusal(proposal: StoredOrder, version: str) -> BookingError | None:
    status = ProposalStatus(proposal.proposal_status or ProposalStatus.AWAITING)
    return booking_refusal(status, proposal.proposal_version or "", version)


def _replayed(order: StoredOrder, booking: ProposalBooking) -> str:
    """An Order made from this proposal by an identical B is answered again; anything else is a used UUID."""
    if order.kind == "Order" and order.request_hash == booking.fingerprint:
        return order.response or ""
    raise BookingError(errors.ORDER_ALREADY_EXISTS, f"this UUID already identifies an {order.kind}")


def _negotiable(proposal: StoredOrder) -> bool:
    offers = (
        offer_from({**item.offer_snapshot, "id": item.offer_id}) for item in proposal.items if item.offer_snapshot
    )
    return any(FlowRequirement.NEGOTIATION in offer.requirements for offer in offers)
