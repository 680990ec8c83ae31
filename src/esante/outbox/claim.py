"""Claiming due orders, and recording what became of them.

A worker *claims* orders: it moves them to ``in_flight`` under its name with a lease
(``lease_expires_at``). Two workers must never hold the same order, and a worker that
dies must not keep its orders forever:

* PostgreSQL: the candidates are selected ``FOR UPDATE SKIP LOCKED``, so any number of
  workers on any number of hosts take disjoint rows without waiting for each other;
* SQLite: one writer at a time; the ``UPDATE … RETURNING`` re-checks the claim
  conditions, so a row another process took in between is simply not returned;
* an order ``in_flight`` whose lease has expired is claimable again: its worker is
  presumed dead. Whether that worker's call reached the service is unknown, so the
  next attempt starts by asking the service (see :mod:`esante.practice.dmp_sender`). A live
  worker whose calls are slow renews its leases (:func:`renew`).

Only orders whose credential the worker holds are claimed (``credentials``: exact keys
or prefixes ending in ``*``), and an order waiting for an earlier one (the previous
version of its document) stays until that one is final.

Recording is also conditional: the result of an attempt is written only while the
worker still holds the lease (``lease_owner`` and ``in_flight``). A worker that was too
slow learns it lost the order; the order's new holder will find out from the service.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, case, insert, literal, or_, select, update
from sqlalchemy.orm import Session, aliased

from esante.audit import AuditEvent, append, append_many
from esante.outbox.outcome import Blocked, Failed, Outcome, Retry, Sent
from esante.outbox.policy import RetryPolicy
from esante.store import SendOrder, SendOrderEvent, utcnow


@dataclass(frozen=True)
class ClaimedOrder:
    """An order as its worker holds it (plain values: no session needed to use it)."""

    id: int
    kind: str
    idempotency_key: str
    attempts: int
    previous_state: str
    document_id: int | None
    patient_id: int
    practitioner_id: int | None
    structure_id: int | None
    credential: str
    authentication_mode: str
    recipient: str | None
    parameters: dict[str, Any]
    historical: bool
    lease_expires_at: datetime
    retry_since: datetime | None = None
    """When the current run of transient failures began (``None``: none so far)."""

    @property
    def is_retry(self) -> bool:
        """True when an earlier attempt may have reached the service (check it first)."""
        return self.attempts > 1


def credential_clause(credentials: Sequence[str]) -> ColumnElement[bool]:
    """SQL condition: the order's credential is one the worker holds."""
    exact = [c for c in credentials if not c.endswith("*")]
    prefixes = [c[:-1] for c in credentials if c.endswith("*")]
    parts: list[ColumnElement[bool]] = []
    if exact:
        parts.append(SendOrder.credential.in_(exact))
    parts.extend(SendOrder.credential.startswith(p, autoescape=True) for p in prefixes)
    if not parts:
        return SendOrder.id.is_(None)  # holds nothing: claims nothing
    return or_(*parts)


_ORDERS = cast(Table, SendOrder.__table__)
_EVENTS = cast(Table, SendOrderEvent.__table__)
"""The tables, for the statements of the claim / record hot path (Core: the ORM's
per-statement bookkeeping cost more than the statements themselves)."""

_EARLIER = aliased(SendOrder)
"""The earlier order a new version waits for (built once: it is on every claim's path)."""


def _claimable(now: datetime) -> ColumnElement[bool]:
    earlier = _EARLIER
    waiting = (
        select(earlier.id)
        .where(
            earlier.id == SendOrder.after_order_id,
            earlier.state.not_in(("sent", "cancelled", "failed")),
        )
        .exists()
    )
    return and_(
        or_(
            and_(SendOrder.state.in_(("scheduled", "due")), SendOrder.available_at <= now),
            and_(SendOrder.state == "in_flight", SendOrder.lease_expires_at < now),
        ),
        # Asked only of the orders that wait for another: written as a plain NOT EXISTS,
        # PostgreSQL joins every candidate against a scan of the whole order history.
        or_(SendOrder.after_order_id.is_(None), ~waiting),
    )


