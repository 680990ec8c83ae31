"""`verify_chain` finds and names the first altered, deleted or inserted record."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from esante.audit import AuditChainError, BreakKind, record_hash, verify_chain

from .helpers import build, forge, row, shift

N = 6


def _broken(session: Session, batch_size: int = 1000) -> tuple[BreakKind, int, str]:
    report = verify_chain(session, batch_size=batch_size)
    assert report.problem is not None, "tampering went unnoticed"
    assert not report.ok
    with pytest.raises(AuditChainError):
        report.raise_if_broken()
    return report.problem.kind, report.problem.sequence, report.problem.message


def test_intact_chain_verifies(session: Session) -> None:
    build(session, N)
    report = verify_chain(session, batch_size=4)
    assert report.ok
    assert report.problem is None
    assert report.checked == N
    assert report.head_sequence == N
    assert report.head_hash == row(session, N)["hash"]
    report.raise_if_broken()


def test_empty_trace_verifies(session: Session) -> None:
    report = verify_chain(session)
    assert report.ok
    assert (report.checked, report.head_sequence) == (0, 0)


def test_progress_is_reported_per_page(session: Session) -> None:
    build(session, 5)
    calls: list[tuple[int, int]] = []
    verify_chain(session, batch_size=2, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(2, 5), (4, 5), (5, 5)]


@pytest.mark.parametrize(
    ("column", "batch_size"), [("reason", 1000), ("patient_ins", 3), ("actor_id", 1)]
)
def test_altered_field_is_found(session: Session, column: str, batch_size: int) -> None:
    build(session, N)
    session.execute(text(f"UPDATE audit_record SET {column} = 'falsifié' WHERE sequence = 4"))
    session.commit()
    kind, sequence, message = _broken(session, batch_size)
    assert (kind, sequence) == (BreakKind.ALTERED, 4)
    assert "n° 4" in message
    assert "modifié" in message


def test_altered_previous_hash_is_found(session: Session) -> None:
    build(session, N)
    session.execute(
        text("UPDATE audit_record SET previous_hash = :h WHERE sequence = 2"), {"h": "a" * 64}
    )
    session.commit()
    assert _broken(session)[:2] == (BreakKind.ALTERED, 2)


@pytest.mark.parametrize("batch_size", [3, 1000])
def test_rehashed_forgery_breaks_the_next_link(session: Session, batch_size: int) -> None:
    """A forger who changes record 3 and recomputes its hash: record 3 alone looks right,
    record 4 no longer links to it."""
    build(session, N)
    third = row(session, 3)
    third["reason"] = "consultation autorisée"
    session.execute(
        text("UPDATE audit_record SET reason = :r, hash = :h WHERE sequence = 3"),
        {"r": third["reason"], "h": record_hash(third["previous_hash"], third)},
    )
    session.commit()
    kind, sequence, message = _broken(session, batch_size)
    assert (kind, sequence) == (BreakKind.ALTERED, 3)
    assert "n° 4" in message  # the broken link is named too


def test_rehashed_forgery_of_the_last_record_breaks_the_head(session: Session) -> None:
    build(session, N)
    last = row(session, N)
    last["outcome"] = "refused"
    session.execute(
        text("UPDATE audit_record SET outcome = 'refused', hash = :h WHERE sequence = :s"),
        {"h": record_hash(last["previous_hash"], last), "s": N},
    )
    session.commit()
    assert _broken(session)[:2] == (BreakKind.HEAD_MISMATCH, N)


@pytest.mark.parametrize(("sequence", "batch_size"), [(1, 1000), (3, 1000), (4, 3)])
def test_deleted_record_is_found(session: Session, sequence: int, batch_size: int) -> None:
    build(session, N)
    session.execute(text("DELETE FROM audit_record WHERE sequence = :s"), {"s": sequence})
    session.commit()
    kind, found, message = _broken(session, batch_size)
    assert (kind, found) == (BreakKind.DELETED, sequence)
    assert f"n° {sequence}" in message
    assert "supprimé" in message


def test_deleted_last_record_is_found(session: Session) -> None:
    build(session, N)
    session.execute(text("DELETE FROM audit_record WHERE sequence = :s"), {"s": N})
    session.commit()
    kind, sequence, message = _broken(session)
    assert (kind, sequence) == (BreakKind.DELETED, N)
    assert "dernier" in message


def test_deleted_tail_with_head_rewound_is_found(session: Session) -> None:
    """Deleting the last two records and rewinding the head's sequence (not its hash)."""
    build(session, N)
    session.execute(text("DELETE FROM audit_record WHERE sequence >= :s"), {"s": N - 1})
    session.execute(text("UPDATE audit_chain_head SET sequence = :s"), {"s": N - 2})
    session.commit()
    assert _broken(session)[:2] == (BreakKind.HEAD_MISMATCH, N - 2)


