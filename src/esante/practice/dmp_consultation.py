"""A DMP consultation made outside the REST API (the CLI): the same rules, the same trace.

The REST API asks :func:`esante.practice.consent.authorize_consultation` before any DMP
search or retrieval; the CLI's ``esante dmp search`` / ``get`` go through this module,
which finds the patient and the professional in the practice database, asks the same
function (notice, consent, access mode — the rules live there, once), and after the DMP
call appends the consultation itself (channel ``dmp``, TD3.1 / TD3.2, its outcome) to
the access trace, naming the professional (``dmp-exigences.md`` EX_AIR-070/090: every
DMP request traced with user and structure).

A refusal is traced in a transaction of its own (it survives whatever the caller does)
and raised before anything is sent to the DMP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from sqlalchemy.orm import Session

from esante import audit
from esante.practice.actors import professional_actor
from esante.practice.consent import ConsultationAccess, authorize_consultation
from esante.practice.errors import PracticeValidationError
from esante.practice.notice import actor_name, structure_id
from esante.store.errors import NotFoundError
from esante.store.models import Patient, Practitioner
from esante.store.repositories import PatientRepository, PractitionerRepository

__all__ = [
    "CONSULTATION_ACTIONS",
    "Consultation",
    "open_consultation",
    "record_consultation",
]

CONSULTATION_ACTIONS: Final = {
    "TD3.1": "Recherche de documents dans le DMP",
    "TD3.2": "Consultation d'un document du DMP",
}
"""The DMP consultations traced here (trace action → French label)."""


@dataclass(frozen=True, slots=True)
class Consultation:
    """A granted consultation: who, for whom, under which access (for the VIHF)."""

    patient: Patient
    practitioner: Practitioner
    access: ConsultationAccess
    origin: str


def _practitioner(session: Session, professional: str) -> Practitioner:
    ident = "".join(professional.split())
    rpps = ident[1:] if len(ident) == 12 and ident.startswith("8") else ident
    found = PractitionerRepository(session).by_rpps(rpps) if rpps.isdigit() else None
    if found is None:
        raise NotFoundError(
            f"Professionnel « {ident} » inconnu de la base esante : la consultation du DMP "
            "est réservée aux professionnels enregistrés.",
            detail=f"no practitioner with RPPS {rpps!r}",
            field="--ps",
        )
    return found


def _patient(session: Session, matricule: str, oid: str | None) -> Patient:
    found = PatientRepository(session).by_ins(matricule.strip().upper(), oid)
    if found is None:
        raise NotFoundError(
            f"Aucun patient de la base esante ne porte l'INS {matricule.strip().upper()} : "
            "la consultation de son DMP n'est pas possible ici.",
            detail=f"no patient with INS {matricule!r} ({oid})",
            field="--ins",
        )
    return found


def open_consultation(
    session: Session,
    sessions: Callable[[], Session],
    *,
    ins: str,
    ins_oid: str | None,
    professional: str,
    mode: str,
    reason: str | None,
    origin: str = "cli",
) -> Consultation:
    """Ask the consent rules whether ``professional`` (RPPS or idNat_PS) may consult the
    DMP of the patient with INS ``ins``; commit the trace of the decision.

    Granted: the decision is traced and committed in ``session``. Refused: the refusal is
    traced in a transaction of its own (``sessions``) and the
    :class:`~esante.practice.errors.ConsentError` raised (French). Raises
    :class:`~esante.store.NotFoundError` for an unknown patient or professional.
    """
    if not origin or len(origin) > 64:
        raise PracticeValidationError(
            "Origine de la consultation invalide.", detail=f"origin {origin!r}", field="origin"
        )
    practitioner = _practitioner(session, professional)
    patient = _patient(session, ins, ins_oid)
    actor = replace(professional_actor(session, practitioner.id_nat_ps, None), origin=origin)
    access = authorize_consultation(
        session,
        patient.id,
        actor=actor,
        mode=mode,
        reason=reason,
        refusal_sessions=sessions,
    )
    session.commit()
    return Consultation(patient, practitioner, access, origin)


def record_consultation(
    sessions: Callable[[], Session],
    consultation: Consultation,
    *,
    action: str,
    outcome: str,
    document_unique_id: str | None = None,
    detail: str | None = None,
) -> audit.AuditEntry:
    """Trace the DMP call made under ``consultation`` (committed at once, whatever the
    outcome: a failed consultation is traced too)."""
    if action not in CONSULTATION_ACTIONS:
        raise PracticeValidationError(
            "Consultation du DMP inconnue.", detail=f"action {action!r}", field="action"
        )
    patient, practitioner = consultation.patient, consultation.practitioner
    ins = (
        f"{patient.ins_matricule}^^^&{patient.ins_oid}&ISO"
        if patient.ins_matricule and patient.ins_oid
        else patient.ins_matricule
    )
    note = f"ipp={patient.local_id}" + (f"; {detail}" if detail else "")
    return audit.append_committed(
        sessions,
        audit.AuditEvent(
            channel="dmp",
            action=action,
            outcome=outcome,
            actor_id=practitioner.id_nat_ps,
            actor_name=actor_name(practitioner),
            actor_role=practitioner.profession_code,  # the actor's role (professional_actor)
            structure_id=structure_id(practitioner),
            patient_ins=ins,
            document_unique_id=document_unique_id,
            access_mode=consultation.access.mode.value,
            reason=consultation.access.reason,
            detail=note,
            origin=consultation.origin,
        ),
    )
