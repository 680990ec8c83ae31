"""consent.consultation_refusal says, without tracing nor raising, what
authorize_consultation decides (the DICA "C" reuses the consent rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from esante.practice.consent import (
    authorize_consultation,
    consultation_refusal,
    record_consent,
)
from esante.practice.errors import AccessNoticeRequiredError, ConsentError, ConsentRefusedError
from esante.practice.notice import acknowledge_notice
from esante.store import Patient, Practitioner, Structure
from tests.unit.practice.acting import ACTOR, acting

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _world(session: Session) -> tuple[Patient, Practitioner]:
    structure = Structure(name="MSP des Tilleuls", id_nat_struct="1690781810")
    doctor = Practitioner(
        rpps="10000000009",
        family_name="Carré",
        given_name="Hervé",
        profession_code="10",
        structure=structure,
    )
    patient = Patient(
        local_id="IPP-D1",
        birth_family_name="Lefèvre",
        birth_given_names="Hélène",
        first_given_name="Hélène",
        sex="F",
        birth_date=date(1981, 4, 12),
        identity_status="QUAL",
    )
    session.add_all([structure, doctor, patient])
    session.flush()
    return patient, doctor


def _decision(session: Session, patient: Patient, doctor: Practitioner) -> str | None:
    """What authorize_consultation decides (the refusal's detail), rolled back after."""
    nested = session.begin_nested()
    try:
        authorize_consultation(session, patient.id, actor=acting(doctor), now=T0)
    except ConsentError as exc:
        return exc.detail
    finally:
        nested.rollback()
    return None


def test_refusal_matches_the_decision_at_each_step(session: Session) -> None:
    patient, doctor = _world(session)
    actor = acting(doctor)

    refusal = consultation_refusal(session, patient.id, actor=actor, now=T0)
    assert isinstance(refusal, AccessNoticeRequiredError)
    assert refusal.detail == _decision(session, patient, doctor) == "notice_not_acknowledged"

    acknowledge_notice(session, doctor.id, T0)
    refusal = consultation_refusal(session, patient.id, actor=actor, now=T0)
    assert isinstance(refusal, ConsentRefusedError)
    assert refusal.detail == _decision(session, patient, doctor) == "no_consent"

    record_consent(session, patient.id, informed=True, feeding="opposition", actor=actor)
    refusal = consultation_refusal(session, patient.id, actor=actor, now=T0)
    assert refusal is not None
    assert refusal.detail == _decision(session, patient, doctor) == "opposition"

    record_consent(session, patient.id, informed=True, consultation_consent=True, actor=actor)
    assert consultation_refusal(session, patient.id, actor=actor, now=T0) is None
    assert _decision(session, patient, doctor) is None


def test_an_actor_without_practitioner_is_refused(session: Session) -> None:
    patient, _ = _world(session)
    refusal = consultation_refusal(session, patient.id, actor=ACTOR, now=T0)
    assert isinstance(refusal, ConsentRefusedError)
    assert refusal.detail == "no_practitioner"
