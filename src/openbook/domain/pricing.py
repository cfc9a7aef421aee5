"""Prices, tax and totals (Decimal throughout; tax rounded per unit to the currency's minor unit).

TaxGross: the price includes tax; unit tax = price * rate / (1 + rate). TaxNet: the price excludes
tax; unit tax = price * rate and the customer pays price + tax. totalPaymentDue is always gross.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from openbook.domain.inventory import Availability, Offer, TaxMode
from openbook.domain.money import Money, quantize
from openbook.domain.orders import Totals

DEFAULT_TAX_RATE = Decimal("0.2")  # UK standard-rate VAT


def unit_tax(offer: Offer, tax_mode: TaxMode, rate: Decimal = DEFAULT_TAX_RATE) -> Money:
    price = offer.price.amount
    raw = price * rate / (1 + rate) if tax_mode is TaxMode.GROSS else price * rate
    return Money(quantize(raw, offer.price.currency), offer.price.currency)


def gross(offer: Offer, tax_mode: TaxMode, rate: Decimal = DEFAULT_TAX_RATE) -> Money:
    if tax_mode is TaxMode.GROSS:
        return offer.price
    return offer.price + unit_tax(offer, tax_mode, rate)


def effective_prepayment(offer: Offer) -> Availability:
    """The spec's defaults: a priced offer requires prepayment unless it says otherwise; a free one never does."""
    if offer.is_free:
        return Availability.UNAVAILABLE
    return offer.prepayment or Availability.REQUIRED


def aggregate_prepayment(offers: Sequence[Offer]) -> Availability:
    kinds = {effective_prepayment(offer) for offer in offers}
    if Availability.REQUIRED in kinds:
        return Availability.REQUIRED
    if Availability.OPTIONAL in kinds:
        return Availability.OPTIONAL
    return Availability.UNAVAILABLE


def totals(offers: Sequence[Offer], tax_mode: TaxMode, currency: str, rate: Decimal = DEFAULT_TAX_RATE) -> Totals:
    due = Money(quantize(Decimal(0), currency), currency)
    tax = Money(quantize(Decimal(0), currency), currency)
    for offer in offers:
        due = due + gross(offer, tax_mode, rate)
        tax = tax + unit_tax(offer, tax_mode, rate)
    return Totals(due=due, tax=tax, prepayment=aggregate_prepayment(offers).value if offers else None)
