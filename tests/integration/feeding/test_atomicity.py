"""The document and its send orders commit together, or neither does (issue 11, item 2).

On SQLite the pysqlite driver used to open the transaction with the ``SAVEPOINT`` of
``Session.begin_nested()`` and commit it with the ``RELEASE``: a document was durable
before its orders existed, so a failure between the two inserts left a document that was
never sent and that a retry could not validate again (409). These tests fail between the
two inserts — an exception, a process killed with SIGKILL — on SQLite and PostgreSQL
(the ``db_url`` fixture), and check that nothing is stored and that a retry succeeds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import esante.practice.documents as documents
from esante.cda.examples import example_document
from esante.config import Settings
from esante.store import Document, SendOrder, make_engine, session_factory
from esante.web import create_app
from tests.unit.web.conftest import AppClient
from tests.unit.web.test_documents_api import XML, Demo, open_demo


class InjectedError(RuntimeError):
    """The failure injected between the document insert and the orders insert."""


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    opened = open_demo(db_url, tmp_path)
    yield opened
    opened.client.close()


def _stored(db_url: str) -> tuple[int, int]:
    """(documents, send orders) committed in the database, seen from a new connection."""
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return (
                session.scalar(select(func.count(Document.id))) or 0,
                session.scalar(select(func.count(SendOrder.id))) or 0,
            )
    finally:
        engine.dispose()


def test_an_error_after_the_document_is_written_stores_nothing_and_a_retry_succeeds(
    demo: Demo, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cda = example_document("vsm", patient="lola", author="generaliste").xml
    url = f"/api/patients/{demo.patients['lola']}/documents"
    written: list[int] = []

    def fail_after_the_document(session: Session, *args: Any, **kwargs: Any) -> Any:
        # the document row is in the transaction when the first order is created
        written.append(session.scalar(select(func.count(Document.id))) or 0)
        raise InjectedError("between the document insert and the orders insert")

    monkeypatch.setattr(documents, "create_order", fail_after_the_document)
    failing = AppClient(
        create_app(Settings(home=tmp_path, database_url=db_url)), raise_app_exceptions=False
    )
    try:
        answer = failing.post(url, content=cda, headers=XML)
    finally:
        failing.close()
    assert answer.status_code == 500
    assert written == [1], "the failure must come after the document row was written"
    assert _stored(db_url) == (0, 0)

    monkeypatch.undo()
    retry = demo.client.post(url, content=cda, headers=XML)
    assert retry.status_code == 201, retry.text
    orders = retry.json()["orders"]
    assert orders, "the retry creates the send orders"
    assert _stored(db_url) == (1, len(orders))


def test_historical_feeding_for_a_provisional_ins_is_refused_and_stores_nothing(
    demo: Demo, db_url: str
) -> None:
    """The issue's case: 422, nothing stored, and a retry is not a 409."""
    cda = example_document("vsm", patient="yasmine", author="generaliste-2").xml
    url = f"/api/patients/{demo.patients['yasmine']}/documents"
    for _ in range(2):
        refused = demo.client.post(url, content=cda, headers=XML, params={"historical": True})
        assert refused.status_code == 422, refused.text
        assert "INS du patient n'est pas qualifiée" in refused.json()["message"]
        assert _stored(db_url) == (0, 0)
    # the same document validated for the record: stored, its DMP send held (blocked)
    kept = demo.client.post(url, content=cda, headers=XML)
    assert kept.status_code == 201, kept.text
    dmp = [o for o in kept.json()["orders"] if o["kind"] == "dmp_submit"]
    assert [o["state"] for o in dmp] == ["blocked"]


CHILD = """
import sys
from pathlib import Path

import esante.practice.documents as documents
from esante.store import make_engine, session_factory
from tests.unit.practice.acting import ACTOR

db_url, patient_id, cda_path = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
original = documents.create_order


def stop_between_the_inserts(session, *args, **kwargs):
    session.flush()
    print("document written", flush=True)
    sys.stdin.read()  # blocks until the test kills this process
    return original(session, *args, **kwargs)


documents.create_order = stop_between_the_inserts
engine = make_engine(db_url)
with session_factory(engine)() as session:
    documents.validate_document(session, cda_path.read_bytes(), patient_id=patient_id, actor=ACTOR)
    session.commit()
"""


def test_a_process_killed_between_the_two_inserts_leaves_nothing(
    demo: Demo, db_url: str, tmp_path: Path
) -> None:
    cda = example_document("vsm", patient="lola", author="generaliste").xml
    path = tmp_path / "vsm.xml"
    path.write_bytes(cda)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, str(demo.patients["lola"]), str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # returns at the line, or at EOF if the child died
        if line != b"document written\n":
            child.kill()
            _, err = child.communicate()
            pytest.fail(f"the child did not reach the orders insert: {err.decode()[-2000:]}")
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    assert _stored(db_url) == (0, 0)

    retry = demo.client.post(
        f"/api/patients/{demo.patients['lola']}/documents", content=cda, headers=XML
    )
    assert retry.status_code == 201, retry.text
    assert _stored(db_url) == (1, len(retry.json()["orders"]))