def claim(
    session: Session,
    worker_id: str,
    *,
    credentials: Sequence[str],
    limit: int = 1,
    lease: timedelta = timedelta(minutes=2),
    now: datetime | None = None,
) -> list[ClaimedOrder]:
    """Claim up to ``limit`` due orders for ``worker_id``; the caller commits.

    Orders are taken oldest due first.
    """
    now = now or utcnow()
    condition = and_(_claimable(now), credential_clause(credentials))
    candidates = session.execute(
        select(SendOrder.id, SendOrder.state)
        .where(condition)
        .order_by(SendOrder.available_at, SendOrder.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=SendOrder)
    ).all()
    if not candidates:
        return []
    previous = {int(row.id): str(row.state) for row in candidates}
    expires = now + lease
    rows = session.execute(
        update(_ORDERS)
        .where(_ORDERS.c.id.in_(list(previous)), condition)
        .values(
            state="in_flight",
            lease_owner=worker_id,
            lease_expires_at=expires,
            attempts=SendOrder.attempts + 1,
            updated_at=now,
        )
        .returning(
            SendOrder.id,
            SendOrder.kind,
            SendOrder.idempotency_key,
            SendOrder.attempts,
            SendOrder.document_id,
            SendOrder.patient_id,
            SendOrder.practitioner_id,
            SendOrder.structure_id,
            SendOrder.credential,
            SendOrder.authentication_mode,
            SendOrder.recipient,
            SendOrder.parameters,
            SendOrder.historical,
            SendOrder.retry_since,
        )
    ).all()
    claimed = []
    history: list[dict[str, Any]] = []
    for row in rows:
        before = previous[int(row.id)]
        claimed.append(
            ClaimedOrder(
                id=int(row.id),
                kind=row.kind,
                idempotency_key=row.idempotency_key,
                attempts=int(row.attempts),
                previous_state=before,
                document_id=row.document_id,
                patient_id=row.patient_id,
                practitioner_id=row.practitioner_id,
                structure_id=row.structure_id,
                credential=row.credential,
                authentication_mode=row.authentication_mode,
                recipient=row.recipient,
                parameters=json.loads(row.parameters) if row.parameters else {},
                historical=bool(row.historical),
                lease_expires_at=expires,
                retry_since=row.retry_since,
            )
        )
        history.append(
            {
                "order_id": int(row.id),
                "at": now,
                "from_state": before,
                "to_state": "in_flight",
                "by": worker_id,
                "reason": (
                    "Reprise après l'arrêt du processus qui l'envoyait."
                    if before == "in_flight"
                    else f"Tentative {int(row.attempts)}."
                ),
                "error_code": None,
            }
        )
    _add_history(session, history)
    return claimed


def renew(
    session: Session,
    orders: Sequence[ClaimedOrder],
    worker_id: str,
    *,
    lease: timedelta,
    now: datetime | None = None,
) -> set[int]:
    """Extend the lease of ``orders`` still held by ``worker_id``; the caller commits.

    Returns the ids still held: an order missing from the answer was taken over by
    another worker after its lease ran out, and must not be carried out here.
    """
    if not orders:
        return set()
    now = now or utcnow()
    rows = session.execute(
        update(_ORDERS)
        .where(
            _ORDERS.c.id.in_([o.id for o in orders]),
            _ORDERS.c.state == "in_flight",
            _ORDERS.c.lease_owner == worker_id,
        )
        .values(lease_expires_at=now + lease, updated_at=now)
        .returning(_ORDERS.c.id)
    )
    return {int(row.id) for row in rows}


def record(
    session: Session,
    order: ClaimedOrder,
    worker_id: str,
    outcome: Outcome,
    *,
    policy: RetryPolicy,
    now: datetime | None = None,
) -> bool:
    """Write the outcome of an attempt (and its trace); the caller commits.

    Returns False when the worker no longer holds the order (lease expired and taken
    over): nothing is changed then but the trace, which records what was done anyway.
    """
    return record_many(session, [(order, outcome)], worker_id, policy=policy, now=now)[0]


