"""The CDA header of a document the practice produces, from its own records — one home
for the child record's documents (CR d'examen, CS8/CS9/CS24, MDE), the vaccination
documents (VAC-NOTE, prescriptions) and the authored reports.

The patient (recordTarget, with the legal representatives as guardians), the signed-in
professional as author and legal authenticator, their structure as custodian and
encounter facility (CI-SIS « Volet Structuration minimale des documents de santé »,
en-tête). The INS is written only when the identity is qualified (référentiel INS: an
unqualified identity is not shared); names of a qualified identity the INS way; the IPP
always. Options: the patient's médecin traitant as participant, and the parents as
informants (the CSE schematrons require the mother on the CS8).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from esante.cda import vocabulary as v
from esante.cda.examples.people import LOCAL_ID_ROOT, RELATIONSHIPS, phone_uri
from esante.cda.model import (
    Address,
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
    PersonName,
    ServiceEvent,
    Telecom,
)
from esante.cda.model import (
    Patient as CdaPatient,
)
from esante.identity import ins_name
from esante.practice.errors import PracticeValidationError
from esante.store import LegalRepresentative, Patient, Practitioner, Structure
from esante.terminology import author_specialty, label

AMBULATORY = Code("AMB", v.HL7_ACT_CODE, "Ambulatoire (hors établissement)")
MEDECIN_TRAITANT = Code("PCP", v.HL7_PARTICIPATION_FUNCTION, "Médecin traitant")


def _address(line: str | None, postal_code: str | None, city: str | None) -> Address | None:
    if not (line or postal_code or city):
        return None
    match = re.match(r"\s*(\d+\s*(?:bis|ter)?)\s+(.*)", line or "")
    number, street = (match.group(1), match.group(2)) if match else (None, line)
    return Address(
        street_name=street, house_number=number, postal_code=postal_code, city=city, use="H"
    )


def organization(structure: Structure) -> Organization:
    """The practitioner's structure as a CDA organization (idNat_Struct, J04 setting)."""
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
    """A practitioner of the practice as a CDA author (idNat_PS, J01 specialty)."""
    if practitioner.structure is None:
        raise PracticeValidationError(
            "Le professionnel n'est rattaché à aucune structure : document impossible.",
            detail=f"practitioner {practitioner.id} without structure",
            field="author",
        )
    specialty = author_specialty(practitioner.profession_code, practitioner.specialty_code)
    prefix = "DR" if practitioner.civility == "DR" else None
    return HealthProfessional(
        id=InstanceId(v.OID_ID_NAT_PS, practitioner.id_nat_ps),
        name=PersonName(practitioner.family_name, practitioner.given_name, None, prefix),
        specialty=Code(specialty.code, specialty.code_system_oid, specialty.display),
        organization=organization(practitioner.structure),
        telecoms=(Telecom(phone_uri(practitioner.phone), "WP"),) if practitioner.phone else (),
    )


def _parent_name(parent: LegalRepresentative) -> PersonName:
    prefix = {"MTH": "MME", "FTH": "M"}.get(parent.relationship_code)
    return PersonName(parent.family_name, parent.given_name, prefix)


def cda_patient(patient: Patient) -> CdaPatient:
    """The child as the CDA recordTarget, the legal representatives as guardians."""
    qualified = patient.identity_status == "QUAL" and bool(patient.ins_matricule)

    def name(text: str) -> str:
        return ins_name(text) if qualified else text

    guardians = tuple(
        Guardian(
            name=_parent_name(r),
            address=_address(r.address_line, r.postal_code, r.city),
            telecoms=(Telecom(phone_uri(r.phone), "MC"),) if r.phone else (),
        )
        for r in patient.legal_representatives
    )
    telecoms = [Telecom(phone_uri(patient.phone), "H")] if patient.phone else []
    if patient.email:
        telecoms.append(Telecom(f"mailto:{patient.email}"))
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
        telecoms=tuple(telecoms),
        guardians=guardians,
    )


def informants(patient: Patient) -> tuple[Informant, ...]:
    """The parents (legal representatives) as informants of a health certificate."""
    return tuple(
        Informant(
            name=_parent_name(r),
            relationship=Code(
                r.relationship_code,
                v.HL7_ROLE_CODE,
                RELATIONSHIPS.get(r.relationship_code, r.relationship_code),
            ),
            address=_address(r.address_line, r.postal_code, r.city),
            telecoms=(Telecom(phone_uri(r.phone), "MC"),) if r.phone else (),
        )
        for r in patient.legal_representatives
    )


def document_header(
    patient: Patient,
    author: Practitioner,
    *,
    type_code: Code,
    title: str,
    service_event: Code,
    when: datetime,
    with_treating_physician: bool = False,
    with_informants: bool = False,
    participant_function: Code | None = None,
) -> DocumentHeader:
    """The header of a document of ``patient`` authored by ``author`` at ``when`` (aware);
    the médecin traitant as participant (``INF``, ``participant_function``) when asked."""
    person = professional(author)
    assert person.organization is not None
    assert author.structure is not None
    structure = author.structure
    participants: tuple[Participant, ...] = ()
    treating = patient.medecin_traitant if with_treating_physician else None
    if treating is not None and treating.structure is not None:
        participants = (
            Participant(
                professional(treating),
                type_code="INF",
                function=participant_function or MEDECIN_TRAITANT,
                start=date(when.year, when.month, when.day),
            ),
        )
    facility = structure.facility_type_code or "SA07"
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
            facility_name=structure.name,
        ),
        participants=participants,
        informants=informants(patient) if with_informants else (),
    )


__all__ = [
    "AMBULATORY",
    "MEDECIN_TRAITANT",
    "cda_patient",
    "document_header",
    "informants",
    "organization",
    "professional",
]
