"""Changes of logistics over real HTTP on both databases: the seller renames, moves or retimes a booked
opportunity (test interface and back office); the open feeds publish the change and every Order with a
place on it is re-emitted in its booking partner's orders feed. Refusals change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.http import test_backoffice
from tests.http.test_backoffice import Office
from tests.http.test_booking import error_of, eventually
from tests.http.test_open_data import assert_valid_feed_item
from tests.http.test_seller_actions import act
from tests.support.booking import BookingClient, Opportunity, new_uuid

OA = "https://openactive.io/"
office_fixture = test_backoffice.office  # the back office with two sellers, as a fixture here too


def act_on(booking: BookingClient, action: str, opportunity: Opportunity) -> Any:
    body = {
        "@context": [OA, f"{OA}test-interface"],
        "@type": f"test:{action}",
        "object": {"@type": opportunity.type, "@id": opportunity.id},  # what the test suite sends
    }
    return booking.client.post(f"{booking.api}/test-interface/actions", json=body, headers=booking.auth())


def book(booking: BookingClient, opportunity: Opportunity) -> str:
    uuid = new_uuid()
    response = booking.b(uuid, booking.order_body([opportunity]))
    assert response.status_code == 201, response.text
    return uuid


def logistics_of(order_item: dict[str, Any]) -> dict[str, str]:
    """What the test suite compares for each kind of change, read the way its accessors read an OrderItem
    (the opportunity's own property, else its superEvent's, its superEvent's superEvent's, its facilityUse's)."""
    opportunity = order_item.get("orderedItem") or {}
    super_event = opportunity.get("superEvent") or {}
    chain = (opportunity, super_event, super_event.get("superEvent") or {}, opportunity.get("facilityUse") or {})

    def inherited(*path: str) -> str:
        for node in chain:
            value: Any = node
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value:
                return str(value)
        return ""

    address = ("streetAddress", "addressLocality", "addressRegion", "postalCode", "addressCountry")
    return {
        "Name": inherited("name"),
        "Time": "|".join(inherited(key) for key in ("startDate", "endDate", "duration")),
        "Location": "|".join(
            [inherited("meetingPoint"), inherited("location", "name")]
            + [inherited("location", "geo", key) for key in ("latitude", "longitude")]
            + [inherited("location", "address", key) for key in address]
        ),
    }


def session_and_series(booking: BookingClient, opportunity: Opportunity) -> tuple[dict[str, Any], dict[str, Any]]:
    session = booking.feed_item(opportunity.id)
    return session, booking.feed_item(session["data"]["superEvent"])


def reemitted(booking: BookingClient, oa_validator: Any, uuid: str) -> dict[str, Any]:
    entries = eventually(lambda: [e for e in booking.orders_feed() if e["id"] == uuid])
    assert entries, f"order {uuid} was not re-emitted"
    oa_validator.assert_valid(entries[-1]["data"], "OrdersFeed")
    entry: dict[str, Any] = entries[-1]
    return entry


def changed_after(booking: BookingClient, opportunity_id: str, modified: int) -> dict[str, Any]:
    found = eventually(lambda: (item := booking.feed_item(opportunity_id))["modified"] > modified and item)
    assert found, f"{opportunity_id} was not republished"
    item: dict[str, Any] = found
    return item


@pytest.mark.parametrize("what", ["Name", "Location", "Time"])
def test_a_simulated_change_reaches_the_open_feeds_and_every_partners_orders_feed(
    booking: BookingClient, oa_validator: Any, what: str
) -> None:
    other = BookingClient(booking.client, booking.base_url, client_id="booking-partner-2")
    opportunity, bystander = booking.create(), booking.create()
    mine, theirs = new_uuid(), book(other, opportunity)
    response = booking.b(mine, booking.order_body([opportunity]))
    assert response.status_code == 201, response.text
    book(booking, bystander)  # an order on another opportunity, which must not be re-emitted
    session, series = session_and_series(booking, opportunity)

    assert act_on(booking, f"ChangeOfLogistics{what}SimulateAction", opportunity).status_code == 204

    for client, uuid in ((booking, mine), (other, theirs)):
        entry = reemitted(client, oa_validator, uuid)
        assert entry["data"]["orderedItem"][0]["orderItemStatus"] == OA + "OrderItemConfirmed"
    # As the test suite checks it: the feed's orderedItem differs from B's in what changed, and only there.
    (at_b,) = response.json()["orderedItem"]
    (now,) = reemitted(booking, oa_validator, mine)["data"]["orderedItem"]
    before, after = logistics_of(at_b), logistics_of(now)
    assert [kind for kind in before if before[kind] != after[kind]] == [what], (before, after)
    assert [e["id"] for e in booking.orders_feed()] == [mine]  # not the order on another opportunity
    new_session = changed_after(booking, opportunity.id, session["modified"])
    assert_valid_feed_item(oa_validator, new_session["data"])
    new_series = booking.feed_item(session["data"]["superEvent"])
    if what == "Time":
        start = datetime.fromisoformat(session["data"]["startDate"])
        assert datetime.fromisoformat(new_session["data"]["startDate"]) == start + timedelta(hours=1)
        assert new_series == series
    else:
        assert new_series["modified"] > series["modified"]
        assert_valid_feed_item(oa_validator, new_series["data"])
        assert new_session["data"]["startDate"] == session["data"]["startDate"]
        if what == "Name":
            assert new_series["data"]["name"] == series["data"]["name"] + " (renamed)"
        else:
            assert new_series["data"]["location"]["name"] == "Test Interface Annex"
            assert series["data"]["location"]["name"] == "Test Interface Hall"


def test_an_order_id_names_its_first_booked_place_and_refusals_change_nothing(
    booking: BookingClient, oa_validator: Any
) -> None:
    opportunity = booking.create()
    uuid = book(booking, opportunity)
    session = booking.feed_item(opportunity.id)
    assert act(booking, "ChangeOfLogisticsTimeSimulateAction", uuid).status_code == 204
    reemitted(booking, oa_validator, uuid)
    changed_after(booking, opportunity.id, session["modified"])

    error_of(act(booking, "ChangeOfLogisticsNameSimulateAction", new_uuid()), 404, "UnknownOrderError", oa_validator)
    missing = Opportunity(opportunity.id.rsplit("/", 1)[0] + "/999999", opportunity.offer_id, 0)
    error_of(act_on(booking, "ChangeOfLogisticsNameSimulateAction", missing), 404, "NotFoundError", oa_validator)
    error_of(
        act_on(booking, "ChangeOfLogisticsColourSimulateAction", opportunity), 400, "OpenBookingError", oa_validator
    )
    item_id = f"{booking.api}/orders/{uuid}#/orderedItem/1"
    assert booking.cancel(uuid, [item_id]).status_code == 204
    cancelled = reemitted(booking, oa_validator, uuid)["modified"]
    response = act(booking, "ChangeOfLogisticsNameSimulateAction", uuid)
    error_of(response, 409, "UnableToProcessOrderItemError", oa_validator)
    assert act_on(booking, "ChangeOfLogisticsNameSimulateAction", opportunity).status_code == 204
    later = booking.create()  # the change above has been numbered into the feeds by the time this appears
    booking.feed_item(later.id)
    assert reemitted(booking, oa_validator, uuid)["modified"] == cancelled  # no confirmed place: not re-emitted


def test_staff_change_their_own_opportunities_logistics(office_fixture: Office, oa_validator: Any) -> None:
    office = office_fixture
    client = office.sellers["a-seller"]
    opportunity = client.create()
    uuid = book(client, opportunity)
    number = opportunity.id.rsplit("/", 1)[-1]
    path = f"/opportunities/{number}/logistics"
    session, series = session_and_series(client, opportunity)
    start = datetime.fromisoformat(session["data"]["startDate"])

    def refused(body: dict[str, Any], status: int, code: str, seller: str = "a-seller") -> None:
        response = office.call("POST", path, seller, json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text

    refused({}, 400, "nothing_to_change")
    refused({"name": " "}, 400, "invalid_name")
    refused({"name": 7}, 400, "invalid_name")
    refused({"colour": "red"}, 400, "unexpected_fields")
    refused({"startDate": "tomorrow"}, 400, "invalid_date")
    refused({"startDate": "2030-01-01T10:00:00"}, 400, "invalid_date")  # no offset
    refused({"endDate": (start - timedelta(minutes=5)).isoformat()}, 400, "invalid_times")
    refused({"startDate": "2020-01-01T10:00:00Z", "endDate": "2020-01-01T11:00:00Z"}, 409, "start_in_past")
    refused({"place": "nowhere"}, 400, "unknown_place")
    refused({"name": "Mine now"}, 404, "opportunity_not_found", "b-seller")
    assert office.call("POST", "/opportunities/x/logistics", json={"name": "A"}).status_code == 404
    assert client.orders_feed() == []  # nothing changed, nothing re-emitted
    assert client.feed_item(opportunity.id) == session

    new_start, new_end = start + timedelta(days=1), start + timedelta(days=1, hours=2)
    body = {
        "name": "Evening Yoga",
        "place": "a-place",
        "startDate": new_start.isoformat(),
        "endDate": new_end.isoformat(),
    }
    response = office.call("POST", path, json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"opportunityId": int(number), "ordersNotified": 1}
    reemitted(client, oa_validator, uuid)
    new_session = changed_after(client, opportunity.id, session["modified"])
    assert_valid_feed_item(oa_validator, new_session["data"])
    assert datetime.fromisoformat(new_session["data"]["startDate"]) == new_start
    assert datetime.fromisoformat(new_session["data"]["endDate"]) == new_end
    new_series = client.feed_item(session["data"]["superEvent"])
    assert new_series["data"]["name"] == "Evening Yoga" and new_series["data"]["location"]["name"] == "Main Hall"
    assert new_series["modified"] > series["modified"]
    again = office.call("POST", path, json=body)  # the same change again: nothing to do
    assert again.json()["ordersNotified"] == 0
