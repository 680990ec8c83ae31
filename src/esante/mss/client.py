"""The MSSanté client: send through the operator's SMTP, read the mailbox over IMAP.

Settings are two small values: :class:`MssEndpoints` (where the operator's SMTP and IMAP
servers are, the CA that signs their certificates, timeouts and size limits) and
:class:`~esante.mss.auth.MssCredentials` (the mailbox and how it authenticates). The
client works on raw bytes or :class:`email.message.EmailMessage`: composing the message
(XDM package, X-MSS-* headers) is :mod:`esante.mss`'s format modules' job::

    endpoints, credentials = from_sandbox_manifest(sandbox_dir, "francois.perrin@…")
    client = MssClient(endpoints, credentials)
    accepted = client.send(message)                 # EmailMessage or bytes
    with client.mailbox() as inbox:                 # IMAP, INBOX
        for received in inbox.fetch_unprocessed():   # read in a mail client or not
            ...                                     # received.data, received.uid
            inbox.mark_processed([received.uid])

:func:`from_sandbox_manifest` reads the ``mss`` section of a sandbox's ``sandbox.json``
itself (this package never imports the sandbox). Errors: see :mod:`esante.mss.smtp` and
:mod:`esante.mss.imap`.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP as SMTP_POLICY
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from esante.mss.auth import MssCredentials
from esante.mss.errors import MssSendError
from esante.mss.imap import FetchedMessage, ImapEndpoint, ImapMailbox
from esante.mss.smtp import SmtpEndpoint, submit
from esante.transport import TlsConfig, TlsError, client_ssl_context

MSS_CIPHER_SUITES: tuple[str, ...] = (
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
)
"""TLS 1.2 suites offered to the operator (AEAD, forward secrecy); TLS 1.3 is preferred."""

DEFAULT_MAX_MESSAGE_BYTES = 20 * 1024 * 1024
MANIFEST_NAME = "sandbox.json"


@dataclass(frozen=True)
class MssEndpoints:
    """The operator's servers: SMTP submission (STARTTLS) and IMAP (implicit TLS)."""

    smtp_host: str
    smtp_port: int
    imap_host: str
    imap_port: int
    ca_bundle: Path
    timeout: float = 30.0
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    """Largest message sent (refused before connecting beyond it)."""
    max_download_bytes: int = 50 * 1024 * 1024
    """Largest message downloaded over IMAP (bigger ones are listed, not fetched)."""
    cipher_suites: tuple[str, ...] = MSS_CIPHER_SUITES
    local_hostname: str | None = None


def tls_context(endpoints: MssEndpoints, credentials: MssCredentials) -> ssl.SSLContext:
    """Client TLS context: trusts ``ca_bundle`` only, presents the certificate if any.

    Raises :class:`MssSendError` when the files cannot be loaded.
    """
    try:
        return client_ssl_context(
            TlsConfig(
                ca_bundle=endpoints.ca_bundle,
                certificate=credentials.certificate,
                key=credentials.key,
                key_password=credentials.key_password,
                cipher_suites=endpoints.cipher_suites,
            )
        )
    except TlsError as exc:
        raise MssSendError(exc.message, detail=exc.detail, field=exc.field) from exc


def message_bytes(message: EmailMessage | bytes) -> bytes:
    """The bytes to submit: an EmailMessage is serialised with CRLF, without ``Bcc``."""
    if isinstance(message, bytes):
        return message
    if message.get("Bcc") is not None:
        message = _copy(message)
        del message["Bcc"]
    return message.as_bytes(policy=SMTP_POLICY)


def _copy(message: EmailMessage) -> EmailMessage:
    copied = BytesParser(policy=message.policy).parsebytes(message.as_bytes())
    assert isinstance(copied, EmailMessage)
    return copied


def envelope_recipients(message: EmailMessage | bytes) -> list[str]:
    """To, Cc and Bcc addresses of ``message``, in order, without repeats."""
    headers: Any = message
    if isinstance(message, bytes):
        headers = BytesParser().parsebytes(message, headersonly=True)
    values = [str(v) for name in ("To", "Cc", "Bcc") for v in headers.get_all(name) or []]
    seen: dict[str, None] = {}
    for _, address in getaddresses(values):
        if address:
            seen.setdefault(address, None)
    return list(seen)


