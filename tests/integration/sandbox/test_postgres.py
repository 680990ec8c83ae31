"""The sandbox with its DMP on PostgreSQL: one full exchange over real sockets.

The server is ``ESANTE_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``);
a temporary database is created for the test and dropped after it. The test skips when
the server is unreachable, except in CI (``CI=true``) where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from esante.cda.examples import example_document
from esante.dmp import DocumentQuery, Visibility
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.transport import HttpsTransport
from tests.integration.sandbox import world

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    import psycopg

    server = make_url(
        os.environ.get("ESANTE_TEST_PG_URL", PG_DEFAULT).replace("postgresql+psycopg", "postgresql")
    )
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"esante_sandbox_e2e_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL unreachable at {server.render_as_string()} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_sandbox(tmp_path: Path, pg_url: str) -> Iterator[RunningSandbox]:
    with start_sandbox(SandboxOptions(directory=tmp_path, database_url=pg_url)) as running:
        yield running


def test_a_document_life_on_postgresql(pg_sandbox: RunningSandbox) -> None:
    manifest = pg_sandbox.manifest
    assert manifest.dmp.database.startswith("postgresql")
    assert pg_sandbox.seeded is not None
    assert pg_sandbox.seeded.created > 0
    doctor = world.professional(manifest, "pediatre")
    ins = world.new_patient(pg_sandbox, doctor)
    with HttpsTransport(world.tls_config(manifest)) as transport:
        client = world.dmp_client(manifest, transport)
        built = example_document("cs9", ins=ins.matricule)
        sent = client.submit(ins, built.xml, actor=doctor)
        (entry,) = client.find_documents(ins, actor=doctor).documents
        assert entry.unique_id == sent.document_unique_id
        retrieved = client.retrieve(
            ins, sent.document_unique_id, entry.repository_unique_id or "", actor=doctor
        )
        assert retrieved.data == built.xml
        client.mask(ins, entry, actor=doctor)
        masked = DocumentQuery(visibility=(Visibility.MASKED_TO_PROFESSIONALS,))
        assert len(client.find_documents(ins, masked, actor=doctor)) == 1
        client.delete(ins, sent.document_unique_id, actor=doctor)
        assert len(client.find_documents(ins, actor=doctor)) == 0
