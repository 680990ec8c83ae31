"""The child whose record is read or written, checked and traced like any patient data.

Every function of the child record starts here: the patient must exist, the actor must be
allowed (:func:`esante.practice.trace.check`, a refusal traced and committed), and the
access is traced in the caller's transaction (``patients:read`` / ``patients:write``:
the child record is part of the patient's record, issue 12 item 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from esante.outbox import DEFAULT_DEFERRAL
from esante.practice import trace
from esante.practice.access import Action
from esante.practice.actors import Actor
from esante.practice.documents import FeedAuth
from esante.practice.errors import PracticeValidationError
from esante.store import NotFoundError, Patient, Practitioner

if TYPE_CHECKING:
    from esante.cda.validate import Validator


@dataclass(frozen=True)
class SendOptions:
    """How "Valider" sends, as the service is configured (the same options as
    :func:`esante.practice.documents.validate_document`): the ANS kit checking the
    document, the deferral window, the DMP authentication mode, a test PMI address."""

    kit: Validator | None = None
    default_deferral: timedelta = DEFAULT_DEFERRAL
    deferral: timedelta | None = None
    feed_auth: FeedAuth = "indirecte"
    pmi_address: str | None = None


def child(session: Session, patient_id: int, actor: Actor, action: Action) -> Patient:
    """The patient ``patient_id``, ``actor`` allowed ``action`` on them, the access traced.

    Raises :class:`NotFoundError` (unknown patient) and AccessDeniedError (refusal traced).
    """
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError(
            f"Patient introuvable : {patient_id}.",
            detail=f"patient id={patient_id}",
            field="patient",
        )
    trace.check(session, actor, action, patient)
    trace.record(session, actor, action, [patient])
    return patient


def signed_in_professional(session: Session, actor: Actor) -> Practitioner:
    """The professional who signs the child's documents: the actor signed in, never a
    professional named by a request (a secretary or an API key cannot author an exam).
    """
    practitioner = (
        session.get(Practitioner, actor.practitioner_id)
        if actor.practitioner_id is not None
        else None
    )
    if practitioner is None or not actor.is_professional:
        raise PracticeValidationError(
            "Seul un professionnel de santé connecté peut établir ce document de l'enfant.",
            detail=f"actor {actor.actor_id} ({actor.role}) is not a signed-in professional",
            field="author",
        )
    return practitioner


DEFAULT_SEND = SendOptions()
"""No kit, the outbox's default deferral, indirect authentication, the catalogue's PMI."""
