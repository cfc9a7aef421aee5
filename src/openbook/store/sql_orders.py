"""Order-book half of the Store: leases, orders, the orders feed. SQL shared by both databases.

Capacity moves only through ``_take`` and ``_give_back``: conditional single-row updates, taken in
ascending opportunity order so concurrent transactions cannot deadlock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from openbook.domain.inventory import Opportunity, OpportunityKind, Place, Seller
from openbook.store import schema
from openbook.store.database import (
    Database,
    Row,
    Session,
    StatementAbandoned,
    bound_id_list,
    id_list,
    id_list_value,
)
from openbook.store.port import (
    CapacityShortfall,
    InventoryView,
    LeaseView,
    NewOrder,
    OrderChange,
    OrderFeedEntry,
    OrderLine,
    ProposalChange,
    StoredItem,
    StoredOrder,
    UnknownOrder,
    UuidTaken,
)
from openbook.store.records import (
    access_codes_text,
    access_from,
    access_passes_text,
    json_text,
    json_value,
    offer_from,
    opportunity_from,
    parent_from,
    place_from,
    seller_from,
)

QUOTE, PROPOSAL, ORDER, DELETED = "OrderQuote", "OrderProposal", "Order", "Deleted"
CONFIRMED = "https://openactive.io/OrderItemConfirmed"
AWAITING = "https://openactive.io/AwaitingSellerConfirmation"
V = TypeVar("V")
_Inserted = TypeVar("_Inserted")
CANCELLED = ("https://openactive.io/CustomerCancelled", "https://openactive.io/SellerCancelled")
# Rows whose items hold places until ``lease_expires_ms``: leases, and rejected proposals whose hold lapses.
_HOLDING = "('OrderQuote', 'OrderProposal')"
_HOLDER_VANISHED_RETRIES = 3


class OrderStoreMixin:
    database: Database

    # ---- inventory as booking sees it ----------------------------------------------------------------

    async def inventory_for(self, opportunity_ids: set[int], *, include_deleted: bool = False) -> InventoryView:
        """The opportunities with their parents, offers, sellers and places: one statement (one snapshot,
        no explicit transaction, one round trip on PostgreSQL), a row per opportunity and offer.
        Withdrawn opportunities are left out unless ``include_deleted`` (to show what was booked)."""
        if not opportunity_ids:
            return InventoryView({}, {}, {}, {})
        async with self.database.statement() as session:
            ids, ids_value = bound_id_list(session.dialect, "ids", opportunity_ids)
            rows = await session.fetch_tuples(
                (_INVENTORY_ANY if include_deleted else _INVENTORY) + ids, {"ids": ids_value}
            )
        opportunities: dict[int, Opportunity] = {}
        parent_rows: dict[int, tuple[Any, ...]] = {}
        offers: dict[int, dict[int, tuple[Any, ...]]] = {}
        sellers: dict[int, Seller] = {}
        places: dict[int, Place] = {}
        for row in rows:
            opportunity, parent, seller, place, offer = (row[a:b] for a, b in _INVENTORY_SLICES)
            if opportunity[0] not in opportunities:
                opportunities[opportunity[0]] = opportunity_from(
                    dict(zip(_INVENTORY_NAMES[0], opportunity, strict=True))
                )
            parent_rows[parent[0]] = parent
            if offer[0] is not None:
                offers.setdefault(parent[0], {})[offer[0]] = offer
            sellers[seller[0]] = _converted(seller_from, 2, seller)
            if place[0] is not None:
                places[place[0]] = _converted(place_from, 3, place)
        parents = {}
        for parent_id, parent in parent_rows.items():
            parent_offers = tuple(
                _converted(offer_from, 4, offer) for _, offer in sorted(offers.get(parent_id, {}).items())
            )
            parents[parent_id] = _converted(parent_from, 1, parent, parent_offers)
        return InventoryView(opportunities, parents, sellers, places)

    async def seller_by_id(self, seller_id: int) -> Seller | None:
        async with self.database.reading() as session:
            row = await session.fetch_one("SELECT * FROM sellers WHERE id = :id", {"id": seller_id})
        return None if row is None else seller_from(row)

    # ---- leases --------------------------------------------------------------------------------------

    async def lease_view(self, partner_id: int, uuid: str, now_ms: int) -> LeaseView:
        # One statement (one snapshot), found through the (partner, uuid) key: the first row says what this
        # uuid is, the others are its live lease's items. Nothing here grows with an opportunity's bookings.
        async with self.database.statement() as session:
            rows = await session.fetch_tuples(
                "SELECT kind, NULL FROM orders WHERE partner_id = :p AND uuid = :u"
                " UNION ALL SELECT NULL, oi.opportunity_id FROM orders o JOIN order_items oi ON oi.order_id = o.id"
                " WHERE o.partner_id = :p AND o.uuid = :u AND o.kind = 'OrderQuote' AND o.lease_expires_ms > :now",
                {"p": partner_id, "u": uuid, "now": now_ms},
            )
        kind = next((str(kind) for kind, _ in rows if kind is not None), None)
        return LeaseView(kind, dict(Counter(int(held) for _, held in rows if held is not None)))

    async def held_by_other_leases(
        self, partner_id: int, uuid: str, opportunity_ids: set[int], now_ms: int
    ) -> dict[int, int]:
        # Each item's order is looked up by its key (a subquery per item, which no planner turns into a
        # join): PostgreSQL would otherwise plan the join from the orders table's statistics, which while it
        # grows from empty (a new server, a burst of leases) make it scan every order (16 ms at 6,000 orders).
        if not opportunity_ids:
            return {}
        async with self.database.statement() as session:
            ids, ids_value = bound_id_list(session.dialect, "ids", opportunity_ids)
            rows = await session.fetch_tuples(
                "SELECT oi.opportunity_id FROM order_items oi WHERE oi.opportunity_id IN"
                f" {ids} AND (SELECT NOT (o.partner_id = :p AND o.uuid = :u) FROM orders o WHERE o.id = oi.order_id"
                " AND o.kind = 'OrderQuote' AND o.lease_expires_ms > :now)",
                {"p": partner_id, "u": uuid, "now": now_ms, "ids": ids_value},
            )
        return dict(Counter(int(opportunity_id) for (opportunity_id,) in rows))

    async def replace_lease(
        self,
        partner_id: int,
        uuid: str,
        seller_id: int,
        lines: list[OrderLine],
        expires_ms: int,
        now_ms: int,
        test_dataset: str | None = None,
        *,
        quoted_before: bool = False,
    ) -> set[int]:
        """Make this uuid's lease hold exactly ``lines`` (as many as capacity allows, in line order).

        Returns the lines granted. Raises UuidTaken if the uuid is already an order, proposal or deleted.
        ``quoted_before`` (the uuid was a lease when the caller last looked) skips, on PostgreSQL, the
        statement for a new uuid, which would find it taken; a wrong hint costs only that round trip.
        """
        lease = _lease_params(partner_id, uuid, seller_id, expires_ms, now_ms, test_dataset)
        if (
            lines
            and self.database.dialect == "postgresql"
            and (
                (not quoted_before and await self._place_in_one_statement(lease, lines, None))
                or await self._keep_lease_items_in_one_statement(_LEASE_RENEWED, lease, lines, None)
            )
        ):
            return {line.line for line in lines}
        async with self.database.writing() as session:
            order_id, new = await self._claim(session, lease)
            wanted = Counter(line.opportunity_id for line in lines)
            if (
                not new
                and not session.lock_rows
                and lines
                and await self._keep_same_basket(session, order_id, _LEASE_RENEWED, lease, lines, None)
            ):
                return {line.line for line in lines}
            if new:  # a new lease holds nothing yet
                await self._lock(session, set(wanted))
            else:
                await self._lock(session, set(wanted), held_by=order_id)
                await self._release_items(session, order_id)
            await self._reclaim_expired(session, now_ms, set(wanted))
            granted_per_opportunity: dict[int, int] = {}
            for opportunity_id in sorted(wanted):
                granted_per_opportunity[opportunity_id] = await self._take_up_to(
                    session, opportunity_id, wanted[opportunity_id]
                )
            granted: list[OrderLine] = []
            for line in lines:
                if granted_per_opportunity.get(line.opportunity_id, 0) > 0:
                    granted_per_opportunity[line.opportunity_id] -= 1
                    granted.append(line)
            await self._insert_items(session, order_id, granted, status=None)
            if not new:
                await session.execute(
                    "UPDATE orders SET lease_expires_ms = :e, updated_ms = :t, seller_id = :s WHERE id = :id",
                    {"e": expires_ms, "t": now_ms, "s": seller_id, "id": order_id},
                )
        return {line.line for line in granted}

    async def release_lease(self, partner_id: int, uuid: str) -> None:
        async with self.database.writing() as session:
            row = await session.fetch_one(
                "SELECT id FROM orders WHERE partner_id = :p AND uuid = :u AND kind = 'OrderQuote'" + session.lock_rows,
                {"p": partner_id, "u": uuid},
            )
            if row is not None:
                await self._lock(session, set(), held_by=row["id"])
                await self._release_items(session, row["id"])
                await session.execute("DELETE FROM orders WHERE id = :id", {"id": row["id"]})

    async def reclaim_expired_leases(self, now_ms: int) -> int:
        """Return expired leases' places and forget their customers (personal data ends with the lease)."""
        async with self.database.writing() as session:
            expired = await session.fetch_all(
                "SELECT DISTINCT oi.opportunity_id FROM order_items oi JOIN orders o ON o.id = oi.order_id"
                f" WHERE o.kind IN {_HOLDING} AND o.lease_expires_ms <= :now",
                {"now": now_ms},
            )
            opportunity_ids = {row["opportunity_id"] for row in expired}
            await self._lock(session, opportunity_ids)
            returned = await self._reclaim_expired(session, now_ms, opportunity_ids)
            # The sweep holds opportunity locks, so it must not wait for an orders row (a B or C2 holding one
            # waits for those opportunities: a deadlock). A lease being booked or quoted again is skipped.
            skip_locked = " FOR UPDATE SKIP LOCKED" if session.lock_rows else ""
            await session.execute(
                "DELETE FROM orders WHERE id IN (SELECT id FROM orders WHERE kind = 'OrderQuote' AND lease_expires_ms"
                " <= :now AND NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = orders.id)"
                f"{skip_locked})",
                {"now": now_ms},
            )
        return returned

    async def _reclaim_expired(self, session: Session, now_ms: int, opportunity_ids: set[int] | None) -> int:
        """Delete expired lease items (on ``opportunity_ids``, or everywhere) and give their places back.

        Callers hold the row locks of those opportunities (``_lock``), so a concurrent sweep cannot
        return the same places twice: the DELETE … RETURNING decides who reclaimed each item.
        """
        condition, params = "", dict[str, Any](now=now_ms)
        if opportunity_ids is not None:
            if not opportunity_ids:
                return 0
            # SQLite: the unary plus makes it find expired leases through the lease-expiry index (few rows),
            # not through the opportunity index, which also lists every booked item (thousands on a popular
            # session). PostgreSQL's planner would answer it with a full scan of order_items instead.
            plus = "+" if session.dialect == "sqlite" else ""
            condition = f" AND {plus}oi.opportunity_id IN {id_list(session.dialect, 'ids')}"
            params["ids"] = id_list_value(session.dialect, sorted(opportunity_ids))
        rows = await session.fetch_all(
            "DELETE FROM order_items WHERE id IN (SELECT oi.id FROM orders o JOIN order_items oi ON oi.order_id = o.id"
            f" WHERE o.lease_expires_ms <= :now AND o.kind IN {_HOLDING}{condition}) RETURNING opportunity_id",
            params,
        )
        if rows:
            await self._give_back(session, Counter(row["opportunity_id"] for row in rows))
        return len(rows)

    async def _lock(self, session: Session, opportunity_ids: set[int], held_by: int | None = None) -> None:
        """Lock opportunity rows in id order before touching their items or capacity: no deadlocks. With
        ``held_by``, also those the items of that order (whose row the caller has locked) hold places on:
        only the row's lock holder adds items to it, so the list read here can only be too long."""
        if not session.lock_rows or (not opportunity_ids and held_by is None):
            return  # SQLite: BEGIN IMMEDIATE already made this the only writer
        await session.fetch_all(
            f"SELECT id FROM opportunities WHERE id IN (SELECT * FROM {id_list(session.dialect, 'ids')} AS wanted"
            " UNION SELECT opportunity_id FROM order_items WHERE order_id = :o) ORDER BY id" + session.lock_rows,
            {"ids": id_list_value(session.dialect, sorted(opportunity_ids)), "o": held_by},
        )

    # ---- orders --------------------------------------------------------------------------------------

    async def place_order(self, order: NewOrder, now_ms: int) -> tuple[bool, str]:
        """Book ``order`` all or nothing. Returns (replayed, response body).

        An identical repeat (same request hash) gets the stored response; anything else under a used uuid
        raises UuidTaken; missing capacity raises CapacityShortfall and leaves any lease as it was.
        A new uuid (the common case) is inserted as the Order straight away: it holds no lease to release.
        """
        wanted = Counter(line.opportunity_id for line in order.lines)
        status = _item_status(order)
        params = _order_params(order, now_ms)
        if self.database.dialect == "postgresql" and (
            await self._place_in_one_statement(params, order.lines, status)
            or await self._keep_lease_items_in_one_statement(_LEASE_BECOMES_ORDER, params, order.lines, status)
        ):
            return False, order.response
        async with self.database.writing() as session:
            inserted, existing = await self._insert_or_lock_holder(
                session, lambda: self._insert_order(session, params, set(wanted)), order.partner_id, order.uuid
            )
            if existing is None:
                assert inserted is not None
                order_id, expired = inserted
            else:
                expired = True  # uncounted for a used uuid: reclaim to be sure
                if existing["kind"] == order.kind and existing["request_hash"] == order.request_hash:
                    return True, str(existing["response"])
                if existing["kind"] != QUOTE:
                    raise UuidTaken(existing["kind"])
                order_id = int(existing["id"])
                if not session.lock_rows and await self._keep_same_basket(
                    session, order_id, _LEASE_BECOMES_ORDER, params, order.lines, status
                ):
                    return False, order.response
                await self._lock(session, set(wanted), held_by=order_id)
                await self._release_items(session, order_id)
                await session.execute(f"{_LEASE_BECOMES_ORDER} WHERE id = :id", {**params, "id": order_id})
            if expired:
                await self._reclaim_expired(session, now_ms, set(wanted))
            short = await self._take_and_insert(session, order_id, order.lines, wanted, status)
            if short:
                raise CapacityShortfall(short)
        return False, order.response

    async def _insert_order(
        self, session: Session, params: dict[str, Any], opportunity_ids: set[int]
    ) -> tuple[int, bool] | None:
        """Insert the order of ``params`` (``_order_params``) unless its uuid is taken (None). Returns its id
        and whether expired leases may hold places on its opportunities, whose rows are then locked
        (decision 0004)."""
        if session.dialect != "postgresql":  # one writer at a time: no row locks to take
            row = await session.fetch_one(_INSERT_ORDER + " RETURNING id", params)
            return None if row is None else (int(row["id"]), True)
        # One round trip: insert, then (only if inserted) lock the opportunities in id order, and count the
        # expired lease items on them as of this statement's snapshot. Later-committed lease items expire
        # after ``now``, so a count of zero means there is nothing to reclaim.
        row = await session.fetch_one(
            f"WITH new AS ({_INSERT_ORDER} RETURNING id),"
            " locked AS (SELECT id FROM opportunities WHERE id = ANY(CAST(:ids AS bigint[]))"
            " AND EXISTS (SELECT 1 FROM new) ORDER BY id FOR UPDATE)"
            " SELECT (SELECT id FROM new) AS id, (SELECT count(*) FROM locked) AS locked,"
            " (SELECT count(*) FROM orders q JOIN order_items oi ON oi.order_id = q.id WHERE q.lease_expires_ms <= :now"
            f" AND q.kind IN {_HOLDING} AND oi.opportunity_id = ANY(CAST(:ids AS bigint[]))) AS expired",
            {**params, "ids": sorted(opportunity_ids)},
        )
        assert row is not None
        return None if row["id"] is None else (int(row["id"]), bool(row["expired"]))

    async def _take_and_insert(
        self, session: Session, order_id: int, lines: list[OrderLine], wanted: Counter[int], status: str | None
    ) -> list[int]:
        """Take the places of ``lines`` and store them as items with ``status``; the opportunities short of
        places (then nothing is stored, and the caller rolls back). Callers hold the opportunities' locks."""
        if session.dialect != "postgresql":
            short = [o for o in sorted(wanted) if not await self._take(session, o, wanted[o])]
            if not short:
                await self._insert_items(session, order_id, lines, status=status)
            return short
        # One round trip for every take and every item: the rows are locked already, so order is free.
        row = await session.fetch_one(
            f"WITH {_take_and_insert_ctes(':o', '')} SELECT ARRAY(SELECT id FROM taken) AS taken",
            {**_take_and_insert_params(lines, wanted, status), "o": order_id},
        )
        assert row is not None
        taken = set(row["taken"])
        return [i for i in sorted(wanted) if i not in taken]

    async def _place_in_one_statement(
        self, order_params: dict[str, Any], lines: list[OrderLine], status: str | None
    ) -> bool:
        """PostgreSQL: store a new uuid (an Order, or a lease) whose places are all there, in one statement
        that is its own transaction, so the opportunities stay locked only while the database runs it and
        commits, not across round trips to this process (one hot session would otherwise serialise on them).

        False if that was not the case (a used uuid, a missing place): nothing was written, and the
        caller takes the general path, which also reclaims expired leases (decision 0004).
        """
        wanted = Counter(line.opportunity_id for line in lines)
        async with self.database.statement() as session:
            try:
                row = await session.fetch_one(
                    f"WITH new AS ({_INSERT_ORDER} RETURNING id),"
                    " locked AS (SELECT id FROM opportunities WHERE id = ANY(CAST(:ids AS bigint[]))"
                    " AND EXISTS (SELECT 1 FROM new) ORDER BY id FOR UPDATE),"
                    # The take waits for every lock above (an init plan runs before any row is updated).
                    f" {_take_and_insert_ctes('(SELECT id FROM new)', ' AND (SELECT count(*) FROM locked) = :k')}"
                    # An inserted Order without all its places undoes the whole statement (division by zero).
                    " SELECT 1 / (CASE WHEN NOT EXISTS (SELECT 1 FROM new) OR (SELECT count(*) FROM taken) = :k"
                    " THEN 1 ELSE 0 END) AS complete, (SELECT id FROM new) AS id",
                    {**order_params, **_take_and_insert_params(lines, wanted, status)},
                )
            except StatementAbandoned:
                return False
        return row is not None and row["id"] is not None

    async def _keep_lease_items_in_one_statement(
        self, lease_update: str, params: dict[str, Any], lines: list[OrderLine], status: str | None
    ) -> bool:
        """PostgreSQL: a uuid whose live lease holds exactly ``lines`` (same lines, same opportunities) keeps
        its items where they are, in one statement that is its own transaction: ``lease_update`` (an UPDATE of
        its orders row, given ``params``) makes it the Order, or a renewed lease, and the items take the
        request's details and ``status``. No place changes hands, so capacity is untouched: the brokers'
        usual B after C2, and C2 after C1, cost one statement instead of a transaction of about ten.

        The opportunities are still locked (after the orders row, the usual order) so that a sweep of expired
        leases, which locks them first, cannot run alongside. Whatever changed the lease after this
        statement's snapshot (a new quote, a sweep) deleted its items, which the UPDATE then skips: fewer
        items updated than lines undoes the statement (division by zero), as does a lease holding more or an
        opportunity withdrawn since the request was checked.
        False when it does not apply or was undone: nothing was written; the general path decides.
        """
        wanted = Counter(line.opportunity_id for line in lines)
        async with self.database.statement() as session:
            try:
                row = await session.fetch_one(
                    f"WITH lease AS ({lease_update} WHERE partner_id = :partner AND uuid = :uuid"
                    f" AND kind = '{QUOTE}' AND lease_expires_ms > :now RETURNING id),"
                    " locked AS (SELECT id FROM opportunities WHERE id = ANY(CAST(:ids AS bigint[]))"
                    " AND NOT deleted AND EXISTS (SELECT 1 FROM lease) ORDER BY id FOR UPDATE),"
                    f" x AS (SELECT * FROM {_ITEM_ARRAYS}),"
                    f" kept AS (UPDATE order_items oi SET {_item_details('x.')}"
                    " FROM x WHERE oi.order_id = (SELECT id FROM lease) AND oi.line = x.l"
                    " AND oi.opportunity_id = x.op AND (SELECT count(*) FROM locked) = :k RETURNING oi.id)"
                    " SELECT 1 / (CASE WHEN NOT EXISTS (SELECT 1 FROM lease) OR ((SELECT count(*) FROM kept) = :n"
                    " AND (SELECT count(*) FROM order_items WHERE order_id = (SELECT id FROM lease)) = :n)"
                    " THEN 1 ELSE 0 END) AS complete, (SELECT id FROM lease) AS id",
                    {**params, **_take_and_insert_params(lines, wanted, status), "n": len(lines)},
                )
            except StatementAbandoned:
                return False
        return row is not None and row["id"] is not None

    async def _keep_same_basket(
        self,
        session: Session,
        order_id: int,
        lease_update: str,
        params: dict[str, Any],
        lines: list[OrderLine],
        status: str | None,
    ) -> bool:
        """SQLite, the only writer inside its transaction: what ``_keep_lease_items_in_one_statement`` does on
        PostgreSQL. When the live lease ``order_id`` holds exactly ``lines`` on opportunities still offered,
        ``lease_update`` (given ``params``) changes its orders row and the items take the request's details
        and ``status`` where they are; no place changes hands. False, with nothing written, otherwise."""
        held = await session.fetch_tuples(
            "SELECT oi.line, oi.opportunity_id FROM order_items oi JOIN opportunities o ON o.id = oi.opportunity_id"
            " WHERE oi.order_id = :o AND NOT o.deleted ORDER BY oi.line",
            {"o": order_id},
        )
        if held != sorted((line.line, line.opportunity_id) for line in lines):
            return False
        kept = await session.fetch_one(
            f"{lease_update} WHERE id = :id AND kind = '{QUOTE}' AND lease_expires_ms > :now RETURNING id",
            {**params, "id": order_id},
        )
        if kept is None:
            return False
        await session.execute_many(
            f"UPDATE order_items SET {_item_details(':')} WHERE order_id = :o AND line = :l",
            _item_rows(order_id, lines, status),
        )
        return True

    async def _claim(self, session: Session, lease: dict[str, Any]) -> tuple[int, bool]:
        """The lease's orders row (``_lease_params``) and whether it is new; refuses a uuid used otherwise."""

        async def insert() -> int | None:
            row = await session.fetch_one(_INSERT_ORDER + " RETURNING id", lease)
            return None if row is None else int(row["id"])

        inserted, existing = await self._insert_or_lock_holder(session, insert, lease["partner"], lease["uuid"])
        if existing is None:
            assert inserted is not None
            return inserted, True
        if existing["kind"] != QUOTE:
            raise UuidTaken(existing["kind"])
        return int(existing["id"]), False

    async def _insert_or_lock_holder(
        self, session: Session, insert: Callable[[], Awaitable[_Inserted | None]], partner_id: int, uuid: str
    ) -> tuple[_Inserted | None, Row | None]:
        """Run ``insert`` (of an orders row, doing nothing when the uuid is taken), or lock and read the row
        holding the uuid. That row may be gone by the time it is locked (PostgreSQL: a sweep deleted an
        expired lease it had emptied, after the insert saw it): then the uuid is free, and the insert is tried
        again. Returns what the insert returned, or the holder's id, kind, request_hash and response."""
        for _ in range(_HOLDER_VANISHED_RETRIES):
            inserted = await insert()
            if inserted is not None:
                return inserted, None
            holder = await session.fetch_one(
                "SELECT id, kind, request_hash, response FROM orders WHERE partner_id = :p AND uuid = :u"
                + session.lock_rows,
                {"p": partner_id, "u": uuid},
            )
            if holder is not None:
                return None, holder
        raise RuntimeError(f"order uuid {uuid} kept being taken and freed while it was claimed")

    async def _insert_items(
        self, session: Session, order_id: int, lines: Iterable[OrderLine], status: str | None
    ) -> None:
        rows = _item_rows(order_id, lines, status)
        if rows:
            await session.execute_many(
                _INSERT_ITEMS + " VALUES (:o, :l, :op, :of, :s, :p, :t, :snap, :a, :i, :ac, :ap)",
                rows,
            )

    async def _release_items(self, session: Session, order_id: int) -> None:
        """Delete an order's items and give back the places the live ones held (callers hold the locks)."""
        rows = await session.fetch_all(
            "DELETE FROM order_items WHERE order_id = :o RETURNING opportunity_id, status", {"o": order_id}
        )
        live = Counter(row["opportunity_id"] for row in rows if row["status"] not in CANCELLED)
        if live:
            await self._give_back(session, live)

    async def _take(self, session: Session, opportunity_id: int, places: int) -> bool:
        row = await session.fetch_one(
            "UPDATE opportunities SET remaining_capacity = remaining_capacity - :n, modified = NULL"
            " WHERE id = :id AND NOT deleted AND remaining_capacity >= :n RETURNING id",
            {"id": opportunity_id, "n": places},
        )
        return row is not None

    async def _take_up_to(self, session: Session, opportunity_id: int, places: int) -> int:
        if await self._take(session, opportunity_id, places):  # the usual case: all of them
            return places
        row = await session.fetch_one(
            "SELECT remaining_capacity FROM opportunities WHERE id = :id AND NOT deleted" + session.lock_rows,
            {"id": opportunity_id},
        )
        granted = 0 if row is None else min(places, int(row["remaining_capacity"]))
        if granted and not await self._take(session, opportunity_id, granted):
            raise AssertionError("capacity changed under a row lock")
        return granted

    async def _give_back(self, session: Session, places: Counter[int]) -> None:
        for opportunity_id in sorted(places):
            await session.execute(
                "UPDATE opportunities SET remaining_capacity = remaining_capacity + :n, modified = NULL WHERE id = :id",
                {"id": opportunity_id, "n": places[opportunity_id]},
            )

    async def order(self, partner_id: int, uuid: str) -> StoredOrder | None:
        async with self.database.reading() as session:
            row = await session.fetch_one(
                "SELECT * FROM orders WHERE partner_id = :p AND uuid = :u", {"p": partner_id, "u": uuid}
            )
            return None if row is None else await self._stored(session, row)

    async def _stored(self, session: Session, row: Row) -> StoredOrder:
        (order,) = await self._stored_all(session, [row])
        return order

    async def _stored_all(self, session: Session, rows: list[Row]) -> list[StoredOrder]:
        """The orders of ``rows`` with their items, read in one statement for the whole page."""
        items = await select_in(
            session,
            "SELECT oi.*, op.kind AS opportunity_kind FROM order_items oi"
            " JOIN opportunities op ON op.id = oi.opportunity_id WHERE oi.order_id IN",
            {row["id"] for row in rows},
            "ORDER BY oi.order_id, oi.line",
        )
        by_order: dict[int, list[Row]] = {}
        for item in items:
            by_order.setdefault(item["order_id"], []).append(item)
        return [_stored_order(row, by_order.get(row["id"], [])) for row in rows]

    async def _locked(self, session: Session, partner_id: int, uuid: str, kind: str) -> tuple[Row, StoredOrder]:
        """This uuid's row, locked for the transaction, if it is of ``kind`` (else UnknownOrder)."""
        row = await session.fetch_one(
            "SELECT * FROM orders WHERE partner_id = :p AND uuid = :u" + session.lock_rows, {"p": partner_id, "u": uuid}
        )
        if row is None or row["kind"] != kind:
            raise UnknownOrder(row["kind"] if row is not None else "none")
        return row, await self._stored(session, row)

    async def change_order(
        self, partner_id: int, uuid: str, decide: Callable[[StoredOrder], OrderChange], now_ms: int
    ) -> StoredOrder:
        """Apply ``decide``'s verdict on the current Order atomically; newly cancelled items free their places.

        ``decide`` may raise to refuse; then nothing changes.
        """
        async with self.database.writing() as session:
            row, current = await self._locked(session, partner_id, uuid, ORDER)
            change = decide(current)
            freed: Counter[int] = Counter()
            by_line = {item.line: item for item in current.items}
            moves = {
                line: c.opportunity_id
                for line, c in change.items.items()
                if c.opportunity_id is not None and c.opportunity_id != by_line[line].opportunity_id
            }
            if moves:  # Replacement: a place on each new opportunity, or nothing at all
                await self._lock(session, set(moves.values()) | {by_line[line].opportunity_id for line in moves})
                wanted = Counter(moves.values())
                short = [o for o in sorted(wanted) if not await self._take(session, o, wanted[o])]
                if short:
                    raise CapacityShortfall(short)
                freed.update(by_line[line].opportunity_id for line in moves)
            for line, item_change in change.items.items():
                item = by_line[line]
                if item_change.status in CANCELLED and item.status not in CANCELLED:
                    freed[item.opportunity_id] += 1
                access = item_change.access
                await session.execute(
                    "UPDATE order_items SET status = COALESCE(:s, status),"
                    " cancellation_message = COALESCE(:m, cancellation_message),"
                    " customer_notice = COALESCE(:n, customer_notice),"
                    " access_code = CASE WHEN :new_access THEN :ac ELSE access_code END,"
                    " access_pass = CASE WHEN :new_access THEN :ap ELSE access_pass END,"
                    " opportunity_id = COALESCE(:op, opportunity_id)"
                    " WHERE order_id = :o AND line = :l",
                    {
                        "s": item_change.status,
                        "m": item_change.cancellation_message,
                        "n": item_change.customer_notice,
                        "new_access": access is not None,
                        "ac": access_codes_text(access),
                        "ap": access_passes_text(access),
                        "op": item_change.opportunity_id,
                        "o": row["id"],
                        "l": line,
                    },
                )
            if freed:
                await self._give_back(session, freed)
            if change.items:
                await session.execute(
                    "UPDATE orders SET in_feed = true, modified = NULL, updated_ms = :t WHERE id = :id",
                    {"t": now_ms, "id": row["id"]},
                )
            return await self._stored(
                session, await session.fetch_one("SELECT * FROM orders WHERE id = :id", {"id": row["id"]}) or row
            )

    async def change_proposal(
        self, partner_id: int, uuid: str, decide: Callable[[StoredOrder], ProposalChange], now_ms: int
    ) -> StoredOrder:
        """Apply ``decide``'s verdict on the current OrderProposal atomically (``decide`` may raise to refuse).

        Every change reaches the partner's order-proposals feed. Booking it (``booked``) confirms the items,
        whose places the proposal already holds, and turns the row into the Order, which joins the orders
        feed at its first change like any other; the proposals feed then shows the proposal as deleted.
        """
        async with self.database.writing() as session:
            row, current = await self._locked(session, partner_id, uuid, PROPOSAL)
            change = decide(current)
            if change.is_empty:
                return current
            params: dict[str, Any] = {
                "id": row["id"],
                "t": now_ms,
                "status": change.status,
                "version": change.version,
                "seller_note": change.seller_note,
                "customer_note": change.customer_note,
                "lapses": change.hold_lapses_ms,
            }
            booked = change.booked
            if booked is not None:
                await session.execute(
                    "UPDATE order_items SET status = :s WHERE order_id = :o", {"s": CONFIRMED, "o": row["id"]}
                )
                for line, access in sorted(booked.access.items()):
                    await session.execute(
                        "UPDATE order_items SET access_code = :ac, access_pass = :ap WHERE order_id = :o AND line = :l",
                        {"ac": access_codes_text(access), "ap": access_passes_text(access), "o": row["id"], "l": line},
                    )
                details = {**current.details, "payment": booked.payment}
                await session.execute(
                    "UPDATE orders SET kind = 'Order', response = :response, request_hash = :hash,"
                    " details = :details WHERE id = :id",
                    {
                        "response": booked.response,
                        "hash": booked.request_hash,
                        "details": json_text(details),
                        "id": row["id"],
                    },
                )
            await session.execute(
                "UPDATE orders SET proposal_status = COALESCE(:status, proposal_status),"
                " proposal_version = COALESCE(:version, proposal_version),"
                " seller_note = COALESCE(:seller_note, seller_note), customer_note = COALESCE(:customer_note,"
                " customer_note), lease_expires_ms = COALESCE(:lapses, lease_expires_ms), proposal_in_feed = true,"
                " modified = NULL, updated_ms = :t WHERE id = :id",
                params,
            )
            changed = await session.fetch_one("SELECT * FROM orders WHERE id = :id", {"id": row["id"]})
            assert changed is not None
            return await self._stored(session, changed)

    async def delete_order(self, partner_id: int, uuid: str, now_ms: int) -> str | None:
        """Order Deletion: free its places, purge personal data, leave a tombstone. Returns the previous kind."""
        async with self.database.writing() as session:
            row = await session.fetch_one(
                "SELECT id, kind FROM orders WHERE partner_id = :p AND uuid = :u" + session.lock_rows,
                {"p": partner_id, "u": uuid},
            )
            if row is None or row["kind"] == QUOTE:
                return None
            if row["kind"] != DELETED:
                await self._delete(session, row["id"], now_ms)
            return str(row["kind"])

    async def _delete(self, session: Session, order_id: int, now_ms: int) -> None:
        await self._lock(session, set(), held_by=order_id)
        await self._release_items(session, order_id)
        # The tombstone reaches the feed only if the order had appeared there.
        await session.execute(
            "UPDATE orders SET kind = 'Deleted', details = NULL, response = NULL, request_hash = NULL,"
            " lease_expires_ms = NULL, modified = NULL, updated_ms = :t WHERE id = :id",
            {"t": now_ms, "id": order_id},
        )

    async def orders_feed(
        self, partner_id: int, after: int | None, limit: int, *, proposals: bool = False
    ) -> list[OrderFeedEntry]:
        """A page of the partner's orders feed, or of its order-proposals feed (``proposals``).

        One row serves both: once booked, a proposal shows as deleted in the proposals feed."""
        flag, shown = ("proposal_in_feed", (PROPOSAL,)) if proposals else ("in_feed", (ORDER,))
        async with self.database.reading() as session:
            rows = await session.fetch_all(
                "SELECT o.*, (p.all_sellers OR ps.seller_id IS NOT NULL) AS authorised FROM orders o"
                " JOIN booking_partners p ON p.id = o.partner_id"
                " LEFT JOIN partner_sellers ps ON ps.partner_id = o.partner_id AND ps.seller_id = o.seller_id"
                f" WHERE o.partner_id = :p AND o.{flag} AND o.modified > :after ORDER BY o.modified LIMIT :limit",
                {"p": partner_id, "after": -1 if after is None else after, "limit": limit},
            )
            # Orders of a seller whose authorisation was revoked show as deleted (spec: #authentication).
            visible = [row for row in rows if row["kind"] in shown and bool(row["authorised"])]
            stored = {order.id: order for order in await self._stored_all(session, visible)}
        return [OrderFeedEntry(row["modified"], row["uuid"], stored.get(row["id"])) for row in rows]

    async def delete_test_dataset(self, dataset: str, now_ms: int) -> None:
        """Remove a test dataset: its opportunities become tombstones and orders on them are deleted."""
        async with self.database.writing() as session:
            orders = await session.fetch_all(
                "SELECT DISTINCT o.id FROM orders o JOIN order_items oi ON oi.order_id = o.id"
                " JOIN opportunities op ON op.id = oi.opportunity_id"
                " WHERE op.test_dataset = :d AND o.kind <> 'Deleted'",
                {"d": dataset},
            )
            for row in orders:
                await self._delete(session, row["id"], now_ms)
            await session.execute(
                "UPDATE opportunities SET deleted = true, modified = NULL WHERE test_dataset = :d AND NOT deleted",
                {"d": dataset},
            )
            await session.execute(
                "UPDATE parents SET deleted = true, modified = NULL WHERE test_dataset = :d AND NOT deleted",
                {"d": dataset},
            )


