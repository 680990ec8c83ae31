"""Fixtures of the DMP sandbox tests: its own database on SQLite and PostgreSQL, actors, a clock.

The sandbox has its own schema, so these fixtures do not use the store's ones:

* ``dmp_db_url`` is parametrized over SQLite (a copy of a template migrated once per
  run) and PostgreSQL (a temporary database ``esante_sandbox_test_*`` created and
  migrated once per run, emptied after each test, dropped at the end). The server is
  ``ESANTE_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``); when
  it is unreachable the PostgreSQL variants skip, except in CI (``CI=true``) where they
  fail.
* ``service`` / ``admin`` work on one session with a controllable clock; ``dmp`` opens
  the DMP of ``factories.PATIENT`` with DR_A, DR_B and NURSE authorized.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from esante.sandbox.dmp import (
    DmpAdmin,
    DmpService,
    PatientIns,
    SandboxBase,
    make_engine,
    session_factory,
    upgrade,
)
from tests.unit.sandbox.dmp.factories import DR_A, DR_B, NURSE, PATIENT, Clock

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


# --- databases --------------------------------------------------------------------------


def _pg_server_url() -> str:
    return os.environ.get("ESANTE_TEST_PG_URL", PG_DEFAULT)


@pytest.fixture(scope="session")
def sandbox_pg_database() -> Iterator[str]:
    """A temporary PostgreSQL database holding the sandbox schema; yields its URL."""
    import psycopg

    server = make_url(_pg_server_url().replace("postgresql+psycopg://", "postgresql://"))
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"esante_sandbox_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        msg = (
            f"PostgreSQL unreachable at {server.render_as_string()} ({exc}). "
            "Set ESANTE_TEST_PG_URL to a server URL to run these tests."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    url = server.set(drivername="postgresql+psycopg", database=name)
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    upgrade(engine)
    engine.dispose()
    yield rendered
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once, copied by each test."""
    path = tmp_path_factory.mktemp("sandbox-template") / "dmp.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _empty(engine: Engine) -> None:
    # DELETE beats TRUNCATE on tables of a few rows (no file swap, lighter locks)
    with engine.begin() as conn:
        for table in reversed(SandboxBase.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def dmp_db_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A migrated, empty sandbox database: SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "dmp.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("sandbox_pg_database")
    yield url
    engine = make_engine(url)
    _empty(engine)
    engine.dispose()


@pytest.fixture
def dmp_engine(dmp_db_url: str) -> Iterator[Engine]:
    engine = make_engine(dmp_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def dmp_session(dmp_engine: Engine) -> Iterator[Session]:
    with session_factory(dmp_engine)() as s:
        yield s


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(dmp_session: Session, clock: Clock) -> DmpService:
    return DmpService(dmp_session, clock=clock)


@pytest.fixture
def admin(dmp_session: Session, clock: Clock) -> DmpAdmin:
    return DmpAdmin(dmp_session, clock=clock)


@pytest.fixture
def dmp(admin: DmpAdmin) -> PatientIns:
    """An open DMP for :data:`PATIENT`, with DR_A and DR_B authorized by the patient."""
    admin.create_dmp(PATIENT, family_name="MARTIN", given_name="Jeanne")
    admin.set_authorization(PATIENT, DR_A.id_nat_ps)
    admin.set_authorization(PATIENT, DR_B.id_nat_ps)
    admin.set_authorization(PATIENT, NURSE.id_nat_ps)
    return PATIENT
