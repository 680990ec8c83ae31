"""Appending to the access trace: values kept, hash chained, invalid events refused."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from esante.audit import (
    GENESIS,
    AuditError,
    append,
    append_committed,
    append_many,
    record_hash,
    verify_chain,
)
from esante.audit.chain import canonical_at, read_head
from esante.store import AuditRecord, session_factory
from esante.trust.vocabulary import AccessMode

from .helpers import ID_NAT_PS, T0, event, row


def test_records_are_chained_from_genesis(session: Session) -> None:
    first = append(session, event(0))
    second = append(session, event(1, access_mode=AccessMode.BRIS_DE_GLACE, reason="urgence"))
    session.commit()
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == GENESIS
    assert second.previous_hash == first.hash
    assert read_head(session) == (2, second.hash)
    stored = row(session, 2)
    assert stored["access_mode"] == "bris_de_glace"
    assert type(stored["access_mode"]) is str
    assert stored["at"] == T0 + timedelta(hours=1)
    assert stored["actor_id"] == ID_NAT_PS
    recomputed = record_hash(stored["previous_hash"], stored)
    assert recomputed == stored["hash"]


def test_hash_covers_microseconds_and_is_backend_independent(session: Session) -> None:
    at = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    record = append(session, event(0, at=at))
    session.commit()
    assert canonical_at(at) == "2024-01-02T03:04:05.678901Z"
    assert row(session, 1)["at"] == at
    assert record_hash(GENESIS, row(session, 1)) == record.hash
    assert verify_chain(session).ok


def test_rolled_back_append_leaves_no_trace_and_no_gap(session: Session) -> None:
    append(session, event(0))
    session.commit()
    append(session, event(1))
    session.rollback()
    third = append(session, event(2))
    session.commit()
    assert third.sequence == 2
    report = verify_chain(session)
    assert report.ok
    assert report.checked == 2


def test_empty_strings_are_stored_as_absent(session: Session) -> None:
    append(session, event(0, reason="", detail="", document_unique_id=""))
    session.commit()
    stored = row(session, 1)
    assert (stored["reason"], stored["detail"], stored["document_unique_id"]) == (None,) * 3


REFUSED: list[tuple[dict[str, object], str]] = [
    ({"channel": "fax"}, "channel"),
    ({"outcome": "ok"}, "outcome"),
    ({"access_mode": "urgence"}, "access_mode"),
    ({"action": ""}, "action"),
    ({"action": "x" * 61}, "action"),
    ({"actor_id": "8" * 41}, "actor_id"),
    ({"reason": "a\x00b"}, "reason"),
    ({"at": datetime(2024, 1, 1, 12, 0)}, "at"),  # naive on purpose
]


def test_untraceable_events_are_refused(session: Session) -> None:
    for changes, field in REFUSED:
        with pytest.raises(AuditError) as caught:
            append(session, event(0, **changes))
        assert caught.value.field == field, changes
        assert caught.value.message.startswith("Trace d'accès impossible")
        session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditRecord)) == 0
    assert read_head(session) is None


def test_a_batch_is_chained_as_single_appends_would_be(session: Session) -> None:
    batch = append_many(session, [event(0), event(1)])  # the first append ever, too
    session.commit()
    more = append_many(session, [event(2), event(3), event(4)])
    single = append(session, event(5))
    session.commit()
    records = [*batch, *more, single]
    assert [r.sequence for r in records] == [1, 2, 3, 4, 5, 6]
    assert records[0].previous_hash == GENESIS
    assert [r.previous_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    assert read_head(session) == (6, single.hash)
    for record in records:
        stored = row(session, record.sequence)
        assert record_hash(stored["previous_hash"], stored) == stored["hash"] == record.hash
    report = verify_chain(session)
    assert report.ok
    assert report.checked == 6
    assert append_many(session, []) == []
    assert read_head(session) == (6, single.hash)


def test_each_returned_entry_carries_its_own_rows_id(session: Session) -> None:
    """The ids come back matched by sequence number (one ``INSERT … RETURNING`` for a
    batch; a single record with the head's update in the same statement on PostgreSQL)."""
    entries = append_many(session, [event(i) for i in range(6)])
    entries.append(append(session, event(6)))
    session.commit()
    assert read_head(session) == (7, entries[-1].hash)
    stored = {
        seq: rid for seq, rid in session.execute(select(AuditRecord.sequence, AuditRecord.id))
    }
    assert [e.sequence for e in entries] == list(range(1, 8))
    assert {e.sequence: e.id for e in entries} == stored
    assert len(set(stored.values())) == 7


def test_one_untraceable_event_refuses_the_whole_batch(session: Session) -> None:
    append(session, event(0))
    session.commit()
    with pytest.raises(AuditError) as caught:
        append_many(session, [event(1), event(2, channel="fax"), event(3)])
    assert caught.value.field == "channel"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditRecord)) == 1
    assert read_head(session) == (1, row(session, 1)["hash"])


def test_long_free_text_is_kept_whole(session: Session) -> None:
    reason = "Patient inconscient, " * 500
    append(session, event(0, reason=reason))
    session.commit()
    assert row(session, 1)["reason"] == reason
    assert verify_chain(session).ok


def test_append_committed_survives_the_callers_rollback(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions() as caller:
        append(caller, event(0))  # traced in the action's transaction...
        caller.rollback()  # ...which fails: that trace goes with it
    entry = append_committed(sessions, event(1, outcome="failure", detail="DMP_INDISPONIBLE"))
    assert (entry.sequence, entry.outcome, entry.previous_hash) == (1, "failure", GENESIS)
    with sessions() as check:
        report = verify_chain(check)
        assert report.ok
        assert report.checked == 1
        assert row(check, 1)["detail"] == "DMP_INDISPONIBLE"


def test_first_appends_racing_both_create_no_conflict(engine: Engine) -> None:
    """The first append creates the head row; a second writer arriving meanwhile waits for
    it and chains after it instead of failing on the head's primary key."""
    sessions = session_factory(engine)
    first = sessions()
    append(first, event(0))  # head row inserted, not committed
    outcome: dict[str, object] = {}

    def second() -> None:
        with sessions() as session:
            try:
                record = append(session, event(1))
                session.commit()
                outcome["sequence"] = record.sequence
            except Exception as exc:  # reported below
                outcome["error"] = exc

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive(), outcome  # blocked on the first writer's lock
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert outcome == {"sequence": 2}
    with sessions() as check:
        report = verify_chain(check)
    assert report.ok
    assert report.checked == 2
