"""Seller-side changes to a booked order (through the test interface, which calls the seller's own
services), each reaching the booking partner's orders feed; over real HTTP on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.http.test_booking import error_of, eventually
from tests.support.booking import BookingClient, new_uuid

OA = "https://openactive.io/"


def act(booking: BookingClient, action: str, uuid: str) -> httpx.Response:
    body = {
        "@context": [OA, f"{OA}test-interface"],
        "@type": f"test:{action}",
        "object": {"@type": "Order", "@id": f"{booking.api}/orders/{uuid}"},
    }
    return booking.client.post(f"{booking.api}/test-interface/actions", json=body, headers=booking.auth())


def booked(booking: BookingClient) -> tuple[str, str]:
    uuid = new_uuid()
    response = booking.b(uuid, booking.order_body([booking.create()]))
    assert response.status_code == 201, response.text
    return uuid, response.json()["orderedItem"][0]["@id"]


@pytest.mark.parametrize(
    ("action", "status"),
    [("AttendeeAttendedSimulateAction", "AttendeeAttended"), ("AttendeeAbsentSimulateAction", "AttendeeAbsent")],
)
def test_attendance_reaches_the_feed_and_ends_customer_cancellation(
    booking: BookingClient,
    oa_validator: Any,
    action: str,
    status: str,
) -> None:
    uuid, item_id = booked(booking)
    assert act(booking, action, uuid).status_code == 204
    (entry,) = eventually(booking.orders_feed)
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert entry["data"]["orderedItem"][0]["orderItemStatus"] == OA + status
    error_of(booking.cancel(uuid, [item_id]), 400, "CancellationNotPermittedError", oa_validator)


def test_customer_notice_reaches_the_feed(booking: BookingClient, oa_validator: Any) -> None:
    uuid, _ = booked(booking)
    assert act(booking, "CustomerNoticeSimulateAction", uuid).status_code == 204
    (entry,) = eventually(booking.orders_feed)
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    item = entry["data"]["orderedItem"][0]
    assert item["orderItemStatus"] == OA + "OrderItemConfirmed"
    assert "changing rooms" in item["customerNotice"]
    status = booking.client.get(f"{booking.api}/orders/{uuid}", headers=booking.auth())
    oa_validator.assert_valid(status.json(), "OrderStatus")


def test_actions_on_cancelled_or_unknown_orders(booking: BookingClient, oa_validator: Any) -> None:
    uuid, item_id = booked(booking)
    assert booking.cancel(uuid, [item_id]).status_code == 204
    error_of(act(booking, "AttendeeAttendedSimulateAction", uuid), 409, "UnableToProcessOrderItemError", oa_validator)
    assert act(booking, "SellerRequestedCancellationSimulateAction", uuid).status_code == 204  # nothing left: no-op
    (entry,) = eventually(booking.orders_feed)
    assert entry["data"]["orderedItem"][0]["orderItemStatus"] == OA + "CustomerCancelled"
    error_of(act(booking, "CustomerNoticeSimulateAction", new_uuid()), 404, "UnknownOrderError", oa_validator)
    response = act(booking, "TeleportSimulateAction", uuid)  # no such action
    error_of(response, 400, "OpenBookingError", oa_validator)


@pytest.mark.parametrize("kind", ["ScheduledSession", "FacilityUse", "IndividualFacilityUse"])
def test_orders_feed_items_are_valid_for_every_kind(booking: BookingClient, oa_validator: Any, kind: str) -> None:
    """The orders feed shows each item's opportunity in full, so a facility's provider must be there too."""
    uuid = new_uuid()
    response = booking.b(uuid, booking.order_body([booking.create(kind=kind)]))
    assert response.status_code == 201, response.text
    oa_validator.assert_valid(response.json(), "BResponse")
    assert act(booking, "CustomerNoticeSimulateAction", uuid).status_code == 204
    (entry,) = eventually(booking.orders_feed)
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    status = booking.client.get(f"{booking.api}/orders/{uuid}", headers=booking.auth())
    oa_validator.assert_valid(status.json(), "OrderStatus")
