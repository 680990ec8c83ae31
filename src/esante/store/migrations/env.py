"""Alembic environment: uses the engine passed in by :mod:`esante.store.migrate`."""

from __future__ import annotations

from alembic import context

from esante.store import models  # noqa: F401  (registers the tables)
from esante.store.base import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
