"""Changes of logistics (name, place, times, access channel of an opportunity): one transaction that changes
the inventory, gives the publicly changed rows new change numbers, and re-emits every Order booked on them.

Lock order, as everywhere else: the Orders first (in id order), then the opportunity rows (``_lock``), so a
concurrent cancellation (which locks its Order, then gives places back) cannot deadlock with this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from openbook.domain.inventory import AttendanceMode, OpportunityKind
from openbook.store.database import Database, Session, id_list, id_list_value
from openbook.store.port import LogisticsChange, OpportunityLogistics, UnknownOpportunity, UnknownPlace
from openbook.store.records import access_channel_from, access_channel_text

CONFIRMED = "https://openactive.io/OrderItemConfirmed"
_CURRENT = (
    "SELECT o.id, o.kind, o.parent_id, o.seller_id, o.start_ms, o.end_ms, o.attendance_mode, o.access_channel,"
    " p.name, l.identifier AS place"
    " FROM opportunities o JOIN parents p ON p.id = o.parent_id LEFT JOIN places l ON l.id = p.place_id"
    " WHERE o.id = :id AND NOT o.deleted"
)


class LogisticsStoreMixin:
    database: Database

    if TYPE_CHECKING:  # provided by OrderStoreMixin; declared only for the type checker, never at run time

        async def _lock(self, session: Session, opportunity_ids: set[int], held_by: int | None = None) -> None: ...

    async def change_logistics(
        self,
        opportunity_id: int,
        seller_id: int | None,
        decide: Callable[[OpportunityLogistics], LogisticsChange],
        now_ms: int,
    ) -> int:
        async with self.database.writing() as session:
            change = decide(await self._logistics(session, opportunity_id, seller_id))
            if change.is_empty:
                return 0
            affected = await self._affected(session, opportunity_id, change)
            condition, params = _booked_orders(session, affected)
            await session.fetch_all(f"SELECT id FROM orders WHERE {condition} ORDER BY id" + session.lock_rows, params)
            await self._lock(session, affected)
            # Decided again on the locked state: the rules hold for what is actually changed.
            current = await self._logistics(session, opportunity_id, seller_id)
            change = decide(current)
            if change.is_empty:
                return 0
            if change.of_parent:
                place_id = None
                if change.place_identifier is not None:
                    place = await session.fetch_one(
                        "SELECT id FROM places WHERE identifier = :p", {"p": change.place_identifier}
                    )
                    if place is None:
                        raise UnknownPlace(change.place_identifier)
                    place_id = place["id"]
                await session.execute(
                    "UPDATE parents SET name = COALESCE(:n, name), place_id = COALESCE(:l, place_id), modified = NULL"
                    " WHERE id = :id",
                    {"n": change.name, "l": place_id, "id": current.parent_id},
                )
            await session.execute(
                "UPDATE opportunities SET start_ms = COALESCE(:s, start_ms), end_ms = COALESCE(:e, end_ms),"
                " access_channel = COALESCE(:c, access_channel) WHERE id = :id",
                {
                    "s": change.start_ms,
                    "e": change.end_ms,
                    "c": access_channel_text(change.access_channel),
                    "id": opportunity_id,
                },
            )
            if change.is_public:
                await session.execute(
                    f"UPDATE opportunities SET modified = NULL WHERE id IN {id_list(session.dialect, 'ids')}",
                    {"ids": id_list_value(session.dialect, sorted(affected))},
                )
            rows = await session.fetch_all(
                f"UPDATE orders SET in_feed = true, modified = NULL, updated_ms = :t WHERE {condition} RETURNING id",
                {**params, "t": now_ms},
            )
        return len(rows)

    async def add_occurrence(self, opportunity_id: int, identifier: str, later_ms: int) -> int:
        async with self.database.writing() as session:
            row = await session.fetch_one(
                "INSERT INTO opportunities (identifier, kind, parent_id, seller_id, start_ms, end_ms, maximum_capacity,"
                " remaining_capacity, event_status, attendance_mode, test_dataset, access_channel) SELECT :identifier,"
                " kind, parent_id, seller_id, start_ms + :later, end_ms + :later, maximum_capacity, maximum_capacity,"
                " event_status, attendance_mode, test_dataset, access_channel FROM opportunities"
                " WHERE id = :id AND NOT deleted RETURNING id",
                {"identifier": identifier, "later": later_ms, "id": opportunity_id},
            )
        if row is None:
            raise UnknownOpportunity(str(opportunity_id))
        return int(row["id"])

    async def _logistics(self, session: Session, opportunity_id: int, seller_id: int | None) -> OpportunityLogistics:
        row = await session.fetch_one(_CURRENT, {"id": opportunity_id})
        if row is None or (seller_id is not None and row["seller_id"] != seller_id):
            raise UnknownOpportunity(str(opportunity_id))
        return OpportunityLogistics(
            opportunity_id=row["id"],
            kind=OpportunityKind(row["kind"]),
            parent_id=row["parent_id"],
            seller_id=row["seller_id"],
            name=row["name"],
            place_identifier=row["place"],
            start_ms=row["start_ms"],
            end_ms=row["end_ms"],
            attendance_mode=AttendanceMode(row["attendance_mode"]),
            access_channel=access_channel_from(row["access_channel"]),
        )

    async def _affected(self, session: Session, opportunity_id: int, change: LogisticsChange) -> set[int]:
        """The opportunities whose feed items change: all of the parent's for its name or place, or for the
        time of a whole or a sub-event (each shows the other's dates: subEvent, superEvent); only the one
        opportunity for its (private) access channel."""
        if not change.is_public:
            return {opportunity_id}
        if not change.of_parent:
            row = await session.fetch_one("SELECT kind FROM opportunities WHERE id = :id", {"id": opportunity_id})
            kind = None if row is None else OpportunityKind(row["kind"])
            if kind is None or (kind.sub_event_kind is None and kind.super_event_kind is None):
                return {opportunity_id}
        rows = await session.fetch_all(
            "SELECT id FROM opportunities WHERE parent_id = (SELECT parent_id FROM opportunities WHERE id = :id)"
            " AND NOT deleted",
            {"id": opportunity_id},
        )
        return {row["id"] for row in rows} | {opportunity_id}


def _booked_orders(session: Session, opportunity_ids: set[int]) -> tuple[str, dict[str, Any]]:
    """The condition (and its parameters) naming the Orders with a confirmed place on ``opportunity_ids``."""
    return (
        "kind = 'Order' AND id IN (SELECT order_id FROM order_items"
        f" WHERE status = :confirmed AND opportunity_id IN {id_list(session.dialect, 'ids')})",
        {"confirmed": CONFIRMED, "ids": id_list_value(session.dialect, sorted(opportunity_ids))},
    )
