"""Engines and schema migrations shared by both sides of the wire.

The practice store (``esante.store``) and the sandbox of the national services
(``esante.sandbox``) each keep their own database but run it the same way, so the
mechanics live here, below both of them:

* SQLite is the embedded default: WAL journal (readers never block the writer), foreign
  keys on, and a busy timeout so that a worker, a server and an admin command can share
  the file; PostgreSQL (psycopg 3) is selected by the URL;
* Alembic migrations ship inside the package and are run programmatically, each schema
  with its own version table.

Each caller passes the error class of its own branch of the exception tree and a French
name of its database, so that a clinician reads which database failed.
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

from esante.errors import EsanteError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


SQLITE_AUTOCHECKPOINT_PAGES = 4000
"""WAL pages (4 KiB) before a commit checkpoints by itself (SQLite's default: 1000)."""


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint the WAL less often from inside a commit (the clinician's "Valider" would
    # pay for it); the outbox worker checkpoints in its idle time instead.
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
    cursor.close()


def make_engine(
    url: str,
    *,
    error: type[EsanteError] = EsanteError,
    what: str = "la base de données",
    **kwargs: Any,
) -> Engine:
    """Create an engine for ``url`` with the per-backend settings above.

    Raises ``error`` (French message naming ``what``) for a malformed URL, an unsupported
    backend or a SQLite directory that cannot be created.
    """
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise error(
            f"Adresse de {what} invalide.", detail=str(exc), field="ESANTE_DATABASE_URL"
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise error(f"Impossible de créer le dossier de {what}.", detail=str(exc)) from exc
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise error(
        f"Base de données non prise en charge pour {what} (SQLite ou PostgreSQL).",
        detail=f"backend {backend!r}",
        field="ESANTE_DATABASE_URL",
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine, migrations: Path) -> Config:
    """An Alembic configuration bound to ``engine`` and the scripts in ``migrations``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(
    engine: Engine,
    migrations: Path,
    revision: str = "head",
    *,
    error: type[EsanteError] = EsanteError,
    what: str = "la base de données",
) -> None:
    """Bring the schema to ``revision``; raises ``error`` when the database is unreachable."""
    try:
        command.upgrade(alembic_config(engine, migrations), revision)
    except OperationalError as exc:
        raise error(
            f"{what[0].upper()}{what[1:]} est injoignable : la mise à jour du schéma a échoué.",
            detail=str(exc.orig),
        ) from exc


def current_revision(engine: Engine, version_table: str = "alembic_version") -> str | None:
    """The revision the database is at (``None`` when it has no schema yet)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": version_table})
        return context.get_current_revision()


def head_revision(migrations: Path) -> str | None:
    """The latest revision of the scripts in ``migrations``."""
    return ScriptDirectory(str(migrations)).get_current_head()
