"""Benchmark of the practice console (issue 14): the patient record with its Mon espace
santé bar, and the send queue, over real sockets against ``esante serve``.

The world is :mod:`consultation`'s (imported, not copied): the sandbox of the national
services in its own process (``esante sandbox start``, SQLite, 2 server processes), a
SQLite practice database holding the demo data, a qualified patient who consented, whose
DMP holds ``--documents`` (200) documents fed by the pédiatre — the last quarter after
the GP's last visit, so new for him — and the sandbox adding ``--latency-ms`` (50 ms) to
every DMP call. ``esante serve`` runs as a subprocess on that practice database
(``ESANTE_SANDBOX`` names the sandbox: the bar's DMP client is the service's own). The
GP's web session is opened directly in the practice database
(:func:`esante.web.auth.sessions.open_session`, as the Pro Santé Connect sign-in would)
and its cookie sent with httpx over one keep-alive connection, as a browser does.

1. **Patient record and bar**, as a browser loads them, one after the other: ``GET
   /patients/{id}`` — time to first byte (response headers received) and page complete
   —, then the bar the page loads with htmx (``hx-trigger="load"``), ``GET
   /patients/{id}/bandeau`` with ``HX-Request`` — page + bar complete, from the page's
   request. Static assets are left out (a browser caches them), as are the record's two
   other fragments (lists, documents: local reads, loaded beside the bar). Every bar is
   checked to be "Accès possible" with the fed counts.

   * *cold*: a serve started with ``ESANTE_DMP_BAR_CACHE_SECONDS=0``: every bar asks the
     DMP (TD0.2 and TD3.1 ×3, concurrently, on a DMP client the request builds: new TLS
     connections each time);
   * *cached*: a serve with the default cache (60 s): after the first bar, no DMP call.

   Baseline, measured in the same run and interleaved with the cold pages: the bar's DMP
   calls made directly with the client, one after the other, on warm connections
   (:func:`consultation.baseline_calls`; it does not involve the serve, so the cached
   series is compared with the same samples). Target: page + bar p95 ≤ 300 ms. Also
   timed, in this process: what every bar request does before any DMP call, even when
   the cache answers — resolve the services' profile and build the DMP client
   (:func:`esante.web.api.routes.dmp_bar.dmp_credential`). Throughput: page + bar per
   second from 4 concurrent browsers (each its own connection).
2. **Send queue** with 1,000 orders in the database (:func:`esante.outbox.create_order`,
   for four demo patients, each order on a validated document of its patient; DMP and
   MSSanté sends, a fifth blocked, the others in their deferral window — an hour, so the
   serve's own worker leaves them alone): ``GET /envois`` (the default page: 50 latest
   orders and the counts by state), ``GET /envois/liste`` (the fragment the page polls
   every 5 s), ``GET /envois?limite=1000`` (every order on one page, for scale), and the
   server's floor: ``GET /health`` (which reads the schema revision) and a static file on
   the kept-alive connection and on a new connection each time (a gap of ~40 ms between
   the two is the Nagle / delayed-ACK stall of a connection without ``TCP_NODELAY``;
   ``--tcp-nodelay`` measures everything again with it, a what-if, see
   :data:`NODELAY_LAUNCHER`). Target: ``/envois`` p95 ≤ 150 ms. Throughput from 4
   concurrent browsers.
3. **Memory**: peak RSS of each serve process (VmHWM), of this process and the sandbox.

Run: ``.venv/bin/python bench/console.py [--rounds 20] [--latency-ms 50] [--documents
200] [--orders 1000] [--tcp-nodelay]``; about two minutes (2 loaded cores: more).
Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from benchlib import children_of, peak_rss_mb, percentile, process_peak_mb, stop_process
from consultation import (
    ESANTE,
    SANDBOX_WORKERS,
    World,
    baseline_calls,
    dmp_requests,
    feed,
    make_world,
    sandbox_process,
    set_latency,
    templates,
)
from esante.cda.examples import example_document
from esante.config import Settings
from esante.demo import demo_dataset
from esante.outbox import NewOrder, create_order
from esante.practice.dmp_counters import count_label
from esante.practice.documents import validate_document
from esante.store.models import Patient
from esante.web.api.routes.dmp_bar import dmp_credential
from esante.web.auth.sessions import COOKIE_NAME, Timeouts, open_session

THREADS = 4
QUEUE_PATIENTS = ("robert", "paulette", "louise", "hugo")
"""Demo patients of the GP whose documents fill the queue."""
BLOCKED_EVERY = 5
STATIC = "/static/console.css"
"""A file the service serves without session nor database: the HTTP floor."""


# --- the serve --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Serve:
    """A running ``esante serve``: its address and process id."""

    base: str
    pid: int


NODELAY_LAUNCHER = """
import socket, sys
import esante.web
from esante.web import server

