"""Booking rules: when an opportunity/offer pair can be booked, how capacity errors are shared out,
when a customer may cancel, and which payment details an order needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openbook.domain import errors
from openbook.domain.errors import BookingError, ItemError
from openbook.domain.inventory import Availability, EventStatus, Offer, Opportunity, PaymentReconciliation, Seller
from openbook.domain.orders import OrderItemStatus
from openbook.domain.pricing import effective_prepayment


def bookability_errors(opportunity: Opportunity, offer: Offer, seller: Seller, now: datetime) -> list[ItemError]:
    """Why this pair cannot be booked now (empty if it can); capacity is judged separately."""
    problems: list[str] = []
    if opportunity.end <= now:
        problems.append("the opportunity has already ended")
    if opportunity.event_status in (EventStatus.CANCELLED, EventStatus.POSTPONED):
        problems.append("the opportunity is cancelled or postponed")
    if offer.in_advance is Availability.UNAVAILABLE:
        problems.append("this offer cannot be booked in advance through the Open Booking API")
    if offer.valid_from_before_start is not None and now < opportunity.start - offer.valid_from_before_start:
        problems.append("booking for this offer has not opened yet")
    if offer.valid_through_before_start is not None and now > opportunity.start - offer.valid_through_before_start:
        problems.append("booking for this offer has closed")
    if not seller.is_open_booking_allowed:
        problems.append("the seller does not take bookings through the Open Booking API")
    return [ItemError(errors.NOT_BOOKABLE, problem) for problem in problems]


@dataclass(frozen=True, slots=True)
class CapacityVerdict:
    granted: int  # items that can have a place
    reserved_by_lease: int  # items refused because other customers' leases hold the places
    insufficient: int  # items refused for want of capacity
    full: bool  # nothing at all is free: every refused item gets OpportunityIsFullError


def share_capacity(requested: int, available: int, held_by_others: int) -> CapacityVerdict:
    """Share ``available`` places among ``requested`` identical items, as the spec's worked example does:
    capacity 3 free and 1 held by another lease, 9 items → 3 granted, 1 reserved by lease, 5 insufficient."""
    granted = min(requested, max(available, 0))
    reserved = min(requested - granted, max(held_by_others, 0))
    insufficient = requested - granted - reserved
    return CapacityVerdict(granted, reserved, insufficient, full=available <= 0 and held_by_others <= 0)


def capacity_errors(verdict: CapacityVerdict) -> list[ItemError | None]:
    """Per item, in order: None for granted items, else the error that item carries."""
    result: list[ItemError | None] = [None] * verdict.granted
    if verdict.full:
        return result + [ItemError(errors.FULL, "there are no places left")] * (
            verdict.reserved_by_lease + verdict.insufficient
        )
    lease = ItemError(errors.RESERVED_BY_LEASE, "the remaining places are held by other customers' baskets")
    short = ItemError(errors.INSUFFICIENT_CAPACITY, "not enough places remain for this many bookings")
    return result + [lease] * verdict.reserved_by_lease + [short] * verdict.insufficient


def cancellation_refusal(
    status: OrderItemStatus, offer: Offer, opportunity_start: datetime, now: datetime
) -> str | None:
    """Why the customer may not cancel this item (a customer-facing sentence), or None if they may."""
    if status is OrderItemStatus.CUSTOMER_CANCELLED:
        return None
    if status is OrderItemStatus.SELLER_CANCELLED:
        return "This booking has already been cancelled by the organiser."
    if status in (OrderItemStatus.ATTENDED, OrderItemStatus.ABSENT):
        return "This booking cannot be cancelled because the session has taken place."
    if not offer.allow_customer_cancellation_full_refund:
        return "This booking cannot be cancelled online; please contact the organiser."
    deadline = opportunity_start
    if offer.latest_cancellation_before_start is not None:
        deadline = opportunity_start - offer.latest_cancellation_before_start
    if now >= deadline:
        return "The cancellation window for this booking has closed."
    return None


def payment_error(offers: Sequence[Offer], total_is_zero: bool, payment: dict[str, Any] | None) -> BookingError | None:
    """The payment error conditions of B and P, in the reference order: missing, unnecessary, incomplete."""
    kinds = {effective_prepayment(offer) for offer in offers if not offer.is_free}
    required = Availability.REQUIRED in kinds
    expected = not total_is_zero and bool(kinds - {Availability.UNAVAILABLE})
    if required and payment is None:
        return BookingError(errors.MISSING_PAYMENT_DETAILS, "payment is required for this order: send payment details")
    if payment is not None and not expected:
        return BookingError(
            errors.UNNECESSARY_PAYMENT_DETAILS, "this order takes no payment: omit the payment property"
        )
    if payment is not None and not payment.get("identifier"):
        return BookingError(errors.INCOMPLETE_PAYMENT_DETAILS, "payment.identifier is required at B")
    return None


def reconciliation_error(expected: PaymentReconciliation | None, payment: dict[str, Any] | None) -> BookingError | None:
    """A `payment` that the seller could not reconcile (checked whenever one is sent, even on a free order)."""
    if expected is None or payment is None:
        return None
    wrong = [key for key, value in expected.expected().items() if payment.get(key) != value]
    if not wrong:
        return None
    return BookingError(
        errors.INVALID_PAYMENT_DETAILS,
        f"payment {', '.join(wrong)} must match the seller's payment account for reconciliation",
    )


PAYMENT_FIELDS = ("identifier", "name", "accountId", "paymentProviderId")


def reflected_payment(payment: dict[str, Any] | None, *, booked: bool, free: bool) -> dict[str, Any] | None:
    """What a response says about the broker's payment: its reconciliation details, the `identifier` only
    once booked (C1/C2 have none), and nothing at all for a free order, which takes no payment."""
    if payment is None or free:
        return None
    kept = {key: payment[key] for key in PAYMENT_FIELDS if key in payment and (booked or key != "identifier")}
    return {"@type": "Payment", **kept} if kept else None


def prepayment_conflicts(offers: Sequence[Offer | None]) -> list[bool]:
    """Paid items that require prepayment cannot share an order with paid items that forbid it."""
    kinds = [None if o is None or o.is_free else effective_prepayment(o) for o in offers]
    clash = Availability.REQUIRED in kinds and Availability.UNAVAILABLE in kinds
    return [clash and kind in (Availability.REQUIRED, Availability.UNAVAILABLE) for kind in kinds]
