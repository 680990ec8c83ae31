"""The operator's delivery status notifications (RFC 3464) land on the send order.

A consultation report goes by the worker to the patient's médecin traitant; the sandbox
operator writes a DSN into the sending mailbox ("delivered", or "failed" 5.2.2 when the
recipient's mailbox is full); the practice's fetch of that mailbox notes it in the order's
history, which ``esante outbox show`` and the REST order detail show.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import selectinload
from typer.testing import CliRunner

from esante.cda.examples import example_document
from esante.cli.main import app
from esante.demo import demo_dataset
from esante.practice.documents import validate_document
from esante.practice.inbox import fetch_mailbox
from esante.services.assembly import sandbox_mailboxes
from esante.store import SendOrder, SendOrderEvent
from tests.integration.feeding.conftest import Practice
from tests.unit.practice.acting import ACTOR

pytestmark = pytest.mark.xdist_group("feeding")

CENTRE = next(s for s in demo_dataset().structures if s.key == "centre").mssante_address
DOCTOR = demo_dataset().practitioner("generaliste").mssante_address


@pytest.fixture
def full_doctor_mailbox(practice: Practice) -> Iterator[None]:
    mss = practice.sandbox.mss
    assert mss is not None
    assert DOCTOR is not None
    mss.operator.set_mailbox_full(DOCTOR)
    yield
    mss.operator.set_mailbox_full(DOCTOR, False)


def _send_report(practice: Practice) -> tuple[int, str]:
    """A consultation report of Robert by the cardiologist, sent by the worker to his
    médecin traitant; (order id, Message-ID)."""
    report = example_document("n1", patient="robert", author="cardiologue")
    with practice.sessions() as session:
        done = validate_document(
            session,
            report.xml,
            patient_id=practice.patient("robert").id,
            deferral=timedelta(0),
            actor=ACTOR,
            feed_dmp=False,
        )
        session.commit()
        order = next(o for o in done.orders if o.kind == "mss_send")
        order_id, message_id = order.id, json.loads(order.parameters or "{}")["message_id"]
    worker = practice.worker().worker
    while worker.run_once():
        pass
    return order_id, message_id


def _history(practice: Practice, order_id: int) -> tuple[str, list[SendOrderEvent]]:
    with practice.sessions() as session:
        order = session.get(SendOrder, order_id, options=[selectinload(SendOrder.events)])
        assert order is not None
        for event in order.events:
            session.expunge(event)
        return order.state, list(order.events)


def _fetch_centre(practice: Practice) -> list[tuple[str | None, str, str, str, int | None]]:
    assert CENTRE is not None
    client = sandbox_mailboxes(Path(practice.sandbox.manifest.directory))(CENTRE)
    assert client is not None
    report = fetch_mailbox(practice.sessions, client, address=CENTRE, product_reference="T")
    return [
        (r.original_message_id, r.recipient, r.action, r.status, r.order_id)
        for r in report.delivery_reports
    ]


def test_delivered_is_noted_on_the_order(practice: Practice) -> None:
    order_id, message_id = _send_report(practice)
    reports = _fetch_centre(practice)
    assert (message_id, DOCTOR, "delivered", "2.0.0", order_id) in reports
    state, events = _history(practice, order_id)
    assert state == "sent"
    noted = [e for e in events if e.reason and "délivré" in e.reason]
    assert len(noted) == 1
    assert noted[0].reason == f"Accusé de réception MSSanté : délivré à {DOCTOR} (statut 2.0.0)."
    assert noted[0].error_code is None
    assert noted[0].from_state == noted[0].to_state == "sent"
    # a second fetch finds nothing new; the history does not grow
    assert all(r[0] != message_id for r in _fetch_centre(practice))
    assert len(_history(practice, order_id)[1]) == len(events)


@pytest.mark.usefixtures("full_doctor_mailbox")
def test_failed_delivery_is_noted_on_the_order(practice: Practice) -> None:
    order_id, message_id = _send_report(practice)
    reports = _fetch_centre(practice)
    assert (message_id, DOCTOR, "failed", "5.2.2", order_id) in reports
    _, events = _history(practice, order_id)
    failed = [e for e in events if e.reason and "échec de remise" in e.reason]
    assert [(e.reason, e.error_code) for e in failed] == [
        (f"Accusé de réception MSSanté : échec de remise à {DOCTOR} (statut 5.2.2).", "5.2.2")
    ]
    assert not [e for e in events if e.reason and "délivré" in e.reason]


def test_esante_mss_fetch_shows_the_order_a_notification_was_noted_on(
    practice: Practice, tmp_path: Path
) -> None:
    order_id, message_id = _send_report(practice)
    env = {
        "ESANTE_HOME": str(tmp_path / "home"),
        "ESANTE_DATABASE_URL": practice.url,
        "ESANTE_SANDBOX": str(practice.sandbox.manifest.directory),
    }
    assert CENTRE is not None
    result = CliRunner().invoke(app, ["mss", "fetch", "--mailbox", CENTRE, "--json"], env=env)
    assert result.exit_code == 0, result.output
    notices = json.loads(result.output)["avis_de_distribution"]
    assert {
        "message_id": message_id,
        "destinataire": DOCTOR,
        "action": "delivered",
        "statut": "2.0.0",
        "ordre": order_id,
    } in notices