def bind(host, port):
    sock = server.bind(host, port)
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())

esante.web.bind = bind
from esante.cli import main
sys.exit(main())
"""
"""``esante serve`` whose listening socket says it is TCP (``IPPROTO_TCP``): asyncio sets
``TCP_NODELAY`` on accepted connections only then (``base_events._set_nodelay`` checks
``sock.proto``), and ``esante.web.server.bind`` makes it with protocol 0 (``--tcp-nodelay``,
a what-if)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_process(
    home: Path,
    database_url: str,
    sandbox: Path,
    cache_seconds: float | None,
    *,
    nodelay: bool = False,
) -> Iterator[Serve]:
    """``esante serve`` on a free loopback port, on the practice database, its DMP the
    sandbox's; ``cache_seconds`` sets ``ESANTE_DMP_BAR_CACHE_SECONDS`` (None: default);
    ``nodelay``: through :data:`NODELAY_LAUNCHER`.

    Its output goes to a file: a pipe nobody reads would fill up and block it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")}
    env.update(
        ESANTE_HOME=str(home),
        ESANTE_DATABASE_URL=database_url,
        ESANTE_SANDBOX=str(sandbox),
        ESANTE_PORT=str(port),
    )
    if cache_seconds is not None:
        env["ESANTE_DMP_BAR_CACHE_SECONDS"] = str(cache_seconds)
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile("w+") as output:
        command = [sys.executable, "-c", NODELAY_LAUNCHER] if nodelay else [str(ESANTE)]
        process = subprocess.Popen(
            [*command, "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=output,
            text=True,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    output.seek(0)
                    raise SystemExit(f"esante serve did not start: {output.read()[-3000:]}")
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            yield Serve(base, process.pid)
        finally:
            stop_process(process, "serve")


def session_cookie(world: World) -> str:
    """A web session of the GP opened in the practice database, as the PSC sign-in does."""
    with world.sessions() as session:
        token, _ = open_session(
            session, world.doctor, Timeouts(idle=timedelta(hours=2), absolute=timedelta(hours=12))
        )
    return token


def browser(serve: Serve, cookie: str) -> httpx.Client:
    """One browser: a keep-alive connection carrying the session cookie."""
    return httpx.Client(base_url=serve.base, cookies={COOKIE_NAME: cookie}, timeout=30)


# --- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """One request: time to its first byte (headers received), to its last, its body."""

    first_byte_ms: float
    complete_ms: float
    text: str


def fetch(client: httpx.Client, path: str, *, fragment: bool = False) -> Timing:
    """``GET path`` (as htmx does when ``fragment``), timed; a non-200 answer stops the bench."""
    headers = {"HX-Request": "true"} if fragment else {}
    started = time.perf_counter()
    with client.stream("GET", path, headers=headers) as answer:
        first = time.perf_counter()
        body = answer.read()
        done = time.perf_counter()
        if answer.status_code != 200:
            raise SystemExit(f"GET {path}: {answer.status_code} {body[:500]!r}")
    return Timing((first - started) * 1000, (done - started) * 1000, body.decode())


@dataclass(frozen=True)
class RecordLoad:
    """The record page then its bar, one after the other, from the page's request."""

    page_first_byte_ms: float
    page_ms: float
    with_bar_ms: float
    bar_ms: float
    bar: str


def load_record(client: httpx.Client, patient_id: int) -> RecordLoad:
    started = time.perf_counter()
    page = fetch(client, f"/patients/{patient_id}")
    if f'hx-get="/patients/{patient_id}/bandeau"' not in page.text:
        raise SystemExit("the record page does not load the bar")
    bar = fetch(client, f"/patients/{patient_id}/bandeau", fragment=True)
    total = (time.perf_counter() - started) * 1000
    return RecordLoad(page.first_byte_ms, page.complete_ms, total, bar.complete_ms, bar.text)


def check_bar_html(world: World, html: str) -> None:
    """The bar says "Accès possible" and counts what was fed: a bench of a wrong answer
    is worthless (the labels are the library's own, :func:`count_label`)."""
    expected = (
        "Accès possible",
        count_label(world.fed, "document disponible", "documents disponibles"),
        count_label(world.new, "nouveau document", "nouveaux documents"),
    )
    missing = [text for text in expected if text not in html]
    if missing:
        raise SystemExit(f"the bar lacks {missing}: {re.sub(r'<[^>]+>', ' ', html)[:1500]}")


