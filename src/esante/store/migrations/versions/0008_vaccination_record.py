"""vaccination record: vaccines given (with provenance), BDPM vaccine presentations

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:00:00

Issue 15 (vaccination record): the vaccines given to a patient, here, read from a
received vaccination note or copied from the paper carnet (``vaccination``), and the
vaccine presentations imported from the public BDPM files (``vaccine_presentation``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vaccination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("administered_on", sa.Date(), nullable=False),
        sa.Column("vaccine_name", sa.String(300), nullable=False),
        sa.Column("cis", sa.String(8), nullable=True),
        sa.Column("atc", sa.String(10), nullable=True),
        sa.Column("valences", sa.String(100), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=True),
        sa.Column("lot", sa.String(20), nullable=True),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("serial", sa.String(20), nullable=True),
        sa.Column("dose_rank", sa.Integer(), nullable=True),
        sa.Column("booster", sa.Boolean(), nullable=True),
        sa.Column("route_code", sa.String(20), nullable=True),
        sa.Column("route_label", sa.String(100), nullable=True),
        sa.Column("site_code", sa.String(20), nullable=True),
        sa.Column("site_label", sa.String(100), nullable=True),
        sa.Column("performer_id", sa.Integer(), nullable=True),
        sa.Column("performer_name", sa.String(200), nullable=True),
        sa.Column("comment", sa.String(500), nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("source_document_unique_id", sa.String(128), nullable=True),
        sa.Column("recorded_by", sa.String(40), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('local', 'dmp', 'mssante', 'carnet')",
            name=op.f("ck_vaccination_source"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_vaccination_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["performer_id"],
            ["practitioner.id"],
            name=op.f("fk_vaccination_performer_id_practitioner"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_vaccination_document_id_document"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vaccination")),
    )
    op.create_index("ix_vaccination_patient", "vaccination", ["patient_id", "administered_on"])
    op.create_table(
        "vaccine_presentation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cip13", sa.String(13), nullable=False),
        sa.Column("cis", sa.String(8), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("vaccine_key", sa.String(40), nullable=True),
        sa.Column("atc", sa.String(10), nullable=True),
        sa.Column("valences", sa.String(100), nullable=False),
        sa.Column("marketed", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vaccine_presentation")),
        sa.UniqueConstraint("cip13", name="uq_vaccine_presentation_cip13"),
    )


def downgrade() -> None:
    op.drop_table("vaccine_presentation")
    op.drop_index("ix_vaccination_patient", table_name="vaccination")
    op.drop_table("vaccination")
