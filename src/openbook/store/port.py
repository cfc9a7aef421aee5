"""The Store port: everything the services need from persistence, and nothing about SQL.

Both adapters (SQLite, PostgreSQL) implement it and pass the same contract tests
(tests/store/test_store_contract.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

from openbook.domain.access import ItemAccess
from openbook.domain.inventory import (
    AttendanceMode,
    InventoryBundle,
    Offer,
    Opportunity,
    OpportunityKind,
    ParentKind,
    ParentOpportunity,
    Place,
    Seller,
    VirtualLocation,
)

V = TypeVar("V")


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
    # Standalone events are published whole: their descriptions (with offers), sellers and places.
    parents: dict[int, ParentOpportunity] = field(default_factory=dict)
    sellers: dict[int, Seller] = field(default_factory=dict)
    places: dict[int, Place] = field(default_factory=dict)
    # By description: a whole's sub-events in date order, or (for sub-events) the whole they belong to.
    related: dict[int, tuple[Opportunity, ...]] = field(default_factory=dict)


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

    # The order book (implemented in store/sql_orders.py).

    async def partner(self, client_id: str) -> Partner | None: ...

    async def partners(self) -> list[Partner]: ...

    async def ensure_partner(self, client_id: str, name: str, now_ms: int, *, all_sellers: bool = False) -> Partner:
        """The partner with this client id, created without a secret (test mode) if there is none."""
        ...

    async def create_partner(self, client_id: str, name: str, secret_hash: str, now_ms: int) -> Partner:
        """A new partner with credentials; PartnerExists if the client id is taken."""
        ...

    async def set_partner_secret(self, partner_id: int, secret_hash: str) -> None: ...

    async def set_partner_suspended(self, partner_id: int, suspended: bool) -> None: ...

    async def authorise_seller(self, partner_id: int, seller_id: int) -> None: ...

    async def revoke_seller(self, partner_id: int, seller_id: int) -> bool: ...

    async def signing_keys(self) -> list[SigningKey]:
        """Every token-signing key, newest first."""
        ...

    async def add_signing_key(self, key: SigningKey) -> None: ...

    # Seller back office (store/sql_backoffice.py).

    async def add_staff(self, seller_id: int, name: str, key_hash: str, now_ms: int) -> Staff: ...

    async def staff_by_key_hash(self, key_hash: str) -> Staff | None: ...

    async def all_staff(self) -> list[Staff]: ...

    async def revoke_staff(self, staff_id: int) -> bool: ...

    async def seller_orders(self, seller_id: int, after_id: int, limit: int) -> list[SellerOrder]:
        """The seller's booked orders (not quotes, not deleted) with ids above ``after_id``, oldest first."""
        ...

    async def seller_order(self, seller_id: int, order_id: int) -> SellerOrder | None: ...

    async def seller_by_id(self, seller_id: int) -> Seller | None: ...

    async def inventory_for(self, opportunity_ids: set[int], *, include_deleted: bool = False) -> InventoryView: ...

    async def lease_view(self, partner_id: int, uuid: str, now_ms: int) -> LeaseView: ...

    async def held_by_other_leases(
        self, partner_id: int, uuid: str, opportunity_ids: set[int], now_ms: int
    ) -> dict[int, int]:
        """Opportunity id -> places other customers' live leases hold (only asked where a basket is short:
        it reads every item on those opportunities)."""
        ...

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
        quoted_before: bool = False,  # a hint: this uuid was a lease when last read
    ) -> set[int]: ...

    async def release_lease(self, partner_id: int, uuid: str) -> None: ...

    async def reclaim_expired_leases(self, now_ms: int) -> int: ...

    async def place_order(self, order: NewOrder, now_ms: int) -> tuple[bool, str]: ...

    async def order(self, partner_id: int, uuid: str) -> StoredOrder | None: ...

    async def change_order(
        self, partner_id: int, uuid: str, decide: Callable[[StoredOrder], OrderChange], now_ms: int
    ) -> StoredOrder: ...

    async def delete_order(self, partner_id: int, uuid: str, now_ms: int) -> str | None: ...

    async def change_proposal(
        self, partner_id: int, uuid: str, decide: Callable[[StoredOrder], ProposalChange], now_ms: int
    ) -> StoredOrder: ...

    async def orders_feed(
        self, partner_id: int, after: int | None, limit: int, *, proposals: bool = False
    ) -> list[OrderFeedEntry]: ...

    async def delete_test_dataset(self, dataset: str, now_ms: int) -> None: ...

    async def add_occurrence(self, opportunity_id: int, identifier: str, later_ms: int) -> int:
        """A new opportunity like ``opportunity_id`` (same parent, capacity, dataset), ``later_ms`` later; its id."""
        ...

    # Changes of logistics (store/sql_logistics.py).

    async def change_logistics(
        self,
        opportunity_id: int,
        seller_id: int | None,
        decide: Callable[[OpportunityLogistics], LogisticsChange],
        now_ms: int,
    ) -> int:
        """Apply ``decide``'s verdict on the opportunity's current logistics atomically (``seller_id``: only
        if it is that seller's); the opportunity (and, for name and place, its parent and siblings) gets a new
        change number and every Order with a confirmed place on them is re-emitted. Returns how many Orders.

        Raises UnknownOpportunity, or UnknownPlace; ``decide`` may raise to refuse. Either way nothing changes.
        """
        ...


