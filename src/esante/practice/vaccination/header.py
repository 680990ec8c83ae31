"""The CDA header of a vaccination document, from the practice's own records.

The patient (recordTarget: the INS only for a qualified identity, names then the INS
way; the IPP always), the signed-in professional as author, legal authenticator and
performer, their structure as custodian and encounter facility (CI-SIS « Volet
Structuration minimale des documents de santé », en-tête).
"""

from __future__ import annotations

import re
from datetime import datetime

from esante.cda import vocabulary as v
from esante.cda.examples.people import LOCAL_ID_ROOT, phone_uri
from esante.cda.model import (
    Address,
    Author,
    Code,
    DocumentHeader,
    Encounter,
    Guardian,
    HealthProfessional,
    InstanceId,
    Organization,
    PersonName,
    ServiceEvent,
    Telecom,
)
from esante.cda.model import Patient as CdaPatient
from esante.identity import ins_name
from esante.practice.errors import PracticeValidationError
from esante.store import Patient, Practitioner, Structure
from esante.terminology import author_specialty, label

AMBULATORY = Code("AMB", v.HL7_ACT_CODE, "Ambulatoire (hors établissement)")


def _address(line: str | None, postal_code: str | None, city: str | None) -> Address | None:
    if not (line or postal_code or city):
        return None
    match = re.match(r"\s*(\d+\s*(?:bis|ter)?)\s+(.*)", line or "")
    number, street = (match.group(1), match.group(2)) if match else (None, line)
    return Address(street_name=street, house_number=number, postal_code=postal_code, city=city)


def _organization(structure: Structure) -> Organization:
    setting = structure.practice_setting_code
    return Organization(
        id=InstanceId(v.OID_ID_NAT_STRUCT, structure.id_nat_struct),
        name=structure.name,
        address=_address(structure.address_line, structure.postal_code, structure.city),
        telecoms=(Telecom(phone_uri(structure.phone), "WP"),) if structure.phone else (),
        practice_setting=Code(
            setting, v.CODE_SYSTEM_PRACTICE_SETTING, label("J04", setting), "practiceSettingCode"
        )
        if setting
        else None,
    )


def professional(practitioner: Practitioner) -> HealthProfessional:
    """A practitioner of the practice as CDA author / performer (idNat_PS, JDV_J01).

    Raises :class:`PracticeValidationError` when they belong to no structure."""
    if practitioner.structure is None:
        raise PracticeValidationError(
            "Le professionnel n'est rattaché à aucune structure : document impossible.",
            detail=f"practitioner {practitioner.id} without structure",
            field="author",
        )
    specialty = author_specialty(practitioner.profession_code, practitioner.specialty_code)
    return HealthProfessional(
        id=InstanceId(v.OID_ID_NAT_PS, practitioner.id_nat_ps),
        name=PersonName(
            practitioner.family_name,
            practitioner.given_name,
            None,
            "DR" if practitioner.civility == "DR" else None,
        ),
        specialty=Code(specialty.code, specialty.code_system_oid, specialty.display),
        organization=_organization(practitioner.structure),
        telecoms=(Telecom(phone_uri(practitioner.phone), "WP"),) if practitioner.phone else (),
    )


def cda_patient(patient: Patient) -> CdaPatient:
    """The patient as the CDA recordTarget (legal representatives as guardians)."""
    qualified = patient.identity_status == "QUAL" and bool(patient.ins_matricule)

    def name(text: str) -> str:
        return ins_name(text) if qualified else text

    guardians = tuple(
        Guardian(
            name=PersonName(r.family_name, r.given_name),
            address=_address(r.address_line, r.postal_code, r.city),
            telecoms=(Telecom(phone_uri(r.phone), "MC"),) if r.phone else (),
        )
        for r in patient.legal_representatives
    )
    return CdaPatient(
        birth_family_name=name(patient.birth_family_name),
        birth_given_names=name(patient.birth_given_names),
        first_given_name=name(patient.first_given_name),
        sex=patient.sex,
        birth_date=patient.birth_date,
        ins_matricule=patient.ins_matricule if qualified else None,
        ins_oid=patient.ins_oid if qualified else None,
        ins_qualified=qualified,
        used_family_name=patient.used_family_name,
        used_given_name=patient.used_given_name,
        birthplace_cog=patient.birthplace_cog,
        local_ids=(InstanceId(LOCAL_ID_ROOT, patient.local_id),),
        address=_address(patient.address_line, patient.postal_code, patient.city),
        telecoms=(Telecom(phone_uri(patient.phone), "H"),) if patient.phone else (),
        guardians=guardians,
    )


def record_header(
    patient: Patient,
    author: Practitioner,
    *,
    type_code: Code,
    title: str,
    service_event: Code,
    when: datetime,
) -> DocumentHeader:
    """The header of a document of ``patient`` authored by ``author`` at ``when`` (aware)."""
    person = professional(author)
    assert person.organization is not None
    assert author.structure is not None
    facility = author.structure.facility_type_code or "SA07"
    return DocumentHeader(
        type_code=type_code,
        title=title,
        effective_time=when,
        patient=cda_patient(patient),
        authors=(Author(person, when),),
        custodian=person.organization,
        legal_authenticator=person,
        service_event=ServiceEvent(service_event, when, person),
        encounter=Encounter(
            code=AMBULATORY,
            start=when,
            facility_type=Code(facility, v.CODE_SYSTEM_FACILITY_TYPE, label("J02", facility)),
            facility_id=person.organization.id,
            facility_name=author.structure.name,
        ),
    )


__all__ = ["cda_patient", "professional", "record_header"]