def record_many(
    session: Session,
    results: Sequence[tuple[ClaimedOrder, Outcome]],
    worker_id: str,
    *,
    policy: RetryPolicy,
    now: datetime | None = None,
) -> list[bool]:
    """Write the outcomes of a batch of attempts and their trace; the caller commits.

    One trace append for the whole batch (the chain's lock is taken once), then one
    conditional update per kind of outcome — usually one for the batch, each order's own
    values chosen by id — and one insert of the orders' history. Returns, per result,
    whether the worker still held the order (see :func:`record`).
    """
    now = now or utcnow()
    events = [event for _, outcome in results for event in outcome.audit]
    if events:
        append_many(session, events)
    changes: dict[int, dict[str, Any]] = {}
    notes: dict[int, tuple[str, str | None, str | None]] = {}
    for order, outcome in results:
        to_state, reason, code, values = _transition(order, outcome, policy, now)
        changes[order.id] = {"state": to_state, "state_reason": reason, **values}
        notes[order.id] = (to_state, reason, code)
    groups: dict[tuple[str, ...], list[int]] = {}
    for order_id, values in changes.items():
        groups.setdefault(tuple(sorted(values)), []).append(order_id)
    held: set[int] = set()
    for columns, ids in groups.items():
        held |= _update_held(session, worker_id, now, {i: changes[i] for i in ids}, columns)
    history = [
        {
            "order_id": order.id,
            "at": now,
            "from_state": "in_flight",
            "to_state": notes[order.id][0],
            "by": worker_id,
            "reason": notes[order.id][1],
            "error_code": notes[order.id][2],
        }
        for order, _ in results
        if order.id in held
    ]
    _add_history(session, history)
    return [order.id in held for order, _ in results]


def _update_held(
    session: Session,
    worker_id: str,
    now: datetime,
    changes: Mapping[int, Mapping[str, Any]],
    columns: Sequence[str],
) -> set[int]:
    """One ``UPDATE`` setting ``columns`` of the orders in ``changes`` that ``worker_id``
    still holds; the ids it updated.

    A column whose value differs between orders gets ``CASE id WHEN … THEN …`` (bound
    with the column's type); one that is the same for all gets that value.
    """
    ids = list(changes)
    assignments: dict[str, Any] = {}
    for name in columns:
        column = _ORDERS.c[name]
        first = changes[ids[0]][name]
        if all(changes[i][name] == first for i in ids[1:]):
            assignments[name] = first
        else:
            assignments[name] = case(
                {i: literal(changes[i][name], column.type) for i in ids}, value=_ORDERS.c.id
            )
    rows = session.execute(
        update(_ORDERS)
        .where(
            _ORDERS.c.id.in_(ids),
            _ORDERS.c.state == "in_flight",
            _ORDERS.c.lease_owner == worker_id,
        )
        .values(lease_owner=None, lease_expires_at=None, updated_at=now, **assignments)
        .returning(_ORDERS.c.id)
    )
    return {int(row.id) for row in rows}


def _add_history(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append order events in one statement (Core: no ORM unit of work on the hot path)."""
    if rows:
        session.execute(insert(_EVENTS), rows)


def _transition(
    order: ClaimedOrder, outcome: Outcome, policy: RetryPolicy, now: datetime
) -> tuple[str, str | None, str | None, dict[str, Any]]:
    """(new state, reason, error code, other columns) for ``outcome``."""
    if isinstance(outcome, Sent):
        values = {
            "sent_at": now,
            "result": json.dumps(outcome.result, ensure_ascii=False),
            "last_error": None,
            "last_error_code": None,
        }
        return "sent", outcome.note, None, values
    if isinstance(outcome, Blocked):
        return "blocked", outcome.reason, None, {}
    if isinstance(outcome, Failed):
        values = {"last_error": outcome.message, "last_error_code": outcome.code}
        return "failed", outcome.message, outcome.code, values
    if isinstance(outcome, Retry):
        since = order.retry_since or now
        if policy.gives_up(since, now):
            reason = (
                f"{outcome.message} Envoi abandonné après {policy.give_up_after} d'échecs "
                "temporaires."
            )
            return (
                "failed",
                reason,
                outcome.code,
                {"last_error": reason, "last_error_code": outcome.code},
            )
        values = {
            "available_at": now + policy.delay(order.attempts),
            "retry_since": since,
            "last_error": outcome.message,
            "last_error_code": outcome.code,
        }
        return "due", outcome.message, outcome.code, values
    raise TypeError(f"unknown outcome {outcome!r}")  # pragma: no cover - a closed union


def trace_only(session: Session, events: Sequence[AuditEvent]) -> None:
    """Append trace records without touching any order (a lost lease)."""
    for event in events:
        append(session, event)
