"""Shared CLI output helpers: French error lines and JSON printing."""

from __future__ import annotations

import json
from typing import Any

import typer

from esante.errors import EsanteError


def fail(exc: EsanteError) -> None:
    """Print an esante error: the French message, then the technical detail."""
    typer.echo(f"Erreur : {exc.message}", err=True)
    if exc.field:
        typer.echo(f"  champ : {exc.field}", err=True)
    if exc.detail:
        typer.echo(f"  détail : {exc.detail}", err=True)


def print_json(data: Any) -> None:
    """Print ``data`` as indented UTF-8 JSON (dates as ISO strings)."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
