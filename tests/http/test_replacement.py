"""Replacement over real HTTP on both databases: the seller moves a booked place to another occurrence of the
same parent (test interface and back office); the place moves, the price and totals stay, and the Order
with its new orderedItem reaches the orders feed. Refusals change nothing."""

from __future__ import annotations

from typing import Any

from tests.http import test_backoffice
from tests.http.test_backoffice import Office, listed
from tests.http.test_booking import error_of, eventually
from tests.http.test_seller_actions import act
from tests.support.booking import BookingClient, new_uuid

OA = "https://openactive.io/"
office_fixture = test_backoffice.office  # the back office with two sellers, as a fixture here too


def replaced_entry(booking: BookingClient, oa_validator: Any, uuid: str, old: str) -> dict[str, Any]:
    entries = eventually(
        lambda: [
            e
            for e in booking.orders_feed()
            if e["id"] == uuid and e["data"]["orderedItem"][0]["orderedItem"]["@id"] != old
        ]
    )
    assert entries, "the replacement never reached the orders feed"
    oa_validator.assert_valid(entries[-1]["data"], "OrdersFeed")
    entry: dict[str, Any] = entries[-1]
    return entry


def test_a_simulated_replacement_moves_the_place_and_keeps_the_price(booking: BookingClient, oa_validator: Any) -> None:
    first, second = booking.create(), booking.create()
    uuid = new_uuid()
    response = booking.b(uuid, booking.order_body([first, second]))
    assert response.status_code == 201, response.text
    at_b = response.json()
    assert booking.remaining(first) == 9

    assert act(booking, "ReplacementSimulateAction", uuid).status_code == 204
    entry = replaced_entry(booking, oa_validator, uuid, first.id)
    moved, kept = entry["data"]["orderedItem"]
    new_id = moved["orderedItem"]["@id"]
    assert moved["orderItemStatus"] == OA + "OrderItemConfirmed"
    assert moved["orderedItem"]["superEvent"]["@id"] == at_b["orderedItem"][0]["orderedItem"]["superEvent"]["@id"]
    assert moved["acceptedOffer"] == at_b["orderedItem"][0]["acceptedOffer"]  # same offer: same price
    assert kept["orderedItem"]["@id"] == second.id
    assert entry["data"]["totalPaymentDue"]["price"] == at_b["totalPaymentDue"]["price"]
    assert eventually(lambda: booking.remaining(first) == 10)  # the old place is free again
    new_session = booking.feed_item(new_id)["data"]
    assert new_session["remainingAttendeeCapacity"] == new_session["maximumAttendeeCapacity"] - 1
    status = booking.client.get(f"{booking.api}/orders/{uuid}", headers=booking.auth()).json()
    oa_validator.assert_valid(status, "OrderStatus")
    assert [i["orderedItem"]["@id"] for i in status["orderedItem"]] == [new_id, second.id]


def test_replacement_is_refused_without_a_place_to_move(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create()
    uuid = new_uuid()
    response = booking.b(uuid, booking.order_body([opportunity]))
    assert response.status_code == 201, response.text
    assert booking.cancel(uuid, [response.json()["orderedItem"][0]["@id"]]).status_code == 204
    error_of(act(booking, "ReplacementSimulateAction", uuid), 409, "UnableToProcessOrderItemError", oa_validator)
    error_of(act(booking, "ReplacementSimulateAction", new_uuid()), 404, "UnknownOrderError", oa_validator)
    (entry,) = eventually(booking.orders_feed)
    assert entry["data"]["orderedItem"][0]["orderedItem"]["@id"] == opportunity.id


def test_staff_move_a_place_to_another_occurrence(office_fixture: Office, oa_validator: Any) -> None:
    office = office_fixture
    client = office.sellers["a-seller"]
    opportunity, elsewhere = client.create(), client.create()
    uuid = new_uuid()
    assert client.b(uuid, client.order_body([opportunity])).status_code == 201
    assert act(client, "ReplacementSimulateAction", uuid).status_code == 204  # makes another occurrence
    occurrence = replaced_entry(client, oa_validator, uuid, opportunity.id)["data"]["orderedItem"][0]
    (order,) = listed(office)
    path = f"/orders/{order['id']}/replacement"
    number = int(opportunity.id.rsplit("/", 1)[-1])

    def refused(body: dict[str, Any], status: int, code: str, seller: str = "a-seller") -> None:
        response = office.call("POST", path, seller, json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text

    refused({"line": 1}, 400, "invalid_replacement")
    refused({"line": True, "opportunityId": number}, 400, "invalid_replacement")
    refused({"line": 2, "opportunityId": number}, 409, "unable_to_process_order_item")
    other_parent = int(elsewhere.id.rsplit("/", 1)[-1])
    refused({"line": 1, "opportunityId": other_parent}, 409, "unable_to_process_order_item")
    refused({"line": 1, "opportunityId": number}, 404, "order_not_found", "b-seller")
    assert listed(office)[0]["items"][0]["opportunity"] == occurrence["orderedItem"]["@id"]

    moved = office.call("POST", path, json={"line": 1, "opportunityId": number})  # back to the first occurrence
    assert moved.status_code == 200, moved.text
    assert moved.json()["items"][0]["opportunity"] == opportunity.id
    assert moved.json()["totalDue"] == order["totalDue"]
    entry = replaced_entry(client, oa_validator, uuid, occurrence["orderedItem"]["@id"])
    assert entry["data"]["orderedItem"][0]["orderedItem"]["@id"] == opportunity.id