@dataclass(frozen=True, slots=True)
class Partner:
    """A booking partner: the holder of one set of credentials, and the namespace of its order UUIDs."""

    id: int
    client_id: str
    name: str
    seller_ids: frozenset[int]
    suspended: bool = False
    all_sellers: bool = False  # test-mode partners: any seller
    secret_hash: str | None = None

    def may_book_for(self, seller_id: int) -> bool:
        return self.all_sellers or seller_id in self.seller_ids


@dataclass(frozen=True, slots=True)
class Staff:
    """A member of a seller's staff with a back-office key: acts for that seller only."""

    id: int
    seller_id: int
    name: str
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class SellerOrder:
    """An order as its seller sees it in the back office: whose it is, and everything in it."""

    partner: Partner
    order: StoredOrder


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    secret: str
    created_ms: int


@dataclass(frozen=True, slots=True)
class InventoryView:
    """What booking needs to know about the opportunities an order names."""

    opportunities: dict[int, Opportunity]
    parents: dict[int, ParentOpportunity]
    sellers: dict[int, Seller]
    places: dict[int, Place]


@dataclass(frozen=True, slots=True)
class LeaseView:
    kind: str | None  # what (partner, uuid) currently is: OrderQuote, OrderProposal, Order, Deleted, or nothing
    own: dict[int, int]  # opportunity id -> places this uuid's live lease holds


@dataclass(frozen=True, slots=True)
class OrderLine:
    line: int  # 1-based, stable: part of the OrderItem @id
    opportunity_id: int
    offer_id: int
    price_minor: int  # gross
    tax_minor: int
    offer_snapshot: dict[str, Any] | None = None
    attendee: dict[str, Any] | None = None
    intake: list[dict[str, Any]] | None = None
    access: ItemAccess | None = None  # means of entry issued at B


@dataclass(frozen=True, slots=True)
class NewOrder:
    partner_id: int
    uuid: str
    seller_id: int
    lines: list[OrderLine]
    details: dict[str, Any]  # broker role, broker, customer, payment
    currency: str
    prepayment: str | None
    request_hash: str
    response: str
    test_dataset: str | None = None
    kind: str = "Order"  # or "OrderProposal" (P): its items then hold places until it is booked or lapses
    proposal_version: str | None = None


@dataclass(frozen=True, slots=True)
class StoredItem:
    line: int
    opportunity_id: int
    opportunity_kind: OpportunityKind
    offer_id: int
    status: str | None
    price_minor: int
    tax_minor: int
    offer_snapshot: dict[str, Any] | None
    attendee: dict[str, Any] | None
    intake: list[dict[str, Any]] | None
    cancellation_message: str | None
    customer_notice: str | None
    access: ItemAccess = field(default_factory=ItemAccess)


