"""`esante cda` commands (being written)."""

from __future__ import annotations

import typer

app = typer.Typer(help="cda", no_args_is_help=True)
