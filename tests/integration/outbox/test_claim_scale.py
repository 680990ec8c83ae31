"""Claiming at scale: several worker processes drain one queue, no order taken twice.

Each worker is a separate process (``spawn``: nothing shared but the database) running
the real :class:`~esante.outbox.Worker` loop with two threads and a trivial handler that
writes down, in a file of its own, each order it was given. The handler is a stand-in
for the DMP call only: claiming, leasing and recording are esante's own code against a
real database. Afterwards every order must be ``sent`` after exactly one attempt, handed
to exactly one handler call, and its history must show exactly one claim (one
``in_flight`` event), made by the process whose handler carried it out.

PostgreSQL: 4 processes, 5,000 orders (``FOR UPDATE SKIP LOCKED``). SQLite: 2 processes,
1,000 orders (one writer at a time; the claim's ``UPDATE … RETURNING`` re-checks).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from esante.outbox import ClaimedOrder, RetryPolicy, Sent, Worker
from esante.store import (
    Patient,
    Practitioner,
    SendOrder,
    SendOrderEvent,
    Structure,
    make_engine,
    session_factory,
    upgrade,
    utcnow,
)

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
DEADLINE_S = 120.0
"""A guard against a hang, not a timing assertion (timings belong to the benchmarks)."""
BATCH = 10
RENDEZVOUS_S = 60.0
"""How long a worker's first handler call waits for the other processes to start."""
"""Orders claimed per transaction. Ten rows locked at once by each of eight claiming
loops makes overlapping candidate sets the rule; and a claim costs several milliseconds
of ORM work whatever its size, so one order per claim would double the run on two
cores."""


# --------------------------------------------------------------------------- the workers


class Recorder:
    """The trivial handler: note (order id, pid, thread) and report it sent.

    Its first call in a process waits (bounded) until every worker process has reached
    its first call too: on a loaded machine the first process up could otherwise drain
    the whole queue before the others start, and "every process took part" would then
    depend on the machine's load instead of on the queue being shared. Whoever waits
    holds its batch claimed, so the others can only progress by claiming other orders.
    """

    def __init__(self, path: Path, processes: int) -> None:
        self._file = path.open("a", buffering=1, encoding="utf-8")
        self._lock = threading.Lock()
        self._rendezvous = path.parent
        self._processes = processes
        self._started = False

    def _meet_the_others(self) -> None:
        (self._rendezvous / f"started-{os.getpid()}").touch()
        bound = time.monotonic() + RENDEZVOUS_S
        while time.monotonic() < bound:
            if len(list(self._rendezvous.glob("started-*"))) >= self._processes:
                return
            time.sleep(0.01)

    def prepare(self, session: Session, orders: Sequence[ClaimedOrder]) -> list[object]:
        return [None] * len(orders)

    def handle(self, order: ClaimedOrder, prepared: object) -> Sent:
        with self._lock:
            first, self._started = not self._started, True
        if first:
            self._meet_the_others()
        line = f"{order.id}\t{os.getpid()}\t{threading.current_thread().name}\n"
        with self._lock:
            self._file.write(line)
        return Sent({"recorded": True})

    def close(self) -> None:
        self._file.close()


def work(url: str, out: str, processes: int, ready: Any, go: Any, stop: Any) -> None:
    """One worker process: wait for the start signal, drain until told to stop."""
    engine = make_engine(url)
    recorder = Recorder(Path(out), processes)
    worker = Worker(
        session_factory(engine),
        {"dmp_submit": recorder},
        credentials=("structure:*",),
        policy=RetryPolicy(lease_s=120.0),
        batch=BATCH,
        idle_sleep_s=0.01,
    )
    local_stop = threading.Event()

    def relay() -> None:
        stop.wait()
        local_stop.set()

    threading.Thread(target=relay, daemon=True).start()
    ready.set()
    go.wait()
    try:
        worker.run(local_stop, threads=2)
    finally:
        recorder.close()
        engine.dispose()


# --------------------------------------------------------------------------- the queue


