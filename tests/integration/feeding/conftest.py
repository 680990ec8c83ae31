"""Feeding end to end: a practice database (SQLite and PostgreSQL), the sandbox DMP over
mutual TLS, and the real worker in between.

The sandbox is started once for the module's tests (its own directory); every test gets
a fresh practice database with the demo people, so the sandbox's seeded demo DMPs are
the patients' DMPs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from esante.cli._worker_setup import WorkerSetup, build_worker
from esante.demo import demo_dataset
from esante.outbox import RetryPolicy
from esante.practice import load_demo
from esante.sandbox.dmp.models import DmpAccessLog, DmpDocument
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.store import Patient, Practitioner, make_engine, session_factory

FAST = RetryPolicy(base_s=0.05, cap_s=0.2, lease_s=5.0)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    directory = tmp_path_factory.mktemp("feeding-sandbox")
    with start_sandbox(SandboxOptions(directory=directory, mes=False)) as running:
        yield running


@dataclass
class Practice:
    """The practice side of a test: its database, its demo people, a worker factory."""

    url: str
    sessions: sessionmaker[Session]
    sandbox: RunningSandbox
    setups: list[WorkerSetup]

    def worker(self, *credentials: str, policy: RetryPolicy = FAST) -> WorkerSetup:
        setup = build_worker(
            self.url,
            Path(self.sandbox.manifest.directory),
            credentials=credentials or ("structure:*",),
            policy=policy,
            idle_sleep_s=0.05,
        )
        self.setups.append(setup)
        return setup

    def patient(self, key: str) -> Patient:
        nir = demo_dataset().patient(key).nir
        with self.sessions() as session:
            found = session.scalar(select(Patient).where(Patient.ins_matricule == nir))
            assert found is not None
            session.expunge(found)
            return found

    def practitioner(self, key: str) -> Practitioner:
        rpps = demo_dataset().practitioner(key).rpps
        with self.sessions() as session:
            found = session.scalar(select(Practitioner).where(Practitioner.rpps == rpps))
            assert found is not None
            session.expunge(found)
            return found

    def in_dmp(self, unique_id: str) -> int:
        """How many times the sandbox DMP stores ``unique_id`` (0 or 1 expected)."""
        with session_factory(self.sandbox.engine)() as session:
            return len(
                session.scalars(
                    select(DmpDocument.id).where(DmpDocument.unique_id == unique_id)
                ).all()
            )

    def dmp_status(self, unique_id: str) -> str | None:
        with session_factory(self.sandbox.engine)() as session:
            return session.scalar(
                select(DmpDocument.status).where(DmpDocument.unique_id == unique_id)
            )

    def dmp_calls(self, unique_id: str) -> list[tuple[str, str, str | None]]:
        with session_factory(self.sandbox.engine)() as session:
            rows = session.execute(
                select(DmpAccessLog.action, DmpAccessLog.outcome, DmpAccessLog.error_code)
                .where(DmpAccessLog.document_unique_id == unique_id)
                .order_by(DmpAccessLog.id)
            ).all()
            return [(r.action, r.outcome, r.error_code) for r in rows]


@pytest.fixture
def practice(db_url: str, sandbox: RunningSandbox) -> Iterator[Practice]:
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with sessions() as session:
        load_demo(session, demo_dataset())
        session.commit()
    state = Practice(db_url, sessions, sandbox, [])
    yield state
    for setup in state.setups:
        setup.close()
    engine.dispose()
