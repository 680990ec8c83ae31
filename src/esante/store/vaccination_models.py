"""The tables of the vaccination record (issue 15).

* ``vaccination`` — one vaccine administered to a patient: the vaccine (CIS, name, ATC,
  valences), the box's DataMatrix (GTIN, lot, expiry, serial), the act (date, route,
  site, dose rank, booster, performer) and its provenance: given here (``local``, with the
  VAC-NOTE validated for it), read from a received note (``dmp`` / ``mssante``, with the
  note's uniqueId and author), or copied by hand from the paper carnet de santé
  (``carnet``). The schedule counts them all.
* ``vaccine_presentation`` — the vaccine presentations imported from the public BDPM
  files (``CIS_bdpm.txt`` + ``CIS_CIP_bdpm.txt``), one per CIP13; they take precedence
  over esante's packaged catalogue.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from esante.store.base import Base, UTCDateTime, utcnow

VACCINATION_SOURCES = ("local", "dmp", "mssante", "carnet")


class Vaccination(Base):
    """A vaccine given to a patient, with where the record of it comes from."""

    __tablename__ = "vaccination"
    __table_args__ = (
        CheckConstraint("source IN ('local', 'dmp', 'mssante', 'carnet')", name="source"),
        Index("ix_vaccination_patient", "patient_id", "administered_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    administered_on: Mapped[date] = mapped_column(Date)
    vaccine_name: Mapped[str] = mapped_column(String(300))
    cis: Mapped[str | None] = mapped_column(String(8))
    atc: Mapped[str | None] = mapped_column(String(10))
    # valence codes of esante's catalogue, space separated (D T Ca P Hib HepB...)
    valences: Mapped[str] = mapped_column(String(100), default="")
    gtin: Mapped[str | None] = mapped_column(String(14))
    lot: Mapped[str | None] = mapped_column(String(20))
    expiry: Mapped[date | None] = mapped_column(Date)
    serial: Mapped[str | None] = mapped_column(String(20))
    dose_rank: Mapped[int | None] = mapped_column(Integer)
    booster: Mapped[bool | None] = mapped_column(Boolean)
    route_code: Mapped[str | None] = mapped_column(String(20))  # EDQM
    route_label: Mapped[str | None] = mapped_column(String(100))
    site_code: Mapped[str | None] = mapped_column(String(20))  # SNOMED CT
    site_label: Mapped[str | None] = mapped_column(String(100))
    performer_id: Mapped[int | None] = mapped_column(
        ForeignKey("practitioner.id", ondelete="SET NULL")
    )
    performer_name: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(10), default="local")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    source_document_unique_id: Mapped[str | None] = mapped_column(String(128))
    recorded_by: Mapped[str | None] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VaccinePresentation(Base):
    """A vaccine presentation imported from the BDPM (one per CIP13)."""

    __tablename__ = "vaccine_presentation"
    __table_args__ = (UniqueConstraint("cip13", name="uq_vaccine_presentation_cip13"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cip13: Mapped[str] = mapped_column(String(13))
    cis: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(300))
    label: Mapped[str] = mapped_column(String(300))
    # the packaged catalogue entry it was matched to (None: a vaccine esante does not
    # know — ATC and valences then stay empty until chosen by hand)
    vaccine_key: Mapped[str | None] = mapped_column(String(40))
    atc: Mapped[str | None] = mapped_column(String(10))
    valences: Mapped[str] = mapped_column(String(100), default="")
    marketed: Mapped[bool] = mapped_column(Boolean, default=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