async def select_in(session: Session, sql: str, ids: set[int], suffix: str = "") -> list[Row]:
    """Run ``sql`` followed by a list of ids (nothing at all for no ids), e.g. ``SELECT … WHERE id IN``."""
    if not ids:
        return []
    dialect = session.dialect
    return await session.fetch_all(
        f"{sql} {id_list(dialect, 'ids')} {suffix}", {"ids": id_list_value(dialect, sorted(ids))}
    )


_INSERT_ORDER = (
    "INSERT INTO orders (partner_id, uuid, kind, seller_id, in_feed, test_dataset, request_hash, response, details,"
    " currency, prepayment, lease_expires_ms, proposal_status, proposal_version, created_ms, updated_ms)"
    " VALUES (:partner, :uuid, :kind, :seller, false, :dataset, :hash, :response, :details, :currency, :prepayment,"
    " :expires, :proposal_status, :proposal_version, :now, :now) ON CONFLICT (partner_id, uuid) DO NOTHING"
)
# The columns a lease's orders row changes when it becomes the Order (or OrderProposal).
_LEASE_BECOMES_ORDER = (
    "UPDATE orders SET kind = :kind, lease_expires_ms = NULL, request_hash = :hash, response = :response,"
    " details = :details, currency = :currency, prepayment = :prepayment, seller_id = :seller,"
    " proposal_status = :proposal_status, proposal_version = :proposal_version, updated_ms = :now"
)
# The columns a lease's orders row changes when it is quoted again.
_LEASE_RENEWED = "UPDATE orders SET lease_expires_ms = :expires, updated_ms = :now, seller_id = :seller"
# PostgreSQL: the items of ``_take_and_insert_params`` as rows x(l, op, of, p, t, snap, a, i, ac, ap).
_ITEM_ARRAYS = (
    "unnest(CAST(:l AS integer[]), CAST(:op AS bigint[]), CAST(:of AS bigint[]), CAST(:p AS bigint[]),"
    " CAST(:t AS bigint[]), CAST(:snap AS json[]), CAST(:a AS json[]), CAST(:i AS json[]),"
    " CAST(:ac AS json[]), CAST(:ap AS json[])) AS x(l, op, of, p, t, snap, a, i, ac, ap)"
)


