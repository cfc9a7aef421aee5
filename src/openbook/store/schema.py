"""The one schema, defined once for both databases; Alembic migrations are written against it.

Conventions that both adapters rely on:
- instants are epoch milliseconds (BIGINT), always UTC;
- money is an integer count of the currency's minor unit, never a float;
- ``modified`` is the RPDE change number: NULL means "changed, not yet sequenced into the feed"
  (see docs/decisions/0003-feed-sequencing.md);
- ``remaining_capacity`` is guarded by a CHECK, so no code path can ever overbook.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

sellers = Table(
    "sellers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("identifier", String(200), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("legal_name", Text),
    Column("tax_mode", String(60), nullable=False),
    Column("is_open_booking_allowed", Boolean, nullable=False, server_default=text("true")),
    Column("description", Text),
    Column("url", Text),
    Column("email", Text),
    Column("telephone", Text),
    Column("logo_url", Text),
    Column("vat_id", Text),
    Column("address", JSON),
    Column("terms_of_service", JSON),
    # The `payment` details a broker must send for this seller's reconciliation (name, accountId, paymentProviderId).
    Column("payment_reconciliation", JSON),
)

places = Table(
    "places",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("identifier", String(200), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("address", JSON),
    Column("latitude", Float),
    Column("longitude", Float),
)

parents = Table(
    "parents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("identifier", String(200), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("seller_id", Integer, ForeignKey("sellers.id"), nullable=False),
    Column("place_id", Integer, ForeignKey("places.id")),
    Column("aggregate_id", Integer, ForeignKey("parents.id")),
    Column("name", Text, nullable=False),
    Column("description", Text),
    Column("url", Text),
    Column("concepts", JSON, nullable=False),
    Column("gender_restriction", Text),
    Column("test_dataset", String(200)),
    Column("deleted", Boolean, nullable=False, server_default=text("false")),
    Column("modified", BigInteger),
    Index("ix_parents_kind_modified", "kind", "modified", unique=True),
    Index(
        "ix_parents_pending",
        "id",
        sqlite_where=text("modified IS NULL"),
        postgresql_where=text("modified IS NULL"),
    ),
)

offers = Table(
    "offers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("parent_id", Integer, ForeignKey("parents.id", ondelete="CASCADE"), nullable=False),
    Column("identifier", String(200), nullable=False),
    Column("name", Text),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("prepayment", String(60)),
    Column("in_advance", String(60)),
    Column("valid_from_before_start_s", BigInteger),
    Column("valid_through_before_start_s", BigInteger),
    Column("latest_cancellation_before_start_s", BigInteger),
    Column("allow_full_refund", Boolean, nullable=False, server_default=text("false")),
    Column("requirements", JSON, nullable=False),
    Column("min_age", Integer),
    Column("max_age", Integer),
    Column("intake_form", JSON),  # the questions asked before booking (domain.intake.IntakeField records)
    CheckConstraint("price_minor >= 0", name="price_not_negative"),
    Index("ix_offers_parent_identifier", "parent_id", "identifier", unique=True),
)

opportunities = Table(
    "opportunities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("identifier", String(200), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("parent_id", Integer, ForeignKey("parents.id"), nullable=False),
    Column("seller_id", Integer, ForeignKey("sellers.id"), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("maximum_capacity", Integer, nullable=False),
    Column("remaining_capacity", Integer, nullable=False),
    Column("event_status", String(60), nullable=False),
    Column("attendance_mode", String(60), nullable=False),
    Column("test_dataset", String(200)),
    Column("deleted", Boolean, nullable=False, server_default=text("false")),
    Column("access_channel", JSON),  # how booked customers join online (domain VirtualLocation); never published
    Column("modified", BigInteger),
    CheckConstraint("end_ms > start_ms", name="ends_after_start"),
    CheckConstraint(
        "remaining_capacity >= 0 AND remaining_capacity <= maximum_capacity", name="capacity_within_bounds"
    ),
    Index("ix_opportunities_kind_modified", "kind", "modified", unique=True),
    Index(
        "ix_opportunities_pending",
        "id",
        sqlite_where=text("modified IS NULL"),
        postgresql_where=text("modified IS NULL"),
    ),
    Index("ix_opportunities_parent", "parent_id"),
)

booking_partners = Table(
    "booking_partners",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(200), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("secret_hash", Text),
    Column("suspended", Boolean, nullable=False, server_default=text("false")),
    # Test-mode partners may book for any seller; real ones only for the sellers in partner_sellers.
    Column("all_sellers", Boolean, nullable=False, server_default=text("false")),
    Column("created_ms", BigInteger, nullable=False),
)

# Seller staff who use the back office: each holds an API key, stored as its SHA-256 (the key is random).
seller_staff = Table(
    "seller_staff",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seller_id", Integer, ForeignKey("sellers.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("revoked", Boolean, nullable=False, server_default=text("false")),
    Column("created_ms", BigInteger, nullable=False),
)

# Keys that sign access tokens (HS256); every server process reads them, so tokens work across hosts.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(40), primary_key=True),
    Column("secret", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

# Which sellers a booking partner may book for (an empty set in test mode means: any seller).
partner_sellers = Table(
    "partner_sellers",
    metadata,
    Column("partner_id", Integer, ForeignKey("booking_partners.id", ondelete="CASCADE"), primary_key=True),
    Column("seller_id", Integer, ForeignKey("sellers.id", ondelete="CASCADE"), primary_key=True),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", Integer, ForeignKey("booking_partners.id"), nullable=False),
    Column("uuid", String(36), nullable=False),
    Column("kind", String(20), nullable=False),  # OrderQuote | OrderProposal | Order | Deleted
    Column("seller_id", Integer, ForeignKey("sellers.id")),
    Column("lease_expires_ms", BigInteger),
    Column("request_hash", String(64)),
    Column("response", Text),  # the exact 201 body, replayed to an identical repeat
    Column("details", JSON),  # broker role, broker, customer, payment: purged on deletion
    Column("currency", String(3)),
    Column("prepayment", String(60)),
    Column("in_feed", Boolean, nullable=False, server_default=text("false")),  # in the orders feed
    Column("test_dataset", String(200)),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Column("modified", BigInteger),
    # The approval flow: an OrderProposal's status and current version, and the order-proposals feed.
    Column("proposal_status", String(60)),
    Column("proposal_version", String(36)),
    Column("proposal_in_feed", Boolean, nullable=False, server_default=text("false")),
    Column("seller_note", Text),
    Column("customer_note", Text),  # never shown in a feed (spec: #message-exchange)
    Index("ix_orders_partner_uuid", "partner_id", "uuid", unique=True),
    Index("ix_orders_partner_modified", "partner_id", "modified"),
    Index(
        "ix_orders_pending",
        "id",
        sqlite_where=text("modified IS NULL AND (in_feed OR proposal_in_feed)"),
        postgresql_where=text("modified IS NULL AND (in_feed OR proposal_in_feed)"),
    ),
    Index("ix_orders_lease_expiry", "lease_expires_ms"),
)

order_items = Table(
    "order_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("line", Integer, nullable=False),  # 1-based; part of the OrderItem @id, never reused
    Column("opportunity_id", Integer, ForeignKey("opportunities.id"), nullable=False),
    Column("offer_id", Integer, ForeignKey("offers.id"), nullable=False),
    Column("status", String(60)),  # NULL while the item only holds a lease
    Column("price_minor", BigInteger, nullable=False),  # gross, what the customer pays
    Column("tax_minor", BigInteger, nullable=False),
    Column("snapshot", JSON),  # acceptedOffer and orderedItem reference as booked
    Column("attendee", JSON),
    Column("intake", JSON),
    Column("cancellation_message", Text),
    Column("customer_notice", Text),
    Column("access_code", JSON),  # means of entry (domain.access): pin codes,
    Column("access_pass", JSON),  # and barcodes (the seller's, and any a broker supplied at B)
    Index("ix_order_items_order_line", "order_id", "line", unique=True),
    Index("ix_order_items_opportunity", "opportunity_id"),
)

# SQLite has no sequences: the feed change counter lives in this one-row table there.
feed_counter = Table(
    "feed_counter",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# The tables whose rows are RPDE feed items, in the order the sequencer visits them.
FEED_TABLES = ("parents", "opportunities", "orders")
# Rows of these tables join their feed only once flagged (an Order or OrderProposal appears after its
# first change; one change number serves both order feeds).
FEED_ENTRY_CONDITION = {"orders": "(in_feed OR proposal_in_feed)"}
