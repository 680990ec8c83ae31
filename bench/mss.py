"""Benchmark of MSSanté through the sandbox operator: messages sent and received per second.

Figures, all measured in the same run against a sandbox running as a separate process
(SMTP with STARTTLS, IMAP over TLS, on loopback; automatic MDNs off, so that every
acknowledgement is the one esante writes):

1. **Composition** (no network): :func:`esante.mss.compose_message` with one VSM —
   IHE_XDM.ZIP (metadata, hash), X-MSS-* headers, French body — without the PDF copy;
   the PDF copy (the CDA rendered by WeasyPrint) is timed apart on a few messages.
2. **SMTP submission**: N messages from the demo cabinet's organisational mailbox
   (client certificate) to a colleague, by 1 and by 4 client threads; each send is one
   SMTP session as :class:`esante.mss.MssClient` opens it (TCP, STARTTLS, EHLO, MAIL,
   RCPT, DATA). Twice: messages composed beforehand (compose excluded) and composed in
   the sending thread (compose included).
3. **Fetch + import**: N messages waiting in a mailbox, read by
   :func:`esante.practice.inbox.fetch_mailbox` into a SQLite practice database with the
   demo data: IMAP fetch, message and XDM checks, CDA header reading, patient matching,
   one transaction per message with its access-trace record, IMAP flags. Twice: the
   messages asking for an acknowledgement (one MDN sent over SMTP per message) and not.
   Per-message time is the interval between successive IMAP fetches.

Peak memory: the bench process's max RSS and the sandbox process's (VmHWM).

Run: ``.venv/bin/python bench/mss.py [--quick] [--messages N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchlib import peak_rss_mb, percentile, process_peak_mb
from esante.cda.examples import example_document
from esante.cda.read import read_document
from esante.demo import demo_dataset
from esante.mss import (
    ImapMailbox,
    MssClient,
    compose_message,
    from_sandbox_manifest,
)
from esante.practice import load_demo
from esante.practice.inbox import InboxReport, fetch_mailbox
from esante.sandbox.runtime import SandboxManifest, read_manifest
from esante.store import make_engine, session_factory, upgrade
from esante.xds import Code

SENDER = "secretariat@cabinet-du-parc.mssante.fr"
SEND_TARGET = "nicolas.delafontaine@cds-jean-jaures.mssante.fr"
IMPORT_TARGET = "jeremie.mercier@cds-jean-jaures.mssante.fr"
NIL = "ESANTE-BENCH"
SOURCE_ID = "1.2.250.1.999.42.1"
ACTIVITY = Code("04", "1.2.250.1.213.2.2", "Hospitalisation de jour")

SANDBOX_CHILD = """
import sys
from pathlib import Path
from esante.sandbox.runtime import SandboxOptions, start_sandbox
options = SandboxOptions(
    directory=Path(sys.argv[1]), seed_demo=False, mes=False, mss_auto_mdn=False
)
with start_sandbox(options):
    sys.stdin.read()  # until the bench closes the pipe
