"""What every repository shares: fetch-or-404, flush-or-409, name-token filters.

Repositories hold the queries (the services in :mod:`esante.practice` hold the rules).
They never commit: the caller owns the transaction (one request, one transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, Session

from esante.store.base import Base
from esante.store.errors import ConflictError, NotFoundError
from esante.store.repositories.page import MAX_LIMIT, Page
from esante.store.repositories.text import fold, folded, register_sqlite_fold

M = TypeVar("M", bound=Base)


def get_or_raise(session: Session, model: type[M], record_id: int, label: str) -> M:
    """The row ``record_id`` of ``model``; :class:`NotFoundError` (French ``label``) if absent."""
    found = session.get(model, record_id)
    if found is None:
        raise NotFoundError(
            f"{label} introuvable (identifiant {record_id}).",
            detail=f"no {model.__tablename__} with id={record_id}",
            field="id",
        )
    return found


def flush_or_conflict(session: Session, what: str) -> None:
    """Flush pending changes; a uniqueness or reference violation becomes ConflictError.

    The services check uniqueness first to name the field at fault; this is the safety
    net for a concurrent insert. The session is rolled back (its transaction is dead).
    """
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(
            f"Enregistrement refusé : {what} entre en conflit avec une donnée existante.",
            detail=str(exc.orig),
        ) from exc


def name_filter(
    session: Session, text: str, columns: Sequence[ColumnElement[Any] | QueryableAttribute[Any]]
) -> ColumnElement[bool] | None:
    """Every word of ``text`` must appear (folded) in at least one of ``columns``."""
    register_sqlite_fold(session)
    tokens = [fold(token) for token in text.split()]
    tokens = [t for t in tokens if t]
    if not tokens:
        return None
    folded_columns = [folded(c) for c in columns]
    return and_(
        *(
            or_(*(col.contains(token, autoescape=True) for col in folded_columns))
            for token in tokens
        )
    )


def paginate(session: Session, query: Select[M], limit: int, offset: int) -> Page[M]:
    """Run ``query`` for one page (``limit`` capped at :data:`MAX_LIMIT`) and count all."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.limit(limit).offset(offset)).unique())
    return Page(items=items, total=total or 0, limit=limit, offset=offset)
