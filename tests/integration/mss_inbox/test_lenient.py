"""What real senders send is imported: messages without the X-MSS-* headers, with a wrong
X-MSS-CODECDA, or forwarded as an attached message — each with a remark for the user."""

from __future__ import annotations

from email.message import EmailMessage, MIMEPart
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from esante.practice.inbox import fetch_mailbox
from esante.sandbox.runtime import RunningSandbox
from esante.store import Document
from tests.integration.mss_inbox import world


def _package() -> bytes:
    """A fresh IHE_XDM.ZIP with one VSM about Lola (new document id at each call)."""
    composed = world.compose(world.example("vsm", "lola"), world.LENIENT)
    assert composed.xdm is not None
    return composed.xdm


def _forward(inner: EmailMessage, to: str, *, inline: bool) -> EmailMessage:
    """The secretariat forwarding ``inner`` as a mail client does (no X-MSS-* header)."""
    outer = EmailMessage()
    outer["From"] = world.SENDER
    outer["To"] = to
    outer["Date"] = inner["Date"]
    outer["Message-ID"] = make_msgid(domain="cabinet-du-parc.mssante.fr")
    outer["Subject"] = f"Fwd: {inner['Subject']}"
    outer["Disposition-Notification-To"] = world.SENDER
    outer.set_content("Bonjour,\nje vous transfère le message ci-dessous.\n")
    if inline:
        outer.make_mixed()
        part = MIMEPart()
        part.set_content(inner, disposition="inline")
        outer.attach(part)
    else:
        outer.add_attachment(inner)
    return outer


def _provenances(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return {d or "" for d in session.scalars(select(Document.provenance_detail))}


def test_missing_or_mismatching_mss_headers_are_imported_with_a_remark(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    bare = world.raw_message(world.LENIENT, _package(), mss_headers=False)
    wrong_code = world.raw_message(world.LENIENT, _package(), code="CR-BIO")
    sender = world.client(inbox_sandbox, world.SENDER)
    receiver = world.client(inbox_sandbox, world.LENIENT)
    for message in (bare, wrong_code):
        sender.send(message)

    report = fetch_mailbox(sessions, receiver, address=world.LENIENT, product_reference=world.NIL)

    ids = {str(bare["Message-ID"]), str(wrong_code["Message-ID"])}
    assert report.refused == []
    assert {d.message_id for d in report.imported} == ids
    assert {f"{i} de {world.SENDER}" for i in ids} <= _provenances(sessions)
    bare_notes = [n for n in report.notes if n.startswith(str(bare["Message-ID"]))]
    for name in ("X-MSS-NIL", "X-MSS-CODECDA", "X-MSS-INS"):
        assert any(name in n and "absent" in n for n in bare_notes), (name, bare_notes)
    assert any(
        "X-MSS-CODECDA" in n and "ne correspond pas" in n
        for n in report.notes
        if n.startswith(str(wrong_code["Message-ID"]))
    ), report.notes
    # the sender is told the documents were processed (no error acknowledgement)
    assert report.acknowledgements_sent == 2
    back = fetch_mailbox(sessions, sender, address=world.SENDER, product_reference=world.NIL)
    answers = {a.original_message_id: a for a in back.acknowledgements}
    for message_id in ids:
        assert answers[message_id].disposition == "processed"


def test_a_forwarded_message_inline_or_attached_is_opened_and_imported_with_a_remark(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    # the colleague's original message, as the volet builds it, forwarded by the secretariat
    with_headers = world.raw_message(world.SENDER, _package(), sender=world.COLLEAGUE)
    without_headers = world.raw_message(
        world.SENDER, _package(), sender=world.COLLEAGUE, mss_headers=False
    )
    cases = {
        "joint": _forward(with_headers, world.PHARMACIST, inline=False),
        "en ligne": _forward(without_headers, world.PHARMACIST, inline=True),
    }
    sender = world.client(inbox_sandbox, world.SENDER)
    receiver = world.client(inbox_sandbox, world.PHARMACIST)
    for message in cases.values():
        sender.send(message)

    report = fetch_mailbox(
        sessions, receiver, address=world.PHARMACIST, product_reference=world.NIL
    )

    assert report.refused == []
    imported = {d.message_id for d in report.imported}
    for label, message in cases.items():
        message_id = str(message["Message-ID"])
        assert message_id in imported, label
        notes = [n for n in report.notes if n.startswith(message_id)]
        assert any("transféré" in n and world.COLLEAGUE in n for n in notes), (label, notes)
    inline_id = str(cases["en ligne"]["Message-ID"])
    assert any("X-MSS-NIL" in n for n in report.notes if n.startswith(inline_id)), (
        "the forwarded message's own missing headers are remarked"
    )
    attached_id = str(cases["joint"]["Message-ID"])
    assert not any("X-MSS-NIL" in n for n in report.notes if n.startswith(attached_id))


def test_bad_hash_in_a_forwarded_message_is_still_refused(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    package = _package()
    doc = "IHE_XDM/SUBSET01/DOC0001.XML"

    def altered(name: str, data: bytes) -> list[tuple[str, bytes]]:
        if name != doc:
            return [(name, data)]
        at = data.index(b"<title>") + len(b"<title>")
        return [(name, data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])]

    inner = world.raw_message(
        world.SENDER, world.rebuild_zip(package, altered), sender=world.COLLEAGUE
    )
    forwarded = _forward(inner, world.PHARMACIST, inline=False)
    world.client(inbox_sandbox, world.SENDER).send(forwarded)
    receiver = world.client(inbox_sandbox, world.PHARMACIST)

    report = fetch_mailbox(
        sessions, receiver, address=world.PHARMACIST, product_reference=world.NIL
    )

    refused = {r.message_id: r for r in report.refused}
    entry = refused[str(forwarded["Message-ID"])]
    assert entry.code == "906"
    assert "empreinte" in entry.reason
    assert report.imported == []
