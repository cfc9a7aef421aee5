"""Money as Decimal in a currency's minor unit; never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units for the currencies a UK/EU seller meets; others default to 2.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}


class InvalidMoney(ValueError):
    pass


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def validate_currency(currency: object) -> str:
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise InvalidMoney(f"currency must be a 3-letter upper-case ISO 4217 code, got {currency!r}")
    return currency


def parse_amount(value: object, currency: str) -> Decimal:
    """Read a price given as a JSON number or a string, refusing what a till could not take."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise InvalidMoney(f"price must be a number, got {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidMoney(f"price must be a number, got {value!r}") from exc
    if not amount.is_finite():
        raise InvalidMoney(f"price must be finite, got {value!r}")
    if amount < 0:
        raise InvalidMoney(f"price must not be negative, got {value!r}")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > minor_units(currency):
        raise InvalidMoney(f"{currency} prices have at most {minor_units(currency)} decimal places, got {value!r}")
    return quantize(amount, currency)


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    return int(quantize(amount, currency).scaleb(minor_units(currency)))


def from_minor(value: int, currency: str) -> Decimal:
    return Decimal(value).scaleb(-minor_units(currency)).quantize(Decimal(1).scaleb(-minor_units(currency)))


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise InvalidMoney(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    @property
    def is_free(self) -> bool:
        return self.amount == 0
