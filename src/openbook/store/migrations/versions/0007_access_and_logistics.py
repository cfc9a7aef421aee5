"""means of entry (pin codes, barcodes) on order items

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_items", sa.Column("access_code", sa.JSON(), nullable=True))
    op.add_column("order_items", sa.Column("access_pass", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_items") as batch:
        batch.drop_column("access_pass")
        batch.drop_column("access_code")
