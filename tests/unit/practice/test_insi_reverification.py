"""Periodic re-verification of held INS through INSi (practice rules, both databases).

The INSi is the sandbox's application in process (real client, real sandbox code, see
``insi_sandbox``); the last verifications are dated by creating the identities with the
clock moved back (``time_machine``), relative to now and to the default period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy.orm import Session

from esante.audit import AuditFilter, latest_entries
from esante.demo import demo_dataset
from esante.identity import nir_key
from esante.identity.insi import ResultCode
from esante.practice import NewPatient, PracticeValidationError, create_patient, identity_history
from esante.practice.reverification import (
    ACTION,
    DEFAULT_PERIOD,
    Outcome,
    due_for_reverification,
    last_verified,
    reverify_identity,
)
from esante.sandbox.insi import sandbox_registry
from tests.unit.practice.acting import ACTOR
from tests.unit.practice.insi_sandbox import insi_for

INSI = insi_for()
NOW = datetime.now(UTC)
LONG_AGO = NOW - DEFAULT_PERIOD - timedelta(days=30)
RECENTLY = NOW - DEFAULT_PERIOD / 12


def _demo(session: Session, key: str, *, at: datetime, status: str = "QUAL") -> int:
    demo = demo_dataset().patient(key)
    with time_machine.travel(at, tick=False):
        patient = create_patient(
            session,
            NewPatient(
                birth_family_name=demo.birth_family_name,
                birth_given_names=demo.birth_given_names,
                sex=demo.sex,
                birth_date=demo.birth_date,
                birthplace_cog=demo.birthplace_cog,
                local_id=f"IPP-{key}",
                ins_matricule=demo.nir,
                ins_oid=demo.ins_oid,
                insi_reference="INSi:import",
                identity_document="PA" if status == "QUAL" else None,
                identity_status=status,
            ),
            actor=ACTOR,
        )
        session.commit()
    return patient.id


def _replaced_nia(session: Session, *, at: datetime) -> int:
    """The sandbox's person whose NIA was replaced by a NIR, held with the old NIA."""
    person = sandbox_registry().by_key("ins-change")
    traits = person.traits.identity_traits()
    old = person.individual.history[0].ins
    with time_machine.travel(at, tick=False):
        patient = create_patient(
            session,
            NewPatient(
                birth_family_name=traits.birth_family_name,
                birth_given_names=traits.birth_given_names,
                sex=traits.sex,
                birth_date=traits.birth_date,
                birthplace_cog=traits.birthplace_cog,
                local_id="IPP-ins-change",
                ins_matricule=old.matricule,
                ins_oid=old.oid,
                insi_reference="INSi:import",
                identity_document="PA",
                identity_status="QUAL",
            ),
            actor=ACTOR,
        )
        session.commit()
    return patient.id


def _unknown_to_insi(session: Session, *, at: datetime) -> int:
    """A RECUP identity whose NIR and traits agree but which INSi does not know (01)."""
    born = demo_dataset().patient("claire").birth_date
    body = f"2{born:%y%m}75056{999:03d}"
    with time_machine.travel(at, tick=False):
        patient = create_patient(
            session,
            NewPatient(
                birth_family_name="Inconnue",
                birth_given_names="Alice",
                sex="F",
                birth_date=born,
                birthplace_cog="75056",
                local_id="IPP-inconnue",
                ins_matricule=f"{body}{nir_key(body):02d}",
                ins_oid=demo_dataset().patient("claire").ins_oid,
                insi_reference="INSi:import",
                identity_status="RECUP",
            ),
            actor=ACTOR,
        )
        session.commit()
    return patient.id


def test_due_are_the_ins_not_verified_within_the_period_oldest_first(session: Session) -> None:
    old = _demo(session, "claire", at=LONG_AGO)
    older = _demo(session, "mathieu", at=LONG_AGO - timedelta(days=10))
    _demo(session, "robert", at=RECENTLY)
    unknown = _unknown_to_insi(session, at=LONG_AGO)
    with time_machine.travel(LONG_AGO, tick=False):
        create_patient(
            session,
            NewPatient(
                birth_family_name="Sans",
                birth_given_names="Ins",
                sex="F",
                birth_date=demo_dataset().patient("claire").birth_date,
                local_id="IPP-prov",
            ),
            actor=ACTOR,
        )
        session.commit()
    assert due_for_reverification(session) == [older, old, unknown]
    assert due_for_reverification(session, limit=1) == [older]
    assert due_for_reverification(session, period=NOW - LONG_AGO + timedelta(days=5)) == [older]
    with pytest.raises(PracticeValidationError) as refused:
        due_for_reverification(session, period=timedelta(0))
    assert refused.value.field == "period"


