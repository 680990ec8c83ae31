"""Reading a patient's say on the DMP, as the signed-in actor: checked and traced.

:func:`esante.practice.consent.consent_state` and :func:`~esante.practice.consent.consent_history`
answer the rules' own questions (the outbox before a submission, the access decision)
and trace nothing. An interface showing a patient's consent to a person (REST,
console, CLI) reads it here instead: the actor's role must allow ``consent:read``
(:mod:`esante.practice.access`) and the read is appended to the access trace (channel
:data:`~esante.practice.trace.RECORD_CHANNEL`, action ``consent:read``) — the consent is
part of the patient's record (issue 12 item 6; ``dmp-exigences.md`` EX_AIR-070/090).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.consent import ConsentState, consent_history, consent_state
from esante.store.repositories import PatientRepository

__all__ = ["ConsentRecord", "read_consent"]


@dataclass(frozen=True)
class ConsentRecord:
    """Where the patient stands, and every decision recorded, oldest first."""

    state: ConsentState
    history: list[ConsentState]


def read_consent(session: Session, patient_id: int, *, actor: Actor) -> ConsentRecord:
    """The patient's consent state and history, read by ``actor`` (``consent:read``
    checked — a refusal traced and committed —, the read traced in the caller's
    transaction). Raises :class:`~esante.store.NotFoundError` or
    :class:`~esante.practice.access.AccessDeniedError`."""
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "consent:read", patient)
    record = ConsentRecord(consent_state(session, patient.id), consent_history(session, patient.id))
    trace.record(session, actor, "consent:read", [patient])
    return record
