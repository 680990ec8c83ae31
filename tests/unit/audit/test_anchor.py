"""The trace anchored outside the database: what a database writer can no longer hide.

Each tampering below passes the hash chain alone (or is caught by it: then the anchor
must not hide the chain's finding); with the checkpoints journal, ``verify_chain`` finds
it. SQLite and PostgreSQL (the ``engine`` fixture).
"""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from esante.audit import (
    Anchor,
    AuditError,
    AuditEvent,
    BreakKind,
    anchor_engine,
    append,
    append_committed,
    append_many,
    record_hash,
    verify_chain,
)
from esante.audit.chain import HASHED_FIELDS
from esante.store import session_factory

from .helpers import event, forge, rehash_from, row

N = 6


@pytest.fixture
def sessions(engine: Engine, tmp_path: Path) -> sessionmaker[Session]:
    anchor_engine(engine, tmp_path / "home")
    return session_factory(engine)


@pytest.fixture
def anchor(engine: Engine, tmp_path: Path) -> Anchor:
    return Anchor.for_engine(engine, tmp_path / "home")


def _build(sessions: sessionmaker[Session], count: int = N) -> None:
    for i in range(count):
        with sessions() as s:
            append(s, event(i))
            s.commit()


def _problem(sessions: sessionmaker[Session], anchor: Anchor) -> tuple[BreakKind, int]:
    with sessions() as s:
        report = verify_chain(s, anchor=anchor)
    assert report.problem is not None, "tampering went unnoticed"
    return report.problem.kind, report.problem.sequence


