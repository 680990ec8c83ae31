"""Automatic DMP feeding end to end, on SQLite and PostgreSQL, against the sandbox DMP.

The document is validated (stored with its order in one transaction), the real worker
claims the order after the deferral window and submits it over mutual TLS; the tests
read the sandbox's own database to see what the DMP holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from esante.cda.examples import example_document
from esante.outbox import block, cancel, unblock
from esante.practice import record_consent
from esante.practice.documents import (
    dmp_delivery,
    feed_history,
    request_dmp_deletion,
    validate_document,
)
from esante.sandbox.dmp import DmpAdmin
from esante.store import SendOrder, session_factory
from tests.integration.feeding.conftest import Practice
from tests.unit.practice.acting import ACTOR, acting
from tests.waiting import wait_until

pytestmark = pytest.mark.xdist_group("feeding")


def _validate(practice: Practice, patient: str = "lola", **kw: object) -> tuple[str, int]:
    built = example_document("vsm", patient=patient, author="generaliste")
    cda = built.xml
    pid = practice.patient(patient).id
    with practice.sessions() as session:
        done = validate_document(session, cda, patient_id=pid, **kw, actor=ACTOR)  # type: ignore[arg-type]
        session.commit()
        assert len(done.orders) == 1
        return done.document.unique_id, done.orders[0].id


def _state(practice: Practice, order_id: int) -> SendOrder:
    with practice.sessions() as session:
        order = session.get(SendOrder, order_id)
        assert order is not None
        session.expunge(order)
        return order


def test_validated_document_reaches_the_dmp_by_itself(practice: Practice) -> None:
    unique_id, order_id = _validate(practice, deferral=timedelta(0))
    assert practice.in_dmp(unique_id) == 0
    taken = practice.worker().worker.run_once()
    assert taken == 1
    assert practice.in_dmp(unique_id) == 1
    order = _state(practice, order_id)
    assert order.state == "sent"
    assert order.sent_at is not None
    with practice.sessions() as session:
        delivery = dmp_delivery(session, order.document_id or 0)
    assert delivery.label == "dans le DMP"
    assert delivery.sent_at == order.sent_at


def test_nothing_leaves_during_the_deferral_window(practice: Practice) -> None:
    unique_id, order_id = _validate(practice, deferral=timedelta(minutes=10))
    assert practice.worker().worker.run_once() == 0
    assert practice.in_dmp(unique_id) == 0
    assert _state(practice, order_id).state == "scheduled"


def test_blocked_or_cancelled_never_sent_unblocked_sent(practice: Practice) -> None:
    window = timedelta(milliseconds=300)
    blocked_uid, blocked = _validate(practice, deferral=window)
    cancelled_uid, cancelled = _validate(practice, deferral=window)
    released_uid, released = _validate(practice, deferral=window)
    with practice.sessions() as session:
        block(session, blocked, by="810003986931")
        cancel(session, cancelled, by="810003986931", reason="Mauvais patient")
        block(session, released)
        unblock(session, released)
        session.commit()
    worker = practice.worker().worker

    def released_sent() -> bool:  # due with the others once the window is over
        worker.run_once()
        return practice.in_dmp(released_uid) == 1

    wait_until(released_sent, what="the unblocked order sent after its deferral window")
    assert practice.in_dmp(blocked_uid) == 0
    assert practice.in_dmp(cancelled_uid) == 0
    assert practice.in_dmp(released_uid) == 1
    assert [_state(practice, i).state for i in (blocked, cancelled, released)] == [
        "blocked",
        "cancelled",
        "sent",
    ]


def test_opposition_blocks_with_the_reason_and_sends_nothing(practice: Practice) -> None:
    lola = practice.patient("lola")
    doctor = practice.practitioner("generaliste")
    with practice.sessions() as session:
        record_consent(session, lola.id, informed=True, feeding="opposition", actor=acting(doctor))
        session.commit()
    unique_id, order_id = _validate(practice, deferral=timedelta(0))
    practice.worker().worker.run_once()
    order = _state(practice, order_id)
    assert order.state == "blocked"
    assert "s'oppose" in (order.state_reason or "")
    assert practice.in_dmp(unique_id) == 0


def test_opposition_during_the_window_is_enforced_at_send_time(practice: Practice) -> None:
    unique_id, order_id = _validate(practice, deferral=timedelta(milliseconds=200))
    lola = practice.patient("lola")
    with practice.sessions() as session:
        record_consent(
            session,
            lola.id,
            informed=True,
            feeding="opposition",
            actor=acting(practice.practitioner("generaliste")),
        )
        session.commit()
    worker = practice.worker().worker

    def handled() -> bool:  # claimed and decided once the window is over
        worker.run_once()
        return _state(practice, order_id).state not in ("scheduled", "due", "in_flight")

    wait_until(handled, what="the order handled by the worker after its deferral window")
    assert _state(practice, order_id).state == "blocked"
    assert practice.in_dmp(unique_id) == 0


def test_dmp_down_orders_wait_then_go_through_without_action(practice: Practice) -> None:
    sessions = session_factory(practice.sandbox.engine)
    with sessions() as session:
        DmpAdmin(session).set_troubles(down=True)
    practice.sandbox.app.forget_troubles()
    uids = [_validate(practice, deferral=timedelta(0))[0] for _ in range(3)]
    setup = practice.worker()
    stop = threading.Event()
    runner = threading.Thread(target=setup.worker.run, args=(stop,), kwargs={"threads": 2})
    runner.start()
    try:
        wait_until(lambda: setup.worker.stats.retried >= 3, what="each order tried once, DMP down")
        assert all(practice.in_dmp(u) == 0 for u in uids)
        with sessions() as session:
            DmpAdmin(session).set_troubles(down=False)
        practice.sandbox.app.forget_troubles()
        wait_until(
            lambda: all(practice.in_dmp(u) == 1 for u in uids),
            what="the waiting orders sent once the DMP is back",
        )
    finally:
        stop.set()
        runner.join()
        with sessions() as session:
            DmpAdmin(session).set_troubles(down=False)
        practice.sandbox.app.forget_troubles()
    assert [practice.in_dmp(u) for u in uids] == [1, 1, 1]


def test_order_needing_a_card_goes_only_to_the_desk_holding_it(practice: Practice) -> None:
    unique_id, order_id = _validate(practice, deferral=timedelta(0), feed_auth="directe")
    doctor = practice.practitioner("generaliste")
    assert _state(practice, order_id).credential == f"cps:{doctor.id_nat_ps}"
    assert practice.worker("structure:*").worker.run_once() == 0
    assert practice.worker("cps:899999999999").worker.run_once() == 0
    assert practice.worker(f"cps:{doctor.id_nat_ps}").worker.run_once() == 1
    assert practice.in_dmp(unique_id) == 1


def test_delete_a_sent_document_for_a_stated_reason(practice: Practice) -> None:
    unique_id, order_id = _validate(practice, deferral=timedelta(0), feed_auth="directe")
    doctor = practice.practitioner("generaliste")
    card = f"cps:{doctor.id_nat_ps}"
    practice.worker(card).worker.run_once()
    document_id = _state(practice, order_id).document_id
    assert document_id is not None
    with practice.sessions() as session:
        deletion = request_dmp_deletion(
            session, document_id, reason="Erreur de patient", feed_auth="directe", actor=ACTOR
        )
        session.commit()
        deletion_id = deletion.id
    practice.worker(card).worker.run_once()
    assert _state(practice, deletion_id).state == "sent"
    assert practice.dmp_status(unique_id) != "approved"
    with practice.sessions() as session:
        assert dmp_delivery(session, document_id).label == "supprimé du DMP"


def test_historical_feeding_on_request(practice: Practice) -> None:
    built = example_document("vsm", patient="lola", author="generaliste")
    with practice.sessions() as session:
        done = validate_document(
            session, built.xml, patient_id=practice.patient("lola").id, feed_dmp=False, actor=ACTOR
        )
        session.commit()
        assert done.orders == ()
        unique_id = done.document.unique_id
    with practice.sessions() as session:
        from esante.store import Document

        document_id = session.scalar(select(Document.id).where(Document.unique_id == unique_id))
        assert document_id is not None
        order = feed_history(session, document_id, actor=ACTOR)
        session.commit()
        assert order.historical
        assert order.state == "due"
    practice.worker().worker.run_once()
    assert practice.in_dmp(unique_id) == 1


def test_a_process_killed_right_after_the_commit_loses_nothing(practice: Practice) -> None:
    lola = practice.patient("lola")
    script = f"""
