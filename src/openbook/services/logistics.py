"""Changes of logistics: a seller renames an opportunity, moves it to another place, changes its times, or
gives a new access channel (the meeting link of an opportunity attended online).

A public change reaches brokers through the open opportunity feeds (the spec's channel for logistics), and every
Order with a confirmed place on it is re-emitted in its booking partner's orders feed so that brokers
re-read what their customers booked. One Store transaction (``Store.change_logistics``); the test
interface's ChangeOfLogistics simulate actions and the seller back office both call ``change_logistics``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from openbook.domain.clock import to_epoch_ms
from openbook.domain.inventory import VirtualLocation
from openbook.store.port import LogisticsChange, OpportunityLogistics, Store, UnknownOpportunity, UnknownPlace

MAX_NAME = 200


class LogisticsRefused(Exception):
    """A refused change of logistics: a stable machine-readable code, an HTTP status, a sentence."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Logistics:
    """The requested new values; None keeps the current one."""

    name: str | None = None
    place: str | None = None  # a place identifier
    start: datetime | None = None
    end: datetime | None = None
    access_channel: VirtualLocation | None = None  # how booked customers join online


def decide(request: Logistics, current: OpportunityLogistics, now_ms: int) -> LogisticsChange:
    """The rules: something to change, a name of 1..200 characters, an existing place (checked by the
    store), a future start before the end, an opportunity that has not ended. Values equal to the current
    ones are no change, so a repeated request is harmless."""
    if request == Logistics():
        raise LogisticsRefused("nothing_to_change", 400, "give a new name, place, start, end or access channel")
    if current.end_ms <= now_ms:
        raise LogisticsRefused("already_took_place", 409, "this opportunity has already taken place")
    name = None if request.name is None else request.name.strip()
    if name is not None and not 0 < len(name) <= MAX_NAME:
        raise LogisticsRefused("invalid_name", 400, f"a name has 1 to {MAX_NAME} characters")
    start = current.start_ms if request.start is None else to_epoch_ms(request.start)
    end = current.end_ms if request.end is None else to_epoch_ms(request.end)
    if end <= start:
        raise LogisticsRefused("invalid_times", 400, "an opportunity must end after it starts")
    if start != current.start_ms and start <= now_ms:
        raise LogisticsRefused("start_in_past", 409, "an opportunity cannot be moved to start in the past")
    channel = request.access_channel
    if channel is not None:
        problem = channel.problem(current.attendance_mode)
        if problem is not None:
            code, status = ("not_online", 409) if not current.attendance_mode.is_remote else ("invalid_channel", 400)
            raise LogisticsRefused(code, status, problem)
    return LogisticsChange(
        name=None if name == current.name else name,
        place_identifier=None if request.place == current.place_identifier else request.place,
        start_ms=None if start == current.start_ms else start,
        end_ms=None if end == current.end_ms else end,
        access_channel=None if channel == current.access_channel else channel,
    )


async def change_logistics(
    store: Store,
    opportunity_id: int,
    request: Logistics | Callable[[OpportunityLogistics], Logistics],
    now: datetime,
    *,
    seller_id: int | None = None,
) -> int:
    """Apply a change of logistics to an opportunity (of ``seller_id``, when staff ask); returns how many
    Orders were re-emitted. ``request`` may be computed from the current logistics (simulated changes).
    Raises LogisticsRefused, and then nothing changes."""
    now_ms = to_epoch_ms(now)

    def verdict(current: OpportunityLogistics) -> LogisticsChange:
        return decide(request(current) if callable(request) else request, current, now_ms)

    try:
        return await store.change_logistics(opportunity_id, seller_id, verdict, now_ms)
    except UnknownOpportunity as unknown:
        raise LogisticsRefused("opportunity_not_found", 404, f"there is no opportunity {opportunity_id}") from unknown
    except UnknownPlace as unknown:
        raise LogisticsRefused("unknown_place", 400, str(unknown)) from unknown
