"""The Store contract: one suite, run against a real SQLite file and a real PostgreSQL schema."""

from __future__ import annotations

import asyncio
import random

import pytest

from openbook.domain.inventory import OpportunityKind, ParentKind
from openbook.importing.problems import ImportRejected
from openbook.services.inventory import import_inventory
from openbook.services.vocabulary import shipped_vocabulary
from openbook.store.factory import build_store
from openbook.store.port import IdentifierConflict
from openbook.store.sql_store import SqlStore
from openbook.store.urls import DatabaseUrl
from tests.factories import bundle

pytestmark = pytest.mark.anyio


async def feed_ids(store: SqlStore, kind: OpportunityKind) -> dict[int, tuple[int, int | None]]:
    """Read a whole opportunity feed in small pages: id -> (change number, remaining capacity or None)."""
    seen: dict[int, tuple[int, int | None]] = {}
    after = None
    while True:
        page = await store.opportunity_feed(kind, after, 3)
        if not page.entries:
            return seen
        for entry in page.entries:
            assert entry.id not in seen or seen[entry.id][0] < entry.change_number
            seen[entry.id] = (entry.change_number, None if entry.value is None else entry.value.remaining_capacity)
        after = page.entries[-1].change_number


async def test_import_stores_everything(store: SqlStore) -> None:
    summary = await store.import_inventory(bundle())
    assert (summary.sellers, summary.places, summary.parents, summary.offers, summary.opportunities) == (1, 1, 3, 3, 11)
    counts = await store.counts()
    assert counts == {"sellers": 1, "places": 1, "parents": 3, "opportunities": 11, "offers": 3}
    (seller,) = await store.sellers()
    assert seller.identifier == "t-seller" and seller.address is not None and seller.address.postal_code == "AB1 2CD"


async def test_import_is_all_or_nothing(store: SqlStore) -> None:
    await store.import_inventory(bundle("a"))
    before = await store.counts()
    clash = bundle("b")
    clash = type(clash)(sellers=clash.sellers, places=clash.places, parents=clash.parents + bundle("a").parents[:1])
    with pytest.raises(IdentifierConflict) as conflict:
        await store.import_inventory(clash)
    assert conflict.value.identifiers == ["a-series"]
    assert await store.counts() == before


async def test_import_service_refuses_broken_references_and_stores_nothing(store: SqlStore) -> None:
    good = bundle("c")
    series = good.parents[0]
    broken = type(good)(
        sellers=good.sellers,
        places=good.places,
        parents=(
            type(series)(
                **{**_fields(series), "seller": "nobody", "concepts": ("https://example.com/not-an-activity",)}
            ),
            *good.parents[1:],
            good.parents[1],
        ),
    )
    with pytest.raises(ImportRejected) as rejected:
        await import_inventory(store, broken, shipped_vocabulary())
    messages = [str(p) for p in rejected.value.problems]
    assert any("seller" in m and "nobody" in m for m in messages), messages
    assert any("activity list" in m for m in messages), messages
    assert any("more than once" in m for m in messages), messages
    assert (await store.counts())["sellers"] == 0


def _fields(value: object) -> dict[str, object]:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}  # type: ignore[attr-defined]


async def test_existing_identifiers_are_resolved_across_imports(store: SqlStore) -> None:
    await store.import_inventory(bundle("d"))
    found = await store.existing_identifiers("sellers", ["d-seller", "unknown"])
    assert list(found) == ["d-seller"]
    with pytest.raises(ValueError, match="unknown table"):
        await store.existing_identifiers("sellers; DROP TABLE sellers", ["x"])


async def test_feeds_show_nothing_until_sequenced_then_everything_once(store: SqlStore) -> None:
    await store.import_inventory(bundle(sessions=7))
    assert (await store.opportunity_feed(OpportunityKind.SCHEDULED_SESSION, None, 100)).entries == []
    assert await store.sequence_feed_changes() == 3 + 13
    assert await store.sequence_feed_changes() == 0
    sessions = await feed_ids(store, OpportunityKind.SCHEDULED_SESSION)
    assert len(sessions) == 7 and all(remaining == 10 for _, remaining in sessions.values())
    parents = await store.parent_feed(ParentKind.SESSION_SERIES, None, 10)
    (entry,) = parents.entries
    assert entry.value is not None and entry.value.offers[0].price.currency == "GBP"
    assert parents.sellers[entry.value.seller_id].name == "t Leisure"
    slots = await store.opportunity_feed(OpportunityKind.FACILITY_USE_SLOT, None, 10)
    assert [offer.identifier for offer in slots.offers_by_parent[slots.entries[0].value.parent_id]] == ["adult"]  # type: ignore[union-attr]


