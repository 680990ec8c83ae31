"""TD0.2 test of existence, TD0.3 authorization, TD1.6 list, and the access log they leave."""

from __future__ import annotations

from datetime import timedelta

import pytest

from esante.sandbox.dmp import (
    DMP_OK,
    AuthorizationAction,
    AuthorizationContext,
    AuthorizationListMode,
    AuthorizationStatus,
    DmpAdmin,
    DmpErrorCode,
    DmpRefusal,
    DmpService,
    Outcome,
    PatientIns,
)
from esante.trust.vocabulary import AccessMode
from tests.unit.sandbox.dmp.factories import (
    DR_A,
    DR_B,
    ESTABLISHMENT,
    NURSE,
    OTHER_PATIENT,
    PATIENT,
    SECRETARY,
    STRUCTURE_A,
    Clock,
)

ADD = AuthorizationAction.ADD
REMOVE = AuthorizationAction.REMOVE


def test_existence_of_an_open_dmp(service: DmpService, admin: DmpAdmin, dmp: PatientIns) -> None:
    admin.declare_treating_physician(dmp, DR_A.id_nat_ps)
    status = service.test_existence(DR_A, dmp)
    assert status.exists
    assert status.open
    assert status.authorization is AuthorizationStatus.VALID
    assert status.treating_physician
    assert status.attached_to_mes
    assert status.family_name == "MARTIN"
    other = service.test_existence(DR_B, dmp)
    assert not other.treating_physician


def test_existence_of_an_unknown_patient_is_an_answer(service: DmpService) -> None:
    status = service.test_existence(DR_A, OTHER_PATIENT)
    assert not status.exists
    assert status.authorization is AuthorizationStatus.NONE


def test_existence_of_a_closed_dmp_gives_the_closure(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns, clock: Clock
) -> None:
    admin.close_dmp(dmp, text="Demande explicite du patient")
    status = service.test_existence(DR_A, dmp)
    assert status.exists
    assert not status.open
    assert status.closed_at == clock.now
    assert status.closure_reason == "FERMETURE_DEMANDE_PATIENT"
    assert status.closure_text == "Demande explicite du patient"


def test_a_patient_id_that_is_not_an_ins_is_refused(service: DmpService) -> None:
    with pytest.raises(DmpRefusal) as caught:
        service.test_existence(DR_A, PatientIns(PATIENT.value, "1.2.250.1.999"))
    assert caught.value.code is DmpErrorCode.UNKNOWN_PATIENT


def test_authorization_statuses_seen_by_td02(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns, clock: Clock
) -> None:
    admin.set_authorization(dmp, DR_B.id_nat_ps, expires_at=clock.now - timedelta(days=1))
    assert service.test_existence(DR_B, dmp).authorization is AuthorizationStatus.EXPIRED
    admin.block(dmp, NURSE.id_nat_ps)
    assert service.test_existence(NURSE, dmp).authorization is AuthorizationStatus.FORBIDDEN
    admin.set_authorization(dmp, DR_A.id_nat_ps, authorized=False)
    assert service.test_existence(DR_A, dmp).authorization is AuthorizationStatus.NONE


def test_declare_oneself_authorized_then_again_then_remove(
    service: DmpService, admin: DmpAdmin
) -> None:
    admin.create_dmp(PATIENT)
    added = service.set_authorization(DR_A, PATIENT, ADD)
    assert added.status == DMP_OK
    assert added.context is AuthorizationContext.ADDED
    assert added.authorization is AuthorizationStatus.VALID
    again = service.set_authorization(DR_A, PATIENT, ADD)
    assert again.context_text == "Autorisation déjà présente aucune action effectuée"
    removed = service.set_authorization(DR_A, PATIENT, REMOVE)
    assert removed.context is AuthorizationContext.REMOVED
    assert removed.authorization is AuthorizationStatus.NONE
    assert service.set_authorization(DR_A, PATIENT, REMOVE).context is AuthorizationContext.ABSENT


def test_a_cpe_authorizes_its_structure(service: DmpService, admin: DmpAdmin) -> None:
    admin.create_dmp(PATIENT)
    service.set_authorization(SECRETARY, PATIENT, ADD)
    records = admin.authorizations(PATIENT)
    assert [(r.subject_kind, r.subject_id) for r in records] == [("STRUCTURE", STRUCTURE_A)]
    # the professionals of the structure are then authorized through it
    assert service.test_existence(DR_A, PATIENT).authorization is AuthorizationStatus.VALID
    assert service.test_existence(DR_B, PATIENT).authorization is AuthorizationStatus.NONE


