"""inventory and feeds

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_counter",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_feed_counter")),
    )
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
        sa.UniqueConstraint("identifier", name=op.f("uq_places_identifier")),
    )
    op.create_table(
        "sellers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("legal_name", sa.Text(), nullable=True),
        sa.Column("tax_mode", sa.String(length=60), nullable=False),
        sa.Column("is_open_booking_allowed", sa.Boolean(), server_default=sa.text("(true)"), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("telephone", sa.Text(), nullable=True),
        sa.Column("logo_url", sa.Text(), nullable=True),
        sa.Column("vat_id", sa.Text(), nullable=True),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("terms_of_service", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sellers")),
        sa.UniqueConstraint("identifier", name=op.f("uq_sellers_identifier")),
    )
    op.create_table(
        "parents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("aggregate_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("concepts", sa.JSON(), nullable=False),
        sa.Column("gender_restriction", sa.Text(), nullable=True),
        sa.Column("test_dataset", sa.String(length=200), nullable=True),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["aggregate_id"], ["parents.id"], name=op.f("fk_parents_aggregate_id_parents")),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], name=op.f("fk_parents_place_id_places")),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_parents_seller_id_sellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parents")),
        sa.UniqueConstraint("identifier", name=op.f("uq_parents_identifier")),
    )
    with op.batch_alter_table("parents", schema=None) as batch_op:
        batch_op.create_index("ix_parents_kind_modified", ["kind", "modified"], unique=True)
        batch_op.create_index(
            "ix_parents_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("modified IS NULL"),
            postgresql_where=sa.text("modified IS NULL"),
        )

    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("prepayment", sa.String(length=60), nullable=True),
        sa.Column("in_advance", sa.String(length=60), nullable=True),
        sa.Column("valid_from_before_start_s", sa.BigInteger(), nullable=True),
        sa.Column("valid_through_before_start_s", sa.BigInteger(), nullable=True),
        sa.Column("latest_cancellation_before_start_s", sa.BigInteger(), nullable=True),
        sa.Column("allow_full_refund", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.CheckConstraint("price_minor >= 0", name=op.f("ck_offers_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["parents.id"], name=op.f("fk_offers_parent_id_parents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index("ix_offers_parent_identifier", ["parent_id", "identifier"], unique=True)

    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("start_ms", sa.BigInteger(), nullable=False),
        sa.Column("end_ms", sa.BigInteger(), nullable=False),
        sa.Column("maximum_capacity", sa.Integer(), nullable=False),
        sa.Column("remaining_capacity", sa.Integer(), nullable=False),
        sa.Column("event_status", sa.String(length=60), nullable=False),
        sa.Column("attendance_mode", sa.String(length=60), nullable=False),
        sa.Column("test_dataset", sa.String(length=200), nullable=True),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("end_ms > start_ms", name=op.f("ck_opportunities_ends_after_start")),
        sa.CheckConstraint(
            "remaining_capacity >= 0 AND remaining_capacity <= maximum_capacity",
            name=op.f("ck_opportunities_capacity_within_bounds"),
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["parents.id"], name=op.f("fk_opportunities_parent_id_parents")),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_opportunities_seller_id_sellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
        sa.UniqueConstraint("identifier", name=op.f("uq_opportunities_identifier")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index("ix_opportunities_kind_modified", ["kind", "modified"], unique=True)
        batch_op.create_index("ix_opportunities_parent", ["parent_id"], unique=False)
        batch_op.create_index(
            "ix_opportunities_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("modified IS NULL"),
            postgresql_where=sa.text("modified IS NULL"),
        )

    # The RPDE change counter: a sequence on PostgreSQL, a one-row table on SQLite.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE feed_change_seq")
    op.execute("INSERT INTO feed_counter (name, value) VALUES ('feed', 0)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE feed_change_seq")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_opportunities_pending",
            sqlite_where=sa.text("modified IS NULL"),
            postgresql_where=sa.text("modified IS NULL"),
        )
        batch_op.drop_index("ix_opportunities_parent")
        batch_op.drop_index("ix_opportunities_kind_modified")

    op.drop_table("opportunities")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index("ix_offers_parent_identifier")

    op.drop_table("offers")
    with op.batch_alter_table("parents", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_parents_pending",
            sqlite_where=sa.text("modified IS NULL"),
            postgresql_where=sa.text("modified IS NULL"),
        )
        batch_op.drop_index("ix_parents_kind_modified")

    op.drop_table("parents")
    op.drop_table("sellers")
    op.drop_table("places")
    op.drop_table("feed_counter")
