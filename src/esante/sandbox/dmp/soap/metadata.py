"""XDS metadata on the wire ↔ the sandbox's records (TD2.1 in, TD3.1 out).

Inbound (ITI-41), each ``DocumentEntry`` becomes a :class:`NewDocument`: the values the
DMP's rules and searches use (codes, times, authors, visibility flags, hash and size)
plus, in ``wire_metadata``, the entry exactly as received (its ``rim:ExtrinsicObject``
re-encoded), so that nothing the submitter sent is lost — legal authenticator, source
patient information, author roles and telecoms, extra slots.

Outbound (ITI-18), a :class:`DocumentRecord` becomes a ``DocumentEntry``: the received
entry when there is one, with the registry's own values laid over it — entryUUID,
logical id and version (TD3.3a/b publish new versions), availability status (RPLC,
TD3.3c/d), repository, hash, size, patient and the current visibility codes. A record
without received metadata (documents deposited by the patient, bulk loads) is written
from the record's fields alone. Parsed entries are cached by their text: a search of a
patient's 200 documents parses each received entry once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache

from lxml import etree

from esante.safexml import XmlError, parse_xml
from esante.sandbox.dmp.records import (
    AuthorInfo,
    CodedValue,
    DocumentRecord,
    NewDocument,
    PatientIns,
)
from esante.xds import (
    Author,
    Code,
    DocumentEntry,
    Identifier,
    Organization,
    Person,
    SubmissionSet,
    XdsError,
    XdsFormatError,
    format_dtm,
    parse_dtm,
    visibility_code,
)
from esante.xds.ebxml import (
    document_entry_from_ebrim,
    document_entry_to_ebrim,
    submission_set_from_ebrim,
    submission_set_to_ebrim,
)
from esante.xds.vocabulary import (
    INS_IDENTIFIER_TYPE,
    INVISIBLE_TO_LEGAL_REPRESENTATIVES,
    INVISIBLE_TO_PATIENT,
    MASKED_TO_PROFESSIONALS,
    NS_RIM,
    PS_IDENTIFIER_TYPE,
    PS_IDNAT_OID,
    STRUCTURE_IDENTIFIER_TYPE,
    STRUCTURE_IDNAT_OID,
    VISIBILITY_OID,
    DocumentAvailability,
)

AUTHOR_SPECIALTY_SYSTEM = "1.2.250.1.213.1.1.4.5"
"""TRE_A02 (JDV_J01): the code system of authorSpecialty (``G15_10/SM26``)."""
WIRE_METADATA_MAX = 256 * 1024


def coded(code: Code | None) -> CodedValue | None:
    """An XDS code as a record value."""
    if code is None:
        return None
    return CodedValue(code.code, code.coding_scheme, code.display)


def xds_code(value: CodedValue | None) -> Code | None:
    """A record value as an XDS code."""
    if value is None:
        return None
    return Code(value.code, value.scheme, value.display)


def patient_of(identifier: Identifier) -> PatientIns:
    """The INS of an XDS patientId (CX)."""
    return PatientIns(identifier.id.strip(), identifier.assigning_authority.strip())


def patient_identifier(patient: PatientIns) -> Identifier:
    """The XDS patientId (CX ``matricule^^^&oid&ISO^NH``) of an INS."""
    return Identifier(patient.value, patient.oid, INS_IDENTIFIER_TYPE)


def time_of(value: str | None) -> datetime | None:
    """An XDS DTM as an aware UTC datetime (``None`` stays ``None``)."""
    return None if not value else parse_dtm(value)


def author_info(author: Author) -> AuthorInfo:
    """What the rules need of an XDS author."""
    person = author.person
    institution = author.institutions[0] if author.institutions else None
    return AuthorInfo(
        id_nat_ps=(person.id or None) if person is not None else None,
        family_name=(person.family_name or None) if person is not None else None,
        given_name=(person.given_name or None) if person is not None else None,
        specialty=author.specialties[0].code if author.specialties else None,
        role=author.roles[0].code if author.roles else None,
        structure_id=(institution.identifier or None) if institution is not None else None,
        structure_name=(institution.name or None) if institution is not None else None,
    )


def new_document(
    entry: DocumentEntry,
    content: bytes,
    *,
    replaces: str | None = None,
    received: str | None = None,
) -> NewDocument:
    """The record of a submitted entry and its bytes.

    ``received`` is the entry's ``rim:ExtrinsicObject`` as it came on the wire (see
    :func:`received_objects`); when absent the entry is re-encoded.

    Raises :class:`esante.xds.XdsFormatError` for a time that is not a DTM; required
    attributes were checked by the ITI-41 validator before.
    """
    confidentiality = next(
        (c for c in entry.confidentiality_codes if c.coding_scheme != VISIBILITY_OID), None
    )
    creation = time_of(entry.creation_time)
    if creation is None:
        raise XdsFormatError(
            "Date de création du document absente.",
            detail=f"DocumentEntry[{entry.entry_uuid}] has no creationTime",
            field="creationTime",
        )
    return NewDocument(
        entry_uuid=entry.entry_uuid,
        unique_id=(entry.unique_id or "").strip(),
        content=content,
        mime_type=entry.mime_type or "application/octet-stream",
        class_code=coded(entry.class_code) or CodedValue(""),
        type_code=coded(entry.type_code) or CodedValue(""),
        format_code=coded(entry.format_code) or CodedValue(""),
        creation_time=creation,
        title=entry.title or "",
        authors=tuple(author_info(a) for a in entry.authors),
        patient=patient_of(entry.patient_id) if entry.patient_id is not None else None,
        service_start_time=time_of(entry.service_start_time),
        service_stop_time=time_of(entry.service_stop_time),
        confidentiality_code=coded(confidentiality),
        masked=entry.masked_to_professionals,
        invisible_to_patient=entry.invisible_to_patient,
        invisible_to_legal_representatives=entry.invisible_to_legal_representatives,
        healthcare_facility_type=coded(entry.healthcare_facility_type_code),
        practice_setting=coded(entry.practice_setting_code),
        event_codes=tuple(
            CodedValue(c.code, c.coding_scheme, c.display) for c in entry.event_codes
        ),
        language_code=entry.language_code,
        comments=entry.comments,
        hash=entry.hash,
        size=entry.size,
        replaces=replaces,
        wire_metadata=received or entry_wire_metadata(entry),
    )


def received_objects(payload: etree._Element) -> dict[str, str]:
    """The ``rim:ExtrinsicObject`` and ``rim:RegistryPackage`` of a request, as text, by id.

    Keeping the received text (rather than re-encoding the parsed entry) is both faithful
    and cheap.
    """
    found: dict[str, str] = {}
    for tag in (f"{{{NS_RIM}}}ExtrinsicObject", f"{{{NS_RIM}}}RegistryPackage"):
        for element in payload.iter(tag):
            identifier = element.get("id")
            if identifier and identifier not in found:
                found[identifier] = etree.tostring(element, encoding="unicode")
    return found


def entry_wire_metadata(entry: DocumentEntry) -> str:
    """The entry as received, as ebRIM text (what ``wire_metadata`` keeps)."""
    return etree.tostring(document_entry_to_ebrim(entry), encoding="unicode")


def submission_set_wire_metadata(submission_set: SubmissionSet) -> str:
    """The submission set as received, as ebRIM text."""
    return etree.tostring(submission_set_to_ebrim(submission_set), encoding="unicode")


@lru_cache(maxsize=8192)
def _received_entry(text: str) -> DocumentEntry | None:
    try:
        element = parse_xml(text.encode("utf-8"), what="métadonnées", max_bytes=WIRE_METADATA_MAX)
        return document_entry_from_ebrim(element)
    except (XmlError, XdsError, ValueError):
        return None


@lru_cache(maxsize=4096)
def received_submission_set(text: str) -> SubmissionSet | None:
    """The submission set kept as received (``None`` when it cannot be read back)."""
    try:
        element = parse_xml(text.encode("utf-8"), what="métadonnées", max_bytes=WIRE_METADATA_MAX)
        return submission_set_from_ebrim(element)
    except (XmlError, XdsError, ValueError):
        return None


def _visibility(record: DocumentRecord) -> list[Code]:
    flags = (
        (record.masked, MASKED_TO_PROFESSIONALS),
        (record.invisible_to_patient, INVISIBLE_TO_PATIENT),
        (record.invisible_to_legal_representatives, INVISIBLE_TO_LEGAL_REPRESENTATIVES),
    )
    return [visibility_code(code) for on, code in flags if on]


def _author(info: AuthorInfo) -> Author:
    person = None
    if info.id_nat_ps or info.family_name:
        person = Person(
            id=info.id_nat_ps or "",
            family_name=info.family_name or "",
            given_name=info.given_name or "",
            assigning_authority=PS_IDNAT_OID if info.id_nat_ps else "",
            name_type_code="D",
            identifier_type_code=PS_IDENTIFIER_TYPE if info.id_nat_ps else "",
        )
    institutions: tuple[Organization, ...] = ()
    if info.structure_id or info.structure_name:
        institutions = (
            Organization(
                name=info.structure_name or info.structure_id or "",
                identifier=info.structure_id or "",
                assigning_authority=STRUCTURE_IDNAT_OID if info.structure_id else "",
                identifier_type_code=STRUCTURE_IDENTIFIER_TYPE if info.structure_id else "",
            ),
        )
    return Author(
        person=person,
        institutions=institutions,
        roles=(Code(info.role, ""),) if info.role else (),
        specialties=(Code(info.specialty, AUTHOR_SPECIALTY_SYSTEM),) if info.specialty else (),
    )


def _from_fields(record: DocumentRecord) -> DocumentEntry:
    def dtm(value: datetime | None) -> str | None:
        return None if value is None else format_dtm(value)

    return DocumentEntry(
        entry_uuid=record.entry_uuid,
        class_code=xds_code(record.class_code),
        type_code=xds_code(record.type_code),
        format_code=xds_code(record.format_code),
        healthcare_facility_type_code=xds_code(record.healthcare_facility_type),
        practice_setting_code=xds_code(record.practice_setting),
        event_codes=tuple(Code(c.code, c.scheme, c.display) for c in record.event_codes),
        authors=tuple(_author(a) for a in record.authors),
        creation_time=dtm(record.creation_time),
        service_start_time=dtm(record.service_start_time),
        service_stop_time=dtm(record.service_stop_time),
        language_code=record.language_code,
        mime_type=record.mime_type,
        title=record.title,
        comments=record.comments,
    )


def document_entry(record: DocumentRecord) -> DocumentEntry:
    """The DocumentEntry a query answers for ``record`` (see the module docstring)."""
    received = None
    if record.wire_metadata:
        received = _received_entry(record.wire_metadata)
    base = received if received is not None else _from_fields(record)
    others = [c for c in base.confidentiality_codes if c.coding_scheme != VISIBILITY_OID]
    if not others and record.confidentiality_code is not None:
        others = [Code(*_triple(record.confidentiality_code))]
    patient = patient_identifier(record.patient)
    return replace(
        base,
        entry_uuid=record.entry_uuid,
        unique_id=record.unique_id,
        patient_id=patient,
        source_patient_id=base.source_patient_id or patient,
        confidentiality_codes=(*others, *_visibility(record)),
        hash=record.hash,
        size=record.size,
        repository_unique_id=record.repository_unique_id,
        availability_status=record.status,
        document_availability=DocumentAvailability.ONLINE,
        logical_id=record.logical_id,
        version=str(record.version),
        mime_type=record.mime_type,
    )


_ENCODED_MAX = 8192
_encoded: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
_encoded_lock = threading.Lock()


def _encoding_key(record: DocumentRecord) -> tuple[object, ...]:
    return (
        record.entry_uuid,
        record.status,
        record.version,
        record.masked,
        record.invisible_to_patient,
        record.invisible_to_legal_representatives,
        record.hash,
    )


def _encode(key: tuple[object, ...], record: DocumentRecord) -> bytes:
    element = document_entry_to_ebrim(document_entry(record))
    element.set("isOpaque", "false")  # as every entry of the DMP's TD3.1 answer
    encoded = etree.tostring(element, encoding="UTF-8")
    with _encoded_lock:
        _encoded[key] = encoded
        while len(_encoded) > _ENCODED_MAX:
            _encoded.popitem(last=False)
    return encoded


def encoded_record(record: DocumentRecord) -> bytes:
    """The ``rim:ExtrinsicObject`` answering ``record``, serialized.

    Cached by what can change an entry in the registry (entryUUID, which TD3.3a/b renew,
    status, visibility flags, version): a patient's documents are searched far more often
    than they change, and an entry is about 6 KiB of slots and classifications.
    """
    key = _encoding_key(record)
    with _encoded_lock:
        found = _encoded.get(key)
        if found is not None:
            _encoded.move_to_end(key)
            return found
    return _encode(key, record)


def encoded_records(
    records: Sequence[DocumentRecord],
    received: Callable[[Sequence[str]], Mapping[str, str | None]],
) -> list[bytes]:
    """:func:`encoded_record` of each record, for records read without their
    ``wire_metadata`` (a search leaves it out: it is most of a row's bytes).

    The entries not in the cache yet get it from ``received`` (entryUUIDs → entry as
    received), called once for all of them and not at all when every entry is cached.
    """
    keys = [_encoding_key(r) for r in records]
    with _encoded_lock:
        found: list[bytes | None] = [_encoded.get(k) for k in keys]
        for key, encoded in zip(keys, found, strict=True):
            if encoded is not None:
                _encoded.move_to_end(key)
    missing = [i for i, encoded in enumerate(found) if encoded is None]
    unread = [records[i].entry_uuid for i in missing if records[i].wire_metadata is None]
    wire = received(unread) if unread else {}
    for i in missing:
        record = records[i]
        if record.wire_metadata is None:
            record = replace(record, wire_metadata=wire.get(record.entry_uuid))
        found[i] = _encode(keys[i], record)
    return [encoded for encoded in found if encoded is not None]


def _triple(value: CodedValue) -> tuple[str, str, str]:
    return value.code, value.scheme, value.display
