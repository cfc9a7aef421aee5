"""Access channels and pass pictures over real HTTP on both databases: a place at an opportunity attended
online gets its meeting link at B, a new link from the seller (test interface or back office) reaches the
booking partner's orders feed and Order Status, the link never appears in the open feeds, and every seller
barcode has a picture served here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from openbook.domain.access import JOINING_DETAILS_LATER
from openbook.domain.inventory import (
    AttendanceMode,
    InventoryBundle,
    Offer,
    OpportunityDraft,
    OpportunityKind,
    ParentDraft,
    ParentKind,
)
from openbook.domain.money import Money
from openbook.store.urls import DatabaseUrl
from tests.factories import YOGA
from tests.http import test_backoffice
from tests.http.test_access import feed_entry
from tests.http.test_backoffice import Office
from tests.http.test_booking import error_of, eventually
from tests.http.test_open_data import assert_valid_feed_item, load
from tests.http.test_seller_actions import act
from tests.support.booking import BookingClient, Opportunity, new_uuid

BETA = ["https://openactive.io/", "https://openactive.io/ns-beta"]
office_fixture = test_backoffice.office


def book_online(booking: BookingClient, oa_validator: Any) -> tuple[str, dict[str, Any], str]:
    """An Order with a place attended online (first) and one in person; returns its uuid, B body and the online
    opportunity's @id."""
    online = booking.create("TestOpportunityOnlineBookable")
    uuid = new_uuid()
    response = booking.b(uuid, booking.order_body([online, booking.create("TestOpportunityOfflineBookable")]))
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    oa_validator.assert_valid(document, "BResponse")
    return uuid, document, online.id


