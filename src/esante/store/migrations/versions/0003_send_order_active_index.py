"""partial index of the send orders not yet final

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 04:50:00

A claim checks that a new version's predecessor is final; without this index PostgreSQL
answers that by reading the whole order history (every sent order) at each claim.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTIVE = "state NOT IN ('sent', 'cancelled', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table("send_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_send_order_active",
            ["id"],
            unique=False,
            postgresql_where=sa.text(ACTIVE),
            sqlite_where=sa.text(ACTIVE),
        )


def downgrade() -> None:
    with op.batch_alter_table("send_order", schema=None) as batch_op:
        batch_op.drop_index("ix_send_order_active")