def test_authorization_refusals(service: DmpService, admin: DmpAdmin, dmp: PatientIns) -> None:
    admin.block(dmp, DR_B.id_nat_ps)
    with pytest.raises(DmpRefusal) as blocked:
        service.set_authorization(DR_B, dmp, ADD)
    assert blocked.value.code is DmpErrorCode.PROFESSIONAL_BLOCKED
    with pytest.raises(DmpRefusal) as in_emergency:
        service.set_authorization(DR_A, dmp, ADD, access_mode=AccessMode.BRIS_DE_GLACE)
    assert in_emergency.value.code is DmpErrorCode.ACCESS_NOT_ALLOWED
    with pytest.raises(DmpRefusal) as indirect:
        service.set_authorization(ESTABLISHMENT, dmp, ADD)
    assert indirect.value.code is DmpErrorCode.ACCESS_NOT_ALLOWED
    with pytest.raises(DmpRefusal) as self_named:
        service.set_authorization(DR_A, dmp, ADD, treating_physician=True)
    assert self_named.value.code is DmpErrorCode.ACCESS_NOT_ALLOWED
    with pytest.raises(DmpRefusal) as unknown:
        service.set_authorization(DR_A, OTHER_PATIENT, ADD)
    assert unknown.value.code is DmpErrorCode.UNKNOWN_PATIENT


def test_the_treating_physician_steps_down(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns
) -> None:
    admin.declare_treating_physician(dmp, DR_A.id_nat_ps)
    with pytest.raises(DmpRefusal) as not_mt:
        service.set_authorization(DR_B, dmp, REMOVE, treating_physician=True)
    assert not_mt.value.code is DmpErrorCode.NOT_TREATING_PHYSICIAN
    update = service.set_authorization(DR_A, dmp, REMOVE, treating_physician=True)
    assert update.context is AuthorizationContext.TREATING_PHYSICIAN_REMOVED
    assert not update.treating_physician
    assert update.authorization is AuthorizationStatus.VALID  # still authorized
    assert admin.get_patient(dmp).treating_physician is None


def test_list_authorizations_td16(service: DmpService, admin: DmpAdmin, dmp: PatientIns) -> None:
    admin.block(dmp, "810000000077")
    service.set_authorization(DR_A, dmp, ADD)
    active = service.list_authorizations(DR_A, dmp, AuthorizationListMode.ACTIVE)
    assert {r.subject_id for r in active} == {DR_A.id_nat_ps, DR_B.id_nat_ps, NURSE.id_nat_ps}
    mine = next(r for r in active if r.subject_id == DR_A.id_nat_ps)
    assert mine.family_name == "MEDECIN"
    assert mine.specialty == "SM26"
    forbidden = service.list_authorizations(DR_A, dmp, AuthorizationListMode.FORBIDDEN)
    assert [r.subject_id for r in forbidden] == ["810000000077"]
    with pytest.raises(DmpRefusal):
        service.list_authorizations(DR_A, dmp, access_mode=AccessMode.BRIS_DE_GLACE)


def test_every_call_is_logged_accepted_or_refused(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns, clock: Clock
) -> None:
    service.test_existence(DR_A, dmp)
    clock.advance(minutes=1)
    admin.block(dmp, DR_B.id_nat_ps)
    with pytest.raises(DmpRefusal):
        service.find_documents(DR_B, dmp, access_mode=AccessMode.BRIS_DE_GLACE)
    history = admin.access_history(dmp)
    assert [(e.transaction, e.actor_id, e.outcome) for e in history] == [
        ("TD3.1", DR_B.id_nat_ps, Outcome.REFUSED),
        ("TD0.2", DR_A.id_nat_ps, Outcome.ACCEPTED),
    ]
    refused = history[0]
    assert refused.error_code == "DMPProfessionalBlocked"
    assert refused.access_mode is AccessMode.BRIS_DE_GLACE
    assert refused.at == clock.now
    assert history[1].actor_name == "Alice MEDECIN"
    assert history[1].actor_structure_id == STRUCTURE_A


def test_the_break_glass_reason_is_logged_for_the_patient(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns, clock: Clock
) -> None:
    reason = "Patient inconscient aux urgences"
    emergency = DmpService(service.session, clock=clock, access_reason=reason)
    emergency.find_documents(DR_A, dmp, access_mode=AccessMode.BRIS_DE_GLACE)
    clock.advance(minutes=1)
    service.test_existence(DR_A, dmp)
    latest, first = admin.access_history(dmp)
    assert (first.access_mode, first.access_reason) == (AccessMode.BRIS_DE_GLACE, reason)
    assert latest.access_reason is None
