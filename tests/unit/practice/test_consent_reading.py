"""A consent read by a person is checked and traced; the DMP access notice read or
acknowledged is the actor's own — on SQLite and PostgreSQL (issue 12 items 4 and 6).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from esante.practice.access import AccessDeniedError
from esante.practice.actor_notice import acknowledge_own_notice, own_practitioner
from esante.practice.actors import ROLE_APIKEY, ROLE_SECRETAIRE, Actor
from esante.practice.consent import record_consent
from esante.practice.consent_reading import read_consent
from esante.practice.notice import notice_due
from esante.store import AuditRecord, NotFoundError, Patient, Practitioner, Structure
from tests.unit.practice.acting import acting

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _world(session: Session) -> tuple[Patient, Practitioner, Practitioner]:
    structure = Structure(name="MSP des Tilleuls", id_nat_struct="1690781810")
    doctor = Practitioner(
        rpps="10000000009",
        family_name="Carré",
        given_name="Hervé",
        profession_code="10",
        structure=structure,
    )
    midwife = Practitioner(
        rpps="10000000017",
        family_name="Roux",
        given_name="Anne",
        profession_code="50",
        structure=structure,
    )
    patient = Patient(
        local_id="IPP-R1",
        birth_family_name="Lefèvre",
        birth_given_names="Hélène",
        first_given_name="Hélène",
        sex="F",
        birth_date=date(1981, 4, 12),
    )
    session.add_all([structure, doctor, midwife, patient])
    session.commit()
    return patient, doctor, midwife


def _head(session: Session) -> int:
    return int(session.scalar(select(func.max(AuditRecord.sequence))) or 0)


def _since(session: Session, after: int) -> list[AuditRecord]:
    return list(
        session.scalars(
            select(AuditRecord).where(AuditRecord.sequence > after).order_by(AuditRecord.sequence)
        )
    )


def test_a_consent_read_is_traced_with_who_reads(session: Session) -> None:
    patient, doctor, _ = _world(session)
    actor = acting(doctor)
    record_consent(session, patient.id, informed=True, consultation_consent=True, actor=actor)
    session.commit()
    before = _head(session)
    read = read_consent(session, patient.id, actor=actor)
    session.commit()
    assert read.state.consultation_allowed is True
    assert [h.decision_id for h in read.history] == [read.state.decision_id]
    [traced] = _since(session, before)
    assert (traced.channel, traced.action, traced.outcome) == ("dossier", "consent:read", "success")
    assert (traced.actor_id, traced.actor_role, traced.origin) == (doctor.id_nat_ps, "10", "test")
    assert traced.structure_id == "1690781810"
    assert traced.detail == "ipp=IPP-R1"
    # a secretary of the structure reads it too (the secretariat must know an opposition)
    secretary = Actor(
        kind="local",
        actor_id="u-1",
        name="Accueil",
        role=ROLE_SECRETAIRE,
        structure_id=doctor.structure_id,
        origin="test",
    )
    assert read_consent(session, patient.id, actor=secretary).state.informed is True


def test_a_refused_consent_read_is_traced_and_an_unknown_patient_is_not_found(
    session: Session,
) -> None:
    patient, doctor, _ = _world(session)
    key = Actor(
        kind="apikey",
        actor_id="apikey:esk_ab12",
        name="Agenda en ligne",
        role=ROLE_APIKEY,
        structure_id=doctor.structure_id,
        scopes=frozenset({"documents:read"}),
        origin="198.51.100.7",
    )
    before = _head(session)
    with pytest.raises(AccessDeniedError) as refused:
        read_consent(session, patient.id, actor=key)
    session.rollback()
    assert refused.value.message == "Votre rôle ne permet pas de consulter le consentement."
    [traced] = _since(session, before)  # committed with the refusal
    assert (traced.action, traced.outcome, traced.actor_id) == (
        "consent:read",
        "refused",
        "apikey:esk_ab12",
    )
    with pytest.raises(NotFoundError):
        read_consent(session, 9999, actor=acting(doctor))


def test_the_notice_is_the_actors_own(session: Session) -> None:
    _, doctor, midwife = _world(session)
    actor = acting(doctor)
    assert own_practitioner(actor) == doctor.id
    assert own_practitioner(actor, doctor.id) == doctor.id
    with pytest.raises(AccessDeniedError) as other:
        acknowledge_own_notice(session, actor, midwife.id)
    assert other.value.field == "practitioner_id"
    with pytest.raises(AccessDeniedError):
        own_practitioner(replace(actor, practitioner_id=None))
    acknowledge_own_notice(session, actor, now=NOW)
    session.commit()
    assert notice_due(session, doctor.id, NOW) is False
    assert notice_due(session, midwife.id, NOW) is True
    [traced] = session.scalars(
        select(AuditRecord).where(AuditRecord.action == "access_notice_acknowledged")
    ).all()
    assert traced.actor_id == doctor.id_nat_ps
