"""``/api/outbox``: the send orders, their history, and what the user may do with them.

During the deferral window an automatic send can be blocked or cancelled; a blocked one
released; a scheduled one sent at once; a failed one retried. Each action checks the
order's state (409 with the French reason when it does not apply) and is kept in the
order's history with who did it and why.

Who acts is the authenticated actor (:data:`~esante.web.auth.deps.ActorDep`), never a
request body: a ``by`` still sent by older clients is accepted and ignored. Who may do
what (403 otherwise: another structure's order, a secretary releasing or cancelling a
send, a DMP deletion outside the DMP-feeding professions) and the trace of every list
page, read and action live in :mod:`esante.practice.orders`. Thin: parse, call
``practice``, commit (the trace with what it traces), shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from esante.outbox import STATE_LABELS
from esante.practice import orders
from esante.store import SendOrder
from esante.web.api.deps import SessionDep
from esante.web.api.schemas.common import INVALID, NOT_FOUND, ErrorPublic, RecordId
from esante.web.api.schemas.outbox import (
    OrderActionIn,
    OrderActorIn,
    OrderDetailPublic,
    OrderKind,
    OrderPublic,
    OrderState,
    OutboxPublic,
)
from esante.web.auth.deps import ActorDep

router = APIRouter(prefix="/api/outbox", tags=["envois (outbox)"], responses=INVALID)

MAX_ORDERS = 500

WRONG_STATE: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "Action impossible dans l'état actuel de l'envoi"},
}
REFUSED: dict[int | str, dict[str, Any]] = {
    403: {
        "model": ErrorPublic,
        "description": "Envoi d'une autre structure, ou action que votre rôle ne permet pas "
        "(refus tracé)",
    },
}
ACTION_ANSWERS = {**NOT_FOUND, **REFUSED, **WRONG_STATE}


@router.get(
    "",
    response_model=OutboxPublic,
    summary="Lister les envois",
    description=(
        "Les ordres d'envoi de votre structure, du plus récent au plus ancien, filtrés par "
        "état (plusieurs possibles : ?state=blocked&state=failed), patient, document ou "
        "nature ; avec le nombre d'envois de chaque état. La consultation est tracée."
    ),
    response_description="Les envois et les compteurs par état",
    responses=REFUSED,
)
def outbox(
    session: SessionDep,
    actor: ActorDep,
    state: Annotated[list[OrderState] | None, Query(description="État(s)")] = None,
    patient_id: Annotated[RecordId | None, Query(description="Patient")] = None,
    document_id: Annotated[RecordId | None, Query(description="Document")] = None,
    kind: Annotated[OrderKind | None, Query(description="Nature de l'envoi")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ORDERS, description="Nombre maximal")] = 100,
) -> OutboxPublic:
    page = orders.list_orders(
        session,
        actor=actor,
        states=state or (),
        patient_id=patient_id,
        document_id=document_id,
        kind=kind,
        limit=limit,
    )
    session.commit()  # the trace of the page
    return OutboxPublic(
        items=[OrderPublic.of(o) for o in page.items],
        counts=page.counts,
        state_labels=dict(STATE_LABELS),
    )


@router.get(
    "/{order_id}",
    response_model=OrderDetailPublic,
    summary="Lire un envoi",
    description=(
        "L'ordre d'envoi et son historique : chaque changement d'état, qui, pourquoi. "
        "La consultation est tracée."
    ),
    response_description="L'envoi et son historique",
    responses={**NOT_FOUND, **REFUSED},
)
def read(order_id: RecordId, session: SessionDep, actor: ActorDep) -> OrderDetailPublic:
    order = orders.read_order(session, order_id, actor=actor)
    session.commit()  # the trace of the read
    return OrderDetailPublic.detail(order)


def _answer(session: Session, order: SendOrder) -> OrderDetailPublic:
    """Commit the action and its trace, then answer with the order as stored (state and
    history)."""
    session.commit()
    return OrderDetailPublic.detail(order)


@router.post(
    "/{order_id}/block",
    response_model=OrderDetailPublic,
    summary="Bloquer un envoi",
    description=(
        "Retient l'envoi (programmé ou à envoyer) : il ne partira pas tant qu'il n'est pas "
        "débloqué. Motif facultatif, gardé dans l'historique avec votre identifiant. "
        "Permis au secrétariat (le blocage n'envoie rien et se défait)."
    ),
    response_description="L'envoi bloqué",
    responses=ACTION_ANSWERS,
)
def block_order(
    order_id: RecordId, session: SessionDep, actor: ActorDep, body: OrderActionIn | None = None
) -> OrderDetailPublic:
    action = body or OrderActionIn()
    return _answer(
        session, orders.block_order(session, order_id, actor=actor, reason=action.reason)
    )


@router.post(
    "/{order_id}/unblock",
    response_model=OrderDetailPublic,
    summary="Débloquer un envoi",
    description=(
        "Libère un envoi bloqué : il part à la fin de son délai de réflexion, ou aussitôt "
        "si le délai est écoulé. Réservé aux professionnels de santé."
    ),
    response_description="L'envoi débloqué",
    responses=ACTION_ANSWERS,
)
def unblock_order(
    order_id: RecordId, session: SessionDep, actor: ActorDep, body: OrderActorIn | None = None
) -> OrderDetailPublic:
    return _answer(session, orders.unblock_order(session, order_id, actor=actor))


@router.post(
    "/{order_id}/cancel",
    response_model=OrderDetailPublic,
    summary="Annuler un envoi",
    description=(
        "Annule l'envoi définitivement (pas s'il est en cours d'envoi ou déjà envoyé). "
        "Motif facultatif, gardé dans l'historique. Réservé aux professionnels de santé."
    ),
    response_description="L'envoi annulé",
    responses=ACTION_ANSWERS,
)
def cancel_order(
    order_id: RecordId, session: SessionDep, actor: ActorDep, body: OrderActionIn | None = None
) -> OrderDetailPublic:
    action = body or OrderActionIn()
    return _answer(
        session, orders.cancel_order(session, order_id, actor=actor, reason=action.reason)
    )


@router.post(
    "/{order_id}/send-now",
    response_model=OrderDetailPublic,
    summary="Envoyer maintenant",
    description=(
        "Met fin au délai de réflexion : le prochain worker libre envoie le document. "
        "Réservé aux professionnels de santé."
    ),
    response_description="L'envoi, à envoyer",
    responses=ACTION_ANSWERS,
)
def send_order_now(
    order_id: RecordId, session: SessionDep, actor: ActorDep, body: OrderActorIn | None = None
) -> OrderDetailPublic:
    return _answer(session, orders.send_order_now(session, order_id, actor=actor))


@router.post(
    "/{order_id}/retry",
    response_model=OrderDetailPublic,
    summary="Relancer un envoi en échec",
    description=(
        "Après correction de la cause, l'envoi en échec est retenté aussitôt. Réservé aux "
        "professionnels de santé."
    ),
    response_description="L'envoi, à envoyer",
    responses=ACTION_ANSWERS,
)
def retry_order(
    order_id: RecordId, session: SessionDep, actor: ActorDep, body: OrderActorIn | None = None
) -> OrderDetailPublic:
    return _answer(session, orders.retry_order(session, order_id, actor=actor))
