"""The access log: one row per call to the DMP, accepted or refused.

It is what Mon espace santé shows the patient ("qui a consulté mon dossier"): who, when,
which transaction, on which document, in which access mode, and how it ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.sandbox.dmp.matrix import Action
from esante.sandbox.dmp.models import DmpAccessLog
from esante.sandbox.dmp.records import AccessLogEntry, Outcome
from esante.sandbox.dmp.rights import Actor
from esante.trust.vocabulary import AccessMode, AuthenticationMode

_DETAIL_MAX = 500


@dataclass
class Call:
    """What one service call is about; filled in as the call learns more."""

    actor: Actor
    action: Action
    access_mode: AccessMode
    patient_ins: str
    document_unique_id: str | None = None
    access_reason: str | None = None


def _actor_name(actor: Actor) -> str | None:
    parts = [p for p in (actor.given_name, actor.family_name) if p]
    return " ".join(parts) or None


def write(
    session: Session,
    call: Call,
    at_time: datetime,
    outcome: Outcome,
    *,
    error_code: str | None = None,
    detail: str | None = None,
) -> None:
    """Add the log row of ``call`` to ``session`` (the caller commits)."""
    actor = call.actor
    session.add(
        DmpAccessLog(
            at=at_time,
            patient_ins=call.patient_ins[:64],
            transaction=call.action.transaction,
            action=call.action.value,
            actor_id=actor.id_nat_ps[:64],
            actor_name=_actor_name(actor),
            actor_profession=actor.profession,
            actor_specialty=actor.specialty,
            actor_structure_id=actor.structure_id,
            authentication_mode=actor.authentication_mode.value,
            access_mode=call.access_mode.value,
            access_reason=call.access_reason[:_DETAIL_MAX] if call.access_reason else None,
            document_unique_id=call.document_unique_id,
            outcome=outcome.value,
            error_code=error_code,
            detail=detail[:_DETAIL_MAX] if detail else None,
        )
    )


def read(session: Session, patient_ins: str, limit: int) -> tuple[AccessLogEntry, ...]:
    """The latest ``limit`` entries about ``patient_ins``, newest first."""
    rows = session.scalars(
        select(DmpAccessLog)
        .where(DmpAccessLog.patient_ins == patient_ins)
        .order_by(DmpAccessLog.at.desc(), DmpAccessLog.id.desc())
        .limit(limit)
    )
    return tuple(
        AccessLogEntry(
            at=r.at,
            transaction=r.transaction,
            action=r.action,
            actor_id=r.actor_id,
            authentication_mode=AuthenticationMode(r.authentication_mode),
            access_mode=AccessMode(r.access_mode),
            patient_ins=r.patient_ins,
            outcome=Outcome(r.outcome),
            actor_name=r.actor_name,
            actor_profession=r.actor_profession,
            actor_specialty=r.actor_specialty,
            actor_structure_id=r.actor_structure_id,
            document_unique_id=r.document_unique_id,
            error_code=r.error_code,
            detail=r.detail,
            access_reason=r.access_reason,
        )
        for r in rows
    )
