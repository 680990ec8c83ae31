"""Shared fixtures.

Database tests take the ``db_url`` / ``engine`` / ``session`` fixtures, which are
parametrized over SQLite and PostgreSQL: every store test runs on both backends.

PostgreSQL: the server is ``ESANTE_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``). A temporary database is created for the
run, migrated once, emptied between tests and dropped at the end. When the server is
unreachable the PostgreSQL variants skip with a message, except in CI (``CI=true``)
where they fail. The same holds for the reference material in ``../shared`` (the ANS
kits): absent, its tests skip locally and fail in CI, which always has it.

Hypothesis runs under the ``esante`` profile unless ``HYPOTHESIS_PROFILE`` names
another: no deadline and no "too slow" health check (the suite shares two cores with
other work, and load must not turn into failures), derandomised (a run that fails fails
again, with the same examples) and printing the blob that reproduces a failure.
``HYPOTHESIS_PROFILE=explore`` draws fresh random examples instead, for a local search.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from esante.store import Base, make_engine, session_factory, upgrade

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"

settings.register_profile(
    "esante",
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "esante"))

# The commands the tests run (``esante feed``, ``esante cda validate`` in fresh homes)
# validate in their own process: a validation server would otherwise start per test
# home, compile the kit in the background while other tests run, and idle for 15 min
# after the suite. The server's own tests enable it explicitly (test_server.py,
# test_kit_check.py, test_cli_validate.py).
os.environ.setdefault("ESANTE_NO_VALIDATION_SERVER", "1")


def in_ci() -> bool:
    """True when running in CI (``CI=true``, which ``.ci/run`` exports)."""
    return os.environ.get("CI") == "true"


def skip_or_fail(message: str) -> NoReturn:
    """Skip locally; fail in CI, where every prerequisite must be there."""
    if in_ci():
        pytest.fail(f"{message} [CI=true: a missing prerequisite is a failure]")
    pytest.skip(message)


def shared_path(*parts: str) -> Path:
    """A path in ../shared, or skip the test (fail in CI) saying what is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        skip_or_fail(f"reference material absent: {path} (expected beside the repository)")
    return path


def _pg_server_url() -> str:
    return os.environ.get("ESANTE_TEST_PG_URL", PG_DEFAULT)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """Create a temporary PostgreSQL database for this run; yield its URL."""
    import psycopg

    server = make_url(_pg_server_url().replace("postgresql+psycopg://", "postgresql://"))
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"esante_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        msg = (
            f"PostgreSQL unreachable at {server.render_as_string()} ({exc}). "
            "Set ESANTE_TEST_PG_URL to a server URL (trust or password auth) to run these tests."
        )
        skip_or_fail(msg)
    url = server.set(drivername="postgresql+psycopg", database=name)
    engine = make_engine(url.render_as_string(hide_password=False))
    upgrade(engine)
    engine.dispose()
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    if not tables:
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL: SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'esante.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    url = request.getfixturevalue("pg_database")
    yield url
    engine = make_engine(url)
    _truncate(engine)
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as s:
        yield s
