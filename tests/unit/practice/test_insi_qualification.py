"""Qualification in practice: INSi evidence only from an answer of the INSi teleservice.

The INSi is the sandbox's application in process (real client, real sandbox code),
its identities the demo dataset's and the sandbox's special cases.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from esante.demo import demo_dataset
from esante.practice import (
    NewPatient,
    PracticeValidationError,
    add_identity_evidence,
    create_patient,
    identity_history,
    update_patient,
)
from esante.sandbox.insi import sandbox_registry
from tests.unit.practice.acting import ACTOR
from tests.unit.practice.insi_sandbox import insi_for

INSI = insi_for()


def _provisional(session: Session, key: str) -> int:
    demo = demo_dataset().patient(key)
    patient = create_patient(
        session,
        NewPatient(
            birth_family_name=demo.birth_family_name,
            birth_given_names=demo.birth_given_names,
            sex=demo.sex,
            birth_date=demo.birth_date,
            birthplace_cog=demo.birthplace_cog,
            local_id=f"IPP-{key}",
        ),
        actor=ACTOR,
    )
    session.commit()
    return patient.id


def test_a_document_and_an_insi_answer_qualify_in_one_action(session: Session) -> None:
    yasmine = demo_dataset().patient("yasmine")
    patient_id = _provisional(session, "yasmine")
    patient = add_identity_evidence(
        session, patient_id, identity_document="PA", identity_status="QUAL", insi=INSI,
        insi_reference="recherche", actor=ACTOR,
    )  # fmt: skip
    session.commit()
    assert patient.identity_status == "QUAL"
    assert (patient.ins_matricule, patient.ins_oid) == (yasmine.nir, yasmine.ins_oid)
    last = identity_history(session, patient_id, actor=ACTOR)[-1]
    assert last.insi_reference is not None
    assert last.insi_reference.startswith("INSi:")


def test_a_typed_ins_is_verified_with_insi(session: Session) -> None:
    claire, robert = demo_dataset().patient("claire"), demo_dataset().patient("robert")
    patient_id = _provisional(session, "claire")
    with pytest.raises(PracticeValidationError) as caught:
        add_identity_evidence(
            session,
            patient_id,
            ins_matricule=robert.nir,
            ins_oid=robert.ins_oid,
            insi=INSI,
            actor=ACTOR,
        )
    assert caught.value.field == "ins_matricule"
    session.rollback()
    patient = add_identity_evidence(
        session,
        patient_id,
        ins_matricule=claire.nir,
        ins_oid=claire.ins_oid,
        insi=INSI,
        actor=ACTOR,
    )
    assert patient.identity_status == "RECUP"


def test_an_unknown_person_is_not_qualified(session: Session) -> None:
    patient_id = _provisional(session, "maria")
    wrong = demo_dataset().patient("maria")
    # maria is known to INSi; a person born a year and a month apart is not (the demo's
    # birth dates follow today's date: a fixed year could be hers)
    elsewhere = wrong.birth_date - timedelta(days=400)
    update_patient(session, patient_id, {"birth_date": elsewhere}, actor=ACTOR)
    session.commit()
    with pytest.raises(PracticeValidationError) as caught:
        add_identity_evidence(session, patient_id, insi_reference="x", insi=INSI, actor=ACTOR)
    assert "Aucune identité trouvée" in caught.value.message


def test_a_replaced_ins_is_refused_naming_the_new_one(session: Session) -> None:
    person = sandbox_registry().by_key("ins-change")
    traits = person.traits.identity_traits()
    patient = create_patient(
        session,
        NewPatient(
            birth_family_name=traits.birth_family_name,
            birth_given_names=traits.birth_given_names,
            sex=traits.sex,
            birth_date=traits.birth_date,
            birthplace_cog=traits.birthplace_cog,
            local_id="IPP-CHANGE",
        ),
        actor=ACTOR,
    )
    session.commit()
    old = person.individual.history[0].ins
    with pytest.raises(PracticeValidationError) as caught:
        add_identity_evidence(
            session,
            patient.id,
            ins_matricule=old.matricule,
            ins_oid=old.oid,
            insi=INSI,
            actor=ACTOR,
        )
    assert person.individual.ins.matricule in caught.value.message
