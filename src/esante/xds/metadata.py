"""The XDS metadata as plain values: DocumentEntry, SubmissionSet, Association, Author, Code.

This is the domain model of IHE ITI TF-3 §4.1 (metadata objects and attributes) with the
CI-SIS/DMP content (PDSm4DMP logical models DocumentEntry, SubmissionSet, Author), kept
apart from the ebRIM wire format: :mod:`esante.xds.ebxml` turns these objects into
XML and back. Values are frozen dataclasses; repeated attributes are tuples, never
``None``; a missing single attribute is ``None`` (validators decide whether that is
allowed in a given transaction).

Times are XDS DTM strings in UTC (see :mod:`esante.xds.hl7v2`); ``entry_uuid`` is the
ebRIM ``id`` — a ``urn:uuid:`` once registered, or a symbolic id inside a submission.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from esante.xds.hl7v2 import (
    Identifier,
    Organization,
    PatientInfo,
    Person,
    escape,
    unescape,
)
from esante.xds.vocabulary import (
    INVISIBLE_TO_LEGAL_REPRESENTATIVES,
    INVISIBLE_TO_PATIENT,
    MASKED_TO_PROFESSIONALS,
    SIGNATURE_CLASS_CODE,
    STABLE_DOCUMENT_ENTRY,
    VISIBILITY_LABELS,
    VISIBILITY_OID,
    AssociationType,
    AvailabilityStatus,
    DocumentAvailability,
    SubmissionSetStatus,
)


@dataclass(frozen=True, slots=True)
class Code:
    """A coded value: ``code`` in ``coding_scheme`` (an OID, or ``URN``...) with its label."""

    code: str
    coding_scheme: str
    display: str = ""

    def matches(self, other: Code) -> bool:
        """Same code in the same coding scheme (the label does not count)."""
        return self.code == other.code and self.coding_scheme == other.coding_scheme

    def to_hl7(self) -> str:
        """As an HL7 v2 CWE ``code^display^scheme`` (authorSpecialty, authorRole)."""
        if not (self.display or self.coding_scheme):
            return escape(self.code)
        return f"{escape(self.code)}^{escape(self.display)}^{escape(self.coding_scheme)}"

    @classmethod
    def parse_hl7(cls, value: str) -> Code:
        """Read a CWE ``code^display^scheme`` (a bare string gives a code without scheme)."""
        parts = [*value.split("^"), "", ""]
        return cls(unescape(parts[0]), unescape(parts[2]), unescape(parts[1]))


@dataclass(frozen=True, slots=True)
class Slot:
    """A slot esante does not model explicitly, kept so that nothing received is lost."""

    name: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Author:
    """An author of a document or submission set (ITI TF-3 §4.2.3.1.4).

    ``person`` is the XCN of authorPerson (a professional, a patient or a system);
    ``institutions`` the XON of authorInstitution; ``roles`` the authorRole values
    (JDV_J47 function codes); ``specialties`` the authorSpecialty (JDV_J01, TRE_A02
    codes such as ``G15_10/SM26``); ``telecoms`` authorTelecommunication (XTN strings).
    """

    person: Person | None = None
    institutions: tuple[Organization, ...] = ()
    roles: tuple[Code, ...] = ()
    specialties: tuple[Code, ...] = ()
    telecoms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """XDSDocumentEntry: the metadata of one document (PDSm4DMP "Fiche").

    ``confidentiality_codes`` holds both the HL7 confidentiality (``N``...) and the DMP
    visibility codes (TRE_A07 ``MASQUE_PS``, ``INVISIBLE_PATIENT``,
    ``INVISIBLE_REPRESENTANTS_LEGAUX``); the ``*_to_*`` properties read them.
    ``logical_id`` (ebRIM ``lid``) and ``version`` (VersionInfo) are set by the registry;
    ``hash`` (SHA-1, hex) and ``size`` by the repository.
    """

    entry_uuid: str
    unique_id: str | None = None
    patient_id: Identifier | None = None
    source_patient_id: Identifier | None = None
    source_patient_info: PatientInfo | None = None
    class_code: Code | None = None
    type_code: Code | None = None
    format_code: Code | None = None
    healthcare_facility_type_code: Code | None = None
    practice_setting_code: Code | None = None
    confidentiality_codes: tuple[Code, ...] = ()
    event_codes: tuple[Code, ...] = ()
    authors: tuple[Author, ...] = ()
    legal_authenticator: Person | None = None
    creation_time: str | None = None
    service_start_time: str | None = None
    service_stop_time: str | None = None
    language_code: str | None = None
    mime_type: str | None = None
    hash: str | None = None
    size: int | None = None
    title: str | None = None
    comments: str | None = None
    availability_status: AvailabilityStatus | None = None
    document_availability: DocumentAvailability | None = None
    reference_ids: tuple[Identifier, ...] = ()
    repository_unique_id: str | None = None
    home_community_id: str | None = None
    logical_id: str | None = None
    version: str | None = None
    uri: str | None = None
    object_type: str = STABLE_DOCUMENT_ENTRY
    extra_slots: tuple[Slot, ...] = field(default=())

    @property
    def masked_to_professionals(self) -> bool:
        """Masked to healthcare professionals (DMP ``MASQUE_PS``, TD3.3a)."""
        return self._has_visibility(MASKED_TO_PROFESSIONALS)

    @property
    def invisible_to_patient(self) -> bool:
        """Not visible to the patient (DMP ``INVISIBLE_PATIENT``, TD3.3b)."""
        return self._has_visibility(INVISIBLE_TO_PATIENT)

    @property
    def invisible_to_legal_representatives(self) -> bool:
        """Not visible to the patient's legal representatives (TD3.3b)."""
        return self._has_visibility(INVISIBLE_TO_LEGAL_REPRESENTATIVES)

    @property
    def is_signature(self) -> bool:
        """Whether this entry is a submission-set signature (IHE DSG XAdES document)."""
        return self.class_code is not None and self.class_code.code == SIGNATURE_CLASS_CODE

    def _has_visibility(self, code: str) -> bool:
        return any(
            c.code == code and c.coding_scheme == VISIBILITY_OID for c in self.confidentiality_codes
        )

    def with_visibility(
        self,
        *,
        masked_to_professionals: bool | None = None,
        invisible_to_patient: bool | None = None,
        invisible_to_legal_representatives: bool | None = None,
    ) -> DocumentEntry:
        """A copy with the DMP visibility codes set or removed (``None`` leaves one as is)."""
        wanted = {
            MASKED_TO_PROFESSIONALS: masked_to_professionals,
            INVISIBLE_TO_PATIENT: invisible_to_patient,
            INVISIBLE_TO_LEGAL_REPRESENTATIVES: invisible_to_legal_representatives,
        }
        codes = [
            c
            for c in self.confidentiality_codes
            if not (c.coding_scheme == VISIBILITY_OID and wanted.get(c.code) is False)
        ]
        for code, on in wanted.items():
            if on and not self._has_visibility(code):
                codes.append(visibility_code(code))
        return replace(self, confidentiality_codes=tuple(codes))