def _item_details(source: str) -> str:
    """The SET list that gives a kept item the request's details: from ``source`` "x." (the rows of
    ``_ITEM_ARRAYS``) or ":" (the parameters of ``_item_rows``); the status is a parameter either way."""
    columns = {"offer_id": "of", "price_minor": "p", "tax_minor": "t", "snapshot": "snap", "attendee": "a"}
    columns |= {"intake": "i", "access_code": "ac", "access_pass": "ap"}
    return ", ".join(["status = :s", *(f"{column} = {source}{key}" for column, key in columns.items())])


_INSERT_ITEMS = (
    "INSERT INTO order_items (order_id, line, opportunity_id, offer_id, status, price_minor, tax_minor,"
    " snapshot, attendee, intake, access_code, access_pass)"
)


def _item_status(order: NewOrder) -> str | None:
    """Booked items are confirmed; a proposal's items only hold their places (like a lease's)."""
    return CONFIRMED if order.kind == ORDER else None


def _order_params(order: NewOrder, now_ms: int) -> dict[str, Any]:
    return {
        "partner": order.partner_id,
        "uuid": order.uuid,
        "kind": order.kind,
        "proposal_status": AWAITING if order.kind == PROPOSAL else None,
        "proposal_version": order.proposal_version,
        "expires": None,
        "seller": order.seller_id,
        "dataset": order.test_dataset,
        "hash": order.request_hash,
        "response": order.response,
        "details": json_text(order.details),
        "currency": order.currency,
        "prepayment": order.prepayment,
        "now": now_ms,
    }


