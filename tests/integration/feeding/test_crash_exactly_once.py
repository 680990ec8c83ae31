"""Exactly once under real crashes: worker processes SIGKILLed while sending, restarted.

On SQLite and PostgreSQL, against the sandbox DMP (which answers slowly here, so that a
send takes a while), the real worker runs in its own processes
(:mod:`tests.integration.feeding.crash_worker`) and is killed twice:

1. in the critical window: the DMP has stored the document and answered, the outcome is
   not recorded yet (the worker kills itself from its ``after_handle`` hook) — the DMP
   holds the document while its order still says ``in_flight``;
2. while sending: the test SIGKILLs a worker as soon as it holds an order in flight.

Two fresh workers are then started; once the leases of the dead workers run out they
take the orders over. Every order must end ``sent`` and every document be in the DMP
exactly once, within a minute. (``bench/feeding_chaos.py`` does the same at scale.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from esante.cda.examples import example_document
from esante.practice.documents import validate_document
from esante.sandbox.dmp import DmpAdmin
from esante.store import SendOrder, session_factory
from tests.integration.feeding.conftest import Practice
from tests.unit.practice.acting import ACTOR
from tests.waiting import wait_until

pytestmark = pytest.mark.xdist_group("feeding")

REPO = Path(__file__).resolve().parents[3]
DOCUMENTS = 5
LEASE_S = 2.0
LATENCY_MS = 300
BOUND_S = 60.0
"""Every order final within a minute of the restart (a generous bound, not a measure)."""


class Workers:
    """Worker processes started by the test, stopped (or killed) at the end."""

    def __init__(self, practice: Practice, tmp: Path) -> None:
        self.practice = practice
        self.tmp = tmp
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, worker_id: str, *, die_in_window: bool = False) -> subprocess.Popen[bytes]:
        ready = self.tmp / f"{worker_id}.ready"
        command = [
            sys.executable,
            "-m",
            "tests.integration.feeding.crash_worker",
            "--database-url",
            self.practice.url,
            "--sandbox",
            str(self.practice.sandbox.manifest.directory),
            "--worker-id",
            worker_id,
            "--ready",
            str(ready),
            "--lease",
            str(LEASE_S),
        ]
        if die_in_window:
            command += ["--die-in-window", "--kill-log", str(self.kill_log)]
        env = {k: v for k, v in os.environ.items() if k != "ESANTE_DATABASE_URL"}
        log = (self.tmp / f"{worker_id}.log").open("wb")
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
        log.close()
        self.processes.append(process)
        wait_until(
            lambda: ready.exists() or process.poll() is not None,
            what=f"worker {worker_id} started",
        )
        return process

    @property
    def kill_log(self) -> Path:
        return self.tmp / "killed-in-window"

    def log(self, worker_id: str) -> str:
        return (self.tmp / f"{worker_id}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(practice: Practice, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(practice, tmp_path)
    yield started
    started.stop()


@pytest.fixture
def slow_dmp(practice: Practice) -> Iterator[None]:
    """The sandbox DMP answers after LATENCY_MS: a send is long enough to be killed in."""
    sessions = session_factory(practice.sandbox.engine)
    with sessions() as session:
        DmpAdmin(session).set_troubles(latency_ms=LATENCY_MS)
    practice.sandbox.app.forget_troubles()
    yield
    with sessions() as session:
        DmpAdmin(session).set_troubles(latency_ms=0)
    practice.sandbox.app.forget_troubles()


def _queue(practice: Practice) -> dict[int, str]:
    """DOCUMENTS validated VSMs for Lola, DMP orders due at once: {order id: uniqueId}."""
    built = example_document("vsm", patient="lola", author="generaliste")
    root = str(built.document_id.root).encode()
    patient_id = practice.patient("lola").id
    orders: dict[int, str] = {}
    with practice.sessions() as session:
        for _ in range(DOCUMENTS):
            unique_id = f"2.25.{uuid.uuid4().int}"
            done = validate_document(
                session,
                built.xml.replace(root, unique_id.encode()),
                patient_id=patient_id,
                feed_dmp=True,
                deferral=timedelta(0),
                actor=ACTOR,
            )
            assert [o.kind for o in done.orders] == ["dmp_submit"]
            assert done.document.unique_id == unique_id
            orders[done.orders[0].id] = unique_id
        session.commit()
    return orders


def _orders(practice: Practice, ids: list[int]) -> dict[int, SendOrder]:
    with practice.sessions() as session:
        rows = session.scalars(select(SendOrder).where(SendOrder.id.in_(ids))).all()
        for row in rows:
            session.expunge(row)
        return {row.id: row for row in rows}


def test_killed_workers_restarted_every_document_in_the_dmp_once(
    practice: Practice, workers: Workers, slow_dmp: None
) -> None:
    orders = _queue(practice)
    ids = list(orders)
    assert len(set(orders.values())) == DOCUMENTS

    # 1. Killed in the critical window: the DMP holds the document, the order is in flight.
    first = workers.start("crash-window", die_in_window=True)
    assert first.wait(timeout=BOUND_S) == -signal.SIGKILL, workers.log("crash-window")
    caught_id, outcome = workers.kill_log.read_text().split()
    caught = int(caught_id)
    assert outcome == "Sent"
    assert practice.in_dmp(orders[caught]) == 1
    caught_order = _orders(practice, [caught])[caught]
    assert caught_order.state == "in_flight"
    assert caught_order.lease_owner == "crash-window"

    # 2. Killed while sending: SIGKILL as soon as the worker holds an order in flight.
    second = workers.start("crash-sending")
    held = wait_until(
        lambda: [
            o
            for o in _orders(practice, ids).values()
            if o.state == "in_flight" and o.lease_owner == "crash-sending"
        ],
        what="the second worker holding an order in flight",
    )
    second.send_signal(signal.SIGKILL)
    assert second.wait(timeout=BOUND_S) == -signal.SIGKILL
    assert len(held) == 1

    # 3. Restarted: the orders of the dead workers are taken over once their lease ends.
    workers.start("restart-1")
    workers.start("restart-2")
    wait_until(
        lambda: all(o.state == "sent" for o in _orders(practice, ids).values()),
        what="every order sent after the restart",
        timeout=BOUND_S,
    )
    assert {uid: practice.in_dmp(uid) for uid in orders.values()} == dict.fromkeys(
        orders.values(), 1
    )
    final = _orders(practice, ids)
    assert final[caught].state == "sent"
    assert final[held[0].id].state == "sent"
    assert final[caught].attempts >= 2  # taken over after the crash, not recorded by the dead
