"""A broker polling the orders feed while two server processes book, cancel and delete concurrently sees
the final state of every order: no change number is ever committed behind its position."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.concurrency.test_no_overbooking import two_servers  # noqa: F401  (fixture)
from tests.support.booking import MEDIA_TYPE, BookingClient, Opportunity, new_uuid

PARTNER = "feed-poller"
OPPORTUNITIES = 6  # TestOpportunityBookable has 10 places each
CANCELLED = "https://openactive.io/CustomerCancelled"


async def change_orders(
    base: str, servers: list[str], booking: BookingClient, targets: list[Opportunity]
) -> dict[str, str]:
    """Book every place, then cancel each order and delete every third; returns uuid -> expected final state."""
    expected: dict[str, str] = {}
    headers = {
        "Content-Type": MEDIA_TYPE,
        "X-OpenActive-Test-Client-Id": PARTNER,
        "X-OpenActive-Test-Seller-Id": f"{base}/api/identifiers/sellers/1",
    }
    semaphore = asyncio.Semaphore(32)
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64)) as client:

        async def one(n: int, target: Opportunity) -> None:
            uuid = new_uuid()
            api = f"{servers[n % 2]}/api/openbooking/orders/{uuid}"
            async with semaphore:
                booked = await client.put(api, json=booking.order_body([target]), headers=headers)
                assert booked.status_code == 201, booked.text
                item = booked.json()["orderedItem"][0]["@id"]
                cancel = {
                    "@context": "https://openactive.io/",
                    "@type": "Order",
                    "orderedItem": [{"@type": "OrderItem", "@id": item, "orderItemStatus": CANCELLED}],
                }
                api = f"{servers[(n + 1) % 2]}/api/openbooking/orders/{uuid}"  # the other process
                assert (await client.patch(api, json=cancel, headers=headers)).status_code == 204
                expected[uuid] = "cancelled"
                if n % 3 == 0:
                    assert (await client.delete(api, headers=headers)).status_code == 204
                    expected[uuid] = "deleted"

        await asyncio.gather(*(one(n, targets[n // 10]) for n in range(10 * len(targets))))
    return expected


async def poll(
    servers: list[str], headers: dict[str, str], done: asyncio.Event, done_at: list[float]
) -> dict[str, dict[str, Any]]:
    """Follow `next` links from the start until the writers are done and the feed is drained."""
    seen: dict[str, dict[str, Any]] = {}
    url = f"{servers[0]}/api/openbooking/orders-rpde"
    last = -1
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(timeout=60) as client:
        drained_after_done = False
        while not drained_after_done:
            # Finished once an empty page is read a second after the writers' last acknowledgement: by
            # then both sequencers (every 200 ms) have numbered every committed change.
            finished = done.is_set() and loop.time() - done_at[0] > 1.0
            page = (await client.get(url, headers=headers)).json()
            for item in page["items"]:
                assert item["modified"] > last, "the feed went backwards"
                last = item["modified"]
                seen[item["id"]] = item
            # Alternate processes: both must number changes consistently.
            url = page["next"].replace(servers[0], servers[1]) if url.startswith(servers[0]) else page["next"]
            if not page["items"]:
                drained_after_done = finished
                await asyncio.sleep(0.02)
    return seen


def test_a_polling_broker_never_misses_an_order_change(two_servers: tuple[str, list[str]]) -> None:  # noqa: F811
    base, servers = two_servers
    with httpx.Client(base_url=servers[0], timeout=30) as client:
        booking = BookingClient(client, base, client_id=PARTNER)
        targets = [booking.create("TestOpportunityBookable") for _ in range(OPPORTUNITIES)]
        headers = booking.auth()

        async def run() -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
            done, done_at = asyncio.Event(), [0.0]
            poller = asyncio.create_task(poll(servers, headers, done, done_at))
            try:
                expected = await change_orders(base, servers, booking, targets)
            finally:
                done_at[0] = asyncio.get_running_loop().time()
                done.set()
            return expected, await poller

        expected, seen = asyncio.run(run())
    assert len(expected) == 10 * OPPORTUNITIES
    assert set(seen) == set(expected)
    for uuid, state in expected.items():
        item = seen[uuid]
        if state == "deleted":
            assert item["state"] == "deleted" and "data" not in item, item
        else:
            assert item["state"] == "updated", item
            assert item["data"]["orderedItem"][0]["orderItemStatus"] == CANCELLED
