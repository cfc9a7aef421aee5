"""The Store, implemented once over the Database interface; adapters supply connections and dialect bits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from openbook.domain.inventory import (
    InventoryBundle,
    Offer,
    Opportunity,
    OpportunityKind,
    ParentKind,
    ParentOpportunity,
    Place,
    Seller,
)
from openbook.store.database import Database, Row, Session, id_list, id_list_value
from openbook.store.port import (
    FeedEntry,
    IdentifierConflict,
    ImportSummary,
    InventoryView,
    OpportunityFeedPage,
    ParentFeedPage,
)
from openbook.store.records import (
    json_text,
    offer_from,
    offer_params,
    opportunity_from,
    opportunity_params,
    parent_from,
    place_from,
    place_params,
    seller_from,
    seller_params,
)
from openbook.store.schema import FEED_ENTRY_CONDITION, FEED_TABLES
from openbook.store.sql_backoffice import BackOfficeStoreMixin
from openbook.store.sql_logistics import LogisticsStoreMixin
from openbook.store.sql_orders import OrderStoreMixin, select_in
from openbook.store.sql_partners import PartnerStoreMixin

_TABLES = ("sellers", "places", "parents", "opportunities")


def _insert(table: str, columns: Sequence[str], returning: bool = True) -> str:
    names = ", ".join(columns)
    values = ", ".join(f":{c}" for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({values})" + (" RETURNING id" if returning else "")


class SqlStore(PartnerStoreMixin, BackOfficeStoreMixin, LogisticsStoreMixin, OrderStoreMixin):
    def __init__(self, database: Database) -> None:
        self.database = database

    async def start(self) -> None:
        await self.database.open()

    async def close(self) -> None:
        await self.database.close()

    async def existing_identifiers(self, table: str, identifiers: list[str]) -> dict[str, int]:
        if table not in _TABLES:
            raise ValueError(f"unknown table {table!r}")
        if not identifiers:
            return {}
        async with self.database.reading() as session:
            return await self._existing(session, table, identifiers)

    async def _existing(self, session: Session, table: str, identifiers: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        # Chunked so a huge import never builds a statement past the drivers' parameter limits.
        for start in range(0, len(identifiers), 500):
            chunk = identifiers[start : start + 500]
            names = {f"i{n}": value for n, value in enumerate(chunk)}
            placeholders = ", ".join(f":{name}" for name in names)
            rows = await session.fetch_all(
                f"SELECT identifier, id FROM {table} WHERE identifier IN ({placeholders})", names
            )
            found.update({row["identifier"]: row["id"] for row in rows})
        return found

    async def import_inventory(
        self, bundle: InventoryBundle, on_progress: Callable[[int], None] | None = None
    ) -> ImportSummary:
        async with self.database.writing() as session:
            await self._refuse_taken(session, bundle)
            seller_ids = await self._existing(session, "sellers", sorted({p.seller for p in bundle.parents}))
            for seller in bundle.sellers:
                params = seller_params(seller)
                row = await session.fetch_one(_insert("sellers", list(params)), params)
                assert row is not None
                seller_ids[seller.identifier] = row["id"]
            place_ids = await self._existing(
                session, "places", sorted({p.place for p in bundle.parents if p.place is not None})
            )
            for place in bundle.places:
                params = place_params(place)
                row = await session.fetch_one(_insert("places", list(params)), params)
                assert row is not None
                place_ids[place.identifier] = row["id"]
            parent_ids = await self._existing(
                session, "parents", sorted({p.aggregate for p in bundle.parents if p.aggregate is not None})
            )
            offers = opportunities = 0
            for parent in bundle.parents:
                seller_id = seller_ids[parent.seller]
                params = {
                    "identifier": parent.identifier,
                    "kind": parent.kind.value,
                    "seller_id": seller_id,
                    "place_id": None if parent.place is None else place_ids[parent.place],
                    "aggregate_id": None if parent.aggregate is None else parent_ids[parent.aggregate],
                    "name": parent.name,
                    "description": parent.description,
                    "url": parent.url,
                    "concepts": json_text(list(parent.concepts)),
                    "gender_restriction": parent.gender_restriction,
                    "test_dataset": parent.test_dataset,
                }
                row = await session.fetch_one(_insert("parents", list(params)), params)
                assert row is not None
                parent_id = parent_ids[parent.identifier] = row["id"]
                offer_rows = [offer_params(offer, parent_id) for offer in parent.offers]
                if offer_rows:
                    await session.execute_many(_insert("offers", list(offer_rows[0]), returning=False), offer_rows)
                occurrence_rows = [
                    opportunity_params(draft, parent_id, seller_id, parent.test_dataset)
                    for draft in parent.opportunities
                ]
                if occurrence_rows:
                    await session.execute_many(
                        _insert("opportunities", list(occurrence_rows[0]), returning=False), occurrence_rows
                    )
                offers += len(offer_rows)
                opportunities += len(occurrence_rows)
                if on_progress is not None:
                    on_progress(len(occurrence_rows))
        return ImportSummary(len(bundle.sellers), len(bundle.places), len(bundle.parents), offers, opportunities)

    async def _refuse_taken(self, session: Session, bundle: InventoryBundle) -> None:
        wanted = {
            "sellers": [s.identifier for s in bundle.sellers],
            "places": [p.identifier for p in bundle.places],
            "parents": [p.identifier for p in bundle.parents],
            "opportunities": [o.identifier for p in bundle.parents for o in p.opportunities],
        }
        for table, identifiers in wanted.items():
            taken = await self._existing(session, table, identifiers)
            if taken:
                raise IdentifierConflict(table, sorted(taken))

    async def sellers(self) -> list[Seller]:
        async with self.database.reading() as session:
            rows = await session.fetch_all("SELECT * FROM sellers ORDER BY id")
        return [seller_from(row) for row in rows]

    async def take_capacity(self, opportunity_id: int, places: int) -> int | None:
        if places < 1:
            raise ValueError("places must be at least 1")
        async with self.database.writing() as session:
            # One conditional statement: the database, not this process, decides who gets the last place.
            row = await session.fetch_one(
                "UPDATE opportunities SET remaining_capacity = remaining_capacity - :places, modified = NULL"
                " WHERE id = :id AND NOT deleted AND remaining_capacity >= :places RETURNING remaining_capacity",
                {"id": opportunity_id, "places": places},
            )
        return None if row is None else int(row["remaining_capacity"])

    async def return_capacity(self, opportunity_id: int, places: int) -> int:
        if places < 1:
            raise ValueError("places must be at least 1")
        async with self.database.writing() as session:
            row = await session.fetch_one(
                "UPDATE opportunities SET modified = NULL, remaining_capacity ="
                " CASE WHEN remaining_capacity + :places > maximum_capacity THEN maximum_capacity"
                " ELSE remaining_capacity + :places END WHERE id = :id RETURNING remaining_capacity",
                {"id": opportunity_id, "places": places},
            )
        if row is None:
            raise KeyError(opportunity_id)
        return int(row["remaining_capacity"])

    async def delete_inventory(self, parent_identifiers: list[str], opportunity_identifiers: list[str]) -> int:
        withdrawn = 0
        async with self.database.writing() as session:
            parents = await self._existing(session, "parents", parent_identifiers)
            singles = await self._existing(session, "opportunities", opportunity_identifiers)
            dialect = session.dialect
            withdraw = "SET deleted = true, modified = NULL WHERE NOT deleted AND"
            statements = (
                (f"UPDATE opportunities {withdraw} parent_id IN", parents),
                (f"UPDATE parents {withdraw} id IN", parents),
                (f"UPDATE opportunities {withdraw} id IN", singles),
            )
            for statement, ids in statements:
                if not ids:
                    continue
                rows = await session.fetch_all(
                    f"{statement} {id_list(dialect, 'ids')} RETURNING id",
                    {"ids": id_list_value(dialect, sorted(ids.values()))},
                )
                withdrawn += len(rows)
        return withdrawn

    async def parent_feed(self, kind: ParentKind, after: int | None, limit: int) -> ParentFeedPage:
        async with self.database.reading() as session:
            rows = await self._feed_rows(session, "parents", kind.value, after, limit)
            live = [row for row in rows if not row["deleted"]]
            offers = await self._offers(session, [row["id"] for row in live])
            sellers = await select_in(session, "SELECT * FROM sellers WHERE id IN", {row["seller_id"] for row in live})
            place_ids = {row["place_id"] for row in live if row["place_id"]}
            places = await select_in(session, "SELECT * FROM places WHERE id IN", place_ids)
        entries = [
            FeedEntry(row["modified"], row["id"], None if row["deleted"] else parent_from(row, offers[row["id"]]))
            for row in rows
        ]
        return ParentFeedPage(
            entries,
            sellers={r["id"]: seller_from(r) for r in sellers},
            places={r["id"]: place_from(r) for r in places},
        )

    async def opportunity_feed(self, kind: OpportunityKind, after: int | None, limit: int) -> OpportunityFeedPage:
        async with self.database.reading() as session:
            rows = await self._feed_rows(session, "opportunities", kind.value, after, limit)
            entries = [
                FeedEntry(row["modified"], row["id"], None if row["deleted"] else opportunity_from(row)) for row in rows
            ]
            parent_ids = {row["parent_id"] for row in rows if not row["deleted"]}
            if kind.is_standalone:
                parents, sellers, places = await self._descriptions(session, parent_ids)
                related = kind.sub_event_kind or kind.super_event_kind
                siblings = {} if related is None else await self._siblings(session, related, parent_ids)
                return OpportunityFeedPage(entries, parents=parents, sellers=sellers, places=places, related=siblings)
            offers: dict[int, tuple[Offer, ...]] = {}
            if not kind.offers_on_parent:
                offers = await self._offers(session, sorted(parent_ids))
        return OpportunityFeedPage(entries, offers_by_parent=offers)

    async def inventory_for(self, opportunity_ids: set[int], *, include_deleted: bool = False) -> InventoryView:
        """As the order store reads it, plus the HeadlineEvent (or other whole) of each sub-event booked,
        which responses embed as its superEvent."""
        view = await super().inventory_for(opportunity_ids, include_deleted=include_deleted)
        wanted = {
            (o.kind.super_event_kind, o.parent_id) for o in view.opportunities.values() if o.kind.super_event_kind
        }
        if not wanted:
            return view
        async with self.database.reading() as session:
            for kind, parent_id in sorted(wanted):
                assert kind is not None
                wholes = await self._siblings(session, kind, {parent_id}, include_deleted=include_deleted)
                for whole in wholes.get(parent_id, ()):
                    view.opportunities.setdefault(whole.id or 0, whole)
        return view

    async def _siblings(
        self, session: Session, kind: OpportunityKind, parent_ids: set[int], *, include_deleted: bool = False
    ) -> dict[int, tuple[Opportunity, ...]]:
        """The live (or all) opportunities of ``kind`` under these descriptions (sub-events, or the whole
        they belong to), by description, in date order."""
        live = "" if include_deleted else " AND NOT deleted"
        rows = await select_in(
            session,
            f"SELECT * FROM opportunities WHERE kind = '{kind.value}'{live} AND parent_id IN",
            parent_ids,
            "ORDER BY start_ms, id",
        )
        grouped: dict[int, list[Opportunity]] = defaultdict(list)
        for row in rows:
            grouped[row["parent_id"]].append(opportunity_from(row))
        return {parent_id: tuple(values) for parent_id, values in grouped.items()}

    async def _descriptions(
        self, session: Session, parent_ids: set[int]
    ) -> tuple[dict[int, ParentOpportunity], dict[int, Seller], dict[int, Place]]:
        """The parent rows (with offers), sellers and places that standalone events are published with."""
        parent_rows = await select_in(session, "SELECT * FROM parents WHERE id IN", parent_ids)
        offers = await self._offers(session, sorted(parent_ids))
        seller_ids = {row["seller_id"] for row in parent_rows}
        seller_rows = await select_in(session, "SELECT * FROM sellers WHERE id IN", seller_ids)
        place_ids = {row["place_id"] for row in parent_rows if row["place_id"]}
        place_rows = await select_in(session, "SELECT * FROM places WHERE id IN", place_ids)
        return (
            {row["id"]: parent_from(row, offers[row["id"]]) for row in parent_rows},
            {row["id"]: seller_from(row) for row in seller_rows},
            {row["id"]: place_from(row) for row in place_rows},
        )

    async def _feed_rows(self, session: Session, table: str, kind: str, after: int | None, limit: int) -> list[Row]:
        # Keyset on the (kind, modified) index: a page costs the same at any depth of the feed.
        return await session.fetch_all(
            f"SELECT * FROM {table} WHERE kind = :kind AND modified > :after ORDER BY modified LIMIT :limit",
            {"kind": kind, "after": -1 if after is None else after, "limit": limit},
        )

    async def _offers(self, session: Session, parent_ids: Sequence[int]) -> dict[int, tuple[Offer, ...]]:
        grouped: dict[int, list[Offer]] = defaultdict(list)
        if parent_ids:
            dialect = session.dialect
            rows = await session.fetch_all(
                f"SELECT * FROM offers WHERE parent_id IN {id_list(dialect, 'ids')} ORDER BY parent_id, id",
                {"ids": id_list_value(dialect, parent_ids)},
            )
            for row in rows:
                grouped[row["parent_id"]].append(offer_from(row))
        return defaultdict(tuple, {key: tuple(value) for key, value in grouped.items()})

    async def sequence_feed_changes(self) -> int:
        pending = {
            table: "modified IS NULL" + (f" AND {FEED_ENTRY_CONDITION[table]}" if table in FEED_ENTRY_CONDITION else "")
            for table in FEED_TABLES
        }
        return await self.database.sequence_feed_changes(pending)

    async def counts(self) -> dict[str, int]:
        async with self.database.reading() as session:
            result = {}
            for table in (*_TABLES, "offers"):
                row = await session.fetch_one(f"SELECT count(*) AS n FROM {table}")
                result[table] = 0 if row is None else int(row["n"])
        return result
