"""Demo people (:mod:`esante.demo`) as CDA header values, and the example header factory.

Names of a qualified identity are written the INS way (upper case, no diacritics,
:func:`esante.identity.ins_name`), as INSi returns them; professionals carry their
idNat_PS, their JDV_J01 profession/specialty label and their structure (idNat_Struct,
facility type from JDV_J02, practice setting from JDV_J04), all labels taken from
:mod:`esante.terminology`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from esante.cda import vocabulary as v
from esante.cda.build._xml import PARIS
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
    Patient,
    PersonName,
    ServiceEvent,
    Telecom,
)
from esante.demo import DemoDataset, DemoPatient, DemoPractitioner, DemoStructure
from esante.identity import ins_name
from esante.terminology import author_specialty, label

LOCAL_ID_ROOT = "1.2.250.1.999.1.1"
"""Root of the demo practice's local patient identifiers (IPP); fictitious."""

AMBULATORY = Code("AMB", v.HL7_ACT_CODE, "Ambulatoire (hors établissement)")
RELATIONSHIPS = {"MTH": "Mère", "FTH": "Père", "GRMTH": "Grand-mère", "GRFTH": "Grand-père"}
_CIVILITY = {"DR": ("M", "DR"), "M": ("M", None), "MME": ("MME", None)}


def phone_uri(phone: str) -> str:
    """``04 65 71 40 04`` → ``tel:0465714004``."""
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def split_address(line: str, postal_code: str, city: str, use: str | None = None) -> Address:
    """``26 rue de l'Église`` → house number ``26`` and street ``rue de l'Église``."""
    match = re.match(r"\s*(\d+\s*(?:bis|ter)?)\s+(.*)", line)
    number, street = (match.group(1), match.group(2)) if match else (None, line)
    return Address(
        street_name=street, house_number=number, postal_code=postal_code, city=city, use=use
    )


def organization(structure: DemoStructure) -> Organization:
    """A demo structure as a CDA organization with its practice setting."""
    return Organization(
        id=InstanceId(v.OID_ID_NAT_STRUCT, structure.id_nat_struct),
        name=structure.name,
        address=split_address(structure.address_line, structure.postal_code, structure.city),
        telecoms=(Telecom(phone_uri(structure.phone), "WP"),),
        practice_setting=Code(
            structure.practice_setting_code,
            v.CODE_SYSTEM_PRACTICE_SETTING,
            label("J04", structure.practice_setting_code),
            "practiceSettingCode",
        ),
    )


def professional(data: DemoDataset, key: str) -> HealthProfessional:
    """The demo practitioner ``key`` with specialty and structure."""
    person: DemoPractitioner = data.practitioner(key)
    specialty = author_specialty(person.profession_code, person.specialty_code)
    prefix, suffix = _CIVILITY.get(person.civility, (None, None))
    return HealthProfessional(
        id=InstanceId(v.OID_ID_NAT_PS, person.id_nat_ps),
        name=PersonName(person.family_name, person.given_name, prefix, suffix),
        specialty=Code(specialty.code, specialty.code_system_oid, specialty.display),
        organization=organization(data.structure(person.structure_key)),
        telecoms=(Telecom(phone_uri(person.phone), "WP"),),
    )


def patient(person: DemoPatient, *, ins: str | None = None) -> Patient:
    """A demo patient as the CDA ``recordTarget``; ``ins`` replaces the recorded matricule.

    The INS is written when the identity is qualified (or when ``ins`` is forced).
    """
    matricule = ins or person.recorded_ins
    qualified = ins is not None or person.identity_status == "QUAL"
    guardians = tuple(
        Guardian(
            name=PersonName(r.family_name, r.given_name, "MME" if r.sex == "F" else "M", None),
            address=split_address(person.address_line, person.postal_code, person.city, "H"),
            telecoms=(Telecom(phone_uri(r.phone), "MC"),),
        )
        for r in person.legal_representatives
    )
    telecoms = [Telecom(phone_uri(person.phone), "H")]
    if person.email:
        telecoms.append(Telecom(f"mailto:{person.email}"))
    return Patient(
        birth_family_name=ins_name(person.birth_family_name),
        birth_given_names=ins_name(person.birth_given_names),
        first_given_name=ins_name(person.first_given_name),
        sex=person.sex,
        birth_date=person.birth_date,
        ins_matricule=matricule,
        ins_oid=person.ins_oid if matricule else None,
        ins_qualified=qualified and matricule is not None,
        used_family_name=person.used_family_name,
        used_given_name=person.used_given_name,
        birthplace_cog=person.birthplace_cog,
        birthplace_city=person.birthplace_label,
        local_ids=(InstanceId(LOCAL_ID_ROOT, person.local_id),),
        address=split_address(person.address_line, person.postal_code, person.city, "H"),
        telecoms=tuple(telecoms),
        guardians=guardians,
    )


def informants(person: DemoPatient) -> tuple[Informant, ...]:
    """A minor's parents as informants (the CSE require the mother)."""
    return tuple(
        Informant(
            name=PersonName(r.family_name, r.given_name, "MME" if r.sex == "F" else "M"),
            relationship=Code(
                r.relationship_code,
                v.HL7_ROLE_CODE,
                RELATIONSHIPS.get(r.relationship_code, r.relationship_code),
            ),
            address=split_address(person.address_line, person.postal_code, person.city, "H"),
            telecoms=(Telecom(phone_uri(r.phone), "MC"),),
        )
        for r in person.legal_representatives
    )


def example_time(data: DemoDataset) -> datetime:
    """Now in Paris, or the dataset's reference date at 10:30 if that is not today."""
    now = datetime.now().astimezone()
    if data.reference_date == date.today():
        return now.replace(microsecond=0)
    return datetime(
        data.reference_date.year,
        data.reference_date.month,
        data.reference_date.day,
        10,
        30,
        tzinfo=PARIS,
    )


def example_header(
    data: DemoDataset,
    *,
    type_code: Code,
    title: str,
    patient_key: str,
    author_key: str,
    service_event: Code,
    ins: str | None = None,
    with_informants: bool = False,
    participant_function: Code | None = None,
) -> DocumentHeader:
    """A complete header for an example document, authored now by ``author_key``."""
    person = data.patient(patient_key)
    author = professional(data, author_key)
    when = example_time(data)
    structure = data.structure(data.practitioner(author_key).structure_key)
    participants: tuple[Participant, ...] = ()
    if person.medecin_traitant_key:
        function = participant_function or Code(
            "PCP", v.HL7_PARTICIPATION_FUNCTION, "Médecin traitant"
        )
        participants = (
            Participant(
                professional(data, person.medecin_traitant_key),
                type_code="INF",
                function=function,
                start=when.date() - timedelta(days=365),
            ),
        )
    assert author.organization is not None
    return DocumentHeader(
        type_code=type_code,
        title=title,
        effective_time=when,
        patient=patient(person, ins=ins),
        authors=(Author(author, when),),
        custodian=author.organization,
        legal_authenticator=author,
        service_event=ServiceEvent(service_event, when, author),
        encounter=Encounter(
            code=AMBULATORY,
            start=when,
            facility_type=Code(
                structure.facility_type_code,
                v.CODE_SYSTEM_FACILITY_TYPE,
                label("J02", structure.facility_type_code),
            ),
            facility_id=author.organization.id,
            facility_name=structure.name,
        ),
        participants=participants,
        informants=informants(person) if with_informants else (),
    )
