"""The worker's batch: one preparation and one recording for several orders.

The handlers here are plain objects: what is under test is the worker's bookkeeping
(which outcome each order gets, what the trace holds), not a service.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from esante.audit import AuditEvent, verify_chain
from esante.outbox import (
    Blocked,
    ClaimedOrder,
    Failed,
    NewOrder,
    Outcome,
    Retry,
    RetryPolicy,
    Sent,
    Worker,
    claim,
    create_order,
    record_many,
)
from esante.store import AuditRecord, Patient, Practitioner, SendOrder, SendOrderEvent, utcnow


class Desk:
    """Blocks the order whose key says so, breaks on ``bug``, sends the others."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.prepared_in: set[int] = set()

    def prepare(self, session: Session, orders: Sequence[ClaimedOrder]) -> list[object]:
        self.prepared_in.add(id(session))
        if any(order.idempotency_key == "bug" for order in orders):
            raise RuntimeError("a bug in the preparation")
        return [self._prepare(session, order) for order in orders]

    @staticmethod
    def _prepare(session: Session, order: ClaimedOrder) -> object:
        if order.idempotency_key == "opposed":
            return Blocked("Le patient s'est opposé à l'alimentation de son DMP.")
        patient = session.get(Patient, order.patient_id)
        assert patient is not None
        return patient.ins_matricule

    def handle(self, order: ClaimedOrder, prepared: object) -> Outcome:
        assert isinstance(prepared, str)
        self.sent.append(order.idempotency_key)
        trace = AuditEvent(channel="dmp", action="alimentation", outcome="success")
        return Sent({"ins": prepared}, note="Déposé.", audit=(trace,))


def _queue(session: Session, patient: Patient, *keys: str) -> None:
    for key in keys:
        create_order(
            session,
            NewOrder(
                kind="dmp_submit",
                idempotency_key=key,
                patient_id=patient.id,
                credential="structure:1750000001",
                authentication_mode="indirecte",
                deferral=timedelta(0),
            ),
        )
    session.commit()


def _states(session: Session) -> dict[str, str]:
    session.expire_all()
    rows = session.execute(select(SendOrder.idempotency_key, SendOrder.state))
    return {str(key): str(state) for key, state in rows}


def _worker(session: Session, desk: Desk) -> Worker:
    sessions: sessionmaker[Session] = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    return Worker(sessions, {"dmp_submit": desk}, batch=10)


