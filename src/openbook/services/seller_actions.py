"""What a seller does to an order after it is booked: cancel it, record attendance, send a notice.

The test interface's simulate actions and (later) the seller back office call these same functions; each
change is one Store transaction and puts the Order into the booking partner's orders feed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from openbook.domain import errors
from openbook.domain.clock import to_epoch_ms
from openbook.domain.errors import BookingError
from openbook.domain.orders import OrderItemStatus
from openbook.store.port import ItemChange, OrderChange, Partner, Store, StoredItem, StoredOrder, UnknownOrder


def _live(item: StoredItem) -> bool:
    return item.status is not None and not OrderItemStatus(item.status).is_cancelled


async def _change_live_items(
    store: Store,
    partner: Partner,
    uuid: str,
    now: datetime,
    change: Callable[[StoredItem], ItemChange],
    *,
    none_live_is_done: bool = False,
) -> StoredOrder:
    def decide(current: StoredOrder) -> OrderChange:
        live = [item for item in current.items if _live(item)]
        if not live and not none_live_is_done:
            raise BookingError(errors.UNABLE_TO_PROCESS_ORDER_ITEM, "every item of this order is cancelled")
        return OrderChange({item.line: change(item) for item in live})

    try:
        return await store.change_order(partner.id, uuid, decide, to_epoch_ms(now))
    except UnknownOrder as unknown:
        raise BookingError(errors.UNKNOWN_ORDER, "no order has this @id") from unknown


async def seller_cancels(store: Store, partner: Partner, uuid: str, now: datetime, message: str | None) -> StoredOrder:
    """The seller cancels every item that is still on, optionally telling the customer why."""
    cancelled = ItemChange(status=OrderItemStatus.SELLER_CANCELLED.value, cancellation_message=message)
    return await _change_live_items(store, partner, uuid, now, lambda _: cancelled, none_live_is_done=True)


async def record_attendance(store: Store, partner: Partner, uuid: str, now: datetime, *, attended: bool) -> StoredOrder:
    """Mark every live item as attended or absent (the register taken at the session)."""
    status = OrderItemStatus.ATTENDED if attended else OrderItemStatus.ABSENT
    return await _change_live_items(store, partner, uuid, now, lambda _: ItemChange(status=status.value))


async def notify_customer(store: Store, partner: Partner, uuid: str, now: datetime, notice: str) -> StoredOrder:
    """Give the customer a notice about their booking (the broker relays it from the orders feed)."""
    if not notice.strip():
        raise BookingError(errors.BAD_REQUEST, "a customer notice needs some text")
    return await _change_live_items(store, partner, uuid, now, lambda _: ItemChange(customer_notice=notice))
