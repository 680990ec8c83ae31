"""The sandbox schema: its own migrations build it on both backends and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from esante.config import Settings
from esante.sandbox.dmp import (
    SandboxBase,
    SandboxDatabaseError,
    current_revision,
    default_database_url,
    head_revision,
    make_engine,
    upgrade,
)
from esante.sandbox.dmp.database import VERSION_TABLE


def test_migrations_reach_head_and_match_models(dmp_engine: Engine) -> None:
    assert current_revision(dmp_engine) == head_revision() == "0003"
    with dmp_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        diff = compare_metadata(context, SandboxBase.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    upgrade(dmp_engine)  # idempotent
    assert current_revision(dmp_engine) == "0003"


def test_own_version_table_and_search_index(dmp_engine: Engine) -> None:
    inspector = inspect(dmp_engine)
    tables = set(inspector.get_table_names())
    assert VERSION_TABLE in tables
    assert "alembic_version" not in tables  # can share a database with the practice schema
    indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("dmp_document")}
    assert indexes["ix_dmp_document_patient_status_creation"] == [
        "patient_id",
        "status",
        "creation_time",
    ]
    assert "ix_dmp_document_author_id_nat_ps" in {
        i["name"] for i in inspector.get_indexes("dmp_document_author")
    }


def test_sqlite_is_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'dmp.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_bad_urls_and_unreachable_servers_are_sandbox_errors() -> None:
    with pytest.raises(SandboxDatabaseError, match="non prise en charge"):
        make_engine("mysql://root@localhost/dmp")
    with pytest.raises(SandboxDatabaseError, match="invalide"):
        make_engine("not a url")
    engine = make_engine(
        "postgresql://postgres@127.0.0.1:9/nowhere", connect_args={"connect_timeout": 2}
    )
    with pytest.raises(SandboxDatabaseError, match="injoignable"):
        upgrade(engine)
    engine.dispose()


def test_default_database_url_lives_in_the_sandbox_directory(tmp_path: Path) -> None:
    assert default_database_url(Settings(home=tmp_path)) == (
        f"sqlite:///{(tmp_path / 'sandbox' / 'dmp.db').resolve()}"
    )
    running = tmp_path / "running"
    assert default_database_url(Settings(home=tmp_path, sandbox=running)).endswith(
        "/running/dmp.db"
    )
