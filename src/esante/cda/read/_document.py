"""Reading a received CDA R2 document: header summary, level, model, N1 PDF.

Parsing goes through :mod:`esante.safexml` (hardened, size-bounded). The header is read
back into the same values the builders take (:mod:`esante.cda.model`), so a document
esante built reads back equal to its input. The model (VSM, VAC-NOTE, CSE...) is
recognised from the templateIds with :mod:`esante.terminology`'s table of CDA models,
which also gives the XDS formatCode.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from esante.cda import vocabulary as v
from esante.cda.errors import CdaReadError
from esante.cda.model import (
    Author,
    Code,
    DocumentHeader,
    Encounter,
    Guardian,
    HealthProfessional,
    Informant,
    InstanceId,
    Organization,
    Participant,
    Patient,
    PersonName,
    ServiceEvent,
)
from esante.cda.read._values import (
    Element,
    address,
    as_date,
    as_datetime,
    code_of,
    find,
    findall,
    instance_id,
    interval,
    person_name,
    telecoms,
    text_of,
    ts_of,
)
from esante.safexml import XmlError, parse_xml, parse_xml_file
from esante.terminology import cda_models

ROOT_TAG = f"{{{v.HL7_NS}}}ClinicalDocument"


@dataclass(frozen=True)
class ReceivedDocument:
    """What a received CDA says about itself (header, level, model), read leniently.

    ``level`` is ``N1`` (PDF body) or ``N3`` (structured body); ``model`` the CI-SIS model
    recognised from the templateIds (``VSM``, ``VAC-NOTE``, ``CSE-CS8``...) or ``N1``, or
    ``None`` when unknown; ``format_code`` the XDS formatCode that goes with it.
    """

    document_id: InstanceId
    type_code: Code
    title: str
    effective_time: datetime | None
    level: str
    model: str | None
    model_version: str | None
    format_code: str | None
    patient: Patient
    authors: tuple[Author, ...]
    set_id: InstanceId | None = None
    version: int | None = None
    replaces: InstanceId | None = None
    confidentiality: Code | None = None
    language: str | None = None
    template_ids: tuple[InstanceId, ...] = ()
    custodian: Organization | None = None
    legal_authenticator: HealthProfessional | None = None
    participants: tuple[Participant, ...] = ()
    informants: tuple[Informant, ...] = ()
    service_event: ServiceEvent | None = None
    encounter: Encounter | None = None
    media_type: str | None = None
    root: Element = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @property
    def type_label(self) -> str:
        """French label of the document type (the document's own, else the code)."""
        return self.type_code.display or self.type_code.code

    def header(self) -> DocumentHeader:
        """The header as a :class:`DocumentHeader` (to rebuild or compare a document).

        Raises :class:`CdaReadError` when an element a header needs is absent.
        """
        missing = [
            name
            for name, value in (
                ("effectiveTime", self.effective_time),
                ("custodian", self.custodian),
                ("legalAuthenticator", self.legal_authenticator),
                ("documentationOf/serviceEvent", self.service_event),
                ("componentOf/encompassingEncounter", self.encounter),
            )
            if value is None
        ]
        if missing:
            raise CdaReadError(
                "En-tête CDA incomplet : " + ", ".join(missing) + ".",
                detail=f"cannot make a DocumentHeader without {missing}",
                field=missing[0],
            )
        assert self.effective_time is not None
        assert self.custodian is not None
        assert self.legal_authenticator is not None
        assert self.service_event is not None
        assert self.encounter is not None
        return DocumentHeader(
            type_code=self.type_code,
            title=self.title,
            effective_time=self.effective_time,
            patient=self.patient,
            authors=self.authors,
            custodian=self.custodian,
            legal_authenticator=self.legal_authenticator,
            service_event=self.service_event,
            encounter=self.encounter,
            confidentiality=self.confidentiality or Code("N", v.HL7_CONFIDENTIALITY),
            participants=self.participants,
            informants=self.informants,
            set_id=None if self.set_id == self.document_id else self.set_id,
            version=self.version or 1,
            replaces=self.replaces,
            legal_authentication_time=None,
        )

    def extract_pdf(self) -> bytes:
        """The PDF of an N1 document; :class:`CdaReadError` for another body or bad base64."""
        return extract_pdf(self)


def _organization(el: Element | None) -> Organization | None:
    if el is None:
        return None
    ident = instance_id(find(el, "h:id"))
    if ident is None:
        return None
    return Organization(
        id=ident,
        name=text_of(find(el, "h:name")) or "",
        address=address(find(el, "h:addr")),
        telecoms=telecoms(el),
        practice_setting=code_of(find(el, "h:standardIndustryClassCode")),
    )


def _professional(
    el: Element | None, person_tag: str = "assignedPerson", org_tag: str = "representedOrganization"
) -> HealthProfessional | None:
    if el is None:
        return None
    ident = instance_id(find(el, "h:id"))
    name = person_name(find(el, f"h:{person_tag}/h:name"))
    if ident is None or name is None:
        return None
    organization = _organization(find(el, f"h:{org_tag}"))
    own_address = address(find(el, "h:addr"))
    own_telecoms = telecoms(el)
    if organization is not None:
        if own_address == organization.address:
            own_address = None
        if own_telecoms == organization.telecoms:
            own_telecoms = ()
    return HealthProfessional(
        id=ident,
        name=name,
        specialty=code_of(find(el, "h:code")),
        organization=organization,
        address=own_address,
        telecoms=own_telecoms,
    )


def _patient(root: Element) -> Patient:
    role = find(root, "h:recordTarget/h:patientRole")
    person = find(role, "h:patient")
    if role is None or person is None:
        raise CdaReadError(
            "Document CDA sans patient (recordTarget).",
            detail="recordTarget/patientRole/patient missing",
            field="recordTarget",
        )
    ins: InstanceId | None = None
    local: list[InstanceId] = []
    for el in findall(role, "h:id"):
        ident = instance_id(el)
        if ident is None:
            continue
        if ident.root in v.INS_OIDS and ins is None and ident.extension:
            ins = ident
        else:
            local.append(ident)
    name = find(person, "h:name")
    birth_family = used_family = birth_given = first_given = used_given = None
    for el in findall(name, "h:family"):
        qualifier = el.get("qualifier")
        if qualifier == "BR" or (qualifier is None and birth_family is None):
            birth_family = text_of(el)
        elif qualifier in ("CL", "SP"):
            used_family = text_of(el)
    for el in findall(name, "h:given"):
        qualifier = el.get("qualifier")
        if qualifier is None and birth_given is None:
            birth_given = text_of(el)
        elif qualifier == "BR":
            first_given = text_of(el)
        elif qualifier in ("CL", "SP"):
            used_given = text_of(el)
    birth_given = birth_given or first_given or used_given or ""
    first_given = first_given or (birth_given.split(" ")[0] if birth_given else "")
    gender = find(person, "h:administrativeGenderCode")
    birth_date = as_date(ts_of(find(person, "h:birthTime")))
    if birth_date is None:
        raise CdaReadError(
            "Date de naissance du patient absente du document.",
            detail="recordTarget/patientRole/patient/birthTime missing or invalid",
            field="birthTime",
        )
    place = find(person, "h:birthplace/h:place/h:addr")
    return Patient(
        birth_family_name=birth_family or used_family or "",
        birth_given_names=birth_given,
        first_given_name=first_given,
        sex=gender.get("code", "U") if gender is not None else "U",
        birth_date=birth_date,
        ins_matricule=ins.extension if ins else None,
        ins_oid=ins.root if ins else None,
        ins_qualified=ins is not None,
        used_family_name=used_family,
        used_given_name=used_given,
        birthplace_cog=text_of(find(place, "h:county")),
        birthplace_city=text_of(find(place, "h:city")),
        local_ids=tuple(local),
        address=address(find(role, "h:addr")),
        telecoms=telecoms(role),
        guardians=tuple(
            Guardian(
                name=person_name(find(g, "h:guardianPerson/h:name")) or PersonName(""),
                address=address(find(g, "h:addr")),
                telecoms=telecoms(g),
            )
            for g in findall(person, "h:guardian")
        ),
    )


def _attribute(el: Element | None, name: str) -> str | None:
    return None if el is None else el.get(name)


def _model(
    template_roots: list[tuple[str, str | None]], n1: bool
) -> tuple[str | None, str | None, str | None]:
    if n1:
        return "N1", None, v.N1_FORMAT_CODE
    known = {m.template_id: m for m in cda_models() if m.level != "N1"}
    for root, extension in template_roots:
        model = known.get(root)
        if model is not None:
            return model.id, extension, model.format_code
    return None, None, None


def read_document(source: bytes | Path) -> ReceivedDocument:
    """Read a received CDA R2 document (bytes or file) through the hardened XML parser.

    A self-presenting document (``ClinicalDocument`` wrapped in a stylesheet) is read too.

    Raises :class:`CdaReadError` (French message) when the input is not XML, not a
    ``ClinicalDocument``, or lacks the id, type code or patient.
    """
    try:
        if isinstance(source, Path):
            root = parse_xml_file(source, what="Document CDA")
        else:
            root = parse_xml(source, what="Document CDA")
    except XmlError as exc:
        raise CdaReadError(exc.message, detail=exc.detail, field=exc.field) from exc
    if root.tag != ROOT_TAG:
        # self-presenting documents wrap the ClinicalDocument (e.g. in an XSL stylesheet)
        embedded = root.find(f".//{ROOT_TAG}")
        if embedded is None:
            raise CdaReadError(
                "Ce fichier n'est pas un document CDA R2 (élément ClinicalDocument absent).",
                detail=f"root is {root.tag!r} and contains no {ROOT_TAG}",
                field="ClinicalDocument",
            )
        root = embedded
    ident = instance_id(find(root, "h:id"))
    type_code = code_of(find(root, "h:code"))
    if ident is None or type_code is None:
        raise CdaReadError(
            "Document CDA sans identifiant ou sans type de document.",
            detail="ClinicalDocument/id or ClinicalDocument/code missing",
            field="id" if ident is None else "code",
        )
    templates = [(t.get("root", ""), t.get("extension")) for t in findall(root, "h:templateId")]
    non_xml = find(root, "h:component/h:nonXMLBody")
    model, model_version, format_code = _model(templates, non_xml is not None)
    version_el = find(root, "h:versionNumber")
    version = (
        int(version_el.get("value", "0"))
        if version_el is not None and version_el.get("value", "").isdigit()
        else None
    )
    authors = []
    for el in findall(root, "h:author"):
        professional = _professional(find(el, "h:assignedAuthor"))
        time = as_datetime(ts_of(find(el, "h:time")))
        if professional is not None and time is not None:
            authors.append(Author(professional, time, code_of(find(el, "h:functionCode"))))
    participants = []
    for el in findall(root, "h:participant"):
        professional = _professional(
            find(el, "h:associatedEntity"), "associatedPerson", "scopingOrganization"
        )
        if professional is not None:
            low, _ = interval(find(el, "h:time"))
            participants.append(
                Participant(
                    professional,
                    el.get("typeCode", "INF"),
                    code_of(find(el, "h:functionCode")),
                    low,
                )
            )
    informants = []
    for el in findall(root, "h:informant/h:relatedEntity"):
        relationship = code_of(find(el, "h:code"))
        name = person_name(find(el, "h:relatedPerson/h:name"))
        if relationship is not None and name is not None:
            informants.append(
                Informant(
                    name,
                    relationship,
                    el.get("classCode", "CON"),
                    address(find(el, "h:addr")),
                    telecoms(el),
                )
            )
    event_el = find(root, "h:documentationOf/h:serviceEvent")
    service_event = None
    performer = _professional(find(event_el, "h:performer/h:assignedEntity"))
    event_code = code_of(find(event_el, "h:code"))
    start, end = interval(find(event_el, "h:effectiveTime"))
    if performer is not None and event_code is not None and start is not None:
        service_event = ServiceEvent(event_code, as_datetime(start), performer, as_datetime(end))  # type: ignore[arg-type]
    encounter = None
    enc_el = find(root, "h:componentOf/h:encompassingEncounter")
    facility = find(enc_el, "h:location/h:healthCareFacility")
    enc_code, facility_type = code_of(find(enc_el, "h:code")), code_of(find(facility, "h:code"))
    enc_start, enc_end = interval(find(enc_el, "h:effectiveTime"))
    if enc_code is not None and facility_type is not None and (enc_start or enc_end):
        encounter = Encounter(
            code=enc_code,
            start=as_datetime(enc_start or enc_end),  # type: ignore[arg-type]
            facility_type=facility_type,
            facility_id=instance_id(find(facility, "h:id")),
            facility_name=text_of(find(facility, "h:location/h:name")),
            end=as_datetime(enc_end) if enc_start else None,
            responsible=_professional(find(enc_el, "h:responsibleParty/h:assignedEntity")),
        )
    return ReceivedDocument(
        document_id=ident,
        type_code=type_code,
        title=text_of(find(root, "h:title")) or (type_code.display or ""),
        effective_time=as_datetime(ts_of(find(root, "h:effectiveTime"))),
        level="N1" if non_xml is not None else "N3",
        model=model,
        model_version=model_version,
        format_code=format_code,
        patient=_patient(root),
        authors=tuple(authors),
        set_id=instance_id(find(root, "h:setId")),
        version=version,
        replaces=instance_id(
            find(root, "h:relatedDocument[@typeCode='RPLC']/h:parentDocument/h:id")
        ),
        confidentiality=code_of(find(root, "h:confidentialityCode")),
        language=_attribute(find(root, "h:languageCode"), "code"),
        template_ids=tuple(InstanceId(r, e) for r, e in templates),
        custodian=_organization(
            find(root, "h:custodian/h:assignedCustodian/h:representedCustodianOrganization")
        ),
        legal_authenticator=_professional(find(root, "h:legalAuthenticator/h:assignedEntity")),
        participants=tuple(participants),
        informants=tuple(informants),
        service_event=service_event,
        encounter=encounter,
        media_type=_attribute(find(non_xml, "h:text"), "mediaType"),
        root=root,
    )


def extract_pdf(document: ReceivedDocument | bytes | Path) -> bytes:
    """The PDF carried by an N1 document (``nonXMLBody/text``, base64).

    Raises :class:`CdaReadError` when the body is structured, not a PDF, or not base64.
    """
    doc = document if isinstance(document, ReceivedDocument) else read_document(document)
    text = find(doc.root, "h:component/h:nonXMLBody/h:text")
    if text is None:
        raise CdaReadError(
            "Ce document est structuré (niveau 3) : il ne contient pas de PDF.",
            detail="no component/nonXMLBody/text",
            field="nonXMLBody",
        )
    media_type = text.get("mediaType")
    if media_type != v.N1_MEDIA_TYPE:
        raise CdaReadError(
            f"Le corps du document n'est pas un PDF (type {media_type}).",
            detail=f"nonXMLBody/text/@mediaType = {media_type!r}",
            field="nonXMLBody/text/@mediaType",
        )
    try:
        pdf = base64.b64decode("".join((text.text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CdaReadError(
            "Le PDF du document est illisible (encodage base64 invalide).",
            detail=str(exc),
            field="nonXMLBody/text",
        ) from exc
    if not pdf.startswith(b"%PDF-"):
        raise CdaReadError(
            "Le corps du document annoncé comme PDF n'en est pas un.",
            detail="decoded body does not start with %PDF-",
            field="nonXMLBody/text",
        )
    return pdf
