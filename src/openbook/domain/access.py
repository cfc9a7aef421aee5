"""How a customer gets in: the pin codes and barcodes issued with each booked place, and their renewal.

A place at an opportunity attended in person (offline or mixed attendance) gets, when booked, one pin
code and one barcode, each a distinct means of entry (never the same code in two formats). A broker may
supply barcodes of its own at B; they are kept as sent, beside the seller's, and never renewed by the
seller. Pure values and rules: the random draw is passed in, so renewals are testable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from openbook.domain.inventory import AttendanceMode, Opportunity, VirtualLocation

PIN_NAME = "Pin Code"
PIN_DIGITS = 6
BARCODE_DIGITS = 12
BARCODE_TYPE = "code128"

Draw = Callable[[int], int]  # draw(n): a uniformly random integer in [0, n), e.g. secrets.randbelow


@dataclass(frozen=True, slots=True)
class AccessCode:
    """A text code to give at the door (rendered as a PropertyValue)."""

    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Barcode:
    """A barcode to scan at the door; ``supplied`` holds a broker's own barcode exactly as it was sent."""

    text: str
    code_type: str | None = BARCODE_TYPE
    supplied: dict[str, Any] | None = None

    @property
    def broker_supplied(self) -> bool:
        return self.supplied is not None


@dataclass(frozen=True, slots=True)
class ItemAccess:
    """The means of entry of one booked place."""

    codes: tuple[AccessCode, ...] = ()
    passes: tuple[Barcode, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.codes and not self.passes


# What a place booked online shows until the seller gives the meeting link (the spec wants B to say when
# the means of access will come; a customerNotice, its other way, is not allowed in a B response).
JOINING_DETAILS_LATER = VirtualLocation(
    description="Your joining details (link, meeting ID and passcode) will be sent before the start."
)


def channel_of(opportunity: Opportunity) -> VirtualLocation | None:
    """How a customer booked at ``opportunity`` joins it: only places attended online (or mixed) have one."""
    if not opportunity.attendance_mode.is_remote:
        return None
    return opportunity.access_channel or JOINING_DETAILS_LATER


def needs_entry(mode: AttendanceMode) -> bool:
    """Places attended in person need a means of entry; online-only places do not."""
    return mode is not AttendanceMode.ONLINE


def _digits(draw: Draw, count: int, avoid: set[str]) -> str:
    while True:
        value = f"{draw(10**count):0{count}d}"
        if value not in avoid:
            return value


def issue(draw: Draw, mode: AttendanceMode, broker_passes: tuple[dict[str, Any], ...] = ()) -> ItemAccess:
    """The means of entry issued with a place booked at B (broker barcodes are reflected back)."""
    supplied = tuple(Barcode(str(p.get("text", "")), None, dict(p)) for p in broker_passes)
    if not needs_entry(mode):
        return ItemAccess((), supplied)
    pin = AccessCode(PIN_NAME, _digits(draw, PIN_DIGITS, set()))
    return ItemAccess((pin,), (Barcode(_digits(draw, BARCODE_DIGITS, set())), *supplied))


def renew_codes(current: ItemAccess, draw: Draw) -> ItemAccess:
    """New pin codes in place of the current ones (each differs from every code it replaces)."""
    used = {code.description for code in current.codes}
    codes = tuple(replace(code, description=_digits(draw, PIN_DIGITS, used)) for code in current.codes)
    return replace(current, codes=codes or (AccessCode(PIN_NAME, _digits(draw, PIN_DIGITS, used)),))


def renew_passes(current: ItemAccess, draw: Draw) -> ItemAccess:
    """New seller barcodes in place of the current ones; a broker's barcodes stay as they are."""
    used = {barcode.text for barcode in current.passes}
    own = [b for b in current.passes if not b.broker_supplied]
    renewed = tuple(replace(b, text=_digits(draw, BARCODE_DIGITS, used)) for b in own) or (
        Barcode(_digits(draw, BARCODE_DIGITS, used)),
    )
    return replace(current, passes=(*renewed, *(b for b in current.passes if b.broker_supplied)))
