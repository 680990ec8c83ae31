"""The operator's SMTP submission server (aiosmtpd): STARTTLS, then a certificate or a token.

What the sandbox enforces, as an MSSanté operator does:

* STARTTLS before anything but ``EHLO``/``NOOP``/``QUIT`` (``530`` otherwise); the
  server asks for a client certificate during the handshake, optional;
* the sender is authenticated either by the TLS client certificate of an application or
  organisational mailbox (nothing more to do; ``AUTH EXTERNAL`` is accepted too) or by
  ``AUTH XOAUTH2`` with a Pro Santé Connect access token for a personal mailbox;
  ``MAIL FROM`` must be that mailbox (``553`` otherwise) or the null reverse-path
  ``<>`` of a notification (RFC 8098 §3, RFC 5321 §4.5.5; the delivered copy then says
  ``Return-Path: <>``), and the ``From`` field must be that mailbox;
* each recipient must be a mailbox of the sandbox (``550 5.1.1`` with a clear text
  otherwise), at most ``max_recipients`` of them;
* the message size is bounded (``SIZE`` announced in EHLO, ``552`` beyond it);
* delivery status notifications (RFC 3461): ``DSN`` announced in EHLO, ``RET``/``ENVID``
  and ``NOTIFY``/``ORCPT`` accepted (``501`` when malformed); a ``NOTIFY=SUCCESS``
  recipient's delivery, and a failed delivery to a full mailbox, are reported to the
  sender (:mod:`esante.sandbox.mss.dsn`).

Replies are ASCII (SMTP); the French texts go without accents. The aiosmtpd logger
(``mail.log``) would log addresses at INFO level: the runtime keeps it at WARNING.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import functools
import logging
import re
import socket
import unicodedata
import weakref
from email.message import Message
from email.utils import formatdate, getaddresses, make_msgid
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, Envelope, Session

from esante.sandbox.mss import dsn
from esante.sandbox.mss.errors import AccessTokenError
from esante.sandbox.mss.mailboxes import Mailbox
from esante.sandbox.mss.operator import MssOperator, parse_header

logger = logging.getLogger("esante.sandbox.mss")

IDENT = "esante MSSante sandbox ESMTP"
MAX_AUTH_LINE = 12288
AUTH_OK = "235 2.7.0 Authentification reussie"
AUTH_FAILED = "535 5.7.8 Authentification refusee : identifiants invalides"
_ENVID = re.compile(r"(?:^|\s)ENVID=(\S+)", re.IGNORECASE)
NULL_SENDER = ("<>", "")
"""How aiosmtpd hands ``MAIL FROM:<>`` to the handler (the first form is kept)."""


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def parse_xoauth2(blob: bytes) -> tuple[str, str] | None:
    """(user, token) from a SASL XOAUTH2 initial response, or None when malformed."""
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return None
    fields = [f for f in text.split("\x01") if f]
    user = token = None
    for item in fields:
        if item.startswith("user="):
            user = item[5:]
        elif item.lower().startswith("auth=bearer "):
            token = item[12:].strip()
    if not user or not token:
        return None
    return user, token


class SandboxSmtp(SMTP):
    """aiosmtpd's SMTP with room for an XOAUTH2 line (RFC 4954: up to 12288 octets), and
    the ``MAIL`` command kept as typed: aiosmtpd upper-cases its parameters, but
    ``ENVID`` (RFC 3461 §4.4) must come back in the notification as the sender wrote it."""

    line_length_limit = MAX_AUTH_LINE

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        limits: collections.defaultdict[str, int] = collections.defaultdict(lambda: 512)
        limits["AUTH"] = MAX_AUTH_LINE
        self.command_size_limits = limits

    mail_arguments: str = ""
    """The arguments of the last ``MAIL`` command, case kept."""

    @functools.wraps(SMTP.smtp_MAIL)  # keeps aiosmtpd's HELP syntax attributes
    async def smtp_MAIL(self, arg: str | None) -> None:  # noqa: N802
        self.mail_arguments = arg or ""
        await super().smtp_MAIL(arg)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is None:
            set_nodelay(transport)
        super().connection_made(transport)

    def _getparams(self, params: Any) -> dict[str, str | bool] | None:
        """aiosmtpd's parameters, less the RFC 3461 ones (checked here, kept in the
        command's option list for the handler): aiosmtpd would answer ``555`` to them."""
        result: dict[str, str | bool] | None = super()._getparams(params)
        if result is None:
            return None
        for name in dsn.DSN_PARAMETERS & set(result):
            value = result.pop(name)
            if not dsn.valid_parameter(name, value):
                return None
        return result


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Send each reply at once: multi-line replies otherwise meet Nagle's algorithm and
    the peer's delayed ACK (40 ms per reply). asyncio sets it only on sockets created
    with ``IPPROTO_TCP``, which the sandbox's pre-bound ones are not."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _peer_certificate(session: Session) -> bytes | None:
    if not session.ssl:
        return None
    ssl_object = session.ssl.get("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return bytes(der) if der else None


class SmtpHandler:
    """The aiosmtpd handler: authentication, sender and recipient checks, delivery."""

    def __init__(self, operator: MssOperator):
        self.operator = operator
        self._dsn: weakref.WeakKeyDictionary[Envelope, dsn.DsnRequest] = weakref.WeakKeyDictionary()

    async def handle_EHLO(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-DSN", responses[-1]]

    # Present only so that aiosmtpd announces the mechanisms; handle_AUTH does the work.
    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> None:  # noqa: N802
        return None

    async def auth_EXTERNAL(self, server: SMTP, args: list[str]) -> None:  # noqa: N802
        return None

    def _identity(self, session: Session) -> Mailbox | None:
        if session.authenticated and isinstance(session.auth_data, Mailbox):
            return session.auth_data
        return self.operator.authenticate_certificate(_peer_certificate(session))

    async def handle_AUTH(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, args: list[str]
    ) -> str | None:
        mechanism = args[0].upper()
        if len(args) > 1:
            if args[1] == "=":
                blob = b""
            else:
                try:
                    blob = base64.b64decode(args[1], validate=True)
                except binascii.Error:
                    return "501 5.5.2 Reponse d'authentification illisible (base64)"
        else:
            answer = await server.challenge_auth("")
            if answer is MISSING:
                return None  # challenge_auth has already answered
            blob = bytes(answer)
        mailbox: Mailbox | None = None
        if mechanism == "XOAUTH2":
            parsed = parse_xoauth2(blob)
            if parsed is None:
                return "501 5.5.2 Reponse XOAUTH2 mal formee"
            try:
                mailbox = self.operator.authenticate_token(*parsed)
            except AccessTokenError as exc:
                logger.info("SMTP XOAUTH2 refused: %s", exc.detail)
                return f"535 5.7.8 {plain_ascii(exc.message)}"
        elif mechanism == "EXTERNAL":
            mailbox = self.operator.authenticate_certificate(_peer_certificate(session))
            wanted = blob.decode("utf-8", "replace").strip().lower()
            if mailbox is None or (wanted and wanted != mailbox.address):
                return "535 5.7.8 Aucun certificat client associe a cette boite aux lettres"
        else:
            return "504 5.5.4 Mecanisme d'authentification non pris en charge"
        session.authenticated = True
        session.auth_data = mailbox  # type: ignore[assignment]  # aiosmtpd types it None
        return AUTH_OK

    async def handle_MAIL(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        sender = self._identity(session)
        if sender is None:
            return (
                "530 5.7.0 Authentification requise : certificat de la boite aux lettres "
                "ou jeton Pro Sante Connect (AUTH XOAUTH2)"
            )
        if address in NULL_SENDER:
            envelope.mail_from = NULL_SENDER[0]  # aiosmtpd needs a non-empty value
            envelope.mail_options.extend(mail_options)
            return "250 2.1.0 Expediteur nul accepte (notification)"
        if address.lower() != sender.address:
            return "553 5.7.1 L'expediteur doit etre la boite aux lettres authentifiee"
        envelope.mail_from = sender.address
        envelope.mail_options.extend(mail_options)
        given = dsn.options(mail_options)
        typed = _ENVID.search(getattr(server, "mail_arguments", ""))
        envid = typed.group(1) if typed else given.get("ENVID")
        self._dsn[envelope] = dsn.DsnRequest(
            ret=given.get("RET"), envid=dsn.xtext_decode(envid) if envid else None
        )
        return "250 2.1.0 Expediteur accepte"

    async def handle_RCPT(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= self.operator.options.max_recipients:
            return "452 4.5.3 Trop de destinataires pour un message"
        mailbox = self.operator.recipient(address)
        if mailbox is None:
            return (
                f"550 5.1.1 <{_ascii(address)[:254]}> : destinataire inconnu, cette adresse "
                "n'est pas une boite aux lettres de l'espace de confiance MSSante"
            )
        if mailbox.address not in envelope.rcpt_tos:
            envelope.rcpt_tos.append(mailbox.address)
        envelope.rcpt_options.extend(rcpt_options)
        given = dsn.options(rcpt_options)
        request = self._dsn.setdefault(envelope, dsn.DsnRequest())
        if "NOTIFY" in given:
            request.notify[mailbox.address] = tuple(given["NOTIFY"].split(","))
        if "ORCPT" in given:
            request.original[mailbox.address] = dsn.xtext_decode(given["ORCPT"])
        return "250 2.1.5 Destinataire accepte"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        sender = self._identity(session)
        data = envelope.original_content or b""
        if sender is None or envelope.mail_from not in (sender.address, NULL_SENDER[0]):
            return "503 5.5.1 Expediteur non authentifie"
        headers = parse_header(data)
        written = [str(v) for v in headers.get_all("From") or []]
        authors = {address.lower() for _, address in getaddresses(written)}
        if authors != {sender.address}:
            return (
                "550 5.7.1 Le champ From doit etre l'adresse de la boite aux lettres authentifiee"
            )
        if headers.get("Message-ID") is None or headers.get("Date") is None:
            data = _complete(data, headers, self.operator.options.hostname)
        recipients = [m for m in (self.operator.recipient(a) for a in envelope.rcpt_tos) if m]
        delivery = self.operator.deliver(
            sender,
            recipients,
            data,
            client_name=session.host_name or "unknown",
            client_address=str(session.peer[0]) if session.peer else "unknown",
            null_sender=envelope.mail_from == NULL_SENDER[0],
        )
        request = self._dsn.pop(envelope, None)
        if envelope.mail_from != NULL_SENDER[0]:
            request = request or dsn.DsnRequest()
            for recipient in recipients:
                failed = recipient.address in delivery.undelivered
                wanted = (
                    request.wants_failure(recipient.address)
                    if failed
                    else request.wants_success(recipient.address)
                )
                if wanted:
                    report = dsn.build_report(
                        data,
                        headers,
                        sender=sender.address,
                        recipient=recipient.address,
                        request=request,
                        reporting_host=self.operator.options.hostname,
                        failed=failed,
                    )
                    self.operator.deliver_report(sender, report)
        return f"250 2.0.0 Message accepte ({delivery.queue_id})"

    async def handle_exception(self, error: Exception) -> str:
        # type only: the message may carry addresses or content
        logger.error("MSS sandbox SMTP error %s", type(error).__name__)
        return "451 4.3.0 Erreur temporaire du serveur, reessayez plus tard"


def plain_ascii(text: str) -> str:
    """French text without accents, for protocol replies that must be ASCII."""
    return (
        "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        .replace("’", "'")
        .encode("ascii", "replace")
        .decode("ascii")
    )


def _complete(data: bytes, headers: Message, hostname: str) -> bytes:
    """Add the Message-ID and Date a submission server adds when they are missing."""
    extra = b""
    if headers.get("Message-ID") is None:
        extra += f"Message-ID: {make_msgid(domain=hostname)}\r\n".encode("ascii")
    if headers.get("Date") is None:
        extra += f"Date: {formatdate(usegmt=True)}\r\n".encode("ascii")
    return extra + data
