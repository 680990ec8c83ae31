"""The DMP sandbox's own tables (its own metadata, its own database, its own migrations).

The sandbox is the other side of the wire: it shares nothing with the practice database.
Tables are prefixed ``dmp_`` and the Alembic version table is ``dmp_sandbox_alembic_version``
so that the sandbox can even live in a database that holds other schemas.

Indexes are designed for FindDocuments on one patient among many (target: p99 ≤ 25 ms
for a patient with 200 documents among 1,000,000 on PostgreSQL):
``ix_dmp_document_patient_status_creation`` (patient, status, creationTime) answers the
patient + status part of every search and its date range; the other filters (class,
type, format, service dates, visibility) then apply to that patient's few hundred rows.
The document bytes live in ``dmp_document_content`` so that searches never read them.
A search reads one table: the authors (``author_list``) and the submission set's
entryUUID are copied on each document row; ``dmp_document_author`` repeats the authors,
indexed on idNat_PS, for the author filter only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Document statuses as stored (short): the AvailabilityStatus URNs are mapped in records.
STATUS_APPROVED = "approved"
STATUS_DEPRECATED = "deprecated"
STATUS_ARCHIVED = "archived"
STATUS_DELETED = "deleted"

SUBJECT_PS = "PS"
SUBJECT_STRUCTURE = "STRUCTURE"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC (naive on SQLite, given back aware)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class SandboxBase(DeclarativeBase):
    """Base of the DMP sandbox tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DmpPatient(SandboxBase):
    """A patient's DMP: identity, state, oppositions, médecin traitant DMP.

    ``ins`` is the matricule (the key: an NIR and an NIA never collide); ``ins_oid`` the
    OID it was created with. Oppositions: ``opposed_to_bris_de_glace``
    (``OPPOSITION_BRIS_DE_GLACE``) and ``opposed_to_centre_15``
    (``OPPOSITION_ACCES_URGENCE``) as in TD1.3; ``opposed_to_feeding`` is a sandbox
    scenario (the real DMP leaves the feeding opposition to the LPS);
    ``masked_access_in_emergency`` is the patient's consent to masked documents being
    read in bris de glace / centre 15 (matrix footnote 7).
    """

    __tablename__ = "dmp_patient"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ins: Mapped[str] = mapped_column(String(64), unique=True)
    ins_oid: Mapped[str] = mapped_column(String(64))
    family_name: Mapped[str | None] = mapped_column(String(100))
    given_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closure_reason: Mapped[str | None] = mapped_column(String(64))
    closure_text: Mapped[str | None] = mapped_column(String(255))
    attached_to_mes: Mapped[bool] = mapped_column(Boolean, default=True)
    name_prefix: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))
    mobile_phone: Mapped[str | None] = mapped_column(String(40))
    internet_account_open: Mapped[bool] = mapped_column(Boolean, default=False)
    opposed_to_feeding: Mapped[bool] = mapped_column(Boolean, default=False)
    opposed_to_bris_de_glace: Mapped[bool] = mapped_column(Boolean, default=False)
    opposed_to_centre_15: Mapped[bool] = mapped_column(Boolean, default=False)
    masked_access_in_emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    treating_physician_id: Mapped[str | None] = mapped_column(String(64))
    treating_physician_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DmpAuthorization(SandboxBase):
    """A professional's (or a structure's) access authorization, or a professional blocked.

    ``subject_kind`` is ``PS`` (idNat_PS) or ``STRUCTURE`` (idNat_Struct: an authorization
    given through a CPE, matrix footnote 1). ``blocked`` wins over ``authorized``.
    """

    __tablename__ = "dmp_authorization"
    __table_args__ = (UniqueConstraint("patient_id", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("dmp_patient.id", ondelete="CASCADE"))
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[str] = mapped_column(String(64))
    family_name: Mapped[str | None] = mapped_column(String(100))
    given_name: Mapped[str | None] = mapped_column(String(100))
    specialty: Mapped[str | None] = mapped_column(String(64))
    authorized: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DmpSubmissionSet(SandboxBase):
    """A registered submission set (TD2.1), with its XAdES signature."""

    __tablename__ = "dmp_submission_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_uuid: Mapped[str] = mapped_column(String(64), unique=True)
    unique_id: Mapped[str] = mapped_column(String(128), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("dmp_patient.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(128))
    submission_time: Mapped[datetime] = mapped_column(UTCDateTime)
    declared_submission_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitter_id: Mapped[str] = mapped_column(String(64))
    submitter_structure_id: Mapped[str | None] = mapped_column(String(64))
    authentication_mode: Mapped[str] = mapped_column(String(24))
    content_type_code: Mapped[str | None] = mapped_column(String(64))
    content_type_scheme: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(255))
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    wire_metadata: Mapped[str | None] = mapped_column(Text)


class DmpDocument(SandboxBase):
    """A document entry (current version) and its searchable metadata."""

    __tablename__ = "dmp_document"
    __table_args__ = (
        Index("ix_dmp_document_patient_status_creation", "patient_id", "status", "creation_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_uuid: Mapped[str] = mapped_column(String(64), unique=True)
    logical_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    unique_id: Mapped[str] = mapped_column(String(128), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("dmp_patient.id", ondelete="CASCADE"))
    submission_set_id: Mapped[int] = mapped_column(
        ForeignKey("dmp_submission_set.id", ondelete="CASCADE"), index=True
    )
    submission_set_uuid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    class_code: Mapped[str] = mapped_column(String(64))
    class_scheme: Mapped[str] = mapped_column(String(64))
    class_display: Mapped[str] = mapped_column(String(255))
    type_code: Mapped[str] = mapped_column(String(64))
    type_scheme: Mapped[str] = mapped_column(String(64))
    type_display: Mapped[str] = mapped_column(String(255))
    format_code: Mapped[str] = mapped_column(String(128))
    format_scheme: Mapped[str] = mapped_column(String(64))
    format_display: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(255))
    comments: Mapped[str | None] = mapped_column(Text)
    language_code: Mapped[str | None] = mapped_column(String(16))
    creation_time: Mapped[datetime] = mapped_column(UTCDateTime)
    service_start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    service_stop_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submission_time: Mapped[datetime] = mapped_column(UTCDateTime)
    confidentiality_code: Mapped[str | None] = mapped_column(String(16))
    confidentiality_scheme: Mapped[str | None] = mapped_column(String(64))
    confidentiality_display: Mapped[str | None] = mapped_column(String(100))
    masked: Mapped[bool] = mapped_column(Boolean, default=False)
    invisible_to_patient: Mapped[bool] = mapped_column(Boolean, default=False)
    invisible_to_legal_representatives: Mapped[bool] = mapped_column(Boolean, default=False)
    facility_type_code: Mapped[str | None] = mapped_column(String(64))
    facility_type_scheme: Mapped[str | None] = mapped_column(String(64))
    facility_type_display: Mapped[str | None] = mapped_column(String(255))
    practice_setting_code: Mapped[str | None] = mapped_column(String(64))
    practice_setting_scheme: Mapped[str | None] = mapped_column(String(64))
    practice_setting_display: Mapped[str | None] = mapped_column(String(255))
    event_codes: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    author_list: Mapped[list[dict[str, str | None]]] = mapped_column(JSON, default=list)
    hash: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    repository_unique_id: Mapped[str] = mapped_column(String(64))
    patient_document: Mapped[bool] = mapped_column(Boolean, default=False)
    submitter_id: Mapped[str] = mapped_column(String(64))
    submitter_structure_id: Mapped[str | None] = mapped_column(String(64))
    wire_metadata: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    authors: Mapped[list[DmpDocumentAuthor]] = relationship(
        order_by="DmpDocumentAuthor.position", cascade="all, delete-orphan", lazy="raise"
    )
    submission_set: Mapped[DmpSubmissionSet] = relationship(lazy="raise")
    content: Mapped[DmpDocumentContent | None] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )


class DmpDocumentAuthor(SandboxBase):
    """One author of a document, for the FindDocuments author filter (written, never read
    back: the document's ``author_list`` is what records are built from)."""

    __tablename__ = "dmp_document_author"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("dmp_document.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    id_nat_ps: Mapped[str | None] = mapped_column(String(64), index=True)
    family_name: Mapped[str | None] = mapped_column(String(100))
    given_name: Mapped[str | None] = mapped_column(String(100))
    specialty: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(64))
    structure_id: Mapped[str | None] = mapped_column(String(64))
    structure_name: Mapped[str | None] = mapped_column(String(255))


class DmpDocumentContent(SandboxBase):
    """The bytes of a document (kept apart so that searches never read them)."""

    __tablename__ = "dmp_document_content"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("dmp_document.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)


class DmpAssociation(SandboxBase):
    """A registered association: HasMember (set → document), RPLC (new → replaced)."""

    __tablename__ = "dmp_association"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_uuid: Mapped[str] = mapped_column(String(64), unique=True)
    association_type: Mapped[str] = mapped_column(String(100))
    source_uuid: Mapped[str] = mapped_column(String(64), index=True)
    target_uuid: Mapped[str] = mapped_column(String(64), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("dmp_patient.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DmpAccessLog(SandboxBase):
    """Every call to the DMP: who, when, what, on which patient and document, the outcome.

    ``patient_ins`` is kept as asked (even for an unknown patient); the patient page of
    Mon espace santé reads it by ``(patient_ins, at)``.
    """

    __tablename__ = "dmp_access_log"
    __table_args__ = (Index("ix_dmp_access_log_patient_ins_at", "patient_ins", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    patient_ins: Mapped[str] = mapped_column(String(64))
    transaction: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    actor_profession: Mapped[str | None] = mapped_column(String(16))
    actor_specialty: Mapped[str | None] = mapped_column(String(64))
    actor_structure_id: Mapped[str | None] = mapped_column(String(64))
    authentication_mode: Mapped[str] = mapped_column(String(24))
    access_mode: Mapped[str] = mapped_column(String(20))
    access_reason: Mapped[str | None] = mapped_column(String(500))
    document_unique_id: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(10))
    error_code: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(500))


class DmpSettings(SandboxBase):
    """The sandbox's "trouble" settings (one row, id 1), shared by the server and the CLI."""

    __tablename__ = "dmp_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    fail_rate: Mapped[float] = mapped_column(Float, default=0.0)
    down: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
