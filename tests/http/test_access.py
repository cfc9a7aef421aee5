"""Means of entry over real HTTP on both databases: pin codes and barcodes issued at B, a broker's own
barcodes reflected back, and their renewal by the seller (test interface and back office) reaching the
booking partner's orders feed."""

from __future__ import annotations

from typing import Any

from tests.http import test_backoffice
from tests.http.test_approval import APPROVAL, book, proposed, uuid_of
from tests.http.test_backoffice import Office, listed
from tests.http.test_booking import error_of, eventually
from tests.http.test_seller_actions import act
from tests.support.booking import BookingClient, new_uuid

OA = "https://openactive.io/"
office_fixture = test_backoffice.office  # the back office with two sellers, as a fixture here too
BROKER_BARCODE = {"@type": "Barcode", "text": "BRK-0001", "url": "https://broker.example.com/passes/0001.png"}


def book_in_person(booking: BookingClient, oa_validator: Any, **item_extra: Any) -> tuple[str, dict[str, Any]]:
    uuid = new_uuid()
    body = booking.order_body([booking.create("TestOpportunityOfflineBookable"), booking.create()])
    for item in body["orderedItem"]:
        item.update(item_extra)
    response = booking.b(uuid, body)
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    oa_validator.assert_valid(document, "BResponse")
    return uuid, document


def codes(item: dict[str, Any]) -> list[str]:
    return [code["description"] for code in item["accessCode"]]


def own_barcodes(item: dict[str, Any]) -> list[str]:
    return [p["text"] for p in item["accessPass"] if p != BROKER_BARCODE]


def feed_entry(booking: BookingClient, uuid: str, changed: Any) -> dict[str, Any]:
    """The Order's feed item once ``changed(data)`` holds, validated as the orders feed must be."""
    entries = eventually(lambda: [e for e in booking.orders_feed() if e["id"] == uuid and changed(e["data"])])
    assert entries, "the change never reached the orders feed"
    entry: dict[str, Any] = entries[-1]
    return entry


def test_places_booked_in_person_get_a_pin_code_and_a_barcode(booking: BookingClient, oa_validator: Any) -> None:
    uuid, document = book_in_person(booking, oa_validator)
    for item in document["orderedItem"]:
        (code,) = item["accessCode"]
        assert code["@type"] == "PropertyValue" and code["name"] == "Pin Code"
        assert code["description"].isdigit() and len(code["description"]) == 6
        (barcode,) = item["accessPass"]
        assert barcode["@type"] == "Barcode" and len(barcode["text"]) == 12
    status = booking.client.get(f"{booking.api}/orders/{uuid}", headers=booking.auth())
    oa_validator.assert_valid(status.json(), "OrderStatus")
    assert [i["accessCode"] for i in status.json()["orderedItem"]] == [i["accessCode"] for i in document["orderedItem"]]
    quote = booking.c2(
        new_uuid(), booking.quote_body([booking.create("TestOpportunityOfflineBookable")], customer=True)
    )
    assert quote.status_code == 200 and "accessCode" not in quote.text  # not for an OrderQuote
    oa_validator.assert_valid(quote.json(), "C2Response")


def test_renewed_access_codes_and_passes_reach_the_feed(booking: BookingClient, oa_validator: Any) -> None:
    uuid, document = book_in_person(booking, oa_validator)
    booked_codes = [codes(i) for i in document["orderedItem"]]
    booked_barcodes = [own_barcodes(i) for i in document["orderedItem"]]

    assert act(booking, "AccessCodeUpdateSimulateAction", uuid).status_code == 204
    entry = feed_entry(booking, uuid, lambda data: "accessCode" in data["orderedItem"][0])
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    renewed = [codes(i) for i in entry["data"]["orderedItem"]]
    assert all(new != old for new, old in zip(renewed, booked_codes, strict=True))
    assert [own_barcodes(i) for i in entry["data"]["orderedItem"]] == booked_barcodes

    first = entry["modified"]
    assert act(booking, "AccessPassUpdateSimulateAction", uuid).status_code == 204
    entry = feed_entry(booking, uuid, lambda data: own_barcodes(data["orderedItem"][0]) != booked_barcodes[0])
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert entry["modified"] > first
    assert [codes(i) for i in entry["data"]["orderedItem"]] == renewed
    assert all(
        new != old
        for new, old in zip([own_barcodes(i) for i in entry["data"]["orderedItem"]], booked_barcodes, strict=True)
    )
    status = booking.client.get(f"{booking.api}/orders/{uuid}", headers=booking.auth()).json()
    oa_validator.assert_valid(status, "OrderStatus")
    assert [codes(i) for i in status["orderedItem"]] == renewed


