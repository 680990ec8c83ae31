"""child record: measurements per visit, compulsory exams done

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 22:40:00

Issue 15 (child health record): the child's measurements at each visit
(``child_measurement``: weight g, height and head circumference in mm) and the
compulsory exams done (``child_exam``: answers, extra fields, the CR d'examen and the
certificate validated from it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "child_measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=True),
        sa.Column("height_mm", sa.Integer(), nullable=True),
        sa.Column("head_circumference_mm", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "weight_g IS NOT NULL OR height_mm IS NOT NULL OR head_circumference_mm IS NOT NULL",
            name=op.f("ck_child_measurement_any_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_child_measurement_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["practitioner.id"],
            name=op.f("fk_child_measurement_recorded_by_id_practitioner"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_child_measurement_document_id_document"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_measurement")),
    )
    op.create_index(
        "ix_child_measurement_patient", "child_measurement", ["patient_id", "measured_on"]
    )
    op.create_table(
        "child_exam",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.String(10), nullable=False),
        sa.Column("examined_on", sa.Date(), nullable=False),
        sa.Column("practitioner_id", sa.Integer(), nullable=True),
        sa.Column("measurement_id", sa.Integer(), nullable=True),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("extra_fields", sa.Text(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("certificate_document_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_child_exam_patient_id_patient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            ["practitioner.id"],
            name=op.f("fk_child_exam_practitioner_id_practitioner"),
        ),
        sa.ForeignKeyConstraint(
            ["measurement_id"],
            ["child_measurement.id"],
            name=op.f("fk_child_exam_measurement_id_child_measurement"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_child_exam_document_id_document"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["certificate_document_id"],
            ["document.id"],
            name=op.f("fk_child_exam_certificate_document_id_document"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_exam")),
        sa.UniqueConstraint("patient_id", "exam_id", name="uq_child_exam"),
    )


def downgrade() -> None:
    op.drop_table("child_exam")
    op.drop_index("ix_child_measurement_patient", table_name="child_measurement")
    op.drop_table("child_measurement")
