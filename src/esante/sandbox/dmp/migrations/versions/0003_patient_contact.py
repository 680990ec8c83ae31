"""Patient: name prefix, e-mail, mobile phone and the open internet account (TD0.2 answer).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dmp_patient") as batch:
        batch.add_column(sa.Column("name_prefix", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("email", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("mobile_phone", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column(
                "internet_account_open", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("dmp_patient") as batch:
        batch.drop_column("internet_account_open")
        batch.drop_column("mobile_phone")
        batch.drop_column("email")
        batch.drop_column("name_prefix")
