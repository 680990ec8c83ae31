"""What authentication and the access trace add to a patient read and to a page of 50
patients (issue 12: target ≤ 2 ms added to a read, p50 and p99; a page is ONE append).

Two apps on the same database, in the same process, in the same run:

* **with auth**: the service as deployed — every request carries a structure's API key
  (``Authorization: Bearer esk_…``: digest looked up, revocation checked), the practice
  checks the access policy and appends to the hash-chained trace (one record for a
  read, one batch append of 50 records for the page) in the request's transaction,
  which the route commits; after the commit, the checkpoint is appended to the anchor
  journal (:func:`esante.audit.anchor_engine`, a file under ``ESANTE_HOME``);
* **key only** (reads): the API key and the policy, the trace's append off — to tell
  the credential's cost from the trace's;
* **cookie** (reads): as *with auth*, but a signed-in browser's session cookie instead
  of the key (the session looked up by digest, its last-seen time refreshed at most
  every 30 s);
* **baseline**: the same routes built with ``create_app(..., require_credentials=False)``,
  the actor given by a dependency override (no credential looked up) and the trace's
  :func:`esante.practice.trace.record` replaced by a no-op for the request — what the
  service cost before issue 12.

The same requests are sent to each scenario one at a time and interleaved (request
``i`` of every scenario, in a rotating order, then request ``i + 1``...): on a shared,
noisy machine a burst of load falls on every scenario alike instead of on whichever
round ran then. Requests go through httpx's ASGI transport (no socket: what is measured
is the app's work, not the loopback). Prints median, p95/p99 and throughput (one
request at a time: the inverse of the mean latency), the added time and the ratio, the
appends per page, the processor time per request (median; every thread of the process:
less sensitive than latencies to a busy machine, and blind to waiting on the
database or the disk), the cost of a bare durable commit on the database for reference (a
traced read must commit its record; an untraced read commits nothing), and the peak
memory.

Run: ``.venv/bin/python bench/auth.py [--requests 400] [--rounds 3] [--postgresql]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, text

from benchlib import peak_rss_mb, percentile, pg_database
from esante import audit
from esante.audit import anchor_engine
from esante.config import Settings
from esante.demo import demo_dataset
from esante.practice import trace as practice_trace
from esante.practice.actors import ROLE_MEDECIN, Actor, local_operator
from esante.practice.apikeys import authenticate_api_key, create_api_key
from esante.practice.demo import load_demo
from esante.practice.patients import NewPatient, create_patient
from esante.store import Patient, Structure, make_engine, session_factory, upgrade
from esante.web import create_app
from esante.web.auth.deps import current_actor
from esante.web.auth.sessions import COOKIE_NAME, open_session

PAGE = 50
READ_TARGET_MS = 2.0


@dataclass
class Timings:
    """Latencies (ms) of one scenario on one app, all rounds together."""

    values: list[float]
    seconds: float = 0.0
    cpu: list[float] = field(default_factory=list)
    """Processor time (ms) the process spent on each request, every thread included:
    much less sensitive than the latency to the other processes of a busy machine."""

    def line(self, label: str) -> str:
        v = self.values
        rate = len(v) / self.seconds if self.seconds else 0.0
        return (
            f"  {label:<10} p50 {statistics.median(v):7.3f} ms   p95 {percentile(v, 95):7.3f} ms"
            f"   p99 {percentile(v, 99):7.3f} ms   {rate:8.0f} req/s"
            + (f"   cpu p50 {statistics.median(self.cpu):6.3f} ms" if self.cpu else "")
        )


def _prepare(url: str) -> tuple[int, str, list[int]]:
    """Demo practice + enough patients for a page of 50; an API key that reads patients.
    Returns the structure id, the key, and the patient ids."""
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        load_demo(session, demo_dataset())
        structure = session.scalar(select(Structure.id).order_by(Structure.id).limit(1))
        assert structure is not None
        operator = local_operator(structure, origin="bench")
        have = len(session.scalars(select(Patient.id)).all())
        for n in range(max(0, PAGE + 5 - have)):
            create_patient(
                session,
                NewPatient(
                    birth_family_name="Banc",
                    birth_given_names="Essai " + "".join(chr(97 + int(d)) for d in f"{n:03d}"),
                    sex="F" if n % 2 else "M",
                    birth_date=date(1950, 1, 1) + timedelta(days=97 * n),
                    local_id=f"BENCH-{n:03d}",
                ),
                actor=operator,
            )
        key = create_api_key(
            session, structure_id=structure, scopes=["patients:read"], label="bench"
        ).key
        session.commit()
        ids = list(session.scalars(select(Patient.id).order_by(Patient.id)))
    engine.dispose()
    return structure, key, ids


def _signed_in(url: str, structure: int, app: FastAPI) -> str:
    """The cookie token of a signed-in médecin of the structure (a local account's
    session: the cookie path is the same for Pro Santé Connect's)."""
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            doctor = Actor(
                kind="local",
                actor_id="bench-medecin",
                name="Dr Banc",
                role=ROLE_MEDECIN,
                structure_id=structure,
            )
            token, _ = open_session(session, doctor, app.state.auth.timeouts)
    finally:
        engine.dispose()
    return token


def _no_trace(*_args: Any, **_kwargs: Any) -> list[audit.AuditEntry]:
    return []


@contextmanager
def _tracing(enabled: bool) -> Iterator[None]:
    """The baseline's rounds run without the trace's append (restored afterwards)."""
    real = practice_trace.record
    if not enabled:
        practice_trace.record = _no_trace
    try:
        yield
    finally:
        practice_trace.record = real


class _Appends:
    """Counts calls of the chain's batch append (and records written) while active."""

    def __init__(self) -> None:
        self.calls = 0
        self.records = 0
        self._real = audit.append_many

    def __enter__(self) -> _Appends:
        def counted(session: Any, events: Sequence[audit.AuditEvent]) -> Any:
            self.calls += 1
            self.records += len(events)
            return self._real(session, events)

        audit.append_many = counted
        return self

    def __exit__(self, *_exc: object) -> None:
        audit.append_many = self._real


@dataclass
class Scenario:
    """One kind of request on one app: its URLs, credential, whether the trace is on."""

    name: str
    app: FastAPI
    urls: Sequence[str]
    headers: dict[str, str]
    traced: bool
    timings: Timings


async def _interleaved(scenarios: Sequence[Scenario], warmup: int = 20) -> None:
    """Request ``i`` of every scenario, then request ``i + 1`` of every scenario...,
    starting each turn with another scenario: a burst of load on the machine falls on
    all of them alike (the apps share nothing but the database file and the process)."""
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for scenario in scenarios:
            await stack.enter_async_context(scenario.app.router.lifespan_context(scenario.app))
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=scenario.app),
                        base_url="http://localhost",
                    )
                )
            )
        count = max(len(s.urls) for s in scenarios)
        for i in range(-warmup, count):
            for turn in range(len(scenarios)):
                k = (i + turn) % len(scenarios)
                scenario, client = scenarios[k], clients[k]
                url = scenario.urls[i % len(scenario.urls)]
                with _tracing(scenario.traced):
                    c0, t0 = time.process_time(), time.perf_counter()
                    response = await client.get(url, headers=scenario.headers)
                    elapsed = time.perf_counter() - t0
                    cpu = time.process_time() - c0
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code} {response.text[:200]}")
                if i >= 0:
                    scenario.timings.values.append(elapsed * 1000)
                    scenario.timings.cpu.append(cpu * 1000)
                    scenario.timings.seconds += elapsed


