"""Migration 0008 (vaccination record) goes down to 0007 and up again, on SQLite and
PostgreSQL, its tables with it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from esante.store import make_engine, upgrade
from esante.store.migrate import alembic_config, current_revision

TABLES = {"vaccination", "vaccine_presentation"}


def test_migration_0008_down_and_up(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        head = current_revision(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        command.downgrade(alembic_config(engine), "0007")
        assert current_revision(engine) == "0007"
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert current_revision(engine) == head
        assert set(inspect(engine).get_table_names()) >= TABLES
        indexes = {i["name"] for i in inspect(engine).get_indexes("vaccination")}
        assert "ix_vaccination_patient" in indexes
    finally:
        engine.dispose()
