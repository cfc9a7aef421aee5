"""Feed page cost at different feed sizes: keyset paging must cost the same at 10^3 and 10^6 items.

Each size gets its own fresh database filled in bulk with SQL (the import path is measured elsewhere),
then pages of 500 items are read and rendered exactly as the HTTP handler does, at random depths.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openbook.bench.report import summarise
from openbook.domain.clock import to_epoch_ms
from openbook.openactive.feeds import FEEDS, PAGE_SIZE, read_page
from openbook.openactive.urls import Urls
from openbook.services.demo import demo_inventory
from openbook.services.vocabulary import shipped_vocabulary
from openbook.store.factory import build_store
from openbook.store.migrate import migrate
from openbook.store.sql_store import SqlStore
from openbook.store.urls import DatabaseUrl

PAGES_PER_SIZE = 40
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class FeedBenchResult:
    size: int
    fill_seconds: float
    page: dict[str, float]


def scratch_url(base: str, workdir: Path, size: int) -> DatabaseUrl:
    if base.startswith("postgres"):
        separator = "&" if "?" in base else "?"
        return DatabaseUrl.parse(f"{base}{separator}schema=bench_{size}_{uuid.uuid4().hex[:8]}")
    return DatabaseUrl.parse("", workdir / f"feeds-{size}")


async def _fill(store: SqlStore, size: int) -> None:
    """One series from the demo data, then ``size`` sessions in one INSERT … SELECT, already sequenced."""
    demo = demo_inventory(datetime(2030, 1, 1, tzinfo=UTC))
    series = demo.parents[0]
    await store.import_inventory(
        type(demo)(
            sellers=demo.sellers,
            places=demo.places,
            parents=(type(series)(**{**_fields(series), "opportunities": ()}),),
        )
    )
    await store.sequence_feed_changes()
    start = to_epoch_ms(datetime(2030, 1, 1, tzinfo=UTC))
    async with store.database.writing() as session:
        if session.dialect == "postgresql":
            numbers = "SELECT generate_series(1, :size) AS n"
        else:
            numbers = (
                "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :size) SELECT n FROM seq"
            )
        await session.execute(
            "INSERT INTO opportunities (identifier, kind, parent_id, seller_id, start_ms, end_ms, maximum_capacity,"
            " remaining_capacity, event_status, attendance_mode, deleted, modified)"
            f" SELECT 'bench-' || n, 'ScheduledSession', 1, 1, CAST(:start AS bigint) + n * CAST(:hour AS bigint),"
            f" CAST(:start AS bigint) + (n + 1) * CAST(:hour AS bigint), 20, 20,"
            f" 'https://schema.org/EventScheduled', 'https://schema.org/OfflineEventAttendanceMode', false, 1000 + n"
            f" FROM ({numbers}) AS numbers",
            {"size": size, "start": start, "hour": HOUR_MS},
        )


def _fields(value: object) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}  # type: ignore[attr-defined]


async def _measure_pages(store: SqlStore, size: int, rng: random.Random) -> list[float]:
    spec = FEEDS["scheduled-sessions"]
    urls = Urls.for_base("http://localhost:8000")
    activities = shipped_vocabulary()
    samples = []
    last_full_page_start = max(0, size - PAGE_SIZE)
    for _ in range(PAGES_PER_SIZE):
        after = 1000 + rng.randint(0, last_full_page_start)
        started = time.perf_counter()
        page = await read_page(spec, store, urls, activities, after)
        samples.append((time.perf_counter() - started) * 1000)
        assert len(page.items) == min(PAGE_SIZE, size - (after - 1000))
    return samples


async def bench_feed_size(
    base_url: str, workdir: Path, size: int, drop: Callable[[DatabaseUrl], Any]
) -> FeedBenchResult:
    url = scratch_url(base_url, workdir, size)
    await asyncio.to_thread(migrate, url)
    store = build_store(url)
    await store.start()
    try:
        started = time.perf_counter()
        await _fill(store, size)
        fill_seconds = time.perf_counter() - started
        rng = random.Random(size)
        await _measure_pages(store, size, rng)  # warm caches the way a live server has them
        samples = await _measure_pages(store, size, rng)
    finally:
        await store.close()
        await drop(url)
    return FeedBenchResult(size, round(fill_seconds, 2), summarise(samples))
