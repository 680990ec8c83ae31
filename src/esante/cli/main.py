"""The ``esante`` command line.

Each command group lives in its own module and exposes a typer ``app``; this module
assembles them. Errors of the :class:`~esante.errors.EsanteError` tree are printed in
French (with the technical detail on a second line) and exit with status 1.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from esante import __version__
from esante.cli import (
    audit,
    catalogue,
    cda,
    db,
    dmp,
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
from esante.cli._output import fail
from esante.config import SETTINGS_HELP
from esante.errors import EsanteError


class EsanteGroup(TyperGroup):
    """Root command group: turns any :class:`EsanteError` into a French message + exit 1.

    Catching here (rather than only in :func:`main`) gives the same behaviour to the
    console script and to ``CliRunner`` in tests.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except EsanteError as exc:
            fail(exc)
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
app.add_typer(mss.app, name="mss")
app.command("feed")(feed.feed)
app.command("worker")(worker.worker)
app.command("catalogue")(catalogue.catalogue)
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
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