async def test_a_change_moves_the_item_to_the_end_of_its_feed(store: SqlStore) -> None:
    await store.import_inventory(bundle(sessions=3))
    await store.sequence_feed_changes()
    before = await feed_ids(store, OpportunityKind.SCHEDULED_SESSION)
    first = min(before)
    assert await store.take_capacity(first, 3) == 7
    await store.sequence_feed_changes()
    after = await feed_ids(store, OpportunityKind.SCHEDULED_SESSION)
    assert after[first][1] == 7
    assert after[first][0] > max(number for number, _ in before.values())


async def test_capacity_is_never_taken_beyond_what_remains(store: SqlStore) -> None:
    await store.import_inventory(bundle(sessions=1, capacity=5))
    (opportunity_id,) = (await store.existing_identifiers("opportunities", ["t-session-0"])).values()
    results = await asyncio.gather(*(store.take_capacity(opportunity_id, 1) for _ in range(40)))
    assert sorted(r for r in results if r is not None) == [0, 1, 2, 3, 4]
    assert await store.take_capacity(opportunity_id, 1) is None
    assert await store.return_capacity(opportunity_id, 2) == 2
    assert await store.return_capacity(opportunity_id, 50) == 5  # never above the maximum
    with pytest.raises(ValueError, match="at least 1"):
        await store.take_capacity(opportunity_id, 0)


async def test_the_database_itself_refuses_overbooking(store: SqlStore) -> None:
    await store.import_inventory(bundle(sessions=1, capacity=1))
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        async with store.database.writing() as session:
            await session.execute("UPDATE opportunities SET remaining_capacity = -1")


async def test_deleted_inventory_becomes_tombstones(store: SqlStore) -> None:
    await store.import_inventory(bundle(sessions=3))
    await store.sequence_feed_changes()
    assert await store.delete_inventory(["t-series"], ["t-slot-0", "t-slot-0", "missing"]) == 1 + 3 + 1
    assert await store.delete_inventory(["t-series"], []) == 0  # already withdrawn
    await store.sequence_feed_changes()
    sessions = await feed_ids(store, OpportunityKind.SCHEDULED_SESSION)
    assert len(sessions) == 3 and all(remaining is None for _, remaining in sessions.values())
    (series,) = (await store.parent_feed(ParentKind.SESSION_SERIES, None, 10)).entries
    assert series.value is None
    slots = await feed_ids(store, OpportunityKind.FACILITY_USE_SLOT)
    assert sorted(remaining is None for _, remaining in slots.values()) == [False, False, True]
    (withdrawn,) = (await store.existing_identifiers("opportunities", ["t-session-0"])).values()
    assert await store.take_capacity(withdrawn, 1) is None  # withdrawn inventory cannot be booked


async def test_a_polling_reader_never_misses_a_final_state(database_url: DatabaseUrl) -> None:
    """Writers on two store instances (two 'processes'), a sequencer on each, and a reader polling the feed
    throughout: once writing stops, the reader's view of every item equals the database's."""
    stores = [build_store(database_url) for _ in range(2)]
    for each in stores:
        await each.start()
    try:
        await stores[0].import_inventory(bundle(sessions=20, capacity=50))
        ids = list(
            (await stores[0].existing_identifiers("opportunities", [f"t-session-{n}" for n in range(20)])).values()
        )
        stop = asyncio.Event()
        view: dict[int, int | None] = {}
        position: list[int | None] = [None]

        async def writer(store: SqlStore, seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(60):
                target = rng.choice(ids)
                if rng.random() < 0.6:
                    await store.take_capacity(target, rng.randint(1, 3))
                else:
                    await store.return_capacity(target, rng.randint(1, 3))

        async def sequencer(store: SqlStore) -> None:
            while not stop.is_set():
                await store.sequence_feed_changes()
                await asyncio.sleep(0.001)

        async def poll_once() -> None:
            page = await stores[1].opportunity_feed(OpportunityKind.SCHEDULED_SESSION, position[0], 7)
            for entry in page.entries:
                view[entry.id] = None if entry.value is None else entry.value.remaining_capacity
            if page.entries:
                position[0] = page.entries[-1].change_number

        async def reader() -> None:
            while not stop.is_set():
                await poll_once()

        background = [asyncio.create_task(t) for t in (sequencer(stores[0]), sequencer(stores[1]), reader())]
        await asyncio.gather(*(writer(stores[n % 2], n) for n in range(6)))
        stop.set()
        await asyncio.gather(*background)
        await stores[0].sequence_feed_changes()
        for _ in range(10):
            await poll_once()
        async with stores[0].database.reading() as session:
            rows = await session.fetch_all(
                "SELECT id, remaining_capacity FROM opportunities WHERE kind = 'ScheduledSession'"
            )
        assert view == {row["id"]: row["remaining_capacity"] for row in rows}
    finally:
        for each in stores:
            await each.close()
