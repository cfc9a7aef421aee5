"""Booking throughput and latency: C2 and B against a real `openbook serve` (granian, one worker per core),
with realistic OpenActive bodies and 64 concurrent connections, next to a parse-and-echo endpoint of the
same server as the baseline.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import msgspec

from openbook.bench.loadgen import LoadResult, request_bytes, run_load
from openbook.bench.report import summarise
from openbook.domain.inventory import (
    Availability,
    InventoryBundle,
    Offer,
    OpportunityDraft,
    OpportunityKind,
    ParentDraft,
    ParentKind,
)
from openbook.domain.money import Money
from openbook.services.demo import YOGA, _places, _sellers
from openbook.services.inventory import import_inventory
from openbook.services.vocabulary import shipped_vocabulary
from openbook.store.factory import build_store
from openbook.store.migrate import migrate
from openbook.store.urls import DatabaseUrl

CONCURRENCY = 64
OPPORTUNITIES = 200
CAPACITY = 1_000_000
MEDIA_TYPE = "application/vnd.openactive.booking+json; version=1"


def bench_inventory(now: datetime) -> InventoryBundle:
    offer = Offer("bench", Money(Decimal("10.00"), "GBP"), name="Bench offer", prepayment=Availability.REQUIRED)
    start = (now + timedelta(days=2)).replace(microsecond=0)
    sessions = tuple(
        OpportunityDraft(
            f"bench-{n}",
            OpportunityKind.SCHEDULED_SESSION,
            start + timedelta(hours=n),
            start + timedelta(hours=n, minutes=45),
            CAPACITY,
        )
        for n in range(OPPORTUNITIES)
    )
    series = ParentDraft(
        "bench-series",
        ParentKind.SESSION_SERIES,
        "riverside-leisure",
        "Bench Yoga",
        (YOGA,),
        place="riverside-centre",
        offers=(offer,),
        opportunities=sessions,
    )
    return InventoryBundle(sellers=_sellers(), places=_places(), parents=(series,))


async def _load(url: DatabaseUrl) -> None:
    store = build_store(url)
    await store.start()
    try:
        await import_inventory(store, bench_inventory(datetime.now(UTC)), shipped_vocabulary())
    finally:
        await store.close()


def start_server(url: DatabaseUrl, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPENBOOK_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "openbook",
            "serve",
            "--database-url",
            url.raw,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--test-mode",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("benchmark server did not start")


class Bodies:
    """Prepared request bytes: one body per opportunity, a fresh order UUID in every path."""

    def __init__(self, base: str, host: str) -> None:
        self.base = base
        self.host = host
        self.headers = {
            "Content-Type": MEDIA_TYPE,
            "X-OpenActive-Test-Client-Id": "bench-partner",
            "X-OpenActive-Test-Seller-Id": f"{base}/api/identifiers/sellers/1",
        }

    def body(self, opportunity: int, kind: str) -> bytes:
        document: dict[str, Any] = {
            "@context": "https://openactive.io/",
            "@type": kind,
            "brokerRole": "https://openactive.io/AgentBroker",
            "broker": {
                "@type": "Organization",
                "name": "MyFitnessApp",
                "url": "https://myfitnessapp.example.com",
                "email": "bookings@myfitnessapp.example.com",
            },
            "seller": {"@type": "Organization", "@id": f"{self.base}/api/identifiers/sellers/1"},
            "customer": {
                "@type": "Person",
                "email": "geoff.capes@example.com",
                "givenName": "Geoff",
                "familyName": "Capes",
                "telephone": "020 811 8055",
            },
            "orderedItem": [
                {
                    "@type": "OrderItem",
                    "position": 0,
                    "acceptedOffer": {
                        "@type": "Offer",
                        "@id": f"{self.base}/api/identifiers/session-series/1#/offers/1",
                    },
                    "orderedItem": {
                        "@type": "ScheduledSession",
                        "@id": f"{self.base}/api/identifiers/scheduled-sessions/{opportunity + 1}",
                    },
                }
            ],
        }
        if kind == "Order":
            document["totalPaymentDue"] = {"@type": "PriceSpecification", "price": 10.00, "priceCurrency": "GBP"}
            document["payment"] = {
                "@type": "Payment",
                "identifier": "bench-payment",
                "name": "AcmeBroker Points",
                "accountId": "SN1593",
                "paymentProviderId": "STRIPE",
            }
        return msgspec.json.encode(document)

    def maker(self, path: str, kind: str, spread: bool, uuids: list[str] | None = None) -> Callable[[int], bytes]:
        """The n-th request: a fresh order UUID, or the n-th of ``uuids`` (orders already quoted)."""
        bodies = [self.body(n, kind) for n in range(OPPORTUNITIES if spread else 1)]

        def make(n: int) -> bytes:
            target = f"{path}/{uuid.uuid4() if uuids is None else uuids[n]}"
            return request_bytes("PUT", self.host, target, bodies[n % len(bodies)], self.headers)

        return make


def _figures(result: LoadResult) -> dict[str, Any]:
    ok = sum(count for status, count in result.statuses.items() if 200 <= status < 300)
    return {
        "throughput_per_s": round(result.throughput, 1),
        "ok": ok,
        "requests": result.requests,
        **summarise(result.latencies_ms),
    }


def _phases(total: int) -> tuple[int, int, int]:
    """Requests in the warm-up, the saturated run and the run at half load."""
    return min(total // 5, 500), total, total // 2


async def _scenario(port: int, make: Callable[[int], bytes], total: int) -> dict[str, Any]:
    warm, saturated_count, half_count = _phases(total)
    offset = 0

    def from_offset(n: int) -> bytes:  # each phase continues the sequence: every request of a run is new
        return make(offset + n)

    await run_load("127.0.0.1", port, from_offset, warm, CONCURRENCY)
    offset += warm
    saturated = await run_load("127.0.0.1", port, from_offset, saturated_count, CONCURRENCY)
    offset += saturated_count
    half = await run_load("127.0.0.1", port, from_offset, half_count, CONCURRENCY, rate=saturated.throughput / 2)
    figures = _figures(saturated)
    figures["p99_ms_at_half_load"] = summarise(half.latencies_ms)["p99_ms"]
    return figures


async def _quoted_first(port: int, bodies: Bodies, api: str, total: int, path: str, kind: str) -> dict[str, Any]:
    """Requests as brokers make them: every order UUID was quoted (C2, holding its places) just before, and
    the request (C2 again, or B) names the same basket. The first quotes are made up front, untimed; the
    leases outlast the run."""
    uuids = [str(uuid.uuid4()) for _ in range(sum(_phases(total)))]
    quote = bodies.maker(f"{api}/order-quotes", "OrderQuote", True, uuids)
    quotes = await run_load("127.0.0.1", port, quote, len(uuids), CONCURRENCY)
    if quotes.statuses.get(200) != len(uuids):
        raise RuntimeError(f"quotes before the run failed: {dict(quotes.statuses)}")
    return await _scenario(port, bodies.maker(f"{api}/{path}", kind, True, uuids), total)


def run_booking_benchmarks(
    url: DatabaseUrl, port: int, total: int, workers: int, echo: Callable[[str], None]
) -> dict[str, Any]:
    migrate(url)
    asyncio.run(_load(url))
    process = start_server(url, port, workers)
    base = f"http://localhost:{port}"
    bodies = Bodies(base, f"127.0.0.1:{port}")
    api = "/api/openbooking"
    results: dict[str, Any] = {}
    try:
        for name, path, kind, spread in (
            ("echo", f"{api}/test-interface/echo", "Order", True),
            ("c2", f"{api}/order-quotes", "OrderQuote", True),
            ("b_spread", f"{api}/orders", "Order", True),
            ("b_hot", f"{api}/orders", "Order", False),
        ):
            results[name] = asyncio.run(_scenario(port, bodies.maker(path, kind, spread), total))
            _print(echo, name, results[name])
        for name, path, kind in (("c2_again", "order-quotes", "OrderQuote"), ("b_quoted", "orders", "Order")):
            results[name] = asyncio.run(_quoted_first(port, bodies, api, total, path, kind))
            _print(echo, name, results[name])
    finally:
        process.terminate()
        process.wait(timeout=30)
    results["b_to_echo_ratio"] = round(results["b_spread"]["throughput_per_s"] / results["echo"]["throughput_per_s"], 3)
    results["hot_to_spread_ratio"] = round(
        results["b_hot"]["throughput_per_s"] / results["b_spread"]["throughput_per_s"], 3
    )
    echo(f"  B/echo {results['b_to_echo_ratio']:.2f}   hot/spread {results['hot_to_spread_ratio']:.2f}")
    return results


def _print(echo: Callable[[str], None], name: str, figures: dict[str, Any]) -> None:
    echo(
        f"  {name:9s} {figures['throughput_per_s']:8.1f}/s  p50 {figures['median_ms']:6.1f} ms"
        f"  p99 {figures['p99_ms']:6.1f} ms  p99@half {figures['p99_ms_at_half_load']:6.1f} ms"
        f"  ok {figures['ok']}/{figures['requests']}"
    )


def scratch(base: str, workdir: Path) -> DatabaseUrl:
    if base.startswith("postgres"):
        separator = "&" if "?" in base else "?"
        return DatabaseUrl.parse(f"{base}{separator}schema=bench_booking_{uuid.uuid4().hex[:8]}")
    return DatabaseUrl.parse("", workdir / "booking")
