"""CDA R2 header → XDS metadata, following the French mapping table.

Source: CI-SIS "Transmission de documents CDA" (specs/cda-transmission/mapping.md,
section "Mapping XDS", tables "Lot de soumission" and "Fiche") and the annex "Lien entre
l'en-tête CDA et les métadonnées XDS"; PDSm4DMP logical models (ActorXDS,
AuthorInstitution, PatientId). The header is read directly with XPath, attribute by
attribute, so that each value can be traced to the row of the table it comes from:

=========================== ===============================================================
DocumentEntry               CDA
=========================== ===============================================================
uniqueId                    ``id/@root`` (``root^extension`` when there is an extension)
typeCode                    ``code``
classCode                   deduced from the type (ASS_X04, via :mod:`esante.terminology`)
formatCode                  N1 ``nonXMLBody/text/@mediaType``; N3 volet templateId (ASS_A11)
confidentialityCode         ``confidentialityCode`` (+ DMP visibility codes given by caller)
creationTime                ``effectiveTime/@value`` (to UTC)
languageCode                ``languageCode/@code``
title                       ``title``
patientId                   ``recordTarget/patientRole/id`` with an INS OID (CX ``^NH``)
sourcePatientId             ``recordTarget/patientRole/id`` local (IPP, ``^PI``), else INS
sourcePatientInfo           ``recordTarget/patientRole/patient`` (PID-5, PID-7, PID-8)
author*                     ``author/assignedAuthor`` (person or device, representedOrganization,
                            ``code`` → authorSpecialty, ``author/functionCode`` → authorRole)
legalAuthenticator          ``legalAuthenticator/assignedEntity``
healthcareFacilityTypeCode  ``componentOf/encompassingEncounter/location/healthCareFacility/code``
practiceSettingCode         ``documentationOf/serviceEvent/performer/assignedEntity/
                            representedOrganization/standardIndustryClassCode``
serviceStart/StopTime       ``documentationOf/serviceEvent/effectiveTime/low|high``
mimeType                    ``text/xml``
=========================== ===============================================================

The replaced document of a new version is ``relatedDocument[@typeCode='RPLC']``
(:func:`replaced_document_id`); the submission built from a CDA, with its RPLC
association, is in :mod:`esante.xds.cda_submission`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from lxml import etree

from esante.safexml import parse_xml
from esante.terminology import TerminologyError, cda_models, document_type, get_value_set
from esante.xds.errors import XdsFormatError, XdsMappingError
from esante.xds.hl7v2 import Identifier, Organization, PatientInfo, Person, PersonName, ts_to_dtm
from esante.xds.metadata import Author, Code, DocumentEntry
from esante.xds.vocabulary import (
    IHE_FORMAT_OID,
    INS_IDENTIFIER_TYPE,
    INS_OIDS,
    LOCAL_PATIENT_IDENTIFIER_TYPE,
    N1_FORMAT_BY_MEDIA_TYPE,
    PS_IDENTIFIER_TYPE,
    PS_IDNAT_OID,
    STRUCTURE_IDENTIFIER_TYPE,
    STRUCTURE_IDNAT_OID,
)

NS = {"h": "urn:hl7-org:v3"}
CLINICAL_DOCUMENT = "{urn:hl7-org:v3}ClinicalDocument"
CDA_MIME_TYPE = "text/xml"


def read_clinical_document(source: bytes | etree._Element) -> etree._Element:
    """The ``ClinicalDocument`` element (bytes are parsed with :mod:`esante.safexml`).

    Raises :class:`XdsMappingError` when the root is not an HL7 v3 ClinicalDocument.
    """
    root = parse_xml(source, what="document CDA") if isinstance(source, bytes) else source
    if root.tag != CLINICAL_DOCUMENT:
        raise XdsMappingError(
            "Le document n'est pas un CDA R2 (ClinicalDocument attendu).",
            detail=f"root element is {root.tag!r}",
        )
    return root


def _first(element: etree._Element, path: str) -> etree._Element | None:
    found = element.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return next((f for f in found if isinstance(f, etree._Element)), None)


def _first_of(element: etree._Element, *paths: str) -> etree._Element | None:
    """The first match of the first path that matches (lxml elements are never or-ed:
    an element without children is falsy)."""
    for path in paths:
        found = _first(element, path)
        if found is not None:
            return found
    return None


def _all(element: etree._Element, path: str) -> list[etree._Element]:
    found = element.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [f for f in found if isinstance(f, etree._Element)]


def _text(element: etree._Element | None) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""


def _code(element: etree._Element | None) -> Code | None:
    if element is None or not element.get("code"):
        return None
    return Code(
        element.get("code", ""), element.get("codeSystem", ""), element.get("displayName", "")
    )


def _time(element: etree._Element, path: str) -> str | None:
    node = _first(element, path)
    value = None if node is None else node.get("value")
    if not value:
        return None
    try:
        return ts_to_dtm(value)
    except XdsFormatError as exc:
        raise XdsMappingError(exc.message, detail=exc.detail, field=path) from exc


def _instance_id(element: etree._Element | None) -> str | None:
    if element is None or not element.get("root"):
        return None
    extension = element.get("extension")
    return f"{element.get('root')}^{extension}" if extension else element.get("root")


# --- people and organisations -------------------------------------------------------------


def _identifier_type(root: str) -> str:
    if root == PS_IDNAT_OID:
        return PS_IDENTIFIER_TYPE
    return INS_IDENTIFIER_TYPE if root in INS_OIDS else ""


def person_from_cda(entity: etree._Element) -> Person:
    """The XCN of an ``assignedAuthor``/``assignedEntity`` (person or authoring device)."""
    ident = _first_of(entity, "h:id[@extension]", "h:id")
    root = "" if ident is None else ident.get("root", "")
    device = _first(entity, "h:assignedAuthoringDevice")
    if device is not None:
        return Person(
            id="" if ident is None else ident.get("extension", ""),
            family_name=_text(_first(device, "h:manufacturerModelName")),
            given_name=_text(_first(device, "h:softwareName")),
            assigning_authority=root,
            name_type_code="U",
            identifier_type_code=_identifier_type(root),
        )
    name = _first(entity, "h:assignedPerson/h:name")
    family = given = ""
    if name is not None:
        family = _text(_first_of(name, "h:family[not(@qualifier)]", "h:family"))
        given = _text(_first_of(name, "h:given[not(@qualifier)]", "h:given"))
    return Person(
        id="" if ident is None else ident.get("extension", ""),
        family_name=family,
        given_name=given,
        assigning_authority=root,
        name_type_code="D",
        identifier_type_code=_identifier_type(root),
    )


def organization_from_cda(organization: etree._Element) -> Organization | None:
    """The XON of a ``representedOrganization`` (``None`` without a name)."""
    name = _text(_first(organization, "h:name"))
    if not name:
        return None
    ident = _first_of(organization, "h:id[@extension]", "h:id")
    root = "" if ident is None else ident.get("root", "")
    return Organization(
        name=name,
        identifier="" if ident is None else ident.get("extension", ""),
        assigning_authority=root,
        identifier_type_code=STRUCTURE_IDENTIFIER_TYPE if root == STRUCTURE_IDNAT_OID else "",
    )


def authors_from_cda(cda: etree._Element) -> tuple[Author, ...]:
    """One :class:`Author` per CDA ``author``."""
    authors: list[Author] = []
    for author in _all(cda, "h:author"):
        assigned = _first(author, "h:assignedAuthor")
        if assigned is None:
            continue
        organization = _first(assigned, "h:representedOrganization")
        institution = None if organization is None else organization_from_cda(organization)
        role = _code(_first(author, "h:functionCode"))
        specialty = _code(_first(assigned, "h:code"))
        authors.append(
            Author(
                person=person_from_cda(assigned),
                institutions=() if institution is None else (institution,),
                roles=() if role is None else (role,),
                specialties=() if specialty is None else (specialty,),
            )
        )
    return tuple(authors)


# --- patient ------------------------------------------------------------------------------


def patient_ids_from_cda(cda: etree._Element) -> tuple[Identifier, Identifier]:
    """(patientId = the INS, sourcePatientId = the local id, or the INS when none).

    Raises :class:`XdsMappingError` when ``recordTarget/patientRole`` has no INS id.
    """
    ids = _all(cda, "h:recordTarget/h:patientRole/h:id[@root and @extension]")
    ins = next((i for i in ids if i.get("root") in INS_OIDS), None)
    if ins is None:
        raise XdsMappingError(
            "L'INS du patient est absent du document CDA.",
            detail="no recordTarget/patientRole/id with an INS OID (1.2.250.1.213.1.4.8/9/10/11)",
            field="recordTarget/patientRole/id",
        )
    patient = Identifier(ins.get("extension", ""), ins.get("root", ""), INS_IDENTIFIER_TYPE)
    local = next((i for i in ids if i.get("root") not in INS_OIDS), None)
    if local is None:
        return patient, patient
    source = Identifier(
        local.get("extension", ""), local.get("root", ""), LOCAL_PATIENT_IDENTIFIER_TYPE
    )
    return patient, source


def patient_info_from_cda(cda: etree._Element) -> PatientInfo | None:
    """sourcePatientInfo: birth name (``L``), used name (``D``), birth date, sex."""
    patient = _first(cda, "h:recordTarget/h:patientRole/h:patient")
    if patient is None:
        return None
    names: list[PersonName] = []
    name = _first(patient, "h:name")
    if name is not None:
        birth = _first_of(name, "h:family[@qualifier='BR']", "h:family")
        given_all = _text(_first(name, "h:given[not(@qualifier)]"))
        first_given = _text(_first(name, "h:given[@qualifier='BR']")) or given_all.split(" ")[0]
        if birth is not None:
            names.append(PersonName(_text(birth), first_given, name_type_code="L"))
        used = _first(name, "h:family[@qualifier='SP' or @qualifier='CL']")
        used_given = _text(_first(name, "h:given[@qualifier='CL']")) or first_given
        if used is not None and (_text(used), used_given) != (_text(birth), first_given):
            names.append(PersonName(_text(used), used_given, name_type_code="D"))
    birth_time = _first(patient, "h:birthTime")
    gender = _first(patient, "h:administrativeGenderCode")
    return PatientInfo(
        names=tuple(names),
        birth_time="" if birth_time is None else birth_time.get("value", "")[:8],
        gender="" if gender is None else gender.get("code", ""),
    )


# --- codes deduced from the document ------------------------------------------------------


def _class_code(type_code: Code) -> Code:
    try:
        concept = document_type(type_code.code, type_code.coding_scheme or None).class_concept
    except TerminologyError as exc:
        raise XdsMappingError(
            f"Classe XDS inconnue pour le type de document « {type_code.code} » : "
            "précisez-la (classCode).",
            detail=f"no ASS_X04 type->class correspondence for {type_code.code!r}: pass class_code",
            field="code",
        ) from exc
    return Code(concept.code, concept.code_system_oid, concept.display)


def _format_label(code: str) -> str:
    try:
        concept = get_value_set("J10").get(code)
    except TerminologyError:
        return ""
    return "" if concept is None else concept.display


def format_code_from_cda(cda: etree._Element) -> Code:
    """formatCode: N1 by body media type, N3 by the volet's templateId (ASS_A11).

    Raises :class:`XdsMappingError` when neither is recognised.
    """
    text = _first(cda, "h:component/h:nonXMLBody/h:text")
    if text is not None:
        media_type = text.get("mediaType", "")
        code = N1_FORMAT_BY_MEDIA_TYPE.get(media_type)
        if code is None:
            raise XdsMappingError(
                f"Format de corps non structuré non pris en charge : « {media_type} ».",
                detail=f"nonXMLBody/text/@mediaType {media_type!r} has no XDS-SD formatCode",
                field="component/nonXMLBody/text/@mediaType",
            )
        return Code(code, IHE_FORMAT_OID, _format_label(code))
    roots = {t.get("root", "") for t in _all(cda, "h:templateId")}
    for model in cda_models():
        if model.level == "N3" and model.template_id in roots:
            return Code(
                model.format_code, model.format_code_system_oid, _format_label(model.format_code)
            )
    raise XdsMappingError(
        "Format XDS inconnu pour ce modèle de document : précisez-le (formatCode).",
        detail=f"no ASS_A11 model->formatCode correspondence for templateIds {sorted(roots)}",
        field="templateId",
    )


def _practice_setting(cda: etree._Element) -> Code | None:
    for path in (
        "h:documentationOf/h:serviceEvent/h:performer/h:assignedEntity/"
        "h:representedOrganization/h:standardIndustryClassCode",
        "h:legalAuthenticator/h:assignedEntity/h:representedOrganization/"
        "h:standardIndustryClassCode",
        "h:author/h:assignedAuthor/h:representedOrganization/h:standardIndustryClassCode",
    ):
        code = _code(_first(cda, path))
        if code is not None:
            return code
    return None


def replaced_document_id(source: bytes | etree._Element) -> str | None:
    """The uniqueId of the document this CDA replaces (``relatedDocument[@typeCode='RPLC']``)."""
    cda = read_clinical_document(source)
    return _instance_id(_first(cda, "h:relatedDocument[@typeCode='RPLC']/h:parentDocument/h:id"))


# --- the entry ----------------------------------------------------------------------------


def document_entry_from_cda(
    source: bytes | etree._Element,
    *,
    entry_id: str = "Document01",
    document: bytes | None = None,
    class_code: Code | None = None,
    format_code: Code | None = None,
    practice_setting_code: Code | None = None,
    extra_confidentiality_codes: Sequence[Code] = (),
    event_codes: Sequence[Code] = (),
    mime_type: str = CDA_MIME_TYPE,
    comments: str | None = None,
    repository_unique_id: str | None = None,
) -> DocumentEntry:
    """The DocumentEntry of a CDA document, per the CI-SIS mapping (see module docstring).

    ``document`` (default: ``source`` when it is bytes) gives hash and size. The keyword
    arguments override what the header cannot say: ``class_code`` for a type without
    ASS_X04 correspondence, ``format_code`` for a model without ASS_A11 entry,
    ``extra_confidentiality_codes`` for the DMP visibility codes (see
    :func:`esante.xds.metadata.visibility_code`).
    Raises :class:`XdsMappingError` naming the CDA element when a mandatory source is
    missing (document id, code, INS) or a code cannot be deduced.
    """
    cda = read_clinical_document(source)
    data = document if document is not None else (source if isinstance(source, bytes) else None)
    unique_id = _instance_id(_first(cda, "h:id"))
    if unique_id is None:
        raise XdsMappingError(
            "Identifiant du document CDA absent.", detail="no ClinicalDocument/id/@root", field="id"
        )
    type_code = _code(_first(cda, "h:code"))
    if type_code is None:
        raise XdsMappingError(
            "Type du document CDA absent.", detail="no ClinicalDocument/code/@code", field="code"
        )
    patient_id, source_patient_id = patient_ids_from_cda(cda)
    confidentiality = _code(_first(cda, "h:confidentialityCode"))
    legal = _first(cda, "h:legalAuthenticator/h:assignedEntity")
    service = "h:documentationOf/h:serviceEvent/h:effectiveTime"
    language = _first(cda, "h:languageCode")
    title = _text(_first(cda, "h:title"))
    return DocumentEntry(
        entry_uuid=entry_id,
        unique_id=unique_id,
        patient_id=patient_id,
        source_patient_id=source_patient_id,
        source_patient_info=patient_info_from_cda(cda),
        class_code=class_code or _class_code(type_code),
        type_code=type_code,
        format_code=format_code or format_code_from_cda(cda),
        healthcare_facility_type_code=_code(
            _first(
                cda, "h:componentOf/h:encompassingEncounter/h:location/h:healthCareFacility/h:code"
            )
        ),
        practice_setting_code=practice_setting_code or _practice_setting(cda),
        confidentiality_codes=(() if confidentiality is None else (confidentiality,))
        + tuple(extra_confidentiality_codes),
        event_codes=tuple(event_codes),
        authors=authors_from_cda(cda),
        legal_authenticator=None if legal is None else person_from_cda(legal),
        creation_time=_time(cda, "h:effectiveTime"),
        service_start_time=_time(cda, f"{service}/h:low"),
        service_stop_time=_time(cda, f"{service}/h:high"),
        language_code=None if language is None else language.get("code"),
        mime_type=mime_type,
        hash=None if data is None else hashlib.sha1(data).hexdigest(),  # noqa: S324 - XDS hash
        size=None if data is None else len(data),
        title=title or None,
        comments=comments,
        repository_unique_id=repository_unique_id,
    )
