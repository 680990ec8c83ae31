"""Benchmark of the periodic INS re-verification: time per identity, batch throughput.

What one identity costs in ``esante ins reverifier`` / :func:`esante.practice.
reverification.reverify_patients`: the INSi verification over mutual TLS against the
sandbox's INSi on loopback (the RNIV search, narrowed when needed), the comparison, the
history row with the new reference, the trace append (hash chain) and the commit of that
patient's transaction, on a practice database (SQLite file; PostgreSQL too when
reachable at ``ESANTE_TEST_PG_URL``, see :func:`benchlib.pg_database`).

The demo practice's identities holding an INS (RECUP, QUAL) are re-verified in rounds;
between rounds their history is moved back a period so that they are due again. Figures:
p50 / p95 / p99 per identity, throughput (identities/s) over all rounds, the time to
select the due identities, and this process's peak memory. The sandbox runs in this
process (its server threads share the GIL), so the figures are an upper bound; the first
identity of a run pays the profile's resolution and the TLS handshake (p99).

Run: ``.venv/bin/python bench/insi_reverify.py [--quick] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from benchlib import peak_rss_mb, percentile, pg_database
from esante.config import Settings
from esante.demo import demo_dataset
from esante.practice import load_demo
from esante.practice.actors import professional_actor
from esante.practice.reverification import (
    DEFAULT_PERIOD,
    Outcome,
    Reverification,
    due_for_reverification,
    reverify_patients,
)
from esante.sandbox.runtime import SandboxOptions, start_sandbox
from esante.services import InsiConnection
from esante.store import make_engine, session_factory, upgrade
from esante.store.models import IdentityStatusChange


def _age_history(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        for row in session.query(IdentityStatusChange):
            row.at = row.at - DEFAULT_PERIOD - timedelta(days=1)
        session.commit()


def run(url: str, label: str, sandbox: Path, rounds: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        load_demo(session, demo_dataset())
        session.commit()
    rpps = demo_dataset().practitioner("generaliste").rpps
    settings = Settings(home=sandbox, services="sandbox", sandbox=sandbox)
    samples: list[float] = []
    select_ms: list[float] = []
    outcomes: dict[Outcome, int] = {}
    total = 0
    elapsed = 0.0
    with InsiConnection(settings, "8" + rpps) as insi, sessions() as session:
        actor = replace(professional_actor(session, "8" + rpps, None), origin="bench")
        for _ in range(rounds):
            _age_history(sessions)
            started = time.perf_counter()
            due = due_for_reverification(session)
            select_ms.append((time.perf_counter() - started) * 1000)
            session.commit()
            last = time.perf_counter()
            round_start = last

            def timed(_: Reverification) -> None:
                nonlocal last
                now = time.perf_counter()
                samples.append((now - last) * 1000)
                last = now

            results = reverify_patients(session, due, insi, actor=actor, on_result=timed)
            elapsed += time.perf_counter() - round_start
            total += len(results)
            for result in results:
                outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    engine.dispose()
    print(f"{label}: {total} identities in {rounds} rounds")
    print(
        f"  per identity: p50 {percentile(samples, 50):.1f} ms  "
        f"p95 {percentile(samples, 95):.1f} ms  p99 {percentile(samples, 99):.1f} ms"
    )
    print(f"  throughput: {total / elapsed:.0f} identities/s (one professional, sequential)")
    print(f"  due selection: p50 {percentile(select_ms, 50):.2f} ms")
    print(
        "  outcomes: " + ", ".join(f"{o.value} {n}" for o, n in sorted(outcomes.items(), key=str))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        options = SandboxOptions(
            directory=root / "sandbox",
            seed_demo=False,
            mes=False,
            mss=False,
            annuaire=False,
            psc=False,
        )
        with start_sandbox(options) as running:
            sandbox = Path(running.manifest.directory)
            run(f"sqlite:///{root / 'practice.db'}", "SQLite", sandbox, rounds)
            with pg_database("reverify") as pg_url:
                if pg_url is not None:
                    run(pg_url, "PostgreSQL", sandbox, rounds)
    print(f"peak memory (this process): {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
