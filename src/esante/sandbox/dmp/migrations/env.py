"""Alembic environment of the DMP sandbox: uses the engine given by ``database.upgrade``."""

from __future__ import annotations

from alembic import context

from esante.sandbox.dmp import models
from esante.sandbox.dmp.database import VERSION_TABLE

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=models.SandboxBase.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        version_table=VERSION_TABLE,
    )
    context.run_migrations()
