"""Two-way transforms between the metadata model and ebRIM 3.0 registry objects.

IHE ITI TF-3 §4.2.3 (DocumentEntry = ``rim:ExtrinsicObject``, SubmissionSet =
``rim:RegistryPackage`` classified by the SubmissionSet node, Association =
``rim:Association``), with the CI-SIS slot and classification usage of the official
DMP messages. One ``*_to_ebrim`` / ``*_from_ebrim`` pair per class, like IPF's
``DocumentEntryTransformer``; associations and whole ``rim:RegistryObjectList`` are
in :mod:`esante.xds.ebxml.object_list`.

Reading raises :class:`~esante.xds.errors.XdsFormatError` naming the object and
attribute at fault (``field``) when a value cannot be read (a CX without id, a size that
is not a number, an unknown status URN).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lxml import etree

from esante.xds.ebxml.rim import (
    ClassificationView,
    IdSource,
    RimObject,
    add_classification,
    add_code,
    add_external_identifier,
    add_slot,
    add_slots,
    add_string,
    add_version,
    new_uuid,
    read_object,
    rim,
)
from esante.xds.errors import XdsFormatError
from esante.xds.hl7v2 import Identifier, Organization, PatientInfo, Person
from esante.xds.metadata import Author, Code, DocumentEntry, SubmissionSet
from esante.xds.vocabulary import (
    DE_AUTHOR,
    DE_CLASS_CODE,
    DE_CONFIDENTIALITY_CODE,
    DE_EVENT_CODE,
    DE_FORMAT_CODE,
    DE_HEALTHCARE_FACILITY_TYPE_CODE,
    DE_PATIENT_ID,
    DE_PRACTICE_SETTING_CODE,
    DE_TYPE_CODE,
    DE_UNIQUE_ID,
    DOCUMENT_ENTRY_SLOTS,
    EXTERNAL_IDENTIFIER_NAMES,
    NS_RIM,
    SLOT_AUTHOR_INSTITUTION,
    SLOT_AUTHOR_PERSON,
    SLOT_AUTHOR_ROLE,
    SLOT_AUTHOR_SPECIALTY,
    SLOT_AUTHOR_TELECOMMUNICATION,
    SLOT_CREATION_TIME,
    SLOT_DOCUMENT_AVAILABILITY,
    SLOT_HASH,
    SLOT_INTENDED_RECIPIENT,
    SLOT_LANGUAGE_CODE,
    SLOT_LEGAL_AUTHENTICATOR,
    SLOT_REFERENCE_ID_LIST,
    SLOT_REPOSITORY_UNIQUE_ID,
    SLOT_SERVICE_START_TIME,
    SLOT_SERVICE_STOP_TIME,
    SLOT_SIZE,
    SLOT_SOURCE_PATIENT_ID,
    SLOT_SOURCE_PATIENT_INFO,
    SLOT_SUBMISSION_TIME,
    SLOT_URI,
    SS_AUTHOR,
    SS_CONTENT_TYPE_CODE,
    SS_PATIENT_ID,
    SS_SOURCE_ID,
    SS_UNIQUE_ID,
    STABLE_DOCUMENT_ENTRY,
    SUBMISSION_SET_NODE,
    AvailabilityStatus,
    DocumentAvailability,
)

T = TypeVar("T")


def read_value(where: str, attribute: str, parse: Callable[[str], T], value: str) -> T:
    """``parse(value)``; a failure becomes :class:`XdsFormatError` naming ``where.attribute``."""
    try:
        return parse(value)
    except XdsFormatError as exc:
        raise XdsFormatError(exc.message, detail=exc.detail, field=f"{where}.{attribute}") from exc
    except ValueError as exc:
        raise XdsFormatError(
            f"Métadonnée XDS illisible : {attribute}.",
            detail=f"{where}.{attribute}: {value!r}: {exc}",
            field=f"{where}.{attribute}",
        ) from exc


def read_optional(
    where: str, attribute: str, parse: Callable[[str], T], value: str | None
) -> T | None:
    """:func:`read_value` for an optional value (``None`` or empty gives ``None``)."""
    return None if not value else read_value(where, attribute, parse, value)


# --- Author -------------------------------------------------------------------------------


def _add_author(
    parent: etree._Element, scheme: str, author: Author, classified: str, new_id: IdSource
) -> None:
    element = add_classification(
        parent, scheme=scheme, classified=classified, new_id=new_id, node_representation=""
    )
    if author.person is not None:
        add_slot(element, SLOT_AUTHOR_PERSON, [author.person.to_hl7()])
    if author.institutions:
        add_slot(element, SLOT_AUTHOR_INSTITUTION, [i.to_hl7() for i in author.institutions])
    if author.roles:
        add_slot(element, SLOT_AUTHOR_ROLE, [r.to_hl7() for r in author.roles])
    if author.specialties:
        add_slot(element, SLOT_AUTHOR_SPECIALTY, [s.to_hl7() for s in author.specialties])
    if author.telecoms:
        add_slot(element, SLOT_AUTHOR_TELECOMMUNICATION, author.telecoms)


def _read_author(view: ClassificationView, where: str) -> Author:
    person = view.values(SLOT_AUTHOR_PERSON)
    return Author(
        person=read_optional(
            where, SLOT_AUTHOR_PERSON, Person.parse, person[0] if person else None
        ),
        institutions=tuple(
            read_value(where, SLOT_AUTHOR_INSTITUTION, Organization.parse, v)
            for v in view.values(SLOT_AUTHOR_INSTITUTION)
        ),
        roles=tuple(Code.parse_hl7(v) for v in view.values(SLOT_AUTHOR_ROLE)),
        specialties=tuple(Code.parse_hl7(v) for v in view.values(SLOT_AUTHOR_SPECIALTY)),
        telecoms=view.values(SLOT_AUTHOR_TELECOMMUNICATION),
    )


# --- DocumentEntry ------------------------------------------------------------------------


def document_entry_to_ebrim(entry: DocumentEntry, *, new_id: IdSource = new_uuid) -> etree._Element:
    """The ``rim:ExtrinsicObject`` of ``entry``."""
    eid = entry.entry_uuid
    element = etree.Element(rim("ExtrinsicObject"), nsmap={"rim": NS_RIM})
    element.set("id", eid)
    if entry.logical_id:
        element.set("lid", entry.logical_id)
    if entry.mime_type:
        element.set("mimeType", entry.mime_type)
    element.set("objectType", entry.object_type)
    if entry.availability_status:
        element.set("status", entry.availability_status)
    if entry.home_community_id:
        element.set("home", entry.home_community_id)

    def slot(name: str, value: str | None) -> None:
        if value:
            add_slot(element, name, [value])

    slot(SLOT_CREATION_TIME, entry.creation_time)
    slot(SLOT_HASH, entry.hash)
    slot(SLOT_LANGUAGE_CODE, entry.language_code)
    slot(
        SLOT_LEGAL_AUTHENTICATOR,
        None if entry.legal_authenticator is None else entry.legal_authenticator.to_hl7(),
    )
    slot(SLOT_REPOSITORY_UNIQUE_ID, entry.repository_unique_id)
    slot(SLOT_SERVICE_START_TIME, entry.service_start_time)
    slot(SLOT_SERVICE_STOP_TIME, entry.service_stop_time)
    slot(SLOT_SIZE, None if entry.size is None else str(entry.size))
    slot(
        SLOT_SOURCE_PATIENT_ID,
        None if entry.source_patient_id is None else entry.source_patient_id.to_hl7(),
    )
    if entry.source_patient_info is not None:
        add_slot(element, SLOT_SOURCE_PATIENT_INFO, entry.source_patient_info.to_values())
    slot(SLOT_URI, entry.uri)
    slot(SLOT_DOCUMENT_AVAILABILITY, entry.document_availability)
    if entry.reference_ids:
        add_slot(element, SLOT_REFERENCE_ID_LIST, [r.to_hl7() for r in entry.reference_ids])
    add_slots(element, entry.extra_slots)
    add_string(element, "Name", entry.title)
    add_string(element, "Description", entry.comments)
    add_version(element, entry.version)
    for author in entry.authors:
        _add_author(element, DE_AUTHOR, author, eid, new_id)
    coded: list[tuple[str, Code | None]] = [(DE_CLASS_CODE, entry.class_code)]
    coded += [(DE_CONFIDENTIALITY_CODE, c) for c in entry.confidentiality_codes]
    coded += [(DE_EVENT_CODE, c) for c in entry.event_codes]
    coded += [
        (DE_FORMAT_CODE, entry.format_code),
        (DE_HEALTHCARE_FACILITY_TYPE_CODE, entry.healthcare_facility_type_code),
        (DE_PRACTICE_SETTING_CODE, entry.practice_setting_code),
        (DE_TYPE_CODE, entry.type_code),
    ]
    for scheme, code in coded:
        if code is not None:
            add_code(element, scheme, code, classified=eid, new_id=new_id)
    _add_external(
        element,
        DE_PATIENT_ID,
        None if entry.patient_id is None else entry.patient_id.to_hl7(),
        new_id,
    )
    _add_external(element, DE_UNIQUE_ID, entry.unique_id, new_id)
    return element


def _add_external(
    element: etree._Element, scheme: str, value: str | None, new_id: IdSource
) -> None:
    if value:
        add_external_identifier(
            element,
            scheme,
            value,
            registry_object=element.get("id", ""),
            name=EXTERNAL_IDENTIFIER_NAMES[scheme],
            new_id=new_id,
        )


def _one_code(obj: RimObject, scheme: str) -> Code | None:
    found = obj.classified(scheme)
    return found[0].code() if found else None


def read_status(value: str) -> AvailabilityStatus:
    """An availabilityStatus URN (``ValueError`` for an unknown one)."""
    return AvailabilityStatus(value)


def document_entry_from_ebrim(element: etree._Element) -> DocumentEntry:
    """The :class:`DocumentEntry` of a ``rim:ExtrinsicObject``."""
    obj = read_object(element)
    where = f"DocumentEntry[{obj.id}]"
    attrs = obj.attributes
    info = obj.values(SLOT_SOURCE_PATIENT_INFO)
    return DocumentEntry(
        entry_uuid=obj.id,
        unique_id=obj.external(DE_UNIQUE_ID),
        patient_id=read_optional(where, "patientId", Identifier.parse, obj.external(DE_PATIENT_ID)),
        source_patient_id=read_optional(
            where, SLOT_SOURCE_PATIENT_ID, Identifier.parse, obj.first(SLOT_SOURCE_PATIENT_ID)
        ),
        source_patient_info=None
        if info is None
        else read_value(
            where, SLOT_SOURCE_PATIENT_INFO, lambda _: PatientInfo.from_values(info), ""
        ),
        class_code=_one_code(obj, DE_CLASS_CODE),
        type_code=_one_code(obj, DE_TYPE_CODE),
        format_code=_one_code(obj, DE_FORMAT_CODE),
        healthcare_facility_type_code=_one_code(obj, DE_HEALTHCARE_FACILITY_TYPE_CODE),
        practice_setting_code=_one_code(obj, DE_PRACTICE_SETTING_CODE),
        confidentiality_codes=tuple(c.code() for c in obj.classified(DE_CONFIDENTIALITY_CODE)),
        event_codes=tuple(c.code() for c in obj.classified(DE_EVENT_CODE)),
        authors=tuple(_read_author(c, where) for c in obj.classified(DE_AUTHOR)),
        legal_authenticator=read_optional(
            where, SLOT_LEGAL_AUTHENTICATOR, Person.parse, obj.first(SLOT_LEGAL_AUTHENTICATOR)
        ),
        creation_time=obj.first(SLOT_CREATION_TIME),
        service_start_time=obj.first(SLOT_SERVICE_START_TIME),
        service_stop_time=obj.first(SLOT_SERVICE_STOP_TIME),
        language_code=obj.first(SLOT_LANGUAGE_CODE),
        mime_type=attrs.get("mimeType"),
        hash=obj.first(SLOT_HASH),
        size=read_optional(where, SLOT_SIZE, int, obj.first(SLOT_SIZE)),
        title=obj.name,
        comments=obj.description,
        availability_status=read_optional(where, "status", read_status, attrs.get("status")),
        document_availability=read_optional(
            where,
            SLOT_DOCUMENT_AVAILABILITY,
            DocumentAvailability,
            obj.first(SLOT_DOCUMENT_AVAILABILITY),
        ),
        reference_ids=tuple(
            read_value(where, SLOT_REFERENCE_ID_LIST, Identifier.parse, v)
            for v in obj.values(SLOT_REFERENCE_ID_LIST) or ()
        ),
        repository_unique_id=obj.first(SLOT_REPOSITORY_UNIQUE_ID),
        home_community_id=attrs.get("home"),
        logical_id=attrs.get("lid"),
        version=obj.version_name,
        uri=obj.first(SLOT_URI),
        object_type=attrs.get("objectType", STABLE_DOCUMENT_ENTRY),
        extra_slots=obj.other_slots(DOCUMENT_ENTRY_SLOTS | {SLOT_URI}),
    )


# --- SubmissionSet ------------------------------------------------------------------------

_SUBMISSION_SET_SLOTS = frozenset({SLOT_SUBMISSION_TIME, SLOT_INTENDED_RECIPIENT})


def submission_set_to_ebrim(
    submission_set: SubmissionSet, *, new_id: IdSource = new_uuid
) -> etree._Element:
    """The ``rim:RegistryPackage`` of ``submission_set`` (with its SubmissionSet node)."""
    sid = submission_set.entry_uuid
    element = etree.Element(rim("RegistryPackage"), nsmap={"rim": NS_RIM})
    element.set("id", sid)
    if submission_set.logical_id:
        element.set("lid", submission_set.logical_id)
    if submission_set.availability_status:
        element.set("status", submission_set.availability_status)
    if submission_set.home_community_id:
        element.set("home", submission_set.home_community_id)
    if submission_set.submission_time:
        add_slot(element, SLOT_SUBMISSION_TIME, [submission_set.submission_time])
    if submission_set.intended_recipients:
        add_slot(element, SLOT_INTENDED_RECIPIENT, submission_set.intended_recipients)
    add_slots(element, submission_set.extra_slots)
    add_string(element, "Name", submission_set.title)
    add_string(element, "Description", submission_set.comments)
    add_version(element, submission_set.version)
    for author in submission_set.authors:
        _add_author(element, SS_AUTHOR, author, sid, new_id)
    if submission_set.content_type_code is not None:
        code = submission_set.content_type_code
        add_code(element, SS_CONTENT_TYPE_CODE, code, classified=sid, new_id=new_id)
    add_classification(element, classified=sid, new_id=new_id, node=SUBMISSION_SET_NODE)
    patient = None if submission_set.patient_id is None else submission_set.patient_id.to_hl7()
    _add_external(element, SS_PATIENT_ID, patient, new_id)
    _add_external(element, SS_SOURCE_ID, submission_set.source_id, new_id)
    _add_external(element, SS_UNIQUE_ID, submission_set.unique_id, new_id)
    return element


def submission_set_from_ebrim(element: etree._Element) -> SubmissionSet:
    """The :class:`SubmissionSet` of a ``rim:RegistryPackage``."""
    obj = read_object(element)
    where = f"SubmissionSet[{obj.id}]"
    return SubmissionSet(
        entry_uuid=obj.id,
        unique_id=obj.external(SS_UNIQUE_ID),
        source_id=obj.external(SS_SOURCE_ID),
        submission_time=obj.first(SLOT_SUBMISSION_TIME),
        patient_id=read_optional(where, "patientId", Identifier.parse, obj.external(SS_PATIENT_ID)),
        authors=tuple(_read_author(c, where) for c in obj.classified(SS_AUTHOR)),
        content_type_code=_one_code(obj, SS_CONTENT_TYPE_CODE),
        title=obj.name,
        comments=obj.description,
        intended_recipients=obj.values(SLOT_INTENDED_RECIPIENT) or (),
        availability_status=read_optional(
            where, "status", read_status, obj.attributes.get("status")
        ),
        home_community_id=obj.attributes.get("home"),
        logical_id=obj.attributes.get("lid"),
        version=obj.version_name,
        extra_slots=obj.other_slots(_SUBMISSION_SET_SLOTS),
    )
