"""Who and what the inbox tests exchange: demo mailboxes, clients, messages, IMAP flags.

The demo people's birth dates, hence their INS matricules (birth year and month), follow
the date the dataset is built for: :data:`PEOPLE` is built once per test process and both
the practice database and the example documents come from it, so no INS or birth date is
written here and a run that crosses midnight sees one set of people.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from esante.cda.examples import example_document
from esante.demo import DemoDataset, demo_dataset
from esante.mss import ComposedMessage, MssClient, compose_message, from_sandbox_manifest
from esante.sandbox.runtime import RunningSandbox
from esante.xds import Code

SENDER = "secretariat@cabinet-du-parc.mssante.fr"
PEDIATRICIAN = "nicolas.delafontaine@cds-jean-jaures.mssante.fr"
CARDIOLOGIST = "jeremie.mercier@cds-jean-jaures.mssante.fr"
GP_MSP = "herve.carre@msp-tilleuls.mssante.fr"
MIDWIFE = "melanie.mallet@msp-tilleuls.mssante.fr"
LENIENT = "secretariat@msp-tilleuls.mssante.fr"
PHARMACIST = "cedric.riviere@pharmacie-tilleuls.mssante.fr"
PMI_SECRETARIAT = "secretariat@cds-jean-jaures.mssante.fr"
PHARMACY = "secretariat@pharmacie-tilleuls.mssante.fr"
COLLEAGUE = "francois.perrin@cabinet-du-parc.mssante.fr"
NURSE = "chloe.girard@msp-tilleuls.mssante.fr"
"""Receives what ``esante mss send`` tests send, and the hand-built XDM archive; only the
latter's test fetches it (and filters on its own message)."""
RECEIVERS = (
    PEDIATRICIAN,
    CARDIOLOGIST,
    GP_MSP,
    MIDWIFE,
    LENIENT,
    PHARMACIST,
    PMI_SECRETARIAT,
    PHARMACY,
)

NIL = "ESANTE-TEST-INBOX"
SOURCE_ID = "1.2.250.1.999.1.1.7898"
ACTIVITY = Code("04", "1.2.250.1.213.2.2", "Hospitalisation de jour")


def people(today: date | None = None) -> DemoDataset:
    """The demo dataset as of ``today`` (default: the date this test process started)."""
    return demo_dataset(today=today or _STARTED)


_STARTED = date.today()
PEOPLE = people()
GP_RPPS = PEOPLE.practitioner("generaliste").rpps  # the author of the examples
PEDIATRICIAN_ID_NAT_PS = PEOPLE.practitioner("pediatre").id_nat_ps


def ins(key: str, dataset: DemoDataset = PEOPLE) -> str:
    """The INS matricule of demo patient ``key``."""
    return dataset.patient(key).nir


def example(kind: str, patient: str, *, ins: str | None = None) -> bytes:
    """An example document of ``kind`` about demo ``patient``, from :data:`PEOPLE`."""
    return example_document(kind, patient=patient, ins=ins, dataset=PEOPLE).xml


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


def raw_message(
    to: str,
    attachment: bytes | None,
    *,
    mss_headers: bool = True,
    sender: str = SENDER,
    code: str = "SYNTH",
) -> EmailMessage:
    """A message built by hand (as a faulty sender would), asking for an acknowledgement."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="cabinet-du-parc.mssante.fr")
    lola = PEOPLE.patient("lola")
    message["Subject"] = (
        f"XDM/1.0/DDM+Synthèse {lola.birth_family_name.upper()} Lola {lola.birth_date:%d/%m/%Y}"
    )
    if mss_headers:
        message["X-MSS-NIL"] = NIL
        message["X-MSS-CODECDA"] = code
        message["X-MSS-INS"] = "O"
    message["Disposition-Notification-To"] = sender
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
