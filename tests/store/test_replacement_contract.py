"""The Store contract for Replacement, on a real SQLite file and a real PostgreSQL schema: a replaced place
takes a place on its new opportunity and frees the old one, all or nothing."""

from __future__ import annotations

import pytest

from openbook.store.port import CapacityShortfall, ItemChange, OrderChange, StoredOrder
from openbook.store.sql_store import SqlStore
from tests.store.test_logistics_contract import NOW, setup

pytestmark = pytest.mark.anyio
FIRST_ORDER = "00000000-0000-4000-8000-000000000001"


async def remaining(store: SqlStore, *ids: int) -> list[int]:
    view = await store.inventory_for(set(ids))
    return [view.opportunities[i].remaining_capacity for i in ids]


async def test_a_replaced_place_moves_with_its_capacity(store: SqlStore) -> None:
    first, sibling = await setup(store)
    partner = await store.partner("p1")
    assert partner is not None
    assert await remaining(store, first, sibling) == [8, 10]

    def move(_: StoredOrder) -> OrderChange:
        return OrderChange({1: ItemChange(opportunity_id=sibling)})

    order = await store.change_order(partner.id, FIRST_ORDER, move, NOW)
    assert [i.opportunity_id for i in order.items] == [sibling]
    assert await remaining(store, first, sibling) == [9, 9]
    await store.sequence_feed_changes()
    assert len(await store.orders_feed(partner.id, None, 10)) == 1


async def test_no_place_on_the_new_opportunity_changes_nothing(store: SqlStore) -> None:
    first, sibling = await setup(store)
    partner = await store.partner("p1")
    assert partner is not None
    while await store.take_capacity(sibling, 1) is not None:
        pass
    with pytest.raises(CapacityShortfall):
        await store.change_order(
            partner.id, FIRST_ORDER, lambda _: OrderChange({1: ItemChange(opportunity_id=sibling)}), NOW
        )
    order = await store.order(partner.id, FIRST_ORDER)
    assert order is not None and [i.opportunity_id for i in order.items] == [first]
    assert await remaining(store, first, sibling) == [8, 0]
