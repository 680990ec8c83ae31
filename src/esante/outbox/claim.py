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
  next attempt starts by asking the service (see :mod:`esante.outbox.dmp`).

Only orders whose credential the worker holds are claimed (``credentials``: exact keys
or prefixes ending in ``*``), and an order waiting for an earlier one (the previous
version of its document) stays until that one is final.

Recording is also conditional: the result of an attempt is written only while the
worker still holds the lease (``lease_owner`` and ``in_flight``). A worker that was too
slow learns it lost the order; the order's new holder will find out from the service.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, aliased

from esante.audit import AuditEvent, append
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
        ~waiting,
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
        update(SendOrder)
        .where(SendOrder.id.in_(list(previous)), condition)
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
        )
        .execution_options(synchronize_session=False)
    ).all()
    claimed = []
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
            )
        )
        session.add(
            SendOrderEvent(
                order_id=int(row.id),
                at=now,
                from_state=before,
                to_state="in_flight",
                by=worker_id,
                reason=(
                    "Reprise après l'arrêt du processus qui l'envoyait."
                    if before == "in_flight"
                    else f"Tentative {int(row.attempts)}."
                ),
            )
        )
    session.flush()
    return claimed


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
    now = now or utcnow()
    for event in outcome.audit:
        append(session, event)
    values: dict[str, Any]
    reason: str | None
    code: str | None = None
    if isinstance(outcome, Sent):
        to_state = "sent"
        reason = outcome.note
        values = {
            "sent_at": now,
            "result": json.dumps(outcome.result, ensure_ascii=False),
            "last_error": None,
            "last_error_code": None,
        }
    elif isinstance(outcome, Blocked):
        to_state, reason, values = "blocked", outcome.reason, {}
    elif isinstance(outcome, Failed):
        to_state, reason, code = "failed", outcome.message, outcome.code
        values = {"last_error": outcome.message, "last_error_code": outcome.code}
    elif isinstance(outcome, Retry):
        current = session.scalar(select(SendOrder.retry_since).where(SendOrder.id == order.id))
        since = current or now
        code = outcome.code
        if policy.gives_up(since, now):
            to_state = "failed"
            reason = (
                f"{outcome.message} Envoi abandonné après {policy.give_up_after} d'échecs "
                "temporaires."
            )
            values = {"last_error": reason, "last_error_code": outcome.code}
        else:
            to_state = "due"
            reason = outcome.message
            values = {
                "available_at": now + policy.delay(order.attempts),
                "retry_since": since,
                "last_error": outcome.message,
                "last_error_code": outcome.code,
            }
    else:  # pragma: no cover - Outcome is a closed union
        raise TypeError(f"unknown outcome {outcome!r}")
    done = session.execute(
        update(SendOrder)
        .where(
            SendOrder.id == order.id,
            SendOrder.state == "in_flight",
            SendOrder.lease_owner == worker_id,
        )
        .values(
            state=to_state,
            state_reason=reason,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.add(
        SendOrderEvent(
            order_id=order.id,
            at=now,
            from_state="in_flight",
            to_state=to_state,
            by=worker_id,
            reason=reason,
            error_code=code,
        )
    )
    session.flush()
    return True


def trace_only(session: Session, events: Sequence[AuditEvent]) -> None:
    """Append trace records without touching any order (a lost lease)."""
    for event in events:
        append(session, event)
