"""Engines and schema migrations shared by both sides of the wire.

The practice store (``esante.store``) and the sandbox of the national services
(``esante.sandbox``) each keep their own database but run it the same way, so the
mechanics live here, below both of them:

* SQLite is the embedded default: WAL journal (readers never block the writer), foreign
  keys on, and a busy timeout so that a worker, a server and an admin command can share
  the file; PostgreSQL (psycopg 3) is selected by the URL;
* on SQLite, esante emits ``BEGIN`` itself: the pysqlite driver's own transaction
  handling (an implicit ``BEGIN`` before DML only, none before ``SAVEPOINT``) is switched
  off, as SQLAlchemy documents for savepoints on pysqlite ("Serializable isolation /
  Savepoints / Transactional DDL"). Without it, the ``SAVEPOINT`` of
  ``Session.begin_nested()`` opened the transaction and its ``RELEASE`` committed it: a
  document was committed before its send orders existed. See :func:`_begin_before_write`
  for when ``BEGIN IMMEDIATE`` is emitted, and why not at the first statement;
* the files of a SQLite database (the database, its ``-wal`` and ``-shm``) hold patient
  data: they are created 0600, and a directory esante creates for them 0700, whatever
  the process's umask (see :func:`_private_file`);
* Alembic migrations ship inside the package and are run programmatically, each schema
  with its own version table.

Each caller passes the error class of its own branch of the exception tree and a French
name of its database, so that a clinician reads which database failed.
"""

from __future__ import annotations

import os
import re
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


_WRITES = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT|CREATE|DROP|ALTER)\b", re.I)
"""Statements that open the SQLite transaction (the first write, or the first savepoint)."""


def _begin_before_write(
    conn: Any, _cursor: object, statement: str, *_args: object, **_kwargs: object
) -> None:
    """Emit ``BEGIN IMMEDIATE`` before the first write or savepoint of a transaction.

    Why ``IMMEDIATE``: it takes the write lock at once, waiting for it under the busy
    timeout. A deferred ``BEGIN`` at the first statement takes a read snapshot instead,
    and its first write then fails at once with "database is locked" whenever another
    connection wrote in between (SQLite gives up rather than deadlock, without waiting
    under the busy timeout): concurrent clicks and workers would fail that way.

    Why not at the transaction's first statement: a session that reads, then waits on
    the network (a DMP call), then writes its trace would hold the write lock for the
    whole call and stall every other writer (clicks, workers). So the reads before the
    first write run outside the transaction, each statement consistent by itself,
    exactly as under pysqlite's own handling — code that decides on a read re-checks in
    its write (the outbox's compare-and-set updates and claims). Everything from the
    first write or savepoint until ``COMMIT`` / ``ROLLBACK`` is one transaction, so a
    ``RELEASE`` no longer commits. ``PRAGMA`` statements (the worker's WAL checkpoint)
    open no transaction, as before.
    """
    dbapi_connection = conn.connection.dbapi_connection
    if not dbapi_connection.in_transaction and _WRITES.match(statement):
        dbapi_connection.execute("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # The driver no longer begins (or commits) by itself: _begin_before_write does.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint the WAL less often from inside a commit (the clinician's "Valider" would
    # pay for it); the outbox worker checkpoints in its idle time instead.
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
    cursor.close()


PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _sqlite_file(database: str | None) -> Path | None:
    """The file of a SQLite database (None: in memory, or a ``file:`` URI left to SQLite)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _private_directory(path: Path, *, error: type[EsanteError], what: str) -> None:
    """Create the directory of a SQLite database, and its missing parents, 0700.

    The mode is set with ``chmod`` after ``mkdir``: the umask can only remove
    permissions, and a lax one (022) must not make the data readable by others.
    Directories that exist are left as they are (they may be shared on purpose).
    """
    missing: list[Path] = []
    parent = path.absolute().parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    try:
        for directory in reversed(missing):
            try:
                directory.mkdir(mode=PRIVATE_DIRECTORY_MODE)
            except FileExistsError:
                continue  # created meanwhile by another process: not ours to change
            directory.chmod(PRIVATE_DIRECTORY_MODE)
    except OSError as exc:
        raise error(f"Impossible de créer le dossier de {what}.", detail=str(exc)) from exc


def _private_file(path: Path) -> None:
    """Create the database file 0600 if it does not exist yet (just before SQLite would).

    SQLite creates the ``-wal`` and ``-shm`` files later with the mode of the database
    file (``findCreateFileMode`` in its Unix VFS, then ``fchmod`` past the umask), so the
    main file's mode is the one to get right; an empty file is a valid new database. An
    existing file is left as it is. A failure is left to SQLite's open to report.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except OSError:
        return
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)


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
        file = _sqlite_file(parsed.database)
        if file is not None:
            _private_directory(file, error=error, what=what)
        engine = create_engine(url, **kwargs)
        if file is not None:
            event.listen(engine, "do_connect", lambda *_: _private_file(file))
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _begin_before_write)
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
