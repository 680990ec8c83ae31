"""Server-side web sessions (issue 12; SC.SSI/IE.38).

The browser holds only a random token (256 bits) in the ``esante_session`` cookie —
``HttpOnly``, ``SameSite=Lax``, ``Secure`` when esante is reached over TLS — and the
database its SHA-256, so that a copy of the table opens no session. A new token is drawn
at every sign-in (no fixation). A session ends after ``idle`` without a request (2 hours
at most: SC.SSI/IE.38 locks the session after 2 hours of inactivity) or at its absolute
expiry, whichever comes first; an ended session is deleted when met.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from esante.practice import trace
from esante.practice.actors import Actor
from esante.store import utcnow
from esante.store.models import Structure, WebSession

COOKIE_NAME = "esante_session"
MAX_IDLE = timedelta(hours=2)
"""SC.SSI/IE.38: the session is locked after 2 hours of inactivity at most."""
_TOUCH_EVERY = timedelta(seconds=30)
"""``last_seen_at`` is written at most this often (a page and its API calls are one write)."""


@dataclass(frozen=True)
class Timeouts:
    """Idle and absolute lifetimes of a session."""

    idle: timedelta
    absolute: timedelta


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def open_session(
    db: Session,
    actor: Actor,
    timeouts: Timeouts,
    *,
    staff_account_id: int | None = None,
    id_token: str | None = None,
    now: datetime | None = None,
) -> tuple[str, WebSession]:
    """Create a session for ``actor`` (committed); the cookie token and the row."""
    at = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=_digest(token),
        actor_kind=actor.kind,
        actor_id=actor.actor_id,
        actor_name=actor.name[:200],
        actor_role=actor.role,
        structure_id=actor.structure_id,
        practitioner_id=actor.practitioner_id,
        staff_account_id=staff_account_id,
        csrf_token=secrets.token_urlsafe(32),
        id_token=id_token,
        created_at=at,
        last_seen_at=at,
        expires_at=at + timeouts.absolute,
    )
    db.add(row)
    db.commit()
    return token, row


_FIND = (
    select(WebSession, Structure.id_nat_struct)
    .outerjoin(Structure, WebSession.structure_id == Structure.id)
    .where(WebSession.token_hash == bindparam("digest"))
)
"""The session of a digest and its structure's idNat_Struct (which the request's trace
records), in one prebuilt statement: every signed-in request runs it."""


def find_session(
    db: Session, token: str, timeouts: Timeouts, *, now: datetime | None = None
) -> WebSession | None:
    """The live session of ``token`` (its last-seen time refreshed), or None when unknown,
    idle too long or past its absolute expiry (then deleted).

    The structure's idNat_Struct read with it is left to the request's trace for the
    current transaction (:func:`esante.practice.trace.remember_structure`): one query
    fewer per traced request."""
    if not token:
        return None
    at = now or utcnow()
    found = db.execute(_FIND, {"digest": _digest(token)}).one_or_none()
    if found is None:
        return None
    row, id_nat_struct = found
    if at >= row.expires_at or at - row.last_seen_at >= min(timeouts.idle, MAX_IDLE):
        db.delete(row)
        db.commit()
        return None
    if at - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = at
        db.commit()
    elif row.structure_id is not None and id_nat_struct is not None:
        trace.remember_structure(db, row.structure_id, id_nat_struct)
    return row


def close_session(db: Session, token: str) -> WebSession | None:
    """Delete the session of ``token`` (sign-out); the row as it was, or None."""
    row = db.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
    if row is not None:
        db.delete(row)
        db.commit()
    return row


def purge_expired(db: Session, *, now: datetime | None = None) -> int:
    """Delete the sessions past their absolute expiry; how many."""
    result = db.execute(delete(WebSession).where(WebSession.expires_at <= (now or utcnow())))
    db.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def actor_of(row: WebSession) -> Actor:
    """The actor a session stands for."""
    return Actor(
        kind="psc" if row.actor_kind == "psc" else "local",
        actor_id=row.actor_id,
        name=row.actor_name,
        role=row.actor_role,
        structure_id=row.structure_id,
        practitioner_id=row.practitioner_id,
    )
