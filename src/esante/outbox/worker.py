"""The worker: claims due orders, has them carried out, records the outcome.

One loop per thread, one batch of orders at a time: claim (short transaction) → prepare
(one read-only transaction for the batch: what each order needs from the local record)
→ handle (the network calls, outside any transaction, so the database is never locked
while waiting for the DMP) → record (one short transaction for the batch, each order
conditional on its lease still being held). Three transactions per batch rather than
three per order: on a busy server the database round trips, not the orders, were the
worker's main cost. While a batch takes long (slow calls, a service that times out),
its leases are renewed every half lease, so that no other worker takes over orders
that are merely waiting their turn; an order taken over all the same is skipped. A crash
anywhere leaves either an order still claimable or an ``in_flight`` order whose lease
will expire; both come back to a worker, which asks the service before sending again.

Handlers are chosen by order kind (``dmp_submit``, ``dmp_delete``, ``mss_send``). An
unexpected exception in a handler becomes a retry whose outcome is treated as uncertain:
the order is never lost, and never resent without checking.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from esante.outbox.claim import ClaimedOrder, claim, record_many, renew
from esante.outbox.outcome import OUTCOME_TYPES, Failed, Outcome, Retry, Sent
from esante.outbox.policy import RetryPolicy
from esante.store import utcnow

logger = logging.getLogger("esante.outbox")

CHECKPOINT_INTERVAL_S = 5.0
"""How often an idle worker checkpoints a SQLite WAL."""

DEFAULT_CREDENTIALS = ("structure:*",)
"""What a worker holds unless told otherwise: the structures' certificates (indirect
authentication). Orders needing a professional's card (``cps:…``) wait for a worker
started with that credential."""


class Handler(Protocol):
    """Carries out one claimed order and says what came of it (never raises on purpose)."""

    def prepare(self, session: Session, orders: Sequence[ClaimedOrder]) -> Sequence[object]:
        """Read what carrying out each of ``orders`` needs from the local record (no
        network); one result per order, in order.

        Runs in a read-only transaction shared by the batch, right before the calls: the
        rules checked here (consent, identity) are those in force at send time. A result
        that is an outcome (:data:`Outcome`) settles its order without any call. Given
        the whole batch so that it can read the rows of all its orders at once.
        """
        ...

    def handle(self, order: ClaimedOrder, prepared: object) -> Outcome:
        """Do it; return :class:`Sent`, :class:`Retry`, :class:`Failed` or :class:`Blocked`."""
        ...


def default_worker_id() -> str:
    """``host:pid:random``: unique across hosts and restarts, readable in the order history."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class WorkerStats:
    """What a worker did since it started (for the CLI and the benchmarks)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    lost: int = 0


class Worker:
    """Claims and carries out the orders whose credential it holds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        handlers: Mapping[str, Handler],
        *,
        credentials: Sequence[str] = DEFAULT_CREDENTIALS,
        worker_id: str | None = None,
        policy: RetryPolicy | None = None,
        batch: int = 1,
        idle_sleep_s: float = 0.5,
        clock: Callable[[], datetime] = utcnow,
        after_handle: Callable[[ClaimedOrder, Outcome], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.handlers = dict(handlers)
        self.credentials = tuple(credentials)
        self.worker_id = worker_id or default_worker_id()
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.idle_sleep_s = idle_sleep_s
        self.clock = clock
        # Called between the handler's outcome and its recording: the window where a
        # crash leaves a sent order "in flight". Fault-injection benchmarks kill the
        # process here; nothing else should need it.
        self.after_handle = after_handle
        self.stats = WorkerStats()
        self._lock = threading.Lock()
        self._last_checkpoint = 0.0

    # ------------------------------------------------------------------ one step

    def step(self, worker_id: str | None = None) -> int:
        """Claim one batch, carry it out, record it; return how many orders were taken."""
        wid = worker_id or self.worker_id
        orders = self._claim(wid)
        if not orders:
            return 0
        prepared = self._prepare(orders)
        lease = timedelta(seconds=self.policy.lease_s)
        renew_at = self.clock() + lease / 2
        held = {order.id for order in orders}
        results: list[tuple[ClaimedOrder, Outcome]] = []
        for index, order in enumerate(orders):
            if self.clock() >= renew_at:  # slow calls: keep the batch's orders
                before = held
                held = self._renew([o for o in orders if o.id in held], wid, lease)
                renew_at = self.clock() + lease / 2
                lost = [o.id for o in orders[index:] if o.id in before and o.id not in held]
                if lost:  # those already handled are counted when their outcome is
                    logger.warning("outbox: orders %s were taken over", lost)
                    with self._lock:
                        self.stats.lost += len(lost)
            if order.id not in held:
                continue  # taken over meanwhile: its new holder carries it out
            ready = prepared[order.id]
            outcome = ready if isinstance(ready, OUTCOME_TYPES) else self._handle(order, ready)
            if self.after_handle is not None:
                self.after_handle(order, outcome)
            results.append((order, outcome))
        if results:
            self._record(results, wid)
        return len(orders)

    def run_once(self, *, max_orders: int | None = None) -> int:
        """Carry out every order due now (``--once``); return how many were taken."""
        done = 0
        while max_orders is None or done < max_orders:
            taken = self.step()
            if taken == 0:
                break
            done += taken
        return done

    def run(self, stop: threading.Event, *, threads: int = 1) -> None:
        """Work until ``stop`` is set, with ``threads`` claiming loops."""
        if threads <= 1:
            self._loop(stop, self.worker_id)
            return
        workers = [
            threading.Thread(
                target=self._loop, args=(stop, f"{self.worker_id}/{n}"), name=f"outbox-{n}"
            )
            for n in range(threads)
        ]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()

    def _loop(self, stop: threading.Event, worker_id: str) -> None:
        while not stop.is_set():
            try:
                taken = self.step(worker_id)
            except OperationalError as exc:
                # The database is unreachable or busy: nothing was claimed or the claim
                # rolled back; try again shortly.
                logger.warning("outbox: database unavailable (%s)", type(exc.orig).__name__)
                taken = 0
            if taken == 0:
                self._checkpoint()
                stop.wait(self.idle_sleep_s)

    def _checkpoint(self) -> None:
        """On SQLite, move the WAL into the database while there is nothing to send, so
        that the clinicians' commits rarely pay for a checkpoint (PASSIVE: never waits)."""
        now = time.monotonic()
        if now - self._last_checkpoint < CHECKPOINT_INTERVAL_S:
            return
        self._last_checkpoint = now
        with self.sessions() as session:
            if session.get_bind().dialect.name != "sqlite":
                return
            with contextlib.suppress(OperationalError):  # busy: the next idle moment
                session.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))

    # ------------------------------------------------------------------ steps

    def _claim(self, worker_id: str) -> list[ClaimedOrder]:
        with self.sessions() as session, session.begin():
            orders = claim(
                session,
                worker_id,
                credentials=self.credentials,
                limit=self.batch,
                lease=timedelta(seconds=self.policy.lease_s),
                now=self.clock(),
            )
        with self._lock:
            self.stats.claimed += len(orders)
        return orders

    def _renew(self, orders: list[ClaimedOrder], worker_id: str, lease: timedelta) -> set[int]:
        """Extend the leases of the batch's orders; the ids still held."""
        try:
            with self.sessions() as session, session.begin():
                kept = renew(session, orders, worker_id, lease=lease, now=self.clock())
        except OperationalError:
            # Carry on: if the leases do run out, the new holders check the service.
            logger.warning("outbox: could not renew the leases of a batch")
            return {order.id for order in orders}
        return kept

    def _prepare(self, orders: Sequence[ClaimedOrder]) -> dict[int, object]:
        """Each order's prepared data, or the outcome that settles it without a call."""
        prepared: dict[int, object] = {}
        by_kind: dict[str, list[ClaimedOrder]] = {}
        for order in orders:
            by_kind.setdefault(order.kind, []).append(order)
        with self.sessions() as session:
            for kind, group in by_kind.items():
                handler = self.handlers.get(kind)
                if handler is None:
                    for order in group:
                        prepared[order.id] = Retry(
                            "Aucun module d'envoi n'est configuré pour ce type d'ordre sur ce "
                            "poste.",
                            code="NO_HANDLER",
                        )
                    continue
                try:
                    results = list(handler.prepare(session, group))
                    if len(results) != len(group):
                        raise RuntimeError(f"{len(results)} results for {len(group)} orders")
                except OperationalError:
                    raise  # the database is gone: nothing was sent, the leases will expire
                except Exception as exc:  # a bug must not lose the orders nor stop the loop
                    logger.exception("outbox: preparing orders of kind %s failed", kind)
                    session.rollback()
                    retry = Retry(
                        "Erreur interne pendant la préparation de l'envoi ; nouvelle tentative "
                        "automatique.",
                        code=f"INTERNAL:{type(exc).__name__}",
                    )
                    results = [retry] * len(group)
                for order, result in zip(group, results, strict=True):
                    prepared[order.id] = result
        return prepared

    def _handle(self, order: ClaimedOrder, prepared: object) -> Outcome:
        handler = self.handlers[order.kind]  # present: _prepare settled the others
        try:
            return handler.handle(order, prepared)
        except Exception as exc:  # a bug must not lose the order: retry, check first
            logger.exception("outbox: handler for order %s failed", order.id)
            return Retry(
                "Erreur interne pendant l'envoi ; nouvelle tentative automatique.",
                code=f"INTERNAL:{type(exc).__name__}",
                uncertain=True,
            )

    def _record(self, results: Sequence[tuple[ClaimedOrder, Outcome]], worker_id: str) -> None:
        """Record the batch's outcomes and their trace in one transaction (retried when the
        database is busy; after five failures the leases expire and the orders' next
        holders ask the service)."""
        for attempt in range(5):
            try:
                with self.sessions() as session, session.begin():
                    kept = record_many(
                        session, results, worker_id, policy=self.policy, now=self.clock()
                    )
                break
            except OperationalError:
                if attempt == 4:
                    logger.warning(
                        "outbox: could not record orders %s",
                        ", ".join(str(o.id) for o, _ in results),
                    )
                    return
                time.sleep(0.05 * (attempt + 1))
        else:  # pragma: no cover
            return
        with self._lock:
            stats = self.stats
            for (order, outcome), held in zip(results, kept, strict=True):
                if not held:
                    stats.lost += 1
                    logger.warning("outbox: order %s was taken over before its outcome", order.id)
                elif isinstance(outcome, Sent):
                    stats.sent += 1
                elif isinstance(outcome, Retry):
                    stats.retried += 1
                elif isinstance(outcome, Failed):
                    stats.failed += 1
                else:
                    stats.blocked += 1
