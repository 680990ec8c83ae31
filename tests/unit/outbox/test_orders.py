"""Send orders: creation, the user's actions and their state rules (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.outbox import (
    NewOrder,
    OrderStateError,
    OutboxError,
    block,
    cancel,
    create_order,
    retry,
    send_now,
    unblock,
)
from esante.store import Patient, Practitioner, SendOrder, SendOrderEvent

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _new(patient: Patient, key: str = "dmp:1.2.3", **kw: object) -> NewOrder:
    values: dict[str, object] = {
        "kind": "dmp_submit",
        "idempotency_key": key,
        "patient_id": patient.id,
        "credential": "structure:1750000001",
        "authentication_mode": "indirecte",
    }
    values.update(kw)
    return NewOrder(**values)  # type: ignore[arg-type]


def test_new_order_waits_for_the_deferral_window(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    order = create_order(session, _new(people[0]), now=NOW)
    session.commit()
    assert order.state == "scheduled"
    assert order.available_at == NOW + timedelta(minutes=10)
    assert [e.to_state for e in order.events] == ["scheduled"]


def test_per_order_deferral_and_immediate_orders(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    later = create_order(session, _new(people[0], "k1", deferral=timedelta(seconds=30)), now=NOW)
    at_once = create_order(session, _new(people[0], "k2", deferral=timedelta(0)), now=NOW)
    assert later.available_at == NOW + timedelta(seconds=30)
    assert at_once.state == "due"
    with pytest.raises(OutboxError):
        create_order(session, _new(people[0], "k3", deferral=timedelta(seconds=-1)), now=NOW)


def test_same_idempotency_key_is_refused_and_keeps_the_first(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    create_order(session, _new(people[0]), now=NOW)
    with pytest.raises(OutboxError) as caught:
        create_order(session, _new(people[0]), now=NOW)
    assert "déjà programmé" in caught.value.message
    session.commit()
    assert session.scalar(select(SendOrder.id).where(SendOrder.idempotency_key == "dmp:1.2.3"))


def test_blocked_at_creation_carries_its_reason(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    order = create_order(session, _new(people[0], blocked_reason="Opposition du patient."), now=NOW)
    assert order.state == "blocked"
    assert order.state_reason == "Opposition du patient."


def test_block_unblock_cancel_rules(session: Session, people: tuple[Patient, Practitioner]) -> None:
    order = create_order(session, _new(people[0]), now=NOW)
    block(session, order.id, by="810003986931", now=NOW + timedelta(minutes=1))
    assert order.state == "blocked"
    with pytest.raises(OrderStateError):
        send_now(session, order.id)
    # Unblocked inside the window: back to scheduled until the window ends.
    unblock(session, order.id, now=NOW + timedelta(minutes=2))
    assert order.state == "scheduled"
    assert order.available_at == NOW + timedelta(minutes=10)
    cancel(session, order.id, now=NOW + timedelta(minutes=3), reason="Erreur de patient")
    assert order.state == "cancelled"
    for action in (block, unblock, send_now, cancel):
        with pytest.raises(OrderStateError) as caught:
            action(session, order.id)
        assert "annulé" in caught.value.message
    session.commit()
    events = session.scalars(
        select(SendOrderEvent)
        .where(SendOrderEvent.order_id == order.id)
        .order_by(SendOrderEvent.id)
    ).all()
    assert [(e.from_state, e.to_state) for e in events] == [
        (None, "scheduled"),
        ("scheduled", "blocked"),
        ("blocked", "scheduled"),
        ("scheduled", "cancelled"),
    ]
    assert events[1].by == "810003986931"
    assert events[3].reason == "Erreur de patient"


def test_unblock_after_the_window_is_due_at_once(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    order = create_order(session, _new(people[0]), now=NOW)
    block(session, order.id, now=NOW)
    later = NOW + timedelta(hours=1)
    unblock(session, order.id, now=later)
    assert order.state == "due"
    assert order.available_at == later


def test_send_now_ends_the_window(session: Session, people: tuple[Patient, Practitioner]) -> None:
    order = create_order(session, _new(people[0]), now=NOW)
    send_now(session, order.id, now=NOW + timedelta(seconds=5))
    assert order.state == "due"
    assert order.available_at == NOW + timedelta(seconds=5)


def test_retry_only_a_failed_order(session: Session, people: tuple[Patient, Practitioner]) -> None:
    order = create_order(session, _new(people[0]), now=NOW)
    with pytest.raises(OrderStateError):
        retry(session, order.id)
    order.state = "failed"
    session.flush()
    retry(session, order.id, now=NOW)
    assert order.state == "due"
