"""The Store contract for a lease quoted again or becoming the Order (C1, C2 then B, the brokers' usual
flow), on a real SQLite file and a real PostgreSQL schema: whatever the lease held, it or the Order then
holds exactly the new basket's places, and every place is either free or held by one live item, also
while quotes, bookings and sweeps race."""

from __future__ import annotations

import asyncio

import pytest

from openbook.store.port import CapacityShortfall, NewOrder, OrderLine
from openbook.store.sql_store import SqlStore
from tests.factories import START, bundle

pytestmark = pytest.mark.anyio
NOW = int(START.timestamp() * 1000) - 86_400_000
MINUTE = 60_000
CAPACITY = 5
CONFIRMED = "https://openactive.io/OrderItemConfirmed"


class Sessions:
    """Two sessions of CAPACITY places, one offer, one partner."""

    def __init__(self, store: SqlStore, ids: list[int], offer_id: int, seller_id: int, partner_id: int) -> None:
        self.store, self.ids, self.offer_id, self.seller_id, self.partner_id = (
            store,
            ids,
            offer_id,
            seller_id,
            partner_id,
        )

    @classmethod
    async def make(cls, store: SqlStore) -> Sessions:
        await store.import_inventory(bundle("c", sessions=2, slots=0, capacity=CAPACITY))
        found = await store.existing_identifiers("opportunities", ["c-session-0", "c-session-1"])
        ids = [found["c-session-0"], found["c-session-1"]]
        inventory = await store.inventory_for(set(ids))
        first = inventory.opportunities[ids[0]]
        offer = inventory.parents[first.parent_id].offers[0]
        partner = await store.ensure_partner("lease-partner", "Lease partner", NOW, all_sellers=True)
        return cls(store, ids, offer.id or 0, first.seller_id, partner.id)

    def lines(self, *sessions: int) -> list[OrderLine]:
        return [OrderLine(n, self.ids[s], self.offer_id, 500, 83) for n, s in enumerate(sessions, start=1)]

    async def lease(
        self, uuid: str, *sessions: int, expires_ms: int = NOW + 15 * MINUTE, quoted_before: bool = False
    ) -> set[int]:
        lines = self.lines(*sessions)
        return await self.store.replace_lease(
            self.partner_id, uuid, self.seller_id, lines, expires_ms, NOW, quoted_before=quoted_before
        )

    async def book(self, uuid: str, *sessions: int) -> tuple[bool, str]:
        order = NewOrder(self.partner_id, uuid, self.seller_id, self.lines(*sessions), {}, "GBP", None, uuid, uuid)
        return await self.store.place_order(order, NOW)

    async def remaining(self) -> list[int]:
        inventory = await self.store.inventory_for(set(self.ids))
        return [inventory.opportunities[i].remaining_capacity for i in self.ids]

    async def items(self, uuid: str) -> list[tuple[int, int, str | None]]:
        order = await self.store.order(self.partner_id, uuid)
        assert order is not None and order.kind == "Order"
        return sorted((i.line, self.ids.index(i.opportunity_id), i.status) for i in order.items)

    async def held_places(self) -> list[int]:
        """Places held by item rows (of Orders, leases and proposals) that are not cancelled, per session."""
        async with self.store.database.statement() as session:
            rows = await session.fetch_all(
                "SELECT opportunity_id FROM order_items WHERE status IS NULL OR status = :confirmed",
                {"confirmed": CONFIRMED},
            )
        return [sum(1 for row in rows if row["opportunity_id"] == i) for i in self.ids]


