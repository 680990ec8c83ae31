"""A small practice for the child record tests: a cabinet, its GP, a child and parents.

The child's birth date is the test's (``child_born`` parameter, else 2026-03-03); the
clock is the test's (``NOW``); vaccinations come from the 2025 schedule
(:func:`esante.cda.examples.vaccination.infant_history`) through the record's hook.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from esante.cda.clinical import Immunization
from esante.cda.examples.vaccination import infant_history
from esante.practice.actors import ROLE_SECRETAIRE, Actor
from esante.practice.child import use_vaccination_source
from esante.store import LegalRepresentative, Patient, Practitioner, Structure
from tests.unit.practice.acting import acting

BORN = date(2026, 3, 3)
NOW = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
TODAY = date(2026, 12, 6)


@dataclass
class Family:
    """Ids and actors of the test practice."""

    patient_id: int
    practitioner_id: int
    structure_id: int
    doctor: Actor
    secretary: Actor
    birth_date: date


def make_family(session: Session, birth_date: date = BORN, sex: str = "F") -> Family:
    structure = Structure(
        name="Cabinet du Parc",
        id_nat_struct="1CABPARC",
        facility_type_code="SA08",
        practice_setting_code="AMBULATOIRE",
        address_line="12 rue des Lilas",
        postal_code="69003",
        city="Lyon",
        phone="04 72 00 00 00",
        mssante_address="cabinet@parc.mssante.fr",
    )
    session.add(structure)
    session.flush()
    doctor = Practitioner(
        rpps="10003986931",
        civility="DR",
        family_name="Perrin",
        given_name="François",
        profession_code="10",
        specialty_code="SM54",
        mssante_address="francois.perrin@parc.mssante.fr",
        phone="04 72 00 00 01",
        structure_id=structure.id,
    )
    session.add(doctor)
    session.flush()
    child = Patient(
        local_id="IPP-CHILD-1",
        ins_matricule="226037512345669",
        ins_oid="1.2.250.1.213.1.4.8",
        birth_family_name="MARTIN",
        birth_given_names="JADE CLAIRE",
        first_given_name="JADE",
        sex=sex,
        birth_date=birth_date,
        birthplace_cog="69383",
        identity_status="QUAL",
        medecin_traitant_id=doctor.id,
        address_line="3 place Bellecour",
        postal_code="69002",
        city="Lyon",
        phone="06 00 00 00 01",
    )
    session.add(child)
    session.flush()
    session.add_all(
        [
            LegalRepresentative(
                patient_id=child.id,
                relationship_code="MTH",
                family_name="Martin",
                given_name="Juliette",
                phone="06 00 00 00 02",
            ),
            LegalRepresentative(
                patient_id=child.id,
                relationship_code="FTH",
                family_name="Martin",
                given_name="Loïc",
                phone="06 00 00 00 03",
            ),
        ]
    )
    session.commit()
    session.refresh(child)
    actor = acting(doctor)
    secretary = Actor(
        kind="local",
        actor_id="secretariat",
        name="Secrétariat",
        role=ROLE_SECRETAIRE,
        structure_id=structure.id,
        origin="test",
    )
    return Family(child.id, doctor.id, structure.id, actor, secretary, birth_date)


@pytest.fixture
def family(session: Session) -> Family:
    return make_family(session)


@pytest.fixture
def schedule_vaccinations() -> Iterator[None]:
    """The child's vaccinations: those of the 2025 schedule up to the day asked."""

    def given(session: Session, patient_id: int, on: date) -> tuple[Immunization, ...]:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        return infant_history(patient.birth_date, on)

    use_vaccination_source(given)
    yield
    use_vaccination_source(None)