def report_ms(label: str, samples_ms: list[float], target_ms: float | None = None) -> float:
    """One line of p50 / p95 / p99 (and the target's verdict); returns p50."""
    p50, p95 = percentile(samples_ms, 50), percentile(samples_ms, 95)
    line = (
        f"  {label}: p50 {p50:.1f} ms  p95 {p95:.1f} ms  p99 {percentile(samples_ms, 99):.1f} ms"
        f"  (n={len(samples_ms)})"
    )
    if target_ms is not None:
        line += f"  target p95 ≤ {target_ms:.0f} ms: {'met' if p95 <= target_ms else 'NOT met'}"
    print(line)
    return p50


def concurrent(
    serve: Serve, cookie: str, count: int, one: Callable[[httpx.Client], None]
) -> tuple[float, int, list[BaseException]]:
    """``count`` calls of ``one`` from :data:`THREADS` browsers; (per second, done, errors)."""
    errors: list[BaseException] = []
    lock = threading.Lock()
    done = 0
    local = threading.local()
    clients: list[httpx.Client] = []

    def run(_: int) -> None:
        nonlocal done
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = browser(serve, cookie)
            with lock:
                clients.append(client)
        try:
            one(client)
            with lock:
                done += 1
        except BaseException as exc:  # reported by the caller, the bench goes on
            with lock:
                errors.append(exc)

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(run, range(count)))
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return done / elapsed, done, errors


def throughput_line(what: str, result: tuple[float, int, list[BaseException]]) -> str:
    rate, done, errors = result
    line = f"  throughput, {THREADS} concurrent browsers: {rate:.1f} {what}/s ({done} done)"
    if errors:
        line += f"; {len(errors)} failed, first: {errors[0]!r}"
    return line


# --- 1. the patient record and its bar -------------------------------------------------------


def timed_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def dmp_client_built(settings: Settings) -> None:
    """What each bar request does before any DMP call: resolve the services' profile and
    build the DMP client and its transport (then close them)."""
    with dmp_credential(settings) as dmp:
        if dmp is None:
            raise SystemExit("the service's settings resolve no DMP client")


def record_bench(
    world: World,
    serve: Serve,
    cookie: str,
    rounds: int,
    settings: Settings,
    baseline_ms: list[float] | None = None,
) -> list[float]:
    """The record then its bar, ``rounds`` times. Cold (``baseline_ms`` None): interleaved
    with the baseline, whose samples are returned; cached: compared with those (the
    baseline does not involve the serve)."""
    cold = baseline_ms is None
    print(
        f"1{'a' if cold else 'b'}. patient record + Mon espace santé bar, "
        f"{'cold' if cold else 'cached'} (serve with ESANTE_DMP_BAR_CACHE_SECONDS="
        f"{'0' if cold else 'default'})"
    )
    baseline = baseline_calls(world)
    with browser(serve, cookie) as client:
        for _ in range(2):  # warm-up: the connection, the serve's first imports and pools
            check_bar_html(world, load_record(client, world.patient_id).bar)
            if cold:
                baseline()
        loads: list[RecordLoad] = []
        sequential: list[float] = []
        for _ in range(rounds):
            if cold:
                sequential.append(timed_ms(baseline))
            load = load_record(client, world.patient_id)
            check_bar_html(world, load.bar)
            loads.append(load)
        requests = dmp_requests(world, world.patient, lambda: load_record(client, world.patient_id))
    report_ms("page, time to first byte", [x.page_first_byte_ms for x in loads])
    report_ms("page complete", [x.page_ms for x in loads])
    report_ms("bar fragment alone (its request)", [x.bar_ms for x in loads])
    with_bar = report_ms("page + bar complete", [x.with_bar_ms for x in loads], 300)
    if cold:
        base = report_ms("baseline: the bar's DMP calls, direct, one after the other", sequential)
    else:
        sequential = baseline_ms or []
        base = percentile(sequential, 50)
        print(f"  baseline: as in 1a (p50 {base:.1f} ms)")
    print(
        f"  ratio page + bar / baseline: p50 ×{with_bar / base:.2f}; one browser "
        f"{1000 / (sum(x.with_bar_ms for x in loads) / len(loads)):.1f} pages + bar/s"
    )
    print(f"  DMP requests per page + bar: {requests or 'none'}")
    if not cold:
        build = [timed_ms(lambda: dmp_client_built(settings)) for _ in range(rounds)]
        report_ms(
            "in every bar: the service's DMP client built for the request (dmp_credential: "
            "profile, certificates, transport; timed in this process)",
            build,
        )

    def one(client: httpx.Client) -> None:
        check_bar_html(world, load_record(client, world.patient_id).bar)

    count = 12 if cold else 20
    print(throughput_line("pages + bar", concurrent(serve, cookie, count, one)))
    return sequential


