"""Flows the HTTP tests repeat for every opportunity type: C1 → C2 → B, and finding a feed in the dataset site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openbook.store.urls import DatabaseUrl
from tests.support.booking import BookingClient, Opportunity, new_uuid
from tests.support.server_fixture import RunningServer

Check = Callable[[dict[str, Any], str], None]  # (document, validation mode): raises if invalid


def quote_and_book(booking: BookingClient, items: list[Opportunity], check: Check) -> tuple[str, dict[str, Any], Any]:
    """C1, C2 and B for ``items``, each response checked; returns (uuid, the C1 body, the B response)."""
    uuid = new_uuid()
    c1 = booking.c1(uuid, booking.quote_body(items))
    assert c1.status_code == 200, c1.text
    check(c1.json(), "C1Response")
    c2 = booking.c2(uuid, booking.quote_body(items, customer=True))
    assert c2.status_code == 200, c2.text
    check(c2.json(), "C2Response")
    b = booking.b(uuid, booking.order_body(items))
    assert b.status_code == 201, b.text
    return uuid, c1.json(), b


def dataset_feed(booking: BookingClient, segment: str) -> dict[str, Any]:
    """The dataset site's distribution entry for the feed at ``/feeds/{segment}``."""
    from tests.http.test_open_data import dataset_of

    server = RunningServer(booking.base_url, DatabaseUrl.parse(""), booking.client)
    (feed,) = [d for d in dataset_of(server)["distribution"] if d["contentUrl"].endswith(f"/feeds/{segment}")]
    return feed