"""


# --- figures ----------------------------------------------------------------------------


def latency_line(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"  {label:<44} median {statistics.median(ms):8.2f} ms   p95 {percentile(ms, 95):8.2f} ms"
        f"   (n={len(ms)})"
    )


# --- set-up -------------------------------------------------------------------------------


@contextlib.contextmanager
def sandbox(directory: Path) -> Iterator[tuple[SandboxManifest, int]]:
    """The sandbox in a process of its own (its CPU is not the bench's)."""
    process = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_CHILD, str(directory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while not (directory / "sandbox.json").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                assert process.stderr is not None
                raise SystemExit(f"sandbox did not start: {process.stderr.read().decode()}")
            time.sleep(0.05)
        yield read_manifest(directory), process.pid
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class VsmFactory:
    """Distinct VSM documents of demo patient Lola: one example, a fresh uniqueId each."""

    def __init__(self) -> None:
        self.template = example_document("vsm", patient="lola").xml
        self.document_id = str(read_document(self.template).document_id).encode()

    def __call__(self) -> bytes:
        fresh = f"2.25.{random.getrandbits(120)}".encode()
        return self.template.replace(self.document_id, fresh)


def compose(cda: bytes, to: str, *, pdf: bool = False, mdn: bool = True) -> bytes:
    return compose_message(
        [cda],
        sender=SENDER,
        to=[to],
        product_reference=NIL,
        source_id=SOURCE_ID,
        content_type_code=ACTIVITY,
        request_mdn=mdn,
        pdf_copy=pdf,
    ).to_bytes()


def client(directory: Path, address: str) -> MssClient:
    endpoints, credentials = from_sandbox_manifest(directory, address)
    return MssClient(endpoints, credentials)


# --- measures -----------------------------------------------------------------------------


def send_batch(
    sender: MssClient, jobs: list[Callable[[], bytes]], threads: int
) -> tuple[float, list[float]]:
    """Send what each job makes; (wall seconds, per-message seconds)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def one(job: Callable[[], bytes]) -> None:
        start = time.perf_counter()
        sender.send(job())
        elapsed = time.perf_counter() - start
        with lock:
            latencies.append(elapsed)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, jobs))
    return time.perf_counter() - start, latencies


class FetchTimer:
    """Times between successive IMAP fetches of one fetch_mailbox (one message each)."""

    def __init__(self) -> None:
        self.stamps: list[float] = []
        self._original: Any = ImapMailbox.fetch

    def __enter__(self) -> FetchTimer:
        original, stamps = self._original, self.stamps

        def fetch(box: ImapMailbox, uid: int) -> Any:
            stamps.append(time.perf_counter())
            return original(box, uid)

        ImapMailbox.fetch = fetch  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        ImapMailbox.fetch = self._original  # type: ignore[method-assign]
        self.end = time.perf_counter()

    def per_message(self) -> list[float]:
        marks = [*self.stamps, self.end]
        return [b - a for a, b in itertools.pairwise(marks)]


def import_batch(
    directory: Path, database_url: str, messages: list[bytes], *, acknowledge: bool
) -> tuple[float, list[float], InboxReport]:
    sender = client(directory, SENDER)
    for raw in messages:
        sender.send(raw)
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    receiver = client(directory, IMPORT_TARGET)
    try:
        with FetchTimer() as timer:
            start = time.perf_counter()
            report = fetch_mailbox(
                sessions,
                receiver,
                address=IMPORT_TARGET,
                product_reference=NIL,
                send_acknowledgements=acknowledge,
                limit=len(messages) + 10,
            )
            wall = time.perf_counter() - start
    finally:
        engine.dispose()
    return wall, timer.per_message(), report


# --- run ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few messages (a smoke run)")
    parser.add_argument("--messages", type=int, default=None, help="messages per batch")
    args = parser.parse_args()
    count = args.messages or (40 if args.quick else 200)
    pdf_samples = 1 if args.quick else 3

    print(f"MSSanté bench: {count} messages per batch, one VSM each (~43 kB of CDA)")
    make = VsmFactory()

    # 1. composition
    compose_times = []
    for _ in range(min(count, 50)):
        cda = make()
        start = time.perf_counter()
        raw = compose(cda, SEND_TARGET)
        compose_times.append(time.perf_counter() - start)
    pdf_times = []
    for _ in range(pdf_samples):
        cda = make()
        start = time.perf_counter()
        with_pdf = compose(cda, SEND_TARGET, pdf=True)
        pdf_times.append(time.perf_counter() - start)
    print("\n1. Composition (no network)")
    print(latency_line(f"compose, no PDF copy ({len(raw) // 1024} kB)", compose_times))
    print(latency_line(f"compose with PDF copy ({len(with_pdf) // 1024} kB)", pdf_times))

    with tempfile.TemporaryDirectory(prefix="esante-bench-mss-") as scratch:
        root = Path(scratch)
        with sandbox(root / "sandbox") as (manifest, sandbox_pid):
            directory = manifest.directory
            sender = client(directory, SENDER)

            # 2. submission
            print("\n2. SMTP submission (one SMTP session per message)")
            for threads in (1, 4):
                ready = [compose(make(), SEND_TARGET) for _ in range(count)]
                jobs: list[Callable[[], bytes]] = [functools.partial(bytes, raw) for raw in ready]
                wall, latencies = send_batch(sender, jobs, threads)
                print(f"  compose excluded, {threads} thread(s): {count / wall:7.1f} messages/s")
                print(latency_line("    per message (send)", latencies))
                cdas = [make() for _ in range(count)]
                jobs = [functools.partial(compose, cda, SEND_TARGET) for cda in cdas]
                wall, latencies = send_batch(sender, jobs, threads)
                print(f"  compose included, {threads} thread(s): {count / wall:7.1f} messages/s")
                print(latency_line("    per message (compose + send)", latencies))

            # 3. fetch + import
            print("\n3. Fetch + import into SQLite (fetch_mailbox)")
            database_url = f"sqlite:///{root / 'cabinet.db'}"
            engine = make_engine(database_url)
            upgrade(engine)
            with session_factory(engine)() as session:
                load_demo(session, demo_dataset())
                session.commit()
            engine.dispose()
            for acknowledge in (True, False):
                messages = [compose(make(), IMPORT_TARGET, mdn=acknowledge) for _ in range(count)]
                wall, per_message, report = import_batch(
                    directory, database_url, messages, acknowledge=acknowledge
                )
                assert len(report.imported) == count, report
                what = "with an MDN sent per message" if acknowledge else "no MDN asked"
                print(f"  {what}: {count / wall:7.1f} messages/s ({wall:.2f} s)")
                print(latency_line("    per message", per_message))
                assert report.acknowledgements_sent == (count if acknowledge else 0)

            sandbox_peak = process_peak_mb(sandbox_pid)
    print("\nPeak memory")
    print(f"  bench process max RSS: {peak_rss_mb():.0f} MB")
    if sandbox_peak is not None:
        print(f"  sandbox process VmHWM: {sandbox_peak:.0f} MB")


if __name__ == "__main__":
    main()
