"""Standalone Events and HeadlineEvents over real HTTP on both databases: feed, dataset site, booking.

Every feed item and every response is checked with the official validator, as the OpenActive Test
Suite does (BookableRPDEFeed for the feed, the matching mode for each booking response).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.http.test_booking import error_of, eventually, item_errors
from tests.http.test_open_data import assert_valid_feed_item
from tests.support.booking import BookingClient, Opportunity, new_uuid
from tests.support.flows import dataset_feed, quote_and_book
from tests.support.server_fixture import RunningServer

SEGMENTS = {"Event": "events", "HeadlineEvent": "headline-events"}
ADDITIONAL_TYPES = {"Event": "https://schema.org/Event", "HeadlineEvent": "https://openactive.io/HeadlineEvent"}


@pytest.fixture(params=list(SEGMENTS))
def kind(request: pytest.FixtureRequest) -> str:
    """Each type booked as a whole, with offers on its own @id and no parent."""
    return str(request.param)


def test_an_event_is_published_whole_in_its_own_feed(booking: BookingClient, kind: str, oa_validator: Any) -> None:
    event = booking.create(kind=kind)
    assert event.id.startswith(f"{booking.base_url}/api/identifiers/{SEGMENTS[kind]}/")
    item = booking.feed_item(event.id)
    assert item["kind"] == kind
    data = item["data"]
    assert_valid_feed_item(oa_validator, data)
    assert data["@type"] == kind and data["@id"] == event.id
    assert "superEvent" not in data
    assert data["organizer"]["@id"] == booking.seller_id
    assert data["location"]["@type"] == "Place"
    assert data["activity"][0]["prefLabel"] == "Yoga"
    assert data["offers"][0]["@id"] == event.offer_id and event.offer_id.startswith(event.id + "#/offers/")
    assert (data["maximumAttendeeCapacity"], data["remainingAttendeeCapacity"]) == (10, 10)
    assert data["startDate"] < data["endDate"]

    events = dataset_feed(booking, SEGMENTS[kind])
    assert events["additionalType"] == ADDITIONAL_TYPES[kind]
    assert events["identifier"] == kind


def test_an_event_is_booked_through_c1_c2_and_b(booking: BookingClient, kind: str, oa_validator: Any) -> None:
    event = booking.create(kind=kind)
    uuid, c1, b = quote_and_book(booking, [event], oa_validator.assert_valid)
    ordered = c1["orderedItem"][0]
    assert ordered["orderedItem"]["@type"] == kind
    assert ordered["orderedItem"]["remainingAttendeeCapacity"] == 10
    assert "offers" not in ordered["orderedItem"] and "organizer" not in ordered["orderedItem"]
    assert ordered["acceptedOffer"]["@id"] == event.offer_id
    order = b.json()
    oa_validator.assert_valid(order, "BResponse")
    assert order["orderedItem"][0]["orderItemStatus"] == "https://openactive.io/OrderItemConfirmed"
    assert "remainingAttendeeCapacity" not in order["orderedItem"][0]["orderedItem"]
    assert eventually(lambda: booking.remaining(event) == 9)
    assert_valid_feed_item(oa_validator, booking.feed_item(event.id)["data"])

    assert booking.cancel(uuid, [order["orderedItem"][0]["@id"]]).status_code == 204
    (entry,) = eventually(booking.orders_feed)
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert eventually(lambda: booking.remaining(event) == 10)


def test_a_full_or_past_event_is_refused_with_item_errors(booking: BookingClient, kind: str, oa_validator: Any) -> None:
    full = booking.create("TestOpportunityBookableNoSpaces", kind=kind)
    response = booking.c1(new_uuid(), booking.quote_body([full]))
    assert response.status_code == 409
    oa_validator.assert_valid(response.json(), "C1ResponseOrderItemError")
    assert item_errors(response.json()) == [["OpportunityIsFullError"]]
    past = booking.create("TestOpportunityBookableInPast", kind=kind)
    response = booking.b(new_uuid(), booking.order_body([past]))
    assert response.status_code == 409
    oa_validator.assert_valid(response.json(), "BResponseOrderItemError")
    assert item_errors(response.json()) == [["OpportunityOfferPairNotBookableError"]]


def test_an_event_offer_is_accepted_only_from_that_event(booking: BookingClient, kind: str, oa_validator: Any) -> None:
    event = booking.create(kind=kind)
    other = booking.create(kind=kind)
    session = booking.create()
    number = event.id.rsplit("/", 1)[1]
    offer_number = event.offer_id.rsplit("/", 1)[1]
    elsewhere = [
        # the right offer, hung off another event's @id
        Opportunity(event.id, f"{other.id}#/offers/{offer_number}", event.price, kind),
        # the right offer and number, hung off a session's @id (ids are shared between types)
        Opportunity(
            event.id,
            f"{booking.base_url}/api/identifiers/scheduled-sessions/{number}#/offers/{offer_number}",
            10,
            "Event",
        ),
        # another event's offer
        Opportunity(event.id, other.offer_id, event.price, kind),
        # a session's offer, from its series
        Opportunity(event.id, session.offer_id, event.price, kind),
        # the event's @id named as a session
        Opportunity(event.id.replace(f"/{SEGMENTS[kind]}/", "/scheduled-sessions/"), event.offer_id, event.price),
    ]
    response = booking.c1(new_uuid(), booking.quote_body(elsewhere))
    assert response.status_code == 409
    assert item_errors(response.json()) == [
        ["UnacceptableOfferError"],
        ["UnacceptableOfferError"],
        ["UnknownOfferError"],
        ["UnknownOfferError"],
        ["UnknownOpportunityError"],
    ]


def test_the_test_interface_refuses_types_it_does_not_make(booking: BookingClient, oa_validator: Any) -> None:
    organizer = {"@type": "Organization", "@id": booking.seller_id}
    for body in (
        {"@type": "Event", "superEvent": {"@type": "EventSeries", "organizer": organizer}},
        {"@type": "Concert", "organizer": organizer},
        {"@type": "Event", "superEvent": "https://elsewhere.example.com/series/1"},
        {"@type": "Event"},
    ):
        response = booking.client.post(
            f"{booking.api}/test-interface/datasets/tests/opportunities",
            json={
                "@context": ["https://openactive.io/", "https://openactive.io/test-interface"],
                **body,
                "test:testOpportunityCriteria": "https://openactive.io/test-interface#TestOpportunityBookable",
                "test:testOpenBookingFlow": "https://openactive.io/test-interface#OpenBookingSimpleFlow",
            },
            headers=booking.auth(),
        )
        expected = ("SellerNotFoundError", 500) if body == {"@type": "Event"} else ("OpenBookingError", 400)
        assert (response.json()["@type"], response.status_code) == expected, response.text
        if body["@type"] == "Concert":
            types = "ScheduledSession, Slot, Event, OnDemandEvent, HeadlineEvent, CourseInstance"
            assert response.json()["description"] == f"this booking system makes test opportunities of type {types}"
        if isinstance(body.get("superEvent"), str):
            assert response.json()["description"] == "superEvent or facilityUse must be an object with @type"
    error_of(response, 500, "SellerNotFoundError", oa_validator)


def test_imported_events_are_published_and_checked_against_the_activity_list(
    server: RunningServer, oa_validator: Any
) -> None:
    from openbook.importing.json_format import parse_inventory_document
    from openbook.importing.problems import ImportRejected
    from tests.http.test_open_data import load, wait_for_items
    from tests.unit.test_import_events import with_event
    from tests.unit.test_import_formats import SQUASH

    with pytest.raises(ImportRejected) as rejected:
        load(server.database_url, parse_inventory_document(with_event(activity=[SQUASH])))
    assert [(p.record, p.field) for p in rejected.value.problems] == [("Event 'open-day'", "activity")]
    load(server.database_url, parse_inventory_document(with_event()))
    (item,) = wait_for_items(server, f"{server.base_url}/feeds/events", 1)
    assert_valid_feed_item(oa_validator, item["data"])
    assert item["data"]["identifier"] == "open-day" and item["data"]["name"] == "Open Day"
    assert item["data"]["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert item["data"]["offers"][0]["price"] == 0


def test_deleting_the_test_dataset_turns_its_events_into_tombstones(booking: BookingClient, kind: str) -> None:
    event = booking.create(kind=kind, dataset="to-delete")
    number = event.id.rsplit("/", 1)[1]
    assert booking.client.delete(f"{booking.api}/test-interface/datasets/to-delete").status_code == 204

    def tombstone() -> dict[str, Any] | None:
        items = [i for i in booking.feed_items(SEGMENTS[kind]) if i["id"] == number]
        return items[-1] if items and items[-1]["state"] == "deleted" else None

    item = eventually(tombstone)
    assert item is not None and item["kind"] == kind and "data" not in item
