"""`esante pki` commands (being written)."""

from __future__ import annotations

import typer

app = typer.Typer(help="pki", no_args_is_help=True)
