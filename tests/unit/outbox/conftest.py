"""Rows the outbox tests need: a structure, a practitioner, a qualified patient."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from esante.store import Patient, Practitioner, Structure


@pytest.fixture
def people(session: Session) -> tuple[Patient, Practitioner]:
    structure = Structure(name="Cabinet du Parc", finess="750000001", id_nat_struct="1750000001")
    doctor = Practitioner(
        rpps="10003986931",
        family_name="Perrin",
        given_name="François",
        profession_code="10",
        specialty_code="SM54",
        structure=structure,
    )
    patient = Patient(
        local_id="IPP-1",
        birth_family_name="MARTIN",
        birth_given_names="Jeanne",
        first_given_name="Jeanne",
        sex="F",
        birth_date=date(1982, 5, 14),
        ins_matricule="282052A12345678",
        ins_oid="1.2.250.1.213.1.4.10",
        identity_status="QUAL",
    )
    session.add_all([structure, doctor, patient])
    session.commit()
    return patient, doctor
