"""Fault-injection benchmark of DMP feeding: workers killed at the worst moments.

N documents (500 by default) are validated and their DMP orders queued, all due at once,
in the practice database (SQLite by default, ``--db postgres`` for PostgreSQL). Three
worker processes (``--workers``) carry them out against the sandbox DMP (its own
process, with added latency and a rate of transient failures, so that retries happen),
while two kinds of crash are injected:

* **in the critical window**: each worker runs the real worker
  (:func:`esante.cli._worker_setup.build_worker`) with an ``after_handle`` hook that,
  with probability ``--kill-p``, SIGKILLs its own process right after the DMP answered
  and before the outcome is recorded — the document may be in the DMP while its order
  still says ``in_flight``;
* **at random moments**: the bench SIGKILLs a random worker every few seconds
  (``--kill-every``, exponential; never the last worker still working), whatever it
  is doing.

Every dead worker is restarted. The lease is short (``--lease``, 3 s) so that orders
held by a dead worker come back quickly. When every order is final (or ``--timeout``),
the bench counts, for the queued uniqueIds: documents the DMP holds (distinct, rows),
**lost** (queued but not in the DMP), **duplicated** (a uniqueId stored more than once),
orders not ``sent``, the duplicate submissions the DMP refused
(``XDSDuplicateUniqueIdInRegistry`` in its access log: resubmissions after a crash,
caught by the registry), the TD3.1b checks made before a resubmission (direct
authentication, ``--auth directe``), and the kills of each kind. Exit status 1 when
anything was lost or duplicated.

Run: ``.venv/bin/python bench/feeding_chaos.py [--docs N] [--db sqlite|postgres]``.
PostgreSQL: ``ESANTE_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from benchlib import pg_database, stop_process
from esante.practice.actors import local_operator

ESANTE = Path(sys.executable).with_name("esante")
PATIENT = "lola"
AUTHOR = "generaliste"
DUPLICATE = "XDSDuplicateUniqueIdInRegistry"
FINAL = ("sent", "failed", "cancelled", "blocked")


# --- the worker process ---------------------------------------------------------------------


def run_child(args: argparse.Namespace) -> None:
    """A worker process: the real worker, plus the hook that kills it in the window."""
    from esante.cli._worker_setup import build_worker
    from esante.outbox import ClaimedOrder, Outcome, RetryPolicy

    kill_p: float = args.kill_p
    log_path = Path(args.kill_log)
    chance = random.Random()

    def crash_in_window(order: ClaimedOrder, outcome: Outcome) -> None:
        """The DMP has answered ``outcome``; the order is not recorded yet: die here."""
        if chance.random() < kill_p:
            line = f"{os.getpid()} {order.id} {order.attempts} {type(outcome).__name__}\n"
            fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
            os.kill(os.getpid(), signal.SIGKILL)

    setup = build_worker(
        args.database_url,
        Path(args.sandbox),
        credentials=(args.credential,),
        policy=RetryPolicy(base_s=0.2, cap_s=2.0, lease_s=args.lease),
        idle_sleep_s=0.1,
        after_handle=crash_in_window,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    (Path(args.ready_dir) / str(os.getpid())).touch()  # started: may be killed from now on
    try:
        setup.worker.run(stop, threads=args.threads)
    finally:
        setup.close()


# --- helpers ------------------------------------------------------------------------------


@contextmanager
def sandbox_process(directory: Path, database: str | None) -> Iterator[None]:
    """``esante sandbox start`` (demo DMPs seeded) in its own process.

    Its error output goes to a file: a pipe nobody reads would fill up with the server's
    warnings about connections cut by killed workers, and block it."""
    args = [str(ESANTE), "sandbox", "start", "--dir", str(directory), "--workers", "2"]
    if database:
        args += ["--db", database]
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=errors, text=True)
        try:
            deadline = time.monotonic() + 120
            while not (directory / "sandbox.json").exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    raise SystemExit(f"sandbox did not start: {errors.read()[-3000:]}")
                time.sleep(0.05)
            yield
        finally:
            stop_process(process, "sandbox")


def queue_documents(url: str, count: int, feed_auth: str) -> tuple[list[int], list[str]]:
    """Validate ``count`` VSM documents, orders due at once; (order ids, uniqueIds)."""
    from sqlalchemy import select

    from esante.cda.examples import example_document
    from esante.demo import demo_dataset
    from esante.practice import load_demo
    from esante.practice.documents import validate_document
    from esante.store import Patient, make_engine, session_factory, upgrade

    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    dataset = demo_dataset()
    with sessions() as session:
        load_demo(session, dataset)
        session.commit()
        patient_id = session.scalar(
            select(Patient.id).where(Patient.ins_matricule == dataset.patient(PATIENT).nir)
        )
    assert patient_id is not None
    built = example_document("vsm", patient=PATIENT, author=AUTHOR)
    root = str(built.document_id.root)
    order_ids: list[int] = []
    unique_ids: list[str] = []
    with sessions() as session:
        for _ in range(count):
            unique_id = f"2.25.{uuid.uuid4().int}"
            done = validate_document(
                session,
                built.xml.replace(root.encode(), unique_id.encode()),
                patient_id=patient_id,
                actor=local_operator(1, origin="bench"),
                feed_dmp=True,
                deferral=timedelta(0),
                feed_auth="directe" if feed_auth == "directe" else "indirecte",
            )
            assert done.document.unique_id == unique_id
            order_ids.extend(o.id for o in done.orders)
            unique_ids.append(unique_id)
        session.commit()
    engine.dispose()
    return order_ids, unique_ids


@dataclass
class Child:
    process: subprocess.Popen[str]
    started: float
    killed_by_us: bool = False
    ready_after: float | None = None


@dataclass
class Chaos:
    """The worker processes, their restarts, and the kills."""

    command: list[str]
    env: dict[str, str]
    count: int
    kill_every: float
    rng: random.Random
    ready_dir: Path
    children: list[Child] = field(default_factory=list)
    external_kills: int = 0
    deaths: int = 0
    self_deaths: int = 0
    restarts: int = 0
    startups: list[float] = field(default_factory=list)
    unexpected_exits: list[str] = field(default_factory=list)
    _log: IO[str] | None = None

    def spawn(self) -> Child:
        process = subprocess.Popen(
            self.command,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            text=True,
        )
        return Child(process, time.monotonic())

    def start(self, log: IO[str]) -> None:
        self._log = log
        self.children = [self.spawn() for _ in range(self.count)]

    def tend(self) -> None:
        """Restart every worker that died (in its window, or killed by us)."""
        for i, child in enumerate(self.children):
            code = child.process.poll()
            if code is None:
                continue
            self.deaths += 1
            if not child.killed_by_us:
                self.self_deaths += 1
            if code != -signal.SIGKILL:
                self.unexpected_exits.append(f"exit status {code}")
            self.children[i] = self.spawn()
            self.restarts += 1

    def ready(self, child: Child) -> bool:
        if child.ready_after is None and (self.ready_dir / str(child.process.pid)).exists():
            child.ready_after = time.monotonic() - child.started
            self.startups.append(child.ready_after)
        return child.ready_after is not None

    def working(self) -> int:
        """How many workers are alive and have started working."""
        return sum(1 for c in self.children if c.process.poll() is None and self.ready(c))

    def kill_one(self) -> bool:
        """SIGKILL a random working worker, never the last one working (False then): a
        worker takes seconds to start (imports), and killing every worker would measure
        start-ups, not recovery."""
        alive = [c for c in self.children if c.process.poll() is None and self.ready(c)]
        if len(alive) < 2:
            return False
        victim = self.rng.choice(alive)
        victim.process.send_signal(signal.SIGKILL)
        victim.killed_by_us = True
        self.external_kills += 1
        return True

    def next_kill_in(self) -> float:
        return self.rng.expovariate(1 / self.kill_every) if self.kill_every > 0 else float("inf")

    def stop(self) -> None:
        for child in self.children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()


def order_states(url: str, ids: list[int]) -> dict[str, int]:
    from sqlalchemy import func, select

    from esante.store import SendOrder, make_engine, session_factory

    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            rows = session.execute(
                select(SendOrder.state, func.count())
                .where(SendOrder.id.in_(ids))
                .group_by(SendOrder.state)
            )
            return {str(state): int(n) for state, n in rows}
    finally:
        engine.dispose()


def order_facts(url: str, ids: list[int]) -> dict[str, Any]:
    """Attempts, takeovers after a lease expired, and how the sent orders were settled."""
    from sqlalchemy import func, select

    from esante.store import SendOrder, SendOrderEvent, make_engine, session_factory

    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            attempts = [
                int(a)
                for a in session.scalars(select(SendOrder.attempts).where(SendOrder.id.in_(ids)))
            ]
            takeovers = session.scalar(
                select(func.count())
                .select_from(SendOrderEvent)
                .where(
                    SendOrderEvent.order_id.in_(ids),
                    SendOrderEvent.from_state == "in_flight",
                    SendOrderEvent.to_state == "in_flight",
                )
            )
            retries = session.scalar(
                select(func.count())
                .select_from(SendOrderEvent)
                .where(
                    SendOrderEvent.order_id.in_(ids),
                    SendOrderEvent.from_state == "in_flight",
                    SendOrderEvent.to_state == "due",
                )
            )
            results = Counter[str]()
            for raw in session.scalars(
                select(SendOrder.result).where(SendOrder.id.in_(ids), SendOrder.state == "sent")
            ):
                result = json.loads(raw) if raw else {}
                if result.get("duplicate"):
                    results["already in the DMP (registry refused the resubmission)"] += 1
                elif result.get("verified"):
                    results["already in the DMP (found by TD3.1b before resending)"] += 1
                else:
                    results["deposited"] += 1
            errors = Counter(
                str(code)
                for code in session.scalars(
                    select(SendOrderEvent.error_code).where(
                        SendOrderEvent.order_id.in_(ids), SendOrderEvent.error_code.is_not(None)
                    )
                )
            )
    finally:
        engine.dispose()
    return {
        "attempts": attempts,
        "takeovers": int(takeovers or 0),
        "retries": int(retries or 0),
        "results": results,
        "errors": errors,
    }


def dmp_facts(sandbox: Path, unique_ids: list[str]) -> dict[str, Any]:
    """What the sandbox DMP holds and refused for ``unique_ids``."""
    from sqlalchemy import func, select

    from esante.cli.sandbox import load_manifest
    from esante.sandbox.dmp import make_engine, session_factory
    from esante.sandbox.dmp.models import DmpAccessLog, DmpDocument

    engine = make_engine(load_manifest(sandbox).dmp.database)
    stored: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    calls: Counter[tuple[str, str, str]] = Counter()
    try:
        with session_factory(engine)() as session:
            for start in range(0, len(unique_ids), 500):
                chunk = unique_ids[start : start + 500]
                stored.update(
                    str(u)
                    for u in session.scalars(
                        select(DmpDocument.unique_id).where(DmpDocument.unique_id.in_(chunk))
                    )
                )
                refused.update(
                    str(u)
                    for u in session.scalars(
                        select(DmpAccessLog.document_unique_id).where(
                            DmpAccessLog.document_unique_id.in_(chunk),
                            DmpAccessLog.error_code == DUPLICATE,
                        )
                    )
                )
            for action, outcome, code, n in session.execute(
                select(
                    DmpAccessLog.action,
                    DmpAccessLog.outcome,
                    DmpAccessLog.error_code,
                    func.count(),
                ).group_by(DmpAccessLog.action, DmpAccessLog.outcome, DmpAccessLog.error_code)
            ):
                calls[(str(action), str(outcome), str(code or "-"))] += int(n)
    finally:
        engine.dispose()
    return {"stored": stored, "refused": refused, "calls": calls}


def read_kill_log(path: Path) -> list[tuple[int, int, int, str]]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        pid, order_id, attempt, outcome = line.split()
        entries.append((int(pid), int(order_id), int(attempt), outcome))
    return entries


# --- the bench ----------------------------------------------------------------------------


def trouble(sandbox: Path, fail_rate: float, latency_ms: int) -> None:
    subprocess.run(
        [
            str(ESANTE),
            "sandbox",
            "dmp",
            "trouble",
            "--sandbox",
            str(sandbox),
            "--fail-rate",
            str(fail_rate),
            "--latency-ms",
            str(latency_ms),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def chaos_run(args: argparse.Namespace, practice_url: str, dmp_url: str | None, tmp: Path) -> int:
    sandbox = tmp / "sandbox"
    kill_log = tmp / "kills.log"
    ready_dir = tmp / "ready"
    ready_dir.mkdir()
    worker_log = tmp / "workers.log"
    rng = random.Random(args.seed)
    print(
        f"Feeding under fire: {args.docs} documents, practice database {args.db}, "
        f"{args.workers} workers × {args.threads} threads, lease {args.lease:g} s, "
        f"authentication {args.auth}"
    )
    started = time.monotonic()
    with sandbox_process(sandbox, dmp_url):
        trouble(sandbox, args.fail_rate, args.latency_ms)
        print(
            f"  sandbox up ({time.monotonic() - started:.1f} s): latency {args.latency_ms} ms, "
            f"fail rate {args.fail_rate:.0%}"
        )
        t0 = time.monotonic()
        order_ids, unique_ids = queue_documents(practice_url, args.docs, args.auth)
        print(f"  {len(order_ids)} orders queued, due at once ({time.monotonic() - t0:.1f} s)")
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "--database-url",
            practice_url,
            "--sandbox",
            str(sandbox),
            "--kill-p",
            str(args.kill_p),
            "--kill-log",
            str(kill_log),
            "--ready-dir",
            str(ready_dir),
            "--lease",
            str(args.lease),
            "--threads",
            str(args.threads),
            "--credential",
            "cps:*" if args.auth == "directe" else "structure:*",
        ]
        env = dict(os.environ)
        env.pop("ESANTE_DATABASE_URL", None)
        chaos = Chaos(command, env, args.workers, args.kill_every, rng, ready_dir)
        with worker_log.open("w") as log:
            chaos.start(log)
            t0 = time.monotonic()
            deadline = t0 + args.timeout
            next_kill = t0 + chaos.next_kill_in()
            next_check = t0
            states: dict[str, int] = {}
            last_report = t0
            try:
                while time.monotonic() < deadline:
                    now = time.monotonic()
                    chaos.tend()
                    chaos.working()  # notes start-up times
                    if now >= next_kill:
                        chaos.kill_one()
                        next_kill = now + chaos.next_kill_in()
                    if now >= next_check:
                        states = order_states(practice_url, order_ids)
                        next_check = now + 0.5
                        if sum(states.get(s, 0) for s in FINAL) == len(order_ids):
                            break
                        if now - last_report >= 10:
                            last_report = now
                            print(
                                f"  … {now - t0:5.0f} s: {dict(sorted(states.items()))}, "
                                f"{chaos.working()} workers working"
                            )
                    time.sleep(0.05)
            finally:
                chaos.stop()
            elapsed = time.monotonic() - t0
        states = order_states(practice_url, order_ids)
        facts = order_facts(practice_url, order_ids)
        dmp = dmp_facts(sandbox, unique_ids)
    kills = read_kill_log(kill_log)
    stored: Counter[str] = dmp["stored"]
    refused: Counter[str] = dmp["refused"]
    lost = [u for u in unique_ids if stored[u] == 0]
    duplicated = [u for u, n in stored.items() if n > 1]
    not_sent = len(order_ids) - states.get("sent", 0)
    attempts: list[int] = facts["attempts"]
    in_window = Counter(outcome for _, _, _, outcome in kills)
    timed_out = sum(states.get(s, 0) for s in FINAL) != len(order_ids)

    print(f"  finished in {elapsed:.1f} s{' (TIMEOUT)' if timed_out else ''}")
    print("Results")
    print(f"  documents queued                          {len(unique_ids)}")
    print(f"  in the DMP: distinct uniqueIds / rows     {len(stored)} / {sum(stored.values())}")
    print(f"  LOST (queued, not in the DMP)             {len(lost)}")
    print(f"  DUPLICATED (uniqueId stored twice)        {len(duplicated)}")
    print(f"  orders not 'sent'                         {not_sent}   states {states}")
    print(
        f"  duplicate submissions refused by the DMP  {sum(refused.values())} "
        f"({len(refused)} documents; {DUPLICATE})"
    )
    for label, n in sorted(facts["results"].items()):
        print(f"  sent orders: {label:<56} {n}")
    print(
        f"  kills in the critical window (self)       {len(kills)} "
        f"(after outcome: {dict(in_window)})"
    )
    print(f"  kills at random moments (external)        {chaos.external_kills}")
    print(
        f"  worker deaths seen / of which not by us / restarts   {chaos.deaths} / "
        f"{chaos.self_deaths} / {chaos.restarts}"
    )
    if chaos.startups:
        ordered = sorted(chaos.startups)
        print(
            f"  worker start-up (spawn → working): median {ordered[len(ordered) // 2]:.1f} s, "
            f"max {ordered[-1]:.1f} s"
        )
    if chaos.unexpected_exits:
        print(f"  worker exits not by SIGKILL               {chaos.unexpected_exits[:5]}")
        print("  end of the workers' error output:")
        for line in worker_log.read_text().splitlines()[-15:]:
            print(f"    {line}")
    print(
        f"  attempts per order: total {sum(attempts)}, max {max(attempts, default=0)}; "
        f"takeovers after an expired lease {facts['takeovers']}; transient retries "
        f"{facts['retries']}"
    )
    if facts["errors"]:
        print(f"  attempt errors recorded: {dict(facts['errors'].most_common(6))}")
    calls = dmp["calls"]
    print(
        "  DMP access log (action, outcome, error): "
        + ", ".join(f"{a}/{o}/{c}: {n}" for (a, o, c), n in sorted(calls.items()))
    )
    rate = len(unique_ids) / elapsed if elapsed > 0 else 0.0
    print(
        f"  throughput under fire: {rate:.1f} documents/s ({os.cpu_count()} CPUs, load "
        f"average {os.getloadavg()[0]:.1f})"
    )
    summary = {
        "docs": len(unique_ids),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "not_sent": not_sent,
        "refused_duplicates": sum(refused.values()),
        "kills_in_window": len(kills),
        "kills_external": chaos.external_kills,
        "seconds": round(elapsed, 1),
    }
    print(json.dumps(summary))
    if lost or duplicated:
        print("FAILED: documents lost or duplicated")
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=500, help="documents queued (500)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=3, help="worker processes (3)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (2)")
    parser.add_argument("--kill-p", type=float, default=0.02, help="in-window kill chance")
    parser.add_argument("--kill-every", type=float, default=5.0, help="mean s between kills")
    parser.add_argument("--lease", type=float, default=3.0, help="lease of a claim (s)")
    parser.add_argument("--fail-rate", type=float, default=0.1, help="DMP transient failures")
    parser.add_argument("--latency-ms", type=int, default=20, help="DMP added latency")
    parser.add_argument("--auth", choices=("indirecte", "directe"), default="indirecte")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up after (s)")
    parser.add_argument("--seed", type=int, default=None)
    # the worker process mode (started by the bench itself)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--sandbox", help=argparse.SUPPRESS)
    parser.add_argument("--kill-log", help=argparse.SUPPRESS)
    parser.add_argument("--ready-dir", help=argparse.SUPPRESS)
    parser.add_argument("--credential", default="structure:*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.db == "postgres":
            with (
                pg_database("practice", "esante_chaos") as practice_url,
                pg_database("dmp", "esante_chaos") as dmp_url,
            ):
                if practice_url is None or dmp_url is None:
                    raise SystemExit("PostgreSQL unreachable: --db postgres needs it")
                code = chaos_run(args, practice_url, dmp_url, tmp)
        else:
            code = chaos_run(args, f"sqlite:///{tmp / 'home' / 'esante.db'}", None, tmp)
    sys.exit(code)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
