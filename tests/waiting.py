"""Waiting on a condition, never on a fixed sleep.

A test that sleeps a guessed time and then looks fails on a loaded machine (the guess was
short) or wastes time on an idle one. These helpers poll a condition until it holds, up to
a generous bound that only a real fault reaches; the bound is never what is measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

GENEROUS_S = 30.0
"""Default bound: far above what any condition of the suite needs on an idle machine."""


def wait_until(
    condition: Callable[[], T | None],
    *,
    what: str,
    timeout: float = GENEROUS_S,
    interval: float = 0.05,
) -> T:
    """Poll ``condition`` until it returns a true value, and return that value.

    Raises :class:`AssertionError` naming ``what`` was awaited when ``timeout`` seconds
    pass first (the condition is evaluated once more at the deadline).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"still waiting after {timeout:g} s: {what}")
        time.sleep(interval)
