"""The ``esante`` command line (assembled in :mod:`esante.cli.main`)."""

from esante.cli.main import app, main

__all__ = ["app", "main"]
