"""Assertion ids already used: a VIHF serves one request, a replay is refused.

A VIHF proves who calls only if it cannot be captured and sent again: the DMP refuses an
assertion whose ``ID`` it has already accepted while that assertion is still valid
(OASIS SAML 2.0 Core §1.3.4: the ``ID`` is unique; Profiles §4.1.4.5, "the assertion
consumer MUST ensure that bearer assertions are not replayed, by maintaining the set of
used ID values for the length of time for which the assertion would be considered valid").

:class:`ReplayGuard` keeps each accepted id until the moment the assertion would be
refused anyway (its end of validity, clock skew included); past it, the time checks
refuse a replay and the id is forgotten. The set is bounded (:data:`MAX_REMEMBERED`): when
it is full of ids still valid, the one expiring first is forgotten and a warning logged —
memory stays bounded under a flood, at the price of not recognising that one id.

The guard lives in the process: a sandbox started with several workers keeps one set per
worker, so a replay reaching another worker than the original is not recognised.
"""

from __future__ import annotations

import heapq
import logging
import threading
from datetime import datetime
from typing import Final

logger = logging.getLogger("esante.sandbox.dmp")

MAX_REMEMBERED: Final = 200_000
"""Ids remembered at most (about 50 MB): with assertions valid an hour at most, more than
55 requests a second sustained for an hour."""


class ReplayGuard:
    """The ids of accepted assertions, each until its end of validity (thread-safe)."""

    def __init__(self, *, max_remembered: int = MAX_REMEMBERED) -> None:
        self._max = max_remembered
        self._until: dict[str, datetime] = {}
        self._expiries: list[tuple[datetime, str]] = []
        self._lock = threading.Lock()

    def first_use(self, assertion_id: str, *, until: datetime, now: datetime) -> bool:
        """Record ``assertion_id`` as used until ``until``; False if it already was (a
        replay). ``now`` forgets the ids whose validity is over."""
        with self._lock:
            self._forget_expired(now)
            known = self._until.get(assertion_id)
            if known is not None:
                return False
            if len(self._until) >= self._max:
                expiry, oldest = heapq.heappop(self._expiries)
                del self._until[oldest]
                logger.warning("replay guard full: an id valid until %s forgotten", expiry)
            self._until[assertion_id] = until
            heapq.heappush(self._expiries, (until, assertion_id))
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._until)

    def _forget_expired(self, now: datetime) -> None:
        while self._expiries and self._expiries[0][0] <= now:
            _, assertion_id = heapq.heappop(self._expiries)
            self._until.pop(assertion_id, None)