def _take_and_insert_ctes(order_id: str, take_condition: str) -> str:
    """PostgreSQL CTEs ``w``, ``taken`` (each opportunity's places, if all are there) and ``items`` (the
    confirmed items of order ``order_id``, an SQL expression, inserted only if every take succeeded)."""
    return (
        "w AS (SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:ns AS integer[])) AS w(id, n)),"
        " taken AS (UPDATE opportunities o SET remaining_capacity = o.remaining_capacity - w.n, modified = NULL"
        f" FROM w WHERE o.id = w.id AND NOT o.deleted AND o.remaining_capacity >= w.n{take_condition} RETURNING o.id),"
        f" items AS ({_INSERT_ITEMS} SELECT {order_id}, x.l, x.op, x.of, :s, x.p, x.t, x.snap, x.a, x.i, x.ac, x.ap"
        f" FROM {_ITEM_ARRAYS} WHERE (SELECT count(*) FROM taken) = :k)"
    )


def _lease_params(
    partner_id: int, uuid: str, seller_id: int, expires_ms: int, now_ms: int, test_dataset: str | None
) -> dict[str, Any]:
    """Parameters of ``_INSERT_ORDER`` for a new lease (an OrderQuote holding places until ``expires_ms``)."""
    return {
        "partner": partner_id,
        "uuid": uuid,
        "kind": QUOTE,
        "expires": expires_ms,
        "seller": seller_id,
        "dataset": test_dataset,
        **dict.fromkeys(
            ("hash", "response", "details", "currency", "prepayment", "proposal_status", "proposal_version")
        ),
        "now": now_ms,
    }


