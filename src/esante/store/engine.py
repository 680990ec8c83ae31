"""Engines and sessions for the practice database (see :mod:`esante.database`).

Engines are built by factories, never at import time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from esante import database
from esante.database import normalize_url, session_factory
from esante.store.errors import StoreError

__all__ = ["make_engine", "normalize_url", "session_factory"]


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the practice database at ``url`` (SQLite in WAL mode, or PostgreSQL).

    Raises :class:`StoreError` for an unsupported backend or a SQLite file whose
    directory cannot be created.
    """
    return database.make_engine(url, error=StoreError, what="la base de données", **kwargs)
