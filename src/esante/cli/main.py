"""The ``esante`` command line.

Each command group lives in its own module and exposes a typer ``app`` (a single command:
a function); this module lists them (:data:`COMMANDS`) and imports a command's module only
when that command runs (:mod:`._lazy`), so ``esante cda validate`` does not pay for the
database layer, the DMP client or the web service. Errors of the
:class:`~esante.errors.EsanteError` tree are printed in French (with the technical detail
on a second line) and exit with status 1.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from esante import __version__
from esante.cli._help import use_french_help
from esante.cli._lazy import LazyCommand, LazyGroup
from esante.cli._output import fail
from esante.cli._usage import UsageError, in_french
from esante.config import SETTINGS_HELP
from esante.errors import EsanteError

COMMANDS: dict[str, LazyCommand] = {
    "feed": LazyCommand(
        "esante.cli.feed",
        "feed",
        "Valide des documents CDA et programme leur envoi au DMP (ordre d'envoi différé).",
    ),
    "worker": LazyCommand(
        "esante.cli.worker",
        "worker",
        "Envoie les documents en attente (DMP, MSSanté) : ordres dus, retentatives, reprises.",
    ),
    "doctor": LazyCommand(
        "esante.cli.doctor",
        "doctor",
        "Vérifie la configuration des services nationaux (certificats, adresses).",
    ),
    "catalogue": LazyCommand(
        "esante.cli.catalogue",
        "catalogue",
        "Afficher le catalogue Ségur des documents (niveau CDA, DMP, MSSanté) par profession.",
    ),
    "serve": LazyCommand(
        "esante.cli.serve",
        "serve",
        "Démarre le service web (API REST) après mise à jour du schéma de la base.",
    ),
    "demo": LazyCommand(
        "esante.cli.serve",
        "demo",
        "Démarre la démo : base de données, patients et professionnels fictifs, bac à sable "
        "des services nationaux (DMP, Mon espace santé) et service web.",
    ),
    "ins": LazyCommand(
        "esante.cli.ins",
        "app",
        (
            "INS : vérification du matricule, téléservice INSi (recherche, qualification, "
            "revérification), DataMatrix INS."
        ),
    ),
    "db": LazyCommand("esante.cli.db", "app", "Base de données locale (schéma, migrations)."),
    "terminology": LazyCommand(
        "esante.cli.terminology",
        "app",
        "Terminologies : jeux de valeurs (JDV) et types de documents utilisés par esante.",
    ),
    "cda": LazyCommand(
        "esante.cli.cda", "app", "Documents CDA R2 : vérification avec le kit CI-SIS de l'ANS."
    ),
    "pki": LazyCommand(
        "esante.cli.pki",
        "app",
        "PKI de test : autorité, certificats de la structure et du bac à sable.",
    ),
    "sandbox": LazyCommand(
        "esante.cli.sandbox",
        "app",
        "Bac à sable des services nationaux (DMP) : démarrage et administration.",
    ),
    "dmp": LazyCommand(
        "esante.cli.dmp",
        "app",
        "Client DMP : existence, autorisation, alimentation, recherche, consultation, "
        "masquage, visibilité, archivage, suppression (vers le bac à sable).",
    ),
    "outbox": LazyCommand(
        "esante.cli.outbox",
        "app",
        "Ordres d'envoi (DMP, MSSanté) : liste, détail, blocage, annulation, envoi immédiat.",
    ),
    "audit": LazyCommand(
        "esante.cli.audit",
        "app",
        "Trace des accès (DMP, MSSanté, consentement) : vérification de l'intégrité, export, "
        "derniers enregistrements.",
    ),
    "apikey": LazyCommand(
        "esante.cli.apikey",
        "app",
        "Clés d'API des structures (intégrateurs) : création, liste, révocation.",
    ),
    "vaccin": LazyCommand(
        "esante.cli.vaccin",
        "app",
        "Carnet de vaccination : DataMatrix d'une boîte de vaccin, import de la BDPM.",
    ),
    "mss": LazyCommand(
        "esante.cli.mss",
        "app",
        "Messagerie sécurisée de santé (MSSanté) du bac à sable : envoi, relève, boîtes aux "
        "lettres.",
    ),
}
"""Every command of ``esante``, in the order ``--help`` lists them: the module that defines
it (imported only when the command runs: :mod:`._lazy`) and its summary."""


def _database_error(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLAlchemy's ``DBAPIError`` (only possible once it is imported:
    checking this way keeps sqlalchemy out of the commands that do not use it)."""
    module = sys.modules.get("sqlalchemy.exc")
    return module is not None and isinstance(exc, module.DBAPIError)


class EsanteGroup(LazyGroup):
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
        except Exception as exc:
            if not _database_error(exc):
                raise
            from esante.store.errors import StoreError

            # a command that let one through: French, no traceback
            orig = getattr(exc, "orig", exc)
            fail(
                StoreError(
                    "Erreur de la base de données (« esante db status » indique laquelle et "
                    "sa révision ; « esante db upgrade » met son schéma à jour).",
                    detail=f"{type(orig).__name__}: {str(orig).strip()[:300]}",
                )
            )
            raise typer.Exit(1) from exc


class _Esante(EsanteGroup):
    """The ``esante`` root: every command of :data:`COMMANDS`, imported when used."""

    lazy_commands = COMMANDS


app = typer.Typer(
    cls=_Esante,
    name="esante",
    help=(
        "esante — interopérabilité e-santé pour les logiciels de cabinet "
        "(INS, CDA R2, DMP, MSSanté).\n\n\b\n" + SETTINGS_HELP
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


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
