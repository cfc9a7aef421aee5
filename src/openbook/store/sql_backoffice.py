"""The seller back office's half of the Store: staff keys, and orders seen from the seller's side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openbook.store.database import Database, Row, Session, id_list, id_list_value
from openbook.store.port import SellerOrder, Staff, StoredOrder
from openbook.store.sql_partners import select_partners

# Booked orders only: quotes are not bookings yet and deleted orders have no content left.
_SELLER_ORDERS = "SELECT * FROM orders o WHERE o.seller_id = :s AND o.kind IN ('Order', 'OrderProposal')"


class BackOfficeStoreMixin:
    database: Database

    if TYPE_CHECKING:  # provided by OrderStoreMixin; declared only for the type checker, never at run time

        async def _stored_all(self, session: Session, rows: list[Row]) -> list[StoredOrder]: ...

    async def add_staff(self, seller_id: int, name: str, key_hash: str, now_ms: int) -> Staff:
        async with self.database.writing() as session:
            row = await session.fetch_one(
                "INSERT INTO seller_staff (seller_id, name, key_hash, revoked, created_ms)"
                " VALUES (:s, :n, :k, false, :t) RETURNING id",
                {"s": seller_id, "n": name, "k": key_hash, "t": now_ms},
            )
        assert row is not None
        return Staff(int(row["id"]), seller_id, name)

    async def staff_by_key_hash(self, key_hash: str) -> Staff | None:
        async with self.database.reading() as session:
            row = await session.fetch_one("SELECT * FROM seller_staff WHERE key_hash = :k", {"k": key_hash})
        return None if row is None else _staff_from(row)

    async def all_staff(self) -> list[Staff]:
        async with self.database.reading() as session:
            rows = await session.fetch_all("SELECT * FROM seller_staff ORDER BY id")
        return [_staff_from(row) for row in rows]

    async def revoke_staff(self, staff_id: int) -> bool:
        async with self.database.writing() as session:
            row = await session.fetch_one(
                "UPDATE seller_staff SET revoked = true WHERE id = :i AND NOT revoked RETURNING id", {"i": staff_id}
            )
        return row is not None

    async def seller_orders(self, seller_id: int, after_id: int, limit: int) -> list[SellerOrder]:
        async with self.database.reading() as session:
            rows = await session.fetch_all(
                _SELLER_ORDERS + " AND o.id > :after ORDER BY o.id LIMIT :limit",
                {"s": seller_id, "after": after_id, "limit": limit},
            )
            return await self._seller_orders(session, rows)

    async def seller_order(self, seller_id: int, order_id: int) -> SellerOrder | None:
        async with self.database.reading() as session:
            row = await session.fetch_one(_SELLER_ORDERS + " AND o.id = :id", {"s": seller_id, "id": order_id})
            return None if row is None else (await self._seller_orders(session, [row]))[0]

    async def _seller_orders(self, session: Session, rows: list[Row]) -> list[SellerOrder]:
        """Each order with its items and its booking partner: two statements for the whole page."""
        if not rows:
            return []
        partner_ids = sorted({row["partner_id"] for row in rows})
        condition = f"WHERE p.id IN {id_list(session.dialect, 'ids')}"
        partners = {
            p.id: p
            for p in await select_partners(session, condition, {"ids": id_list_value(session.dialect, partner_ids)})
        }
        orders = await self._stored_all(session, rows)
        return [SellerOrder(partners[order.partner_id], order) for order in orders]


def _staff_from(row: Row) -> Staff:
    return Staff(int(row["id"]), int(row["seller_id"]), row["name"], bool(row["revoked"]))
