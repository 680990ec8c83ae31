"""`esante pki` — the throwaway test PKI (CA, structure certificates, sandbox server cert)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn

app = typer.Typer(
    help="PKI de test : autorité, certificats de la structure et du bac à sable.",
    no_args_is_help=True,
)

_LABELS = {
    "ca": "autorité de certification",
    "authentication": "certificat d'authentification de la structure",
    "signature": "certificat de signature de la structure",
    "server": "certificat serveur du bac à sable",
}


@app.command("init")
def init_cmd(
    directory: Annotated[Path, typer.Argument(help="Répertoire où créer la PKI.")],
    structure_id: Annotated[
        str | None,
        typer.Option("--structure-id", help="Identifiant national de la structure (OU)."),
    ] = None,
    structure_name: Annotated[
        str | None, typer.Option("--structure-name", help="Nom de la structure (O).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Remplacer une PKI existante.")] = False,
) -> None:
    """Créer une autorité de test et les certificats d'authentification et de signature.

    Crée aussi le certificat serveur du bac à sable (localhost, 127.0.0.1). Les clés
    privées sont écrites en mode 0600 ; pki.json liste les fichiers. Tests et démos seulement.
    """
    from esante.trust import generate_test_pki  # cryptography loads only when needed

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        transient=True,
    ) as progress:
        task = progress.add_task("Génération des clés et certificats", total=len(_LABELS))

        def advance(role: str) -> None:
            progress.update(task, advance=1, description=f"Créé : {_LABELS[role]}")

        pki = generate_test_pki(
            directory,
            structure_id=structure_id,
            structure_name=structure_name,
            overwrite=force,
            on_step=advance,
        )
    typer.echo(f"PKI de test créée dans {pki.directory} (manifeste : {pki.manifest.name}).")
    _print(directory)


@app.command("show")
def show_cmd(
    directory: Annotated[Path, typer.Argument(help="Répertoire de la PKI.")],
) -> None:
    """Afficher les certificats d'une PKI de test : sujet, validité, fichiers."""
    _print(directory)


def _print(directory: Path) -> None:
    from esante.trust import load_pki

    pki = load_pki(directory)
    typer.echo(f"Structure : {pki.structure_name} ({pki.structure_id})")
    for role, label in _LABELS.items():
        pair = getattr(pki, role)
        certificate = pair.load_certificate()
        typer.echo(f"- {label}")
        typer.echo(f"    sujet : {certificate.subject.rfc4514_string()}")
        typer.echo(f"    valide jusqu'au : {certificate.not_valid_after_utc:%d/%m/%Y}")
        typer.echo(f"    fichiers : {pair.certificate.name}, {pair.key.name}")
