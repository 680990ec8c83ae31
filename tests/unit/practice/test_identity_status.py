"""Identity status changes go through the status machine and leave history rows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from esante.identity import Downgrade
from esante.practice import (
    NewPatient,
    PracticeValidationError,
    add_identity_evidence,
    create_patient,
    downgrade_identity,
    get_patient,
    identity_history,
    update_patient,
)
from esante.store import ConflictError, NotFoundError
from tests.unit.practice.acting import ACTOR
from tests.unit.practice.insi_sandbox import insi_for, person
from tests.unit.practice.test_patients import OID, nir

BIRTH = date(1964, 12, 23)
NIR = nir("M", BIRTH, "75114", 433)
INSI = insi_for(person(NIR, OID, "LAMBERT", "JEAN-PIERRE VALENTIN", "M", BIRTH, "75114"))
"""The INSi teleservice (sandbox, in process) knowing this file's patient."""


def _provisional(session: Session, local_id: str = "IPP-1") -> int:
    patient = create_patient(
        session,
        NewPatient(
            birth_family_name="Lambert",
            birth_given_names="Jean-Pierre Valentin",
            sex="M",
            birth_date=BIRTH,
            birthplace_cog="75114",
            local_id=local_id,
        ),
        actor=ACTOR,
    )
    session.commit()
    return patient.id


def test_evidence_walks_prov_vali_qual_with_history(session: Session) -> None:
    patient_id = _provisional(session)
    add_identity_evidence(session, patient_id, identity_document="PA", actor=ACTOR)
    session.commit()
    assert get_patient(session, patient_id).identity_status == "VALI"
    patient = add_identity_evidence(
        session,
        patient_id,
        ins_matricule=NIR,
        ins_oid=OID,
        insi_reference="INSI-42",
        identity_status="QUAL",
        insi=INSI,
        actor=ACTOR,
    )
    session.commit()
    assert (patient.identity_status, patient.ins_matricule) == ("QUAL", NIR)
    assert patient.identity_validation_mode == "PA"
    rows = identity_history(session, patient_id, actor=ACTOR)
    assert [(r.from_status, r.to_status) for r in rows] == [
        (None, "PROV"),
        ("PROV", "VALI"),
        ("VALI", "QUAL"),
    ]
    assert rows[1].validation_mode == "PA"
    # the reference of the INSi answer obtained here, not the one typed
    assert rows[2].insi_reference is not None
    assert rows[2].insi_reference.startswith("INSi:")
    assert all(r.reason for r in rows)


def test_target_status_must_follow_from_the_evidence(session: Session) -> None:
    patient_id = _provisional(session)
    with pytest.raises(PracticeValidationError) as caught:
        add_identity_evidence(
            session, patient_id, identity_document="CN", identity_status="QUAL", actor=ACTOR
        )
    assert caught.value.field == "identity_status"
    assert "INSi" in caught.value.message
    session.rollback()
    assert get_patient(session, patient_id).identity_status == "PROV"
    assert len(identity_history(session, patient_id, actor=ACTOR)) == 1


def test_evidence_without_anything_new_is_refused(session: Session) -> None:
    patient_id = _provisional(session)
    with pytest.raises(PracticeValidationError) as caught:
        add_identity_evidence(session, patient_id, actor=ACTOR)
    assert "Aucun élément nouveau" in caught.value.message


def test_an_ins_or_a_typed_reference_without_insi_is_refused(session: Session) -> None:
    patient_id = _provisional(session)
    with pytest.raises(PracticeValidationError) as caught:
        add_identity_evidence(session, patient_id, ins_matricule=NIR, ins_oid=OID, actor=ACTOR)
    assert caught.value.field == "insi_reference"
    with pytest.raises(PracticeValidationError) as caught:
        add_identity_evidence(session, patient_id, insi_reference="n-importe-quoi", actor=ACTOR)
    assert caught.value.field == "insi_reference"
    assert "INSi" in caught.value.message
    session.rollback()
    assert get_patient(session, patient_id).identity_status == "PROV"


def test_the_ins_of_another_patient_is_a_conflict(session: Session) -> None:
    first = _provisional(session, "IPP-1")
    add_identity_evidence(session, first, ins_matricule=NIR, ins_oid=OID, insi=INSI, actor=ACTOR)
    session.commit()
    second = _provisional(session, "IPP-2")
    with pytest.raises(ConflictError) as caught:
        add_identity_evidence(
            session, second, ins_matricule=NIR, ins_oid=OID, insi=INSI, actor=ACTOR
        )
    assert "IPP-1" in caught.value.message


def test_changing_a_strict_trait_takes_the_insi_evidence_away(session: Session) -> None:
    patient_id = _provisional(session)
    add_identity_evidence(
        session,
        patient_id,
        ins_matricule=NIR,
        ins_oid=OID,
        identity_document="CN",
        insi=INSI,
        actor=ACTOR,
    )
    session.commit()
    patient = update_patient(
        session, patient_id, {"birth_family_name": "Lambert-Roux"}, actor=ACTOR
    )
    session.commit()
    assert patient.identity_status == "VALI"
    assert patient.ins_matricule is None
    assert patient.ins_oid is None
    assert patient.identity_validation_mode == "CN"
    last = identity_history(session, patient_id, actor=ACTOR)[-1]
    assert (last.from_status, last.to_status) == ("QUAL", "VALI")
    assert last.reason is not None
    assert "birth_family_name" in last.reason


def test_same_trait_value_or_used_name_change_keeps_the_status(session: Session) -> None:
    patient_id = _provisional(session)
    add_identity_evidence(
        session, patient_id, ins_matricule=NIR, ins_oid=OID, insi=INSI, actor=ACTOR
    )
    patient = update_patient(
        session,
        patient_id,
        {"birth_family_name": " Lambert ", "used_given_name": "JP"},
        actor=ACTOR,
    )
    assert patient.identity_status == "RECUP"
    assert len(identity_history(session, patient_id, actor=ACTOR)) == 2


def test_downgrade_events(session: Session) -> None:
    patient_id = _provisional(session)
    add_identity_evidence(
        session,
        patient_id,
        ins_matricule=NIR,
        ins_oid=OID,
        identity_document="CN",
        insi=INSI,
        actor=ACTOR,
    )
    patient = downgrade_identity(session, patient_id, Downgrade.DOCUMENT_UNRELIABLE, actor=ACTOR)
    assert patient.identity_status == "RECUP"
    assert patient.identity_validation_mode is None
    assert patient.ins_matricule == NIR
    patient = downgrade_identity(
        session, patient_id, "doubtful_identity", note="homonyme", actor=ACTOR
    )
    session.commit()
    assert patient.identity_status == "PROV"
    assert patient.ins_matricule is None
    last = identity_history(session, patient_id, actor=ACTOR)[-1]
    assert last.reason is not None
    assert "homonyme" in last.reason
    with pytest.raises(PracticeValidationError) as caught:
        downgrade_identity(session, patient_id, "NOPE", actor=ACTOR)
    assert caught.value.field == "event"


def test_history_of_unknown_patient_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError):
        identity_history(session, 999, actor=ACTOR)
