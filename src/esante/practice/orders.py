"""Send orders as the practice sees them: who may see or act on them, and the trace.

:mod:`esante.outbox` keeps the orders generic — states, history, compare-and-set
transitions — and knows nothing of who acts. Every interface (REST, console, CLI acting
on a database) reaches the orders through here, with the authenticated
:class:`~esante.practice.actors.Actor` (issue 12 items 4 and 6):

* **Structure** — an order made for a structure (``send_order.structure_id``, the
  author's) is that structure's: an actor of another structure neither lists nor
  reads nor acts on it (403, refusal traced). An order without a structure (made by an
  embedder for an author without one) belongs to the whole database's practice.
* **Role** — :mod:`esante.practice.access`: reading needs ``orders:read``; blocking
  ``orders:write`` (a hold: reversible, sends nothing, so the secretariat may);
  unblocking, sending now, retrying and cancelling need ``orders:decide`` (a health
  professional's decision), plus ``dmp:feed`` to make a DMP submission leave; any
  action on a deletion from the DMP (``dmp_delete``) needs ``dmp:delete``.
* **History** — the order's history names the actor's permanent identifier
  (``Actor.actor_id``: idNat_PS, local account id, ``apikey:<prefix>``), never a name a
  request carried.
* **Trace** — every list page, read and action appends to the hash-chained access trace
  (channel :data:`~esante.practice.trace.RECORD_CHANNEL`, actions ``orders:list``,
  ``orders:read``, ``orders:block``...): who, role, structure, patient, document, order,
  origin, outcome. A page of N orders is ONE append of N records. A refusal is traced
  and committed before the error (:func:`esante.practice.trace.check`).

``dmp-exigences.md`` EX_AIR-070/090: every access traced with user and structure.
Nothing is committed here except a refusal's trace: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from esante import audit, outbox
from esante.practice import trace
from esante.practice.access import AccessDeniedError, Action
from esante.practice.actors import Actor
from esante.store.models import ORDER_STATES, SendOrder

__all__ = [
    "ORDER_TRACE_ACTIONS",
    "OrderPage",
    "Verb",
    "block_order",
    "cancel_order",
    "list_orders",
    "read_order",
    "required_actions",
    "retry_order",
    "send_order_now",
    "unblock_order",
]

Verb = Literal["block", "unblock", "cancel", "send_now", "retry"]
"""What a user may do with an order (:mod:`esante.outbox.orders`)."""

ORDER_TRACE_ACTIONS: Final = {
    "orders:list": "Consultation de la liste des envois",
    "orders:read": "Consultation d'un envoi",
    "orders:block": "Blocage d'un envoi",
    "orders:unblock": "Déblocage d'un envoi",
    "orders:cancel": "Annulation d'un envoi",
    "orders:send_now": "Envoi immédiat demandé",
    "orders:retry": "Nouvelle tentative d'envoi demandée",
}
"""The trace actions written here, with their French labels (console, exports)."""

_RELEASES: Final = frozenset({"unblock", "send_now", "retry"})
"""Verbs that make an order leave (sooner)."""


@dataclass(frozen=True)
class OrderPage:
    """Orders matching the filters (newest first) and, over all the actor's orders,
    how many are in each state (every state present, zeros included)."""

    items: list[SendOrder]
    counts: dict[str, int]


def required_actions(order: SendOrder, verb: Verb) -> tuple[Action, ...]:
    """What the access policy must allow for ``verb`` on ``order`` (see module doc)."""
    needed: list[Action] = ["orders:write" if verb == "block" else "orders:decide"]
    if order.kind == "dmp_submit" and verb in _RELEASES:
        needed.append("dmp:feed")
    if order.kind == "dmp_delete":
        needed.append("dmp:delete")
    return tuple(needed)


def _visible(actor: Actor) -> ColumnElement[bool]:
    """The orders of the actor's structure, and those made for no structure."""
    return or_(SendOrder.structure_id == actor.structure_id, SendOrder.structure_id.is_(None))


def _structure(session: Session, actor: Actor) -> str | None:
    """The idNat_Struct the trace names for ``actor``."""
    return trace.who(session, actor)["structure_id"]


def _event(
    actor: Actor,
    structure: str | None,
    action: str,
    order: SendOrder | None,
    *,
    outcome: str = "success",
    detail: str | None = None,
    reason: str | None = None,
) -> audit.AuditEvent:
    notes = []
    if order is not None:
        notes += [f"ipp={order.patient.local_id}", f"order={order.id}", f"kind={order.kind}"]
    if detail:
        notes.append(detail)
    return audit.AuditEvent(
        channel=trace.RECORD_CHANNEL,
        action=action,
        outcome=outcome,
        actor_id=actor.actor_id,
        actor_name=actor.name,
        actor_role=actor.role,
        structure_id=structure,
        origin=actor.origin or "inconnue",
        patient_ins=None if order is None else trace.patient_ins(order.patient),
        document_unique_id=(
            order.document.unique_id if order is not None and order.document else None
        ),
        reason=reason,
        detail="; ".join(notes)[:200] or None,
    )


def _order_for(session: Session, actor: Actor, order_id: int, action: str) -> SendOrder:
    """The order ``order_id`` if it is of ``actor``'s structure; else the refusal is
    traced, committed and raised. Raises :class:`~esante.store.NotFoundError`."""
    order = outbox.get_order(session, order_id)
    if order.structure_id is not None and order.structure_id != actor.structure_id:
        audit.append(
            session,
            _event(
                actor,
                _structure(session, actor),
                action,
                order,
                outcome="refused",
                detail="other structure",
            ),
        )
        session.commit()
        raise AccessDeniedError(
            "Cet envoi relève d'une autre structure que la vôtre.",
            detail=f"order {order_id} of structure {order.structure_id}, "
            f"actor of structure {actor.structure_id}",
            field="order_id",
        )
    return order


