"""Claiming due orders: deferral, credentials, predecessors, leases, conditional recording."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from esante.audit import AuditEvent
from esante.outbox import (
    Blocked,
    Failed,
    NewOrder,
    Retry,
    RetryPolicy,
    Sent,
    claim,
    create_order,
    record,
)
from esante.store import AuditRecord, Patient, Practitioner, SendOrder, session_factory

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
HOLD = ("structure:*",)


def _order(session: Session, patient: Patient, key: str, **kw: object) -> SendOrder:
    values: dict[str, object] = {
        "kind": "dmp_submit",
        "idempotency_key": key,
        "patient_id": patient.id,
        "credential": "structure:1750000001",
        "authentication_mode": "indirecte",
        "deferral": timedelta(0),
    }
    values.update(kw)
    return create_order(session, NewOrder(**values), now=NOW)  # type: ignore[arg-type]


def test_orders_inside_the_window_are_not_claimed(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _order(session, people[0], "a", deferral=timedelta(minutes=10))
    session.commit()
    assert claim(session, "w1", credentials=HOLD, now=NOW + timedelta(minutes=9)) == []
    taken = claim(session, "w1", credentials=HOLD, now=NOW + timedelta(minutes=10))
    assert [o.idempotency_key for o in taken] == ["a"]
    assert taken[0].previous_state == "scheduled"
    assert taken[0].attempts == 1
    assert not taken[0].is_retry


def test_blocked_cancelled_and_sent_orders_are_never_claimed(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    for state in ("blocked", "cancelled", "sent", "failed"):
        _order(session, people[0], state).state = state
    session.commit()
    assert claim(session, "w1", credentials=HOLD, limit=10, now=NOW + timedelta(days=1)) == []


def test_only_a_worker_holding_the_credential_claims(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _order(session, people[0], "card", credential="cps:810003986931", authentication_mode="directe")
    session.commit()
    assert claim(session, "server", credentials=HOLD, now=NOW) == []
    assert claim(session, "other-desk", credentials=("cps:899999999999",), now=NOW) == []
    taken = claim(session, "doctor-desk", credentials=("cps:810003986931",), now=NOW)
    assert [o.idempotency_key for o in taken] == ["card"]


def test_a_new_version_waits_for_the_previous_one(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    first = _order(session, people[0], "v1", deferral=timedelta(minutes=10))
    _order(session, people[0], "v2", after_order_id=first.id)
    session.commit()
    assert claim(session, "w", credentials=HOLD, now=NOW) == []
    first.state = "sent"
    session.commit()
    assert [o.idempotency_key for o in claim(session, "w", credentials=HOLD, now=NOW)] == ["v2"]


def test_expired_lease_is_taken_again_and_marked_as_a_retry(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _order(session, people[0], "a")
    session.commit()
    lease = timedelta(seconds=30)
    first = claim(session, "dead", credentials=HOLD, lease=lease, now=NOW)
    session.commit()
    assert (
        claim(session, "alive", credentials=HOLD, lease=lease, now=NOW + timedelta(seconds=29))
        == []
    )
    again = claim(session, "alive", credentials=HOLD, lease=lease, now=NOW + timedelta(seconds=31))
    session.commit()
    assert [o.id for o in again] == [first[0].id]
    assert again[0].previous_state == "in_flight"
    assert again[0].is_retry
    # The dead worker's late answer is not recorded: it lost the order.
    assert not record(session, first[0], "dead", Sent(), policy=RetryPolicy(), now=NOW)
    assert record(session, again[0], "alive", Sent({"x": 1}), policy=RetryPolicy(), now=NOW)
    session.commit()
    session.expire_all()  # the sessions keep loaded rows after a commit
    order = session.get(SendOrder, first[0].id)
    assert order is not None
    assert order.state == "sent"
    assert order.sent_at == NOW


def test_transient_failure_backs_off_then_gives_up(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _order(session, people[0], "a")
    session.commit()
    policy = RetryPolicy(
        base_s=10, cap_s=100, give_up_after=timedelta(minutes=5), random=lambda: 1.0
    )
    now = NOW
    delays = []
    while True:
        [taken] = claim(session, "w", credentials=HOLD, now=now)
        record(session, taken, "w", Retry("DMP indisponible.", code="503"), policy=policy, now=now)
        session.commit()
        order = session.get(SendOrder, taken.id)
        assert order is not None
        session.refresh(order)
        if order.state == "failed":
            break
        assert order.state == "due"
        delays.append((order.available_at - now).total_seconds())
        now = order.available_at
    assert delays[:5] == [10, 20, 40, 80, 100]
    assert "abandonné" in (order.state_reason or "")
    assert order.last_error_code == "503"


def test_permanent_failure_and_blocking_stop_with_their_reason(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _order(session, people[0], "a")
    _order(session, people[0], "b")
    session.commit()
    one, two = claim(session, "w", credentials=HOLD, limit=2, now=NOW)
    trace = AuditEvent(channel="dmp", action="alimentation", outcome="refused", detail="X")
    record(
        session,
        one,
        "w",
        Failed("Document refusé.", code="X", audit=(trace,)),
        policy=RetryPolicy(),
        now=NOW,
    )
    record(session, two, "w", Blocked("Opposition."), policy=RetryPolicy(), now=NOW)
    session.commit()
    states = dict(session.execute(select(SendOrder.idempotency_key, SendOrder.state)).all())
    assert states == {"a": "failed", "b": "blocked"}
    assert session.scalar(select(AuditRecord.detail)) == "X"


def test_concurrent_claimers_never_share_an_order(
    engine: Engine, people: tuple[Patient, Practitioner], session: Session
) -> None:
    for n in range(120):
        _order(session, people[0], f"o{n}")
    session.commit()
    sessions = session_factory(engine)
    got: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        mine: list[int] = []
        try:
            while True:
                with sessions() as s, s.begin():
                    taken = claim(s, name, credentials=HOLD, limit=3, now=NOW)
                if not taken:
                    break
                mine.extend(o.id for o in taken)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        got[name] = mine

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    everything = [i for ids in got.values() for i in ids]
    assert len(everything) == 120
    assert len(set(everything)) == 120
