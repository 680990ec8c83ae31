"""last visit of a professional to a patient's DMP documents (MES bar counters)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 21:15:00

Issue 13 item 2: "new documents since your last visit" is counted per professional and
patient, so the time each professional last opened the DMP list of each patient is kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dmp_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_dmp_visit_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioner.id"],
            name=op.f("fk_dmp_visit_practitioner_id_practitioner"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_visit")),
        sa.UniqueConstraint(
            "practitioner_id", "patient_id", name=op.f("uq_dmp_visit_practitioner_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("dmp_visit")
