"""When to try a failed send again, and when to stop trying.

Exponential backoff with full jitter: after the n-th failed attempt the order waits a
random time in ``[base * 2**(n-1) / 2, base * 2**(n-1)]``, capped at ``cap``. The jitter
spreads the retries of many orders that failed together (the DMP was down), so that they
do not all hit the service again at the same second when it comes back. Transient
failures retry until ``give_up_after`` has passed since the order became due; a service
down for days is then reported as a failure the user sees, instead of waiting forever.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff parameters (seconds) and the lease a worker holds on a claimed order."""

    base_s: float = 2.0
    cap_s: float = 300.0
    give_up_after: timedelta = timedelta(days=3)
    lease_s: float = 120.0
    random: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, attempts: int) -> timedelta:
        """The wait before the next attempt, after ``attempts`` failed attempts (≥ 1)."""
        ceiling = min(self.cap_s, self.base_s * 2 ** max(0, attempts - 1))
        return timedelta(seconds=ceiling / 2 + self.random() * ceiling / 2)

    def gives_up(self, first_due: datetime, now: datetime) -> bool:
        """True when transient failures have lasted longer than ``give_up_after``."""
        return now - first_due > self.give_up_after
