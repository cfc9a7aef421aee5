"""The Open Booking API over real HTTP on both databases, every response checked by the official validator."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from openbook.domain.clock import FixedClock
from openbook.store.urls import DatabaseUrl
from tests.factories import bundle
from tests.http.test_open_data import load
from tests.support.booking import BookingClient, new_uuid
from tests.support.server_fixture import RunningServer, start_server

CANCELLED = "https://openactive.io/CustomerCancelled"


def eventually(check: Callable[[], Any], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def error_of(response: Any, status: int, error_type: str, oa_validator: Any) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/vnd.openactive.booking+json; version=1"
    body: dict[str, Any] = response.json()
    assert body["@type"] == error_type, body
    if error_type != "OpenBookingError":
        oa_validator.assert_valid(body, "OpenBookingError")
    return body


def item_errors(body: dict[str, Any]) -> list[list[str]]:
    return [[e["@type"] for e in item.get("error", [])] for item in body["orderedItem"]]


def test_simple_flow_end_to_end(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create()
    uuid = new_uuid()
    c1 = booking.c1(uuid, booking.quote_body([opportunity]))
    assert c1.status_code == 200, c1.text
    oa_validator.assert_valid(c1.json(), "C1Response")
    assert c1.json()["@id"].endswith(f"/order-quotes/{uuid}")
    assert "leaseExpires" in c1.json()["lease"]
    c2 = booking.c2(uuid, booking.quote_body([opportunity], customer=True))
    assert c2.status_code == 200, c2.text
    oa_validator.assert_valid(c2.json(), "C2Response")
    assert c2.json()["orderedItem"][0]["orderedItem"]["remainingAttendeeCapacity"] == 10
    b = booking.b(uuid, booking.order_body([opportunity]))
    assert b.status_code == 201, b.text
    order = b.json()
    oa_validator.assert_valid(order, "BResponse")
    assert b.headers["location"] == f"{booking.api}/orders/{uuid}"
    assert order["orderedItem"][0]["orderItemStatus"] == "https://openactive.io/OrderItemConfirmed"
    assert order["totalPaymentDue"]["price"] == opportunity.price
    assert eventually(lambda: booking.remaining(opportunity) == 9)
    assert booking.orders_feed() == []  # an Order joins the feed only once it changes

    status = booking.client.get(f"{booking.api}/orders/{uuid}", headers=booking.auth())
    assert status.status_code == 200
    oa_validator.assert_valid(status.json(), "OrderStatus")

    item_id = order["orderedItem"][0]["@id"]
    assert booking.cancel(uuid, [item_id]).status_code == 204
    assert booking.cancel(uuid, [item_id]).status_code == 204  # repeating a cancellation is fine
    feed = eventually(booking.orders_feed)
    (entry,) = feed
    assert entry["id"] == uuid and entry["kind"] == "Order"
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert entry["data"]["orderedItem"][0]["orderItemStatus"] == CANCELLED
    assert entry["data"]["totalPaymentDue"]["price"] == 0
    assert eventually(lambda: booking.remaining(opportunity) == 10)

    assert booking.client.delete(f"{booking.api}/orders/{uuid}", headers=booking.auth()).status_code == 204
    assert booking.client.delete(f"{booking.api}/orders/{uuid}", headers=booking.auth()).status_code == 204
    tombstone = eventually(lambda: [e for e in booking.orders_feed() if e["state"] == "deleted"])
    assert tombstone[0]["id"] == uuid and "data" not in tombstone[0]
    gone = booking.client.get(f"{booking.api}/orders/{uuid}", headers=booking.auth())
    error_of(gone, 410, "GoneError", oa_validator)
    reused = booking.b(uuid, booking.order_body([opportunity]))
    error_of(reused, 500, "OrderAlreadyExistsError", oa_validator)


def test_b_is_durably_idempotent(booking: BookingClient, database_url: DatabaseUrl, oa_validator: Any) -> None:
    opportunity = booking.create()
    uuid = new_uuid()
    body = booking.order_body([opportunity])
    first = booking.b(uuid, body)
    assert first.status_code == 201
    reordered = dict(reversed(list(body.items())))
    again = booking.b(uuid, reordered)
    assert again.status_code == 201 and again.content == first.content
    # Another server process on the same database (as after a restart) replays the same bytes.
    for server in start_server(database_url, public_base=booking.base_url, test_mode=True):
        replay = BookingClient(server.client, booking.base_url)
        replayed = server.client.put(f"/api/openbooking/orders/{uuid}", json=body, headers=replay.auth())
        assert replayed.status_code == 201
        assert replayed.content == first.content
    different = booking.order_body([opportunity, opportunity])
    error_of(booking.b(uuid, different), 500, "OrderAlreadyExistsError", oa_validator)
    # The same UUID under other credentials is another order entirely.
    other = BookingClient(booking.client, booking.base_url, client_id="booking-partner-2")
    assert other.b(uuid, body).status_code == 201
    assert eventually(lambda: booking.remaining(opportunity) == 8)


def test_rejected_b_does_not_use_up_the_uuid(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create()
    uuid = new_uuid()
    wrong_total = booking.order_body([opportunity], total=opportunity.price + 1)
    error_of(booking.b(uuid, wrong_total), 400, "TotalPaymentDueMismatchError", oa_validator)
    no_payment = booking.order_body([opportunity])
    del no_payment["payment"]
    error_of(booking.b(uuid, no_payment), 400, "MissingPaymentDetailsError", oa_validator)
    no_identifier = booking.order_body([opportunity], payment={"@type": "Payment", "name": "Points"})
    error_of(booking.b(uuid, no_identifier), 400, "IncompletePaymentDetailsError", oa_validator)
    assert booking.b(uuid, booking.order_body([opportunity])).status_code == 201


def test_free_opportunity_takes_no_payment(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create("TestOpportunityBookableFree")
    body = booking.order_body([opportunity], payment={"@type": "Payment", "identifier": "x"})
    error_of(booking.b(new_uuid(), body), 400, "UnnecessaryPaymentDetailsError", oa_validator)
    response = booking.b(new_uuid(), booking.order_body([opportunity]))
    assert response.status_code == 201
    oa_validator.assert_valid(response.json(), "BResponse")
    assert "payment" not in response.json()


def test_full_opportunity_is_refused_with_item_errors(booking: BookingClient, oa_validator: Any) -> None:
    full = booking.create("TestOpportunityBookableNoSpaces")
    response = booking.c1(new_uuid(), booking.quote_body([full]))
    assert response.status_code == 409
    oa_validator.assert_valid(response.json(), "C1ResponseOrderItemError")
    assert item_errors(response.json()) == [["OpportunityIsFullError"]]
    assert response.json()["orderedItem"][0]["orderedItem"]["remainingAttendeeCapacity"] == 0
    b = booking.b(new_uuid(), booking.order_body([full]))
    assert b.status_code == 409


def test_opportunity_in_the_past_is_not_bookable(booking: BookingClient, oa_validator: Any) -> None:
    past = booking.create("TestOpportunityBookableInPast")
    response = booking.c2(new_uuid(), booking.quote_body([past], customer=True))
    assert response.status_code == 409
    oa_validator.assert_valid(response.json(), "C2ResponseOrderItemError")
    assert item_errors(response.json()) == [["OpportunityOfferPairNotBookableError"]]
    b = booking.b(new_uuid(), booking.order_body([past]))
    assert b.status_code == 409
    oa_validator.assert_valid(b.json(), "BResponseOrderItemError")


def test_capacity_errors_are_shared_out_as_the_spec_says(booking: BookingClient, oa_validator: Any) -> None:
    five = booking.create("TestOpportunityBookableFiveSpaces")
    other = BookingClient(booking.client, booking.base_url, client_id="booking-partner-2")
    assert other.c1(new_uuid(), other.quote_body([five])).status_code == 200  # another basket holds 1
    response = booking.c1(new_uuid(), booking.quote_body([five] * 9))
    assert response.status_code == 409
    oa_validator.assert_valid(response.json(), "C1ResponseOrderItemError")
    errors = item_errors(response.json())
    assert errors[:4] == [[], [], [], []]
    assert errors[4:5] == [["OpportunityCapacityIsReservedByLeaseError"]]
    assert errors[5:] == [["OpportunityHasInsufficientCapacityError"]] * 4
    # The price covers the items that could be had, but a basket with errors holds no places.
    assert response.json()["totalPaymentDue"]["price"] == 4 * five.price
    assert "lease" not in response.json()
    assert eventually(lambda: booking.remaining(five) == 4)


def test_leases_hold_capacity_until_deleted(booking: BookingClient) -> None:
    one = booking.create("TestOpportunityBookableOneSpace")
    holder = new_uuid()
    assert booking.c1(holder, booking.quote_body([one])).status_code == 200
    assert eventually(lambda: booking.remaining(one) == 0)
    other = BookingClient(booking.client, booking.base_url, client_id="booking-partner-2")
    blocked = other.c1(new_uuid(), other.quote_body([one]))
    assert item_errors(blocked.json()) == [["OpportunityCapacityIsReservedByLeaseError"]]
    # Repeating C1 for the same UUID does not count its own lease against it.
    assert booking.c1(holder, booking.quote_body([one])).status_code == 200
    assert booking.client.delete(f"{booking.api}/order-quotes/{holder}", headers=booking.auth()).status_code == 204
    assert booking.client.delete(f"{booking.api}/order-quotes/{holder}", headers=booking.auth()).status_code == 204
    assert eventually(lambda: booking.remaining(one) == 1)
    assert other.c1(new_uuid(), other.quote_body([one])).status_code == 200


def test_leases_expire_at_their_instant(database_url: DatabaseUrl) -> None:
    """With an injected clock: a lease stops holding capacity the moment it expires, job or no job."""
    load(database_url, bundle(sessions=0, slots=0))
    clock = FixedClock(datetime.now(UTC))
    for server in start_server(database_url, clock=clock, test_mode=True, lease_duration=timedelta(minutes=15)):
        booking = BookingClient(server.client, server.base_url)
        one = booking.create("TestOpportunityBookableOneSpace")
        first = booking.c1(new_uuid(), booking.quote_body([one]))
        expires = datetime.fromisoformat(first.json()["lease"]["leaseExpires"])
        assert expires == (clock.now() + timedelta(minutes=15)).replace(microsecond=0) or expires > clock.now()
        other = BookingClient(booking.client, booking.base_url, client_id="booking-partner-2")
        clock.advance(timedelta(minutes=14, seconds=59))
        assert item_errors(other.c1(new_uuid(), other.quote_body([one])).json()) == [
            ["OpportunityCapacityIsReservedByLeaseError"]
        ]
        clock.advance(timedelta(seconds=2))
        assert other.b(new_uuid(), other.order_body([one])).status_code == 201
        assert eventually(lambda client=booking, taken=one: client.remaining(taken) == 0)


@pytest.mark.parametrize(
    ("mutate", "status", "error_type"),
    [
        (lambda b: b.pop("broker"), 400, "IncompleteBrokerDetailsError"),
        (lambda b: b.pop("brokerRole"), 400, "IncompleteBrokerDetailsError"),
        (lambda b: b.update(brokerRole="https://openactive.io/NoBroker"), 400, "IncompleteBrokerDetailsError"),
        (lambda b: b.pop("customer"), 400, "IncompleteCustomerDetailsError"),
        (lambda b: b["customer"].pop("email"), 400, "IncompleteCustomerDetailsError"),
        (lambda b: b.update({"@type": "Order"}), 500, "UnexpectedOrderTypeError"),
        (lambda b: b.pop("seller"), 500, "SellerMismatchError"),
        (lambda b: b.update(seller={"@id": "https://elsewhere.example.com/sellers/1"}), 500, "SellerNotFoundError"),
    ],
)
def test_c2_whole_request_errors(
    booking: BookingClient, oa_validator: Any, mutate: Any, status: int, error_type: str
) -> None:
    opportunity = booking.create()
    body = booking.quote_body([opportunity], customer=True)
    mutate(body)
    uuid = new_uuid()
    error_of(booking.c2(uuid, body), status, error_type, oa_validator)
    # Nothing was leased by the refused request.
    assert eventually(lambda: booking.remaining(opportunity) == 10)


def test_item_errors_for_bad_references(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create()
    body = booking.quote_body([opportunity] * 5)
    items = body["orderedItem"]
    del items[0]["acceptedOffer"]
    items[1]["orderedItem"]["@id"] = "https://elsewhere.example.com/events/1"
    items[2]["orderedItem"]["@id"] = opportunity.id.rsplit("/", 1)[0] + "/999999"
    items[3]["acceptedOffer"]["@id"] = opportunity.offer_id.rsplit("/", 1)[0] + "/999999"
    response = booking.c1(new_uuid(), body)
    assert response.status_code == 409
    # Unresolvable items can only echo the references sent, so only the resolvable one is validated in full.
    resolved = {**response.json(), "orderedItem": response.json()["orderedItem"][4:]}
    oa_validator.assert_valid(resolved, "C1Response")
    assert [i["orderedItem"] for i in response.json()["orderedItem"][1:4]] == [i["orderedItem"] for i in items[1:4]]
    assert item_errors(response.json()) == [
        ["IncompleteOrderItemError"],
        ["InvalidOpportunityOrOfferIdError"],
        ["UnknownOpportunityError"],
        ["UnknownOfferError"],
        [],
    ]


def test_seller_restrictions(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create()
    body = booking.quote_body([opportunity])
    error_of(booking.c1(new_uuid(), body, seller=2), 401, "InvalidAuthorizationDetailsError", oa_validator)


@pytest.mark.parametrize(
    ("method", "path", "headers", "content", "status", "error_type"),
    [
        ("GET", "/ordeeeers/abc", {}, None, 404, "UnknownOrIncorrectEndpointError"),
        ("PUT", "/ordeeeers/abc", {}, None, 404, "UnknownOrIncorrectEndpointError"),
        ("POST", "/orders/{uuid}", {}, b"{}", 405, "MethodNotAllowedError"),
        ("PUT", "/orders/not-a-uuid", {}, b"{}", 400, "OpenBookingError"),
        ("PUT", "/orders/{uuid}", {"Content-Type": "text/plain"}, b"{}", 415, "OpenBookingError"),
        ("PUT", "/orders/{uuid}", {}, b"{not json", 400, "OpenBookingError"),
        ("PUT", "/orders/{uuid}", {}, b"[1, 2]", 400, "OpenBookingError"),
        ("PUT", "/orders/{uuid}", {}, b" " * 300_000, 413, "OpenBookingError"),
        ("DELETE", "/orders/{uuid}", {}, None, 404, "UnknownOrderError"),
        ("GET", "/orders/{uuid}", {}, None, 404, "UnknownOrderError"),
        ("PATCH", "/orders/{uuid}", {}, b'{"@type": "Order", "orderedItem": []}', 400, "OpenBookingError"),
    ],
)
def test_protocol_errors(
    booking: BookingClient,
    oa_validator: Any,
    method: str,
    path: str,
    headers: dict[str, str],
    content: bytes | None,
    status: int,
    error_type: str,
) -> None:
    url = booking.api + path.replace("{uuid}", new_uuid())
    response = booking.client.request(method, url, content=content, headers={**booking.auth(), **headers})
    error_of(response, status, error_type, oa_validator)


def test_no_credentials_is_refused(booking: BookingClient, oa_validator: Any) -> None:
    response = booking.client.get(f"{booking.api}/orders-rpde")
    error_of(response, 403, "UnauthenticatedError", oa_validator)


def test_cancellation_errors(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create("TestOpportunityBookableNotCancellable")
    uuid = new_uuid()
    order = booking.b(uuid, booking.order_body([opportunity])).json()
    item_id = order["orderedItem"][0]["@id"]
    error_of(booking.cancel(uuid, [item_id]), 400, "CancellationNotPermittedError", oa_validator)
    other_uuid = new_uuid()
    error_of(
        booking.cancel(uuid, [item_id.replace(uuid, other_uuid)]), 500, "OrderItemNotWithinOrderError", oa_validator
    )
    error_of(booking.cancel(uuid, [item_id.rsplit("/", 1)[0] + "/99"]), 500, "OrderItemIdInvalidError", oa_validator)
    error_of(booking.cancel(uuid, ["https://example.com/nope"]), 500, "OrderItemIdInvalidError", oa_validator)
    wrong_status = booking.cancel(uuid, [item_id]).request
    body = {
        "@type": "Order",
        "orderedItem": [
            {"@type": "OrderItem", "@id": item_id, "orderItemStatus": "https://openactive.io/SellerCancelled"}
        ],
    }
    response = booking.client.patch(wrong_status.url, json=body, headers=booking.auth())
    error_of(response, 400, "PatchNotAllowedOnPropertyError", oa_validator)
    body = {
        "@type": "Order",
        "customer": {},
        "orderedItem": [{"@type": "OrderItem", "@id": item_id, "orderItemStatus": CANCELLED}],
    }
    response = booking.client.patch(wrong_status.url, json=body, headers=booking.auth())
    error_of(response, 400, "PatchContainsExcessivePropertiesError", oa_validator)
    error_of(booking.cancel(new_uuid(), [item_id]), 500, "OrderItemNotWithinOrderError", oa_validator)


def test_seller_cancellation_reaches_the_orders_feed(booking: BookingClient, oa_validator: Any) -> None:
    opportunity = booking.create()
    uuid = new_uuid()
    assert booking.b(uuid, booking.order_body([opportunity])).status_code == 201
    action = {
        "@context": ["https://openactive.io/", "https://openactive.io/test-interface"],
        "@type": "test:SellerRequestedCancellationWithMessageSimulateAction",
        "object": {"@type": "Order", "@id": f"{booking.api}/orders/{uuid}"},
    }
    response = booking.client.post(f"{booking.api}/test-interface/actions", json=action, headers=booking.auth())
    assert response.status_code == 204, response.text
    (entry,) = eventually(booking.orders_feed)
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    item = entry["data"]["orderedItem"][0]
    assert item["orderItemStatus"] == "https://openactive.io/SellerCancelled"
    assert item["cancellationMessage"]
    other = BookingClient(booking.client, booking.base_url, client_id="booking-partner-2")
    assert other.orders_feed() == []  # partners never see each other's orders


def test_test_interface_is_absent_outside_test_mode(server: RunningServer) -> None:
    response = server.client.delete("/api/openbooking/test-interface/datasets/x")
    assert response.status_code == 404
    assert response.json()["@type"] == "UnknownOrIncorrectEndpointError"


def test_offers_needing_approval_are_refused_at_b(booking: BookingClient, oa_validator: Any) -> None:
    """The reference implementation lets a direct B bypass approval; openbook refuses it."""
    needs_approval = booking.create(flow="OpenBookingApprovalFlow")
    quote = booking.c1(new_uuid(), booking.quote_body([needs_approval]))
    assert quote.status_code == 200
    assert quote.json()["orderRequiresApproval"] is True
    response = booking.b(new_uuid(), booking.order_body([needs_approval]))
    assert response.status_code == 409
    oa_validator.assert_valid(response.json(), "BResponseOrderItemError")
    assert item_errors(response.json()) == [["OpportunityOfferPairNotBookableError"]]
    assert "approval" in response.json()["orderedItem"][0]["error"][0]["description"]
