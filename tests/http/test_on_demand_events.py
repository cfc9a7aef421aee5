"""OnDemandEvents over real HTTP on both databases: feed, dataset site, test interface, booking, import.

The official validator (data-models 3.0.9) contradicts itself on an OnDemandEvent inside an OrderItem:
its response modes require `location` and `startDate` (inherited from Event) while the OnDemandEvent
model forbids both. openbook follows the model (no location, no dates), so in booking responses and the
orders feed those two failures, and only those, are expected (docs/decisions/0015-opportunity-types.md).
"""

from __future__ import annotations

from typing import Any

from tests.http.test_booking import eventually, item_errors
from tests.http.test_open_data import assert_valid_feed_item, load, wait_for_items
from tests.support.booking import BookingClient, new_uuid
from tests.support.flows import dataset_feed, quote_and_book
from tests.support.server_fixture import RunningServer
from tests.unit.test_import_events import ON_DEMAND
from tests.unit.test_import_formats import VALID

CONTRADICTION = {
    ("missing_required_field", f"$.orderedItem[{n}].orderedItem.{field}")
    for n in range(5)
    for field in ("location", "startDate")
}


def assert_valid_response(oa_validator: Any, body: dict[str, Any], mode: str) -> None:
    """No validator failures but the validator's own contradiction about OnDemandEvent in responses."""
    failures = {(f.type, f.path) for f in oa_validator.failures(body, mode)}
    assert failures <= CONTRADICTION, (failures - CONTRADICTION, body)


def test_an_on_demand_event_is_published_without_place_dates_or_capacity(
    booking: BookingClient, oa_validator: Any
) -> None:
    event = booking.create(kind="OnDemandEvent")
    assert event.id.startswith(f"{booking.base_url}/api/identifiers/on-demand-events/")
    item = booking.feed_item(event.id)
    assert item["kind"] == "OnDemandEvent"
    data = item["data"]
    assert_valid_feed_item(oa_validator, data)
    assert data["@type"] == "OnDemandEvent" and data["organizer"]["@id"] == booking.seller_id
    assert data["offers"][0]["@id"] == event.offer_id
    absent = {"location", "startDate", "endDate", "eventAttendanceMode", "remainingAttendeeCapacity", "superEvent"}
    assert not absent & set(data)

    feed = dataset_feed(booking, "on-demand-events")
    assert (feed["additionalType"], feed["identifier"]) == ("https://schema.org/OnDemandEvent", "OnDemandEvent")


def test_an_on_demand_event_is_booked_through_c1_c2_and_b(booking: BookingClient, oa_validator: Any) -> None:
    event = booking.create(kind="OnDemandEvent")
    uuid, c1, b = quote_and_book(
        booking, [event, event], lambda document, mode: assert_valid_response(oa_validator, document, mode)
    )
    ordered = c1["orderedItem"][0]["orderedItem"]
    assert ordered["@type"] == "OnDemandEvent" and ordered["@id"] == event.id
    assert not {"offers", "organizer", "remainingAttendeeCapacity", "location", "startDate"} & set(ordered)
    order = b.json()
    assert_valid_response(oa_validator, order, "BResponse")
    assert [i["orderItemStatus"] for i in order["orderedItem"]] == ["https://openactive.io/OrderItemConfirmed"] * 2
    assert booking.cancel(uuid, [order["orderedItem"][0]["@id"]]).status_code == 204
    (entry,) = eventually(booking.orders_feed)
    assert_valid_response(oa_validator, entry["data"], "OrdersFeed")


def test_a_full_or_withdrawn_on_demand_event_is_refused(booking: BookingClient, oa_validator: Any) -> None:
    full = booking.create("TestOpportunityBookableNoSpaces", kind="OnDemandEvent")
    response = booking.c1(new_uuid(), booking.quote_body([full]))
    assert response.status_code == 409
    assert_valid_response(oa_validator, response.json(), "C1ResponseOrderItemError")
    assert item_errors(response.json()) == [["OpportunityIsFullError"]]
    ended = booking.create("TestOpportunityBookableInPast", kind="OnDemandEvent")
    response = booking.b(new_uuid(), booking.order_body([ended]))
    assert response.status_code == 409
    assert_valid_response(oa_validator, response.json(), "BResponseOrderItemError")
    assert item_errors(response.json()) == [["OpportunityOfferPairNotBookableError"]]


def test_an_on_demand_offer_is_accepted_only_from_that_event(booking: BookingClient) -> None:
    on_demand = booking.create(kind="OnDemandEvent")
    event = booking.create(kind="Event")
    number, offer = on_demand.id.rsplit("/", 1)[1], on_demand.offer_id.rsplit("/", 1)[1]
    body = booking.quote_body([on_demand])
    body["orderedItem"][0]["acceptedOffer"]["@id"] = (
        f"{booking.base_url}/api/identifiers/events/{number}#/offers/{offer}"
    )
    response = booking.c1(new_uuid(), body)
    assert item_errors(response.json()) == [["UnacceptableOfferError"]]
    body = booking.quote_body([on_demand])
    body["orderedItem"][0]["acceptedOffer"]["@id"] = event.offer_id
    assert item_errors(booking.c1(new_uuid(), body).json()) == [["UnknownOfferError"]]


def test_imported_on_demand_events_are_published(server: RunningServer, oa_validator: Any) -> None:
    from openbook.importing.json_format import parse_inventory_document

    load(server.database_url, parse_inventory_document({**VALID, "onDemandEvents": [ON_DEMAND]}))
    (item,) = wait_for_items(server, f"{server.base_url}/feeds/on-demand-events", 1)
    assert_valid_feed_item(oa_validator, item["data"])
    assert item["data"]["identifier"] == "home-yoga" and item["data"]["offers"][0]["price"] == 3
