from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbook.domain.durations import InvalidDuration, format_duration, parse_duration
from openbook.domain.money import InvalidMoney, from_minor, parse_amount, to_minor, validate_currency


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P6D", timedelta(days=6)),
        ("PT1H30M", timedelta(minutes=90)),
        ("P1DT2H", timedelta(hours=26)),
        ("PT0S", timedelta()),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "6D", "P", "P1M", "P1Y", "-P1D", "PT-5M", "soon", "P1.5.5D"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(InvalidDuration):
        parse_duration(text)


@given(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)).map(
        lambda d: timedelta(seconds=int(d.total_seconds()))
    )
)
def test_durations_round_trip(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value


def test_canonical_duration_forms() -> None:
    assert format_duration(timedelta(hours=1)) == "PT1H"
    assert format_duration(timedelta(days=2, minutes=5)) == "P2DT5M"
    assert format_duration(timedelta()) == "PT0S"


@pytest.mark.parametrize(("value", "expected"), [(5, "5.00"), ("7.5", "7.50"), (0, "0.00"), (12.99, "12.99")])
def test_amounts_are_exact_decimals(value: object, expected: str) -> None:
    assert parse_amount(value, "GBP") == Decimal(expected)


@pytest.mark.parametrize("value", [-1, "-0.01", "abc", None, True, "NaN", "Infinity", "1.234", [1]])
def test_bad_amounts_are_refused(value: object) -> None:
    with pytest.raises(InvalidMoney):
        parse_amount(value, "GBP")


def test_zero_decimal_currency() -> None:
    assert parse_amount(500, "JPY") == Decimal(500)
    with pytest.raises(InvalidMoney):
        parse_amount("500.5", "JPY")


@pytest.mark.parametrize("value", ["gbp", "GB", "POUND", 826, None, ""])
def test_bad_currencies_are_refused(value: object) -> None:
    with pytest.raises(InvalidMoney):
        validate_currency(value)


@given(st.integers(min_value=0, max_value=10**12))
def test_minor_units_round_trip(minor: int) -> None:
    assert to_minor(from_minor(minor, "GBP"), "GBP") == minor