import os, signal
from datetime import timedelta
from esante.cda.examples import example_document
from esante.practice.actors import local_operator
from esante.practice.documents import validate_document
from esante.store import make_engine, session_factory
ACTOR = local_operator(1)
built = example_document("vsm", patient="lola", author="generaliste")
cda = built.xml
with session_factory(make_engine({practice.url!r}))() as session:
    done = validate_document(session, cda, patient_id={lola.id}, deferral=timedelta(0), actor=ACTOR)
    session.commit()
    print(done.document.unique_id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert run.returncode == -9, run.stderr
    unique_id = run.stdout.strip()
    practice.worker().worker.run_once()
    assert practice.in_dmp(unique_id) == 1


def test_a_new_version_replaces_the_previous_one_in_the_dmp(practice: Practice) -> None:
    from dataclasses import replace

    from esante.cda.build.vsm import build_vsm
    from esante.cda.examples import vsm_content
    from esante.cda.read import read_document

    first_uid, first_order = _validate(practice, deferral=timedelta(0))
    with practice.sessions() as session:
        from esante.store import Document

        v1 = session.scalar(select(Document.content).where(Document.unique_id == first_uid))
    assert v1 is not None
    read = read_document(v1)
    header = replace(
        read.header(), set_id=read.set_id or read.document_id, version=2, replaces=read.document_id
    )
    from esante.demo import demo_dataset

    lola = demo_dataset().patient("lola")
    v2 = build_vsm(header, vsm_content(lola, header.effective_time.date()))
    with practice.sessions() as session:
        done = validate_document(
            session,
            v2.xml,
            patient_id=practice.patient("lola").id,
            deferral=timedelta(0),
            actor=ACTOR,
        )
        session.commit()
        second_order = done.orders[0].id
        assert done.orders[0].after_order_id == first_order
    second_uid = str(v2.document_id)
    # the new version waits for the first one to be final, then replaces it
    worker = practice.worker().worker
    assert worker.run_once() == 2
    assert _state(practice, second_order).state == "sent"
    assert practice.dmp_status(second_uid) == "approved"
    assert practice.dmp_status(first_uid) == "deprecated"


def test_a_resend_after_a_lost_answer_asks_the_dmp_first(practice: Practice) -> None:
    unique_id, order_id = _validate(practice, deferral=timedelta(0))
    practice.worker().worker.run_once()
    assert practice.in_dmp(unique_id) == 1
    # As if the worker had died after the DMP stored it, before recording it.
    with practice.sessions() as session:
        order = session.get(SendOrder, order_id)
        assert order is not None
        order.state = "in_flight"
        order.lease_owner = "dead-worker"
        order.lease_expires_at = order.sent_at
        session.commit()
    practice.worker().worker.run_once()
    order = _state(practice, order_id)
    assert order.state == "sent"
    assert order.attempts == 2
    assert "vérifié" in (order.state_reason or "")
    assert practice.in_dmp(unique_id) == 1
    calls = practice.dmp_calls(unique_id)
    assert [action for action, _, _ in calls] == ["TD2.1", "TD3.1:reference"]
    assert all(outcome == "accepted" for _, outcome, _ in calls)


def test_a_document_sent_to_the_dmp_drops_the_patients_cached_bar(practice: Practice) -> None:
    """The DMP bar's counters are cached per patient and actor (practice.dmp_counters);
    once the worker of this process has sent a document, the next bar asks the DMP again
    instead of showing counters that miss it."""
    from esante.dmp.results import DmpStatus
    from esante.practice.dmp_counters import DmpSnapshot, snapshot_cache

    unique_id, _ = _validate(practice, deferral=timedelta(0))
    patient_id = practice.patient("lola").id
    stale = DmpSnapshot(status=DmpStatus(exists=True), documents=(), new=0, last_visit_at=None)
    snapshot_cache.put(patient_id, "810000000042", stale)
    other = patient_id + 1000
    snapshot_cache.put(other, "810000000042", stale)
    try:
        assert practice.worker().worker.run_once() == 1
        assert practice.in_dmp(unique_id) == 1
        assert snapshot_cache.get(patient_id, "810000000042") is None
        assert snapshot_cache.get(other, "810000000042") is stale  # another patient's stays
    finally:
        snapshot_cache.clear()
