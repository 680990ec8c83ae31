"""``/api/outbox``: the send orders, their history, and what the user may do with them.

During the deferral window an automatic send can be blocked or cancelled; a blocked one
released; a scheduled one sent at once; a failed one retried. Each action checks the
order's state (409 with the French reason when it does not apply) and is kept in the
order's history with who did it and why. Thin: parse, call :mod:`esante.outbox`, commit,
shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from esante.outbox import (
    STATE_LABELS,
    block,
    cancel,
    count_by_state,
    get_order,
    list_orders,
    retry,
    send_now,
    unblock,
)
from esante.store.models import ORDER_STATES
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

router = APIRouter(prefix="/api/outbox", tags=["envois (outbox)"], responses=INVALID)

MAX_ORDERS = 500

WRONG_STATE: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "Action impossible dans l'état actuel de l'envoi"},
}
ACTION_ANSWERS = {**NOT_FOUND, **WRONG_STATE}


@router.get(
    "",
    response_model=OutboxPublic,
    summary="Lister les envois",
    description=(
        "Les ordres d'envoi, du plus récent au plus ancien, filtrés par état (plusieurs "
        "possibles : ?state=blocked&state=failed), patient, document ou nature ; avec le "
        "nombre d'envois de chaque état."
    ),
    response_description="Les envois et les compteurs par état",
)
def outbox(
    session: SessionDep,
    state: Annotated[list[OrderState] | None, Query(description="État(s)")] = None,
    patient_id: Annotated[RecordId | None, Query(description="Patient")] = None,
    document_id: Annotated[RecordId | None, Query(description="Document")] = None,
    kind: Annotated[OrderKind | None, Query(description="Nature de l'envoi")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ORDERS, description="Nombre maximal")] = 100,
) -> OutboxPublic:
    orders = list_orders(
        session,
        states=state or (),
        patient_id=patient_id,
        document_id=document_id,
        kind=kind,
        limit=limit,
    )
    counts = dict.fromkeys(ORDER_STATES, 0)
    counts.update(count_by_state(session))
    return OutboxPublic(
        items=[OrderPublic.of(o) for o in orders],
        counts=counts,
        state_labels=dict(STATE_LABELS),
    )


@router.get(
    "/{order_id}",
    response_model=OrderDetailPublic,
    summary="Lire un envoi",
    description="L'ordre d'envoi et son historique : chaque changement d'état, qui, pourquoi.",
    response_description="L'envoi et son historique",
    responses=NOT_FOUND,
)
def read(order_id: RecordId, session: SessionDep) -> OrderDetailPublic:
    return OrderDetailPublic.detail(get_order(session, order_id))


def _answer(session: Session, order_id: int) -> OrderDetailPublic:
    """Commit the action, then answer with the order as stored (state and history)."""
    session.commit()
    return OrderDetailPublic.detail(get_order(session, order_id))


@router.post(
    "/{order_id}/block",
    response_model=OrderDetailPublic,
    summary="Bloquer un envoi",
    description=(
        "Retient l'envoi (programmé ou à envoyer) : il ne partira pas tant qu'il n'est pas "
        "débloqué. Motif facultatif, gardé dans l'historique."
    ),
    response_description="L'envoi bloqué",
    responses=ACTION_ANSWERS,
)
def block_order(
    order_id: RecordId, session: SessionDep, body: OrderActionIn | None = None
) -> OrderDetailPublic:
    action = body or OrderActionIn()
    block(session, order_id, by=action.by, reason=action.reason)
    return _answer(session, order_id)


@router.post(
    "/{order_id}/unblock",
    response_model=OrderDetailPublic,
    summary="Débloquer un envoi",
    description=(
        "Libère un envoi bloqué : il part à la fin de son délai de réflexion, ou aussitôt "
        "si le délai est écoulé."
    ),
    response_description="L'envoi débloqué",
    responses=ACTION_ANSWERS,
)
def unblock_order(
    order_id: RecordId, session: SessionDep, body: OrderActorIn | None = None
) -> OrderDetailPublic:
    unblock(session, order_id, by=(body or OrderActorIn()).by)
    return _answer(session, order_id)


@router.post(
    "/{order_id}/cancel",
    response_model=OrderDetailPublic,
    summary="Annuler un envoi",
    description=(
        "Annule l'envoi définitivement (pas s'il est en cours d'envoi ou déjà envoyé). "
        "Motif facultatif, gardé dans l'historique."
    ),
    response_description="L'envoi annulé",
    responses=ACTION_ANSWERS,
)
def cancel_order(
    order_id: RecordId, session: SessionDep, body: OrderActionIn | None = None
) -> OrderDetailPublic:
    action = body or OrderActionIn()
    cancel(session, order_id, by=action.by, reason=action.reason)
    return _answer(session, order_id)


@router.post(
    "/{order_id}/send-now",
    response_model=OrderDetailPublic,
    summary="Envoyer maintenant",
    description="Met fin au délai de réflexion : le prochain worker libre envoie le document.",
    response_description="L'envoi, à envoyer",
    responses=ACTION_ANSWERS,
)
def send_order_now(
    order_id: RecordId, session: SessionDep, body: OrderActorIn | None = None
) -> OrderDetailPublic:
    send_now(session, order_id, by=(body or OrderActorIn()).by)
    return _answer(session, order_id)


@router.post(
    "/{order_id}/retry",
    response_model=OrderDetailPublic,
    summary="Relancer un envoi en échec",
    description="Après correction de la cause, l'envoi en échec est retenté aussitôt.",
    response_description="L'envoi, à envoyer",
    responses=ACTION_ANSWERS,
)
def retry_order(
    order_id: RecordId, session: SessionDep, body: OrderActorIn | None = None
) -> OrderDetailPublic:
    retry(session, order_id, by=(body or OrderActorIn()).by)
    return _answer(session, order_id)
