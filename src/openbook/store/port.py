"""The Store port: everything the services need from persistence, and nothing about SQL.

Both adapters (SQLite, PostgreSQL) implement it and pass the same contract tests
(tests/store/test_store_contract.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

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

V = TypeVar("V", ParentOpportunity, Opportunity)


class StoreError(Exception):
    pass


class IdentifierConflict(StoreError):
    """An imported identifier already exists; the whole import was rolled back."""

    def __init__(self, record_type: str, identifiers: list[str]) -> None:
        self.record_type = record_type
        self.identifiers = identifiers
        super().__init__(f"{record_type} already exist: {', '.join(identifiers)}")


@dataclass(frozen=True, slots=True)
class ImportSummary:
    sellers: int
    places: int
    parents: int
    offers: int
    opportunities: int


@dataclass(frozen=True, slots=True)
class FeedEntry(Generic[V]):
    """One RPDE item: ``value`` is None for a deleted item (a tombstone)."""

    change_number: int
    id: int
    value: V | None


@dataclass(frozen=True, slots=True)
class ParentFeedPage:
    entries: list[FeedEntry[ParentOpportunity]]
    sellers: dict[int, Seller] = field(default_factory=dict)
    places: dict[int, Place] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OpportunityFeedPage:
    entries: list[FeedEntry[Opportunity]]
    # Slots carry their facility's offers; sessions inherit theirs from the series and need none here.
    offers_by_parent: dict[int, tuple[Offer, ...]] = field(default_factory=dict)


class Store(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def import_inventory(
        self, bundle: InventoryBundle, on_progress: Callable[[int], None] | None = None
    ) -> ImportSummary:
        """Store everything or nothing. Raises IdentifierConflict if an identifier is taken.

        ``on_progress`` is told how many opportunities each step wrote, for progress bars.
        """
        ...

    async def existing_identifiers(self, table: str, identifiers: list[str]) -> dict[str, int]:
        """Map each identifier found in ``table`` (sellers, places, parents, opportunities) to its id."""
        ...

    async def sellers(self) -> list[Seller]: ...

    async def take_capacity(self, opportunity_id: int, places: int) -> int | None:
        """Atomically take ``places`` if that many remain; the new remaining count, or None if not."""
        ...

    async def return_capacity(self, opportunity_id: int, places: int) -> int:
        """Give back ``places`` (never above the maximum); the new remaining count."""
        ...

    async def delete_inventory(self, parent_identifiers: list[str], opportunity_identifiers: list[str]) -> int:
        """Withdraw parents (with their opportunities) and single opportunities; they become feed tombstones.

        Returns how many rows were withdrawn.
        """
        ...

    async def parent_feed(self, kind: ParentKind, after: int | None, limit: int) -> ParentFeedPage: ...

    async def opportunity_feed(self, kind: OpportunityKind, after: int | None, limit: int) -> OpportunityFeedPage: ...

    async def sequence_feed_changes(self) -> int:
        """Give change numbers to committed, not yet sequenced rows; returns how many."""
        ...

    async def counts(self) -> dict[str, int]: ...