def _take_and_insert_params(lines: list[OrderLine], wanted: Counter[int], status: str | None) -> dict[str, Any]:
    ids = sorted(wanted)
    rows = _item_rows(0, lines, status)
    return {
        "ids": ids,
        "ns": [wanted[i] for i in ids],
        "k": len(ids),
        "s": status,
        **{key: [row[key] for row in rows] for key in ("l", "op", "of", "p", "t", "snap", "a", "i", "ac", "ap")},
    }


def _item_rows(order_id: int, lines: Iterable[OrderLine], status: str | None) -> list[dict[str, Any]]:
    return [
        {
            "o": order_id,
            "l": line.line,
            "op": line.opportunity_id,
            "of": line.offer_id,
            "s": status,
            "p": line.price_minor,
            "t": line.tax_minor,
            "snap": None if line.offer_snapshot is None else json_text(line.offer_snapshot),
            "a": None if line.attendee is None else json_text(line.attendee),
            "i": None if line.intake is None else json_text(line.intake),
            "ac": access_codes_text(line.access),
            "ap": access_passes_text(line.access),
        }
        for line in lines
    ]


# Columns named from the schema, so that each table's part of a joined row can be sliced out by position.
_INVENTORY_TABLES = (
    ("o", schema.opportunities),
    ("p", schema.parents),
    ("s", schema.sellers),
    ("l", schema.places),
    ("f", schema.offers),
)
_INVENTORY_NAMES = tuple(tuple(column.name for column in table.columns) for _, table in _INVENTORY_TABLES)
_INVENTORY_SLICES = tuple(
    (sum(map(len, _INVENTORY_NAMES[:n])), sum(map(len, _INVENTORY_NAMES[: n + 1])))
    for n in range(len(_INVENTORY_NAMES))
)
_INVENTORY = (
    "SELECT "
    + ", ".join(
        f"{alias}.{name}"
        for (alias, _), names in zip(_INVENTORY_TABLES, _INVENTORY_NAMES, strict=True)
        for name in names
    )
    + " FROM opportunities o JOIN parents p ON p.id = o.parent_id JOIN sellers s ON s.id = o.seller_id"
    " LEFT JOIN places l ON l.id = p.place_id LEFT JOIN offers f ON f.parent_id = p.id"
    " WHERE NOT o.deleted AND o.id IN "
)
_INVENTORY_ANY = _INVENTORY.replace(" WHERE NOT o.deleted AND ", " WHERE ")
# Parents, sellers, places and offers rarely change: their domain values are kept by row content (so a
# changed row simply misses), which saves converting the same rows for every booking request.
_CONVERTED: dict[tuple[Any, ...], Any] = {}
_CONVERTED_LIMIT = 4096


