"""Send orders: creation in the caller's transaction, and what the user may do with them.

Why in the caller's transaction: the order is the promise that the document will reach
the DMP (or a mailbox). If the document is committed, so is its order; if the process
dies right after the commit, the order is on disk and a worker will take it. Nothing
here commits.

The user's actions (block, unblock, cancel, send now, retry) each check the order's state
and leave a :class:`~esante.store.SendOrderEvent` saying who did what and why, so that the
order's history answers "why was this never sent?".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from esante.outbox.errors import OrderStateError, OutboxError
from esante.store import NotFoundError, SendOrder, SendOrderEvent, utcnow

DEFAULT_DEFERRAL = timedelta(minutes=10)
"""The deferral window during which the clinician may block or cancel an automatic send."""

ACTIVE_STATES = ("scheduled", "due", "in_flight")
FINAL_STATES = ("sent", "cancelled", "failed")

STATE_LABELS = {
    "scheduled": "programmé",
    "due": "à envoyer",
    "in_flight": "en cours d'envoi",
    "sent": "envoyé",
    "blocked": "bloqué",
    "cancelled": "annulé",
    "failed": "en échec",
}
"""French labels of the order states, as the console and the CLI show them."""

KIND_LABELS = {
    "dmp_submit": "Alimentation du DMP",
    "dmp_delete": "Suppression dans le DMP",
    "mss_send": "Envoi MSSanté",
}


@dataclass(frozen=True)
class NewOrder:
    """What to send, for whom, with which credential (see :class:`~esante.store.SendOrder`).

    ``deferral`` overrides the default window (``timedelta(0)``: due at once);
    ``blocked_reason`` creates the order blocked (opposition, INS not qualified...), so
    that the document shows why it was not sent and the order can be released later.
    """

    kind: str
    idempotency_key: str
    patient_id: int
    credential: str
    authentication_mode: str
    document_id: int | None = None
    practitioner_id: int | None = None
    structure_id: int | None = None
    episode_id: int | None = None
    after_order_id: int | None = None
    recipient: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    historical: bool = False
    deferral: timedelta | None = None
    blocked_reason: str | None = None
    created_by_id: int | None = None


def create_order(
    session: Session,
    new: NewOrder,
    *,
    default_deferral: timedelta = DEFAULT_DEFERRAL,
    by: str | None = None,
    now: datetime | None = None,
) -> SendOrder:
    """Add the order (and its first event) to the session; return it (flushed).

    Raises :class:`OutboxError` when an order with the same idempotency key exists: the
    same document is never queued twice for the same destination.
    """
    now = now or utcnow()
    deferral = default_deferral if new.deferral is None else new.deferral
    if deferral < timedelta(0):
        raise OutboxError(
            "Le délai avant envoi ne peut pas être négatif.",
            detail=f"deferral={deferral}",
            field="deferral",
        )
    until = now + deferral
    if new.blocked_reason:
        state = "blocked"
    elif deferral > timedelta(0):
        state = "scheduled"
    else:
        state = "due"
    order = SendOrder(
        kind=new.kind,
        idempotency_key=new.idempotency_key,
        document_id=new.document_id,
        patient_id=new.patient_id,
        practitioner_id=new.practitioner_id,
        structure_id=new.structure_id,
        episode_id=new.episode_id,
        after_order_id=new.after_order_id,
        state=state,
        state_reason=new.blocked_reason,
        authentication_mode=new.authentication_mode,
        credential=new.credential,
        recipient=new.recipient,
        parameters=json.dumps(new.parameters, ensure_ascii=False) if new.parameters else None,
        historical=new.historical,
        deferral_until=until,
        available_at=until,
        attempts=0,
        created_by_id=new.created_by_id,
        created_at=now,
        updated_at=now,
    )
    order.events.append(
        SendOrderEvent(at=now, from_state=None, to_state=state, by=by, reason=new.blocked_reason)
    )
    try:
        with session.begin_nested():
            session.add(order)
            session.flush()
    except IntegrityError as exc:
        raise OutboxError(
            "Cet envoi est déjà programmé.",
            detail=f"idempotency key {new.idempotency_key!r} already used",
            field="idempotency_key",
        ) from exc
    return order


def get_order(session: Session, order_id: int) -> SendOrder:
    """The order ``order_id``; raises :class:`~esante.store.NotFoundError`."""
    order = session.get(SendOrder, order_id)
    if order is None:
        raise NotFoundError(
            f"Ordre d'envoi introuvable : {order_id}.",
            detail=f"send_order id={order_id}",
            field="order_id",
        )
    return order


def list_orders(
    session: Session,
    *,
    states: Sequence[str] = (),
    patient_id: int | None = None,
    document_id: int | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> list[SendOrder]:
    """Orders, newest first, filtered by state(s), patient, document or kind."""
    query = select(SendOrder).order_by(SendOrder.id.desc()).limit(limit)
    if states:
        query = query.where(SendOrder.state.in_(states))
    if patient_id is not None:
        query = query.where(SendOrder.patient_id == patient_id)
    if document_id is not None:
        query = query.where(SendOrder.document_id == document_id)
    if kind is not None:
        query = query.where(SendOrder.kind == kind)
    return list(session.scalars(query))


def count_by_state(session: Session) -> dict[str, int]:
    """How many orders are in each state (for the console and ``esante outbox list``)."""
    from sqlalchemy import func

    rows = session.execute(select(SendOrder.state, func.count()).group_by(SendOrder.state))
    return {state: int(n) for state, n in rows}


# --------------------------------------------------------------------------- user actions


def _de(verb: str) -> str:
    """French elision: « d'annuler », « de bloquer »."""
    return f"d'{verb}" if verb[:1] in "aeéiouy" else f"de {verb}"


