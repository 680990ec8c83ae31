"""The DMP sandbox database: engine, sessions and schema migrations (Alembic).

The sandbox keeps its own database (the other side of the wire shares nothing with the
practice side), SQLite by default — WAL journal, foreign keys on, a busy timeout so that
the running server and the admin CLI can share the file — or PostgreSQL (psycopg 3)
selected by the URL. Migration scripts ship inside the package
(``esante/sandbox/dmp/migrations``) and record their revision in their own table,
``dmp_sandbox_alembic_version``.

This mirrors ``esante.store.engine`` / ``esante.store.migrate`` without importing them
(the sandbox may not import the practice store).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from esante.config import Settings
from esante.sandbox.dmp.errors import SandboxDatabaseError

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "dmp_sandbox_alembic_version"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def default_database_url(settings: Settings) -> str:
    """SQLite file ``dmp.db`` in the sandbox directory (``ESANTE_SANDBOX``, else
    ``$ESANTE_HOME/sandbox``)."""
    directory = settings.sandbox or settings.home / "sandbox"
    return f"sqlite:///{(directory / 'dmp.db').resolve()}"


def _normalize_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the sandbox database at ``url`` (SQLite or PostgreSQL).

    Raises :class:`SandboxDatabaseError` for a malformed URL, an unsupported backend or a
    SQLite directory that cannot be created.
    """
    url = _normalize_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SandboxDatabaseError(
            "Adresse de la base de données du bac à sable DMP invalide.", detail=str(exc)
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise SandboxDatabaseError(
                    "Impossible de créer le dossier de la base du bac à sable DMP.",
                    detail=str(exc),
                ) from exc
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise SandboxDatabaseError(
        "Base de données non prise en charge pour le bac à sable DMP (SQLite ou PostgreSQL).",
        detail=f"backend {backend!r}",
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` and the sandbox's migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or bring the sandbox schema to ``revision`` (default: the latest).

    Raises :class:`SandboxDatabaseError` when the database cannot be reached.
    """
    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise SandboxDatabaseError(
            "Base du bac à sable DMP injoignable : la mise à jour du schéma a échoué.",
            detail=str(exc.orig),
        ) from exc


def current_revision(engine: Engine) -> str | None:
    """The revision the sandbox database is at (``None`` when it has no schema yet)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def head_revision() -> str | None:
    """The latest sandbox schema revision shipped with this esante."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()
