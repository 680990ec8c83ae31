"""Access log: the reason given for an emergency access (bris de glace, centre 15).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dmp_access_log") as batch:
        batch.add_column(sa.Column("access_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dmp_access_log") as batch:
        batch.drop_column("access_reason")
