"""OAuth2 client credentials over real HTTP on both databases: the token endpoint, bearer tokens on every
Open Booking API call, seller authorisation, suspension, secret reset, and revocation in the orders feed."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from click.testing import CliRunner

from openbook.cli import main
from openbook.domain.clock import FixedClock
from openbook.domain.inventory import InventoryBundle
from openbook.store.urls import DatabaseUrl
from tests.factories import START, bundle
from tests.http.test_booking import error_of, eventually
from tests.http.test_open_data import load
from tests.support.booking import MEDIA_TYPE, BookingClient, Opportunity, new_uuid
from tests.support.server_fixture import RunningServer, start_server

FORM = "application/x-www-form-urlencoded"


def cli(url: DatabaseUrl, *args: str) -> str:
    result = CliRunner().invoke(main, [*args[:2], "--database-url", url.raw, *args[2:]], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def add_partner(url: DatabaseUrl, name: str, *sellers: str) -> tuple[str, str]:
    seller_args = [arg for seller in sellers for arg in ("--seller", seller)]
    output = cli(url, "clients", "add", name, "--json", *seller_args)
    credentials = json.loads(output.strip().splitlines()[0])
    return credentials["client_id"], credentials["client_secret"]


@dataclass
class World:
    server: RunningServer
    url: DatabaseUrl
    clock: FixedClock
    client_id: str
    secret: str

    @property
    def http(self) -> httpx.Client:
        return self.server.client

    def token_response(self, client_id: str | None = None, secret: str | None = None, **form: str) -> httpx.Response:
        basic = base64.b64encode(f"{client_id or self.client_id}:{secret or self.secret}".encode()).decode()
        return self.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", **form},
            headers={"Authorization": f"Basic {basic}"},
        )

    def token(self, client_id: str | None = None, secret: str | None = None, **form: str) -> str:
        response = self.token_response(client_id, secret, **form)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def booking(self, token: str, seller: int = 1) -> BookingClient:
        client = BookingClient(self.http, self.server.base_url, seller=seller)
        client.headers = {"Authorization": f"Bearer {token}"}
        return client


def cancellable(inventory: InventoryBundle) -> InventoryBundle:
    """The factory bundle with offers a customer may cancel (so an order can change and join the feed)."""
    parents = tuple(
        replace(p, offers=tuple(replace(o, allow_customer_cancellation_full_refund=True) for o in p.offers))
        for p in inventory.parents
    )
    return replace(inventory, parents=parents)


@pytest.fixture
def world(database_url: DatabaseUrl) -> Iterator[World]:
    load(database_url, cancellable(bundle("a", sessions=3, slots=0)))
    load(database_url, cancellable(bundle("b", sessions=3, slots=0)))
    client_id, secret = add_partner(database_url, "App One", "a-seller")
    clock = FixedClock(START - timedelta(days=2))
    for server in start_server(database_url, clock=clock):
        yield World(server, database_url, clock, client_id, secret)


def first_session(booking: BookingClient, prefix: str) -> Opportunity:
    """The first session imported with this identifier prefix (one per seller in these tests)."""
    for item in eventually(lambda: booking.feed_items("scheduled-sessions")):
        if item["state"] == "updated" and item["data"]["identifier"].startswith(f"{prefix}-"):
            return booking.describe(item["data"]["@id"], "ScheduledSession")
    raise AssertionError(f"no session named {prefix}-…")


def book(booking: BookingClient, opportunity: Opportunity) -> dict[str, Any]:
    uuid = new_uuid()
    c1 = booking.c1(uuid, booking.quote_body([opportunity]))
    assert c1.status_code == 200, c1.text
    assert booking.c2(uuid, booking.quote_body([opportunity], customer=True)).status_code == 200
    response = booking.b(uuid, booking.order_body([opportunity]))
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    order["uuid"] = uuid
    return order


def test_client_credentials_token_books_and_reads_the_orders_feed(world: World, oa_validator: Any) -> None:
    response = world.token_response()
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert body["scope"] == "openactive-openbooking openactive-ordersfeed"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["https://openactive.io/clientId"] == world.client_id
    assert claims["aud"] == "openbooking"

    booking = world.booking(body["access_token"])
    order = book(booking, first_session(booking, "a"))
    oa_validator.assert_valid({k: v for k, v in order.items() if k != "uuid"}, "BResponse")
    status = world.http.get(f"{booking.api}/orders/{order['uuid']}", headers=booking.auth())
    assert status.status_code == 200
    assert booking.cancel(order["uuid"], [order["orderedItem"][0]["@id"]]).status_code == 204
    feed = eventually(lambda: booking.orders_feed())
    assert [item["id"] for item in feed] == [order["uuid"]]


def test_client_secret_post_works_and_one_method_only(world: World) -> None:
    form = {"grant_type": "client_credentials", "client_id": world.client_id, "client_secret": world.secret}
    assert world.http.post("/oauth/token", data=form).status_code == 200
    basic = base64.b64encode(f"{world.client_id}:{world.secret}".encode()).decode()
    both = world.http.post("/oauth/token", data=form, headers={"Authorization": f"Basic {basic}"})
    assert both.status_code == 400
    assert both.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": ""}, 400, "unsupported_grant_type"),
        ({"scope": "admin"}, 400, "invalid_scope"),
        ({"scope": " "}, 400, "invalid_scope"),
    ],
)
def test_token_endpoint_refusals(world: World, change: dict[str, str], status: int, error: str) -> None:
    form = dict(change)
    credentials = {key: form.pop(key) for key in ("client_id", "secret") if key in form}
    response = world.token_response(**credentials, **form)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


def test_token_endpoint_refuses_malformed_requests(world: World) -> None:
    url = "/oauth/token"
    no_grant = world.http.post(url, data={"client_id": world.client_id, "client_secret": world.secret})
    assert no_grant.json()["error"] == "invalid_request"
    as_json = world.http.post(url, json={"grant_type": "client_credentials"})
    assert (as_json.status_code, as_json.json()["error"]) == (400, "invalid_request")
    repeated = world.http.post(
        url, content="grant_type=client_credentials&grant_type=client_credentials", headers={"Content-Type": FORM}
    )
    assert (repeated.status_code, repeated.json()["error"]) == (400, "invalid_request")
    bad_basic = world.http.post(
        url, data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic not-base64!"}
    )
    assert (bad_basic.status_code, bad_basic.json()["error"]) == (401, "invalid_client")
    oversized = world.http.post(url, content="a=" + "x" * 5000, headers={"Content-Type": FORM})
    assert oversized.status_code == 400
    assert world.http.get(url).status_code == 405


def test_bearer_token_refusals(world: World, oa_validator: Any) -> None:
    booking = world.booking(world.token())
    session = first_session(booking, "a")
    body = booking.quote_body([session])
    api = booking.api

    def c1(headers: dict[str, str]) -> httpx.Response:
        return world.http.put(f"{api}/order-quote-templates/{new_uuid()}", json=body, headers=headers)

    plain = {"Content-Type": MEDIA_TYPE}
    error_of(c1(plain), 403, "UnauthenticatedError", oa_validator)
    # Test headers mean nothing outside test mode.
    error_of(c1({**plain, "X-OpenActive-Test-Client-Id": world.client_id}), 403, "UnauthenticatedError", oa_validator)
    error_of(c1({**plain, "Authorization": "Basic abc"}), 401, "InvalidAPITokenError", oa_validator)
    error_of(c1({**plain, "Authorization": "Bearer not.a.jwt"}), 401, "InvalidAPITokenError", oa_validator)
    real = world.token()
    kid = jwt.get_unverified_header(real)["kid"]
    claims = jwt.decode(real, options={"verify_signature": False})
    forged = jwt.encode(claims, "x" * 64, algorithm="HS256", headers={"kid": kid})
    error_of(c1({**plain, "Authorization": f"Bearer {forged}"}), 401, "InvalidAPITokenError", oa_validator)
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": kid})
    error_of(c1({**plain, "Authorization": f"Bearer {unsigned}"}), 401, "InvalidAPITokenError", oa_validator)
    feed_only = world.token(scope="openactive-ordersfeed")
    error_of(c1({**plain, "Authorization": f"Bearer {feed_only}"}), 401, "InvalidAPITokenError", oa_validator)
    assert world.http.get(f"{api}/orders-rpde", headers={"Authorization": f"Bearer {feed_only}"}).status_code == 200
    error_of(
        world.http.get(
            f"{api}/orders-rpde", headers={"Authorization": f"Bearer {world.token(scope='openactive-openbooking')}"}
        ),
        401,
        "InvalidAPITokenError",
        oa_validator,
    )
    assert c1({**plain, "Authorization": f"Bearer {real}"}).status_code == 200
    # Nothing refused above took a lease: the one accepted C1 holds the only place taken.
    assert eventually(lambda: booking.remaining(session) == 9)
    world.clock.advance(timedelta(minutes=15))
    error_of(c1({**plain, "Authorization": f"Bearer {real}"}), 401, "InvalidAPITokenError", oa_validator)


def test_sellers_the_partner_may_not_book_for_are_refused(world: World, oa_validator: Any) -> None:
    booking = world.booking(world.token())
    other = first_session(booking, "b")
    booking.seller = 2
    response = booking.c1(new_uuid(), booking.quote_body([other]))
    error_of(response, 401, "InvalidAuthorizationDetailsError", oa_validator)


def test_revoking_a_seller_turns_its_orders_into_feed_tombstones(world: World) -> None:
    booking = world.booking(world.token())
    order = book(booking, first_session(booking, "a"))
    booking.cancel(order["uuid"], [order["orderedItem"][0]["@id"]])
    assert eventually(lambda: [i["state"] for i in booking.orders_feed()] == ["updated"])

    cli(world.url, "clients", "revoke", world.client_id, "a-seller")
    # The feed keeps each order's latest state: the order now reads as deleted, with no data.
    assert eventually(lambda: [i["state"] for i in booking.orders_feed()] == ["deleted"])
    assert "data" not in booking.orders_feed()[0]
    cli(world.url, "clients", "authorise", world.client_id, "a-seller")
    assert eventually(lambda: [i["state"] for i in booking.orders_feed()] == ["updated"])


def test_suspension_closes_booking_but_not_the_orders_feed(world: World, oa_validator: Any) -> None:
    token = world.token()
    booking = world.booking(token)
    session = first_session(booking, "a")
    cli(world.url, "clients", "suspend", world.client_id)
    error_of(booking.c1(new_uuid(), booking.quote_body([session])), 401, "InvalidAPITokenError", oa_validator)
    assert world.http.get(f"{booking.api}/orders-rpde", headers=booking.auth()).status_code == 200
    assert world.token_response().json()["scope"] == "openactive-ordersfeed"
    assert world.token_response(scope="openactive-openbooking").json()["error"] == "invalid_scope"
    cli(world.url, "clients", "resume", world.client_id)
    assert booking.c1(new_uuid(), booking.quote_body([session])).status_code == 200


def test_reset_secret_keeps_the_orders_and_retires_the_old_secret(world: World) -> None:
    booking = world.booking(world.token())
    order = book(booking, first_session(booking, "a"))
    output = cli(world.url, "clients", "reset-secret", world.client_id, "--json")
    new_secret = json.loads(output.strip().splitlines()[0])["client_secret"]
    assert world.token_response().status_code == 401
    fresh = world.booking(world.token(secret=new_secret))
    assert world.http.get(f"{fresh.api}/orders/{order['uuid']}", headers=fresh.auth()).status_code == 200


def test_partners_never_see_each_others_orders(world: World, oa_validator: Any) -> None:
    booking = world.booking(world.token())
    order = book(booking, first_session(booking, "a"))
    other_id, other_secret = add_partner(world.url, "App Two", "a-seller")
    other = world.booking(world.token(other_id, other_secret))
    status = world.http.get(f"{other.api}/orders/{order['uuid']}", headers=other.auth())
    error_of(status, 404, "UnknownOrderError", oa_validator)
    cancel = other.cancel(order["uuid"], [order["orderedItem"][0]["@id"]])
    error_of(cancel, 404, "UnknownOrderError", oa_validator)
    # The same UUID is free for the other partner: UUIDs are per credentials.
    session = first_session(other, "a")
    assert other.c1(order["uuid"], other.quote_body([session])).status_code == 200
