"""`esante db` — the practice database; and how the other commands open it.

Only ``esante db upgrade`` (and ``esante demo`` / ``esante serve``, which prepare their
database) create or migrate the schema. The commands that read or act on existing data
(``outbox``, ``audit``, ``mss fetch``) open it with :func:`open_database`, which never
creates anything: a missing SQLite file, a database without esante's schema or with an
older one is a French error that says what to run, not an empty file left behind and a
SQL traceback.
"""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from esante.config import Settings, load_settings
from esante.store import current_revision, head_revision, make_engine, normalize_url, upgrade
from esante.store.errors import StoreError

app = typer.Typer(help="Base de données locale (schéma, migrations).", no_args_is_help=True)

WHAT_TO_RUN = (
    "lancez « esante db upgrade » pour créer ou mettre à jour le schéma (ou « make run » / "
    "« esante demo » pour la démonstration)"
)


def _sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file of the configured database (None for PostgreSQL or in memory)."""
    url = make_url(normalize_url(settings.effective_database_url))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _label(settings: Settings) -> str:
    path = _sqlite_file(settings)
    if path is not None:
        return str(path)
    return make_url(normalize_url(settings.effective_database_url)).render_as_string(
        hide_password=True
    )


def open_database(settings: Settings | None = None) -> Engine:
    """An engine on the existing practice database, its schema at the latest revision.

    Creates nothing. Raises :class:`~esante.store.StoreError` (French, naming what to
    run) when the SQLite file is absent, when the database has no esante schema or an
    older one, or when it cannot be reached.
    """
    settings = settings or load_settings()
    path = _sqlite_file(settings)
    if path is not None and not path.is_file():
        raise StoreError(
            f"Aucune base de données esante dans {path.parent} : {WHAT_TO_RUN}. Si la base "
            "est ailleurs, indiquez ESANTE_HOME ou ESANTE_DATABASE_URL.",
            detail=f"{path} does not exist",
            field="ESANTE_HOME",
        )
    engine = make_engine(settings.effective_database_url)
    try:
        try:
            revision = current_revision(engine)
        except DBAPIError as exc:
            raise StoreError(
                f"Base de données injoignable ou illisible ({_label(settings)}).",
                detail=f"{type(exc.orig).__name__}: {str(exc.orig).strip()[:300]}",
                field="ESANTE_DATABASE_URL",
            ) from exc
        head = head_revision()
        if revision is None:
            raise StoreError(
                f"La base de données {_label(settings)} n'a pas le schéma d'esante : "
                f"{WHAT_TO_RUN}.",
                detail="no alembic_version: empty or foreign database",
                field="ESANTE_DATABASE_URL",
            )
        if revision != head:
            raise StoreError(
                f"Le schéma de la base de données {_label(settings)} n'est pas celui de "
                f"cette version d'esante (révision {revision}, attendue {head}) : "
                "lancez « esante db upgrade ».",
                detail=f"revision {revision} != head {head}",
                field="ESANTE_DATABASE_URL",
            )
    except BaseException:
        engine.dispose()
        raise
    return engine


@app.command("upgrade")
def upgrade_cmd() -> None:
    """Créer la base ou migrer son schéma à la dernière version.

    La base est ESANTE_DATABASE_URL (par défaut : SQLite dans ESANTE_HOME).
    """
    settings = load_settings()
    settings.ensure_home()
    engine = make_engine(settings.effective_database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        typer.echo(f"Base de données à jour (révision {after}).")
    else:
        typer.echo(f"Base de données migrée : {before or 'vide'} → {after}.")


@app.command("status")
def status_cmd() -> None:
    """Afficher où est la base, la révision de son schéma et la dernière disponible."""
    settings = load_settings()
    typer.echo(f"base de données : {_label(settings)}")
    path = _sqlite_file(settings)
    if path is not None and not path.is_file():
        typer.echo("révision actuelle : aucune (la base n'existe pas encore)")
    else:
        engine = make_engine(settings.effective_database_url)
        try:
            rev = current_revision(engine)
        finally:
            engine.dispose()
        typer.echo(f"révision actuelle : {rev or 'aucune (base vide)'}")
    typer.echo(f"dernière révision : {head_revision()}")
