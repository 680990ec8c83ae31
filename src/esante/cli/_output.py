"""Shared CLI output helpers: French error lines, times as people read them, JSON printing.

Times are stored and written to JSON in UTC (ISO 8601); everything a person reads shows
the practice's civil time, Europe/Paris, and says so: :func:`paris_time` is the one place
that formats them for every command.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
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


PARIS_TIME_LABEL = "heure de Paris"
"""How a time shown in Europe/Paris is stated (table headers say it once for a column)."""


def paris_time(value: datetime, *, seconds: bool = False, stated: bool = True) -> str:
    """``06/12/2026 10:42 (heure de Paris)``: an instant in Europe/Paris civil time.

    A naive value is taken as UTC, the storage convention. ``seconds`` adds them;
    ``stated=False`` leaves out the zone, for a table column whose header states it
    (``Date (heure de Paris)``).
    """
    from esante.cda.vocabulary import PARIS

    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    local = moment.astimezone(PARIS)
    text = local.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")
    return f"{text} ({PARIS_TIME_LABEL})" if stated else text


def print_json(data: Any) -> None:
    """Print ``data`` as indented UTF-8 JSON (dates as ISO strings)."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
