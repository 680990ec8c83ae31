"""The professional's access to a patient's DMP: the authorisation (TD0.3) and break-glass.

Two explicit actions of the professional, never made on their own (issue 13 item 6):

* :func:`declare_authorization` — TD0.3 ``AJOUT``: the professional adds themself to
  the patient's authorised professionals, with the patient's consent. Only after an
  explicit user action (``dmp-exigences.md`` EX_0.3-1010: never self-declared
  systematically), so the function demands ``confirmed=True``, the interface's proof
  that the user ticked the box; the consent rules of
  :func:`~esante.practice.consent.authorize_consultation` apply (notice, consent).
* :func:`declare_emergency` — break-glass (``bris_de_glace``) or centre 15 access, with
  its mandatory reason: :func:`~esante.practice.consent.authorize_consultation` checks
  the role (a médecin or sage-femme signed in nominatively) and traces the reason; the
  access is then kept for :data:`EMERGENCY_DURATION` (``dmp_emergency_access``) so that
  every DMP call of the professional for this patient is made in that mode and the bar
  shows it for its whole duration (EX_0.2-1050, EX_0.3-1050). :func:`end_emergency`
  ends it early.

The DMP's own rights still apply on its side (an opposition to break-glass refuses the
read there: the sandbox refuses it too).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante import audit
from esante.dmp import Actor as DmpActor
from esante.dmp import AuthorizationUpdate
from esante.identity import Ins
from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.consent import authorize_consultation
from esante.practice.dmp_actor import actor_for
from esante.practice.dmp_counters import invalidate
from esante.practice.dmp_sender import DmpCredential
from esante.practice.errors import PracticeValidationError
from esante.store.base import utcnow
from esante.store.models import DmpEmergencyAccess, Patient, Practitioner, Structure
from esante.store.repositories import PatientRepository
from esante.trust import AccessMode

__all__ = [
    "EMERGENCY_DURATION",
    "EMERGENCY_MODES",
    "TRACE_AUTHORIZATION",
    "active_emergency",
    "declare_authorization",
    "declare_emergency",
    "dmp_actor_of",
    "end_emergency",
]

EMERGENCY_DURATION: Final = timedelta(hours=2)
"""How long a declared break-glass access lasts: the emergency care at hand. The sources
say it must be shown "for its whole duration" without fixing one; esante's choice."""
EMERGENCY_MODES: Final = {
    AccessMode.BRIS_DE_GLACE: "accès en mode bris de glace",
    AccessMode.CENTRE_15: "accès en mode centre de régulation (centre 15)",
}
TRACE_AUTHORIZATION: Final = "TD0.3"


def dmp_actor_of(session: Session, actor: Actor, dmp: DmpCredential) -> DmpActor:
    """The DMP actor (VIHF subject) of the signed-in professional, authenticated directly
    (a CPS / e-CPS through Pro Santé Connect), acting for the structure of ``dmp``."""
    practitioner = session.get_one(Practitioner, actor.practitioner_id)
    structure = None if actor.structure_id is None else session.get(Structure, actor.structure_id)
    return actor_for(
        practitioner,
        structure,
        structure_id=dmp.structure_id,
        structure_name=dmp.structure_name,
        authentication_mode="directe",
    )


def active_emergency(
    session: Session, practitioner_id: int, patient_id: int, *, now: datetime | None = None
) -> DmpEmergencyAccess | None:
    """The break-glass / centre 15 access of the professional to the patient still running."""
    at = now or utcnow()
    return session.scalar(
        select(DmpEmergencyAccess)
        .where(
            DmpEmergencyAccess.practitioner_id == practitioner_id,
            DmpEmergencyAccess.patient_id == patient_id,
            DmpEmergencyAccess.started_at <= at,
            DmpEmergencyAccess.expires_at > at,
        )
        .order_by(DmpEmergencyAccess.expires_at.desc())
        .limit(1)
    )