def fill(url: str, count: int) -> None:
    """``count`` orders, all due now, for one patient (bulk insert: the queue, not the
    way it was filled, is under test)."""
    engine = make_engine(url)
    try:
        sessions = session_factory(engine)
        with sessions() as session:
            structure = Structure(name="Cabinet", finess="750000001", id_nat_struct="1750000001")
            doctor = Practitioner(
                rpps="10003986931",
                family_name="Perrin",
                given_name="François",
                profession_code="10",
                structure=structure,
            )
            patient = Patient(
                local_id="IPP-1",
                birth_family_name="MARTIN",
                birth_given_names="Jeanne",
                first_given_name="Jeanne",
                sex="F",
                birth_date=date(1982, 5, 14),
                ins_matricule="282052A12345678",
                ins_oid="1.2.250.1.213.1.4.10",
                identity_status="QUAL",
            )
            session.add_all([structure, doctor, patient])
            session.flush()
            now = utcnow() - timedelta(seconds=1)
            session.execute(
                insert(SendOrder),
                [
                    {
                        "kind": "dmp_submit",
                        "idempotency_key": f"dmp:scale-{n}",
                        "patient_id": patient.id,
                        "practitioner_id": doctor.id,
                        "state": "due",
                        "authentication_mode": "indirecte",
                        "credential": "structure:1750000001",
                        "historical": False,
                        "deferral_until": now,
                        "available_at": now,
                        "attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(count)
                ],
            )
            session.commit()
    finally:
        engine.dispose()


def drain(url: str, count: int, processes: int, tmp: Path) -> dict[str, Any]:
    """Run ``processes`` workers until the ``count`` orders are sent; what they did."""
    fill(url, count)
    context = multiprocessing.get_context("spawn")
    go, stop = context.Event(), context.Event()
    readies = [context.Event() for _ in range(processes)]
    files = [tmp / f"worker-{n}.tsv" for n in range(processes)]
    pool = [
        context.Process(target=work, args=(url, str(files[n]), processes, readies[n], go, stop))
        for n in range(processes)
    ]
    for process in pool:
        process.start()
    engine = make_engine(url)
    try:
        for ready in readies:
            assert ready.wait(20), "a worker process did not start"
        started = time.monotonic()
        go.set()
        while time.monotonic() - started < DEADLINE_S and count_sent(engine) < count:
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        for process in pool:
            process.join(20)
            if process.is_alive():
                process.kill()
                process.join()
        engine.dispose()
    assert all(p.exitcode == 0 for p in pool), [p.exitcode for p in pool]
    handled: list[tuple[int, int]] = []
    for path in files:
        for line in path.read_text().splitlines():
            order_id, pid, _thread = line.split("\t")
            handled.append((int(order_id), int(pid)))
    facts = history(url)
    facts.update(elapsed=elapsed, handled=handled, pids=[p.pid for p in pool])
    return facts


def count_sent(engine: Engine) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(SendOrder).where(SendOrder.state == "sent")
        return conn.scalar(query) or 0


def history(url: str) -> dict[str, Any]:
    """The orders' states and attempts, and who claimed and recorded each one."""
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            rows = session.execute(select(SendOrder.state, func.count()).group_by(SendOrder.state))
            states = {str(state): int(n) for state, n in rows}
            attempts = Counter(int(a) for a in session.scalars(select(SendOrder.attempts)))
            claims = session.execute(
                select(SendOrderEvent.order_id, SendOrderEvent.by).where(
                    SendOrderEvent.to_state == "in_flight"
                )
            ).all()
            recorded = session.execute(
                select(SendOrderEvent.order_id, SendOrderEvent.by).where(
                    SendOrderEvent.to_state == "sent"
                )
            ).all()
            total = session.scalar(select(func.count()).select_from(SendOrder))
    finally:
        engine.dispose()
    return {
        "total": total,
        "states": states,
        "attempts": attempts,
        "claims": [(int(o), str(b)) for o, b in claims],
        "recorded": [(int(o), str(b)) for o, b in recorded],
    }


def check(result: dict[str, Any], count: int, processes: int) -> None:
    assert result["total"] == count
    assert result["states"] == {"sent": count}, (
        f"{result['states']} after {result['elapsed']:.0f} s"
    )
    assert result["attempts"] == {1: count}, "an order was attempted more than once"
    handled = Counter(order_id for order_id, _ in result["handled"])
    assert len(handled) == count
    assert set(handled.values()) == {1}, "an order was handed to two handler calls"
    claimed = Counter(order_id for order_id, _ in result["claims"])
    assert len(claimed) == count
    assert set(claimed.values()) == {1}, "an order was claimed twice"
    assert Counter(order_id for order_id, _ in result["recorded"]) == claimed
    # The claim was made by the process whose handler ran it, and recorded by it too
    # (worker ids are "host:pid:random/thread").
    by_pid = dict(result["handled"])
    for order_id, worker_id in result["claims"]:
        assert int(worker_id.split(":")[1]) == by_pid[order_id]
    for order_id, worker_id in result["recorded"]:
        assert int(worker_id.split(":")[1]) == by_pid[order_id]
    # Every process took part: the queue was shared, not drained by the first one up.
    per_process = Counter(pid for _, pid in result["handled"])
    assert set(per_process) == set(result["pids"]), per_process
    assert len(per_process) == processes


# --------------------------------------------------------------------------- the tests


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own (the shared one is emptied between
    tests of other modules)."""
    import psycopg

    server = make_url(
        os.environ.get("ESANTE_TEST_PG_URL", PG_DEFAULT).replace(
            "postgresql+psycopg://", "postgresql://"
        )
    )
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"esante_claim_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL unreachable ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    url = server.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    )
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.slow
def test_four_workers_on_postgresql_drain_5000_orders_none_claimed_twice(
    pg_url: str, tmp_path: Path
) -> None:
    result = drain(pg_url, 5000, 4, tmp_path)
    check(result, 5000, 4)


@pytest.mark.slow
def test_two_workers_on_sqlite_drain_1000_orders_none_claimed_twice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'esante.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    result = drain(url, 1000, 2, tmp_path)
    check(result, 1000, 2)
