"""Per-structure API keys for integrators (issue 12): scoped, hashed at rest, shown once,
revocable.

A key reads ``esk_<prefix>_<secret>``: the prefix (8 random characters) finds the row,
the secret carries 256 random bits (``secrets.token_urlsafe(32)``). Only the SHA-256 of
the whole key is stored — a fast hash is enough for a random 256-bit secret (no
dictionary to try), and lets every request be checked in microseconds — and compared in
constant time. A revoked key stays in the table (``revoked_at``) so the trace keeps
naming it; it authenticates nothing.

Scopes: ``patients:read``, ``patients:write``, ``documents:read``, ``documents:write``,
``dmp`` (DMP consultation and feeding on behalf of the structure).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from esante.practice import trace
from esante.practice.actors import ROLE_APIKEY, Actor, AuthenticationError
from esante.practice.errors import PracticeValidationError
from esante.store import NotFoundError, Structure, utcnow
from esante.store.models import ApiKey

KEY_MARK = "esk"
PREFIX_LENGTH = 8
SCOPES = ("patients:read", "patients:write", "documents:read", "documents:write", "dmp")
_PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class NewApiKey:
    """A created key: the row and the key itself, to show once."""

    row: ApiKey
    key: str


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _check_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise PracticeValidationError(
            f"Portée inconnue : {', '.join(unknown)}." if unknown else "Aucune portée donnée.",
            detail=f"scopes must be among {', '.join(SCOPES)}",
            field="scopes",
        )
    return chosen


def create_api_key(
    session: Session, *, structure_id: int, scopes: Iterable[str], label: str
) -> NewApiKey:
    """Create a key for a structure (flushed, not committed); the key is in the result only."""
    chosen = _check_scopes(scopes)
    if session.get(Structure, structure_id) is None:
        raise NotFoundError(
            "Structure introuvable.", detail=f"structure {structure_id}", field="structure"
        )
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    key = f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        prefix=prefix,
        key_hash=_digest(key),
        structure_id=structure_id,
        scopes=" ".join(chosen),
        label=label.strip()[:200] or prefix,
    )
    session.add(row)
    session.flush()
    return NewApiKey(row, key)


def list_api_keys(session: Session, structure_id: int | None = None) -> Sequence[ApiKey]:
    """The keys, revoked ones included, oldest first."""
    query = select(ApiKey).order_by(ApiKey.id)
    if structure_id is not None:
        query = query.where(ApiKey.structure_id == structure_id)
    return session.scalars(query).all()


def revoke_api_key(session: Session, prefix: str, *, now: datetime | None = None) -> ApiKey:
    """Revoke the key of ``prefix`` (idempotent; not committed)."""
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None:
        raise NotFoundError("Clé d'API introuvable.", detail=f"prefix {prefix}", field="prefix")
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
    return row


def looks_like_api_key(token: str) -> bool:
    """Whether a bearer token has the shape of an esante API key (not a PSC JWT)."""
    return token.startswith(KEY_MARK + "_")


_KEYS = cast(Table, ApiKey.__table__)
_STRUCTURES = cast(Table, Structure.__table__)
_FIND_KEY = (
    select(
        _KEYS.c.prefix,
        _KEYS.c.key_hash,
        _KEYS.c.structure_id,
        _KEYS.c.scopes,
        _KEYS.c.label,
        _KEYS.c.revoked_at,
        _STRUCTURES.c.id_nat_struct,
    )
    .join_from(_KEYS, _STRUCTURES, _KEYS.c.structure_id == _STRUCTURES.c.id)
    .where(_KEYS.c.prefix == bindparam("prefix"))
)
"""The key of a prefix and its structure's idNat_Struct, in one prebuilt statement: every
API request runs it (the idNat_Struct is what the request's trace records)."""


def authenticate_api_key(session: Session, key: str) -> Actor:
    """The actor of a valid, unrevoked key; raises :class:`AuthenticationError`.

    One query (the key's row and its structure's idNat_Struct, which the request's trace
    then does not read again: :func:`esante.practice.trace.remember_structure`).
    """
    parts = key.split("_", 2)  # the secret itself may contain "_"
    refused = AuthenticationError(
        "Clé d'API inconnue ou révoquée.", detail="invalid api key", field="Authorization"
    )
    if len(parts) != 3 or parts[0] != KEY_MARK:
        raise refused
    row = session.execute(_FIND_KEY, {"prefix": parts[1]}).one_or_none()
    if row is None or not hmac.compare_digest(row.key_hash, _digest(key)):
        raise refused
    if row.revoked_at is not None:
        raise refused
    trace.remember_structure(session, row.structure_id, row.id_nat_struct)
    return Actor(
        kind="apikey",
        actor_id=f"apikey:{row.prefix}",
        name=row.label,
        role=ROLE_APIKEY,
        structure_id=row.structure_id,
        scopes=frozenset(row.scopes.split()),
    )