def _converted(convert: Callable[..., V], table: int, values: tuple[Any, ...], *extra: Any) -> V:
    """``convert(row, *extra)`` for the ``table``-th part of an inventory row, kept by content."""
    key = (table, values, *extra)
    found: V | None = _CONVERTED.get(key)
    if found is None:
        if len(_CONVERTED) >= _CONVERTED_LIMIT:
            _CONVERTED.clear()
        found = _CONVERTED[key] = convert(dict(zip(_INVENTORY_NAMES[table], values, strict=True)), *extra)
    return found


def _stored_order(row: Row, items: list[Row]) -> StoredOrder:
    return StoredOrder(
        id=row["id"],
        partner_id=row["partner_id"],
        uuid=row["uuid"],
        kind=row["kind"],
        seller_id=row["seller_id"],
        details=json_value(row["details"]) or {},
        currency=row["currency"],
        prepayment=row["prepayment"],
        in_feed=bool(row["in_feed"]),
        lease_expires_ms=row["lease_expires_ms"],
        response=row["response"],
        request_hash=row["request_hash"],
        modified=row["modified"],
        proposal_status=row["proposal_status"],
        proposal_version=row["proposal_version"],
        proposal_in_feed=bool(row["proposal_in_feed"]),
        seller_note=row["seller_note"],
        customer_note=row["customer_note"],
        items=[
            StoredItem(
                line=item["line"],
                opportunity_id=item["opportunity_id"],
                opportunity_kind=OpportunityKind(item["opportunity_kind"]),
                offer_id=item["offer_id"],
                status=item["status"],
                price_minor=item["price_minor"],
                tax_minor=item["tax_minor"],
                offer_snapshot=json_value(item["snapshot"]),
                attendee=json_value(item["attendee"]),
                intake=json_value(item["intake"]),
                cancellation_message=item["cancellation_message"],
                customer_notice=item["customer_notice"],
                access=access_from(item["access_code"], item["access_pass"]),
            )
            for item in items
        ],
    )
