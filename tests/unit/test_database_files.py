"""Database files hold patient data: created 0600 in a 0700 directory (issue 11, item 6).

The practice's SQLite database (``esante.db``, its ``-wal`` and ``-shm``) and the DMP
sandbox's ``dmp.db`` are created owner-only, in a data directory created owner-only,
whatever the umask of the process (022 is the usual one, and gave 0644 / 0755).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from esante.config import Settings
from esante.sandbox.dmp import database as sandbox_database
from esante.store import make_engine, upgrade


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def lax_umask() -> Iterator[None]:
    """The usual umask (022), which lets others read new files and directories."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _files(database: Path) -> list[Path]:
    return [
        database,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ]


def _written(engine: Engine) -> None:
    with engine.connect() as conn:  # the WAL and SHM files exist while a connection is open
        conn.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
        conn.execute(text("INSERT INTO probe VALUES (1)"))
        conn.commit()


def test_the_practice_database_is_created_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home" / "esante"
    database = home / "esante.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
        with engine.connect():
            files = _files(database)
            assert all(f.exists() for f in files), [f.name for f in files if not f.exists()]
            assert {f.name: oct(_mode(f)) for f in files} == {f.name: "0o600" for f in files}
    finally:
        engine.dispose()
    # every directory esante created for it, not only the last one
    assert oct(_mode(home)) == "0o700"
    assert oct(_mode(home.parent)) == "0o700"


def test_the_sandbox_database_is_created_owner_only(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    url = sandbox_database.default_database_url(settings)
    engine = sandbox_database.make_engine(url)
    try:
        _written(engine)
        with engine.connect():
            files = _files(settings.home / "sandbox" / "dmp.db")
            assert {f.name: oct(_mode(f)) for f in files} == {f.name: "0o600" for f in files}
    finally:
        engine.dispose()
    assert oct(_mode(settings.home / "sandbox")) == "0o700"


def test_the_data_directory_is_created_owner_only(tmp_path: Path) -> None:
    home = Settings(home=tmp_path / "data" / "esante").ensure_home()
    assert home.is_dir()
    assert oct(_mode(home)) == "0o700"


def test_an_existing_directory_and_database_are_left_as_they_are(tmp_path: Path) -> None:
    """A directory or a file the administrator made (shared on purpose) is not changed."""
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)
    shared.chmod(0o750)
    database = shared / "esante.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        _written(engine)
    finally:
        engine.dispose()
    assert oct(_mode(shared)) == "0o750"
    assert oct(_mode(database)) == "0o600"
    database.chmod(0o640)
    engine = make_engine(f"sqlite:///{database}")
    try:
        _written(engine)
    finally:
        engine.dispose()
    assert oct(_mode(database)) == "0o640"
