"""The last step of many send orders at once, and who took it, by name — for the queue.

The console's queue says "Bloqué par Dr Perrin le 6 déc. à 10:42": the order's latest
:class:`~esante.store.SendOrderEvent` and the person its ``by`` names (the permanent
actor identifier :mod:`esante.practice.orders` writes: idNat_PS ``8`` + RPPS for a
professional, the local account's ``user_id`` for the secretariat). A page of a thousand
orders needs these in two queries, not one per order; reading them is part of the
orders page the caller already checked and traced (:func:`esante.practice.orders.list_orders`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from esante.store.models import Practitioner, SendOrderEvent, StaffAccount

__all__ = ["LastStep", "actor_names", "last_steps"]


@dataclass(frozen=True)
class LastStep:
    """The latest event of an order: who (as recorded, and by name when known) and why."""

    by: str | None
    name: str | None
    reason: str | None


def actor_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """The names of the people an order's history names (``by``), those known here."""
    wanted = {i for i in ids if i}
    names: dict[str, str] = {}
    rpps = {i[1:] for i in wanted if i.startswith("8") and i[1:].isdigit()}
    if rpps:
        for p in session.scalars(select(Practitioner).where(Practitioner.rpps.in_(rpps))):
            title = "Dr " if p.civility == "DR" else ""
            names[p.id_nat_ps] = f"{title}{p.given_name} {p.family_name}".strip()
    local = wanted - names.keys()
    if local:
        rows = session.execute(
            select(StaffAccount.user_id, StaffAccount.display_name).where(
                StaffAccount.user_id.in_(local)
            )
        )
        names.update({user_id: name for user_id, name in rows})
    return names


def last_steps(session: Session, order_ids: Sequence[int]) -> dict[int, LastStep]:
    """The latest event of each order of ``order_ids`` (orders without one are absent)."""
    if not order_ids:
        return {}
    latest = (
        select(func.max(SendOrderEvent.id))
        .where(SendOrderEvent.order_id.in_(order_ids))
        .group_by(SendOrderEvent.order_id)
    )
    events = list(session.scalars(select(SendOrderEvent).where(SendOrderEvent.id.in_(latest))))
    names = actor_names(session, (e.by for e in events if e.by))
    return {e.order_id: LastStep(e.by, names.get(e.by) if e.by else None, e.reason) for e in events}
