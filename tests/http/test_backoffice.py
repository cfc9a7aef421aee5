"""The seller back office over real HTTP on both databases: staff keys, their own seller's orders only,
and the seller's actions reaching the booking partner's orders feed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from openbook.store.urls import DatabaseUrl
from tests.factories import bundle
from tests.http.test_auth import cli
from tests.http.test_booking import eventually
from tests.http.test_open_data import load
from tests.support.booking import BookingClient, new_uuid
from tests.support.server_fixture import start_server

OA = "https://openactive.io/"
API = "/backoffice/api"


@dataclass
class Office:
    http: httpx.Client
    url: DatabaseUrl
    sellers: dict[str, BookingClient]  # booking partner clients, one per seller
    keys: dict[str, str]  # seller identifier -> a staff key

    def call(self, method: str, path: str, seller: str = "a-seller", **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[seller]}", **kw.pop("headers", {})}
        return self.http.request(method, f"{API}{path}", headers=headers, **kw)


def staff_key(url: DatabaseUrl, seller: str) -> str:
    output = cli(url, "staff", "add", seller, f"Staff of {seller}", "--json")
    return str(json.loads(output.strip().splitlines()[0])["key"])


@pytest.fixture
def office(database_url: DatabaseUrl) -> Iterator[Office]:
    load(database_url, bundle("a", sessions=0, slots=0))
    load(database_url, bundle("b", sessions=0, slots=0))
    keys = {seller: staff_key(database_url, seller) for seller in ("a-seller", "b-seller")}
    for server in start_server(database_url, test_mode=True):
        sellers = {
            "a-seller": BookingClient(server.client, server.base_url, client_id="app-1", seller=1),
            "b-seller": BookingClient(server.client, server.base_url, client_id="app-1", seller=2),
        }
        yield Office(server.client, database_url, sellers, keys)


def book(client: BookingClient) -> str:
    uuid = new_uuid()
    response = client.b(uuid, client.order_body([client.create()]))
    assert response.status_code == 201, response.text
    return uuid


def listed(office: Office, seller: str = "a-seller") -> list[dict[str, Any]]:
    response = office.call("GET", "/orders", seller)
    assert response.status_code == 200, response.text
    orders: list[dict[str, Any]] = response.json()["orders"]
    return orders


def test_staff_see_only_their_sellers_orders(office: Office) -> None:
    mine, theirs = book(office.sellers["a-seller"]), book(office.sellers["b-seller"])
    lease = new_uuid()
    client = office.sellers["a-seller"]
    assert client.c1(lease, client.quote_body([client.create()])).status_code == 200  # a quote is not a booking
    (order,) = listed(office)
    assert order["uuid"] == mine
    assert order["bookingPartner"]["clientId"] == "app-1"
    assert order["customer"]["email"] == "geoff.capes@example.com"
    assert [i["status"] for i in order["items"]] == [OA + "OrderItemConfirmed"]
    assert order["totalDue"] == "10.00"
    assert [o["uuid"] for o in listed(office, "b-seller")] == [theirs]
    other_id = listed(office, "b-seller")[0]["id"]
    assert office.call("GET", f"/orders/{other_id}").json()["error"]["code"] == "order_not_found"
    assert office.call("POST", f"/orders/{other_id}/cancellation", json={}).status_code == 404
    assert office.call("GET", "/orders/abc").status_code == 404
    page = office.call("GET", f"/orders?after={order['id']}").json()
    assert page["orders"] == [] and page["next"].endswith(f"after={order['id']}&limit=50")
    assert office.call("GET", "/orders?after=-1").json()["error"]["code"] == "invalid_query"


def test_keys_are_required_valid_and_revocable(office: Office) -> None:
    assert office.http.get(f"{API}/orders").json()["error"]["code"] == "missing_key"
    wrong = office.http.get(f"{API}/orders", headers={"Authorization": "Bearer sk_wrong"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "invalid_key")
    staff_id = next(line.split("\t")[0] for line in cli(office.url, "staff", "list").splitlines() if "a-seller" in line)
    cli(office.url, "staff", "revoke", staff_id)
    assert office.call("GET", "/orders").json()["error"]["code"] == "invalid_key"
    assert office.call("GET", "/orders", "b-seller").status_code == 200


def test_seller_cancellation_frees_the_place_and_reaches_the_feed(office: Office, oa_validator: Any) -> None:
    client = office.sellers["a-seller"]
    opportunity = client.create()
    uuid = new_uuid()
    assert client.b(uuid, client.order_body([opportunity])).status_code == 201
    (order,) = listed(office)
    message = "The pool is closed for repairs; you will be refunded."
    response = office.call("POST", f"/orders/{order['id']}/cancellation", json={"message": message})
    assert response.status_code == 200, response.text
    assert response.json()["items"][0]["status"] == OA + "SellerCancelled"
    assert response.json()["totalDue"] == "0.00"
    (entry,) = eventually(client.orders_feed)
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert entry["data"]["orderedItem"][0]["cancellationMessage"] == message
    assert eventually(lambda: client.remaining(opportunity) == 10)
    again = office.call("POST", f"/orders/{order['id']}/cancellation", json={})
    assert again.status_code == 200  # nothing left to cancel: harmless


def test_register_and_notices(office: Office, oa_validator: Any) -> None:
    client = office.sellers["a-seller"]
    book(client)
    (order,) = listed(office)
    path = f"/orders/{order['id']}"
    bad = office.call("POST", f"{path}/attendance", json={"attended": "yes"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_attendance")
    assert office.call("POST", f"{path}/attendance", json={"attended": False}).json()["items"][0]["status"] == (
        OA + "AttendeeAbsent"
    )
    corrected = office.call("POST", f"{path}/attendance", json={"attended": True})
    assert corrected.json()["items"][0]["status"] == OA + "AttendeeAttended"
    refused = office.call("POST", f"{path}/cancellation", json={})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "unable_to_process_order_item")
    notice = office.call("POST", f"{path}/notices", json={"notice": "Thanks for coming!"})
    assert notice.json()["items"][0]["customerNotice"] == "Thanks for coming!"
    (entry,) = eventually(lambda: [e for e in client.orders_feed() if "customerNotice" in str(e)])
    oa_validator.assert_valid(entry["data"], "OrdersFeed")
    assert office.call("POST", f"{path}/notices", json={"notice": " "}).json()["error"]["code"] == "invalid_notice"
    text = office.call("POST", f"{path}/notices", content=b"hi", headers={"Content-Type": "text/plain"})
    assert (text.status_code, text.json()["error"]["code"]) == (415, "unsupported_media_type")
    broken = office.call("POST", f"{path}/notices", content=b"{", headers={"Content-Type": "application/json"})
    assert (broken.status_code, broken.json()["error"]["code"]) == (400, "invalid_json")


def propose(client: BookingClient, criterion: str = "TestOpportunityBookable") -> dict[str, Any]:
    uuid = new_uuid()
    opportunity = client.create(criterion, flow="OpenBookingApprovalFlow")
    response = client.p(uuid, client.order_body([opportunity]))
    assert response.status_code == 201, response.text
    proposal: dict[str, Any] = response.json()
    return proposal


def test_staff_decide_their_sellers_proposals(office: Office, oa_validator: Any) -> None:
    client = office.sellers["a-seller"]
    negotiable, plain = propose(client, "TestOpportunityBookableWithNegotiation"), propose(client)
    theirs = propose(office.sellers["b-seller"])
    by_uuid = {order["uuid"]: order for order in listed(office)}
    negotiable_id = by_uuid[negotiable["@id"].rsplit("/", 1)[1]]["id"]
    plain_id = by_uuid[plain["@id"].rsplit("/", 1)[1]]["id"]
    assert by_uuid[negotiable["@id"].rsplit("/", 1)[1]]["proposal"]["status"] == OA + "AwaitingSellerConfirmation"
    theirs_id = next(o["id"] for o in listed(office, "b-seller") if theirs["@id"].endswith(o["uuid"]))

    def decide(order_id: int, seller: str = "a-seller", **body: Any) -> httpx.Response:
        return office.call("POST", f"/orders/{order_id}/decision", seller, json=body)

    assert decide(theirs_id, decision="accept").status_code == 404  # another seller's proposal
    assert decide(plain_id, decision="maybe").json()["error"]["code"] == "invalid_decision"
    assert decide(plain_id, decision="accept", note=" ").json()["error"]["code"] == "invalid_note"
    refused = decide(plain_id, decision="amend")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "decision_not_allowed")

    amended = decide(negotiable_id, decision="amend", note="We can offer the 7pm class instead.")
    assert amended.status_code == 200, amended.text
    assert amended.json()["proposal"]["version"] not in negotiable["orderProposalVersion"]
    assert decide(negotiable_id, decision="accept").json()["proposal"]["status"] == OA + "SellerAccepted"
    twice = decide(negotiable_id, decision="accept")
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "decision_not_allowed")
    assert decide(plain_id, decision="reject").json()["proposal"]["status"] == OA + "SellerRejected"
    assert decide(plain_id, decision="amend").json()["error"]["code"] == "decision_not_allowed"

    entries = eventually(lambda: len(client.proposals_feed()) >= 2 and client.proposals_feed())
    for entry in entries:
        oa_validator.assert_valid(entry["data"], "OrderProposalsFeed")
    notes = {e["data"]["orderProposalStatus"]: e["data"].get("orderSellerNote") for e in entries}
    assert notes[OA + "SellerAccepted"] == "We can offer the 7pm class instead."
    booked = book(client)
    booked_id = next(o["id"] for o in listed(office) if o["uuid"] == booked)
    assert decide(booked_id, decision="accept").json()["error"]["code"] == "not_a_proposal"
