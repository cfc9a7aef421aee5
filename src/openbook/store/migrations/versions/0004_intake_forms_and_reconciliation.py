"""offer intake forms, seller payment reconciliation details

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("offers", sa.Column("intake_form", sa.JSON(), nullable=True))
    op.add_column("sellers", sa.Column("payment_reconciliation", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("intake_form")
    with op.batch_alter_table("sellers") as batch:
        batch.drop_column("payment_reconciliation")
