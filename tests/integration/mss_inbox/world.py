"""Who and what the inbox tests exchange: demo mailboxes, clients, messages, IMAP flags."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from esante.mss import ComposedMessage, MssClient, compose_message, from_sandbox_manifest
from esante.sandbox.runtime import RunningSandbox
from esante.xds import Code

SENDER = "secretariat@cabinet-du-parc.mssante.fr"
PEDIATRICIAN = "nicolas.delafontaine@cds-jean-jaures.mssante.fr"
CARDIOLOGIST = "jeremie.mercier@cds-jean-jaures.mssante.fr"
GP_MSP = "herve.carre@msp-tilleuls.mssante.fr"
MIDWIFE = "melanie.mallet@msp-tilleuls.mssante.fr"
RECEIVERS = (PEDIATRICIAN, CARDIOLOGIST, GP_MSP, MIDWIFE)

NIL = "ESANTE-TEST-INBOX"
SOURCE_ID = "1.2.250.1.999.1.1.7898"
ACTIVITY = Code("04", "1.2.250.1.213.2.2", "Hospitalisation de jour")
LOLA_INS = "225106938314977"
CLAIRE_INS = "292062123199987"
GP_RPPS = "10003986931"  # the demo généraliste, author of the examples
PEDIATRICIAN_ID_NAT_PS = "810835416370"


def client(running: RunningSandbox, address: str) -> MssClient:
    endpoints, credentials = from_sandbox_manifest(running.manifest.directory, address, timeout=10)
    return MssClient(endpoints, credentials)


def compose(
    cda: bytes, to: str, *, request_mdn: bool = True, message_id: str | None = None
) -> ComposedMessage:
    """A message from :data:`SENDER` with one CDA (no PDF copy: rendering is slow)."""
    return compose_message(
        [cda],
        sender=SENDER,
        to=[to],
        product_reference=NIL,
        source_id=SOURCE_ID,
        content_type_code=ACTIVITY,
        request_mdn=request_mdn,
        pdf_copy=False,
        message_id=message_id,
    )


def flags(reader: MssClient, message_id: str) -> list[frozenset[str]]:
    """The IMAP flags of each INBOX message with ``message_id``."""
    with reader.mailbox(read_only=True) as box:
        found = []
        for uid in box.search("HEADER", "Message-ID", f'"{message_id}"'):
            fetched = box.fetch(uid)
            assert fetched is not None
            found.append(fetched.flags)
        return found


def raw_message(to: str, attachment: bytes | None, *, mss_headers: bool = True) -> EmailMessage:
    """A message built by hand (as a faulty sender would), asking for an acknowledgement."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="cabinet-du-parc.mssante.fr")
    message["Subject"] = "XDM/1.0/DDM+Synthèse N'DIAYE Lola 16/10/2025"
    if mss_headers:
        message["X-MSS-NIL"] = NIL
        message["X-MSS-CODECDA"] = "SYNTH"
        message["X-MSS-INS"] = "O"
    message["Disposition-Notification-To"] = SENDER
    message.set_content("Bonjour,\nci-joint le document.\n")
    if attachment is not None:
        message.add_attachment(
            attachment, maintype="application", subtype="zip", filename="IHE_XDM.ZIP"
        )
    return message


def rebuild_zip(package: bytes, change: Callable[[str, bytes], list[tuple[str, bytes]]]) -> bytes:
    """``package`` rewritten entry by entry: ``change`` gives what replaces each entry."""
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            for new_name, data in change(name, source.read(name)):
                target.writestr(new_name, data)
    return out.getvalue()
