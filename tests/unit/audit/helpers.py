"""Building and tampering with access traces in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from esante.audit import AuditEvent, append, record_hash
from esante.store import AuditRecord

T0 = datetime(2024, 5, 31, 21, 30, tzinfo=UTC)  # 23:30 in Paris: 31/05
RPPS = "10001234567"
ID_NAT_PS = "8" + RPPS
OID = "1.2.250.1.213.1.4.8"
PATIENTS = ("277076322082910", "185057800608436", "290012A12345678")


def event(i: int = 0, **changes: Any) -> AuditEvent:
    """A plausible DMP consultation by the same professional, one of three patients."""
    values: dict[str, Any] = {
        "channel": "dmp",
        "action": "TD3.2",
        "outcome": "success",
        "actor_id": ID_NAT_PS,
        "actor_name": "Dr Alice Martin",
        "structure_id": "1750000001",
        "patient_ins": f"{PATIENTS[i % 3]}^^^&{OID}&ISO",
        "document_unique_id": f"1.2.250.1.999.1.{i}",
        "access_mode": "normal",
        "reason": None,
        "detail": None,
        "at": T0 + timedelta(hours=i),
    }
    values.update(changes)
    return AuditEvent(**values)


def build(session: Session, count: int) -> None:
    """Append ``count`` records and commit."""
    for i in range(count):
        append(session, event(i))
    session.commit()


def row(session: Session, sequence: int) -> dict[str, Any]:
    """The stored values of one record."""
    found = session.execute(
        select(AuditRecord.__table__).where(AuditRecord.sequence == sequence)
    ).one()
    return dict(found._mapping)


def forge(session: Session, sequence: int, previous_hash: str, **changes: Any) -> str:
    """Insert a forged record whose own hash is right (a careful forger); return its hash."""
    values: dict[str, Any] = {
        "sequence": sequence,
        "at": T0 + timedelta(days=30),
        "channel": "dmp",
        "action": "TD3.2",
        "actor_id": "899999999999",
        "actor_name": "Intrus",
        "structure_id": None,
        "patient_ins": PATIENTS[0],
        "document_unique_id": None,
        "access_mode": "bris_de_glace",
        "reason": "urgence",
        "outcome": "success",
        "detail": None,
    }
    values.update(changes)
    digest = record_hash(previous_hash, values)
    session.execute(
        insert(AuditRecord.__table__).values(**values, previous_hash=previous_hash, hash=digest)
    )
    return digest


def shift(session: Session, from_sequence: int, by: int) -> None:
    """Renumber the records from ``from_sequence`` on by ``by`` (unique-safe, two steps)."""
    session.execute(
        text("UPDATE audit_record SET sequence = -(sequence + :by) WHERE sequence >= :s"),
        {"by": by, "s": from_sequence},
    )
    session.execute(text("UPDATE audit_record SET sequence = -sequence WHERE sequence < 0"))


def rehash_from(session: Session, first: int) -> None:
    """Recompute every hash from ``first`` on, and the head, and commit: a forger with
    write access to the database makes the chain hold again after an edit."""
    previous = row(session, first - 1)["hash"] if first > 1 else "0" * 64
    last = session.execute(text("SELECT max(sequence) FROM audit_record")).scalar_one()
    for sequence in range(first, last + 1):
        values = row(session, sequence)
        digest = record_hash(previous, values)
        session.execute(
            text("UPDATE audit_record SET previous_hash = :p, hash = :h WHERE sequence = :s"),
            {"p": previous, "h": digest, "s": sequence},
        )
        previous = digest
    session.execute(text("UPDATE audit_chain_head SET hash = :h"), {"h": previous})
    session.commit()
