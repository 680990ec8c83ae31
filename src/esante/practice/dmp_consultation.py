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
from esante.errors import EsanteError
from esante.identity import Ins, check_ins
from esante.practice import trace
from esante.practice.actors import Actor, professional_actor
from esante.practice.consent import ConsultationAccess, authorize_consultation
from esante.practice.errors import ConsultationRefusedError, PracticeValidationError
from esante.practice.notice import actor_name, structure_id
from esante.store.errors import NotFoundError
from esante.store.models import Patient, Practitioner
from esante.store.repositories import PatientRepository, PractitionerRepository

__all__ = [
    "CONSULTATION_ACTIONS",
    "IDENTITY_NOT_QUALIFIED",
    "refuse_consultation",
    "require_qualified_ins",
    "Consultation",
    "consultation_event",
    "open_consultation",
    "record_consultation",
]

CONSULTATION_ACTIONS: Final = {
    "TD3.1": "Recherche de documents dans le DMP",
    "TD3.2": "Consultation d'un document du DMP",
    "import": "Import d'un document du DMP dans le dossier",
}
"""The DMP consultations traced here (trace action → French label)."""
IDENTITY_NOT_QUALIFIED: Final = (
    "L'identité de votre patient n'est pas qualifiée : qualifiez son INS avant de consulter "
    "son DMP."
)


def refuse_consultation(
    session: Session,
    actor: Actor,
    patient: Patient,
    message: str,
    *,
    condition: str,
    action: str | None,
    detail: str,
) -> ConsultationRefusedError:
    """Trace (and commit) the refusal of a DMP read for a DICA condition; the error to
    raise names the condition and the action that fixes it."""
    trace.record(
        session, actor, "dmp:consult", [patient], outcome="refused", detail=f"{condition}: {detail}"
    )
    session.commit()
    return ConsultationRefusedError(message, condition=condition, action=action, detail=detail)


def require_qualified_ins(session: Session, actor: Actor, patient: Patient) -> Ins:
    """The patient's INS when qualified (DICA "I"): an unqualified INS is never sent to
    the DMP. Refused: traced, committed, :class:`ConsultationRefusedError`."""
    if patient.identity_status == "QUAL" and patient.ins_matricule and patient.ins_oid:
        try:
            return check_ins(patient.ins_matricule, patient.ins_oid)
        except EsanteError:
            pass
    raise refuse_consultation(
        session,
        actor,
        patient,
        IDENTITY_NOT_QUALIFIED,
        condition="I",
        action="qualifier_ins",
        detail=f"identity status {patient.identity_status}",
    )


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
    require_qualified_ins(session, actor, patient)
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


def consultation_event(
    consultation: Consultation,
    *,
    action: str,
    outcome: str,
    document_unique_id: str | None = None,
    detail: str | None = None,
) -> audit.AuditEvent:
    """The trace event of a DMP call made under ``consultation`` (to append in the
    caller's transaction, e.g. with the document it imported)."""
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
    return audit.AuditEvent(
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
    )


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
    return audit.append_committed(
        sessions,
        consultation_event(
            consultation,
            action=action,
            outcome=outcome,
            document_unique_id=document_unique_id,
            detail=detail,
        ),
    )