@dataclass(frozen=True, slots=True)
class StoredOrder:
    id: int
    partner_id: int
    uuid: str
    kind: str
    seller_id: int | None
    details: dict[str, Any]
    currency: str | None
    prepayment: str | None
    in_feed: bool
    lease_expires_ms: int | None
    response: str | None
    request_hash: str | None
    items: list[StoredItem]
    modified: int | None = None
    proposal_status: str | None = None
    proposal_version: str | None = None
    proposal_in_feed: bool = False
    seller_note: str | None = None
    customer_note: str | None = None


@dataclass(frozen=True, slots=True)
class ItemChange:
    status: str | None = None
    cancellation_message: str | None = None
    customer_notice: str | None = None
    access: ItemAccess | None = None  # replaces the item's means of entry
    opportunity_id: int | None = None  # Replacement: the place moves here (same offer, same price)


@dataclass(frozen=True, slots=True)
class OrderChange:
    """What a service decided to change in a stored Order; capacity of newly cancelled items is returned, a
    replaced item takes a place on its new opportunity (CapacityShortfall if there is none) and frees the old."""

    items: dict[int, ItemChange] = field(default_factory=dict)  # by line


@dataclass(frozen=True, slots=True)
class BookedProposal:
    """An accepted OrderProposal booked by B: what the new Order stores."""

    response: str
    request_hash: str
    payment: dict[str, Any] | None
    access: dict[int, ItemAccess] = field(default_factory=dict)  # means of entry issued at B, by line


@dataclass(frozen=True, slots=True)
class ProposalChange:
    """What a decision does to an OrderProposal (all None/False: nothing, and nothing is written)."""

    status: str | None = None
    version: str | None = None
    seller_note: str | None = None
    customer_note: str | None = None
    hold_lapses_ms: int | None = None  # a rejected proposal's places return then, as an expired lease's do
    booked: BookedProposal | None = None

    @property
    def is_empty(self) -> bool:
        return self == ProposalChange()


@dataclass(frozen=True, slots=True)
class OrderFeedEntry:
    change_number: int
    uuid: str
    order: StoredOrder | None  # None: deleted


class PartnerExists(StoreError):
    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        super().__init__(f"a booking partner with client id {client_id!r} already exists")


class UuidTaken(StoreError):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"this order UUID is already used by an {kind}")


class CapacityShortfall(StoreError):
    def __init__(self, opportunity_ids: list[int]) -> None:
        self.opportunity_ids = opportunity_ids
        super().__init__(f"not enough capacity left on opportunities {opportunity_ids}")


class UnknownOrder(StoreError):
    pass


@dataclass(frozen=True, slots=True)
class OpportunityLogistics:
    """Where and when an opportunity takes place, and what it is called (its parent's name and place)."""

    opportunity_id: int
    kind: OpportunityKind
    parent_id: int
    seller_id: int
    name: str
    place_identifier: str | None
    start_ms: int
    end_ms: int
    attendance_mode: AttendanceMode = AttendanceMode.OFFLINE
    access_channel: VirtualLocation | None = None


@dataclass(frozen=True, slots=True)
class LogisticsChange:
    """What changes; None leaves a value as it is. Name and place belong to the parent (all its occurrences);
    times and the access channel to the one opportunity (the channel is private: not republished)."""

    name: str | None = None
    place_identifier: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    access_channel: VirtualLocation | None = None

    @property
    def is_empty(self) -> bool:
        return self == LogisticsChange()

    @property
    def is_public(self) -> bool:
        """Whether the opportunity feeds show the change (everything but the access channel)."""
        return replace(self, access_channel=None) != LogisticsChange()

    @property
    def of_parent(self) -> bool:
        return self.name is not None or self.place_identifier is not None


class UnknownOpportunity(StoreError):
    pass


class UnknownPlace(StoreError):
    def __init__(self, identifier: str) -> None:
        self.identifier = identifier
        super().__init__(f"no place has the identifier {identifier!r}")
