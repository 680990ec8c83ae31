"""Patient consent to the DMP / Mon espace santé and the access rules, on SQLite and PostgreSQL.

The three answers of the mission: no answer (feeding allowed, no consultation), yes
(feeding and consultation), no (neither); consent remembered across episodes; break-glass
and centre 15; every decision traced in the access trace.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from esante.dmp import Access
from esante.practice.consent import (
    AUDIT_CONSENT_DECISION,
    AUDIT_CONSULTATION_ACCESS,
    AccessNoticeRequiredError,
    ConsentRefusedError,
    authorize_consultation,
    check_feeding,
    consent_history,
    consent_state,
    episode_consent,
    record_consent,
)
from esante.practice.errors import ConsentError, PracticeError, PracticeValidationError
from esante.practice.notice import acknowledge_notice
from esante.store import (
    AuditRecord,
    CareEpisode,
    NotFoundError,
    Patient,
    Practitioner,
    Structure,
    session_factory,
)
from esante.trust import AccessMode
from tests.unit.practice.acting import acting

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
INS = "281042712345695"
INS_OID = "1.2.250.1.213.1.4.10"
RPPS = "10000000009"


def _world(session: Session) -> tuple[Patient, Practitioner, list[CareEpisode]]:
    structure = Structure(name="MSP des Tilleuls", id_nat_struct="1690781810")
    doctor = Practitioner(
        rpps=RPPS,
        family_name="Carré",
        given_name="Hervé",
        profession_code="10",
        specialty_code="SM54",
        structure=structure,
    )
    patient = Patient(
        local_id="IPP-C1",
        birth_family_name="Lefèvre",
        birth_given_names="Hélène Marie",
        first_given_name="Hélène",
        sex="F",
        birth_date=date(1981, 4, 12),
        identity_status="QUAL",
        ins_matricule=INS,
        ins_oid=INS_OID,
    )
    session.add_all([structure, doctor, patient])
    session.flush()
    episodes = [
        CareEpisode(
            patient_id=patient.id,
            practitioner_id=doctor.id,
            kind="consultation",
            started_at=T0 + timedelta(days=30 * n),
        )
        for n in range(3)
    ]
    session.add_all(episodes)
    session.flush()
    return patient, doctor, episodes


def _trace(session: Session, action: str) -> list[AuditRecord]:
    return list(
        session.scalars(
            select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.sequence)
        )
    )


def test_no_answer_means_feeding_allowed_and_consultation_refused(session: Session) -> None:
    patient, doctor, _ = _world(session)
    state = consent_state(session, patient.id)
    assert (state.informed, state.feeding_allowed, state.consultation_allowed) == (
        False,
        True,
        False,
    )
    assert (state.opposition, state.recorded, state.decision_id, state.feeding) == (
        False,
        False,
        None,
        "non_opposition",
    )
    check_feeding(session, patient.id)  # opt-out: nothing said, feeding goes on
    acknowledge_notice(session, doctor.id, now=T0)
    with pytest.raises(ConsentRefusedError) as caught:
        authorize_consultation(session, patient.id, actor=acting(doctor), now=T0)
    assert caught.value.message == (
        "Le patient n'a pas consenti à la consultation de son DMP / Mon espace santé."
    )


def test_opposition_forbids_feeding_and_consultation(session: Session) -> None:
    patient, doctor, episodes = _world(session)
    acknowledge_notice(session, doctor.id, now=T0)
    record_consent(
        session,
        patient.id,
        episode_id=episodes[0].id,
        informed=True,
        consultation_consent=True,
        actor=acting(doctor),
        now=T0,
    )
    state = record_consent(
        session,
        patient.id,
        episode_id=episodes[1].id,
        informed=True,
        feeding="opposition",
        actor=acting(doctor),
        now=T0 + timedelta(days=30),
    )
    assert (state.opposition, state.feeding_allowed, state.consultation_allowed) == (
        True,
        False,
        False,
    )
    with pytest.raises(ConsentRefusedError) as feeding:
        check_feeding(session, patient.id)
    assert feeding.value.message == (
        "Le patient s'oppose à l'alimentation de son DMP / Mon espace santé."
    )
    assert feeding.value.field == "feeding"
    with pytest.raises(ConsentRefusedError) as consultation:
        authorize_consultation(
            session, patient.id, actor=acting(doctor), now=T0 + timedelta(days=31)
        )
    assert "s'oppose à la consultation" in consultation.value.message
    # one cannot oppose and consent in the same breath
    with pytest.raises(PracticeValidationError) as both:
        record_consent(
            session,
            patient.id,
            informed=True,
            feeding="opposition",
            consultation_consent=True,
            actor=acting(doctor),
        )
    assert both.value.field == "consultation_consent"
    assert isinstance(feeding.value, ConsentError)
    assert isinstance(feeding.value, PracticeError)


def test_consultation_consent_is_explicit_and_remembered_across_episodes(
    session: Session,
) -> None:
    patient, doctor, episodes = _world(session)
    acknowledge_notice(session, doctor.id, now=T0)
    # informed, nothing ticked: consent is never presumed
    first = record_consent(
        session,
        patient.id,
        episode_id=episodes[0].id,
        informed=True,
        actor=acting(doctor),
        now=T0,
    )
    assert (first.informed, first.consultation_allowed) == (True, False)
    given = record_consent(
        session,
        patient.id,
        episode_id=episodes[0].id,
        informed=True,
        consultation_consent=True,
        actor=acting(doctor),
        now=T0 + timedelta(minutes=2),
    )
    assert given.consultation_allowed
    # later episode: the patient is informed again, says nothing new about consultation
    later = record_consent(
        session,
        patient.id,
        episode_id=episodes[1].id,
        informed=True,
        actor=acting(doctor),
        now=T0 + timedelta(days=30),
    )
    assert later.consultation_allowed
    assert later.episode_id == episodes[1].id
    # a third episode where nothing is recorded: the latest decision still rules
    assert episode_consent(session, episodes[2].id) is None
    assert consent_state(session, patient.id).consultation_allowed
    granted = authorize_consultation(
        session, patient.id, actor=acting(doctor), now=T0 + timedelta(days=60)
    )
    assert granted.mode is AccessMode.NORMAL
    assert (granted.without_consent, granted.against_opposition) == (False, False)
    assert granted.access() == Access(AccessMode.NORMAL, None)
    assert [s.consultation_allowed for s in consent_history(session, patient.id)] == [
        False,
        True,
        True,
    ]
    episode = episode_consent(session, episodes[0].id)
    assert episode is not None
    assert episode.consultation_allowed


def test_consent_needs_information(session: Session) -> None:
    patient, doctor, episodes = _world(session)
    with pytest.raises(PracticeValidationError) as caught:
        record_consent(
            session,
            patient.id,
            informed=False,
            consultation_consent=True,
            actor=acting(doctor),
        )
    assert caught.value.field == "informed"
    assert "informé" in caught.value.message
    record_consent(
        session, patient.id, informed=True, consultation_consent=True, actor=acting(doctor)
    )
    # a remembered consent is not kept by a decision saying the patient was not informed
    with pytest.raises(PracticeValidationError):
        record_consent(
            session,
            patient.id,
            episode_id=episodes[1].id,
            informed=False,
            actor=acting(doctor),
        )
    assert consent_state(session, patient.id).consultation_allowed


def test_withdrawal_and_lifted_opposition(session: Session) -> None:
    patient, doctor, _ = _world(session)
    acknowledge_notice(session, doctor.id, now=T0)
    record_consent(
        session, patient.id, informed=True, consultation_consent=True, actor=acting(doctor)
    )
    withdrawn = record_consent(
        session,
        patient.id,
        informed=True,
        consultation_consent=False,
        actor=acting(doctor),
    )
    assert (withdrawn.consultation_allowed, withdrawn.feeding_allowed) == (False, True)
    with pytest.raises(ConsentRefusedError):
        authorize_consultation(session, patient.id, actor=acting(doctor), now=T0)
    # an opposition erases the consent: lifting it does not bring the consent back
    record_consent(
        session, patient.id, informed=True, consultation_consent=True, actor=acting(doctor)
    )
    record_consent(session, patient.id, informed=True, feeding="opposition", actor=acting(doctor))
    lifted = record_consent(session, patient.id, informed=True, actor=acting(doctor))
    assert (lifted.opposition, lifted.feeding_allowed, lifted.consultation_allowed) == (
        False,
        True,
        False,
    )
    check_feeding(session, patient.id)


def test_consent_changes_are_traced(session: Session) -> None:
    patient, doctor, episodes = _world(session)
    record_consent(
        session,
        patient.id,
        episode_id=episodes[0].id,
        informed=True,
        consultation_consent=True,
        actor=acting(doctor),
        by_legal_representative=True,
        note="Consentement recueilli auprès de la mère.",
        now=T0,
    )
    record_consent(
        session,
        patient.id,
        episode_id=episodes[1].id,
        informed=True,
        feeding="opposition",
        actor=acting(doctor),
        now=T0 + timedelta(days=30),
    )
    session.commit()
    records = _trace(session, AUDIT_CONSENT_DECISION)
    assert len(records) == 2
    first, second = records
    for record in records:
        assert (record.channel, record.outcome) == ("consent", "success")
        assert record.actor_id == "8" + RPPS
        assert record.actor_name == "Hervé Carré"
        assert record.structure_id == "1690781810"
        assert record.patient_ins == f"{INS}^^^&{INS_OID}&ISO"
        assert record.access_mode is None
    assert first.at == T0
    assert first.reason == "Consentement recueilli auprès de la mère."
    assert first.detail is not None
    assert second.detail is not None
    assert "ipp=IPP-C1" in first.detail
    assert f"episode={episodes[0].id}" in first.detail
    assert "legal_representative=1" in first.detail
    assert "changes=informed:0->1,consultation:0->1" in first.detail
    assert "feeding=opposition" in second.detail
    assert "changes=feeding:non_opposition->opposition,consultation:1->0" in second.detail
    assert second.previous_hash == first.hash


def test_unqualified_identity_keeps_the_ins_out_of_the_trace(session: Session) -> None:
    patient, doctor, _ = _world(session)
    patient.identity_status = "PROV"
    session.flush()
    record_consent(session, patient.id, informed=True, actor=acting(doctor))
    (record,) = _trace(session, AUDIT_CONSENT_DECISION)
    assert record.patient_ins is None
    assert "ipp=IPP-C1" in (record.detail or "")


def test_break_glass_needs_a_reason_and_is_traced(session: Session) -> None:
    patient, doctor, _ = _world(session)
    acknowledge_notice(session, doctor.id, now=T0)
    for reason in (None, "   ", "urgence"):
        with pytest.raises(ConsentRefusedError) as caught:
            authorize_consultation(
                session,
                patient.id,
                actor=acting(doctor),
                mode="bris_de_glace",
                reason=reason,
                now=T0,
            )
        assert caught.value.field == "reason"
        assert "motif" in caught.value.message
    reason = "Patiente inconsciente aux urgences, recherche de traitements en cours"
    granted = authorize_consultation(
        session, patient.id, actor=acting(doctor), mode="bris_de_glace", reason=reason, now=T0
    )
    assert (granted.mode, granted.reason, granted.without_consent) == (
        AccessMode.BRIS_DE_GLACE,
        reason,
        True,
    )
    assert granted.access() == Access.break_glass(reason)
    session.commit()
    records = _trace(session, AUDIT_CONSULTATION_ACCESS)
    assert [(r.access_mode, r.outcome) for r in records] == [
        ("bris_de_glace", "refused"),
        ("bris_de_glace", "refused"),
        ("bris_de_glace", "refused"),
        ("bris_de_glace", "success"),
    ]
    assert [r.reason for r in records] == [None, None, "urgence", reason]
    assert "break_glass_without_reason" in (records[0].detail or "")
    assert "without_consent" in (records[-1].detail or "")
    assert records[-1].sequence == granted.trace_sequence
    assert records[-1].actor_id == "8" + RPPS


def test_break_glass_and_centre_15_override_a_local_opposition(session: Session) -> None:
    patient, doctor, _ = _world(session)
    acknowledge_notice(session, doctor.id, now=T0)
    record_consent(session, patient.id, informed=True, feeding="opposition", actor=acting(doctor))
    granted = authorize_consultation(
        session,
        patient.id,
        actor=acting(doctor),
        mode=AccessMode.BRIS_DE_GLACE,
        reason="Coma, risque vital immédiat, allergies inconnues",
        now=T0,
    )
    assert granted.against_opposition
    regulation = authorize_consultation(
        session, patient.id, actor=acting(doctor), mode="centre_15", now=T0
    )
    assert (regulation.mode, regulation.reason) == (AccessMode.CENTRE_15, None)
    assert regulation.access() == Access.regulation_centre()
    records = _trace(session, AUDIT_CONSULTATION_ACCESS)
    assert [(r.access_mode, r.outcome) for r in records] == [
        ("bris_de_glace", "success"),
        ("centre_15", "success"),
    ]
    assert all("against_opposition" in (r.detail or "") for r in records)


def test_refusals_are_traced_and_survive_the_commit(session: Session) -> None:
    patient, doctor, _ = _world(session)
    session.commit()
    with pytest.raises(AccessNoticeRequiredError) as caught:
        authorize_consultation(session, patient.id, actor=acting(doctor), now=T0)
    assert "J'ai compris" in caught.value.message
    acknowledge_notice(session, doctor.id, now=T0)
    with pytest.raises(ConsentRefusedError):
        authorize_consultation(session, patient.id, actor=acting(doctor), now=T0)
    session.commit()  # what the caller does after catching a ConsentError
    session.expire_all()
    records = _trace(session, AUDIT_CONSULTATION_ACCESS)
    assert [(r.access_mode, r.outcome) for r in records] == [
        ("normal", "refused"),
        ("normal", "refused"),
    ]
    assert "notice_not_acknowledged" in (records[0].detail or "")
    assert "no_consent" in (records[1].detail or "")


def test_bad_inputs(session: Session) -> None:
    patient, doctor, _ = _world(session)
    other = Patient(
        local_id="IPP-C2",
        birth_family_name="Martin",
        birth_given_names="Paul",
        first_given_name="Paul",
        sex="M",
        birth_date=date(1990, 1, 1),
    )
    session.add(other)
    session.flush()
    elsewhere = CareEpisode(patient_id=other.id, practitioner_id=doctor.id, kind="consultation")
    session.add(elsewhere)
    session.flush()
    with pytest.raises(PracticeValidationError) as episode:
        record_consent(
            session,
            patient.id,
            episode_id=elsewhere.id,
            informed=True,
            actor=acting(doctor),
        )
    assert episode.value.field == "episode_id"
    with pytest.raises(PracticeValidationError) as feeding:
        record_consent(
            session,
            patient.id,
            informed=True,
            feeding="peut-être",  # type: ignore[arg-type]
            actor=acting(doctor),
        )
    assert feeding.value.field == "feeding"
    with pytest.raises(PracticeValidationError) as mode:
        authorize_consultation(session, patient.id, actor=acting(doctor), mode="urgence")
    assert mode.value.field == "mode"
    with pytest.raises(NotFoundError):
        consent_state(session, 999_999)
    with pytest.raises(NotFoundError):
        record_consent(session, 999_999, informed=True, actor=acting(doctor))
    assert _trace(session, AUDIT_CONSENT_DECISION) == []
    assert _trace(session, AUDIT_CONSULTATION_ACCESS) == []


def test_refusal_traced_in_its_own_transaction_survives_a_rollback(
    session: Session, engine: Engine
) -> None:
    patient, doctor, _ = _world(session)
    acknowledge_notice(session, doctor.id, now=T0)
    session.commit()
    with pytest.raises(ConsentRefusedError):
        authorize_consultation(
            session,
            patient.id,
            actor=acting(doctor),
            now=T0,
            refusal_sessions=session_factory(engine),
        )
    session.rollback()  # what a web request does with an error it does not handle
    records = _trace(session, AUDIT_CONSULTATION_ACCESS)
    assert [(r.access_mode, r.outcome) for r in records] == [("normal", "refused")]
    assert "no_consent" in (records[0].detail or "")
