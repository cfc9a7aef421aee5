"""Orders as the booking core sees them: what was asked for, how it was priced, what state it is in."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from openbook.domain.errors import ItemError
from openbook.domain.inventory import OA, Offer, Opportunity, ParentOpportunity, Seller
from openbook.domain.money import Money


class BrokerRole(StrEnum):
    AGENT = OA + "AgentBroker"
    RESELLER = OA + "ResellerBroker"
    NONE = OA + "NoBroker"


class OrderKind(StrEnum):
    QUOTE = "OrderQuote"
    PROPOSAL = "OrderProposal"
    ORDER = "Order"
    DELETED = "Deleted"


class OrderItemStatus(StrEnum):
    CONFIRMED = OA + "OrderItemConfirmed"
    CUSTOMER_CANCELLED = OA + "CustomerCancelled"
    SELLER_CANCELLED = OA + "SellerCancelled"
    ATTENDED = OA + "AttendeeAttended"
    ABSENT = OA + "AttendeeAbsent"

    @property
    def is_cancelled(self) -> bool:
        return self in (OrderItemStatus.CUSTOMER_CANCELLED, OrderItemStatus.SELLER_CANCELLED)


@dataclass(frozen=True, slots=True)
class RequestedItem:
    """One OrderItem of a request, as parsed: ids are kept as given so errors can echo them."""

    position: int
    opportunity_id: str | None  # the @id the broker sent
    offer_id: str | None
    attendee: dict[str, Any] | None = None
    intake_response: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class ResolvedItem:
    """A requested item matched to inventory (or not: then ``errors`` says why)."""

    requested: RequestedItem
    opportunity: Opportunity | None = None
    parent: ParentOpportunity | None = None
    offer: Offer | None = None
    errors: list[ItemError] = field(default_factory=list)
    unit_tax: Money | None = None

    @property
    def counts_in_totals(self) -> bool:
        return self.offer is not None and all(error.keeps_item_in_totals for error in self.errors)

    @property
    def needs_capacity(self) -> bool:
        """Items that would be booked if everything else were right."""
        return self.opportunity is not None and self.offer is not None and self.counts_in_totals


@dataclass(frozen=True, slots=True)
class Totals:
    due: Money
    tax: Money | None  # None when tax is not calculated (B2B without calculation)
    prepayment: str | None


@dataclass(frozen=True, slots=True)
class BookingParties:
    seller: Seller
    broker_role: BrokerRole
    broker: dict[str, Any] | None
    customer: dict[str, Any] | None
    payment: dict[str, Any] | None