def test_a_brokers_barcode_is_reflected_back_and_kept(booking: BookingClient, oa_validator: Any) -> None:
    uuid, document = book_in_person(booking, oa_validator, accessPass=[BROKER_BARCODE])
    for item in document["orderedItem"]:
        assert BROKER_BARCODE in item["accessPass"] and len(item["accessPass"]) == 2
    assert act(booking, "AccessPassUpdateSimulateAction", uuid).status_code == 204
    entry = feed_entry(booking, uuid, lambda data: "accessPass" in data["orderedItem"][0])
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    for item in entry["data"]["orderedItem"]:
        assert BROKER_BARCODE in item["accessPass"] and len(own_barcodes(item)) == 1


def test_renewal_is_refused_when_no_place_is_left(booking: BookingClient, oa_validator: Any) -> None:
    uuid, document = book_in_person(booking, oa_validator)
    assert booking.cancel(uuid, [i["@id"] for i in document["orderedItem"]]).status_code == 204
    for action in ("AccessCodeUpdateSimulateAction", "AccessPassUpdateSimulateAction"):
        error_of(act(booking, action, uuid), 409, "UnableToProcessOrderItemError", oa_validator)
    (entry,) = eventually(booking.orders_feed)
    assert [codes(i) for i in entry["data"]["orderedItem"]] == [codes(i) for i in document["orderedItem"]]
    error_of(act(booking, "AccessCodeUpdateSimulateAction", new_uuid()), 404, "UnknownOrderError", oa_validator)


def test_staff_renew_access_from_the_back_office(office_fixture: Office, oa_validator: Any) -> None:
    office = office_fixture
    client = office.sellers["a-seller"]
    uuid, document = book_in_person(client, oa_validator)
    (order,) = listed(office)
    assert [i["accessCodes"] for i in order["items"]] == [codes(i) for i in document["orderedItem"]]
    path = f"/orders/{order['id']}"
    renewed = office.call("POST", f"{path}/access-codes", json={})
    assert renewed.status_code == 200, renewed.text
    new_codes = [i["accessCodes"] for i in renewed.json()["items"]]
    assert new_codes != [codes(i) for i in document["orderedItem"]]
    entry = feed_entry(client, uuid, lambda data: "accessCode" in data["orderedItem"][0])
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert [codes(i) for i in entry["data"]["orderedItem"]] == new_codes

    passes = office.call("POST", f"{path}/access-passes", json={})
    assert passes.status_code == 200, passes.text
    new_passes = [[p["barcode"] for p in i["accessPasses"]] for i in passes.json()["items"]]
    assert new_passes != [own_barcodes(i) for i in document["orderedItem"]]
    entry = feed_entry(client, uuid, lambda data: own_barcodes(data["orderedItem"][0]) == new_passes[0])
    oa_validator.assert_valid(entry["data"], "OrdersFeed")

    bad = office.call("POST", f"{path}/access-codes", json={"code": "1234"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "unexpected_fields")
    assert office.call("POST", f"{path}/access-codes", "b-seller", json={}).json()["error"]["code"] == (
        "order_not_found"
    )
    assert client.cancel(uuid, [i["@id"] for i in document["orderedItem"]]).status_code == 204
    refused = office.call("POST", f"{path}/access-passes", json={})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "unable_to_process_order_item")
    assert office.call("GET", path).json()["items"][0]["accessPasses"][0]["barcode"] == new_passes[0][0]


def test_an_approved_proposal_gets_its_means_of_entry_when_booked(booking: BookingClient, oa_validator: Any) -> None:
    proposal = proposed(booking, oa_validator, booking.create("TestOpportunityOfflineBookable", flow=APPROVAL))
    assert "accessCode" not in str(proposal) and "accessPass" not in str(proposal)  # not at P
    assert booking.act("SellerAcceptOrderProposalSimulateAction", proposal["@id"]).status_code == 204
    order = book(booking, proposal)
    assert order.status_code == 201, order.text
    oa_validator.assert_valid(order.json(), "BResponse")
    (item,) = order.json()["orderedItem"]
    assert len(codes(item)) == 1 and len(own_barcodes(item)) == 1
    assert book(booking, proposal).json() == order.json()  # a repeat gets the same codes
    uuid = uuid_of(proposal)
    assert act(booking, "AccessCodeUpdateSimulateAction", uuid).status_code == 204
    entry = feed_entry(booking, uuid, lambda data: codes(data["orderedItem"][0]) != codes(item))
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert own_barcodes(entry["data"]["orderedItem"][0]) == own_barcodes(item)
