"""DMP sandbox schema: patients, authorizations, documents, associations, access log

Revision ID: 0001
Revises:
Create Date: 2026-11-25 21:58:01.891535
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dmp_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_ins", sa.String(length=64), nullable=False),
        sa.Column("transaction", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("actor_profession", sa.String(length=16), nullable=True),
        sa.Column("actor_specialty", sa.String(length=64), nullable=True),
        sa.Column("actor_structure_id", sa.String(length=64), nullable=True),
        sa.Column("authentication_mode", sa.String(length=24), nullable=False),
        sa.Column("access_mode", sa.String(length=20), nullable=False),
        sa.Column("document_unique_id", sa.String(length=128), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_access_log")),
    )
    op.create_index(
        "ix_dmp_access_log_patient_ins_at", "dmp_access_log", ["patient_ins", "at"], unique=False
    )

    op.create_table(
        "dmp_patient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ins", sa.String(length=64), nullable=False),
        sa.Column("ins_oid", sa.String(length=64), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closure_reason", sa.String(length=64), nullable=True),
        sa.Column("closure_text", sa.String(length=255), nullable=True),
        sa.Column("attached_to_mes", sa.Boolean(), nullable=False),
        sa.Column("opposed_to_feeding", sa.Boolean(), nullable=False),
        sa.Column("opposed_to_bris_de_glace", sa.Boolean(), nullable=False),
        sa.Column("opposed_to_centre_15", sa.Boolean(), nullable=False),
        sa.Column("masked_access_in_emergency", sa.Boolean(), nullable=False),
        sa.Column("treating_physician_id", sa.String(length=64), nullable=True),
        sa.Column("treating_physician_since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_patient")),
        sa.UniqueConstraint("ins", name=op.f("uq_dmp_patient_ins")),
    )
    op.create_table(
        "dmp_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("fail_rate", sa.Float(), nullable=False),
        sa.Column("down", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_settings")),
    )
    op.create_table(
        "dmp_association",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_uuid", sa.String(length=64), nullable=False),
        sa.Column("association_type", sa.String(length=100), nullable=False),
        sa.Column("source_uuid", sa.String(length=64), nullable=False),
        sa.Column("target_uuid", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["dmp_patient.id"],
            name=op.f("fk_dmp_association_patient_id_dmp_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_association")),
        sa.UniqueConstraint("entry_uuid", name=op.f("uq_dmp_association_entry_uuid")),
    )
    op.create_index(
        op.f("ix_dmp_association_source_uuid"), "dmp_association", ["source_uuid"], unique=False
    )
    op.create_index(
        op.f("ix_dmp_association_target_uuid"), "dmp_association", ["target_uuid"], unique=False
    )

    op.create_table(
        "dmp_authorization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("specialty", sa.String(length=64), nullable=True),
        sa.Column("authorized", sa.Boolean(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["dmp_patient.id"],
            name=op.f("fk_dmp_authorization_patient_id_dmp_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_authorization")),
        sa.UniqueConstraint(
            "patient_id", "subject_kind", "subject_id", name=op.f("uq_dmp_authorization_patient_id")
        ),
    )
    op.create_table(
        "dmp_submission_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_uuid", sa.String(length=64), nullable=False),
        sa.Column("unique_id", sa.String(length=128), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("submission_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declared_submission_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitter_id", sa.String(length=64), nullable=False),
        sa.Column("submitter_structure_id", sa.String(length=64), nullable=True),
        sa.Column("authentication_mode", sa.String(length=24), nullable=False),
        sa.Column("content_type_code", sa.String(length=64), nullable=True),
        sa.Column("content_type_scheme", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("wire_metadata", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["dmp_patient.id"],
            name=op.f("fk_dmp_submission_set_patient_id_dmp_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_submission_set")),
        sa.UniqueConstraint("entry_uuid", name=op.f("uq_dmp_submission_set_entry_uuid")),
        sa.UniqueConstraint("unique_id", name=op.f("uq_dmp_submission_set_unique_id")),
    )
    op.create_table(
        "dmp_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_uuid", sa.String(length=64), nullable=False),
        sa.Column("logical_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("unique_id", sa.String(length=128), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("submission_set_id", sa.Integer(), nullable=False),
        sa.Column("submission_set_uuid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("class_code", sa.String(length=64), nullable=False),
        sa.Column("class_scheme", sa.String(length=64), nullable=False),
        sa.Column("class_display", sa.String(length=255), nullable=False),
        sa.Column("type_code", sa.String(length=64), nullable=False),
        sa.Column("type_scheme", sa.String(length=64), nullable=False),
        sa.Column("type_display", sa.String(length=255), nullable=False),
        sa.Column("format_code", sa.String(length=128), nullable=False),
        sa.Column("format_scheme", sa.String(length=64), nullable=False),
        sa.Column("format_display", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("language_code", sa.String(length=16), nullable=True),
        sa.Column("creation_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service_start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("service_stop_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submission_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confidentiality_code", sa.String(length=16), nullable=True),
        sa.Column("confidentiality_scheme", sa.String(length=64), nullable=True),
        sa.Column("confidentiality_display", sa.String(length=100), nullable=True),
        sa.Column("masked", sa.Boolean(), nullable=False),
        sa.Column("invisible_to_patient", sa.Boolean(), nullable=False),
        sa.Column("invisible_to_legal_representatives", sa.Boolean(), nullable=False),
        sa.Column("facility_type_code", sa.String(length=64), nullable=True),
        sa.Column("facility_type_scheme", sa.String(length=64), nullable=True),
        sa.Column("facility_type_display", sa.String(length=255), nullable=True),
        sa.Column("practice_setting_code", sa.String(length=64), nullable=True),
        sa.Column("practice_setting_scheme", sa.String(length=64), nullable=True),
        sa.Column("practice_setting_display", sa.String(length=255), nullable=True),
        sa.Column("event_codes", sa.JSON(), nullable=False),
        sa.Column("author_list", sa.JSON(), nullable=False),
        sa.Column("hash", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("repository_unique_id", sa.String(length=64), nullable=False),
        sa.Column("patient_document", sa.Boolean(), nullable=False),
        sa.Column("submitter_id", sa.String(length=64), nullable=False),
        sa.Column("submitter_structure_id", sa.String(length=64), nullable=True),
        sa.Column("wire_metadata", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["dmp_patient.id"],
            name=op.f("fk_dmp_document_patient_id_dmp_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_set_id"],
            ["dmp_submission_set.id"],
            name=op.f("fk_dmp_document_submission_set_id_dmp_submission_set"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_document")),
        sa.UniqueConstraint("entry_uuid", name=op.f("uq_dmp_document_entry_uuid")),
        sa.UniqueConstraint("unique_id", name=op.f("uq_dmp_document_unique_id")),
    )
    op.create_index(
        op.f("ix_dmp_document_logical_id"), "dmp_document", ["logical_id"], unique=False
    )
    op.create_index(
        "ix_dmp_document_patient_status_creation",
        "dmp_document",
        ["patient_id", "status", "creation_time"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dmp_document_submission_set_id"),
        "dmp_document",
        ["submission_set_id"],
        unique=False,
    )

    op.create_table(
        "dmp_document_author",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id_nat_ps", sa.String(length=64), nullable=True),
        sa.Column("family_name", sa.String(length=100), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("specialty", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=64), nullable=True),
        sa.Column("structure_id", sa.String(length=64), nullable=True),
        sa.Column("structure_name", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["dmp_document.id"],
            name=op.f("fk_dmp_document_author_document_id_dmp_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dmp_document_author")),
    )
    op.create_index(
        op.f("ix_dmp_document_author_document_id"),
        "dmp_document_author",
        ["document_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dmp_document_author_id_nat_ps"), "dmp_document_author", ["id_nat_ps"], unique=False
    )

    op.create_table(
        "dmp_document_content",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["dmp_document.id"],
            name=op.f("fk_dmp_document_content_document_id_dmp_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_dmp_document_content")),
    )


def downgrade() -> None:
    op.drop_table("dmp_document_content")
    op.drop_index(op.f("ix_dmp_document_author_id_nat_ps"), table_name="dmp_document_author")
    op.drop_index(op.f("ix_dmp_document_author_document_id"), table_name="dmp_document_author")

    op.drop_table("dmp_document_author")
    op.drop_index(op.f("ix_dmp_document_submission_set_id"), table_name="dmp_document")
    op.drop_index("ix_dmp_document_patient_status_creation", table_name="dmp_document")
    op.drop_index(op.f("ix_dmp_document_logical_id"), table_name="dmp_document")

    op.drop_table("dmp_document")
    op.drop_table("dmp_submission_set")
    op.drop_table("dmp_authorization")
    op.drop_index(op.f("ix_dmp_association_target_uuid"), table_name="dmp_association")
    op.drop_index(op.f("ix_dmp_association_source_uuid"), table_name="dmp_association")

    op.drop_table("dmp_association")
    op.drop_table("dmp_settings")
    op.drop_table("dmp_patient")
    op.drop_index("ix_dmp_access_log_patient_ins_at", table_name="dmp_access_log")

    op.drop_table("dmp_access_log")