def channel(item: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = item["accessChannel"]
    return found


def test_an_online_place_gets_its_meeting_link_at_b(booking: BookingClient, oa_validator: Any) -> None:
    uuid, document, online_id = book_online(booking, oa_validator)
    online, in_person = document["orderedItem"]
    link = channel(online)
    assert link["@type"] == "VirtualLocation" and link["url"].startswith("https://")
    assert link["accessId"] and link["accessCode"] and link["name"]
    assert "accessPass" not in online and "accessCode" not in online  # nothing to show at a door
    assert "accessChannel" not in in_person
    (barcode,) = in_person["accessPass"]
    assert barcode["url"] == f"{booking.base_url}/access-passes/{barcode['text']}.svg"
    assert barcode["beta:codeType"] == "code128" and document["@context"] == BETA
    status = booking.client.get(f"{booking.api}/orders/{uuid}", headers=booking.auth()).json()
    oa_validator.assert_valid(status, "OrderStatus")
    assert channel(status["orderedItem"][0]) == link
    # The link is for booked customers only: the open feeds do not carry it.
    published = booking.feed_item(online_id)
    assert "accessChannel" not in str(published) and link["url"] not in str(published)
    quote = booking.c2(new_uuid(), booking.quote_body([booking.create("TestOpportunityOnlineBookable")], customer=True))
    assert quote.status_code == 200 and "accessChannel" not in quote.text


def test_a_new_meeting_link_reaches_the_orders_feed(booking: BookingClient, oa_validator: Any) -> None:
    uuid, document, online_id = book_online(booking, oa_validator)
    published = booking.feed_item(online_id)
    assert act(booking, "AccessChannelUpdateSimulateAction", uuid).status_code == 204
    entry = feed_entry(booking, uuid, lambda data: "accessChannel" in data["orderedItem"][0])
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    online, in_person = entry["data"]["orderedItem"]
    assert channel(online) != channel(document["orderedItem"][0])
    assert channel(online)["url"].startswith("https://")
    assert in_person["accessPass"] == document["orderedItem"][1]["accessPass"]
    assert entry["data"]["@context"] == BETA
    status = booking.client.get(f"{booking.api}/orders/{uuid}", headers=booking.auth()).json()
    oa_validator.assert_valid(status, "OrderStatus")
    assert channel(status["orderedItem"][0]) == channel(online)
    assert booking.feed_item(online_id) == published  # a private change: not republished


def test_a_link_change_needs_a_place_attended_online(booking: BookingClient, oa_validator: Any) -> None:
    uuid = new_uuid()
    response = booking.b(uuid, booking.order_body([booking.create("TestOpportunityOfflineBookable")]))
    assert response.status_code == 201, response.text
    error_of(
        act(booking, "AccessChannelUpdateSimulateAction", uuid), 409, "UnableToProcessOrderItemError", oa_validator
    )
    error_of(act(booking, "AccessChannelUpdateSimulateAction", new_uuid()), 404, "UnknownOrderError", oa_validator)
    online_uuid, document, _ = book_online(booking, oa_validator)
    assert booking.cancel(online_uuid, [i["@id"] for i in document["orderedItem"]]).status_code == 204
    error_of(
        act(booking, "AccessChannelUpdateSimulateAction", online_uuid),
        409,
        "UnableToProcessOrderItemError",
        oa_validator,
    )


def test_staff_give_a_new_meeting_link_from_the_back_office(office_fixture: Office, oa_validator: Any) -> None:
    office = office_fixture
    client = office.sellers["a-seller"]
    uuid, document, online_id = book_online(client, oa_validator)
    in_person_id = document["orderedItem"][1]["orderedItem"]["@id"]
    path = f"/opportunities/{online_id.rsplit('/', 1)[-1]}/logistics"

    def refused(body: dict[str, Any], status: int, code: str, where: str = path, seller: str = "a-seller") -> None:
        response = office.call("POST", where, seller, json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text

    link = {"url": "https://meet.example.com/j/555", "name": "Studio Meet", "accessId": "555", "accessCode": "12"}
    refused({"accessChannel": "https://meet.example.com/j/555"}, 400, "invalid_channel")
    refused({"accessChannel": {"url": "https://meet.example.com", "pin": "1"}}, 400, "invalid_channel")
    refused({"accessChannel": {"url": "meet.example.com/j/555"}}, 400, "invalid_channel")
    refused({"accessChannel": {"accessCode": "12"}}, 400, "invalid_channel")
    refused({"accessChannel": {"url": 5}}, 400, "invalid_url")
    refused({"accessChannel": link}, 404, "opportunity_not_found", seller="b-seller")
    refused(
        {"accessChannel": link}, 409, "not_online", where=f"/opportunities/{in_person_id.rsplit('/', 1)[-1]}/logistics"
    )
    assert client.orders_feed() == []  # nothing changed, nothing re-emitted

    response = office.call("POST", path, json={"accessChannel": link})
    assert response.status_code == 200, response.text
    assert response.json()["ordersNotified"] == 1
    entry = feed_entry(client, uuid, lambda data: "accessChannel" in data["orderedItem"][0])
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert channel(entry["data"]["orderedItem"][0]) == {"@type": "VirtualLocation", **link}
    again = office.call("POST", path, json={"accessChannel": link})  # the same link: no change
    assert again.json()["ordersNotified"] == 0


def test_every_seller_barcode_has_a_picture(booking: BookingClient, oa_validator: Any) -> None:
    _, document, _ = book_online(booking, oa_validator)
    (barcode,) = document["orderedItem"][1]["accessPass"]
    picture = booking.client.get(barcode["url"])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/svg+xml"
    assert "<svg" in picture.text and barcode["text"] in picture.text
    for bad in ("ABC", "12", "1" * 40, "..%2Fetc"):
        assert booking.client.get(f"{booking.base_url}/access-passes/{bad}.svg").status_code == 404


def test_an_online_place_without_a_link_yet_is_told_when_it_comes(
    booking: BookingClient, database_url: DatabaseUrl, oa_validator: Any
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    free = Offer("free", Money(Decimal("0.00"), "GBP"), name="Free")
    series = ParentDraft(
        "online-series", ParentKind.SESSION_SERIES, "t-seller", "Live yoga", (YOGA,), place="t-place", offers=(free,),
        opportunities=(
            OpportunityDraft(
                "online-1", OpportunityKind.SCHEDULED_SESSION, start, start + timedelta(hours=1), 5,
                attendance_mode=AttendanceMode.ONLINE,
            ),
        ),
    )  # fmt: skip
    load(database_url, InventoryBundle(parents=(series,)))
    (session,) = eventually(
        lambda: [i for i in booking.feed_items("scheduled-sessions") if i["data"].get("identifier") == "online-1"]
    )
    offer = booking.feed_item(session["data"]["superEvent"])["data"]["offers"][0]["@id"]
    uuid = new_uuid()
    response = booking.b(uuid, booking.order_body([Opportunity(session["data"]["@id"], offer, 0)]))
    assert response.status_code == 201, response.text
    oa_validator.assert_valid(response.json(), "BResponse")
    (item,) = response.json()["orderedItem"]
    assert item["accessChannel"] == {"@type": "VirtualLocation", "description": JOINING_DETAILS_LATER.description}
    assert "customerNotice" not in item  # not allowed in a B response
    assert act(booking, "AccessChannelUpdateSimulateAction", uuid).status_code == 204
    entry = feed_entry(booking, uuid, lambda data: "url" in data["orderedItem"][0]["accessChannel"])
    oa_validator.assert_valid(entry["data"], "OrdersFeed")


@pytest.mark.parametrize("kind", ["Event", "HeadlineEventSubEvent", "CourseInstanceSubEvent"])
def test_every_event_kind_attended_online_gets_its_link(booking: BookingClient, oa_validator: Any, kind: str) -> None:
    online = booking.create("TestOpportunityOnlineBookable", kind=kind)
    published = booking.feed_item(online.id)["data"]
    assert published["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert "location" not in published  # the model forbids one to an event attended only online
    assert_valid_feed_item(oa_validator, published)
    uuid = new_uuid()
    response = booking.b(uuid, booking.order_body([online]))
    assert response.status_code == 201, response.text
    oa_validator.assert_valid(response.json(), "BResponse")
    (item,) = response.json()["orderedItem"]
    assert channel(item)["url"].startswith("https://") and "accessPass" not in item
    assert act(booking, "AccessChannelUpdateSimulateAction", uuid).status_code == 204
    entry = feed_entry(booking, uuid, lambda data: "accessChannel" in data["orderedItem"][0])
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert channel(entry["data"]["orderedItem"][0]) != channel(item)
