"""The values the DMP sandbox takes and gives: submissions, documents, queries, statuses.

They are plain frozen dataclasses, independent of the wire format: the HTTP/SOAP layer
maps the ITI-41/18/43/57 and HL7 v3 messages (:mod:`esante.xds`) to these values and back.
Times are aware datetimes in UTC. Codes are :class:`CodedValue` (code, coding scheme,
label). What the submitter sent that the sandbox does not model (legal authenticator,
source patient info, extra slots...) travels in ``wire_metadata``, stored as received
and given back with the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from esante.sandbox.dmp.codes import AuthorizationContext, AuthorizationStatus
from esante.sandbox.dmp.rights import DocumentFacts
from esante.trust.vocabulary import AccessMode, AuthenticationMode
from esante.xds.vocabulary import AvailabilityStatus


@dataclass(frozen=True, slots=True)
class PatientIns:
    """The patient's INS as the DMP receives it: matricule and assigning-authority OID."""

    value: str
    oid: str

    def cx(self) -> str:
        """HL7 v2 CX form ``value^^^&oid&ISO^NH``."""
        return f"{self.value}^^^&{self.oid}&ISO^NH"


@dataclass(frozen=True, slots=True)
class CodedValue:
    """A code in a coding scheme (an OID), with its label."""

    code: str
    scheme: str = ""
    display: str = ""


@dataclass(frozen=True, slots=True)
class AuthorInfo:
    """An author of a document or submission set (XDS ``author``).

    ``id_nat_ps`` is authorPerson's identifier (idNat_PS), ``specialty`` authorSpecialty
    (J01 ``G15_10/SM26``), ``structure_id`` authorInstitution's idNat_Struct. A document
    the patient deposited has an author without ``id_nat_ps``.
    """

    id_nat_ps: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    specialty: str | None = None
    role: str | None = None
    structure_id: str | None = None
    structure_name: str | None = None


@dataclass(frozen=True, slots=True)
class NewDocument:
    """One document of a TD2.1 submission: its metadata (DocumentEntry) and its bytes.

    ``entry_uuid`` is the id in the submission (symbolic, or a ``urn:uuid:`` the registry
    keeps); ``hash`` (SHA-1, hexadecimal) and ``size`` are the declared values, checked
    against ``content`` when given; ``replaces`` is the entryUUID of the document this one
    replaces (RPLC association); ``patient`` defaults to the submission's patient.
    """

    entry_uuid: str
    unique_id: str
    content: bytes
    mime_type: str
    class_code: CodedValue
    type_code: CodedValue
    format_code: CodedValue
    creation_time: datetime
    title: str = ""
    authors: tuple[AuthorInfo, ...] = ()
    patient: PatientIns | None = None
    service_start_time: datetime | None = None
    service_stop_time: datetime | None = None
    confidentiality_code: CodedValue | None = None
    masked: bool = False
    invisible_to_patient: bool = False
    invisible_to_legal_representatives: bool = False
    healthcare_facility_type: CodedValue | None = None
    practice_setting: CodedValue | None = None
    event_codes: tuple[CodedValue, ...] = ()
    language_code: str | None = None
    comments: str | None = None
    hash: str | None = None
    size: int | None = None
    replaces: str | None = None
    wire_metadata: str | None = None


@dataclass(frozen=True, slots=True)
class NewSubmission:
    """A TD2.1 submission set and its documents.

    ``signature`` is the XAdES signature document of the set (checked by the HTTP layer,
    stored with the set). ``submission_time`` is the declared one; the registry also
    records its own reception time, which is the one searches use.
    """

    patient: PatientIns
    entry_uuid: str
    unique_id: str
    source_id: str
    documents: tuple[NewDocument, ...]
    authors: tuple[AuthorInfo, ...] = ()
    content_type_code: CodedValue | None = None
    title: str | None = None
    submission_time: datetime | None = None
    signature: bytes | None = None
    wire_metadata: str | None = None


