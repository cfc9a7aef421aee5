"""What a seller does to an order after it is booked: cancel it, record attendance, send a notice, renew
the means of entry (pin codes, barcodes), replace a place with one at another occurrence of the same parent.

The test interface's simulate actions and (later) the seller back office call these same functions; each
change is one Store transaction and puts the Order into the booking partner's orders feed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from openbook.domain import access, errors
from openbook.domain.access import Draw, ItemAccess
from openbook.domain.clock import to_epoch_ms
from openbook.domain.errors import BookingError
from openbook.domain.orders import OrderItemStatus
from openbook.store.port import (
    CapacityShortfall,
    ItemChange,
    OrderChange,
    Partner,
    Store,
    StoredItem,
    StoredOrder,
    UnknownOrder,
)

_ON = frozenset({OrderItemStatus.CONFIRMED.value})
_TAKEN_PLACE = frozenset(
    {OrderItemStatus.CONFIRMED.value, OrderItemStatus.ATTENDED.value, OrderItemStatus.ABSENT.value}
)


async def _change_items(
    store: Store,
    partner: Partner,
    uuid: str,
    now: datetime,
    change: Callable[[StoredItem], ItemChange],
    *,
    applies_to: frozenset[str],
    refusal: str,
    repeat_when_all_cancelled: bool = False,
    selects: Callable[[StoredItem], bool] = lambda _: True,
) -> StoredOrder:
    """Apply ``change`` to the items whose status is in ``applies_to``; refuse if there are none, unless
    every item is already cancelled and ``repeat_when_all_cancelled`` (repeating a cancellation is harmless)."""

    def decide(current: StoredOrder) -> OrderChange:
        targets = [item for item in current.items if item.status in applies_to and selects(item)]
        if not targets:
            all_cancelled = all(i.status is not None and OrderItemStatus(i.status).is_cancelled for i in current.items)
            if all_cancelled and repeat_when_all_cancelled:
                return OrderChange({})
            raise BookingError(errors.UNABLE_TO_PROCESS_ORDER_ITEM, refusal)
        return OrderChange({item.line: change(item) for item in targets})

    try:
        return await store.change_order(partner.id, uuid, decide, to_epoch_ms(now))
    except UnknownOrder as unknown:
        raise BookingError(errors.UNKNOWN_ORDER, "no order has this @id") from unknown


async def seller_cancels(store: Store, partner: Partner, uuid: str, now: datetime, message: str | None) -> StoredOrder:
    """The seller cancels every item still to take place, optionally telling the customer why."""
    cancelled = ItemChange(status=OrderItemStatus.SELLER_CANCELLED.value, cancellation_message=message)
    return await _change_items(
        store,
        partner,
        uuid,
        now,
        lambda _: cancelled,
        applies_to=_ON,
        refusal="the session has taken place",
        repeat_when_all_cancelled=True,
    )


async def record_attendance(store: Store, partner: Partner, uuid: str, now: datetime, *, attended: bool) -> StoredOrder:
    """Mark every booked item attended or absent (the register; it may be corrected later)."""
    status = OrderItemStatus.ATTENDED if attended else OrderItemStatus.ABSENT
    return await _change_items(
        store,
        partner,
        uuid,
        now,
        lambda _: ItemChange(status=status.value),
        applies_to=_TAKEN_PLACE,
        refusal="every item of this order is cancelled",
    )


async def notify_customer(store: Store, partner: Partner, uuid: str, now: datetime, notice: str) -> StoredOrder:
    """Give the customer a notice about their booking (the broker relays it from the orders feed)."""
    if not notice.strip():
        raise BookingError(errors.BAD_REQUEST, "a customer notice needs some text")
    return await _change_items(
        store,
        partner,
        uuid,
        now,
        lambda _: ItemChange(customer_notice=notice),
        applies_to=_TAKEN_PLACE,
        refusal="every item of this order is cancelled",
    )


@dataclass(frozen=True, slots=True)
class _Renewal:
    renew: Callable[[ItemAccess, Draw], ItemAccess]
    renewable: Callable[[ItemAccess], bool]
    what: str


class EntryMeans(StrEnum):
    """What a seller can renew: pin codes, or the seller's own barcodes (a broker's barcodes stay as they are);
    the value names the back office's route."""

    CODES = "codes"
    PASSES = "passes"


RENEWALS = {
    EntryMeans.CODES: _Renewal(access.renew_codes, lambda entry: bool(entry.codes), "an access code"),
    EntryMeans.PASSES: _Renewal(
        access.renew_passes, lambda entry: any(not b.broker_supplied for b in entry.passes), "an access pass"
    ),
}


async def renew_access(
    store: Store, partner: Partner, uuid: str, now: datetime, means: EntryMeans, draw: Draw = secrets.randbelow
) -> StoredOrder:
    """Give every place still to be used new means of entry of one kind (pin codes or barcodes),
    e.g. after one was shared; each differs from the one it replaces, and the feed carries them."""
    renewal = RENEWALS[means]
    return await _change_items(
        store,
        partner,
        uuid,
        now,
        lambda item: ItemChange(access=renewal.renew(item.access, draw)),
        applies_to=_ON,
        refusal=f"no place of this order still to be used has {renewal.what}",
        selects=lambda item: renewal.renewable(item.access),
    )


async def replace_item(
    store: Store, partner: Partner, uuid: str, line: int, opportunity_id: int, now: datetime
) -> StoredOrder:
    """Replacement: move the place of item ``line`` to opportunity ``opportunity_id``, another occurrence of the
    same parent still to start, keeping its offer (so the same price and prepayment: totals do not change).
    The Order (with its new orderedItem) is re-emitted; the old place is freed."""
    order = await store.order(partner.id, uuid)
    if order is None or order.kind != "Order":
        raise BookingError(errors.UNKNOWN_ORDER, "no order has this @id")
    item = next((i for i in order.items if i.line == line), None)
    if item is None:
        raise BookingError(errors.UNABLE_TO_PROCESS_ORDER_ITEM, f"this order has no item {line}")
    inventory = await store.inventory_for({item.opportunity_id, opportunity_id})
    current, target = inventory.opportunities.get(item.opportunity_id), inventory.opportunities.get(opportunity_id)
    if (
        target is None
        or current is None
        or target.parent_id != current.parent_id
        or target.kind is not current.kind  # a course booked whole does not become one of its sessions
        or target.id == current.id
    ):
        raise BookingError(
            errors.UNABLE_TO_PROCESS_ORDER_ITEM, "a place can only move to another occurrence of the same parent"
        )
    if target.start <= now:
        raise BookingError(errors.UNABLE_TO_PROCESS_ORDER_ITEM, "that occurrence has already started")

    def decide(latest: StoredOrder) -> OrderChange:
        found = next(i for i in latest.items if i.line == line)
        if found.status not in _ON or found.opportunity_id != item.opportunity_id:
            raise BookingError(errors.UNABLE_TO_PROCESS_ORDER_ITEM, "only a confirmed place still to be used can move")
        return OrderChange({line: ItemChange(opportunity_id=opportunity_id)})

    try:
        return await store.change_order(partner.id, uuid, decide, to_epoch_ms(now))
    except UnknownOrder as unknown:
        raise BookingError(errors.UNKNOWN_ORDER, "no order has this @id") from unknown
    except CapacityShortfall as shortfall:
        raise BookingError(errors.INSUFFICIENT_CAPACITY, "that occurrence has no place left") from shortfall
