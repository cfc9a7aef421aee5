"""Hundreds of concurrent bookings through two real server processes sharing one database: exactly the
capacity is booked, on SQLite (two processes, one file) and on PostgreSQL (two processes, one schema)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openbook.store.urls import DatabaseUrl
from tests.factories import bundle
from tests.http.test_open_data import load
from tests.support.booking import BookingClient, new_uuid
from tests.support.server_fixture import free_port

CAPACITY = 5
REQUESTS = 240


def start_process(url: DatabaseUrl, port: int, base: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OPENBOOK_DATABASE_URL": url.raw,
        "OPENBOOK_DATA_DIR": str(data_dir),
        "OPENBOOK_BASE_URL": base,
        "OPENBOOK_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "openbook", "serve", "--port", str(port), "--test-mode"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start: {process.stderr.read().decode() if process.stderr else ''}")
        time.sleep(0.1)


@pytest.fixture
def two_servers(database_url: DatabaseUrl, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """Two `openbook serve` processes on one database; both publish @ids under the first one's URL."""
    load(database_url, bundle(sessions=0, slots=0))
    ports = [free_port(), free_port()]
    base = f"http://127.0.0.1:{ports[0]}"
    processes = []
    try:
        for port in ports:  # one after the other: the first start migrates a new SQLite file
            processes.append(start_process(database_url, port, base, tmp_path / "data"))
        yield base, [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


async def book_concurrently(
    base: str, servers: list[str], body_for: dict[str, object], collection: str = "orders"
) -> tuple[Counter[str], list[tuple[str, dict[str, Any]]]]:
    """REQUESTS concurrent B (or P, with ``collection`` "order-proposals") through both servers."""
    outcomes: Counter[str] = Counter()
    created: list[tuple[str, dict[str, Any]]] = []  # (client id, 201 body)
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        semaphore = asyncio.Semaphore(64)

        async def one(n: int) -> None:
            headers = {
                "Content-Type": "application/vnd.openactive.booking+json; version=1",
                "X-OpenActive-Test-Client-Id": f"partner-{n % 7}",
                "X-OpenActive-Test-Seller-Id": f"{base}/api/identifiers/sellers/1",
            }
            async with semaphore:
                response = await client.put(
                    f"{servers[n % 2]}/api/openbooking/{collection}/{new_uuid()}", json=body_for, headers=headers
                )
            label = str(response.status_code)
            if response.status_code == 201:
                created.append((headers["X-OpenActive-Test-Client-Id"], response.json()))
            if response.status_code != 201:
                label += " " + response.json()["@type"]
            outcomes[label] += 1

        await asyncio.gather(*(one(n) for n in range(REQUESTS)))
    return outcomes, created


def test_concurrent_bookings_never_exceed_capacity(two_servers: tuple[str, list[str]]) -> None:
    base, servers = two_servers
    with httpx.Client(base_url=servers[1], timeout=30) as client:
        booking = BookingClient(client, base)
        booking.client = httpx.Client(base_url=servers[1], timeout=30)
        target = booking.create("TestOpportunityBookableFiveSpaces")
        body = booking.order_body([target])
        outcomes, _ = asyncio.run(book_concurrently(base, servers, body))
        assert outcomes == {"201": CAPACITY, "409 OpportunityHasInsufficientCapacityError": REQUESTS - CAPACITY}
        # Both processes agree: the opportunity is full, in the feed and at C1.
        deadline = time.monotonic() + 10
        while booking.remaining(target) != 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        full = booking.c1(new_uuid(), booking.quote_body([target]))
        assert [e["@type"] for e in full.json()["orderedItem"][0]["error"]] == ["OpportunityIsFullError"]


def test_concurrent_leases_never_exceed_capacity(two_servers: tuple[str, list[str]]) -> None:
    base, servers = two_servers
    with httpx.Client(base_url=servers[0], timeout=30) as client:
        booking = BookingClient(client, base)
        target = booking.create("TestOpportunityBookableFiveSpaces")
        quote = booking.quote_body([target])

        async def lease_all() -> Counter[str]:
            outcomes: Counter[str] = Counter()
            async with httpx.AsyncClient(timeout=60) as session:

                async def one(n: int) -> None:
                    headers = {**booking.auth(), "X-OpenActive-Test-Client-Id": f"partner-{n}"}
                    response = await session.put(
                        f"{servers[n % 2]}/api/openbooking/order-quote-templates/{new_uuid()}",
                        json=quote,
                        headers=headers,
                    )
                    errors = response.json()["orderedItem"][0].get("error", [])
                    outcomes[errors[0]["@type"] if errors else "leased"] += 1

                await asyncio.gather(*(one(n) for n in range(60)))
            return outcomes

        outcomes = asyncio.run(lease_all())
        assert outcomes["leased"] == CAPACITY
        assert sum(outcomes.values()) == 60


def test_concurrent_proposals_never_exceed_capacity_and_book_once(two_servers: tuple[str, list[str]]) -> None:
    """Proposals hold places like bookings; booking each accepted proposal twice at once, through both
    servers, makes exactly one Order of it."""
    base, servers = two_servers
    with httpx.Client(base_url=servers[0], timeout=30) as client:
        booking = BookingClient(client, base)
        target = booking.create("TestOpportunityBookableFiveSpaces", flow="OpenBookingApprovalFlow")
        outcomes, proposals = asyncio.run(
            book_concurrently(
                base, servers, {**booking.order_body([target]), "@type": "OrderProposal"}, "order-proposals"
            )
        )
        assert outcomes == {"201": CAPACITY, "409 OpportunityHasInsufficientCapacityError": REQUESTS - CAPACITY}
        for client_id, proposal in proposals:
            owner = BookingClient(client, base, client_id=client_id)
            assert owner.act("SellerAcceptOrderProposalSimulateAction", str(proposal["@id"])).status_code == 204

        async def book_each_twice() -> Counter[int]:
            statuses: Counter[int] = Counter()
            async with httpx.AsyncClient(timeout=60) as session:

                async def one(n: int, client_id: str, proposal: dict[str, Any]) -> None:
                    uuid = str(proposal["@id"]).rsplit("/", 1)[1]
                    body = {"@type": "Order", "orderProposalVersion": proposal["orderProposalVersion"]}
                    if "payment" in proposal:
                        body["payment"] = {"@type": "Payment", "identifier": "payment-0001"}
                    headers = {**booking.auth(), "X-OpenActive-Test-Client-Id": client_id}
                    response = await session.put(
                        f"{servers[n % 2]}/api/openbooking/orders/{uuid}", json=body, headers=headers
                    )
                    statuses[response.status_code] += 1

                await asyncio.gather(*(one(n, c, p) for n in range(2) for c, p in proposals))
            return statuses

        assert asyncio.run(book_each_twice()) == {201: 2 * CAPACITY}
        for client_id, proposal in proposals:
            owner = BookingClient(client, base, client_id=client_id)
            uuid = str(proposal["@id"]).rsplit("/", 1)[1]
            status = owner.client.get(f"{owner.api}/orders/{uuid}", headers=owner.auth()).json()
            assert status["@type"] == "Order"
        assert booking.remaining(target) == 0
