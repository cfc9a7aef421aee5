"""ISO 8601 durations for booking windows and session lengths (P6D, PT1H30M, P1DT2H)."""

from __future__ import annotations

from datetime import datetime, timedelta

import isodate


class InvalidDuration(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    """Parse a non-negative duration with a fixed length.

    Months and years are refused: their length depends on the calendar, and a booking window of
    "P1M" is ambiguous to every consumer that computes it differently.
    """
    if not isinstance(text, str) or not text.startswith("P"):
        raise InvalidDuration(f"not an ISO 8601 duration: {text!r}")
    try:
        value = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError) as exc:
        raise InvalidDuration(f"not an ISO 8601 duration: {text!r}") from exc
    if isinstance(value, isodate.Duration):
        raise InvalidDuration(f"months and years are not allowed in durations: {text!r}; use days")
    if not isinstance(value, timedelta):
        raise InvalidDuration(f"not an ISO 8601 duration: {text!r}")
    if value < timedelta(0):
        raise InvalidDuration(f"durations must not be negative: {text!r}")
    return value


def format_duration(value: timedelta) -> str:
    """Canonical ISO 8601 form: P1D, PT1H30M, P2DT4H, PT0S."""
    if value < timedelta(0):
        raise InvalidDuration("durations must not be negative")
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time_part = "".join(f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if amount)
    text = "P" + (f"{days}D" if days else "")
    if time_part:
        text += "T" + time_part
    return text if text != "P" else "PT0S"


def before(instant: datetime, duration: timedelta) -> datetime:
    return instant - duration
