"""The ``esante`` command line.

Each command group lives in its own module and exposes a typer ``app``; this module
assembles them. Errors of the :class:`~esante.errors.EsanteError` tree are printed in
French (with the technical detail on a second line) and exit with status 1.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from sqlalchemy.exc import DBAPIError
from typer.core import TyperGroup

from esante import __version__
from esante.cli import (
    apikey,
    audit,
    catalogue,
    cda,
    db,
    dmp,
    doctor,
    feed,
    ins,
    mss,
    outbox,
    pki,
    sandbox,
    serve,
    terminology,
    worker,
)
from esante.cli._help import use_french_help
from esante.cli._output import fail
from esante.cli._usage import UsageError, in_french
from esante.config import SETTINGS_HELP
from esante.errors import EsanteError
from esante.store.errors import StoreError


class EsanteGroup(TyperGroup):
    """Root command group: turns any :class:`EsanteError` (and a database error that a
    command let through) into a French message + exit 1, and click's usage errors (of
    any subcommand) into French ones (:mod:`._usage`).

    Catching here (rather than only in :func:`main`) gives the same behaviour to the
    console script and to ``CliRunner`` in tests.

    Its help pages, and those of every command below it, are in French (:mod:`._help`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_french_help(self)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except UsageError as exc:
            raise in_french(exc) from exc

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise in_french(exc) from exc
        except EsanteError as exc:
            fail(exc)
            raise typer.Exit(1) from exc
        except DBAPIError as exc:  # a command that let one through: French, no traceback
            fail(
                StoreError(
                    "Erreur de la base de données (« esante db status » indique laquelle et "
                    "sa révision ; « esante db upgrade » met son schéma à jour).",
                    detail=f"{type(exc.orig).__name__}: {str(exc.orig).strip()[:300]}",
                )
            )
            raise typer.Exit(1) from exc


app = typer.Typer(
    cls=EsanteGroup,
    name="esante",
    help=(
        "esante — interopérabilité e-santé pour les logiciels de cabinet "
        "(INS, CDA R2, DMP, MSSanté).\n\n\b\n" + SETTINGS_HELP
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.add_typer(ins.app, name="ins")
app.add_typer(db.app, name="db")
app.add_typer(terminology.app, name="terminology")
app.add_typer(cda.app, name="cda")
app.add_typer(pki.app, name="pki")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(dmp.app, name="dmp")
app.add_typer(outbox.app, name="outbox")
app.add_typer(audit.app, name="audit")
app.add_typer(apikey.app, name="apikey")
app.add_typer(mss.app, name="mss")
app.command("feed")(feed.feed)
app.command("worker")(worker.worker)
app.command("doctor")(doctor.doctor)
app.command("catalogue")(catalogue.catalogue)
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Affiche la version et quitte."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except EsanteError as exc:
        fail(exc)
        sys.exit(1)
