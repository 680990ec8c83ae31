"""Sample header values for the CDA builder tests (fixed, independent of the demo)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from esante.cda import (
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
from esante.cda import vocabulary as v

PARIS = v.PARIS
WINTER = datetime(2025, 1, 15, 9, 30, tzinfo=PARIS)
SUMMER = datetime(2025, 7, 15, 9, 30, tzinfo=PARIS)

STRUCTURE = Organization(
    id=InstanceId(v.OID_ID_NAT_STRUCT, "3" + "68712243200010"),
    name="Cabinet des Essais",
    address=Address("rue des Tests", "12", postal_code="69003", city="Lyon"),
    telecoms=(Telecom("tel:0465714004", "WP"),),
    practice_setting=Code("AMBULATOIRE", v.CODE_SYSTEM_PRACTICE_SETTING, "Ambulatoire"),
)
CUSTODIAN = dataclasses.replace(STRUCTURE, practice_setting=None)
DOCTOR = HealthProfessional(
    id=InstanceId(v.OID_ID_NAT_PS, "810003986931"),
    name=PersonName("PERRIN", "François", "M", "DR"),
    specialty=Code("G15_10/SM54", v.CODE_SYSTEM_PROFESSIONS, "Médecin - Médecine Générale (SM)"),
    organization=STRUCTURE,
    telecoms=(Telecom("tel:0601020304", "WP"),),
)
PATIENT = Patient(
    birth_family_name="N'DIAYE",
    birth_given_names="LOLA CECILE",
    first_given_name="LOLA",
    sex="F",
    birth_date=date(2024, 4, 15),
    ins_matricule="225106938314977",
    ins_oid=v.OID_INS_NIR_TEST,
    used_given_name="Lolita",
    birthplace_cog="69383",
    birthplace_city="Lyon 3e Arrondissement",
    local_ids=(InstanceId("1.2.250.1.999.1.1", "IPP-42"),),
    address=Address("rue des Tests", "12", postal_code="69003", city="Lyon", use="H"),
    telecoms=(Telecom("tel:0465000000", "H"),),
    guardians=(
        Guardian(PersonName("N'Diaye", "Claire", "MME"), telecoms=(Telecom("tel:0611", "MC"),)),
    ),
)
TYPE_N1 = Code("11488-4", v.LOINC, "Compte rendu de consultation", "LOINC")


def header(**changes: Any) -> DocumentHeader:
    """A complete header (N1 consultation report, winter time); ``changes`` override fields."""
    base = DocumentHeader(
        type_code=TYPE_N1,
        title="Compte rendu de consultation",
        effective_time=WINTER,
        patient=PATIENT,
        authors=(Author(DOCTOR, WINTER),),
        custodian=CUSTODIAN,
        legal_authenticator=DOCTOR,
        service_event=ServiceEvent(TYPE_N1, WINTER, DOCTOR),
        encounter=Encounter(
            code=Code("AMB", v.HL7_ACT_CODE, "Ambulatoire (hors établissement)"),
            start=WINTER,
            facility_type=Code("SA08", v.CODE_SYSTEM_FACILITY_TYPE, "Cabinet de groupe"),
            facility_id=STRUCTURE.id,
            facility_name=STRUCTURE.name,
        ),
        participants=(
            Participant(
                DOCTOR,
                function=Code("PCP", v.HL7_PARTICIPATION_FUNCTION, "Médecin traitant"),
                start=date(2024, 1, 1),
            ),
        ),
        informants=(
            Informant(
                PersonName("N'Diaye", "Claire", "MME"),
                Code("MTH", v.HL7_ROLE_CODE, "Mère"),
            ),
        ),
    )
    return dataclasses.replace(base, **changes)
