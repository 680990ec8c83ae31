"""Who the MSSanté end-to-end tests are: demo mailboxes, clients, unique subjects, imaplib."""

from __future__ import annotations

import imaplib
import itertools
import random
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from esante.mss.auth import MssCredentials
from esante.mss.client import MssClient, from_sandbox_manifest
from esante.sandbox.runtime.manifest import MssService

DOCTOR = "francois.perrin@cabinet-du-parc.mssante.fr"
PEDIATRICIAN = "nicolas.delafontaine@cds-jean-jaures.mssante.fr"
CABINET = "secretariat@cabinet-du-parc.mssante.fr"
MSP = "secretariat@msp-tilleuls.mssante.fr"
PMI = "certificatsdesante@plateformecse.mssante.fr"
_counter = itertools.count(random.randrange(1, 10_000))


def subject(label: str) -> str:
    """A subject no other test uses."""
    return f"XDM/1.0/DDM+{label} {next(_counter)}-{random.randrange(1_000_000)}"


def message(
    sender: str, to: str, title: str, *, notify: bool = False, body: str = "Bonjour."
) -> EmailMessage:
    composed = EmailMessage()
    composed["From"] = sender
    composed["To"] = to
    composed["Subject"] = title
    composed["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    if notify:
        composed["Disposition-Notification-To"] = sender
    composed.set_content(body)
    return composed


def client(directory: Path, address: str, use: str = "auto") -> MssClient:
    endpoints, credentials = from_sandbox_manifest(directory, address, use=use, timeout=10)
    return MssClient(endpoints, credentials)


def credentials(directory: Path, address: str, use: str = "auto") -> MssCredentials:
    return from_sandbox_manifest(directory, address, use=use)[1]


def context(mss: MssService) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(mss.ca))


def imap_login(mss: MssService, address: str) -> imaplib.IMAP4_SSL:
    """Plain imaplib, LOGIN with the mailbox's password from sandbox.json."""
    entry = mss.mailbox(address)
    assert entry is not None
    assert entry.password is not None
    imap = imaplib.IMAP4_SSL(mss.imap_host, mss.imap_port, ssl_context=context(mss), timeout=10)
    imap.login(entry.imap_user, entry.password)
    return imap


def uids_with_subject(imap: imaplib.IMAP4_SSL, title: str) -> list[int]:
    typ, data = imap.uid("SEARCH", "SUBJECT", f'"{title}"')
    assert typ == "OK"
    return [int(x) for x in data[0].split()]
