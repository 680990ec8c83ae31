"""Loading the demo dataset: every record through the services, idempotent."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from esante.demo import demo_dataset
from esante.practice import PatientCriteria, load_demo, search_patients
from esante.store import IdentityStatusChange, Patient, Practitioner, Structure
from tests.unit.practice.acting import ACTOR

DATASET = demo_dataset(today=date(2026, 3, 15))


def test_load_demo_twice_creates_everything_once(session: Session) -> None:
    first = load_demo(session, DATASET)
    session.commit()
    assert (first.structures_created, first.practitioners_created, first.patients_created) == (
        len(DATASET.structures),
        len(DATASET.practitioners),
        len(DATASET.patients),
    )
    again = load_demo(session, DATASET)
    session.commit()
    assert again.created == 0
    assert again.already_present == first.created
    assert session.query(Patient).count() == len(DATASET.patients)
    assert session.query(Practitioner).count() == len(DATASET.practitioners)
    assert session.query(Structure).count() == len(DATASET.structures)
    assert session.query(IdentityStatusChange).count() == len(DATASET.patients)


def test_loaded_patients_keep_their_identity_and_links(session: Session) -> None:
    load_demo(session, DATASET)
    session.commit()
    for demo in DATASET.patients:
        [patient] = search_patients(
            session, PatientCriteria(local_id=demo.local_id), actor=ACTOR
        ).items
        assert patient.identity_status == demo.identity_status
        assert patient.ins_matricule == demo.recorded_ins
        assert patient.birthplace_cog == demo.birthplace_cog
        assert len(patient.legal_representatives) == len(demo.legal_representatives)
        if demo.medecin_traitant_key:
            doctor = session.get(Practitioner, patient.medecin_traitant_id)
            assert doctor is not None
            assert doctor.rpps == DATASET.practitioner(demo.medecin_traitant_key).rpps
    lola = search_patients(session, PatientCriteria(name="lola"), actor=ACTOR).items
    assert [p.local_id for p in lola] == [DATASET.patient("lola").local_id]
    pharmacist = session.query(Practitioner).filter_by(profession_code="21").one()
    assert pharmacist.structure is not None
    assert pharmacist.structure.facility_type_code == "SA33"
