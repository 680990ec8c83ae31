"""The DMP sandbox database: engine, sessions and schema migrations (Alembic).

The sandbox keeps its own database (the other side of the wire shares nothing with the
practice side), SQLite by default or PostgreSQL selected by the URL, run with the shared
mechanics of :mod:`esante.database`. Migration scripts ship inside the package
(``esante/sandbox/dmp/migrations``) and record their revision in their own table,
``dmp_sandbox_alembic_version``, so the schema can share a database with the practice one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy import Engine

from esante import database
from esante.config import Settings
from esante.database import session_factory
from esante.sandbox.dmp.errors import SandboxDatabaseError

__all__ = [
    "MIGRATIONS",
    "VERSION_TABLE",
    "alembic_config",
    "current_revision",
    "default_database_url",
    "head_revision",
    "make_engine",
    "session_factory",
    "upgrade",
]

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "dmp_sandbox_alembic_version"
_WHAT = "la base du bac à sable DMP"


def default_database_url(settings: Settings) -> str:
    """SQLite file ``dmp.db`` in the sandbox directory (``ESANTE_SANDBOX``, else
    ``$ESANTE_HOME/sandbox``)."""
    directory = settings.sandbox or settings.home / "sandbox"
    return f"sqlite:///{(directory / 'dmp.db').resolve()}"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the sandbox database at ``url`` (SQLite or PostgreSQL).

    Raises :class:`SandboxDatabaseError` for a malformed URL, an unsupported backend or a
    SQLite directory that cannot be created.
    """
    return database.make_engine(url, error=SandboxDatabaseError, what=_WHAT, **kwargs)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` and the sandbox's migrations."""
    return database.alembic_config(engine, MIGRATIONS)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or bring the sandbox schema to ``revision`` (default: the latest).

    Raises :class:`SandboxDatabaseError` when the database cannot be reached.
    """
    database.upgrade(engine, MIGRATIONS, revision, error=SandboxDatabaseError, what=_WHAT)


def current_revision(engine: Engine) -> str | None:
    """The revision the sandbox database is at (``None`` when it has no schema yet)."""
    return database.current_revision(engine, VERSION_TABLE)


def head_revision() -> str | None:
    """The latest sandbox schema revision shipped with this esante."""
    return database.head_revision(MIGRATIONS)
