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
    text,
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
    # a received document: its author as the source names them, and who imported it
    source_author: Mapped[str | None] = mapped_column(String(200))
    imported_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient: Mapped[Patient] = relationship()
    author: Mapped[Practitioner | None] = relationship()
    replaces: Mapped[Document | None] = relationship(remote_side=[id])


# --------------------------------------------------------------------------- send orders

ORDER_KINDS = ("dmp_submit", "dmp_delete", "mss_send")
ORDER_STATES = ("scheduled", "due", "in_flight", "sent", "blocked", "cancelled", "failed")


_ACTIVE_ORDER = "state NOT IN ('sent', 'cancelled', 'failed')"


class SendOrder(Base):
    """A durable order to send something to a national service (the transactional outbox).

    Created in the same transaction as the document it sends, so that a validated
    document always has its orders. ``state``: ``scheduled`` (inside the deferral
    window, the user may still block or cancel), ``due`` (may be sent: window over,
    "send now", or waiting for a retry), ``in_flight`` (claimed by ``lease_owner``
    until ``lease_expires_at``), then ``sent``, ``blocked``, ``cancelled`` or ``failed``.
    ``available_at`` is when it may be claimed next (end of deferral, retry backoff).

    ``idempotency_key`` makes a second order for the same send impossible: ``dmp:`` +
    the document uniqueId for a DMP submission, ``mss:`` + the Message-ID for a message.
    ``credential`` routes the order to a worker that holds the credential it needs
    (``cps:<idNat_PS>`` for the professional's card in direct mode, ``structure:<idNat_Struct>``
    for the structure's certificate in indirect mode). ``after_order_id`` holds it back
    until an earlier order (the previous version of the document) is final.
    """

    __tablename__ = "send_order"
    __table_args__ = (
        CheckConstraint("kind IN ('dmp_submit', 'dmp_delete', 'mss_send')", name="kind"),
        CheckConstraint(
            "state IN ('scheduled', 'due', 'in_flight', 'sent', 'blocked', 'cancelled', 'failed')",
            name="state",
        ),
        Index("ix_send_order_claim", "state", "available_at"),
        # The orders not yet final: what a claim checks a new version's predecessor
        # against, without reading the whole history of sent orders.
        Index(
            "ix_send_order_active",
            "id",
            postgresql_where=text(_ACTIVE_ORDER),
            sqlite_where=text(_ACTIVE_ORDER),
        ),
        Index("ix_send_order_document", "document_id"),
        Index("ix_send_order_patient", "patient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("care_episode.id"))
    after_order_id: Mapped[int | None] = mapped_column(ForeignKey("send_order.id"))
    state: Mapped[str] = mapped_column(String(12))
    state_reason: Mapped[str | None] = mapped_column(Text)
    authentication_mode: Mapped[str] = mapped_column(String(24))
    credential: Mapped[str] = mapped_column(String(80))
    recipient: Mapped[str | None] = mapped_column(String(300))
    parameters: Mapped[str | None] = mapped_column(Text)  # JSON
    historical: Mapped[bool] = mapped_column(Boolean, default=False)
    deferral_until: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_code: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)  # JSON
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledgement: Mapped[str | None] = mapped_column(String(40))

    document: Mapped[Document | None] = relationship()
    patient: Mapped[Patient] = relationship()
    events: Mapped[list[SendOrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SendOrderEvent.id"
    )


class SendOrderEvent(Base):
    """One step in the life of a send order: when, from which state to which, who, why."""

    __tablename__ = "send_order_event"
    __table_args__ = (Index("ix_send_order_event_order", "order_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("send_order.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    by: Mapped[str | None] = mapped_column(String(120))  # user (idNat_PS) or worker id
    reason: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(80))

    order: Mapped[SendOrder] = relationship(back_populates="events")


# --------------------------------------------------------------------------- consent

FEEDING_CHOICES = ("non_opposition", "opposition")


class ConsentDecision(Base):
    """What the patient said about the DMP / Mon espace santé during one care episode.

    Append-only: a new decision is a new row, the latest one for the patient rules.
    ``feeding``: ``non_opposition`` (the default, opt-out) or ``opposition`` (forbids
    feeding *and* consultation). ``consultation_consent`` is explicit (never presumed)
    and carried over to later episodes until withdrawn. ``informed``: the patient was
    told about the DMP before any access.
    """

    __tablename__ = "consent_decision"
    __table_args__ = (
        CheckConstraint("feeding IN ('non_opposition', 'opposition')", name="feeding"),
        Index("ix_consent_decision_patient", "patient_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("care_episode.id"))
    informed: Mapped[bool] = mapped_column(Boolean, default=False)
    feeding: Mapped[str] = mapped_column(String(20), default="non_opposition")
    consultation_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    by_legal_representative: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class AccessNoticeAcknowledgement(Base):
    """A professional's "J'ai compris" to the DMP access notice (shown every 180 days)."""

    __tablename__ = "access_notice_acknowledgement"
    __table_args__ = (
        Index("ix_access_notice_acknowledgement_practitioner", "practitioner_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notice_version: Mapped[str] = mapped_column(String(20))


# --------------------------------------------------------------------------- access trace


class AuditRecord(Base):
    """One traced interaction (DMP, MSSanté, consent change), hash-chained to the previous.

    ``hash`` = SHA-256 over ``previous_hash`` and the record's canonical content, so
    that altering, inserting or deleting a record breaks the chain. The record keeps
    plain values (INS, idNat_PS, structure id), not foreign keys: the trace must stay
    readable after the local record changes.
    """

    __tablename__ = "audit_record"
    __table_args__ = (
        Index("ix_audit_record_patient", "patient_ins", "at"),
        Index("ix_audit_record_actor", "actor_id", "at"),
        Index("ix_audit_record_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(10))  # dmp, mss, consent
    action: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[str | None] = mapped_column(String(40))  # idNat_PS
    actor_name: Mapped[str | None] = mapped_column(String(200))
    structure_id: Mapped[str | None] = mapped_column(String(40))  # idNat_Struct
    patient_ins: Mapped[str | None] = mapped_column(String(80))
    document_unique_id: Mapped[str | None] = mapped_column(String(128))
    access_mode: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    # the actor's role (médecin, secrétaire, API key...) and where the request came from
    # (client address, or ``cli`` / ``worker``); both unset on records written before 0004
    actor_role: Mapped[str | None] = mapped_column(String(30))
    origin: Mapped[str | None] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Base):
    """The last link of the audit chain (one row): appends lock it, so the chain stays a line
    even with several writers."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


# --------------------------------------------------------------------------- who is acting

ACTOR_KINDS = ("psc", "local")


class StaffAccount(Base):
    """A local account for staff without an RPPS (secretaries...), signing in with a
    password and a TOTP second factor.

    ``user_id`` is the internal user identifier of EX_0.1-1025: unique, permanent, never
    reused and traceable to the person — accounts are disabled, never deleted, and the
    identifier is drawn at random (UUID) so that no later account can take it over.
    ``password_hash`` is an Argon2id hash (argon2-cffi, PHC string); ``totp_secret`` the
    RFC 6238 base32 secret; ``totp_last_counter`` the last accepted time step, so that a
    code is not accepted twice.
    """

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), unique=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str] = mapped_column(String(64))
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(30))
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"))
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser session, kept on the server.

    The cookie carries a random token; only its SHA-256 (``token_hash``) is stored, so a
    copy of the database opens no session. ``last_seen_at`` drives the idle timeout
    (SC.SSI/IE.38: locked after 2 hours of inactivity at most), ``expires_at`` the absolute
    one. ``actor_id`` is the idNat_PS for a Pro Santé Connect sign-in, the staff account's
    ``user_id`` for a local one. ``id_token`` is kept for the PSC end-session request.
    """

    __tablename__ = "web_session"
    __table_args__ = (
        CheckConstraint("actor_kind IN ('psc', 'local')", name="actor_kind"),
        Index("ix_web_session_expires", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str] = mapped_column(String(40))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(30))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    staff_account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    id_token: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """A per-structure API key for an integrator, shown once at creation.

    The key is ``prefix`` + a random secret; ``prefix`` finds the row, ``key_hash`` (SHA-256
    of the whole key, which carries 256 random bits) checks it, so the key itself is never
    stored. ``scopes`` is space separated. A revoked key stays (``revoked_at``) so that the
    trace keeps naming it.
    """

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"))
    scopes: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DmpVisit(Base):
    """When a professional last opened the DMP document list of a patient.

    One row per (practitioner, patient), moved forward each time the professional opens
    the list (:func:`esante.practice.dmp_counters.mark_visited`): the MES bar counts the
    documents submitted to the DMP since then ("nouveaux documents", issue 13), for this
    professional only — another professional's visit does not reset them.
    """

    __tablename__ = "dmp_visit"
    __table_args__ = (UniqueConstraint("practitioner_id", "patient_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- consultation

RECORD_ITEM_KINDS = ("problem", "history", "procedure", "allergy", "treatment")
RECORD_ITEM_SOURCES = ("local", "dmp", "mssante")


class RecordItem(Base):
    """One entry of the record's structured lists: active problems, history (past
    illnesses, surgical acts), allergies, treatments.

    Filled by the professional or imported from a received VSM N3 (issue 13 item 4): an
    imported entry keeps where it came from — the source (``dmp`` / ``mssante``), the
    document uniqueId, its author and date, who imported it and when — so that the record
    shows "importé du DMP le … (auteur)". One entry per (patient, kind, coded concept):
    a concept the record already holds is not added twice (``code_system`` + ``code``;
    an entry without code is keyed by its label in ``code``).
    """

    __tablename__ = "record_item"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('problem', 'history', 'procedure', 'allergy', 'treatment')", name="kind"
        ),
        CheckConstraint("source IN ('local', 'dmp', 'mssante')", name="source"),
        UniqueConstraint("patient_id", "kind", "code_system", "code", name="uq_record_item"),
        Index("ix_record_item_patient", "patient_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(120))
    code_system: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(300))
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # reaction of an allergy, dose / rhythm / route of a treatment (French, for reading)
    detail: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(10), default="local")
    source_document_unique_id: Mapped[str | None] = mapped_column(String(128))
    source_author: Mapped[str | None] = mapped_column(String(200))
    source_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    recorded_by: Mapped[str | None] = mapped_column(String(40))  # idNat_PS / account id
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DmpEmergencyAccess(Base):
    """A break-glass (or centre 15) access to a patient's DMP, declared by a professional
    with its reason, valid until ``expires_at``.

    The access mode is chosen by an explicit action with a mandatory reason; while it
    lasts, every DMP call for this (professional, patient) is made in that mode and the
    bar says so for its whole duration (``dmp-exigences.md`` EX_0.3-1050, EX_0.2-1050).
    """

    __tablename__ = "dmp_emergency_access"
    __table_args__ = (
        CheckConstraint("mode IN ('bris_de_glace', 'centre_15')", name="mode"),
        Index("ix_dmp_emergency_access", "practitioner_id", "patient_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
