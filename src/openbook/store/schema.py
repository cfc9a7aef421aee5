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
    Column("activities", JSON, nullable=False),
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

# SQLite has no sequences: the feed change counter lives in this one-row table there.
feed_counter = Table(
    "feed_counter",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# The tables whose rows are RPDE feed items, in the order the sequencer visits them.
FEED_TABLES = ("parents", "opportunities")
