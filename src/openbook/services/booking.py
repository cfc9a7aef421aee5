"""Booking use cases of the Open Booking API: quote (C1/C2), book (B), release, cancel, delete.

The face hands in a parsed request (``OrderRequest``); these functions apply every rule and return
what the face renders. Anything that must be atomic happens in one Store call.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import msgspec

from openbook.domain import access, errors
from openbook.domain.access import Draw, ItemAccess
from openbook.domain.attendees import attendee_errors
from openbook.domain.booking_rules import (
    bookability_errors,
    cancellation_refusal,
    capacity_errors,
    payment_error,
    prepayment_conflicts,
    reconciliation_error,
    reflected_payment,
    share_capacity,
)
from openbook.domain.clock import to_epoch_ms
from openbook.domain.errors import BookingError, ItemError
from openbook.domain.intake import intake_errors
from openbook.domain.inventory import FlowRequirement, Offer, Opportunity, OpportunityKind, Seller
from openbook.domain.money import Money, from_minor, quantize, to_minor
from openbook.domain.orders import BrokerRole, OrderItemStatus, Totals
from openbook.domain.pricing import DEFAULT_TAX_RATE, gross, totals, unit_tax
from openbook.store.port import (
    CapacityShortfall,
    InventoryView,
    ItemChange,
    NewOrder,
    OrderChange,
    OrderLine,
    Partner,
    Store,
    StoredOrder,
    UnknownOrder,
    UuidTaken,
)
from openbook.store.records import offer_from, offer_params


class Stage(StrEnum):
    C1 = "C1"
    C2 = "C2"
    P = "P"  # OrderProposal creation: B's checks, then the seller decides
    B = "B"

    @property
    def books(self) -> bool:
        """B and P commit the customer (payment identifiers are reflected; places are taken or held)."""
        return self in (Stage.B, Stage.P)


@dataclass(frozen=True, slots=True)
class ItemRequest:
    """One OrderItem as the broker sent it, with its ids already parsed by the face."""

    position: int
    opportunity: tuple[OpportunityKind, int] | None
    offer_id: int | None
    offer_owner: str | None  # "parent" or "opportunity": which @id the offer fragment hangs off
    offer_owner_id: int | None
    problems: tuple[ItemError, ...] = ()  # missing or malformed ids, found while parsing
    attendee: dict[str, Any] | None = None
    intake: tuple[dict[str, Any], ...] = ()
    echo: dict[str, Any] = field(default_factory=dict)  # acceptedOffer/orderedItem as sent, for error responses
    broker_passes: tuple[dict[str, Any], ...] = ()  # Barcodes the broker supplied in accessPass (B)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    stage: Stage
    uuid: str
    seller_id: int | None
    broker_role: BrokerRole | None
    broker: dict[str, Any] | None
    customer: dict[str, Any] | None
    payment: dict[str, Any] | None
    items: tuple[ItemRequest, ...]
    total_payment_due: Money | None = None
    fingerprint: str = ""  # hash of the canonical request body, for idempotent B


@dataclass
class PricedItem:
    request: ItemRequest
    opportunity: Opportunity | None = None
    offer: Offer | None = None
    errors: list[ItemError] = field(default_factory=list)
    tax: Money | None = None
    line: int = 0
    access: ItemAccess | None = None  # means of entry, issued at B

    @property
    def in_totals(self) -> bool:
        return self.offer is not None and all(e.keeps_item_in_totals for e in self.errors)

    @property
    def bookable(self) -> bool:
        return self.opportunity is not None and self.offer is not None and not self.errors


@dataclass
class QuoteOutcome:
    request: OrderRequest
    seller: Seller
    inventory: InventoryView
    items: list[PricedItem]
    totals: Totals
    requires_approval: bool
    lease_expires: datetime | None
    available: dict[int, int]  # opportunity id -> places this customer could have
    proposal_version: str | None = None  # the version UUID of the OrderProposal that P creates

    @property
    def has_item_errors(self) -> bool:
        return any(item.errors for item in self.items)

    @property
    def reflected_payment(self) -> dict[str, Any] | None:
        """The `payment` the response echoes back."""
        return reflected_payment(
            self.request.payment, booked=self.request.stage.books, free=self.totals.due.amount == 0
        )


# Keys sorted at every level, in code point order: the same bytes as encoding a recursively key-sorted
# copy (so fingerprints stored earlier still match), without building that copy.
_CANONICAL = msgspec.json.Encoder(order="sorted")


def fingerprint(document: object) -> str:
    """A hash of the request that ignores key order and whitespace: the identity of a B for replays."""
    return hashlib.sha256(_CANONICAL.encode(document)).hexdigest()


class BookingService:
    def __init__(
        self,
        store: Store,
        lease_duration: timedelta,
        tax_rate: Decimal = DEFAULT_TAX_RATE,
        intake_field_id: Callable[[str], str] = str,
        draw: Draw = secrets.randbelow,
    ) -> None:
        self.store = store
        self.lease_duration = lease_duration
        self.tax_rate = tax_rate
        self.intake_field_id = intake_field_id  # a field identifier -> the @id brokers answer with
        self.draw = draw  # randomness for the pin codes and barcodes issued at B

    # ---- C1 / C2 -------------------------------------------------------------------------------------

    async def quote(self, partner: Partner, request: OrderRequest, now: datetime) -> QuoteOutcome:
        outcome = await self._evaluate(partner, request, now)
        view = await self.store.lease_view(partner.id, request.uuid, to_epoch_ms(now))
        if view.kind not in (None, "OrderQuote"):
            raise BookingError(errors.ORDER_ALREADY_EXISTS, f"this UUID already identifies an {view.kind}")
        _count_own_places_available(outcome, view.own)
        wanting = _wanting(outcome)
        # Other customers' leases only decide which error a short item gets, and counting them reads every
        # item on the opportunity: only where the basket is short.
        short = {o for o, items in wanting.items() if len(items) > outcome.available.get(o, 0)}
        others = await self.store.held_by_other_leases(partner.id, request.uuid, short, to_epoch_ms(now))
        _share_capacity(outcome, wanting, others)
        # The lease follows the latest basket, all or nothing: a basket with an item that cannot be booked
        # holds no places (the OpenActive Test Suite checks that such a C1 leaves capacity unchanged).
        # Items only missing attendee or intake details are still leased: the customer can supply those.
        expires = now + self.lease_duration
        blocked = any(not item.in_totals for item in outcome.items)
        candidates = [] if blocked else [item for item in outcome.items if item.in_totals]
        granted = await self._lease(
            partner, request, outcome, candidates, expires, now, quoted_before=view.kind is not None
        )
        lost = [item for item in candidates if item.line not in granted]
        for item in lost:  # another customer won the race for the place
            item.errors.append(ItemError(errors.INSUFFICIENT_CAPACITY, "the last places were just taken"))
        if lost:
            granted = await self._lease(partner, request, outcome, [], expires, now)
        outcome.lease_expires = expires if granted else None
        outcome.totals = self._totals(outcome)
        return outcome

    async def _lease(
        self,
        partner: Partner,
        request: OrderRequest,
        outcome: QuoteOutcome,
        items: list[PricedItem],
        expires: datetime,
        now: datetime,
        *,
        quoted_before: bool = False,
    ) -> set[int]:
        lines = [self._line(item, outcome.seller) for item in items]
        try:
            return await self.store.replace_lease(
                partner.id,
                request.uuid,
                outcome.seller.id or 0,
                lines,
                to_epoch_ms(expires),
                to_epoch_ms(now),
                quoted_before=quoted_before,
            )
        except UuidTaken as taken:
            raise BookingError(errors.ORDER_ALREADY_EXISTS, f"this UUID already identifies an {taken.kind}") from taken

    # ---- B -------------------------------------------------------------------------------------------

    async def book(
        self, partner: Partner, request: OrderRequest, now: datetime, render: Callable[[QuoteOutcome], str]
    ) -> tuple[bool, str, QuoteOutcome | None]:
        """Create the Order (B) or the OrderProposal (P). Returns (replayed, body, outcome); an outcome
        with item errors means 409."""
        try:
            replayed, body, rejected = await self._book(partner, request, now, render)
        except BookingError:
            replay = await self._replay(partner, request)
            if replay is None:
                raise
            return True, replay, None
        if rejected is not None:
            replay = await self._replay(partner, request)
            if replay is not None:
                return True, replay, None
        return replayed, body, rejected

    async def _replay(self, partner: Partner, request: OrderRequest) -> str | None:
        """The stored response if this request repeats a booked one; refuses a UUID used otherwise.

        Decision 0005: a repeat is answered from the store whatever has changed since, and a used UUID
        is reported before any other problem. A new order is checked for both inside its write
        transaction (``place_order``), so this read is only made when about to refuse a request.
        """
        existing = await self.store.order(partner.id, request.uuid)
        if existing is None or existing.kind == "OrderQuote":
            return None
        if existing.kind == _KIND_MADE[request.stage] and existing.request_hash == request.fingerprint:
            return existing.response or ""
        raise BookingError(errors.ORDER_ALREADY_EXISTS, "this UUID already identifies another order")

    async def _book(
        self, partner: Partner, request: OrderRequest, now: datetime, render: Callable[[QuoteOutcome], str]
    ) -> tuple[bool, str, QuoteOutcome | None]:
        outcome = await self._evaluate(partner, request, now)
        if outcome.has_item_errors:
            return False, "", outcome
        submitted = request.total_payment_due
        if submitted is None:
            raise BookingError(errors.TOTAL_PAYMENT_DUE_MISMATCH, f"totalPaymentDue is required at {request.stage}")
        if submitted.amount != outcome.totals.due.amount or (
            submitted.currency != outcome.totals.due.currency and submitted.amount != 0
        ):
            raise BookingError(
                errors.TOTAL_PAYMENT_DUE_MISMATCH,
                f"totalPaymentDue is {outcome.totals.due.amount} {outcome.totals.due.currency}, "
                f"not {submitted.amount} {submitted.currency}",
            )
        problem = payment_error(
            [i.offer for i in outcome.items if i.offer], outcome.totals.due.amount == 0, request.payment
        )
        if problem is not None:
            raise problem
        for item in outcome.items:  # means of entry come with a booking, not with a proposal (see issue_access)
            if item.opportunity is not None and request.stage is Stage.B:
                item.access = access.issue(self.draw, item.opportunity.attendance_mode, item.request.broker_passes)
        version = str(uuid_module.uuid4()) if request.stage is Stage.P else None
        body = render(replace(outcome, proposal_version=version))
        new_order = NewOrder(
            partner_id=partner.id,
            uuid=request.uuid,
            seller_id=outcome.seller.id or 0,
            lines=[self._line(item, outcome.seller) for item in outcome.items],
            details=_details(request),
            currency=outcome.totals.due.currency,
            prepayment=outcome.totals.prepayment,
            request_hash=request.fingerprint,
            response=body,
            test_dataset=_dataset_of(outcome),
            kind=_KIND_MADE[request.stage],
            proposal_version=version,
        )
        try:
            replayed, stored = await self.store.place_order(new_order, to_epoch_ms(now))
        except UuidTaken as taken:
            raise BookingError(errors.ORDER_ALREADY_EXISTS, f"this UUID already identifies an {taken.kind}") from taken
        except CapacityShortfall as shortfall:
            raise BookingError(
                errors.INSUFFICIENT_CAPACITY,
                "another customer took the last places while this order was being made; "
                f"opportunities {shortfall.opportunity_ids} no longer have room",
            ) from shortfall
        return replayed, stored, None

    # ---- shared evaluation ---------------------------------------------------------------------------

    async def _evaluate(self, partner: Partner, request: OrderRequest, now: datetime) -> QuoteOutcome:
        self._check_parties(request)
        opportunity_ids = {i.opportunity[1] for i in request.items if i.opportunity is not None}
        inventory = await self.store.inventory_for(opportunity_ids)
        seller = await self._seller(request, inventory)
        unreconcilable = reconciliation_error(seller.payment_reconciliation, request.payment)
        if unreconcilable is not None:
            raise unreconcilable
        items = [self._price(item, inventory, seller, request.stage, now) for item in request.items]
        for position, item in enumerate(items, start=1):
            item.line = position
        conflicts = prepayment_conflicts([item.offer for item in items])
        for item, conflict in zip(items, conflicts, strict=True):
            if conflict:
                item.errors.append(
                    ItemError(
                        errors.IN_CONFLICT, "items that require prepayment cannot be booked with items that forbid it"
                    )
                )
        needing_approval = [
            i for i in items if i.offer is not None and FlowRequirement.APPROVAL in i.offer.requirements
        ]
        if request.stage is Stage.B:  # unlike the reference implementation, B cannot bypass approval
            for item in needing_approval:
                item.errors.append(
                    ItemError(
                        errors.NOT_BOOKABLE, "this offer needs the seller's approval: book it with an OrderProposal"
                    )
                )
        outcome = QuoteOutcome(
            request, seller, inventory, items, _empty_totals(items), bool(needing_approval), None, {}
        )
        outcome.totals = self._totals(outcome)
        return outcome

    def _check_parties(self, request: OrderRequest) -> None:
        role = request.broker_role
        if role is None:
            raise BookingError(errors.INCOMPLETE_BROKER_DETAILS, "brokerRole is required")
        broker = request.broker
        if role is BrokerRole.NONE and broker is not None:
            raise BookingError(errors.INCOMPLETE_BROKER_DETAILS, "a NoBroker order must not name a broker")
        if role is not BrokerRole.NONE and (not isinstance(broker, dict) or not broker.get("name")):
            raise BookingError(errors.INCOMPLETE_BROKER_DETAILS, "broker.name is required for this brokerRole")
        if request.stage is not Stage.C1 and role is not BrokerRole.RESELLER:
            customer = request.customer
            if not isinstance(customer, dict) or customer.get("@type") not in ("Person", "Organization"):
                raise BookingError(
                    errors.INCOMPLETE_CUSTOMER_DETAILS, "customer (a Person or Organization) is required"
                )
            if not customer.get("email"):
                raise BookingError(errors.INCOMPLETE_CUSTOMER_DETAILS, "customer.email is required")
            if customer["@type"] == "Organization" and not customer.get("name"):
                raise BookingError(errors.INCOMPLETE_CUSTOMER_DETAILS, "an Organization customer needs a name")

    async def _seller(self, request: OrderRequest, inventory: InventoryView) -> Seller:
        if request.seller_id is None:
            raise BookingError(errors.SELLER_MISMATCH, "seller.@id is required")
        # The order's items name their sellers' opportunities, so the seller is usually already at hand.
        seller = inventory.sellers.get(request.seller_id) or await self.store.seller_by_id(request.seller_id)
        if seller is None:
            raise BookingError(errors.SELLER_NOT_FOUND, "no seller has this @id")
        return seller

    def _price(
        self, request: ItemRequest, inventory: InventoryView, seller: Seller, stage: Stage, now: datetime
    ) -> PricedItem:
        item = PricedItem(request, errors=list(request.problems))
        if item.errors:
            return item
        assert request.opportunity is not None
        kind, opportunity_id = request.opportunity
        opportunity = inventory.opportunities.get(opportunity_id)
        if opportunity is None or opportunity.kind is not kind:
            item.errors.append(ItemError(errors.UNKNOWN_OPPORTUNITY, "no bookable opportunity has this @id"))
            return item
        item.opportunity = opportunity
        parent = inventory.parents[opportunity.parent_id]
        offer = next((o for o in parent.offers if o.id == request.offer_id), None)
        if offer is None:
            item.errors.append(ItemError(errors.UNKNOWN_OFFER, "no offer has this @id"))
            return item
        owner_ok = (
            request.offer_owner == "parent" and request.offer_owner_id == parent.id and kind.offers_on_parent
        ) or (
            request.offer_owner == "opportunity"
            and request.offer_owner_id == opportunity_id
            and not kind.offers_on_parent
        )
        if not owner_ok:
            item.errors.append(ItemError(errors.UNACCEPTABLE_OFFER, "this offer does not belong to this opportunity"))
            return item
        if opportunity.seller_id != seller.id:
            raise BookingError(errors.SELLER_MISMATCH, "an OrderItem belongs to a different seller from the order's")
        item.offer = offer
        item.tax = unit_tax(offer, seller.tax_mode, self.tax_rate)
        item.errors.extend(bookability_errors(opportunity, offer, seller, now))
        if stage is not Stage.C1:
            item.errors.extend(attendee_errors(offer, request.attendee))
            item.errors.extend(intake_errors(offer.intake_form, request.intake, self.intake_field_id))
        return item

    def _totals(self, outcome: QuoteOutcome) -> Totals:
        offers = [item.offer for item in outcome.items if item.in_totals and item.offer is not None]
        currency = offers[0].price.currency if offers else _currency_of(outcome.items)
        return totals(offers, outcome.seller.tax_mode, currency, self.tax_rate)

    def _line(self, item: PricedItem, seller: Seller) -> OrderLine:
        if item.opportunity is None or item.offer is None or item.tax is None:
            raise ValueError("only priced items can be stored")
        price = gross(item.offer, seller.tax_mode, self.tax_rate)
        return OrderLine(
            line=item.line,
            opportunity_id=item.opportunity.id or 0,
            offer_id=item.offer.id or 0,
            price_minor=to_minor(price.amount, price.currency),
            tax_minor=to_minor(item.tax.amount, item.tax.currency),
            offer_snapshot={**offer_params(item.offer, item.opportunity.parent_id), "id": item.offer.id},
            attendee=item.request.attendee,
            intake=list(item.request.intake) or None,
            access=item.access,
        )

    # ---- after B -------------------------------------------------------------------------------------

    async def release(self, partner: Partner, uuid: str) -> None:
        await self.store.release_lease(partner.id, uuid)

    async def cancel_by_customer(self, partner: Partner, uuid: str, lines: list[int], now: datetime) -> StoredOrder:
        order = await self.store.order(partner.id, uuid)
        if order is None or order.kind == "OrderQuote":
            raise BookingError(errors.UNKNOWN_ORDER, "no order has this UUID")
        if order.kind == "Deleted":
            raise BookingError(errors.GONE, "this order has been deleted")
        inventory = await self.store.inventory_for({item.opportunity_id for item in order.items})

        def decide(current: StoredOrder) -> OrderChange:
            by_line = {item.line: item for item in current.items}
            for line in lines:
                if line not in by_line:
                    raise BookingError(errors.ORDER_ITEM_ID_INVALID, f"this order has no OrderItem {line}")
            for line in lines:
                item = by_line[line]
                if item.status is None or item.offer_snapshot is None:
                    raise BookingError(errors.ORDER_ITEM_ID_INVALID, f"OrderItem {line} is not a booked item")
                opportunity = inventory.opportunities.get(item.opportunity_id)
                start = opportunity.start if opportunity is not None else now
                offer = offer_from({**item.offer_snapshot, "id": item.offer_id})
                refusal = cancellation_refusal(OrderItemStatus(item.status), offer, start, now)
                if refusal is not None:
                    raise BookingError(errors.CANCELLATION_NOT_PERMITTED, refusal)
            return OrderChange(
                {
                    line: ItemChange(status=OrderItemStatus.CUSTOMER_CANCELLED.value)
                    for line in lines
                    if by_line[line].status != OrderItemStatus.CUSTOMER_CANCELLED.value
                }
            )

        try:
            return await self.store.change_order(partner.id, uuid, decide, to_epoch_ms(now))
        except UnknownOrder as unknown:
            raise BookingError(errors.UNKNOWN_ORDER, "no order has this UUID") from unknown

    async def delete(self, partner: Partner, uuid: str, now: datetime) -> None:
        previous = await self.store.delete_order(partner.id, uuid, to_epoch_ms(now))
        if previous is None:
            raise BookingError(errors.UNKNOWN_ORDER, "no order has this UUID")


_KIND_MADE = {Stage.B: "Order", Stage.P: "OrderProposal", Stage.C1: "OrderQuote", Stage.C2: "OrderQuote"}


def current_totals(order: StoredOrder) -> tuple[Decimal, Decimal]:
    """What the customer now owes and the tax in it: cancelled items leave the totals, nothing else does."""
    live = [item for item in order.items if item.status is None or not OrderItemStatus(item.status).is_cancelled]
    currency = order.currency or "GBP"
    return (
        from_minor(sum(item.price_minor for item in live), currency),
        from_minor(sum(item.tax_minor for item in live), currency),
    )


def _currency_of(items: list[PricedItem]) -> str:
    return next((i.offer.price.currency for i in items if i.offer is not None), "GBP")


def _empty_totals(items: list[PricedItem]) -> Totals:
    currency = _currency_of(items)
    zero = Money(quantize(Decimal(0), currency), currency)
    return Totals(zero, zero, None)


def _dataset_of(outcome: QuoteOutcome) -> str | None:
    return next((o.test_dataset for o in outcome.inventory.opportunities.values() if o.test_dataset), None)


def _details(request: OrderRequest) -> dict[str, Any]:
    return {
        "brokerRole": None if request.broker_role is None else request.broker_role.value,
        "broker": request.broker,
        "customer": request.customer,
        "payment": request.payment,
    }


def _count_own_places_available(outcome: QuoteOutcome, own: dict[int, int]) -> None:
    """Fill ``outcome.available``: the places left, plus those this UUID's own live lease holds (``own``),
    which are its to take again (a lease is not counted against itself)."""
    for opportunity in outcome.inventory.opportunities.values():
        opportunity_id = opportunity.id or 0
        outcome.available[opportunity_id] = opportunity.remaining_capacity + own.get(opportunity_id, 0)


def _wanting(outcome: QuoteOutcome) -> dict[int, list[PricedItem]]:
    """The items that would take a place, per opportunity id."""
    wanting: dict[int, list[PricedItem]] = defaultdict(list)
    for item in outcome.items:
        if item.opportunity is not None and item.offer is not None and item.in_totals:
            wanting[item.opportunity.id or 0].append(item)
    return wanting


def _share_capacity(outcome: QuoteOutcome, wanting: dict[int, list[PricedItem]], others: dict[int, int]) -> None:
    """Give each item wanting a place its capacity error, if any (``outcome.available`` is filled in)."""
    for opportunity_id, items in wanting.items():
        verdict = share_capacity(len(items), outcome.available.get(opportunity_id, 0), others.get(opportunity_id, 0))
        for item, error in zip(items, capacity_errors(verdict), strict=True):
            if error is not None:
                item.errors.append(error)
