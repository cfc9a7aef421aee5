"""The pure booking rules: tax, capacity sharing, bookability, cancellation and payment conditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbook.domain import errors
from openbook.domain.booking_rules import (
    bookability_errors,
    cancellation_refusal,
    capacity_errors,
    payment_error,
    prepayment_conflicts,
    share_capacity,
)
from openbook.domain.inventory import (
    Availability,
    EventStatus,
    Offer,
    Opportunity,
    OpportunityKind,
    Seller,
    SellerKind,
    TaxMode,
)
from openbook.domain.money import Money
from openbook.domain.orders import OrderItemStatus
from openbook.domain.pricing import aggregate_prepayment, totals, unit_tax

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
SELLER = Seller("s", SellerKind.ORGANIZATION, "S", TaxMode.GROSS, id=1)


def offer(price: str = "12.00", **kw: object) -> Offer:
    return Offer("o", Money(Decimal(price), "GBP"), id=1, **kw)  # type: ignore[arg-type]


def opportunity(start: datetime = NOW + timedelta(days=1), **kw: object) -> Opportunity:
    return Opportunity("x", OpportunityKind.SCHEDULED_SESSION, 1, 1, start, start + timedelta(hours=1), 10, 10, **kw)  # type: ignore[arg-type]


def test_tax_gross_is_contained_in_the_price() -> None:
    assert unit_tax(offer("12.00"), TaxMode.GROSS).amount == Decimal("2.00")
    result = totals([offer("12.00"), offer("12.00")], TaxMode.GROSS, "GBP")
    assert (result.due.amount, result.tax and result.tax.amount) == (Decimal("24.00"), Decimal("4.00"))


def test_tax_net_is_added_to_the_price() -> None:
    assert unit_tax(offer("10.00"), TaxMode.NET).amount == Decimal("2.00")
    result = totals([offer("10.00")], TaxMode.NET, "GBP")
    assert result.due.amount == Decimal("12.00")


def test_tax_is_rounded_to_pence() -> None:
    assert unit_tax(offer("14.99"), TaxMode.GROSS).amount == Decimal("2.50")
    assert unit_tax(offer("14.99"), TaxMode.NET).amount == Decimal("3.00")


@given(st.integers(min_value=0, max_value=10**7))
def test_gross_due_equals_the_sum_of_prices(pence: int) -> None:
    price = str(Decimal(pence) / 100)
    result = totals([offer(price)], TaxMode.GROSS, "GBP")
    assert result.due.amount == Decimal(price)
    assert result.tax is not None and 0 <= result.tax.amount <= result.due.amount


def test_the_specs_worked_example_of_capacity_errors() -> None:
    verdict = share_capacity(requested=9, available=3, held_by_others=1)
    kinds = [None if e is None else e.kind for e in capacity_errors(verdict)]
    assert kinds == [None] * 3 + [errors.RESERVED_BY_LEASE] + [errors.INSUFFICIENT_CAPACITY] * 5


def test_nothing_free_is_full() -> None:
    kinds = [e and e.kind for e in capacity_errors(share_capacity(2, 0, 0))]
    assert kinds == [errors.FULL, errors.FULL]


@given(st.integers(0, 50), st.integers(-5, 50), st.integers(-5, 50))
def test_capacity_sharing_accounts_for_every_item(requested: int, available: int, others: int) -> None:
    verdict = share_capacity(requested, available, others)
    assert verdict.granted + verdict.reserved_by_lease + verdict.insufficient == requested
    assert verdict.granted <= max(available, 0)
    assert len(capacity_errors(verdict)) == requested


@pytest.mark.parametrize(
    ("opp", "off", "reason"),
    [
        (opportunity(start=NOW - timedelta(hours=2)), offer(), "ended"),
        (opportunity(event_status=EventStatus.CANCELLED), offer(), "cancelled"),
        (opportunity(), offer(in_advance=Availability.UNAVAILABLE), "in advance"),
        (opportunity(start=NOW + timedelta(days=9)), offer(valid_from_before_start=timedelta(days=7)), "not opened"),
        (opportunity(), offer(valid_through_before_start=timedelta(days=2)), "closed"),
    ],
)
def test_not_bookable(opp: Opportunity, off: Offer, reason: str) -> None:
    (problem,) = bookability_errors(opp, off, SELLER, NOW)
    assert problem.kind is errors.NOT_BOOKABLE and reason in problem.description


def test_bookable_inside_the_window_and_after_the_start() -> None:
    inside = offer(valid_from_before_start=timedelta(days=7), valid_through_before_start=timedelta(hours=1))
    assert bookability_errors(opportunity(), inside, SELLER, NOW) == []
    started = opportunity(start=NOW - timedelta(minutes=30))  # still running: bookings are possible
    assert bookability_errors(started, offer(), SELLER, NOW) == []


def test_a_seller_without_open_booking_is_not_bookable() -> None:
    closed = Seller("s", SellerKind.ORGANIZATION, "S", TaxMode.GROSS, is_open_booking_allowed=False, id=1)
    assert bookability_errors(opportunity(), offer(), closed, NOW)


@pytest.mark.parametrize(
    ("status", "off", "start", "allowed"),
    [
        (OrderItemStatus.CONFIRMED, offer(allow_customer_cancellation_full_refund=True), NOW + timedelta(days=1), True),
        (OrderItemStatus.CONFIRMED, offer(), NOW + timedelta(days=1), False),
        (
            OrderItemStatus.CONFIRMED,
            offer(allow_customer_cancellation_full_refund=True),
            NOW - timedelta(hours=1),
            False,
        ),
        (
            OrderItemStatus.CONFIRMED,
            offer(allow_customer_cancellation_full_refund=True, latest_cancellation_before_start=timedelta(days=2)),
            NOW + timedelta(days=1),
            False,
        ),
        (OrderItemStatus.ATTENDED, offer(allow_customer_cancellation_full_refund=True), NOW + timedelta(days=1), False),
        (
            OrderItemStatus.SELLER_CANCELLED,
            offer(allow_customer_cancellation_full_refund=True),
            NOW + timedelta(days=1),
            False,
        ),
        (OrderItemStatus.CUSTOMER_CANCELLED, offer(), NOW - timedelta(days=1), True),  # repeating is fine
    ],
)
def test_customer_cancellation(status: OrderItemStatus, off: Offer, start: datetime, allowed: bool) -> None:
    assert (cancellation_refusal(status, off, start, NOW) is None) is allowed


def test_payment_conditions() -> None:
    paid, free = offer("10.00"), offer("0.00")
    optional = offer("10.00", prepayment=Availability.OPTIONAL)
    assert payment_error([paid], False, None).kind is errors.MISSING_PAYMENT_DETAILS  # type: ignore[union-attr]
    assert payment_error([free], True, {"identifier": "x"}).kind is errors.UNNECESSARY_PAYMENT_DETAILS  # type: ignore[union-attr]
    assert payment_error([paid], False, {"name": "x"}).kind is errors.INCOMPLETE_PAYMENT_DETAILS  # type: ignore[union-attr]
    assert payment_error([paid], False, {"identifier": "x"}) is None
    assert payment_error([optional], False, None) is None
    assert payment_error([free], True, None) is None


def test_prepayment_aggregate_and_conflicts() -> None:
    required, unavailable = offer("5.00"), offer("5.00", prepayment=Availability.UNAVAILABLE)
    assert aggregate_prepayment([required, offer("0.00")]) is Availability.REQUIRED
    assert aggregate_prepayment([offer("5.00", prepayment=Availability.OPTIONAL)]) is Availability.OPTIONAL
    assert aggregate_prepayment([offer("0.00")]) is Availability.UNAVAILABLE
    assert prepayment_conflicts([required, unavailable, offer("0.00"), None]) == [True, True, False, False]
    assert prepayment_conflicts([required, required]) == [False, False]
