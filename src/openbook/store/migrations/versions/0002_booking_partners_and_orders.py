"""booking partners and orders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_partners",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=True),
        sa.Column("suspended", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_partners")),
        sa.UniqueConstraint("client_id", name=op.f("uq_booking_partners_client_id")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=True),
        sa.Column("lease_expires_ms", sa.BigInteger(), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("prepayment", sa.String(length=60), nullable=True),
        sa.Column("in_feed", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("test_dataset", sa.String(length=200), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["booking_partners.id"], name=op.f("fk_orders_partner_id_booking_partners")
        ),
        sa.ForeignKeyConstraint(["seller_id"], ["sellers.id"], name=op.f("fk_orders_seller_id_sellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_lease_expiry", ["lease_expires_ms"], unique=False)
        batch_op.create_index("ix_orders_partner_modified", ["partner_id", "modified"], unique=False)
        batch_op.create_index("ix_orders_partner_uuid", ["partner_id", "uuid"], unique=True)
        batch_op.create_index(
            "ix_orders_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("modified IS NULL AND in_feed"),
            postgresql_where=sa.text("modified IS NULL AND in_feed"),
        )

    op.create_table(
        "partner_sellers",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["booking_partners.id"],
            name=op.f("fk_partner_sellers_partner_id_booking_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["sellers.id"], name=op.f("fk_partner_sellers_seller_id_sellers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("partner_id", "seller_id", name=op.f("pk_partner_sellers")),
    )
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=60), nullable=True),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("attendee", sa.JSON(), nullable=True),
        sa.Column("intake", sa.JSON(), nullable=True),
        sa.Column("cancellation_message", sa.Text(), nullable=True),
        sa.Column("customer_notice", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name=op.f("fk_order_items_offer_id_offers")),
        sa.ForeignKeyConstraint(
            ["opportunity_id"], ["opportunities.id"], name=op.f("fk_order_items_opportunity_id_opportunities")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_items_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.create_index("ix_order_items_opportunity", ["opportunity_id"], unique=False)
        batch_op.create_index("ix_order_items_order_line", ["order_id", "line"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.drop_index("ix_order_items_order_line")
        batch_op.drop_index("ix_order_items_opportunity")

    op.drop_table("order_items")
    op.drop_table("partner_sellers")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_orders_pending",
            sqlite_where=sa.text("modified IS NULL AND in_feed"),
            postgresql_where=sa.text("modified IS NULL AND in_feed"),
        )
        batch_op.drop_index("ix_orders_partner_uuid")
        batch_op.drop_index("ix_orders_partner_modified")
        batch_op.drop_index("ix_orders_lease_expiry")

    op.drop_table("orders")
    op.drop_table("booking_partners")
