"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 20:49:15.629158
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
        "structure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("finess", sa.String(length=9), nullable=True),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("id_nat_struct", sa.String(length=40), nullable=False),
        sa.Column("facility_type_code", sa.String(length=20), nullable=True),
        sa.Column("practice_setting_code", sa.String(length=20), nullable=True),
        sa.Column("address_line", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("mssante_address", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_structure")),
        sa.UniqueConstraint("finess", name=op.f("uq_structure_finess")),
        sa.UniqueConstraint("id_nat_struct", name=op.f("uq_structure_id_nat_struct")),
        sa.UniqueConstraint("siret", name=op.f("uq_structure_siret")),
    )
    op.create_table(
        "practitioner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rpps", sa.String(length=11), nullable=False),
        sa.Column("civility", sa.String(length=10), nullable=True),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("profession_code", sa.String(length=20), nullable=False),
        sa.Column("specialty_code", sa.String(length=30), nullable=True),
        sa.Column("role_code", sa.String(length=20), nullable=True),
        sa.Column("mssante_address", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("structure_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structure.id"], name=op.f("fk_practitioner_structure_id_structure")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practitioner")),
        sa.UniqueConstraint("rpps", name=op.f("uq_practitioner_rpps")),
    )
    op.create_table(
        "patient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=64), nullable=False),
        sa.Column("ins_matricule", sa.String(length=15), nullable=True),
        sa.Column("ins_oid", sa.String(length=64), nullable=True),
        sa.Column("birth_family_name", sa.String(length=100), nullable=False),
        sa.Column("birth_given_names", sa.String(length=200), nullable=False),
        sa.Column("first_given_name", sa.String(length=100), nullable=False),
        sa.Column("used_family_name", sa.String(length=100), nullable=True),
        sa.Column("used_given_name", sa.String(length=100), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("birthplace_cog", sa.String(length=5), nullable=True),
        sa.Column("identity_status", sa.String(length=5), nullable=False),
        sa.Column("identity_validation_mode", sa.String(length=40), nullable=True),
        sa.Column("medecin_traitant_id", sa.Integer(), nullable=True),
        sa.Column("address_line", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "identity_status IN ('PROV', 'RECUP', 'VALI', 'QUAL')",
            name=op.f("ck_patient_identity_status"),
        ),
        sa.CheckConstraint("sex IN ('M', 'F', 'I')", name=op.f("ck_patient_sex")),
        sa.ForeignKeyConstraint(
            ["medecin_traitant_id"],
            ["practitioner.id"],
            name=op.f("fk_patient_medecin_traitant_id_practitioner"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient")),
        sa.UniqueConstraint("ins_matricule", "ins_oid", name="uq_patient_ins"),
        sa.UniqueConstraint("local_id", name=op.f("uq_patient_local_id")),
    )
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.create_index(
            "ix_patient_names", ["birth_family_name", "first_given_name"], unique=False
        )

    op.create_table(
        "care_episode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_care_episode_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioner.id"],
            name=op.f("fk_care_episode_practitioner_id_practitioner"),
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structure.id"], name=op.f("fk_care_episode_structure_id_structure")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_episode")),
    )
    with op.batch_alter_table("care_episode", schema=None) as batch_op:
        batch_op.create_index("ix_care_episode_patient", ["patient_id", "started_at"], unique=False)

    op.create_table(
        "identity_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=5), nullable=True),
        sa.Column("to_status", sa.String(length=5), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validation_mode", sa.String(length=40), nullable=True),
        sa.Column("insi_reference", sa.String(length=100), nullable=True),
        sa.Column("practitioner_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_identity_status_change_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioner.id"],
            name=op.f("fk_identity_status_change_practitioner_id_practitioner"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_status_change")),
    )
    op.create_table(
        "legal_representative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("relationship_code", sa.String(length=20), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("address_line", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_legal_representative_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_representative")),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("unique_id", sa.String(length=128), nullable=False),
        sa.Column("set_id", sa.String(length=128), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("type_code", sa.String(length=30), nullable=False),
        sa.Column("type_code_system", sa.String(length=64), nullable=False),
        sa.Column("class_code", sa.String(length=10), nullable=True),
        sa.Column("format_code", sa.String(length=100), nullable=True),
        sa.Column("level", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("confidentiality_code", sa.String(length=10), nullable=False),
        sa.Column("effective_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("service_stop", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mime_type", sa.String(length=60), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("provenance", sa.String(length=10), nullable=False),
        sa.Column("provenance_detail", sa.String(length=300), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN ('N1', 'N3')", name=op.f("ck_document_level")),
        sa.CheckConstraint(
            "provenance IN ('produced', 'dmp', 'mssante')", name=op.f("ck_document_provenance")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["practitioner.id"], name=op.f("fk_document_author_id_practitioner")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["care_episode.id"], name=op.f("fk_document_episode_id_care_episode")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_document_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"], ["document.id"], name=op.f("fk_document_replaces_id_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("set_id", "version_number", name="uq_document_version"),
        sa.UniqueConstraint("unique_id", name=op.f("uq_document_unique_id")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index("ix_document_patient", ["patient_id", "created_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_patient")

    op.drop_table("document")
    op.drop_table("legal_representative")
    op.drop_table("identity_status_change")
    with op.batch_alter_table("care_episode", schema=None) as batch_op:
        batch_op.drop_index("ix_care_episode_patient")

    op.drop_table("care_episode")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_names")

    op.drop_table("patient")
    op.drop_table("practitioner")
    op.drop_table("structure")
