"""`esante db` — the practice database."""

from __future__ import annotations

import typer

from esante.config import load_settings
from esante.store import current_revision, head_revision, make_engine, upgrade

app = typer.Typer(help="Base de données locale (schéma, migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd() -> None:
    """Create or migrate the database schema to the latest version.

    The database is ESANTE_DATABASE_URL (default: SQLite in ESANTE_HOME).
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
    """Print the schema revision of the database and the latest one available."""
    settings = load_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        rev = current_revision(engine)
    finally:
        engine.dispose()
    typer.echo(f"révision actuelle : {rev or 'aucune (base vide)'}")
    typer.echo(f"dernière révision : {head_revision()}")
