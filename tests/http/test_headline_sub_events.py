"""Sub-events over real HTTP on both databases: the events of a HeadlineEvent and the sessions of a course,
each booked on its own, published as an Event with its whole embedded as superEvent (the suite's
HeadlineEventSubEvent and CourseInstanceSubEvent)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.http.test_booking import eventually, item_errors
from tests.http.test_open_data import assert_valid_feed_item, dataset_of, load, wait_for_items
from tests.support.booking import BookingClient, Opportunity, new_uuid
from tests.support.flows import quote_and_book
from tests.support.server_fixture import RunningServer
from tests.unit.test_import_events import with_event

SEGMENTS = {"HeadlineEventSubEvent": "headline-event-subevents", "CourseInstanceSubEvent": "course-instance-subevents"}


@pytest.fixture(params=list(SEGMENTS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_sub_event_is_published_with_its_whole(booking: BookingClient, kind: str, oa_validator: Any) -> None:
    whole_type = kind.removesuffix("SubEvent")
    part = booking.create(kind=kind)
    assert part.type == "Event"
    assert part.id.startswith(f"{booking.base_url}/api/identifiers/{SEGMENTS[kind]}/")
    item = booking.feed_item(part.id)
    assert item["kind"] == "Event"
    data = item["data"]
    assert_valid_feed_item(oa_validator, data)
    assert data["@type"] == "Event" and data["offers"][0]["@id"] == part.offer_id
    whole = data["superEvent"]
    assert whole["@type"] == whole_type and whole["organizer"]["@id"] == booking.seller_id
    assert whole["offers"][0]["@id"].startswith(whole["@id"] + "#/offers/")
    assert whole["startDate"][:10] <= data["startDate"][:10] <= data["endDate"][:10] <= whole["endDate"][:10]
    headline = booking.feed_item(whole["@id"])["data"]
    assert_valid_feed_item(oa_validator, headline)
    assert [e["@id"] for e in headline["subEvent"]] == [part.id]

    server = RunningServer(booking.base_url, None, booking.client)  # type: ignore[arg-type]
    distribution = dataset_of(server)["distribution"]
    (feed,) = [d for d in distribution if d["contentUrl"].endswith(f"/feeds/{SEGMENTS[kind]}")]
    assert (feed["additionalType"], feed["identifier"]) == ("https://schema.org/Event", kind)


def test_a_sub_event_is_booked_on_its_own(booking: BookingClient, kind: str, oa_validator: Any) -> None:
    part = booking.create(kind=kind)
    uuid, c1, b = quote_and_book(booking, [part], oa_validator.assert_valid)
    ordered = c1["orderedItem"][0]["orderedItem"]
    assert ordered["@type"] == "Event" and ordered["remainingAttendeeCapacity"] == 10
    assert ordered["superEvent"]["@type"] == kind.removesuffix("SubEvent")
    assert not {"offers", "organizer", "subEvent"} & (set(ordered) | set(ordered["superEvent"]))
    oa_validator.assert_valid(b.json(), "BResponse")
    assert eventually(lambda: booking.remaining(part) == 9)
    whole_id = booking.feed_item(part.id)["data"]["superEvent"]["@id"]
    assert booking.feed_item(whole_id)["data"]["remainingAttendeeCapacity"] == 10  # places are per event
    assert booking.cancel(uuid, [b.json()["orderedItem"][0]["@id"]]).status_code == 204
    (entry,) = eventually(booking.orders_feed)
    oa_validator.assert_valid(entry["data"], "OrdersFeed")


def test_a_sub_event_offer_is_accepted_only_from_that_event(booking: BookingClient, kind: str) -> None:
    part = booking.create(kind=kind)
    whole_id = booking.feed_item(part.id)["data"]["superEvent"]["@id"]
    offer = part.offer_id.rsplit("/", 1)[1]
    items = [
        Opportunity(part.id, f"{whole_id}#/offers/{offer}", part.price, "Event"),  # hung off the whole
        Opportunity(whole_id, part.offer_id, part.price, kind.removesuffix("SubEvent")),  # its offer for the whole
        part,
    ]
    response = booking.c1(new_uuid(), booking.quote_body(items))
    assert item_errors(response.json()) == [["UnacceptableOfferError"], ["UnacceptableOfferError"], []]


def test_imported_headline_events_publish_their_events(server: RunningServer, oa_validator: Any) -> None:
    from openbook.importing.json_format import parse_inventory_document

    document = with_event()
    festival = document.pop("events")[0]
    festival["subEvents"] = [
        {
            "identifier": "open-day-race",
            "startDate": "2030-02-01T11:00:00Z",
            "endDate": "2030-02-01T12:00:00Z",
            "maximumAttendeeCapacity": 40,
        }
    ]
    document["headlineEvents"] = [festival]
    load(server.database_url, parse_inventory_document(document))
    (item,) = wait_for_items(server, f"{server.base_url}/feeds/headline-event-subevents", 1)
    assert_valid_feed_item(oa_validator, item["data"])
    assert item["data"]["identifier"] == "open-day-race" and item["data"]["maximumAttendeeCapacity"] == 40
    assert item["data"]["superEvent"]["name"] == "Open Day"
    (headline,) = wait_for_items(server, f"{server.base_url}/feeds/headline-events", 1)
    assert [e["@id"] for e in headline["data"]["subEvent"]] == [item["data"]["@id"]]
