"""`esante terminology` — browse the value sets and document types esante ships.

``list`` shows every value set (name, OID, version, size, source); ``show SYSTEM [CODE]``
lists the codes of a value set (optionally filtered with ``--search``, accents ignored) or
prints the French label of one code; ``types`` shows the Ségur document types with their
class and CDA models. Unknown value sets or codes end with a French error and status 1.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from esante.terminology import (
    concept,
    document_types,
    get_value_set,
    search,
    value_sets,
)

app = typer.Typer(
    help="Terminologies : jeux de valeurs (JDV) et types de documents utilisés par esante.",
    no_args_is_help=True,
)


def _console() -> Console:
    return Console(highlight=False)


@app.command("list")
def list_cmd() -> None:
    """Lister les jeux de valeurs livrés avec esante (nom court, nom officiel, OID, version)."""
    table = Table(title="Jeux de valeurs livrés avec esante")
    for col in ("Nom", "Jeu de valeurs", "OID", "Version", "Codes", "Source"):
        table.add_column(col, overflow="fold")
    for vs in value_sets():
        source = "kit CI-SIS" if vs.kit_file else "NOS (ANS)"
        size = f"{len(vs)}" if vs.complete else f"{len(vs)} (extrait)"
        table.add_row(vs.name, vs.title, vs.oid or "—", vs.version, size, source)
    _console().print(table)


@app.command("show")
def show_cmd(
    system: str = typer.Argument(
        ..., help="Jeu de valeurs : nom court (J07), nom officiel, OID ou alias (typeCode)."
    ),
    code: str | None = typer.Argument(None, help="Un code : n'afficher que son libellé."),
    text: str | None = typer.Option(
        None, "--search", "-s", help="Seulement les codes dont le libellé contient ces mots."
    ),
) -> None:
    """Afficher les codes d'un jeu de valeurs, ou le libellé d'un code."""
    vs = get_value_set(system)
    if code is not None:
        c = concept(vs, code)
        typer.echo(f"{c.code} : {c.display} (système {c.code_system_oid})")
        return
    concepts = search(vs, text) if text else vs.concepts
    title = f"{vs.title} — {vs.description} (OID {vs.oid or '—'}, version {vs.version})"
    table = Table(title=title)
    table.add_column("Code", overflow="fold")
    table.add_column("Libellé", overflow="fold")
    table.add_column("Système de codes", overflow="fold")
    for c in concepts:
        table.add_row(c.code, c.display, c.code_system_oid)
    console = _console()
    console.print(table)
    console.print(f"{len(concepts)} code(s).")


@app.command("types")
def types_cmd() -> None:
    """Afficher les types de documents Ségur : code, libellé, classe XDS, modèles, formatCode."""
    table = Table(title="Types de documents Ségur produits par esante")
    for col in ("Code", "Libellé", "Classe", "Modèles CDA", "formatCode"):
        table.add_column(col, overflow="fold")
    for t in document_types():
        table.add_row(
            t.code,
            t.label,
            f"{t.class_code} {t.class_label}",
            ", ".join(f"{m.id} ({m.level})" for m in t.models),
            "\n".join(t.format_codes),
        )
    _console().print(table)