def _transition(
    session: Session,
    order_id: int,
    allowed_from: Sequence[str],
    to_state: str,
    *,
    action: str,
    by: str | None,
    reason: str | None,
    now: datetime,
    values: dict[str, Any] | None = None,
) -> SendOrder:
    """Move the order to ``to_state`` if it is in one of ``allowed_from``.

    The update is conditional on the state read (compare-and-set), so a worker claiming
    the order at the same moment cannot be overtaken: one of the two wins, the other
    sees the new state.
    """
    order = get_order(session, order_id)
    current = order.state
    if current not in allowed_from:
        raise OrderStateError(
            f"Impossible {_de(action)} cet envoi : il est {STATE_LABELS.get(current, current)}.",
            detail=f"order {order_id}: {action} needs state in {tuple(allowed_from)}, "
            f"is {current!r}",
            field="state",
        )
    changes: dict[str, Any] = {"state": to_state, "state_reason": reason, "updated_at": now}
    changes.update(values or {})
    done = session.execute(
        update(SendOrder)
        .where(SendOrder.id == order_id, SendOrder.state == current)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(order)
        raise OrderStateError(
            f"Impossible {_de(action)} cet envoi : son état vient de changer.",
            detail=f"order {order_id} left state {current!r} concurrently",
            field="state",
        )
    session.add(
        SendOrderEvent(
            order_id=order_id, at=now, from_state=current, to_state=to_state, by=by, reason=reason
        )
    )
    session.flush()
    session.expire(order)
    return order


def block(
    session: Session,
    order_id: int,
    *,
    by: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> SendOrder:
    """Hold the order: it will not be sent until unblocked (scheduled or due only)."""
    return _transition(
        session,
        order_id,
        ("scheduled", "due"),
        "blocked",
        action="bloquer",
        by=by,
        reason=reason or "Bloqué par l'utilisateur.",
        now=now or utcnow(),
    )


def unblock(
    session: Session, order_id: int, *, by: str | None = None, now: datetime | None = None
) -> SendOrder:
    """Release a blocked order: it leaves at the end of its deferral window (or at once
    when the window is over)."""
    now = now or utcnow()
    order = get_order(session, order_id)
    until = max(order.deferral_until, now)
    return _transition(
        session,
        order_id,
        ("blocked",),
        "scheduled" if until > now else "due",
        action="débloquer",
        by=by,
        reason="Débloqué par l'utilisateur.",
        now=now,
        values={"available_at": until},
    )


def cancel(
    session: Session,
    order_id: int,
    *,
    by: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> SendOrder:
    """Cancel the order for good (not once it is being sent or sent)."""
    return _transition(
        session,
        order_id,
        ("scheduled", "due", "blocked", "failed"),
        "cancelled",
        action="annuler",
        by=by,
        reason=reason or "Annulé par l'utilisateur.",
        now=now or utcnow(),
    )


def send_now(
    session: Session, order_id: int, *, by: str | None = None, now: datetime | None = None
) -> SendOrder:
    """End the deferral window now: the next free worker sends the order."""
    now = now or utcnow()
    return _transition(
        session,
        order_id,
        ("scheduled", "due"),
        "due",
        action="envoyer maintenant",
        by=by,
        reason="Envoi immédiat demandé.",
        now=now,
        values={
            "available_at": now,
            "deferral_until": min(now, get_order(session, order_id).deferral_until),
        },
    )


def retry(
    session: Session, order_id: int, *, by: str | None = None, now: datetime | None = None
) -> SendOrder:
    """Try a failed order again (after the cause was fixed): due at once."""
    now = now or utcnow()
    return _transition(
        session,
        order_id,
        ("failed",),
        "due",
        action="relancer",
        by=by,
        reason="Nouvelle tentative demandée.",
        now=now,
        values={"available_at": now, "retry_since": None},
    )


ACKNOWLEDGEMENTS = ("processed", "error", "displayed", "deleted")
"""What a recipient's acknowledgement (RFC 8098 MDN) may say of a sent message."""

ACKNOWLEDGEMENT_LABELS = {
    "processed": "reçu et intégré par le destinataire",
    "error": "reçu, mais refusé par le logiciel du destinataire",
    "displayed": "lu par le destinataire",
    "deleted": "supprimé sans lecture par le destinataire",
}


def record_acknowledgement(
    session: Session,
    message_id: str,
    *,
    disposition: str,
    detail: str | None = None,
    by: str | None = None,
    at: datetime | None = None,
) -> SendOrder | None:
    """Note on the MSSanté order that sent ``message_id`` what its recipient acknowledged.

    ``disposition``: one of :data:`ACKNOWLEDGEMENTS`. Returns the order, or None when no
    order sent that Message-ID (an acknowledgement of a message sent by another
    software: ignored). A later acknowledgement replaces an earlier one only when it
    says more (read after processed), never the reverse.
    """
    if disposition not in ACKNOWLEDGEMENTS:
        raise OutboxError(
            "Accusé de réception illisible.",
            detail=f"disposition {disposition!r} not in {ACKNOWLEDGEMENTS}",
            field="disposition",
        )
    key = message_id.strip()
    if not key.startswith("<"):
        key = f"<{key}>"
    order = session.scalar(select(SendOrder).where(SendOrder.idempotency_key == f"mss:{key}"))
    if order is None:
        return None
    rank = {"processed": 1, "error": 1, "displayed": 2, "deleted": 2}
    if order.acknowledgement is not None and rank[order.acknowledgement] > rank[disposition]:
        return order
    at = at or utcnow()
    order.acknowledgement = disposition
    order.acknowledged_at = at
    label = ACKNOWLEDGEMENT_LABELS[disposition]
    session.add(
        SendOrderEvent(
            order_id=order.id,
            at=at,
            from_state=order.state,
            to_state=order.state,
            by=by,
            reason=f"Accusé de réception : {label}." + (f" {detail}" if detail else ""),
        )
    )
    session.flush()
    return order
