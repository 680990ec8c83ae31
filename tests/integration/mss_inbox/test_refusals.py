"""What esante does not import: hostile or faulty messages, patients it cannot match."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from esante.practice.inbox import KEYWORD_ERROR, KEYWORD_UNKNOWN_PATIENT, fetch_mailbox
from esante.sandbox.runtime import RunningSandbox
from esante.store import AuditRecord, Document, Patient
from tests.integration.mss_inbox import world

UNKNOWN_INS = "290019912345636"  # a valid NIR that no demo patient has (checked below)


def _documents(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Document)) or 0


def test_bad_input_is_not_imported_flagged_kept_and_refused_with_an_error_mdn(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    good = world.compose(world.example("vsm", "lola"), world.GP_MSP)
    assert good.xdm is not None
    package = good.xdm
    doc = "IHE_XDM/SUBSET01/DOC0001.XML"

    def altered(name: str, data: bytes) -> list[tuple[str, bytes]]:
        if name != doc:
            return [(name, data)]
        at = data.index(b"<title>") + len(b"<title>")
        return [(name, data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])]  # same size

    bomb = world.rebuild_zip(
        package, lambda n, d: [(n, b" " * (20 * 1024 * 1024) if n == doc else d)]
    )
    traversal = world.rebuild_zip(
        package, lambda n, d: [(n, d), *([("../../evil.xml", b"x")] if n == doc else [])]
    )
    cases = {
        "bombe": (world.raw_message(world.GP_MSP, bomb), "906", "bombe de décompression"),
        "traversée": (world.raw_message(world.GP_MSP, traversal), "906", "Chemin sortant"),
        "empreinte": (
            world.raw_message(world.GP_MSP, world.rebuild_zip(package, altered)),
            "906",
            "empreinte",
        ),
        "pas une archive": (
            world.raw_message(world.GP_MSP, b"ceci n'est pas une archive"),
            "906",
            "pas une archive zip",
        ),
        "sans XDM": (world.raw_message(world.GP_MSP, None), "101", "sans archive IHE_XDM.ZIP"),
    }
    sender = world.client(inbox_sandbox, world.SENDER)
    receiver = world.client(inbox_sandbox, world.GP_MSP)
    ids = {}
    for label, (message, _, _) in cases.items():
        sender.send(message)
        ids[label] = str(message["Message-ID"])

    report = fetch_mailbox(sessions, receiver, address=world.GP_MSP, product_reference=world.NIL)
    assert report.imported == []
    assert _documents(sessions) == 0
    refused = {r.message_id: r for r in report.refused}
    for label, (_, code, reason) in cases.items():
        entry = refused[ids[label]]
        assert entry.code == code, label
        assert reason in entry.reason, (label, entry.reason)
        assert entry.acknowledged, label
        assert entry.sender == world.SENDER
        # kept in the INBOX, unseen, with the reason's keyword
        (flags,) = world.flags(receiver, ids[label])
        assert KEYWORD_ERROR in flags, label
        assert "\\Seen" not in flags, label
    assert report.acknowledgements_sent == len(cases)
    with sessions() as session:
        outcomes = session.scalars(
            select(AuditRecord.outcome).where(AuditRecord.action == "reception")
        ).all()
        assert outcomes == ["refused"] * len(cases)

    # flagged messages are not read again, nor answered twice
    again = fetch_mailbox(sessions, receiver, address=world.GP_MSP, product_reference=world.NIL)
    assert again.refused == []
    assert again.acknowledgements_sent == 0

    # the sender receives the negative acknowledgements, with the volet's code^libellé
    back = fetch_mailbox(sessions, sender, address=world.SENDER, product_reference=world.NIL)
    errors = {a.original_message_id: a for a in back.acknowledgements}
    for label, (_, code, _) in cases.items():
        ack = errors[ids[label]]
        assert ack.disposition == "error", label
        assert (ack.error or "").startswith(f"{code}^"), (label, ack.error)
        assert ack.final_recipient == world.GP_MSP


def test_unknown_patient_is_flagged_refused_once_and_imported_once_known(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    assert UNKNOWN_INS not in {p.nir for p in world.PEOPLE.patients}
    sender = world.client(inbox_sandbox, world.SENDER)
    receiver = world.client(inbox_sandbox, world.MIDWIFE)
    unknown = world.compose(world.example("vsm", "lola", ins=UNKNOWN_INS), world.MIDWIFE)
    no_ins = world.compose(world.example("vsm", "noah"), world.MIDWIFE)
    mismatch = world.compose(world.example("vsm", "claire"), world.MIDWIFE)
    true_birth = world.PEOPLE.patient("claire").birth_date  # the one the document carries
    with sessions() as session:  # the local record has another birth date for Claire
        recorded = session.scalar(
            select(Patient.birth_date).where(Patient.ins_matricule == world.ins("claire"))
        )
        session.execute(
            update(Patient)
            .where(Patient.ins_matricule == world.ins("claire"))
            .values(birth_date=true_birth + timedelta(days=3))
        )
        session.commit()
    assert recorded == true_birth
    for composed in (unknown, no_ins, mismatch):
        sender.send(composed.message)

    report = fetch_mailbox(sessions, receiver, address=world.MIDWIFE, product_reference=world.NIL)
    assert report.imported == []
    assert report.refused == []
    mine = {unknown.message_id, no_ins.message_id, mismatch.message_id}
    # (an earlier run against the same sandbox may have left its own unknown patients)
    codes = {u.message_id: u.code for u in report.unknown_patients if u.message_id in mine}
    assert codes == {
        unknown.message_id: "902",
        no_ins.message_id: "903",
        mismatch.message_id: "904",
    }
    assert all(u.acknowledged for u in report.unknown_patients if u.message_id in mine)
    assert _documents(sessions) == 0
    for composed in (unknown, no_ins, mismatch):
        (flags,) = world.flags(receiver, composed.message_id)
        assert KEYWORD_UNKNOWN_PATIENT in flags
        assert "\\Seen" not in flags

    # read again at the next fetch (the patient may exist by then), answered only once
    again = fetch_mailbox(sessions, receiver, address=world.MIDWIFE, product_reference=world.NIL)
    assert mine <= {u.message_id for u in again.unknown_patients}
    assert again.acknowledgements_sent == 0
    with sessions() as session:
        refusals = session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.outcome == "refused")
        )
        assert refusals == 3

    # the identity is corrected: the next fetch imports Claire's document
    with sessions() as session:
        session.execute(
            update(Patient)
            .where(Patient.ins_matricule == world.ins("claire"))
            .values(birth_date=true_birth)
        )
        session.commit()
    fixed = fetch_mailbox(sessions, receiver, address=world.MIDWIFE, product_reference=world.NIL)
    assert [d.message_id for d in fixed.imported] == [mismatch.message_id]
    assert fixed.acknowledgements_sent == 1  # now positive
    assert world.flags(receiver, mismatch.message_id) == [frozenset({"\\Seen", "$Processed"})]

    back = fetch_mailbox(sessions, sender, address=world.SENDER, product_reference=world.NIL)
    acks = [(a.original_message_id, a.disposition, a.error) for a in back.acknowledgements]
    assert (unknown.message_id, "error", "902^Identifiant patient inconnu") in acks
    assert (no_ins.message_id, "error", "903^INS non présent dans le document") in acks
    assert (mismatch.message_id, "processed", None) in acks
