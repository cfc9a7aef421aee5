"""partner credentials: all-sellers flag and token-signing keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "booking_partners",
        sa.Column("all_sellers", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
    )
    # Partners made by test mode before this revision booked for any seller; keep that.
    op.execute("UPDATE booking_partners SET all_sellers = (secret_hash IS NULL)")
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=40), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )


def downgrade() -> None:
    op.drop_table("signing_keys")
    with op.batch_alter_table("booking_partners") as batch:
        batch.drop_column("all_sellers")
