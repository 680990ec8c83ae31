"""`esante serve` and `esante demo` (being written)."""

from __future__ import annotations


def serve() -> None:
    """Start the web service."""


def demo() -> None:
    """Start the demo."""