@dataclass(frozen=True)
class DocumentRecord:
    """A document as the DMP registry holds it (one current version per logical id).

    ``entry_uuid`` is the current version's id (it changes when TD3.3a/b create a new
    version); ``logical_id`` stays the first one. ``structure_ids`` are the authors'
    institutions and the submitting structure.
    """

    entry_uuid: str
    logical_id: str
    version: int
    unique_id: str
    patient: PatientIns
    status: AvailabilityStatus
    class_code: CodedValue
    type_code: CodedValue
    format_code: CodedValue
    mime_type: str
    title: str
    creation_time: datetime
    submission_time: datetime
    hash: str
    size: int
    repository_unique_id: str
    submission_set_entry_uuid: str
    submitter_id: str
    submitter_structure_id: str | None
    authors: tuple[AuthorInfo, ...] = ()
    service_start_time: datetime | None = None
    service_stop_time: datetime | None = None
    confidentiality_code: CodedValue | None = None
    masked: bool = False
    invisible_to_patient: bool = False
    invisible_to_legal_representatives: bool = False
    healthcare_facility_type: CodedValue | None = None
    practice_setting: CodedValue | None = None
    event_codes: tuple[CodedValue, ...] = ()
    language_code: str | None = None
    comments: str | None = None
    patient_document: bool = False
    wire_metadata: str | None = None

    @property
    def author_ids(self) -> frozenset[str]:
        """The idNat_PS of the authors."""
        return frozenset(a.id_nat_ps for a in self.authors if a.id_nat_ps)

    @property
    def structure_ids(self) -> frozenset[str]:
        """The authors' institutions and the structure that submitted the document."""
        found = {a.structure_id for a in self.authors if a.structure_id}
        if self.submitter_structure_id:
            found.add(self.submitter_structure_id)
        return frozenset(found)

    def facts(self) -> DocumentFacts:
        """What the rights matrix needs to know of this document."""
        return DocumentFacts(
            author_ids=self.author_ids,
            structure_ids=self.structure_ids,
            status=self.status,
            masked=self.masked,
            invisible_to_patient=self.invisible_to_patient,
            invisible_to_legal_representatives=self.invisible_to_legal_representatives,
            patient_document=self.patient_document,
        )


@dataclass(frozen=True)
class SubmissionReceipt:
    """What a successful TD2.1 registered: the set, the documents, the versions replaced."""

    submission_set_entry_uuid: str
    documents: tuple[DocumentRecord, ...]
    deprecated: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetrievedDocument:
    """A TD3.2 answer: the document's metadata and bytes."""

    record: DocumentRecord
    content: bytes


@dataclass(frozen=True)
class DocumentQuery:
    """TD3.1 FindDocuments filters (empty means "any").

    Codes match on the code alone (the value sets keep codes distinct). Time ranges are
    inclusive of ``*_from`` and exclusive of ``*_to`` (IHE ITI-18). ``confidentiality``
    keeps documents carrying any of the codes: the visibility codes ``MASQUE_PS``,
    ``INVISIBLE_PATIENT``, ``INVISIBLE_REPRESENTANTS_LEGAUX`` or an HL7 confidentiality
    code (``N``...). ``author_ids``: idNat_PS of an author. ``statuses``: Approved only by
    default — archived, obsolete and deleted documents come only when asked.
    """

    statuses: frozenset[AvailabilityStatus] = frozenset({AvailabilityStatus.APPROVED})
    class_codes: tuple[str, ...] = ()
    type_codes: tuple[str, ...] = ()
    format_codes: tuple[str, ...] = ()
    practice_setting_codes: tuple[str, ...] = ()
    healthcare_facility_type_codes: tuple[str, ...] = ()
    event_codes: tuple[str, ...] = ()
    confidentiality: tuple[str, ...] = ()
    author_ids: tuple[str, ...] = ()
    creation_from: datetime | None = None
    creation_to: datetime | None = None
    service_start_from: datetime | None = None
    service_start_to: datetime | None = None
    service_stop_from: datetime | None = None
    service_stop_to: datetime | None = None
    submission_from: datetime | None = None
    submission_to: datetime | None = None