def test_every_commit_is_anchored_and_an_intact_trace_verifies(
    sessions: sessionmaker[Session], anchor: Anchor
) -> None:
    _build(sessions)
    state = anchor.read()
    assert state.problem is None
    assert state.lines == N
    assert state.highest is not None
    assert state.highest.sequence == N
    with sessions() as s:
        report = verify_chain(s, anchor=anchor)
        assert report.ok, report.problem
        assert state.highest.hash == row(s, N)["hash"]
    assert stat.S_IMODE(anchor.key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(anchor.journal.stat().st_mode) == 0o600
    assert stat.S_IMODE(anchor.directory.stat().st_mode) == 0o700


def test_a_rolled_back_append_writes_no_checkpoint(
    sessions: sessionmaker[Session], anchor: Anchor
) -> None:
    _build(sessions, 2)
    with sessions() as s:
        append(s, event(5))
        s.rollback()
    assert anchor.read().lines == 2
    with sessions() as s:
        assert verify_chain(s, anchor=anchor).ok


def test_a_batch_is_one_checkpoint(sessions: sessionmaker[Session], anchor: Anchor) -> None:
    with sessions() as s:
        append_many(s, [event(i) for i in range(5)])
        s.commit()
    state = anchor.read()
    assert state.lines == 1
    assert state.highest is not None
    assert state.highest.sequence == 5


def test_edit_is_found(sessions: sessionmaker[Session], anchor: Anchor) -> None:
    _build(sessions)
    with sessions() as s:
        s.execute(text("UPDATE audit_record SET reason = 'falsifié' WHERE sequence = 3"))
        s.commit()
    assert _problem(sessions, anchor) == (BreakKind.ALTERED, 3)


def test_insertion_is_found(sessions: sessionmaker[Session], anchor: Anchor) -> None:
    _build(sessions)
    with sessions() as s:
        forge(s, N + 1, row(s, N)["hash"])
        s.commit()
    assert _problem(sessions, anchor) == (BreakKind.INSERTED, N + 1)


def test_deletion_is_found(sessions: sessionmaker[Session], anchor: Anchor) -> None:
    _build(sessions)
    with sessions() as s:
        s.execute(text("DELETE FROM audit_record WHERE sequence = 4"))
        s.commit()
    assert _problem(sessions, anchor) == (BreakKind.DELETED, 4)


def test_tail_truncation_with_the_head_rewritten_is_found(
    sessions: sessionmaker[Session], anchor: Anchor
) -> None:
    _build(sessions)
    with sessions() as s:
        kept = row(s, 3)["hash"]
        s.execute(text("DELETE FROM audit_record WHERE sequence > 3"))
        s.execute(text("UPDATE audit_chain_head SET sequence = 3, hash = :h"), {"h": kept})
        s.commit()
        assert verify_chain(s).ok  # the chain alone is fooled
    kind, sequence = _problem(sessions, anchor)
    assert (kind, sequence) == (BreakKind.TRUNCATED, 4)


def test_a_wiped_table_is_found(sessions: sessionmaker[Session], anchor: Anchor) -> None:
    _build(sessions)
    with sessions() as s:
        s.execute(text("DELETE FROM audit_record"))
        s.execute(text("DELETE FROM audit_chain_head"))
        s.commit()
        assert verify_chain(s).ok  # the chain alone is fooled
    assert _problem(sessions, anchor) == (BreakKind.TRUNCATED, 1)


def test_a_full_rehash_after_an_edit_is_found(
    sessions: sessionmaker[Session], anchor: Anchor
) -> None:
    _build(sessions)
    with sessions() as s:
        s.execute(text("UPDATE audit_record SET actor_name = 'Dr Autre' WHERE sequence = 2"))
        s.commit()
        rehash_from(s, 2)
        assert verify_chain(s).ok  # the chain alone is fooled
    assert _problem(sessions, anchor) == (BreakKind.REWRITTEN, N)


def test_a_rebuilt_longer_trace_is_found(
    sessions: sessionmaker[Session], anchor: Anchor, engine: Engine
) -> None:
    """Wipe, then append more records than before through a non-anchored engine."""
    _build(sessions, 3)
    with sessions() as s:
        s.execute(text("DELETE FROM audit_record"))
        s.execute(text("DELETE FROM audit_chain_head"))
        s.commit()
    with session_factory(engine)() as s:
        for i in range(5):
            append(s, event(i, reason="réécrit"))
        s.info.clear()  # no checkpoint for the forger's records
        s.commit()
    assert _problem(sessions, anchor) == (BreakKind.REWRITTEN, 3)


def test_a_tampered_journal_is_found(sessions: sessionmaker[Session], anchor: Anchor) -> None:
    _build(sessions, 3)
    lines = anchor.journal.read_text().splitlines()
    forged = json.loads(lines[1])
    forged["sequence"] = 1
    lines[1] = json.dumps(forged)
    anchor.journal.write_text("\n".join(lines) + "\n")
    assert _problem(sessions, anchor)[0] is BreakKind.ANCHOR_TAMPERED


def test_a_removed_journal_line_is_found(sessions: sessionmaker[Session], anchor: Anchor) -> None:
    _build(sessions, 3)
    lines = anchor.journal.read_text().splitlines()
    anchor.journal.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert _problem(sessions, anchor)[0] is BreakKind.ANCHOR_TAMPERED


def test_a_deleted_journal_is_found(sessions: sessionmaker[Session], anchor: Anchor) -> None:
    _build(sessions, 2)
    anchor.journal.unlink()
    assert _problem(sessions, anchor)[0] is BreakKind.ANCHOR_TAMPERED


def test_a_torn_last_line_is_a_crash_not_a_forgery(
    sessions: sessionmaker[Session], anchor: Anchor
) -> None:
    """A crash while writing leaves a line without its newline: ignored, and the next
    checkpoint chains to the last complete line."""
    _build(sessions, 2)
    with anchor.journal.open("a") as stream:
        stream.write('{"sequence":3,"ha')
    assert anchor.read().lines == 2
    with anchor.journal.open("a") as stream:
        stream.write("\n")
    with sessions() as s:
        assert verify_chain(s, anchor=anchor).problem is not None  # torn line now complete
    anchor.journal.write_text("".join(anchor.journal.read_text().splitlines(True)[:2]))
    _build(sessions, 1)
    with sessions() as s:
        assert verify_chain(s, anchor=anchor).ok


def test_a_trace_ahead_of_its_journal_verifies(
    sessions: sessionmaker[Session], anchor: Anchor, engine: Engine
) -> None:
    """Records committed whose checkpoint was lost (crash right after the commit) are
    protected by the chain alone until the next checkpoint: not an error."""
    _build(sessions, 2)
    with session_factory(engine)() as s:
        append(s, event(3))
        s.info.clear()
        s.commit()
    with sessions() as s:
        report = verify_chain(s, anchor=anchor)
    assert report.ok
    assert report.anchor is not None
    assert report.anchor.highest is not None
    assert report.anchor.highest.sequence == 2


def test_concurrent_writers_keep_the_journal_sound(
    sessions: sessionmaker[Session], anchor: Anchor
) -> None:
    writers, each = 4, 5
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for i in range(each):
                append_committed(sessions, event(k * each + i), attempts=50)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    state = anchor.read()
    assert state.problem is None
    assert state.lines == writers * each
    assert state.highest is not None
    assert state.highest.sequence == writers * each
    with sessions() as s:
        assert verify_chain(s, anchor=anchor).ok


def test_writers_of_other_processes_keep_the_journal_chained(
    sessions: sessionmaker[Session], anchor: Anchor
) -> None:
    """A writer remembers the journal's last MAC; another writer (another process: its
    own :class:`Anchor`) appending in between, or a new journal, must not make it link
    to a stale line."""
    other = Anchor(anchor.directory, anchor.journal.name.removesuffix(".anchor"))

    def head(sequence: int) -> str:
        with sessions() as s:
            return str(row(s, sequence)["hash"])

    _build(sessions, 2)  # through the engine's own Anchor
    other.write(2, head(2))
    _build(sessions, 1)
    other.write(3, head(3))
    other.write(3, head(3))
    _build(sessions, 1)
    state = anchor.read()
    assert state.problem is None, state.detail
    assert state.lines == 7
    assert state.highest is not None
    assert state.highest.sequence == 4

    kept = anchor.start_new_journal()
    assert kept is not None
    _build(sessions, 1)  # the first line of the new journal
    other.write(5, head(5))
    state = anchor.read()
    assert state.problem is None, state.detail
    assert state.lines == 2
    assert json.loads(anchor.journal.read_text().splitlines()[0])["prev"] == "0" * 64
    with sessions() as s:
        assert verify_chain(s, anchor=anchor).ok


def test_a_truncated_key_is_refused_not_used(
    sessions: sessionmaker[Session], anchor: Anchor
) -> None:
    """A key file cut short (a copy gone wrong) must not seal or check anything."""
    _build(sessions, 1)
    anchor.key_path.write_text(anchor.key_path.read_text()[:20] + "\n")
    with pytest.raises(AuditError, match="illisible"):
        anchor.read()
    with sessions() as s, pytest.raises(AuditError, match="illisible"):
        verify_chain(s, anchor=anchor)


def test_role_and_origin_are_chained_and_older_records_still_verify(
    sessions: sessionmaker[Session], anchor: Anchor
) -> None:
    with sessions() as s:
        old = append(s, event(0))
        new = append(s, AuditEvent(**{**_fields(event(1)), "actor_role": "10", "origin": "cli"}))
        s.commit()
    # a record without the two fields hashes exactly as before they existed
    assert old.hash == record_hash(old.previous_hash, {f: getattr(old, f) for f in HASHED_FIELDS})
    assert new.hash != record_hash(new.previous_hash, {f: getattr(new, f) for f in HASHED_FIELDS})
    with sessions() as s:
        assert verify_chain(s, anchor=anchor).ok
        s.execute(text("UPDATE audit_record SET origin = '10.0.0.1' WHERE sequence = 2"))
        s.commit()
    assert _problem(sessions, anchor) == (BreakKind.ALTERED, 2)


def _fields(e: AuditEvent) -> dict[str, object]:
    return {name: getattr(e, name) for name in AuditEvent.__slots__}  # type: ignore[attr-defined]
