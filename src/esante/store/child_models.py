"""The tables of the child record (issue 15): measurements at each visit, compulsory exams.

A child's measurements (carnet de santé, Code de la santé publique art. L.2132-1) are
kept per visit: weight in grams, height and head circumference in millimetres (integers:
exact on every backend; the clinician reads centimetres with one decimal). The BMI is
computed, never stored. A compulsory exam (one of the 20 of the 2025 calendar,
art. R.2132-1) is recorded once per child: its answers and the clinician's extra fields
as JSON, the CR d'examen and the health certificate it led to once validated.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from esante.store.base import Base, UTCDateTime, utcnow


class ChildMeasurement(Base):
    """The measurements of one visit: at least one of weight, height, head circumference."""

    __tablename__ = "child_measurement"
    __table_args__ = (
        CheckConstraint(
            "weight_g IS NOT NULL OR height_mm IS NOT NULL OR head_circumference_mm IS NOT NULL",
            name="any_measure",
        ),
        Index("ix_child_measurement_patient", "patient_id", "measured_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    measured_on: Mapped[date] = mapped_column(Date)
    weight_g: Mapped[int | None] = mapped_column(Integer)
    height_mm: Mapped[int | None] = mapped_column(Integer)
    head_circumference_mm: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChildExamRecord(Base):
    """A compulsory exam done: answers per theme and extra fields (JSON), its documents."""

    __tablename__ = "child_exam"
    __table_args__ = (UniqueConstraint("patient_id", "exam_id", name="uq_child_exam"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    exam_id: Mapped[str] = mapped_column(String(10))
    examined_on: Mapped[date] = mapped_column(Date)
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    measurement_id: Mapped[int | None] = mapped_column(
        ForeignKey("child_measurement.id", ondelete="SET NULL")
    )
    answers: Mapped[str] = mapped_column(Text)  # JSON {theme: answer}
    extra_fields: Mapped[str] = mapped_column(Text)  # JSON [[label, value], ...]
    conclusion: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    certificate_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