# --- 2. the send queue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """What the queue holds: orders by state."""

    total: int
    blocked: int


def fill_queue(world: World, count: int) -> Queue:
    """``count`` send orders of the GP's structure for four demo patients, each on a VSM of
    its patient validated without any send (then the orders are made here): DMP and
    MSSanté sends in turn, a fifth blocked, the others scheduled an hour or more ahead."""
    data = demo_dataset()
    doctor = world.doctor
    structure_id = doctor.structure_id
    blocked = 0
    with world.sessions() as session:
        documents: list[tuple[int, int]] = []
        for key in QUEUE_PATIENTS:
            local_id = data.patient(key).local_id
            patient = session.scalars(select(Patient).where(Patient.local_id == local_id)).one()
            built = example_document("vsm", patient=key, author="generaliste")
            done = validate_document(
                session,
                built.xml,
                patient_id=patient.id,
                actor=doctor,
                feed_dmp=False,
                send_mss=False,
            )
            documents.append((patient.id, done.document.id))
        session.commit()
        for i in range(count):
            patient_id, document_id = documents[i % len(documents)]
            mss = i % 2 == 1
            reason = "Bloqué pour le bench." if i % BLOCKED_EVERY == 0 else None
            blocked += reason is not None
            create_order(
                session,
                NewOrder(
                    kind="mss_send" if mss else "dmp_submit",
                    idempotency_key=f"bench-console:{i}",
                    patient_id=patient_id,
                    document_id=document_id,
                    practitioner_id=doctor.practitioner_id,
                    structure_id=structure_id,
                    credential="structure:bench",
                    authentication_mode="certificat" if mss else "indirecte",
                    recipient="medecin@bench.mssante.fr" if mss else None,
                    parameters={"visibility": ["normal"]} if not mss else {},
                    deferral=timedelta(hours=1, seconds=i),
                    blocked_reason=reason,
                ),
                by=doctor.actor_id,
            )
        session.commit()
    return Queue(count, blocked)


def check_queue(html: str, queue: Queue, rows: int) -> None:
    """The page lists ``rows`` orders and counts the blocked ones: what was made."""
    shown = len(re.findall(r'<tr id="envoi-\d+"', html))
    if shown != rows or f"bloqué : {queue.blocked}" not in html:
        raise SystemExit(f"the queue shows {shown} orders (expected {rows}) or wrong counts")