@dataclass(frozen=True)
class ExistenceStatus:
    """TD0.2: does the patient have a DMP, is it open, may this professional access it.

    ``authorization`` is the asker's access authorization; ``treating_physician`` whether
    the asker is the patient's médecin traitant DMP; ``attached_to_mes`` whether the DMP
    is attached to Mon espace santé; ``internet_account_open`` whether the patient's
    internet account is open (``COMPTE_INTERNET_OUVERT``); the name prefix and the
    telecoms are given as in the DMP's TD0.2 answer. Traits are given for the response
    message only (the LPS must not display them, RG_0320).
    """

    patient: PatientIns
    exists: bool
    open: bool = False
    closed_at: datetime | None = None
    closure_reason: str | None = None
    closure_text: str | None = None
    authorization: AuthorizationStatus = AuthorizationStatus.NONE
    treating_physician: bool = False
    attached_to_mes: bool = False
    family_name: str | None = None
    given_name: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    name_prefix: str | None = None
    email: str | None = None
    mobile_phone: str | None = None
    internet_account_open: bool = False


class AuthorizationAction(StrEnum):
    """setAuthorization ``action`` (TD0.3)."""

    ADD = "AJOUT"
    REMOVE = "SUPPRESSION"


class AuthorizationListMode(StrEnum):
    """listAuthorizationByPatient ``mode`` (TD1.6): authorized, blocked, or both."""

    ACTIVE = "ACTIVE"
    FORBIDDEN = "INTERDITE"
    ALL = "TOUTE"


@dataclass(frozen=True)
class AuthorizationUpdate:
    """A TD0.3 answer: ``status`` (``DMPOk``), what was done, and the resulting state."""

    status: str
    context: AuthorizationContext
    authorization: AuthorizationStatus
    treating_physician: bool

    @property
    def context_text(self) -> str:
        """The French ``context`` text of the answer."""
        return self.context.text


@dataclass(frozen=True)
class AuthorizationRecord:
    """A professional (or structure) authorized or blocked on a DMP (TD1.6, patient page)."""

    subject_id: str
    subject_kind: str
    mode: AuthorizationListMode
    family_name: str | None = None
    given_name: str | None = None
    specialty: str | None = None
    granted_at: datetime | None = None
    expires_at: datetime | None = None
    last_action_at: datetime | None = None


@dataclass(frozen=True)
class PatientRecord:
    """A patient's DMP as the sandbox holds it (admin view)."""

    patient: PatientIns
    created_at: datetime
    open: bool
    attached_to_mes: bool
    opposed_to_feeding: bool
    opposed_to_bris_de_glace: bool
    opposed_to_centre_15: bool
    masked_access_in_emergency: bool
    treating_physician: str | None = None
    closed_at: datetime | None = None
    closure_reason: str | None = None
    closure_text: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    name_prefix: str | None = None
    email: str | None = None
    mobile_phone: str | None = None
    internet_account_open: bool = False


class Outcome(StrEnum):
    """How a call ended, in the access log."""

    ACCEPTED = "accepted"
    REFUSED = "refused"


@dataclass(frozen=True)
class AccessLogEntry:
    """One call to the DMP, as the patient sees it on Mon espace santé."""

    at: datetime
    transaction: str
    action: str
    actor_id: str
    authentication_mode: AuthenticationMode
    access_mode: AccessMode
    patient_ins: str
    outcome: Outcome
    actor_name: str | None = None
    actor_profession: str | None = None
    actor_specialty: str | None = None
    actor_structure_id: str | None = None
    document_unique_id: str | None = None
    error_code: str | None = None
    detail: str | None = None
    access_reason: str | None = None
