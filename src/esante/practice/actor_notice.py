"""The DMP access notice of the signed-in professional (SC.DMP/CONF.21), never another's.

:mod:`esante.practice.notice` keeps the notice per practitioner. Who reads or
acknowledges it through an interface is the authenticated actor: the acknowledgement
says "I, the professional signed in, have read it" — recording it for a practitioner a
request names would let anyone unlock another professional's DMP consultations (the
consultation refuses while the notice is due). So the practitioner is the actor's own
row (:attr:`~esante.practice.actors.Actor.practitioner_id`); an actor without one (a
secretary, an API key, a professional unknown to the practice) has no notice to read or
acknowledge (403), and naming another practitioner is refused the same way (403, the
same answer whether that practitioner exists or not).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from esante.practice.access import AccessDeniedError
from esante.practice.actors import Actor
from esante.practice.notice import acknowledge_notice
from esante.store.models import AccessNoticeAcknowledgement

__all__ = ["acknowledge_own_notice", "own_practitioner"]


def own_practitioner(actor: Actor, practitioner_id: int | None = None) -> int:
    """The practitioner whose notice ``actor`` may read or acknowledge: its own.

    ``practitioner_id`` (a path's) must be the actor's own when given. Raises
    :class:`AccessDeniedError` (in French) otherwise, or when the actor is not a
    professional of the practice.
    """
    if actor.practitioner_id is None:
        raise AccessDeniedError(
            "L'avertissement d'accès au DMP concerne les professionnels enregistrés dans "
            "ce cabinet, connectés en leur nom.",
            detail=f"{actor.kind} actor {actor.actor_id!r} has no practitioner row",
        )
    if practitioner_id is not None and practitioner_id != actor.practitioner_id:
        raise AccessDeniedError(
            "Vous ne pouvez consulter ou valider que votre propre avertissement d'accès au DMP.",
            detail=f"practitioner {practitioner_id} is not the actor's ({actor.practitioner_id})",
            field="practitioner_id",
        )
    return actor.practitioner_id


def acknowledge_own_notice(
    session: Session,
    actor: Actor,
    practitioner_id: int | None = None,
    *,
    now: datetime | None = None,
) -> AccessNoticeAcknowledgement:
    """Record the signed-in professional's "J'ai compris" (traced by
    :func:`~esante.practice.notice.acknowledge_notice`). Raises AccessDeniedError as
    :func:`own_practitioner`. Nothing is committed."""
    return acknowledge_notice(session, own_practitioner(actor, practitioner_id), now, actor=actor)
