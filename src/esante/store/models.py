"""The practice-side tables: structures, practitioners, patients, episodes, documents.

Codes are stored as plain strings (the code system is implied by the column and
documented here); labels come from :mod:`esante.terminology`, never from the database,
so that a terminology update needs no data migration.

Identity traits follow the INS referential: the birth family name and the birth given
names (space separated, in civil-status order) are the reference traits; used names
are kept apart. The INS (matricule + OID) is stored with the identity status, and every
status change leaves a row in ``identity_status_change``.
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from esante.store.base import Base, UTCDateTime, utcnow

IDENTITY_STATUSES = ("PROV", "RECUP", "VALI", "QUAL")
PROVENANCES = ("produced", "dmp", "mssante")
SEXES = ("M", "F", "I")


class Structure(Base):
    """A care structure (cabinet, MSP, centre de santé...) identified by FINESS or SIRET.

    ``id_nat_struct`` is the national structure identifier used in CDA and VIHF:
    ``1`` + FINESS, ``3`` + SIRET (or ``4`` + RPPS-rang for a cabinet individuel).
    """

    __tablename__ = "structure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    finess: Mapped[str | None] = mapped_column(String(9), unique=True)
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    id_nat_struct: Mapped[str] = mapped_column(String(40), unique=True)
    facility_type_code: Mapped[str | None] = mapped_column(String(20))  # J02 / R02
    practice_setting_code: Mapped[str | None] = mapped_column(String(20))  # J04 / R211
    address_line: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    mssante_address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    practitioners: Mapped[list[Practitioner]] = relationship(back_populates="structure")


class Practitioner(Base):
    """A health professional of the practice.

    ``rpps`` is the 11-digit RPPS number; the national identifier used on the wire is
    ``id_nat_ps`` = ``8`` + RPPS. ``profession_code`` is in G15 (TRE_G15), the
    specialty in R38 (TRE_R38, "authorSpecialty"), the role in TRE_R85.
    """

    __tablename__ = "practitioner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rpps: Mapped[str] = mapped_column(String(11), unique=True)
    # J245 civility (M, MME) or the professional title DR for médecins and pharmaciens
    civility: Mapped[str | None] = mapped_column(String(10))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    profession_code: Mapped[str] = mapped_column(String(20))
    specialty_code: Mapped[str | None] = mapped_column(String(30))
    role_code: Mapped[str | None] = mapped_column(String(20))
    mssante_address: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    structure: Mapped[Structure | None] = relationship(back_populates="practitioners")

    @property
    def id_nat_ps(self) -> str:
        """National professional identifier (``8`` + RPPS)."""
        return "8" + self.rpps


class Patient(Base):
    """A patient of the practice with the INS identity traits.

    ``local_id`` is the practice's own identifier (IPP); ``ins_matricule`` and
    ``ins_oid`` the INS when known. The INS may be shared only when
    ``identity_status`` is ``QUAL`` (see :mod:`esante.identity`).
    """

    __tablename__ = "patient"
    __table_args__ = (
        UniqueConstraint("ins_matricule", "ins_oid", name="uq_patient_ins"),
        CheckConstraint("sex IN ('M', 'F', 'I')", name="sex"),
        CheckConstraint(
            "identity_status IN ('PROV', 'RECUP', 'VALI', 'QUAL')", name="identity_status"
        ),
        Index("ix_patient_names", "birth_family_name", "first_given_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_id: Mapped[str] = mapped_column(String(64), unique=True)
    ins_matricule: Mapped[str | None] = mapped_column(String(15))
    ins_oid: Mapped[str | None] = mapped_column(String(64))
    birth_family_name: Mapped[str] = mapped_column(String(100))
    birth_given_names: Mapped[str] = mapped_column(String(200))
    first_given_name: Mapped[str] = mapped_column(String(100))
    used_family_name: Mapped[str | None] = mapped_column(String(100))
    used_given_name: Mapped[str | None] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    birthplace_cog: Mapped[str | None] = mapped_column(String(5))
    identity_status: Mapped[str] = mapped_column(String(5), default="PROV")
    identity_validation_mode: Mapped[str | None] = mapped_column(String(40))
    medecin_traitant_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    address_line: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    medecin_traitant: Mapped[Practitioner | None] = relationship()
    legal_representatives: Mapped[list[LegalRepresentative]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="LegalRepresentative.id"
    )
    status_history: Mapped[list[IdentityStatusChange]] = relationship(
        back_populates="patient",
        cascade="all, delete-orphan",
        order_by="IdentityStatusChange.id",
    )


class LegalRepresentative(Base):
    """A legal representative of a minor (or protected adult) patient.

    ``relationship_code`` is an HL7 role code of the CI-SIS value set J11
    (RelationPatient: ``MTH`` mother, ``FTH`` father, ``GUARD`` guardian...), the codes
    the CDA ``guardian`` and the XDS metadata carry.
    """

    __tablename__ = "legal_representative"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    relationship_code: Mapped[str] = mapped_column(String(20))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    address_line: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))

    patient: Mapped[Patient] = relationship(back_populates="legal_representatives")


class IdentityStatusChange(Base):
    """One transition of a patient's identity status, kept for the identity history.

    ``validation_mode`` names how the identity was checked (identity document type,
    TRE_R... code) and ``insi_reference`` the INSi answer that justified RECUP.
    """

    __tablename__ = "identity_status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(5))
    to_status: Mapped[str] = mapped_column(String(5))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    validation_mode: Mapped[str | None] = mapped_column(String(40))
    insi_reference: Mapped[str | None] = mapped_column(String(100))
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient] = relationship(back_populates="status_history")


class CareEpisode(Base):
    """A care episode (consultation, visit, teleconsultation...) of a patient.

    Consent to the DMP is recorded per episode (see the feeding issue).
    """

    __tablename__ = "care_episode"
    __table_args__ = (Index("ix_care_episode_patient", "patient_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    kind: Mapped[str] = mapped_column(String(30))  # consultation, visite, teleconsultation...
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patient: Mapped[Patient] = relationship()
    practitioner: Mapped[Practitioner] = relationship()


class Document(Base):
    """A document of the local record, produced here or received.

    ``unique_id`` is the CDA ``ClinicalDocument/id`` (``root`` or ``root^extension``),
    the idempotency key of every send. Versions of one document share ``set_id``;
    ``replaces_id`` points at the version this one replaces (CDA ``RPLC``).
    ``provenance`` says where it came from: ``produced`` here, imported from the
    ``dmp``, or received by ``mssante``; ``provenance_detail`` keeps the source
    reference (DMP entryUUID, Message-ID, sender address).
    """

    __tablename__ = "document"
    __table_args__ = (
        CheckConstraint("provenance IN ('produced', 'dmp', 'mssante')", name="provenance"),
        CheckConstraint("level IN ('N1', 'N3')", name="level"),
        UniqueConstraint("set_id", "version_number", name="uq_document_version"),
        Index("ix_document_patient", "patient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("care_episode.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    unique_id: Mapped[str] = mapped_column(String(128), unique=True)
    set_id: Mapped[str] = mapped_column(String(128))
    version_number: Mapped[int] = mapped_column(Integer, default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    type_code: Mapped[str] = mapped_column(String(30))  # LOINC / TRE_A05 / J07
    type_code_system: Mapped[str] = mapped_column(String(64))
    class_code: Mapped[str | None] = mapped_column(String(10))  # TRE_A03 (classCode)
    format_code: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(300))
    confidentiality_code: Mapped[str] = mapped_column(String(10), default="N")
    effective_time: Mapped[datetime] = mapped_column(UTCDateTime)
    service_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    service_stop: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mime_type: Mapped[str] = mapped_column(String(60), default="text/xml")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    provenance: Mapped[str] = mapped_column(String(10), default="produced")
    provenance_detail: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient: Mapped[Patient] = relationship()
    author: Mapped[Practitioner | None] = relationship()
    replaces: Mapped[Document | None] = relationship(remote_side=[id])
