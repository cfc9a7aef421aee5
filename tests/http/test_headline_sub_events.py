"""Events of a HeadlineEvent over real HTTP on both databases: each booked on its own, published as an
Event with its HeadlineEvent embedded as superEvent (the suite's HeadlineEventSubEvent)."""

from __future__ import annotations

from typing import Any

from tests.http.test_booking import eventually, item_errors
from tests.http.test_open_data import assert_valid_feed_item, dataset_of, load, wait_for_items
from tests.support.booking import BookingClient, Opportunity, new_uuid
from tests.support.server_fixture import RunningServer
from tests.unit.test_import_events import with_event


def test_an_event_of_a_headline_event_is_published_with_it(booking: BookingClient, oa_validator: Any) -> None:
    part = booking.create(kind="HeadlineEventSubEvent")
    assert part.type == "Event"
    assert part.id.startswith(f"{booking.base_url}/api/identifiers/headline-event-subevents/")
    item = booking.feed_item(part.id)
    assert item["kind"] == "Event"
    data = item["data"]
    assert_valid_feed_item(oa_validator, data)
    assert data["@type"] == "Event" and data["offers"][0]["@id"] == part.offer_id
    whole = data["superEvent"]
    assert whole["@type"] == "HeadlineEvent" and whole["organizer"]["@id"] == booking.seller_id
    assert whole["@id"].startswith(f"{booking.base_url}/api/identifiers/headline-events/")
    assert whole["startDate"] < data["startDate"] < data["endDate"] < whole["endDate"]
    headline = booking.feed_item(whole["@id"])["data"]
    assert_valid_feed_item(oa_validator, headline)
    assert [e["@id"] for e in headline["subEvent"]] == [part.id]

    server = RunningServer(booking.base_url, None, booking.client)  # type: ignore[arg-type]
    distribution = dataset_of(server)["distribution"]
    (feed,) = [d for d in distribution if d["contentUrl"].endswith("/feeds/headline-event-subevents")]
    assert (feed["additionalType"], feed["identifier"]) == ("https://schema.org/Event", "HeadlineEventSubEvent")


def test_an_event_of_a_headline_event_is_booked_on_its_own(booking: BookingClient, oa_validator: Any) -> None:
    part = booking.create(kind="HeadlineEventSubEvent")
    uuid = new_uuid()
    c1 = booking.c1(uuid, booking.quote_body([part]))
    assert c1.status_code == 200, c1.text
    oa_validator.assert_valid(c1.json(), "C1Response")
    ordered = c1.json()["orderedItem"][0]["orderedItem"]
    assert ordered["@type"] == "Event" and ordered["remainingAttendeeCapacity"] == 10
    assert ordered["superEvent"]["@type"] == "HeadlineEvent"
    assert not {"offers", "organizer", "subEvent"} & (set(ordered) | set(ordered["superEvent"]))
    c2 = booking.c2(uuid, booking.quote_body([part], customer=True))
    assert c2.status_code == 200, c2.text
    oa_validator.assert_valid(c2.json(), "C2Response")
    b = booking.b(uuid, booking.order_body([part]))
    assert b.status_code == 201, b.text
    oa_validator.assert_valid(b.json(), "BResponse")
    assert eventually(lambda: booking.remaining(part) == 9)
    whole_id = booking.feed_item(part.id)["data"]["superEvent"]["@id"]
    assert booking.feed_item(whole_id)["data"]["remainingAttendeeCapacity"] == 10  # places are per event
    assert booking.cancel(uuid, [b.json()["orderedItem"][0]["@id"]]).status_code == 204
    (entry,) = eventually(booking.orders_feed)
    oa_validator.assert_valid(entry["data"], "OrdersFeed")


def test_an_event_offer_is_accepted_only_from_that_event(booking: BookingClient) -> None:
    part = booking.create(kind="HeadlineEventSubEvent")
    whole_id = booking.feed_item(part.id)["data"]["superEvent"]["@id"]
    offer = part.offer_id.rsplit("/", 1)[1]
    items = [
        Opportunity(part.id, f"{whole_id}#/offers/{offer}", part.price, "Event"),  # hung off the HeadlineEvent
        Opportunity(whole_id, part.offer_id, part.price, "HeadlineEvent"),  # the event's offer for the whole
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
