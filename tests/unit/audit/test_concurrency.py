"""Several writers appending at once keep the chain a line, on SQLite and PostgreSQL.

The writers start together on an empty trace, so the creation of the head row races too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from esante.audit import append, append_committed, verify_chain
from esante.audit.chain import is_transient
from esante.store import AuditRecord, session_factory

from .helpers import event

WRITERS = 6
EACH = 12


def _append_and_commit(sessions: Callable[[], Session], i: int) -> int:
    """What a caller does in its own transaction: append, commit; retry when the
    database says it is locked (the only failure a concurrent writer may cause)."""
    for _ in range(10):
        with sessions() as session:
            try:
                record = append(session, event(i))
                session.commit()
                return record.sequence
            except DBAPIError as exc:
                session.rollback()
                if not is_transient(exc):
                    raise
    raise AssertionError("still locked after 10 attempts")


@pytest.mark.parametrize("mode", ["append", "append_committed"])
def test_concurrent_writers_keep_one_contiguous_chain(engine: Engine, mode: str) -> None:
    sessions = session_factory(engine)
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []
    sequences: list[int] = []
    lock = threading.Lock()

    def writer(w: int) -> None:
        try:
            start.wait(timeout=10)
            for k in range(EACH):
                i = w * EACH + k
                if mode == "append":
                    sequence = _append_and_commit(sessions, i)
                else:
                    sequence = append_committed(sessions, event(i)).sequence
                with lock:
                    sequences.append(sequence)
        except BaseException as exc:  # collected and reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    total = WRITERS * EACH
    assert sorted(sequences) == list(range(1, total + 1))
    with sessions() as session:
        stored = session.scalars(select(AuditRecord.sequence).order_by(AuditRecord.id)).all()
        report = verify_chain(session, batch_size=7)
    assert stored == list(range(1, total + 1))  # rows written in chain order
    assert report.ok, report.problem
    assert report.checked == total
    assert report.head_sequence == total
