"""Schema migrations of the practice database (Alembic, see :mod:`esante.database`).

The migration scripts ship inside the package (``esante/store/migrations``) so that an
installed esante can upgrade its database without an ``alembic.ini`` on disk.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine

from esante import database
from esante.store.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (used to generate new revisions)."""
    return database.alembic_config(engine, MIGRATIONS)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the latest).

    Raises :class:`StoreError` when the database cannot be reached.
    """
    database.upgrade(engine, MIGRATIONS, revision, error=StoreError, what="la base de données")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    return database.current_revision(engine)


def head_revision() -> str | None:
    """The latest revision shipped with this esante."""
    return database.head_revision(MIGRATIONS)
