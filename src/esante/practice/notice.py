"""The DMP access notice every professional acknowledges once every 180 days (SC.DMP/CONF.21).

Why: the software searches the DMP / Mon espace santé on the user's behalf (the counters
shown when a patient is opened) and every such interaction is traced under the user's
national identifier and notified to the patient. The Ségur requirement is that the user
is told so at least every 180 days and answers with a "J'ai compris" button whose text
reminds them that consulting a DMP without the patient's consent exposes them to
prosecution. The texts below are the mandated ones, word for word.

An acknowledgement counts only for the notice version it was given to: changing
:data:`NOTICE_VERSION` (because the text changed) makes the notice due again for everyone.
:func:`esante.practice.consent.authorize_consultation` refuses any DMP consultation while
the notice is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante import audit
from esante.practice.actors import Actor
from esante.practice.trace import who
from esante.store.base import utcnow
from esante.store.models import AccessNoticeAcknowledgement, Practitioner
from esante.store.repositories import PractitionerRepository

NOTICE_TEXT: Final = (
    "Le logiciel peut effectuer des requêtes de recherche de document au nom de "
    "l'utilisateur sur les DMP/MES et permet d'en consulter, sur action manuelle, les "
    "documents d'intérêt. Ces interactions sont tracées avec l'identifiant national de "
    "l'utilisateur et le patient est notifié de ces interactions."
)
"""The notice shown to the professional (SC.DMP/CONF.21, mandated text)."""

NOTICE_BUTTON_TEXT: Final = (
    "J'ai compris. Toute consultation de ma part d'un DMP/MES pour lequel le patient "
    "(ou son représentant légal) n'a pas donné son consentement m'expose à des poursuites."
)
"""The text of the acknowledgement button (contains the mandated sentence)."""

NOTICE_VERSION: Final = "CONF.21-v1"
"""Version of the texts above; acknowledgements of another version do not count."""

NOTICE_PERIOD: Final = timedelta(days=180)
"""How long an acknowledgement lasts before the notice is shown again."""

AUDIT_NOTICE_ACKNOWLEDGED: Final = "access_notice_acknowledged"
"""Trace action of an acknowledgement (channel ``consent``)."""


def last_acknowledgement(session: Session, practitioner_id: int) -> datetime | None:
    """When the professional last acknowledged the current notice version, if ever."""
    row = session.scalar(
        select(AccessNoticeAcknowledgement)
        .where(
            AccessNoticeAcknowledgement.practitioner_id == practitioner_id,
            AccessNoticeAcknowledgement.notice_version == NOTICE_VERSION,
        )
        .order_by(AccessNoticeAcknowledgement.at.desc(), AccessNoticeAcknowledgement.id.desc())
        .limit(1)
    )
    return None if row is None else row.at


def notice_due_at(session: Session, practitioner_id: int) -> datetime | None:
    """When the notice must next be shown; ``None`` when it never was acknowledged (due now)."""
    last = last_acknowledgement(session, practitioner_id)
    return None if last is None else last + NOTICE_PERIOD


def notice_due(session: Session, practitioner_id: int, now: datetime | None = None) -> bool:
    """True when the notice must be shown (and acknowledged) before any DMP consultation.

    Raises :class:`~esante.store.NotFoundError` for an unknown professional.
    """
    PractitionerRepository(session).get(practitioner_id)
    due_at = notice_due_at(session, practitioner_id)
    return due_at is None or (now or utcnow()) >= due_at


def acknowledge_notice(
    session: Session,
    practitioner_id: int,
    now: datetime | None = None,
    *,
    actor: Actor | None = None,
) -> AccessNoticeAcknowledgement:
    """Record the professional's "J'ai compris" to the current notice, and trace it.

    ``actor``: the signed-in professional acknowledging (an interface's caller), whose
    role, structure and origin the trace then keeps like every other access
    (:func:`esante.practice.trace.who`); without it (the library called directly) the
    trace names the practitioner from the local record. Raises
    :class:`~esante.store.NotFoundError` for an unknown professional. Nothing is
    committed: the caller owns the transaction.
    """
    practitioner = PractitionerRepository(session).get(practitioner_id)
    at = now or utcnow()
    acknowledgement = AccessNoticeAcknowledgement(
        practitioner_id=practitioner.id, at=at, notice_version=NOTICE_VERSION
    )
    session.add(acknowledgement)
    session.flush()
    if actor is not None:
        fields = who(session, actor)
    else:
        fields = {
            "actor_id": practitioner.id_nat_ps,
            "actor_name": actor_name(practitioner),
            "structure_id": structure_id(practitioner),
        }
    audit.append(
        session,
        audit.AuditEvent(
            channel="consent",
            action=AUDIT_NOTICE_ACKNOWLEDGED,
            outcome="success",
            detail=f"notice_version={NOTICE_VERSION}",
            at=at,
            **fields,
        ),
    )
    return acknowledgement


def actor_name(practitioner: Practitioner) -> str:
    """``Prénom Nom`` as the trace keeps it (the VIHF subject-id form)."""
    return f"{practitioner.given_name} {practitioner.family_name}".strip()


def structure_id(practitioner: Practitioner) -> str | None:
    """The idNat_Struct of the professional's structure, when they have one."""
    return None if practitioner.structure is None else practitioner.structure.id_nat_struct