def test_a_confirmed_ins_stays_qualified_with_the_new_reference(session: Session) -> None:
    patient_id = _demo(session, "claire", at=LONG_AGO)
    before = len(identity_history(session, patient_id, actor=ACTOR))
    done = reverify_identity(session, patient_id, INSI, actor=ACTOR)
    session.commit()
    assert done.outcome is Outcome.CONFIRMED
    assert (done.from_status, done.to_status) == ("QUAL", "QUAL")
    assert done.insi_reference is not None
    assert done.insi_reference.startswith("INSi:")
    history = identity_history(session, patient_id, actor=ACTOR)
    assert len(history) == before + 1
    last = history[-1]
    assert (last.from_status, last.to_status) == ("QUAL", "QUAL")
    assert last.insi_reference == done.insi_reference
    assert "Vérification périodique" in (last.reason or "")
    verified = last_verified(session, patient_id)
    assert verified is not None
    assert verified > LONG_AGO + DEFAULT_PERIOD
    assert patient_id not in due_for_reverification(session)
    trace = latest_entries(session, AuditFilter(action=ACTION), limit=1)[0]
    assert trace.outcome == "success"
    assert trace.patient_ins is not None
    assert trace.patient_ins.startswith(demo_dataset().patient("claire").nir)


def test_a_replaced_ins_downgrades_and_names_the_new_one(session: Session) -> None:
    person = sandbox_registry().by_key("ins-change")
    patient_id = _replaced_nia(session, at=LONG_AGO)
    done = reverify_identity(session, patient_id, INSI, actor=ACTOR)
    session.commit()
    assert done.outcome is Outcome.REPLACED
    assert (done.from_status, done.to_status) == ("QUAL", "VALI")
    assert done.new_ins == person.individual.active.matricule
    assert person.individual.active.matricule in done.message
    last = identity_history(session, patient_id, actor=ACTOR)[-1]
    assert (last.from_status, last.to_status) == ("QUAL", "VALI")
    assert last.insi_reference == done.insi_reference
    assert "INS non confirmée" in (last.reason or "")
    assert person.individual.active.matricule in (last.reason or "")
    stored = identity_history(session, patient_id, actor=ACTOR)[-1].patient
    assert stored.ins_matricule is None
    assert stored.identity_validation_mode is not None  # the document check stands
    assert patient_id not in due_for_reverification(session)  # no INS left to verify
    trace = latest_entries(session, AuditFilter(action=ACTION), limit=1)[0]
    assert trace.outcome == "failure"
    assert trace.detail is not None
    assert "replaced" in trace.detail


def test_an_ins_insi_no_longer_finds_goes_back_to_provisional(session: Session) -> None:
    patient_id = _unknown_to_insi(session, at=LONG_AGO)
    done = reverify_identity(session, patient_id, INSI, actor=ACTOR)
    session.commit()
    assert done.outcome is Outcome.NOT_CONFIRMED
    assert (done.from_status, done.to_status) == ("RECUP", "PROV")
    last = identity_history(session, patient_id, actor=ACTOR)[-1]
    assert ResultCode.NOT_FOUND.label in (last.reason or "")
    assert last.insi_reference == done.insi_reference
    assert last.patient.ins_matricule is None


def test_an_identity_without_ins_is_not_reverified(session: Session) -> None:
    patient_id = _replaced_nia(session, at=LONG_AGO)
    reverify_identity(session, patient_id, INSI, actor=ACTOR)
    session.commit()
    with pytest.raises(PracticeValidationError) as refused:
        reverify_identity(session, patient_id, INSI, actor=ACTOR)
    assert refused.value.field == "identity_status"
    with pytest.raises(PracticeValidationError) as no_insi:
        reverify_identity(session, _demo(session, "claire", at=LONG_AGO), None, actor=ACTOR)
    assert no_insi.value.field == "insi_reference"