def test_one_batch_prepares_once_settles_each_order_and_traces_together(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _queue(session, people[0], "a", "opposed", "b", "mail")
    session.execute(
        SendOrder.__table__.update()
        .where(SendOrder.idempotency_key == "mail")
        .values(kind="mss_send")  # no MSSanté handler on this desk
    )
    session.commit()
    desk = Desk()
    worker = _worker(session, desk)

    assert worker.step() == 4
    assert len(desk.prepared_in) == 1  # one read transaction for the whole batch
    assert sorted(desk.sent) == ["a", "b"]
    assert _states(session) == {"a": "sent", "b": "sent", "opposed": "blocked", "mail": "due"}
    assert _error_codes(session) == {"mail": "NO_HANDLER"}
    assert session.scalar(select(func.count()).select_from(AuditRecord)) == 2
    assert verify_chain(session).ok
    assert (worker.stats.sent, worker.stats.blocked, worker.stats.retried) == (2, 1, 1)


def test_a_bug_while_preparing_retries_the_batch_and_loses_nothing(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _queue(session, people[0], "a", "bug")
    desk = Desk()
    worker = _worker(session, desk)

    assert worker.step() == 2
    assert desk.sent == []
    assert _states(session) == {"a": "due", "bug": "due"}
    assert _error_codes(session) == {"a": "INTERNAL:RuntimeError", "bug": "INTERNAL:RuntimeError"}
    assert worker.stats.retried == 2


def _error_codes(session: Session) -> dict[str, str | None]:
    rows = session.execute(
        select(SendOrder.idempotency_key, SendOrder.last_error_code).where(SendOrder.state == "due")
    )
    return {str(key): code for key, code in rows}


def test_a_batch_records_only_the_orders_still_held(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _queue(session, people[0], "first", "second")
    now = utcnow()
    policy = RetryPolicy(lease_s=30)
    lease = timedelta(seconds=policy.lease_s)
    held = claim(session, "slow", credentials=("structure:*",), limit=2, lease=lease, now=now)
    session.commit()
    # The slow worker's lease ran out: another worker took the oldest order over.
    later = now + timedelta(seconds=31)
    taken_over = claim(session, "other", credentials=("structure:*",), lease=lease, now=later)
    session.commit()
    assert [o.idempotency_key for o in taken_over] == ["first"]
    lost_key = "first"
    trace = AuditEvent(channel="dmp", action="alimentation", outcome="success")
    kept = record_many(
        session, [(o, Sent(audit=(trace,))) for o in held], "slow", policy=policy, now=now
    )
    session.commit()
    assert kept == [o.idempotency_key != lost_key for o in held]
    states = _states(session)
    assert states[lost_key] == "in_flight"  # the new holder's, untouched
    assert [s for k, s in states.items() if k != lost_key] == ["sent"]
    # Both calls were made: both stay in the trace, in one append.
    assert session.scalar(select(func.count()).select_from(AuditRecord)) == 2
    events = session.scalars(
        select(SendOrderEvent.to_state).where(SendOrderEvent.by == "slow")
    ).all()
    assert sorted(events) == ["in_flight", "in_flight", "sent"]


class SlowDesk:
    """Each call takes ``seconds`` of the worker's clock; meanwhile another worker tries
    to claim (what it got is kept)."""

    def __init__(self, sessions: sessionmaker[Session], clock: list[datetime], seconds: float):
        self.sessions = sessions
        self.clock = clock
        self.seconds = seconds
        self.handled: list[str] = []
        self.taken_by_other: list[str] = []

    def prepare(self, session: Session, orders: Sequence[ClaimedOrder]) -> list[object]:
        return [None] * len(orders)

    def handle(self, order: ClaimedOrder, prepared: object) -> Outcome:
        self.handled.append(order.idempotency_key)
        self.clock[0] += timedelta(seconds=self.seconds)
        with self.sessions() as other, other.begin():
            taken = claim(
                other,
                "other",
                credentials=("structure:*",),
                limit=10,
                lease=timedelta(seconds=10),
                now=self.clock[0],
            )
        self.taken_by_other.extend(o.idempotency_key for o in taken)
        return Sent()


def _slow_worker(session: Session, seconds: float) -> tuple[Worker, SlowDesk]:
    sessions: sessionmaker[Session] = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    clock = [utcnow() + timedelta(seconds=1)]
    desk = SlowDesk(sessions, clock, seconds)
    worker = Worker(
        sessions,
        {"dmp_submit": desk},
        batch=10,
        policy=RetryPolicy(lease_s=10),
        clock=lambda: clock[0],
    )
    return worker, desk


def test_a_slow_batch_renews_its_leases_so_no_order_is_taken_over(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _queue(session, people[0], "a", "b", "c")
    worker, desk = _slow_worker(session, seconds=6)  # three calls: 18 s, lease 10 s

    assert worker.step() == 3
    assert desk.handled == ["a", "b", "c"]
    assert desk.taken_by_other == []
    assert _states(session) == {"a": "sent", "b": "sent", "c": "sent"}
    assert worker.stats.lost == 0


def test_orders_taken_over_during_a_batch_are_skipped_not_sent_twice(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _queue(session, people[0], "a", "b", "c")
    worker, desk = _slow_worker(session, seconds=11)  # the first call outlives the lease

    assert worker.step() == 3
    assert desk.handled == ["a"]  # b and c belong to the other worker now
    assert sorted(desk.taken_by_other) == ["a", "b", "c"]
    assert _states(session) == {"a": "in_flight", "b": "in_flight", "c": "in_flight"}
    owners = set(session.scalars(select(SendOrder.lease_owner)))
    assert owners == {"other"}
    assert worker.stats.lost == 3


def test_a_mixed_batch_gives_each_order_its_own_values(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _queue(session, people[0], "one", "two", "later", "refused", "opposed")
    now = utcnow()
    policy = RetryPolicy(base_s=10, cap_s=100, random=lambda: 1.0)
    orders = claim(session, "w", credentials=("structure:*",), limit=5, now=now)
    session.commit()
    by_key = {o.idempotency_key: o for o in orders}
    outcomes: dict[str, Outcome] = {
        "one": Sent({"submission_set": "1.2.3.1"}, note="Déposé."),
        "two": Sent({"submission_set": "1.2.3.2"}, note="Déposé."),
        "later": Retry("DMP indisponible.", code="503"),
        "refused": Failed("Document refusé par le DMP.", code="XDSRegistryError"),
        "opposed": Blocked("Opposition du patient."),
    }
    kept = record_many(
        session, [(by_key[k], o) for k, o in outcomes.items()], "w", policy=policy, now=now
    )
    session.commit()
    assert kept == [True] * 5
    session.expire_all()
    rows = {o.idempotency_key: o for o in session.scalars(select(SendOrder))}
    assert rows["one"].result == '{"submission_set": "1.2.3.1"}'
    assert rows["two"].result == '{"submission_set": "1.2.3.2"}'
    assert rows["one"].sent_at == now
    assert (rows["later"].state, rows["later"].last_error_code) == ("due", "503")
    assert rows["later"].available_at == now + timedelta(seconds=10)
    assert rows["later"].retry_since == now
    assert (rows["refused"].state, rows["refused"].state_reason) == (
        "failed",
        "Document refusé par le DMP.",
    )
    assert (rows["opposed"].state, rows["opposed"].state_reason) == (
        "blocked",
        "Opposition du patient.",
    )
    assert all(row.lease_owner is None for row in rows.values())
    history = session.execute(
        select(SendOrderEvent.order_id, SendOrderEvent.to_state, SendOrderEvent.error_code).where(
            SendOrderEvent.from_state == "in_flight"
        )
    ).all()
    assert sorted((r.to_state, r.error_code) for r in history) == [
        ("blocked", None),
        ("due", "503"),
        ("failed", "XDSRegistryError"),
        ("sent", None),
        ("sent", None),
    ]


def test_retries_of_one_batch_each_keep_their_own_backoff(
    session: Session, people: tuple[Patient, Practitioner]
) -> None:
    _queue(session, people[0], "first-try", "third-try")
    now = utcnow()
    policy = RetryPolicy(base_s=10, cap_s=1000, random=lambda: 1.0)
    session.execute(
        SendOrder.__table__.update()
        .where(SendOrder.idempotency_key == "third-try")
        .values(attempts=2, retry_since=now - timedelta(minutes=5))
    )
    session.commit()
    orders = claim(session, "w", credentials=("structure:*",), limit=2, now=now)
    session.commit()
    assert sorted(o.attempts for o in orders) == [1, 3]
    record_many(
        session,
        [(o, Retry("DMP indisponible.", code="503")) for o in orders],
        "w",
        policy=policy,
        now=now,
    )
    session.commit()
    session.expire_all()
    rows = {o.idempotency_key: o for o in session.scalars(select(SendOrder))}
    assert rows["first-try"].available_at == now + timedelta(seconds=10)
    assert rows["third-try"].available_at == now + timedelta(seconds=40)
    assert rows["first-try"].retry_since == now
    assert rows["third-try"].retry_since == now - timedelta(minutes=5)
    assert {r.state for r in rows.values()} == {"due"}