def queue_bench(world: World, serve: Serve, cookie: str, rounds: int, queue: Queue) -> None:
    print(
        f"2. send queue, {queue.total} orders in the database ({queue.blocked} blocked, "
        "the others scheduled)"
    )
    series: dict[str, list[Timing]] = {
        "page": [],
        "list": [],
        "all": [],
        "health": [],
        "static": [],
        "fresh": [],
    }
    with browser(serve, cookie) as client:
        for _ in range(3):  # warm-up
            fetch(client, "/envois")
            fetch(client, "/health")
        for i in range(rounds):
            series["health"].append(fetch(client, "/health"))
            series["static"].append(fetch(client, STATIC))
            with httpx.Client(base_url=serve.base) as new:  # a new connection
                series["fresh"].append(fetch(new, STATIC))
            page = fetch(client, "/envois")
            check_queue(page.text, queue, 50)
            series["page"].append(page)
            listed = fetch(client, "/envois/liste", fragment=True)
            check_queue(listed.text, queue, 50)
            series["list"].append(listed)
            if i % 8 == 0:  # the big page is slow: an eighth of the rounds
                everything = fetch(client, f"/envois?limite={queue.total}")
                check_queue(everything.text, queue, queue.total)
                series["all"].append(everything)
    report_ms("GET /envois, time to first byte", [t.first_byte_ms for t in series["page"]])
    page_p50 = report_ms("GET /envois complete", [t.complete_ms for t in series["page"]], 150)
    report_ms("GET /envois/liste (polled fragment)", [t.complete_ms for t in series["list"]])
    report_ms(
        f"GET /envois?limite={queue.total} (every order, {len(series['all'][0].text) // 1024} KiB)",
        [t.complete_ms for t in series["all"]],
    )
    floor = report_ms(
        "baseline: GET /health (reads the schema revision)",
        [t.complete_ms for t in series["health"]],
    )
    bare = report_ms(
        f"baseline: GET {STATIC} (no database)", [t.complete_ms for t in series["static"]]
    )
    fresh = report_ms(
        f"baseline: GET {STATIC} on a new connection each time",
        [t.complete_ms for t in series["fresh"]],
    )
    print(
        f"  ratio /envois / /health: p50 ×{page_p50 / floor:.2f}; "
        f"/envois / static file ×{page_p50 / bare:.1f}"
    )
    if bare - fresh > 20:
        print(
            f"  note: the static file on a kept-alive connection takes {bare - fresh:.0f} ms "
            "more than on a new one (p50): its body waits for the client's delayed ACK "
            "(Nagle: the serve's connections lack TCP_NODELAY; see --tcp-nodelay)"
        )

    def one(client: httpx.Client) -> None:
        check_queue(fetch(client, "/envois").text, queue, 50)

    print(throughput_line("/envois pages", concurrent(serve, cookie, max(rounds, 40), one)))

    def health(client: httpx.Client) -> None:
        fetch(client, "/health")

    print(throughput_line("/health", concurrent(serve, cookie, max(rounds, 40), health)))


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=20, help="record loads per series (20); queue: ×2"
    )
    parser.add_argument("--latency-ms", type=int, default=50, help="sandbox latency per call")
    parser.add_argument("--documents", type=int, default=200, help="documents in the DMP")
    parser.add_argument("--orders", type=int, default=1000, help="send orders in the queue")
    parser.add_argument(
        "--tcp-nodelay",
        action="store_true",
        help="what-if: the serve's connections with TCP_NODELAY (see NODELAY_LAUNCHER)",
    )
    args = parser.parse_args()
    serve_peaks: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "sandbox"
        home = Path(tmp) / "home"
        home.mkdir()
        database_url = f"sqlite:///{home / 'esante.db'}"
        started = time.perf_counter()
        with sandbox_process(directory) as sandbox_pid:
            print(
                f"sandbox started in {time.perf_counter() - started:.1f} s "
                f"({SANDBOX_WORKERS} server processes, SQLite)"
            )
            world, close = make_world(directory, database_url)
            try:
                seconds = feed(world, templates(world.patient), args.documents)
                print(f"fed {world.fed} documents ({world.new} new for the GP) in {seconds:.1f} s")
                started = time.perf_counter()
                queue = fill_queue(world, args.orders)
                print(f"{queue.total} send orders made in {time.perf_counter() - started:.1f} s")
                set_latency(world, args.latency_ms)
                print(f"sandbox latency: {args.latency_ms} ms per DMP call")
                cookie = session_cookie(world)
                settings = Settings(home=home, database_url=database_url, sandbox=directory)
                baseline_ms: list[float] | None = None
                for label, cache in (("cold", 0.0), ("cached", None)):
                    started = time.perf_counter()
                    with serve_process(
                        home, database_url, directory, cache, nodelay=args.tcp_nodelay
                    ) as serve:
                        print(
                            f"esante serve ({label}"
                            f"{', TCP_NODELAY what-if' if args.tcp_nodelay else ''}) up in "
                            f"{time.perf_counter() - started:.1f} s"
                        )
                        baseline_ms = record_bench(
                            world, serve, cookie, args.rounds, settings, baseline_ms
                        )
                        if cache is None:
                            queue_bench(world, serve, cookie, 2 * args.rounds, queue)
                        serve_peaks[label] = process_peak_mb(serve.pid) or 0.0
            finally:
                world.admin.set_troubles(latency_ms=0)
                close()
            sandbox_peaks = [process_peak_mb(sandbox_pid) or 0.0] + [
                process_peak_mb(c) or 0.0 for c in children_of(sandbox_pid)
            ]
    print("3. memory")
    print(
        "  peak RSS, esante serve: "
        + ", ".join(f"{label} {mb:.0f} MB" for label, mb in serve_peaks.items())
    )
    print(f"  peak RSS, this process: {peak_rss_mb():.0f} MB")
    print(
        "  peak RSS, sandbox (main, server processes): "
        + ", ".join(f"{p:.0f}" for p in sandbox_peaks)
        + " MB"
    )


if __name__ == "__main__":
    main()
