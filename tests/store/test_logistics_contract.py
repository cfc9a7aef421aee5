"""The Store contract for changes of logistics, on a real SQLite file and a real PostgreSQL schema:
one transaction that changes the inventory, republishes it and re-emits the Orders booked on it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from openbook.domain.inventory import OpportunityKind, ParentKind
from openbook.store.port import (
    LogisticsChange,
    NewOrder,
    OpportunityLogistics,
    OrderLine,
    UnknownOpportunity,
    UnknownPlace,
)
from openbook.store.sql_store import SqlStore
from tests.factories import START, bundle

pytestmark = pytest.mark.anyio
NOW = int(START.timestamp() * 1000) - 86_400_000
HOUR = 3_600_000


async def booked(store: SqlStore, opportunity_id: int, offer_id: int, seller_id: int, client: str, uuid: str) -> None:
    partner = await store.ensure_partner(client, client, NOW, all_sellers=True)
    line = OrderLine(1, opportunity_id, offer_id, 500, 83)
    order = NewOrder(partner.id, uuid, seller_id, [line], {}, "GBP", None, uuid, "{}")
    assert await store.place_order(order, NOW) == (False, "{}")


async def setup(store: SqlStore) -> tuple[int, int]:
    """Two partners' Orders on the first session; returns (its id, a sibling session's id)."""
    await store.import_inventory(bundle("l", sessions=2, slots=0))
    ids = await store.existing_identifiers("opportunities", ["l-session-0", "l-session-1"])
    inventory = await store.inventory_for(set(ids.values()))
    first = inventory.opportunities[ids["l-session-0"]]
    offer = inventory.parents[first.parent_id].offers[0]
    for client, uuid in (
        ("p1", "00000000-0000-4000-8000-000000000001"),
        ("p2", "00000000-0000-4000-8000-000000000002"),
    ):
        await booked(store, ids["l-session-0"], offer.id or 0, first.seller_id, client, uuid)
    await store.sequence_feed_changes()
    return ids["l-session-0"], ids["l-session-1"]


async def changes(store: SqlStore) -> dict[str, int]:
    """The latest change number of the sessions and series feeds, and how many Orders the partners' feeds hold."""
    await store.sequence_feed_changes()
    sessions = await store.opportunity_feed(OpportunityKind.SCHEDULED_SESSION, None, 100)
    series = await store.parent_feed(ParentKind.SESSION_SERIES, None, 100)
    partners = {p.client_id: p.id for p in await store.partners()}
    orders = sum([len(await store.orders_feed(partners[c], None, 100)) for c in ("p1", "p2")])
    return {
        "sessions": max(e.change_number for e in sessions.entries),
        "series": max(e.change_number for e in series.entries),
        "orders": orders,
    }


async def test_a_new_time_republishes_the_opportunity_and_reemits_its_orders(store: SqlStore) -> None:
    first, _ = await setup(store)
    seen: list[OpportunityLogistics] = []

    def later(current: OpportunityLogistics) -> LogisticsChange:
        seen.append(current)
        return LogisticsChange(start_ms=current.start_ms + HOUR, end_ms=current.end_ms + HOUR)

    before = await changes(store)
    assert before["orders"] == 0  # new Orders are not in the feed until they change
    assert await store.change_logistics(first, None, later, NOW) == 2
    assert seen[-1].name == "Yoga" and seen[-1].place_identifier == "l-place"
    after = await changes(store)
    assert after["orders"] == 2 and after["sessions"] > before["sessions"] and after["series"] == before["series"]
    sessions = await store.opportunity_feed(OpportunityKind.SCHEDULED_SESSION, None, 100)
    moved = {e.id: e for e in sessions.entries}[first].value
    assert moved is not None and moved.start == START + timedelta(hours=1)
    assert moved.end == START + timedelta(hours=2)


async def test_a_new_name_or_place_belongs_to_the_parent_and_its_occurrences(store: SqlStore) -> None:
    first, sibling = await setup(store)
    before = await store.opportunity_feed(OpportunityKind.SCHEDULED_SESSION, None, 100)
    last = max(e.change_number for e in before.entries)
    assert await store.change_logistics(first, None, lambda _: LogisticsChange(name="Evening Yoga"), NOW) == 2
    await store.sequence_feed_changes()
    after = await store.opportunity_feed(OpportunityKind.SCHEDULED_SESSION, last, 100)
    assert {e.id for e in after.entries} == {first, sibling}
    series = await store.parent_feed(ParentKind.SESSION_SERIES, None, 100)
    assert [e.value.name for e in series.entries if e.value is not None] == ["Evening Yoga"]


async def test_refusals_and_unknowns_change_nothing(store: SqlStore) -> None:
    first, _ = await setup(store)
    seller = (await store.inventory_for({first})).opportunities[first].seller_id
    before = await changes(store)

    def refuse(_: OpportunityLogistics) -> LogisticsChange:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        await store.change_logistics(first, None, refuse, NOW)
    with pytest.raises(UnknownOpportunity):
        await store.change_logistics(first, seller + 1, lambda _: LogisticsChange(name="Mine"), NOW)
    with pytest.raises(UnknownOpportunity):
        await store.change_logistics(999_999, None, lambda _: LogisticsChange(name="Mine"), NOW)
    with pytest.raises(UnknownPlace):  # the name given with it is not kept either
        await store.change_logistics(first, None, lambda _: LogisticsChange(name="X", place_identifier="none"), NOW)
    assert await store.change_logistics(first, None, lambda _: LogisticsChange(), NOW) == 0
    assert await changes(store) == before
    series = await store.parent_feed(ParentKind.SESSION_SERIES, None, 100)
    assert [e.value.name for e in series.entries if e.value is not None] == ["Yoga"]
