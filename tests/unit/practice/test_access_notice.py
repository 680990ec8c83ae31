"""The 180-day DMP access notice (SC.DMP/CONF.21), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.practice.notice import (
    AUDIT_NOTICE_ACKNOWLEDGED,
    NOTICE_BUTTON_TEXT,
    NOTICE_PERIOD,
    NOTICE_TEXT,
    NOTICE_VERSION,
    acknowledge_notice,
    notice_due,
    notice_due_at,
)
from esante.store import AccessNoticeAcknowledgement, AuditRecord, NotFoundError, Practitioner

T0 = datetime(2025, 1, 6, 8, 30, tzinfo=UTC)


def _doctor(session: Session, rpps: str = "10000000009") -> Practitioner:
    doctor = Practitioner(rpps=rpps, family_name="Carré", given_name="Hervé", profession_code="10")
    session.add(doctor)
    session.flush()
    return doctor


def test_mandated_texts() -> None:
    assert NOTICE_TEXT == (
        "Le logiciel peut effectuer des requêtes de recherche de document au nom de "
        "l'utilisateur sur les DMP/MES et permet d'en consulter, sur action manuelle, les "
        "documents d'intérêt. Ces interactions sont tracées avec l'identifiant national de "
        "l'utilisateur et le patient est notifié de ces interactions."
    )
    assert (
        "Toute consultation de ma part d'un DMP/MES pour lequel le patient (ou son "
        "représentant légal) n'a pas donné son consentement m'expose à des poursuites."
    ) in NOTICE_BUTTON_TEXT
    assert NOTICE_BUTTON_TEXT.startswith("J'ai compris")
    assert timedelta(days=180) == NOTICE_PERIOD


def test_due_at_start_then_every_180_days(session: Session) -> None:
    doctor = _doctor(session)
    assert notice_due(session, doctor.id, T0)
    assert notice_due_at(session, doctor.id) is None
    acknowledgement = acknowledge_notice(session, doctor.id, now=T0)
    session.commit()
    assert (acknowledgement.notice_version, acknowledgement.at) == (NOTICE_VERSION, T0)
    assert not notice_due(session, doctor.id, T0)
    assert not notice_due(session, doctor.id, T0 + timedelta(days=179, hours=23))
    assert notice_due_at(session, doctor.id) == T0 + NOTICE_PERIOD
    assert notice_due(session, doctor.id, T0 + timedelta(days=180))
    acknowledge_notice(session, doctor.id, now=T0 + timedelta(days=181))
    assert not notice_due(session, doctor.id, T0 + timedelta(days=200))
    # each professional acknowledges for themself
    colleague = _doctor(session, rpps="10000000017")
    assert notice_due(session, colleague.id, T0 + timedelta(days=200))


def test_an_older_notice_version_does_not_count(session: Session) -> None:
    doctor = _doctor(session)
    session.add(AccessNoticeAcknowledgement(practitioner_id=doctor.id, at=T0, notice_version="v0"))
    session.flush()
    assert notice_due(session, doctor.id, T0 + timedelta(days=1))


def test_acknowledgement_is_traced(session: Session) -> None:
    doctor = _doctor(session)
    acknowledge_notice(session, doctor.id, now=T0)
    (record,) = session.scalars(
        select(AuditRecord).where(AuditRecord.action == AUDIT_NOTICE_ACKNOWLEDGED)
    )
    assert (record.channel, record.outcome, record.actor_id) == (
        "consent",
        "success",
        "810000000009",
    )
    assert record.patient_ins is None
    assert record.detail == f"notice_version={NOTICE_VERSION}"


def test_unknown_professional(session: Session) -> None:
    with pytest.raises(NotFoundError):
        notice_due(session, 4242, T0)
    with pytest.raises(NotFoundError):
        acknowledge_notice(session, 4242, now=T0)
