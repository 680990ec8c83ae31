"""Send orders through ``practice.orders``, on SQLite and PostgreSQL: who may list, read,
block, release, cancel (role and structure), the history naming the actor, and the trace
of every list page, read, action and refusal (issue 12 items 4 and 6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from esante import audit
from esante.outbox import NewOrder, OrderStateError, create_order
from esante.practice import orders
from esante.practice.access import AccessDeniedError
from esante.practice.actors import ROLE_MEDECIN, ROLE_SECRETAIRE, Actor
from esante.store import AuditRecord, Patient, SendOrder, Structure
from esante.store.models import ORDER_STATES

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _world(session: Session) -> tuple[Patient, int, int]:
    """A patient and two structures (ids)."""
    here = Structure(name="Cabinet du Parc", id_nat_struct="31750000001")
    there = Structure(name="MSP des Tilleuls", id_nat_struct="1690781810")
    patient = Patient(
        local_id="IPP-O1",
        birth_family_name="Martin",
        birth_given_names="Jeanne",
        first_given_name="Jeanne",
        sex="F",
        birth_date=date(1982, 5, 14),
    )
    session.add_all([here, there, patient])
    session.flush()
    return patient, here.id, there.id


def _actor(role: str, structure_id: int, actor_id: str = "810000000042") -> Actor:
    return Actor(
        kind="local" if role == ROLE_SECRETAIRE else "psc",
        actor_id=actor_id,
        name=f"Personne {role}",
        role=role,
        structure_id=structure_id,
        origin="test",
    )


_counter = iter(range(1_000_000))


def _order(
    session: Session, patient: Patient, structure_id: int | None, kind: str, state: str
) -> int:
    """An order of ``kind`` for ``structure_id``, put in ``state`` (committed)."""
    n = next(_counter)
    order = create_order(
        session,
        NewOrder(
            kind=kind,
            idempotency_key=f"{kind}:{n}",
            patient_id=patient.id,
            structure_id=structure_id,
            credential="structure:31750000001",
            authentication_mode="indirecte",
            recipient="dr@example.mssante.fr" if kind == "mss_send" else None,
        ),
        by="auteur",
        now=T0,
    )
    if state != "scheduled":
        session.execute(update(SendOrder).where(SendOrder.id == order.id).values(state=state))
    session.commit()
    return order.id


def _trace(session: Session, after: int = 0) -> list[AuditRecord]:
    return list(
        session.scalars(
            select(AuditRecord).where(AuditRecord.sequence > after).order_by(AuditRecord.sequence)
        )
    )


def _head(session: Session) -> int:
    return int(session.scalar(select(func.max(AuditRecord.sequence))) or 0)


START: dict[orders.Verb, str] = {
    "block": "scheduled",
    "unblock": "blocked",
    "cancel": "scheduled",
    "send_now": "scheduled",
    "retry": "failed",
}
CALLS: dict[orders.Verb, Callable[..., SendOrder]] = {
    "block": orders.block_order,
    "unblock": orders.unblock_order,
    "cancel": orders.cancel_order,
    "send_now": orders.send_order_now,
    "retry": orders.retry_order,
}
ALL_VERBS = tuple(START)
KINDS = ("dmp_submit", "mss_send", "dmp_delete")

# (role, verbs allowed on dmp_submit, on mss_send, on dmp_delete)
MATRIX: list[tuple[str, set[str], set[str], set[str]]] = [
    (ROLE_MEDECIN, set(ALL_VERBS), set(ALL_VERBS), set(ALL_VERBS)),
    # the secretariat holds a send back, never makes one leave, never cancels, never
    # touches a deletion from the DMP
    (ROLE_SECRETAIRE, {"block"}, {"block"}, set()),
    # a chirurgien-dentiste (no DMP right in this policy) decides on its messages, and
    # may hold or cancel a DMP submission, but never make one leave
    ("40", {"block", "cancel"}, set(ALL_VERBS), set()),
]


@pytest.mark.parametrize(("role", "on_submit", "on_message", "on_delete"), MATRIX)
def test_who_may_do_what_with_an_order(
    session: Session, role: str, on_submit: set[str], on_message: set[str], on_delete: set[str]
) -> None:
    patient, here, _ = _world(session)
    session.commit()
    actor = _actor(role, here)
    expected = {"dmp_submit": on_submit, "mss_send": on_message, "dmp_delete": on_delete}
    for kind in KINDS:
        for verb in ALL_VERBS:
            order_id = _order(session, patient, here, kind, START[verb])
            before = _head(session)
            if verb in expected[kind]:
                done = CALLS[verb](session, order_id, actor=actor)
                session.commit()
                assert done.state != START[verb], (kind, verb)
                [traced] = _trace(session, before)
                assert (traced.action, traced.outcome) == (f"orders:{verb}", "success")
                assert done.events[-1].by == actor.actor_id
            else:
                with pytest.raises(AccessDeniedError) as refused:
                    CALLS[verb](session, order_id, actor=actor)
                session.rollback()
                assert refused.value.message.startswith("Votre rôle ne permet pas"), (kind, verb)
                [traced] = _trace(session, before)  # the refusal, committed
                assert (traced.action, traced.outcome, traced.actor_role) == (
                    f"orders:{verb}",
                    "refused",
                    role,
                )
                state = session.scalar(select(SendOrder.state).where(SendOrder.id == order_id))
                assert state == START[verb], (kind, verb)


def test_the_history_and_the_trace_name_the_actor(session: Session) -> None:
    patient, here, _ = _world(session)
    patient.identity_status = "QUAL"
    patient.ins_matricule = "282051400100130"
    patient.ins_oid = "1.2.250.1.213.1.4.10"
    session.commit()
    secretary = _actor(ROLE_SECRETAIRE, here, actor_id="u-7f3a")
    order_id = _order(session, patient, here, "dmp_submit", "scheduled")
    before = _head(session)
    orders.block_order(session, order_id, actor=secretary, reason="Le patient rappelle")
    session.commit()
    order = session.get_one(SendOrder, order_id)
    last = order.events[-1]
    assert (last.to_state, last.by, last.reason) == ("blocked", "u-7f3a", "Le patient rappelle")
    [traced] = _trace(session, before)
    assert (traced.channel, traced.actor_id, traced.actor_name, traced.actor_role) == (
        "dossier",
        "u-7f3a",
        "Personne secretaire",
        "secretaire",
    )
    assert traced.structure_id == "31750000001"
    assert traced.patient_ins == "282051400100130^^^&1.2.250.1.213.1.4.10&ISO"
    assert traced.origin == "test"
    assert traced.reason == "Le patient rappelle"
    assert traced.detail == f"ipp=IPP-O1; order={order_id}; kind=dmp_submit; scheduled->blocked"


def test_an_order_of_another_structure_is_refused_and_not_listed(session: Session) -> None:
    patient, here, there = _world(session)
    session.commit()
    mine = _order(session, patient, here, "dmp_submit", "scheduled")
    theirs = _order(session, patient, there, "dmp_submit", "scheduled")
    nobodys = _order(session, patient, None, "mss_send", "blocked")
    doctor = _actor(ROLE_MEDECIN, here)
    for call in (orders.read_order, orders.block_order, orders.cancel_order):
        before = _head(session)
        with pytest.raises(AccessDeniedError) as refused:
            call(session, theirs, actor=doctor)
        session.rollback()
        assert refused.value.message == "Cet envoi relève d'une autre structure que la vôtre."
        [traced] = _trace(session, before)
        assert traced.outcome == "refused"
        assert (traced.detail or "").endswith("other structure")
    assert session.get_one(SendOrder, theirs).state == "scheduled"
    page = orders.list_orders(session, actor=doctor)
    assert [o.id for o in page.items] == [nobodys, mine]  # newest first
    assert page.counts == {**dict.fromkeys(ORDER_STATES, 0), "scheduled": 1, "blocked": 1}
    # the other structure's professional sees theirs (and the order of no structure)
    other = orders.list_orders(session, actor=_actor(ROLE_MEDECIN, there))
    assert [o.id for o in other.items] == [nobodys, theirs]


def test_a_list_page_is_one_trace_append_and_a_read_is_traced(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient, here, _ = _world(session)
    session.commit()
    made = [_order(session, patient, here, "dmp_submit", "scheduled") for _ in range(3)]
    appends: list[int] = []
    real = audit.append_many

    def counted(session: Session, events: Any) -> Any:
        appends.append(len(events))
        return real(session, events)

    monkeypatch.setattr(audit, "append_many", counted)
    doctor = _actor(ROLE_MEDECIN, here)
    before = _head(session)
    page = orders.list_orders(session, actor=doctor, limit=2)
    session.commit()
    assert [o.id for o in page.items] == made[:0:-1]
    assert appends == [2]
    traced = _trace(session, before)
    assert [(r.action, r.detail) for r in traced] == [
        ("orders:list", f"ipp=IPP-O1; order={o}; kind=dmp_submit") for o in made[:0:-1]
    ]
    # an empty page is traced too: the search was made
    before = _head(session)
    assert orders.list_orders(session, actor=doctor, states=["failed"]).items == []
    session.commit()
    [empty] = _trace(session, before)
    assert (empty.action, empty.patient_ins, empty.detail) == ("orders:list", None, None)
    before = _head(session)
    orders.list_orders(session, actor=doctor, states=["failed"], patient_id=patient.id)
    session.commit()
    [asked] = _trace(session, before)
    assert asked.detail == f"patient_id={patient.id}"
    before = _head(session)
    assert orders.read_order(session, made[0], actor=doctor).id == made[0]
    session.commit()
    [read] = _trace(session, before)
    assert (read.action, read.outcome, read.detail) == (
        "orders:read",
        "success",
        f"ipp=IPP-O1; order={made[0]}; kind=dmp_submit",
    )


def test_an_actor_without_structure_reads_nothing_and_state_errors_stay(session: Session) -> None:
    patient, here, _ = _world(session)
    session.commit()
    order_id = _order(session, patient, None, "mss_send", "scheduled")
    homeless = replace(_actor(ROLE_MEDECIN, here), structure_id=None)
    with pytest.raises(AccessDeniedError):
        orders.list_orders(session, actor=homeless)
    session.rollback()
    with pytest.raises(AccessDeniedError):
        orders.read_order(session, order_id, actor=homeless)
    session.rollback()
    # allowed, but not in this state: the order's own error (409), nothing traced
    doctor = _actor(ROLE_MEDECIN, here)
    before = _head(session)
    with pytest.raises(OrderStateError):
        orders.retry_order(session, order_id, actor=doctor, now=T0 + timedelta(minutes=1))
    session.rollback()
    assert _trace(session, before) == []
