"""Access authorizations and blocked professionals on a patient's DMP (TD0.2, TD0.3, TD1.6).

A professional is authorized by their own row (``PS``) or through their structure's row
(``STRUCTURE``: an authorization given through a CPE, matrix footnote 1). A blocked
professional is ``INTERDITE`` whatever they were authorized for. An authorization with
an ``expires_at`` in the past is ``EXPIREE``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from esante.sandbox.dmp.codes import AuthorizationStatus
from esante.sandbox.dmp.models import SUBJECT_PS, SUBJECT_STRUCTURE, DmpAuthorization
from esante.sandbox.dmp.records import AuthorizationListMode, AuthorizationRecord
from esante.sandbox.dmp.rights import Actor


def _valid(row: DmpAuthorization, now: datetime) -> AuthorizationStatus | None:
    if not row.authorized:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return AuthorizationStatus.EXPIRED
    return AuthorizationStatus.VALID


def actor_status(
    session: Session, patient_id: int, actor: Actor, now: datetime
) -> AuthorizationStatus:
    """The authorization status of ``actor`` on the patient's DMP."""
    subjects = [
        and_(
            DmpAuthorization.subject_kind == SUBJECT_PS,
            DmpAuthorization.subject_id == actor.id_nat_ps,
        )
    ]
    if actor.structure_id:
        subjects.append(
            and_(
                DmpAuthorization.subject_kind == SUBJECT_STRUCTURE,
                DmpAuthorization.subject_id == actor.structure_id,
            )
        )
    rows = session.scalars(
        select(DmpAuthorization).where(DmpAuthorization.patient_id == patient_id, or_(*subjects))
    ).all()
    if any(r.blocked and r.subject_kind == SUBJECT_PS for r in rows):
        return AuthorizationStatus.FORBIDDEN
    statuses = {s for s in (_valid(r, now) for r in rows) if s is not None}
    if AuthorizationStatus.VALID in statuses:
        return AuthorizationStatus.VALID
    if AuthorizationStatus.EXPIRED in statuses:
        return AuthorizationStatus.EXPIRED
    return AuthorizationStatus.NONE


def find(session: Session, patient_id: int, kind: str, subject_id: str) -> DmpAuthorization | None:
    """The row of ``subject_id`` on the patient's DMP, if any."""
    return session.scalars(
        select(DmpAuthorization).where(
            DmpAuthorization.patient_id == patient_id,
            DmpAuthorization.subject_kind == kind,
            DmpAuthorization.subject_id == subject_id,
        )
    ).one_or_none()


def find_or_add(
    session: Session, patient_id: int, kind: str, subject_id: str, now: datetime
) -> DmpAuthorization:
    """The row of ``subject_id``, created (neither authorized nor blocked) when absent."""
    row = find(session, patient_id, kind, subject_id)
    if row is None:
        row = DmpAuthorization(
            patient_id=patient_id,
            subject_kind=kind,
            subject_id=subject_id,
            authorized=False,
            blocked=False,
            updated_at=now,
        )
        session.add(row)
    return row


def describe(row: DmpAuthorization, actor: Actor) -> None:
    """Record the professional's name and specialty on their row (for TD1.6)."""
    if row.subject_kind != SUBJECT_PS:
        return
    row.family_name = actor.family_name or row.family_name
    row.given_name = actor.given_name or row.given_name
    row.specialty = actor.specialty or row.specialty


def listing(
    session: Session, patient_id: int, mode: AuthorizationListMode
) -> tuple[AuthorizationRecord, ...]:
    """The authorized and/or blocked professionals and structures of a DMP (TD1.6)."""
    rows = session.scalars(
        select(DmpAuthorization)
        .where(DmpAuthorization.patient_id == patient_id)
        .order_by(DmpAuthorization.subject_kind, DmpAuthorization.subject_id)
    ).all()
    found = []
    for row in rows:
        row_mode = (
            AuthorizationListMode.FORBIDDEN
            if row.blocked
            else AuthorizationListMode.ACTIVE
            if row.authorized
            else None
        )
        if row_mode is None or mode not in (AuthorizationListMode.ALL, row_mode):
            continue
        found.append(
            AuthorizationRecord(
                subject_id=row.subject_id,
                subject_kind=row.subject_kind,
                mode=row_mode,
                family_name=row.family_name,
                given_name=row.given_name,
                specialty=row.specialty,
                granted_at=row.granted_at,
                expires_at=row.expires_at,
                last_action_at=row.updated_at,
            )
        )
    return tuple(found)
