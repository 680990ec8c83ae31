"""A delivery status notification noted on the MSSanté order that sent the message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from esante.outbox import NewOrder, create_order
from esante.practice.mss_sender import delivery_label, record_delivery_status
from esante.store import Patient, Practitioner, SendOrder

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
MESSAGE_ID = "<a1b2c3@cabinet-du-parc.mssante.fr>"
RECIPIENT = "herve.carre@msp-tilleuls.mssante.fr"


@pytest.fixture
def order(session: Session, people: tuple[Patient, Practitioner]) -> SendOrder:
    patient, _ = people
    created = create_order(
        session,
        NewOrder(
            kind="mss_send",
            idempotency_key=f"mss:{MESSAGE_ID}",
            patient_id=patient.id,
            credential="structure:1750000001",
            authentication_mode="certificat",
            recipient=RECIPIENT,
            parameters={"message_id": MESSAGE_ID, "sender": "secretariat@cabinet-du-parc.fr"},
        ),
        now=AT,
    )
    session.commit()
    return created


def _notes(order: SendOrder) -> list[tuple[str | None, str | None, str | None]]:
    return [
        (e.reason, e.error_code, e.by)
        for e in order.events
        if e.reason and e.reason.startswith("Accusé de réception MSSanté")
    ]


def test_delivered_and_failed_are_noted_without_changing_the_state(
    session: Session, order: SendOrder
) -> None:
    state = order.state
    found = record_delivery_status(
        session, MESSAGE_ID, recipient=RECIPIENT, action="delivered", status="2.0.0", at=AT
    )
    assert found is order
    # the id without its angle brackets, the action in capitals: the same order
    record_delivery_status(
        session,
        MESSAGE_ID.strip("<>"),
        recipient=RECIPIENT,
        action="FAILED",
        status="5.2.2",
        by="postmaster@mss.example",
        at=AT,
    )
    session.commit()
    session.refresh(order)
    assert order.state == state
    assert order.acknowledgement is None  # the recipient's MDN only sets that
    assert _notes(order) == [
        (f"Accusé de réception MSSanté : délivré à {RECIPIENT} (statut 2.0.0).", None, None),
        (
            f"Accusé de réception MSSanté : échec de remise à {RECIPIENT} (statut 5.2.2).",
            "5.2.2",
            "postmaster@mss.example",
        ),
    ]


def test_the_same_notification_twice_is_noted_once(session: Session, order: SendOrder) -> None:
    for _ in range(2):
        record_delivery_status(
            session, MESSAGE_ID, recipient=RECIPIENT, action="delivered", status="2.0.0", at=AT
        )
    session.commit()
    session.refresh(order)
    assert len(_notes(order)) == 1


def test_a_message_no_order_sent_is_ignored(session: Session, order: SendOrder) -> None:
    other = "<zzz@ailleurs.mssante.fr>"
    assert (
        record_delivery_status(
            session, other, recipient=RECIPIENT, action="delivered", status="2.0.0"
        )
        is None
    )


def test_unknown_actions_are_named_as_they_came() -> None:
    assert delivery_label("delayed", RECIPIENT) == f"remise retardée pour {RECIPIENT}"
    assert delivery_label("x-local", RECIPIENT) == f"« x-local » pour {RECIPIENT}"
