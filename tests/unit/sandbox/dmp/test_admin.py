"""Admin controls (patient and operator side) and the trouble settings."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import Engine

from esante.sandbox.dmp import (
    AuthorizationListMode,
    AuthorizationStatus,
    DmpAdmin,
    DmpErrorCode,
    DmpRefusal,
    DmpService,
    PatientIns,
    TroubleSettings,
    session_factory,
    trouble_for,
)
from tests.unit.sandbox.dmp.factories import DR_A, DR_B, NIR_TEST, PATIENT, Clock, new_document


def test_create_close_reopen(admin: DmpAdmin, clock: Clock) -> None:
    created = admin.create_dmp(
        PATIENT, family_name="MARTIN", given_name="Jeanne", birth_date=date(1982, 5, 14), sex="F"
    )
    assert created.open
    assert created.created_at == clock.now
    assert not created.opposed_to_bris_de_glace
    with pytest.raises(DmpRefusal) as twice:
        admin.create_dmp(PATIENT)
    assert twice.value.code is DmpErrorCode.DMP_ALREADY_EXISTS
    closed = admin.close_dmp(PATIENT, text="Demande du patient")
    assert not closed.open
    with pytest.raises(DmpRefusal):
        admin.close_dmp(PATIENT)
    reopened = admin.create_dmp(PATIENT, attached_to_mes=False)
    assert reopened.open
    assert reopened.closure_reason is None
    assert not reopened.attached_to_mes
    assert [p.patient for p in admin.list_patients()] == [PATIENT]


def test_an_invalid_ins_is_refused_with_the_identity_message(admin: DmpAdmin) -> None:
    wrong_key = PatientIns(PATIENT.value[:13] + "00", NIR_TEST)
    with pytest.raises(DmpRefusal) as caught:
        admin.create_dmp(wrong_key)
    assert caught.value.code is DmpErrorCode.INVALID_REQUEST
    assert caught.value.message.startswith("INS invalide")
    assert "clé" in caught.value.message
    with pytest.raises(DmpRefusal):
        admin.create_dmp(PatientIns(PATIENT.value, "1.2.3"))
    with pytest.raises(DmpRefusal) as unknown:
        admin.get_patient(PATIENT)
    assert unknown.value.code is DmpErrorCode.UNKNOWN_PATIENT


def test_treating_physician_and_blocking(
    admin: DmpAdmin, service: DmpService, dmp: PatientIns
) -> None:
    admin.declare_treating_physician(dmp, "810000000088")
    assert admin.get_patient(dmp).treating_physician == "810000000088"
    records = admin.authorizations(dmp, AuthorizationListMode.ACTIVE)
    assert "810000000088" in {r.subject_id for r in records}  # named, hence authorized
    admin.block(dmp, "810000000088")
    assert admin.get_patient(dmp).treating_physician is None  # blocking ends the role
    with pytest.raises(DmpRefusal) as blocked:
        admin.declare_treating_physician(dmp, "810000000088")
    assert blocked.value.code is DmpErrorCode.PROFESSIONAL_BLOCKED
    admin.block(dmp, "810000000088", blocked=False)
    admin.declare_treating_physician(dmp, "810000000088")
    admin.declare_treating_physician(dmp, None)
    assert admin.get_patient(dmp).treating_physician is None
    assert service.test_existence(DR_A, dmp).authorization is AuthorizationStatus.VALID


def test_oppositions_and_attachment(admin: DmpAdmin, dmp: PatientIns) -> None:
    record = admin.set_oppositions(dmp, bris_de_glace=True, centre_15=True)
    assert record.opposed_to_bris_de_glace
    assert record.opposed_to_centre_15
    assert not record.opposed_to_feeding
    record = admin.set_oppositions(dmp, centre_15=False)
    assert record.opposed_to_bris_de_glace
    assert not record.opposed_to_centre_15
    assert not admin.set_attachment(dmp, False).attached_to_mes


def test_access_history_is_per_patient_and_limited(
    admin: DmpAdmin, service: DmpService, dmp: PatientIns, clock: Clock
) -> None:
    for _ in range(3):
        clock.advance(seconds=1)
        service.test_existence(DR_B, dmp)
    service.test_existence(DR_A, PatientIns("1" * 15, NIR_TEST))  # another (unknown) patient
    history = admin.access_history(dmp, limit=2)
    assert len(history) == 2
    assert history[0].at > history[1].at
    assert {e.patient_ins for e in history} == {dmp.value}


def test_troubles_are_shared_through_the_database(admin: DmpAdmin, dmp_engine: Engine) -> None:
    assert admin.troubles() == TroubleSettings()
    admin.set_troubles(latency_ms=250, fail_rate=0.5)
    admin.set_troubles(down=True)
    with session_factory(dmp_engine)() as other:  # the running server's session
        assert DmpService(other).troubles() == TroubleSettings(250, 0.5, True)
    with pytest.raises(DmpRefusal) as bad:
        admin.set_troubles(fail_rate=1.5)
    assert bad.value.field == "fail_rate"
    with pytest.raises(DmpRefusal):
        admin.set_troubles(latency_ms=-1)


def test_trouble_for_applies_the_settings() -> None:
    rng = random.Random(7)
    calm = trouble_for(TroubleSettings(), rng)
    assert calm.delay_s == 0
    assert calm.failure is None
    down = trouble_for(TroubleSettings(latency_ms=120, down=True), rng)
    assert down.delay_s == pytest.approx(0.12)
    assert down.failure is not None
    assert down.failure.code is DmpErrorCode.SERVICE_UNAVAILABLE
    flaky = TroubleSettings(fail_rate=0.5)
    failures = [trouble_for(flaky, rng).failure for _ in range(400)]
    busy = [f for f in failures if f is not None]
    assert 120 < len(busy) < 280
    assert {f.code for f in busy} == {DmpErrorCode.REGISTRY_BUSY}


def test_patient_documents_need_an_open_dmp(admin: DmpAdmin, dmp: PatientIns) -> None:
    admin.close_dmp(dmp)
    with pytest.raises(DmpRefusal) as closed:
        admin.add_patient_document(dmp, new_document(class_code="90", authors=()))
    assert closed.value.code is DmpErrorCode.DMP_CLOSED