def list_orders(
    session: Session,
    *,
    actor: Actor,
    states: Sequence[str] = (),
    patient_id: int | None = None,
    document_id: int | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> OrderPage:
    """The actor's orders, newest first, filtered by state(s), patient, document or kind,
    and the counts by state — read by ``actor`` (``orders:read`` checked, the page traced
    in ONE append: one record per order, one record without a patient for an empty
    page). Raises AccessDeniedError."""
    trace.check(session, actor, "orders:read", traced_as="orders:list")
    query = (
        select(SendOrder)
        .where(_visible(actor))
        .options(selectinload(SendOrder.patient), selectinload(SendOrder.document))
        .order_by(SendOrder.id.desc())
        .limit(limit)
    )
    if states:
        query = query.where(SendOrder.state.in_(states))
    if patient_id is not None:
        query = query.where(SendOrder.patient_id == patient_id)
    if document_id is not None:
        query = query.where(SendOrder.document_id == document_id)
    if kind is not None:
        query = query.where(SendOrder.kind == kind)
    orders = list(session.scalars(query))
    counts = dict.fromkeys(ORDER_STATES, 0)
    rows = session.execute(
        select(SendOrder.state, func.count()).where(_visible(actor)).group_by(SendOrder.state)
    )
    counts.update({state: int(n) for state, n in rows})
    page: Sequence[SendOrder | None] = orders or [None]
    structure = _structure(session, actor)
    # an empty page still says what was looked for (the patient or document asked about)
    asked = None if orders else _filters(patient_id=patient_id, document_id=document_id)
    audit.append_many(
        session, [_event(actor, structure, "orders:list", o, detail=asked) for o in page]
    )
    return OrderPage(orders, counts)


def _filters(**given: int | None) -> str | None:
    """``patient_id=3; document_id=7`` for the filters given, else None."""
    return "; ".join(f"{k}={v}" for k, v in given.items() if v is not None) or None


def read_order(session: Session, order_id: int, *, actor: Actor) -> SendOrder:
    """The order and its history, read by ``actor`` (structure and ``orders:read``
    checked, the read traced). Raises NotFoundError or AccessDeniedError."""
    order = _order_for(session, actor, order_id, "orders:read")
    trace.check(session, actor, "orders:read", order.patient, traced_as="orders:read")
    audit.append(session, _event(actor, _structure(session, actor), "orders:read", order))
    return order


def _act(
    session: Session,
    order_id: int,
    verb: Verb,
    call: Callable[[SendOrder, str], SendOrder],
    *,
    actor: Actor,
    reason: str | None = None,
) -> SendOrder:
    action = f"orders:{verb}"
    order = _order_for(session, actor, order_id, action)
    for needed in required_actions(order, verb):
        trace.check(session, actor, needed, order.patient, traced_as=action)
    before = order.state
    done = call(order, actor.actor_id)
    audit.append(
        session,
        _event(
            actor,
            _structure(session, actor),
            action,
            done,
            detail=f"{before}->{done.state}",
            reason=reason,
        ),
    )
    return done


def block_order(
    session: Session,
    order_id: int,
    *,
    actor: Actor,
    reason: str | None = None,
    now: datetime | None = None,
) -> SendOrder:
    """Hold the order (scheduled or due) until unblocked, in the name of ``actor``.
    Raises NotFoundError, AccessDeniedError or :class:`~esante.outbox.OrderStateError`."""
    return _act(
        session,
        order_id,
        "block",
        lambda o, by: outbox.block(session, o.id, by=by, reason=reason, now=now),
        actor=actor,
        reason=reason,
    )


def unblock_order(
    session: Session, order_id: int, *, actor: Actor, now: datetime | None = None
) -> SendOrder:
    """Release a blocked order, in the name of ``actor`` (a professional). Raises
    NotFoundError, AccessDeniedError or OrderStateError."""
    return _act(
        session,
        order_id,
        "unblock",
        lambda o, by: outbox.unblock(session, o.id, by=by, now=now),
        actor=actor,
    )


def cancel_order(
    session: Session,
    order_id: int,
    *,
    actor: Actor,
    reason: str | None = None,
    now: datetime | None = None,
) -> SendOrder:
    """Cancel the order for good, in the name of ``actor`` (a professional). Raises
    NotFoundError, AccessDeniedError or OrderStateError."""
    return _act(
        session,
        order_id,
        "cancel",
        lambda o, by: outbox.cancel(session, o.id, by=by, reason=reason, now=now),
        actor=actor,
        reason=reason,
    )


def send_order_now(
    session: Session, order_id: int, *, actor: Actor, now: datetime | None = None
) -> SendOrder:
    """End the deferral window now, in the name of ``actor`` (a professional). Raises
    NotFoundError, AccessDeniedError or OrderStateError."""
    return _act(
        session,
        order_id,
        "send_now",
        lambda o, by: outbox.send_now(session, o.id, by=by, now=now),
        actor=actor,
    )


def retry_order(
    session: Session, order_id: int, *, actor: Actor, now: datetime | None = None
) -> SendOrder:
    """Try a failed order again, in the name of ``actor`` (a professional). Raises
    NotFoundError, AccessDeniedError or OrderStateError."""
    return _act(
        session,
        order_id,
        "retry",
        lambda o, by: outbox.retry(session, o.id, by=by, now=now),
        actor=actor,
    )