class MssClient:
    """Send and receive for one mailbox (see the module docstring)."""

    def __init__(self, endpoints: MssEndpoints, credentials: MssCredentials):
        self.endpoints = endpoints
        self.credentials = credentials
        self._context: ssl.SSLContext | None = None

    @property
    def context(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = tls_context(self.endpoints, self.credentials)
        return self._context

    def send(
        self,
        message: EmailMessage | bytes,
        *,
        recipients: Sequence[str] | None = None,
        allow_partial: bool = False,
        null_sender: bool = False,
    ) -> tuple[str, ...]:
        """Submit ``message`` from this mailbox; returns the accepted recipients.

        ``recipients`` default to the message's To, Cc and Bcc. All or nothing unless
        ``allow_partial``. ``null_sender`` submits with ``MAIL FROM:<>`` (an MDN or
        another notification: RFC 8098 §3). Raises :class:`MssSendError`,
        :class:`MssUnavailableError` or :class:`MssUncertainOutcomeError` (see
        :mod:`esante.mss.smtp`).
        """
        data = message_bytes(message)
        targets = list(recipients) if recipients is not None else envelope_recipients(message)
        endpoint = SmtpEndpoint(
            host=self.endpoints.smtp_host,
            port=self.endpoints.smtp_port,
            context=self.context,
            timeout=self.endpoints.timeout,
            max_message_bytes=self.endpoints.max_message_bytes,
            local_hostname=self.endpoints.local_hostname,
        )
        return submit(
            endpoint,
            self.credentials,
            data,
            sender=self.credentials.address,
            recipients=targets,
            allow_partial=allow_partial,
            null_sender=null_sender,
        )

    def mailbox(self, folder: str = "INBOX", *, read_only: bool = False) -> ImapMailbox:
        """An IMAP session on ``folder`` (open it with ``with``)."""
        endpoint = ImapEndpoint(
            host=self.endpoints.imap_host,
            port=self.endpoints.imap_port,
            context=self.context,
            timeout=self.endpoints.timeout,
            max_message_bytes=self.endpoints.max_download_bytes,
        )
        return ImapMailbox(endpoint, self.credentials, folder, read_only=read_only)

    def fetch_unprocessed(self, folder: str = "INBOX", *, limit: int = 100) -> list[FetchedMessage]:
        """The messages of ``folder`` not marked ``$Processed`` (one IMAP session), read or
        not, flags unchanged."""
        with self.mailbox(folder) as box:
            return box.fetch_unprocessed(limit=limit)

    def fetch_unseen(self, folder: str = "INBOX", *, limit: int = 100) -> list[FetchedMessage]:
        """The unseen messages of ``folder`` (one IMAP session), left unseen."""
        with self.mailbox(folder) as box:
            return box.fetch_unseen(limit=limit)


def from_sandbox_manifest(
    directory: Path,
    address: str,
    *,
    use: str = "auto",
    timeout: float = 30.0,
) -> tuple[MssEndpoints, MssCredentials]:
    """Endpoints and credentials of ``address`` from ``directory/sandbox.json``.

    ``use`` picks the credentials: ``auto`` (all the sandbox gives: token, certificate,
    password — each protocol takes what it needs), ``token``, ``certificate`` or
    ``password`` (only that one). Raises :class:`MssSendError` when the file, the
    ``mss`` section or the mailbox is missing.
    """
    path = directory / MANIFEST_NAME
    try:
        document = json.loads(path.read_text("utf-8"))
        section = document["mss"]
        entry = next(m for m in section["mailboxes"] if m["address"] == address.strip().lower())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MssSendError(
            "Configuration MSSanté du bac à sable introuvable.",
            detail=f"{path}: {type(exc).__name__}: {exc}",
            field=str(path),
        ) from exc
    except StopIteration:
        raise MssSendError(
            "Boîte aux lettres inconnue du bac à sable.", detail=address, field="address"
        ) from None

    def resolve(value: str | None) -> Path | None:
        if not value:
            return None
        candidate = Path(value)
        return candidate if candidate.is_absolute() else (directory / candidate).resolve()

    ca = resolve(section["ca"])
    assert ca is not None
    endpoints = MssEndpoints(
        smtp_host=str(section["smtp"]["host"]),
        smtp_port=int(section["smtp"]["port"]),
        imap_host=str(section["imap"]["host"]),
        imap_port=int(section["imap"]["port"]),
        ca_bundle=ca,
        timeout=timeout,
        max_message_bytes=int(section.get("max_message_bytes", DEFAULT_MAX_MESSAGE_BYTES)),
    )
    wants = {"auto": {"token", "certificate", "password"}}.get(use, {use})
    if not wants <= {"token", "certificate", "password"}:
        raise MssSendError("Choix d'authentification inconnu.", detail=use, field="use")
    credentials = MssCredentials(
        address=str(entry["address"]),
        certificate=resolve(entry.get("certificate")) if "certificate" in wants else None,
        key=resolve(entry.get("key")) if "certificate" in wants else None,
        access_token=entry.get("access_token") if "token" in wants else None,
        imap_user=entry.get("imap_user"),
        imap_password=entry.get("password") if "password" in wants else None,
    )
    return endpoints, credentials
