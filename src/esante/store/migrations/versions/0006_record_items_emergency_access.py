"""structured record lists with provenance, break-glass accesses, imported documents

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:20:00

Issue 13 items 4 and 5: a VSM imported from the DMP feeds the record's problems, history,
allergies and treatments (``record_item``, with provenance); a break-glass access lasts
its declared duration (``dmp_emergency_access``); an imported document names its source
author and who imported it (``document.source_author``, ``document.imported_by``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("code", sa.String(120), nullable=False),
        sa.Column("code_system", sa.String(64), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(300), nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("source_document_unique_id", sa.String(128), nullable=True),
        sa.Column("source_author", sa.String(200), nullable=True),
        sa.Column("source_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(40), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('problem', 'history', 'procedure', 'allergy', 'treatment')",
            name=op.f("ck_record_item_kind"),
        ),
        sa.CheckConstraint(
            "source IN ('local', 'dmp', 'mssante')", name=op.f("ck_record_item_source")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_record_item_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_record_item_document_id_document"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_item")),
        sa.UniqueConstraint("patient_id", "kind", "code_system", "code", name="uq_record_item"),
    )
    op.create_index("ix_record_item_patient", "record_item", ["patient_id", "kind"])
    op.create_table(
        "dmp_emergency_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mode IN ('bris_de_glace', 'centre_15')", name=op.f("ck_dmp_emergency_access_mode")
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioner.id"],
            name=op.f("fk_dmp_emergency_access_practitioner_id_practitioner"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_dmp_emergency_access_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_emergency_access")),
    )
    op.create_index(
        "ix_dmp_emergency_access",
        "dmp_emergency_access",
        ["practitioner_id", "patient_id", "expires_at"],
    )
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("source_author", sa.String(200), nullable=True))
        batch.add_column(sa.Column("imported_by", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_column("imported_by")
        batch.drop_column("source_author")
    op.drop_index("ix_dmp_emergency_access", table_name="dmp_emergency_access")
    op.drop_table("dmp_emergency_access")
    op.drop_index("ix_record_item_patient", table_name="record_item")
    op.drop_table("record_item")
