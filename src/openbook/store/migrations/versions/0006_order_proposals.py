"""order proposals (the approval flow): status, version, notes, and their own feed

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_OLD_PENDING = "modified IS NULL AND in_feed"
_NEW_PENDING = "modified IS NULL AND (in_feed OR proposal_in_feed)"


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("proposal_status", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("proposal_version", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("proposal_in_feed", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        batch.add_column(sa.Column("seller_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("customer_note", sa.Text(), nullable=True))
        batch.drop_index(
            "ix_orders_pending", sqlite_where=sa.text(_OLD_PENDING), postgresql_where=sa.text(_OLD_PENDING)
        )
        batch.create_index(
            "ix_orders_pending", ["id"], sqlite_where=sa.text(_NEW_PENDING), postgresql_where=sa.text(_NEW_PENDING)
        )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_index(
            "ix_orders_pending", sqlite_where=sa.text(_NEW_PENDING), postgresql_where=sa.text(_NEW_PENDING)
        )
        batch.create_index(
            "ix_orders_pending", ["id"], sqlite_where=sa.text(_OLD_PENDING), postgresql_where=sa.text(_OLD_PENDING)
        )
        for column in ("customer_note", "seller_note", "proposal_in_feed", "proposal_version", "proposal_status"):
            batch.drop_column(column)
