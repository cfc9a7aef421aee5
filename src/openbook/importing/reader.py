"""Typed field access on one JSON-like record that records a problem instead of raising."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from openbook.domain.durations import InvalidDuration, parse_duration
from openbook.domain.money import InvalidMoney, Money, parse_amount, validate_currency
from openbook.importing.problems import ImportProblem

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class RecordReader:
    def __init__(self, record: str, data: object, problems: list[ImportProblem]) -> None:
        self.record = record
        self.problems = problems
        if isinstance(data, dict):
            self.data: dict[str, Any] = data
        else:
            self.data = {}
            self.problem("", f"must be an object, got {type(data).__name__}")

    def problem(self, field: str, message: str) -> None:
        self.problems.append(ImportProblem(self.record, field, message))

    def _get(self, field: str, required: bool) -> Any:
        value = self.data.get(field)
        if value is None and required:
            self.problem(field, "is required")
        return value

    def text(self, field: str, *, required: bool = False) -> str | None:
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(field, "must be a non-empty string")
            return None
        return value.strip()

    def boolean(self, field: str, default: bool) -> bool:
        value = self.data.get(field)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(field, "must be true or false")
            return default
        return value

    def integer(self, field: str, *, required: bool = False, minimum: int | None = None) -> int | None:
        value = self._get(field, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(field, f"must be a whole number, got {value!r}")
            return None
        if minimum is not None and value < minimum:
            self.problem(field, f"must be at least {minimum}, got {value}")
            return None
        return value

    def number(self, field: str) -> float | None:
        value = self.data.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(field, f"must be a number, got {value!r}")
            return None
        return float(value)

    def instant(self, field: str, *, required: bool = False) -> datetime | None:
        value = self.text(field, required=required)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.problem(field, f"must be an ISO 8601 date-time, got {value!r}")
            return None
        if parsed.tzinfo is None:
            self.problem(field, f"must carry a UTC offset (e.g. Z or +01:00), got {value!r}")
            return None
        return parsed

    def duration(self, field: str) -> timedelta | None:
        value = self.text(field)
        if value is None:
            return None
        try:
            return parse_duration(value)
        except InvalidDuration as exc:
            self.problem(field, str(exc))
            return None

    def enum(self, field: str, kind: type[E], *, default: E | None = None, prefix: str = "") -> E | None:
        """Accept the full IRI or its short name (``TaxGross`` for ``https://openactive.io/TaxGross``)."""
        value = self.text(field)
        if value is None:
            return default
        for member in kind:
            if value in (member.value, member.name) or member.value.rsplit("/", 1)[-1] == value:
                return member
        allowed = ", ".join(member.value.rsplit("/", 1)[-1] for member in kind)
        self.problem(field, f"must be one of {allowed}; got {value!r}")
        return default

    def money(self, price_field: str, currency_field: str) -> Money | None:
        raw_price = self._get(price_field, True)
        raw_currency = self._get(currency_field, True)
        if raw_price is None or raw_currency is None:
            return None
        try:
            currency = validate_currency(raw_currency)
        except InvalidMoney as exc:
            self.problem(currency_field, str(exc))
            return None
        try:
            amount: Decimal = parse_amount(raw_price, currency)
        except InvalidMoney as exc:
            self.problem(price_field, str(exc))
            return None
        return Money(amount, currency)

    def text_list(self, field: str, *, required: bool = False) -> tuple[str, ...]:
        value = self._get(field, required)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            self.problem(field, "must be a list of strings")
            return ()
        if required and not value:
            self.problem(field, "is required: give at least one")
        return tuple(value)

    def children(self, field: str, read: Callable[[str, object], T | None]) -> tuple[T, ...]:
        value = self.data.get(field)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(field, "must be a list")
            return ()
        results = []
        for position, item in enumerate(value):
            label = item.get("identifier") if isinstance(item, dict) else None
            name = f"{self.record} > {field}[{position}]" + (f" {label!r}" if isinstance(label, str) else "")
            parsed = read(name, item)
            if parsed is not None:
                results.append(parsed)
        return tuple(results)

    def nested(self, field: str) -> RecordReader | None:
        value = self.data.get(field)
        if value is None:
            return None
        return RecordReader(f"{self.record} > {field}", value, self.problems)
