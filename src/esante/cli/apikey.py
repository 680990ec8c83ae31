"""``esante apikey``: the structures' API keys for integrators (issue 12).

``create`` prints the key once (only its digest is kept); ``list`` shows prefixes,
scopes, structure and state; ``revoke`` ends a key at once (the next request with it is
a 401). See :mod:`esante.practice.apikeys`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from esante.cli._output import paris_time, print_json

app = typer.Typer(
    help="Clés d'API des structures (intégrateurs) : création, liste, révocation.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON.")]


@contextmanager
def _session() -> Iterator[Session]:
    from esante.cli.db import open_database
    from esante.store import session_factory

    engine = open_database()
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _data(row: Any) -> dict[str, Any]:
    return {
        "prefix": row.prefix,
        "structure_id": row.structure_id,
        "scopes": row.scopes.split(),
        "label": row.label,
        "created_at": row.created_at.isoformat(),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


@app.command("create")
def create_cmd(
    structure: Annotated[int, typer.Option("--structure", help="Numéro de la structure.")],
    scopes: Annotated[
        list[str],
        typer.Option(
            "--scope",
            help="Portée (répéter) : patients:read, patients:write, documents:read, "
            "documents:write, dmp.",
        ),
    ],
    label: Annotated[str, typer.Option("--label", help="À quoi sert la clé.")] = "",
    json_output: JsonOption = False,
) -> None:
    """Créer une clé : elle n'est affichée qu'une fois, conservez-la tout de suite."""
    from esante.practice.apikeys import create_api_key

    with _session() as session:
        made = create_api_key(session, structure_id=structure, scopes=scopes, label=label)
        session.commit()
        data = {**_data(made.row), "key": made.key}
    if json_output:
        print_json(data)
        return
    typer.echo(f"Clé d'API créée ({data['prefix']}), affichée une seule fois :")
    typer.echo(made.key)
    typer.echo("À présenter dans l'en-tête : Authorization: Bearer <clé>")


@app.command("list")
def list_cmd(
    structure: Annotated[
        int | None, typer.Option("--structure", help="Seulement cette structure.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Lister les clés (révoquées comprises)."""
    from esante.practice.apikeys import list_api_keys

    with _session() as session:
        rows = [
            _data(r) | {"_created": r.created_at, "_revoked": r.revoked_at}
            for r in list_api_keys(session, structure)
        ]
    if json_output:
        print_json([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
        return
    table = Table("Préfixe", "Structure", "Portées", "Libellé", "Créée", "Révoquée")
    for r in rows:
        table.add_row(
            r["prefix"],
            str(r["structure_id"]),
            " ".join(r["scopes"]),
            r["label"],
            paris_time(r["_created"]),
            paris_time(r["_revoked"]) if r["_revoked"] else "",
        )
    Console().print(table)


@app.command("revoke")
def revoke_cmd(
    prefix: Annotated[str, typer.Argument(help="Préfixe de la clé (voir « list »).")],
) -> None:
    """Révoquer une clé (effet dès la requête suivante)."""
    from esante.practice.apikeys import revoke_api_key

    with _session() as session:
        row = revoke_api_key(session, prefix)
        session.commit()
        typer.echo(f"Clé {row.prefix} révoquée.")
