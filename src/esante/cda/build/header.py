"""Writes the CDA R2 header of a CI-SIS document from a :class:`DocumentHeader`.

Follows the CI-SIS "Structuration minimale des documents de santé" (templateId
1.2.250.1.213.1.1.1.1, StrucMin schematron of the ANS kit): realm FR, typeId
POCD_HD000040, HL7 France and CI-SIS templateIds, INS and traits in ``recordTarget``
(names qualified ``BR``/``CL``), idNat_PS authors with their profession/specialty,
custodian, legal authenticator, participants, ``documentationOf/serviceEvent`` with its
performer and practice setting, ``relatedDocument`` RPLC for a new version and
``componentOf/encompassingEncounter`` with the facility type. Elements are written in
the order the CDA R2 schema imposes.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from esante.cda import vocabulary as v
from esante.cda.build._xml import (
    Element,
    add_address,
    add_code,
    add_id,
    add_person_name,
    add_telecoms,
    set_xsi_type,
    sub,
    ts,
)
from esante.cda.errors import CdaBuildError
from esante.cda.model import (
    Code,
    DocumentHeader,
    HealthProfessional,
    InstanceId,
    Organization,
    Patient,
)
from esante.identity import IdentityError, check_ins


def new_document_root(
    header: DocumentHeader,
    document_id: InstanceId,
    template_ids: Sequence[tuple[str, str | None]],
) -> Element:
    """A ``ClinicalDocument`` carrying the whole header, ready for its ``component`` body.

    ``template_ids`` are the document-specific (root, extension) pairs written after the
    HL7 France and CI-SIS ones. Raises :class:`CdaBuildError` on inconsistent input.
    """
    _check(header)
    root = etree.Element(f"{{{v.HL7_NS}}}ClinicalDocument", nsmap=dict(v.NSMAP))
    sub(root, "realmCode", code=v.REALM)
    sub(root, "typeId", root=v.TYPE_ID_ROOT, extension=v.TYPE_ID_EXTENSION)
    sub(root, "templateId", root=v.TEMPLATE_HL7_FRANCE)
    sub(root, "templateId", root=v.TEMPLATE_CI_SIS)
    for template_root, extension in template_ids:
        sub(root, "templateId", root=template_root, extension=extension)
    add_id(root, document_id)
    add_code(root, header.type_code)
    sub(root, "title", header.title)
    sub(root, "effectiveTime", value=ts(header.effective_time))
    add_code(root, header.confidentiality, "confidentialityCode")
    sub(root, "languageCode", code=v.LANGUAGE)
    add_id(root, header.set_id or document_id, "setId")
    sub(root, "versionNumber", value=str(header.version))
    _record_target(root, header.patient)
    for author in header.authors:
        el = sub(root, "author")
        if author.function is not None:
            add_code(el, author.function, "functionCode")
        sub(el, "time", value=ts(author.time))
        _professional(el, "assignedAuthor", author.professional, person_tag="assignedPerson")
    for informant in header.informants:
        related = sub(sub(root, "informant"), "relatedEntity", classCode=informant.class_code)
        add_code(related, informant.relationship)
        add_address(related, informant.address)
        add_telecoms(related, informant.telecoms)
        add_person_name(sub(related, "relatedPerson"), informant.name)
    custodian = sub(sub(root, "custodian"), "assignedCustodian")
    _organization(custodian, "representedCustodianOrganization", header.custodian, custodian=True)
    legal = sub(root, "legalAuthenticator")
    sub(legal, "time", value=ts(header.legal_authentication_time or header.effective_time))
    sub(legal, "signatureCode", code="S")
    _professional(legal, "assignedEntity", header.legal_authenticator)
    for participant in header.participants:
        el = sub(root, "participant", typeCode=participant.type_code)
        if participant.function is not None:
            add_code(el, participant.function, "functionCode")
        if participant.start is not None:
            time = set_xsi_type(sub(el, "time"), "IVL_TS")
            sub(time, "low", value=ts(participant.start))
        _professional(
            el,
            "associatedEntity",
            participant.professional,
            person_tag="associatedPerson",
            organization_tag="scopingOrganization",
            classCode="PROV",
        )
    _service_event(root, header)
    if header.replaces is not None:
        related_doc = sub(root, "relatedDocument", typeCode="RPLC")
        add_id(sub(related_doc, "parentDocument"), header.replaces)
    _encounter(root, header)
    return root


def _check(header: DocumentHeader) -> None:
    if header.effective_time.tzinfo is None:
        raise CdaBuildError(
            "Date du document sans fuseau horaire.",
            detail="DocumentHeader.effective_time must be timezone-aware",
            field="effective_time",
        )
    if not header.authors:
        raise CdaBuildError(
            "Un document CDA doit avoir au moins un auteur.",
            detail="DocumentHeader.authors is empty",
            field="authors",
        )
    if header.version < 1:
        raise CdaBuildError(
            "Le numéro de version du document doit être un entier positif.",
            detail=f"version {header.version} < 1",
            field="version",
        )
    if header.version > 1 and (header.replaces is None or header.set_id is None):
        raise CdaBuildError(
            "Une nouvelle version doit désigner le document qu'elle remplace et son setId.",
            detail="version > 1 requires replaces (RPLC parent) and set_id",
            field="replaces",
        )
    patient = header.patient
    if not patient.shares_ins and not patient.local_ids:
        raise CdaBuildError(
            "Patient sans identifiant : INS qualifiée ou identifiant local (IPP) requis.",
            detail="Patient has neither a qualified INS nor local_ids",
            field="patient.local_ids",
        )
    if patient.shares_ins:
        try:
            check_ins(patient.ins_matricule or "", patient.ins_oid)
        except IdentityError as exc:
            raise CdaBuildError(
                f"INS du patient invalide : {exc.message}",
                detail=exc.detail,
                field="patient.ins_matricule",
            ) from exc
    given = " ".join(patient.birth_given_names.split()).casefold()
    first = " ".join(patient.first_given_name.split()).casefold()
    if not (given == first or given.startswith(first + " ")):
        raise CdaBuildError(
            f"Le premier prénom « {patient.first_given_name} » doit ouvrir la liste des "
            f"prénoms de naissance « {patient.birth_given_names} ».",
            detail="birth_given_names does not start with first_given_name",
            field="patient.first_given_name",
        )


def _record_target(root: Element, patient: Patient) -> None:
    role = sub(sub(root, "recordTarget"), "patientRole")
    if patient.shares_ins:
        sub(role, "id", root=patient.ins_oid, extension=patient.ins_matricule)
    for local in patient.local_ids:
        add_id(role, local)
    add_address(role, patient.address)
    add_telecoms(role, patient.telecoms)
    person = sub(role, "patient", classCode="PSN")
    name = sub(person, "name")
    sub(name, "family", patient.birth_family_name, qualifier="BR")
    sub(name, "given", " ".join(patient.birth_given_names.split()))
    sub(name, "given", patient.first_given_name, qualifier="BR")
    if patient.used_family_name:
        sub(name, "family", patient.used_family_name, qualifier="CL")
    if patient.used_given_name:
        sub(name, "given", patient.used_given_name, qualifier="CL")
    add_code(
        person,
        _gender(patient.sex),
        "administrativeGenderCode",
    )
    sub(person, "birthTime", value=ts(patient.birth_date))
    for guardian in patient.guardians:
        el = sub(person, "guardian")
        add_address(el, guardian.address)
        add_telecoms(el, guardian.telecoms)
        add_person_name(sub(el, "guardianPerson"), guardian.name)
    if patient.birthplace_cog:
        addr = sub(sub(sub(person, "birthplace"), "place"), "addr")
        sub(addr, "county", patient.birthplace_cog)
        if patient.birthplace_city:
            sub(addr, "city", patient.birthplace_city)


def _gender(sex: str) -> Code:
    if sex not in v.SEX_LABELS:
        raise CdaBuildError(
            f"Sexe « {sex} » inconnu : M, F ou U attendu.",
            detail=f"sex {sex!r} not in M/F/U",
            field="patient.sex",
        )
    return Code(sex, v.HL7_ADMINISTRATIVE_GENDER, v.SEX_LABELS[sex])


def _professional(
    parent: Element,
    tag: str,
    professional: HealthProfessional,
    *,
    person_tag: str = "assignedPerson",
    organization_tag: str = "representedOrganization",
    **attrs: str,
) -> Element:
    el = sub(parent, tag, **attrs)
    add_id(el, professional.id)
    if professional.specialty is not None:
        add_code(el, professional.specialty)
    organization = professional.organization
    add_address(el, professional.address or (organization.address if organization else None))
    add_telecoms(el, professional.telecoms or (organization.telecoms if organization else ()))
    add_person_name(sub(el, person_tag), professional.name)
    if organization is not None:
        _organization(el, organization_tag, organization)
    return el


def _organization(
    parent: Element,
    tag: str,
    organization: Organization,
    *,
    custodian: bool = False,
) -> None:
    el = sub(parent, tag)
    add_id(el, organization.id)
    sub(el, "name", organization.name)
    if custodian:
        add_telecoms(el, organization.telecoms[:1], required=True)
        add_address(el, organization.address)
        return
    add_telecoms(el, organization.telecoms)
    add_address(el, organization.address)
    if organization.practice_setting is not None:
        add_code(el, organization.practice_setting, "standardIndustryClassCode")


def _service_event(root: Element, header: DocumentHeader) -> None:
    event = header.service_event
    el = sub(sub(root, "documentationOf"), "serviceEvent", classCode="ACT")
    add_code(el, event.code)
    time = sub(el, "effectiveTime")
    sub(time, "low", value=ts(event.start))
    if event.end is not None:
        sub(time, "high", value=ts(event.end))
    performer = sub(el, "performer", typeCode="PRF")
    _professional(performer, "assignedEntity", event.performer)


def _encounter(root: Element, header: DocumentHeader) -> None:
    encounter = header.encounter
    el = sub(sub(root, "componentOf"), "encompassingEncounter")
    add_code(el, encounter.code)
    time = sub(el, "effectiveTime")
    sub(time, "low", value=ts(encounter.start))
    if encounter.end is not None:
        sub(time, "high", value=ts(encounter.end))
    if encounter.responsible is not None:
        _professional(sub(el, "responsibleParty"), "assignedEntity", encounter.responsible)
    facility = sub(sub(el, "location"), "healthCareFacility")
    if encounter.facility_id is not None:
        add_id(facility, encounter.facility_id)
    add_code(facility, encounter.facility_type)
    if encounter.facility_name:
        sub(sub(facility, "location"), "name", encounter.facility_name)
