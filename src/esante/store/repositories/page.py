"""A page of search results: the rows plus the total, for paginated listings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_LIMIT = 200
"""Largest page a search returns, whatever the caller asks."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items`` (at most ``limit``) starting at ``offset`` among ``total`` matches."""

    items: list[T]
    total: int
    limit: int
    offset: int
