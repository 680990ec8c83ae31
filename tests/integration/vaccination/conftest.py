"""Fixtures of the vaccination record's tests: a practice with a GP and a child born on
1 December 2025 (12 months old on the story's visit), the ANS kit's validator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from esante.cda.validate import Validator, shared_validator
from esante.practice.actors import Actor
from esante.store import Patient, Practitioner, Structure
from tests.conftest import shared_path
from tests.unit.practice.acting import acting

BIRTH = date(2025, 12, 1)
VISIT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
"""The 12-month visit (Monday 7 December 2026, 10:30 in Paris)."""
CHILD_INS = "225127505600111"
TEST_INS_OID = "1.2.250.1.213.1.4.10"


@dataclass
class World:
    structure: Structure
    doctor: Practitioner
    child: Patient

    @property
    def actor(self) -> Actor:
        return acting(self.doctor)


def make_world(session: Session, *, qualified: bool = True) -> World:
    structure = Structure(
        name="Cabinet du Parc",
        id_nat_struct="1690781899",
        facility_type_code="SA07",
        practice_setting_code="AMBULATOIRE",
        address_line="3 rue des Lilas",
        postal_code="69003",
        city="Lyon",
    )
    doctor = Practitioner(
        rpps="10000000009",
        civility="DR",
        family_name="Carré",
        given_name="Hervé",
        profession_code="10",
        specialty_code="SM54",
        structure=structure,
    )
    child = Patient(
        local_id="IPP-VAC-1",
        birth_family_name="Durand",
        birth_given_names="Lola Marie",
        first_given_name="Lola",
        sex="F",
        birth_date=BIRTH,
        birthplace_cog="75056",
        identity_status="QUAL" if qualified else "PROV",
        ins_matricule=CHILD_INS if qualified else None,
        ins_oid=TEST_INS_OID if qualified else None,
    )
    session.add_all([structure, doctor, child])
    session.commit()
    return World(structure, doctor, child)


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Validator:
    cache = tmp_path_factory.getbasetemp() / "schematron-cache"
    return shared_validator(shared_path("cisis-kit"), cache_dir=Path(cache))
