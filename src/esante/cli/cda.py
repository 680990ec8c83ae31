"""`esante cda` — CDA R2 documents.

Commands (one section each below):

* ``validate FILE...`` — check documents with the ANS CI-SIS kit (XSD + the kit's
  schematrons, see :mod:`esante.cda.validate`): a table of findings per file (severity,
  message, location), a progress bar when there are several files, ``--json`` for a
  machine-readable result. Exit status 1 when a document does not conform or cannot be
  read; a missing kit is a French error saying how to set ``ESANTE_CISIS_KIT``.
  Documents are sent to the local validation server (started on first use, stopped when
  idle: :mod:`esante.cda.validate._server`), which keeps the compiled kit between
  commands; ``--no-server`` (or ``ESANTE_NO_VALIDATION_SERVER=1``) validates in the
  command's own process, as it does when no server can start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from esante.cli._output import print_json
from esante.errors import EsanteError

if TYPE_CHECKING:
    from esante.cda.validate import BatchItem, ValidationReport, Validator

app = typer.Typer(
    help="Documents CDA R2 : vérification avec le kit CI-SIS de l'ANS.",
    no_args_is_help=True,
)


# --------------------------------------------------------------------------- validate

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


@app.command("validate")
def validate_cmd(
    files: Annotated[list[Path], typer.Argument(help="Documents CDA R2 (XML) à vérifier.")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Écrire le résultat en JSON (pour les machines).")
    ] = False,
    workers: Annotated[
        int,
        typer.Option("--workers", "-j", min=1, help="Processus en parallèle (lots de fichiers)."),
    ] = 1,
    kit: Annotated[
        Path | None,
        typer.Option("--kit", help="Dossier du kit CI-SIS (par défaut : ESANTE_CISIS_KIT)."),
    ] = None,
    dmp: Annotated[
        bool,
        typer.Option(
            "--dmp",
            help="Ajouter les contrôles d'esante pour l'alimentation du DMP "
            "(INS du patient, spécialité de l'auteur).",
        ),
    ] = False,
    server: Annotated[
        bool,
        typer.Option(
            "--server/--no-server",
            help="Passer par le serveur de vérification local (démarré au besoin, "
            "il garde le kit compilé entre deux commandes).",
        ),
    ] = True,
) -> None:
    """Vérifier des documents CDA R2 : schéma XSD et schématrons du kit CI-SIS de l'ANS.

    Sont appliqués la structuration minimale, les modèles de contenus (IHE et ANS) pour un
    corps structuré, et le schématron du volet déclaré par le document (templateId).
    Code de sortie 1 si un document n'est pas conforme ou ne peut pas être lu.
    """
    # the engine (saxonche, the compiler) is imported only when this process validates:
    # a command served by the validation server does not load it
    from esante.cda.validate import (
        BatchItem,
        ServerUnavailableError,
        connect_validation_server,
        server_disabled,
    )

    err = Console(stderr=True, highlight=False)
    items: list[BatchItem] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=err,
        transient=True,
        disable=len(files) < 2 and not err.is_terminal,
    ) as progress:
        task = progress.add_task(
            "Vérification (la première utilisation compile les schématrons du kit)",
            total=len(files),
        )

        def advance(item: BatchItem) -> None:
            progress.update(task, advance=1, description=f"Vérifié : {item.path.name}")

        if workers > 1 and len(files) > 1:
            from esante.cda.validate import validate_many

            items = validate_many(files, workers=workers, kit=kit, dmp=dmp, progress=advance)
        else:
            use_server = server and not server_disabled()
            client = connect_validation_server(kit) if use_server else None
            validator: Validator | None = None
            for path in files:
                report: ValidationReport | None = None
                try:
                    if client is not None:
                        try:
                            report = client.validate(path, dmp=dmp)
                        except ServerUnavailableError:
                            client.close()
                            client = None  # this process validates the rest itself
                    if report is None:
                        if validator is None:
                            from esante.cda.validate import Validator

                            validator = Validator(kit)
                        report = validator.validate(path, dmp=dmp)
                    item = BatchItem(path, report=report)
                except EsanteError as exc:
                    item = BatchItem(path, error=exc)
                items.append(item)
                advance(item)
            if client is not None:
                client.close()

    if json_output:
        print_json([_item_json(item) for item in items])
    else:
        out = Console(highlight=False)
        for item in items:
            _print_item(out, item)
        if len(items) > 1:
            conform = sum(1 for item in items if item.ok)
            out.print(f"{conform}/{len(items)} document(s) conforme(s).")
    if not all(item.ok for item in items):
        raise typer.Exit(1)


def _item_json(item: BatchItem) -> dict[str, Any]:
    if item.report is not None:
        return {"file": str(item.path), "ok": item.report.ok, "report": item.report.to_dict()}
    error = item.error
    return {
        "file": str(item.path),
        "ok": False,
        "error": {
            "message": error.message if error else "erreur inconnue",
            "detail": error.detail if error else None,
        },
    }


def _print_item(out: Console, item: BatchItem) -> None:
    out.rule(f"[bold]{escape(str(item.path))}[/bold]", align="left")
    if item.report is None:
        message = item.error.message if item.error else "erreur inconnue"
        out.print(f"[bold red]Illisible[/bold red] : {escape(message)}")
        if item.error is not None and item.error.detail:
            out.print(f"  détail : {escape(item.error.detail)}", style="dim")
        return
    report = item.report
    _print_report(out, report)


def _source_label(schematron: str) -> str:
    """Short name of a kit schematron: ``StrucMin``, ``IHE``, ``VSM_2023.01``..."""
    name = schematron.rsplit("/", 1)[-1].removesuffix(".sch")
    return name.removeprefix("ASIP-STRUCT-MIN-").removeprefix("CI-SIS_")


def _print_report(out: Console, report: ValidationReport) -> None:
    volets = ", ".join(report.volets) if report.volets else "aucun"
    out.print(
        f"Schématron de volet : {volets} — {len(report.schematrons)} schématron(s) appliqué(s)"
    )
    for notice in report.notices:
        out.print(f"[cyan]ℹ[/cyan] {notice}")
    rows = sorted(
        report.findings,
        key=lambda f: ("error", "warning", "info").index(str(f.severity)),
    )
    if report.xsd_errors or rows:
        table = Table(expand=True)
        table.add_column("Sévérité", no_wrap=True)
        table.add_column("Message", ratio=5, overflow="fold")
        table.add_column("Emplacement", ratio=3, overflow="fold")
        table.add_column("Source", ratio=1, min_width=8, overflow="fold")
        for issue in report.xsd_errors:
            table.add_row(
                "[bold red]Erreur[/bold red]",
                escape(f"Schéma XSD : {issue.message}"),
                f"ligne {issue.line}, colonne {issue.column}",
                "XSD",
            )
        for finding in rows:
            style = _SEVERITY_STYLE[str(finding.severity)]
            table.add_row(
                f"[{style}]{finding.severity.label}[/{style}]",
                escape(finding.message),
                escape(finding.location or "—"),
                escape(_source_label(finding.schematron)),
            )
        out.print(table)
    errors = len(report.xsd_errors) + len(report.errors)
    if report.ok:
        out.print(
            f"[bold green]✔ Conforme[/bold green] ({len(report.warnings)} avertissement(s), "
            f"{report.duration_ms:.0f} ms)"
        )
    else:
        out.print(
            f"[bold red]✘ Non conforme[/bold red] : {errors} erreur(s), "
            f"{len(report.warnings)} avertissement(s)"
        )


# --------------------------------------------------------------------------- example


@app.command("example")
def example_cmd(
    kind: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="n1, vsm, vac-note, cs8, cs9, cs24, mde ou cr-examen-enfant.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Fichier XML à écrire.")],
    patient: Annotated[
        str | None,
        typer.Option("--patient", help="Clé du patient de démonstration (ex. lola, robert)."),
    ] = None,
    author: Annotated[
        str | None,
        typer.Option("--author", help="Clé du professionnel auteur (ex. generaliste, pediatre)."),
    ] = None,
    ins: Annotated[
        str | None,
        typer.Option("--ins", help="Matricule INS à écrire à la place de celui du patient."),
    ] = None,
    exam: Annotated[
        str | None,
        typer.Option(
            "--exam",
            help="Examen de l'enfant (cr-examen-enfant) : j8, s2, m2, m3, m4, m5, m6, m9, m12, "
            "m13, m16-18, m24-25, a3, a4, a5, a6, a7, a8-9, a11-13, a15-16.",
        ),
    ] = None,
) -> None:
    """Écrire un document CDA d'exemple complet (démonstration, nouvel identifiant unique)."""
    from esante.cda.examples import example_document

    document = example_document(kind, patient=patient, author=author, ins=ins, exam=exam)
    document.write(out)
    typer.echo(
        f"{document.title} ({document.model}) écrit dans {out}\n"
        f"  identifiant unique : {document.document_id}\n"
        f"  formatCode : {document.format_code}"
    )