def _commit_floor(url: str, count: int = 200) -> Timings:
    """A one-row write and its commit, alone: what the database's own durable commit
    costs on this machine (a traced read makes one; an untraced read none)."""
    engine = make_engine(url)
    timings = Timings([])
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_commit_floor (n INTEGER)"))
        for n in range(count + 20):
            t0 = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO bench_commit_floor (n) VALUES (:n)"), {"n": n})
            elapsed = time.perf_counter() - t0
            if n >= 20:
                timings.values.append(elapsed * 1000)
                timings.seconds += elapsed
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE bench_commit_floor"))
    finally:
        engine.dispose()
    return timings


def _measure(url: str, requests: int, rounds: int) -> int:
    structure, key, ids = _prepare(url)
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), database_url=url)
        secured = create_app(settings)
        # as deployed, every commit that appended to the trace writes its checkpoint to
        # the anchor journal (a file under ESANTE_HOME): measured with the trace's cost
        anchor_engine(secured.state.engine, Path(home))
        baseline = create_app(settings, require_credentials=False)
        engine = make_engine(url)
        with session_factory(engine)() as session:
            fixed: Actor = authenticate_api_key(session, key)
            session.commit()
        engine.dispose()
        fixed_with_origin = Actor(**{**fixed.__dict__, "origin": "127.0.0.1"})
        overridden: Callable[[], Actor] = lambda: fixed_with_origin  # noqa: E731
        baseline.dependency_overrides[current_actor] = overridden
        bearer = {"Authorization": f"Bearer {key}"}
        cookie = {"Cookie": f"{COOKIE_NAME}={_signed_in(url, structure, secured)}"}
        reads = [f"/api/patients/{ids[i % len(ids)]}" for i in range(requests)]
        pages = [f"/api/patients?limit={PAGE}"] * max(20, requests // 4)
        results = {
            name: Timings([])
            for name in (
                "read-base",
                "read-auth",
                "read-keyonly",
                "read-session",
                "page-base",
                "page-auth",
            )
        }
        read_scenarios = [
            Scenario("read-base", baseline, reads, {}, False, results["read-base"]),
            # the credential and the policy without the trace: where the time goes
            Scenario("read-keyonly", secured, reads, bearer, False, results["read-keyonly"]),
            Scenario("read-auth", secured, reads, bearer, True, results["read-auth"]),
            # a signed-in browser's cookie instead of the key, traced too
            Scenario("read-session", secured, reads, cookie, True, results["read-session"]),
        ]
        page_scenarios = [
            Scenario("page-base", baseline, pages, {}, False, results["page-base"]),
            Scenario("page-auth", secured, pages, bearer, True, results["page-auth"]),
        ]
        appends = _Appends()
        for _ in range(rounds):
            asyncio.run(_interleaved(read_scenarios))
            with appends:
                asyncio.run(_interleaved(page_scenarios))
        page_requests = rounds * (len(pages) + 20)
        floor = _commit_floor(url)
    print(
        f"structure {structure}, {len(ids)} patients, {rounds} rounds, sequential requests "
        "interleaved across the scenarios"
    )
    verdict = 0
    for scenario, title in (("read", "GET /api/patients/{id}"), ("page", f"page of {PAGE}")):
        base, auth = results[f"{scenario}-base"], results[f"{scenario}-auth"]
        print(f"{title}:")
        print(base.line("baseline"))
        if scenario == "read":
            print(results["read-keyonly"].line("key only"))
        print(auth.line("with auth"))
        if scenario == "read":
            session_read = results["read-session"]
            print(session_read.line("cookie"))
        added50 = statistics.median(auth.values) - statistics.median(base.values)
        added95 = percentile(auth.values, 95) - percentile(base.values, 95)
        added99 = percentile(auth.values, 99) - percentile(base.values, 99)
        ratio = statistics.median(auth.values) / statistics.median(base.values)
        added_cpu = statistics.median(auth.cpu) - statistics.median(base.cpu)
        print(
            f"  added     p50 {added50:+7.3f} ms   p95 {added95:+7.3f} ms   p99 {added99:+7.3f} ms"
            f"   ratio {ratio:.2f}   cpu p50 {added_cpu:+6.3f} ms"
        )
        if scenario == "read":
            s50 = statistics.median(session_read.values) - statistics.median(base.values)
            s99 = percentile(session_read.values, 99) - percentile(base.values, 99)
            print(f"  cookie    p50 {s50:+7.3f} ms   p99 {s99:+7.3f} ms   (signed-in browser)")
            ok = added50 <= READ_TARGET_MS and added99 <= READ_TARGET_MS
            print(f"  target ≤ {READ_TARGET_MS} ms added: {'met' if ok else 'MISSED'}")
            verdict |= 0 if ok else 1
    print(
        f"trace appends per page: {appends.calls / page_requests:.2f} "
        f"({appends.records / max(1, appends.calls):.0f} records each)"
    )
    print("for reference, a bare one-row write committed on this database (not added):")
    print(floor.line("commit"))
    print(f"peak memory: {peak_rss_mb():.0f} MB")
    return verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=400, help="reads per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL (else SQLite)")
    args = parser.parse_args(argv)
    if args.postgresql:
        with pg_database("auth") as url:
            if url is None:
                print("PostgreSQL unavailable", file=sys.stderr)
                return 2
            print("database: PostgreSQL")
            return _measure(url, args.requests, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        print("database: SQLite (WAL)")
        return _measure(f"sqlite:///{tmp}/bench.db", args.requests, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