def declare_emergency(
    session: Session,
    actor: Actor,
    patient_id: int,
    *,
    reason: str | None,
    mode: str = AccessMode.BRIS_DE_GLACE.value,
    now: datetime | None = None,
) -> DmpEmergencyAccess:
    """Open a break-glass (or centre 15) access for :data:`EMERGENCY_DURATION`.

    The reason is mandatory (French error naming ``reason``). The access policy and the
    trace are :func:`authorize_consultation`'s (refusals traced and committed); the
    caller commits the granted access. Raises PracticeValidationError for a mode other
    than ``bris_de_glace`` / ``centre_15``.
    """
    try:
        access_mode = AccessMode(mode)
    except ValueError:
        access_mode = AccessMode.NORMAL
    if access_mode not in EMERGENCY_MODES:
        raise PracticeValidationError(
            "Mode d'accès d'urgence inconnu : bris_de_glace ou centre_15.",
            detail=f"emergency mode {mode!r}",
            field="mode",
        )
    if reason is None or not reason.strip():
        raise PracticeValidationError(
            "Le motif de l'accès en urgence est obligatoire.",
            detail="break-glass without a reason",
            field="reason",
        )
    at = now or utcnow()
    grant = authorize_consultation(
        session, patient_id, actor=actor, mode=access_mode, reason=reason, now=at
    )
    row = DmpEmergencyAccess(
        practitioner_id=grant.practitioner_id,
        patient_id=grant.patient_id,
        mode=access_mode.value,
        reason=grant.reason or reason.strip(),
        started_at=at,
        expires_at=at + EMERGENCY_DURATION,
    )
    session.add(row)
    session.flush()
    invalidate(patient_id)
    return row


def end_emergency(
    session: Session, actor: Actor, patient_id: int, *, now: datetime | None = None
) -> bool:
    """End the professional's running emergency access to the patient now (traced).
    False when none was running. The caller commits."""
    if actor.practitioner_id is None:
        return False
    at = now or utcnow()
    running = active_emergency(session, actor.practitioner_id, patient_id, now=at)
    if running is None:
        return False
    running.expires_at = at
    patient = PatientRepository(session).get(patient_id)
    trace.record(session, actor, "dmp:emergency_end", [patient], detail=running.mode)
    invalidate(patient_id)
    return True


def declare_authorization(
    session: Session,
    actor: Actor,
    patient_id: int,
    *,
    dmp: DmpCredential,
    confirmed: bool,
    ins: Ins,
) -> AuthorizationUpdate:
    """TD0.3: add the signed-in professional to the patient's authorised professionals.

    ``confirmed`` must be True: the user's explicit action (EX_0.3-1010). The consent
    rules are checked first (:func:`authorize_consultation`, normal mode: the patient
    consented); the DMP call is traced (channel ``dmp``, action ``TD0.3``) with its
    outcome, committed whatever happens. Raises the DMP client's errors (French).
    """
    if not confirmed:
        raise PracticeValidationError(
            "Confirmez que le patient autorise votre accès à son DMP avant de le déclarer.",
            detail="TD0.3 requires an explicit user action (EX_0.3-1010)",
            field="confirmed",
        )
    grant = authorize_consultation(session, patient_id, actor=actor)
    patient = session.get_one(Patient, patient_id)
    event = _authorization_event(session, actor, patient, grant.reason)
    try:
        answer = dmp.client.set_authorization(
            ins, actor=dmp_actor_of(session, actor, dmp), grant=True
        )
    except Exception:
        audit.append(session, replace(event, outcome="failure"))
        session.commit()
        raise
    audit.append(session, event)
    invalidate(patient_id)
    return answer


def _authorization_event(
    session: Session, actor: Actor, patient: Patient, reason: str | None
) -> audit.AuditEvent:
    who = trace.who(session, actor)
    return audit.AuditEvent(
        channel="dmp",
        action=TRACE_AUTHORIZATION,
        outcome="success",
        actor_id=who["actor_id"],
        actor_name=who["actor_name"],
        actor_role=who["actor_role"],
        structure_id=who["structure_id"],
        patient_ins=trace.patient_ins(patient),
        access_mode=AccessMode.NORMAL.value,
        reason=reason,
        detail=f"{audit.local_id_note(patient.local_id)}; ajout",
        origin=who["origin"],
    )
