"""Booking partners, the sellers each may book for, and the keys that sign their access tokens."""

from __future__ import annotations

from openbook.store.database import Database, Row, Session
from openbook.store.port import Partner, PartnerExists, SigningKey


class PartnerStoreMixin:
    database: Database

    async def partner(self, client_id: str) -> Partner | None:
        # Asked on every authenticated request: one statement, no transaction (one round trip on PostgreSQL).
        async with self.database.statement() as session:
            return await _partner(session, client_id)

    async def partners(self) -> list[Partner]:
        async with self.database.statement() as session:
            return await select_partners(session, "ORDER BY p.id", {})

    async def ensure_partner(self, client_id: str, name: str, now_ms: int, *, all_sellers: bool = False) -> Partner:
        async with self.database.writing() as session:
            await session.execute(
                "INSERT INTO booking_partners (client_id, name, suspended, all_sellers, created_ms)"
                " VALUES (:c, :n, false, :all, :t) ON CONFLICT (client_id) DO NOTHING",
                {"c": client_id, "n": name, "all": all_sellers, "t": now_ms},
            )
            partner = await _partner(session, client_id)
        assert partner is not None
        return partner

    async def create_partner(self, client_id: str, name: str, secret_hash: str, now_ms: int) -> Partner:
        async with self.database.writing() as session:
            row = await session.fetch_one(
                "INSERT INTO booking_partners (client_id, name, secret_hash, suspended, all_sellers, created_ms)"
                " VALUES (:c, :n, :s, false, false, :t) ON CONFLICT (client_id) DO NOTHING RETURNING id",
                {"c": client_id, "n": name, "s": secret_hash, "t": now_ms},
            )
            if row is None:
                raise PartnerExists(client_id)
            partner = await _partner(session, client_id)
        assert partner is not None
        return partner

    async def set_partner_secret(self, partner_id: int, secret_hash: str) -> None:
        async with self.database.writing() as session:
            await session.execute(
                "UPDATE booking_partners SET secret_hash = :s WHERE id = :p", {"s": secret_hash, "p": partner_id}
            )

    async def set_partner_suspended(self, partner_id: int, suspended: bool) -> None:
        async with self.database.writing() as session:
            await session.execute(
                "UPDATE booking_partners SET suspended = :s WHERE id = :p", {"s": suspended, "p": partner_id}
            )

    async def authorise_seller(self, partner_id: int, seller_id: int) -> None:
        async with self.database.writing() as session:
            added = await session.fetch_one(
                "INSERT INTO partner_sellers (partner_id, seller_id) VALUES (:p, :s)"
                " ON CONFLICT DO NOTHING RETURNING seller_id",
                {"p": partner_id, "s": seller_id},
            )
            if added is not None:
                await _refeed_orders(session, partner_id, seller_id)

    async def revoke_seller(self, partner_id: int, seller_id: int) -> bool:
        """Withdraw the authorisation; the seller's orders reappear in the partner's feed as deleted."""
        async with self.database.writing() as session:
            removed = await session.fetch_one(
                "DELETE FROM partner_sellers WHERE partner_id = :p AND seller_id = :s RETURNING seller_id",
                {"p": partner_id, "s": seller_id},
            )
            if removed is not None:
                await _refeed_orders(session, partner_id, seller_id)
        return removed is not None

    async def signing_keys(self) -> list[SigningKey]:
        async with self.database.reading() as session:
            rows = await session.fetch_all("SELECT * FROM signing_keys ORDER BY created_ms DESC, kid")
        return [SigningKey(row["kid"], row["secret"], row["created_ms"]) for row in rows]

    async def add_signing_key(self, key: SigningKey) -> None:
        async with self.database.writing() as session:
            await session.execute(
                "INSERT INTO signing_keys (kid, secret, created_ms) VALUES (:k, :s, :t) ON CONFLICT DO NOTHING",
                {"k": key.kid, "s": key.secret, "t": key.created_ms},
            )


async def select_partners(session: Session, condition: str, params: dict[str, object]) -> list[Partner]:
    """Partners with their authorised sellers, in one statement; ``condition`` is a WHERE/ORDER BY tail."""
    rows = await session.fetch_all(
        "SELECT p.*, ps.seller_id FROM booking_partners p"
        f" LEFT JOIN partner_sellers ps ON ps.partner_id = p.id {condition}",
        params,
    )
    grouped: dict[int, tuple[Row, set[int]]] = {}
    for row in rows:
        _, sellers = grouped.setdefault(row["id"], (row, set()))
        if row["seller_id"] is not None:
            sellers.add(row["seller_id"])
    return [_partner_row(row, frozenset(sellers)) for row, sellers in grouped.values()]


async def _partner(session: Session, client_id: str) -> Partner | None:
    found = await select_partners(session, "WHERE p.client_id = :c", {"c": client_id})
    return found[0] if found else None


def _partner_row(row: Row, seller_ids: frozenset[int]) -> Partner:
    return Partner(
        id=row["id"],
        client_id=row["client_id"],
        name=row["name"],
        seller_ids=seller_ids,
        suspended=bool(row["suspended"]),
        all_sellers=bool(row["all_sellers"]),
        secret_hash=row["secret_hash"],
    )


async def _refeed_orders(session: Session, partner_id: int, seller_id: int) -> None:
    # A cleared change number sends the orders through the sequencer again, so feed readers see the change.
    await session.execute(
        "UPDATE orders SET modified = NULL WHERE partner_id = :p AND seller_id = :s AND in_feed",
        {"p": partner_id, "s": seller_id},
    )