def test_every_record_deleted_is_found(session: Session) -> None:
    build(session, N)
    session.execute(text("DELETE FROM audit_record"))
    session.commit()
    kind, sequence, message = _broken(session)
    assert (kind, sequence) == (BreakKind.DELETED, 1)
    assert f"n° 1 à {N}" in message


def test_deletion_hidden_by_renumbering_is_found(session: Session) -> None:
    build(session, N)
    session.execute(text("DELETE FROM audit_record WHERE sequence = 3"))
    shift(session, 4, -1)
    session.execute(text("UPDATE audit_chain_head SET sequence = sequence - 1"))
    session.commit()
    kind, sequence, message = _broken(session)
    assert (kind, sequence) == (BreakKind.DELETED, 3)
    assert "n° 3 a été supprimé" in message
    assert "renumérotés" in message


def test_forged_record_inserted_in_the_middle_is_found(session: Session) -> None:
    """A careful forger: makes room at 3, chains the forged record to record 2 with a right
    hash, moves the head on. Record 4 (formerly 3) still hashes as number 3."""
    build(session, N)
    shift(session, 3, 1)
    forge(session, 3, row(session, 2)["hash"])
    session.execute(text("UPDATE audit_chain_head SET sequence = sequence + 1"))
    session.commit()
    kind, sequence, message = _broken(session, batch_size=2)
    assert (kind, sequence) == (BreakKind.INSERTED, 3)
    assert "inséré" in message


def test_forged_record_replacing_a_deleted_one_is_found(session: Session) -> None:
    build(session, N)
    previous = row(session, 2)["hash"]
    session.execute(text("DELETE FROM audit_record WHERE sequence = 3"))
    forge(session, 3, previous)
    session.commit()
    kind, sequence, message = _broken(session)
    assert (kind, sequence) == (BreakKind.INSERTED, 3)
    assert "inséré" in message


def test_forged_record_appended_past_the_head_is_found(session: Session) -> None:
    build(session, N)
    forge(session, N + 1, row(session, N)["hash"])
    session.commit()
    kind, sequence, message = _broken(session)
    assert (kind, sequence) == (BreakKind.INSERTED, N + 1)
    assert "après la fin" in message


def test_altered_head_is_found(session: Session) -> None:
    build(session, N)
    session.execute(text("UPDATE audit_chain_head SET hash = :h"), {"h": "b" * 64})
    session.commit()
    assert _broken(session)[:2] == (BreakKind.HEAD_MISMATCH, N)


def test_deleted_head_is_found(session: Session) -> None:
    build(session, N)
    session.execute(text("DELETE FROM audit_chain_head"))
    session.commit()
    assert _broken(session)[:2] == (BreakKind.HEAD_MISMATCH, 1)


def test_only_the_first_break_is_reported(session: Session) -> None:
    build(session, N)
    session.execute(text("UPDATE audit_record SET reason = 'x' WHERE sequence IN (2, 5)"))
    session.commit()
    report = verify_chain(session)
    assert report.problem is not None
    assert report.problem.sequence == 2
    assert report.checked == 1
