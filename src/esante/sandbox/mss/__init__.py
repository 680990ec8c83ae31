"""The MSSanté operator of the sandbox: SMTP submission, IMAP, mailboxes, acknowledgements.

An MSSanté operator hosts the mailboxes of the health trust space. The sandbox plays one
on loopback so that a practice's send and receive flows run end to end:

* :class:`MssOperator` — the mailboxes (:func:`demo_mailboxes`: the demo practitioners'
  personal mailboxes, the structures' organisational ones, the PMI child health
  certificates platform, the patients' ``<INS>@patient.mssante.fr``), their
  credentials (passwords, client certificates, Pro Santé Connect access tokens signed
  by the sandbox, :class:`AccessTokens`), delivery into a store with stable IMAP UIDs
  (:class:`MailStore`) and the automatic RFC 8098 acknowledgements (:func:`build_mdn`);
* :class:`SmtpHandler` — the SMTP side (aiosmtpd): STARTTLS required, then a client
  certificate or ``AUTH XOAUTH2``; unknown recipients get ``550``; sizes are bounded;
* :class:`ImapService` — an IMAP4rev1 server over implicit TLS, written here.

The servers themselves are started by :mod:`esante.sandbox.runtime` (``mss_server``).
As every sandbox package, this one never imports the practice side or the clients.
"""

from esante.sandbox.mss.certificates import (
    CertificateRequest,
    MailboxCertificate,
    certificate_addresses,
    ensure_mailbox_certificates,
)
from esante.sandbox.mss.errors import (
    AccessTokenError,
    ImapProtocolError,
    MailboxError,
    MssSandboxError,
)
from esante.sandbox.mss.imap_server import CAPABILITIES, ImapLimits, ImapService
from esante.sandbox.mss.mailboxes import (
    PATIENT_DOMAIN,
    PMI_PLATFORM_ADDRESS,
    Mailbox,
    MailboxDirectory,
    MailboxKind,
    demo_mailboxes,
    normalize_address,
    patient_address,
)
from esante.sandbox.mss.mdn import build_mdn, notification_address
from esante.sandbox.mss.operator import (
    DEFAULT_MAX_MESSAGE_BYTES,
    Delivery,
    MssOperator,
    OperatorOptions,
)
from esante.sandbox.mss.smtp_server import SandboxSmtp, SmtpHandler
from esante.sandbox.mss.store import INBOX, FolderState, MailStore, StoredMessage
from esante.sandbox.mss.tokens import AccessTokenClaims, AccessTokens

__all__ = [
    "AccessTokenClaims",
    "AccessTokenError",
    "AccessTokens",
    "CAPABILITIES",
    "CertificateRequest",
    "DEFAULT_MAX_MESSAGE_BYTES",
    "Delivery",
    "FolderState",
    "INBOX",
    "ImapLimits",
    "ImapProtocolError",
    "ImapService",
    "MailStore",
    "Mailbox",
    "MailboxCertificate",
    "MailboxDirectory",
    "MailboxError",
    "MailboxKind",
    "MssOperator",
    "MssSandboxError",
    "OperatorOptions",
    "PATIENT_DOMAIN",
    "PMI_PLATFORM_ADDRESS",
    "SandboxSmtp",
    "SmtpHandler",
    "StoredMessage",
    "build_mdn",
    "certificate_addresses",
    "demo_mailboxes",
    "ensure_mailbox_certificates",
    "normalize_address",
    "notification_address",
    "patient_address",
]
