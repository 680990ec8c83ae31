"""Documents received by MSSanté land in the record once, and the acknowledgements flow back."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from esante.cda.read import read_document, read_vsm
from esante.outbox import NewOrder, create_order
from esante.practice.inbox import RecordedAcknowledgement, fetch_mailbox
from esante.sandbox.runtime import RunningSandbox
from esante.store import AuditRecord, Document, Patient, Practitioner, SendOrder
from esante.store.models import RecordItem
from tests.integration.mss_inbox import world


def _patient_id(sessions: sessionmaker[Session], ins: str) -> int:
    with sessions() as session:
        found = session.scalar(select(Patient.id).where(Patient.ins_matricule == ins))
        assert found is not None
        return found


def test_known_patient_is_imported_acknowledged_and_the_acknowledgement_noted(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    cda = world.example("vsm", "lola")
    composed = world.compose(cda, world.PEDIATRICIAN)
    lola = _patient_id(sessions, world.ins("lola"))
    with sessions() as session:  # the sender's own order, as the outbox keeps it
        order_id = create_order(
            session,
            NewOrder(
                kind="mss_send",
                idempotency_key=f"mss:{composed.message_id}",
                patient_id=lola,
                credential="structure:368712243200010",
                authentication_mode="indirecte",
                recipient=world.PEDIATRICIAN,
                deferral=timedelta(0),
            ),
        ).id
        session.commit()
    sender = world.client(inbox_sandbox, world.SENDER)
    receiver = world.client(inbox_sandbox, world.PEDIATRICIAN)
    assert sender.send(composed.message) == (world.PEDIATRICIAN,)

    report = fetch_mailbox(
        sessions, receiver, address=world.PEDIATRICIAN, product_reference=world.NIL
    )
    mine = [d for d in report.imported if d.message_id == composed.message_id]
    assert len(mine) == 1
    assert report.refused == []
    assert report.unknown_patients == []
    assert report.acknowledgements_sent == 1
    with sessions() as session:
        document = session.get(Document, mine[0].document_id)
        assert document is not None
        assert document.provenance == "mssante"
        assert document.provenance_detail == f"{composed.message_id} de {world.SENDER}"
        assert document.received_at is not None
        assert document.patient_id == lola
        assert document.content == cda
        assert document.unique_id == composed.document_ids[0]
        assert document.title == "Volet de synthèse médicale"
        author = session.scalar(select(Practitioner).where(Practitioner.rpps == world.GP_RPPS))
        assert author is not None
        assert document.author_id == author.id  # the author is a practitioner of the practice
        trace = session.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "reception",
                AuditRecord.document_unique_id == document.unique_id,
            )
        ).all()
        assert len(trace) == 1
        assert trace[0].channel == "mss"
        assert trace[0].outcome == "success"
        assert (trace[0].patient_ins or "").startswith(world.ins("lola"))
        assert trace[0].actor_id == world.PEDIATRICIAN_ID_NAT_PS  # the mailbox's owner
        assert composed.message_id in (trace[0].detail or "")
        # a VSM feeds the record's lists, as a DMP import does, with its provenance
        vsm = read_vsm(read_document(cda))
        items = session.scalars(select(RecordItem).where(RecordItem.document_id == document.id))
        filed = Counter(i.kind for i in items)
        assert filed["allergy"] == len({(a.agent.code_system, a.agent.code) for a in vsm.allergies})
        assert sum(filed.values()) > 0
        assert all(i.source == "mssante" for i in session.scalars(select(RecordItem)).all())
    # the message is done: seen and $Processed, still in the INBOX
    assert world.flags(receiver, composed.message_id) == [frozenset({"\\Seen", "$Processed"})]

    # the sender reads the MDN esante sent and the order learns it was integrated
    back = fetch_mailbox(sessions, sender, address=world.SENDER, product_reference=world.NIL)
    acks = [a for a in back.acknowledgements if a.original_message_id == composed.message_id]
    assert acks == [
        RecordedAcknowledgement(
            composed.message_id, world.PEDIATRICIAN, "processed", None, order_id
        )
    ]
    assert back.acknowledgements_sent == 0  # an MDN is never answered
    with sessions() as session:
        order = session.get(SendOrder, order_id)
        assert order is not None
        assert order.acknowledgement == "processed"
        assert order.acknowledged_at is not None
        assert any("Accusé de réception" in (e.reason or "") for e in order.events)
        noted = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "accuse_reception_recu")
        ).all()
        assert [r.outcome for r in noted] == ["success"]
        assert (noted[0].patient_ins or "").startswith(world.ins("lola"))
        assert composed.message_id in (noted[0].detail or "")


def test_same_message_id_twice_is_imported_once_and_acknowledged_each_time(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    composed = world.compose(world.example("vsm", "claire"), world.CARDIOLOGIST)
    sender = world.client(inbox_sandbox, world.SENDER)
    receiver = world.client(inbox_sandbox, world.CARDIOLOGIST)
    # an uncertain outcome: the sender's outbox submits the same message again
    sender.send(composed.message)
    sender.send(composed.message)

    report = fetch_mailbox(
        sessions, receiver, address=world.CARDIOLOGIST, product_reference=world.NIL
    )
    assert [d.message_id for d in report.imported] == [composed.message_id]
    assert report.duplicates == [composed.message_id]
    assert report.acknowledgements_sent == 2
    assert report.messages_processed == 2

    # once more later (a third attempt): nothing new, acknowledged again
    sender.send(composed.message)
    again = fetch_mailbox(
        sessions, receiver, address=world.CARDIOLOGIST, product_reference=world.NIL
    )
    assert again.imported == []
    assert again.duplicates == [composed.message_id]
    assert again.acknowledgements_sent == 1
    with sessions() as session:
        count = session.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.unique_id == composed.document_ids[0])
        )
        assert count == 1
        traced = session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "reception")
        )
        assert traced == 1
    assert world.flags(receiver, composed.message_id) == [frozenset({"\\Seen", "$Processed"})] * 3

    # the sender gets three positive acknowledgements (no order of its own: none noted)
    back = fetch_mailbox(sessions, sender, address=world.SENDER, product_reference=world.NIL)
    acks = [a for a in back.acknowledgements if a.original_message_id == composed.message_id]
    assert [(a.disposition, a.order_id) for a in acks] == [("processed", None)] * 3


def test_without_acknowledgement_requested_or_allowed_none_is_sent(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    sender = world.client(inbox_sandbox, world.SENDER)
    receiver = world.client(inbox_sandbox, world.CARDIOLOGIST)
    quiet = world.compose(world.example("vsm", "lola"), world.CARDIOLOGIST, request_mdn=False)
    asked = world.compose(world.example("vsm", "lola"), world.CARDIOLOGIST)
    sender.send(quiet.message)
    sender.send(asked.message)
    report = fetch_mailbox(
        sessions,
        receiver,
        address=world.CARDIOLOGIST,
        product_reference=world.NIL,
        send_acknowledgements=False,
    )
    assert {d.message_id for d in report.imported} == {quiet.message_id, asked.message_id}
    assert report.acknowledgements_sent == 0