def uuid_of(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


BASKETS = pytest.mark.parametrize(
    ("leased", "booked", "remaining"),
    [
        ((0,), (0,), [4, 5]),  # the same basket: nothing changes hands
        ((0, 0), (0, 0), [3, 5]),
        ((0, 0), (0,), [4, 5]),  # the lease held more: the extra place is freed
        ((0,), (0, 1), [4, 4]),  # the new basket wants more: the extra place is taken
        ((0,), (1,), [5, 4]),  # another session altogether
        ((0, 1), (1, 0), [4, 4]),  # the same places, listed in another order
    ],
)


@BASKETS
async def test_a_lease_quoted_again_holds_exactly_the_new_basket(
    store: SqlStore, leased: tuple[int, ...], booked: tuple[int, ...], remaining: list[int]
) -> None:
    sessions = await Sessions.make(store)
    await sessions.lease(uuid_of(1), *leased)
    renewed = NOW + 30 * MINUTE
    granted = await sessions.lease(uuid_of(1), *booked, expires_ms=renewed, quoted_before=True)
    assert granted == set(range(1, len(booked) + 1))
    assert await sessions.remaining() == remaining
    lease = await store.order(sessions.partner_id, uuid_of(1))
    assert lease is not None and lease.kind == "OrderQuote" and lease.lease_expires_ms == renewed
    assert sorted((i.line, sessions.ids.index(i.opportunity_id), i.status) for i in lease.items) == [
        (n, s, None) for n, s in enumerate(booked, start=1)
    ]
    assert [a + b for a, b in zip(await sessions.remaining(), await sessions.held_places(), strict=True)] == [5, 5]


@BASKETS
async def test_a_lease_becomes_the_order_holding_exactly_its_places(
    store: SqlStore, leased: tuple[int, ...], booked: tuple[int, ...], remaining: list[int]
) -> None:
    sessions = await Sessions.make(store)
    assert await sessions.lease(uuid_of(1), *leased) == set(range(1, len(leased) + 1))
    assert await sessions.book(uuid_of(1), *booked) == (False, uuid_of(1))
    assert await sessions.remaining() == remaining
    assert await sessions.items(uuid_of(1)) == [(n, s, CONFIRMED) for n, s in enumerate(booked, start=1)]
    assert [a + b for a, b in zip(await sessions.remaining(), await sessions.held_places(), strict=True)] == [5, 5]
    assert await sessions.book(uuid_of(1), *booked) == (True, uuid_of(1))  # an identical repeat is replayed


async def test_a_wrong_hint_that_a_uuid_was_quoted_costs_nothing_but_time(store: SqlStore) -> None:
    sessions = await Sessions.make(store)
    assert await sessions.lease(uuid_of(1), 0, 1, quoted_before=True) == {1, 2}
    assert await sessions.remaining() == [4, 4]
    assert await sessions.lease(uuid_of(1), 1) == {1}  # quoted before, though the caller did not say so
    assert await sessions.remaining() == [5, 4]


async def test_the_lease_view_sees_this_uuids_places_and_other_live_leases_apart(store: SqlStore) -> None:
    sessions = await Sessions.make(store)
    first, second = sessions.ids
    await sessions.lease(uuid_of(1), 0, 0, 1)
    await sessions.lease(uuid_of(2), 0)
    await sessions.lease(uuid_of(3), 1, expires_ms=NOW - MINUTE)  # expired: holds nothing any more
    await sessions.book(uuid_of(4), 0)  # booked: not a lease
    view = await store.lease_view(sessions.partner_id, uuid_of(1), NOW)
    assert (view.kind, view.own) == ("OrderQuote", {first: 2, second: 1})
    assert await store.held_by_other_leases(sessions.partner_id, uuid_of(1), {first, second}, NOW) == {first: 1}
    assert await store.held_by_other_leases(sessions.partner_id, uuid_of(2), {first}, NOW) == {first: 2}
    assert await store.held_by_other_leases(sessions.partner_id, uuid_of(2), set(), NOW) == {}
    booked = await store.lease_view(sessions.partner_id, uuid_of(4), NOW)
    assert (booked.kind, booked.own) == ("Order", {})
    unknown = await store.lease_view(sessions.partner_id, uuid_of(5), NOW)
    assert (unknown.kind, unknown.own) == (None, {})
    expired = await store.lease_view(sessions.partner_id, uuid_of(3), NOW)
    assert (expired.kind, expired.own) == ("OrderQuote", {})


async def test_an_expired_lease_still_becomes_the_order_when_places_remain(store: SqlStore) -> None:
    sessions = await Sessions.make(store)
    await sessions.lease(uuid_of(1), 0, expires_ms=NOW - MINUTE)
    assert await sessions.book(uuid_of(1), 0) == (False, uuid_of(1))
    assert await sessions.remaining() == [4, 5]
    assert await sessions.items(uuid_of(1)) == [(1, 0, CONFIRMED)]


async def test_a_lease_on_a_withdrawn_opportunity_cannot_become_the_order(store: SqlStore) -> None:
    sessions = await Sessions.make(store)
    await sessions.lease(uuid_of(1), 0)
    async with store.database.writing() as session:  # withdrawn after the request was checked
        await session.execute("UPDATE opportunities SET deleted = true WHERE id = :id", {"id": sessions.ids[0]})
    with pytest.raises(CapacityShortfall):
        await sessions.book(uuid_of(1), 0)
    lease = await store.order(sessions.partner_id, uuid_of(1))
    assert lease is not None and lease.kind == "OrderQuote" and len(lease.items) == 1


async def test_racing_quotes_bookings_and_sweeps_never_lose_or_double_a_place(store: SqlStore) -> None:
    """Each round: three leases on a session, one of them expired, then at once each is booked twice, the live
    ones are quoted again, three fresh orders compete for the rest and a sweep runs: every place is free or
    held by exactly one live item, and no two operations deadlock."""
    sessions = await Sessions.make(store)
    for round_number in range(8):
        base = round_number * 100
        leased = [uuid_of(base + n) for n in range(3)]
        for n, uuid in enumerate(leased):  # the first lease has expired by the sweep's clock
            await sessions.lease(uuid, 1, expires_ms=NOW + (MINUTE if n else -MINUTE))
        outcomes = await asyncio.gather(
            *(sessions.book(uuid, 1) for uuid in leased for _ in range(2)),
            *(sessions.lease(uuid, 1) for uuid in leased[1:]),
            *(sessions.book(uuid_of(base + 50 + n), 1) for n in range(3)),
            store.reclaim_expired_leases(NOW),
            return_exceptions=True,
        )
        unexpected = [o for o in outcomes if isinstance(o, BaseException) and "CapacityShortfall" not in repr(o)]
        assert not [o for o in unexpected if "UuidTaken" not in repr(o)], unexpected
        held = await sessions.held_places()
        remaining = await sessions.remaining()
        assert [a + b for a, b in zip(remaining, held, strict=True)] == [5, 5], (round_number, remaining, held)
        for uuid in leased[1:]:  # a live lease's places are its own: it always becomes the Order
            order = await store.order(sessions.partner_id, uuid)
            assert order is not None and order.kind == "Order"
            assert [(i.line, i.status) for i in order.items] == [(1, CONFIRMED)]
        # The expired lease's places were free for anyone: booked only if it came before the others.
        expired = await store.order(sessions.partner_id, leased[0])
        assert expired is None or [(i.line, i.status) for i in expired.items] in ([(1, CONFIRMED)], [])
        async with store.database.writing() as session:
            await session.execute("DELETE FROM order_items")
            await session.execute("UPDATE opportunities SET remaining_capacity = 5")
