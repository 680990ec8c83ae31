"""`esante catalogue` (being written)."""

from __future__ import annotations


def catalogue() -> None:
    """Ségur catalogue."""