def visibility_code(code: str) -> Code:
    """The DMP visibility confidentialityCode ``code`` (TRE_A07) with its French label."""
    return Code(code, VISIBILITY_OID, VISIBILITY_LABELS.get(code, ""))


@dataclass(frozen=True, slots=True)
class SubmissionSet:
    """XDSSubmissionSet: one submission (PDSm4DMP "Lot de soumission").

    ``source_id`` is the OID of the submitting system; ``content_type_code`` the type of
    clinical activity (JDV_J59 ContentTypeCode-DMP); ``authors`` usually one (the
    professional or system submitting).
    """

    entry_uuid: str
    unique_id: str | None = None
    source_id: str | None = None
    submission_time: str | None = None
    patient_id: Identifier | None = None
    authors: tuple[Author, ...] = ()
    content_type_code: Code | None = None
    title: str | None = None
    comments: str | None = None
    intended_recipients: tuple[str, ...] = ()
    availability_status: AvailabilityStatus | None = None
    home_community_id: str | None = None
    logical_id: str | None = None
    version: str | None = None
    extra_slots: tuple[Slot, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Association:
    """An ebRIM Association between two objects (ITI TF-3 §4.2.2).

    HasMember (submission set → entry) carries ``submission_set_status`` and, for an
    ITI-57 metadata update, ``previous_version``; UpdateAvailabilityStatus (ITI-57
    status change, DMP delete/archive) carries ``original_status`` and ``new_status``.
    ``association_type`` is an :class:`AssociationType` or, when received, any URN.
    """

    entry_uuid: str
    association_type: AssociationType | str
    source: str
    target: str
    submission_set_status: SubmissionSetStatus | None = None
    previous_version: str | None = None
    original_status: AvailabilityStatus | str | None = None
    new_status: AvailabilityStatus | str | None = None
    availability_status: AvailabilityStatus | None = None
    extra_slots: tuple[Slot, ...] = field(default=())


def has_member(
    entry_uuid: str, submission_set: str, target: str, *, previous_version: str | None = None
) -> Association:
    """A HasMember association ``submission_set → target`` with status Original."""
    return Association(
        entry_uuid,
        AssociationType.HAS_MEMBER,
        submission_set,
        target,
        submission_set_status=SubmissionSetStatus.ORIGINAL,
        previous_version=previous_version,
    )


def codes(*items: tuple[str, str, str] | Code) -> tuple[Code, ...]:
    """Build a tuple of :class:`Code` from ``(code, scheme, display)`` triples or codes."""
    return tuple(i if isinstance(i, Code) else Code(*i) for i in items)


def find_by_id(entries: Iterable[DocumentEntry], entry_uuid: str) -> DocumentEntry | None:
    """The entry whose ``entry_uuid`` is ``entry_uuid``, if any."""
    return next((e for e in entries if e.entry_uuid == entry_uuid), None)
