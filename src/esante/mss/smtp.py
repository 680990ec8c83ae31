"""Submitting a message to the MSSanté operator over SMTP (STARTTLS, certificate or XOAUTH2).

One message, one session: EHLO, STARTTLS (required: a server that does not offer it is
refused), EHLO again, authentication (XOAUTH2 with the access token, or nothing more
when the TLS client certificate identifies the mailbox), then ``MAIL FROM`` (with
``SIZE``), every ``RCPT TO``, ``DATA``.

Delivery receipts: the volet's *accusé de réception MSSanté* is a delivery status
notification. When the server announces ``DSN`` (RFC 3461), every message but a
notification (null reverse-path) asks for one: ``MAIL FROM`` with ``RET=HDRS`` and
``ENVID=<Message-ID>``, each ``RCPT TO`` with ``NOTIFY=SUCCESS,FAILURE,DELAY`` and
``ORCPT=rfc822;<address>``; the operator then sends the RFC 3464 report to the sender's
mailbox.

All or nothing by default: if any recipient is refused, the transaction is reset before
``DATA`` and nothing leaves. Failures map onto the MSSanté error tree:

=================================================  ==================================
what happened                                      raised
=================================================  ==================================
connection refused, timeout, TLS reset, 4xx reply  :class:`MssUnavailableError`
5xx reply (authentication, sender, a recipient —   :class:`MssSendError` (``code`` is
named in ``field`` —, size, content), no STARTTLS,  the SMTP reply code)
server certificate not trusted, message too large
the whole message was handed over after DATA but   :class:`MssUncertainOutcomeError`
no final reply came back (it may have been taken)
=================================================  ==================================
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

from esante.mss.auth import MssCredentials, xoauth2_response
from esante.mss.errors import MssSendError, MssUnavailableError, MssUncertainOutcomeError

_EOL = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class SmtpEndpoint:
    """Where and how to submit: host, port, TLS context, limits."""

    host: str
    port: int
    context: ssl.SSLContext
    timeout: float = 30.0
    max_message_bytes: int = 20 * 1024 * 1024
    local_hostname: str | None = None


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {body}".strip()


def _refused(code: int, text: bytes | str, message: str, *, field: str | None = None) -> Exception:
    detail = _reply(code, text)
    if 400 <= code < 500:
        return MssUnavailableError(
            message + " (refus temporaire, nouvel essai plus tard)",
            detail=detail,
            field=field,
            code=str(code),
        )
    return MssSendError(message, detail=detail, field=field, code=str(code))


def wire_bytes(data: bytes) -> bytes:
    """``data`` as DATA content: CRLF line ends, leading dots doubled, final ``.``."""
    body = _EOL.sub(b"\r\n", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return _LEADING_DOT.sub(b"..", body) + b".\r\n"


def xtext(value: str) -> str:
    """RFC 3461 §4 xtext: ``+``, ``=`` and octets outside ``!``..``~`` as ``+HH``."""
    return "".join(f"+{ord(c):02X}" if c in "+=" or not 33 <= ord(c) <= 126 else c for c in value)


def _envid(data: bytes) -> list[str]:
    """``ENVID=<Message-ID>`` (the id a delivery notification names), when one is set."""
    head = data.split(b"\r\n\r\n", 1)[0]
    found = re.search(rb"^Message-ID:[ \t]*(<[!-~]{1,98}>)", head, re.IGNORECASE | re.MULTILINE)
    return [f"ENVID={xtext(found.group(1).decode('ascii'))}"] if found else []


def submit(
    endpoint: SmtpEndpoint,
    credentials: MssCredentials,
    data: bytes,
    *,
    sender: str,
    recipients: Sequence[str],
    allow_partial: bool = False,
    null_sender: bool = False,
) -> tuple[str, ...]:
    """Submit ``data`` from ``sender`` to ``recipients``; returns the accepted recipients.

    With ``allow_partial``, recipients refused for good are left out instead of
    stopping the submission (the others still get the message). ``null_sender`` gives
    the null reverse-path ``MAIL FROM:<>`` that a notification must use (RFC 8098 §3,
    RFC 5321 §4.5.5: nothing answers it, no loop); the session stays authenticated as
    ``sender``. Raises as the module docstring says.
    """
    if not recipients:
        raise MssSendError("Aucun destinataire.", detail="empty recipient list", field="to")
    if len(data) > endpoint.max_message_bytes:
        raise MssSendError(
            "Message trop volumineux pour la messagerie MSSanté.",
            detail=f"{len(data)} bytes > {endpoint.max_message_bytes}",
            field="message",
        )
    smtp = _open(endpoint, credentials)
    try:
        return _transaction(
            smtp,
            data,
            "" if null_sender else sender,
            recipients,
            allow_partial,
            dsn=not null_sender,
        )
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _open(endpoint: SmtpEndpoint, credentials: MssCredentials) -> smtplib.SMTP:
    where = f"{endpoint.host}:{endpoint.port}"
    try:
        smtp = smtplib.SMTP(
            endpoint.host,
            endpoint.port,
            local_hostname=endpoint.local_hostname,
            timeout=endpoint.timeout,
        )
    except (OSError, smtplib.SMTPException) as exc:
        raise MssUnavailableError(
            "Serveur de messagerie MSSanté injoignable.",
            detail=f"{where}: {type(exc).__name__}: {exc}",
        ) from exc
    try:
        code, text = smtp.ehlo()
        if code != 250:
            raise _refused(code, text, "Le serveur MSSanté refuse la session.")
        if not smtp.has_extn("starttls"):
            raise MssSendError(
                "Le serveur MSSanté ne propose pas STARTTLS : envoi en clair refusé.",
                detail=f"{where}: no STARTTLS in EHLO",
            )
        try:
            smtp.starttls(context=endpoint.context)
        except ssl.SSLCertVerificationError as exc:
            raise MssSendError(
                "Certificat du serveur MSSanté non reconnu.",
                detail=f"{where}: {exc}",
            ) from exc
        smtp.ehlo()
        if credentials.access_token:
            _xoauth2(smtp, credentials)
        return smtp
    except smtplib.SMTPResponseException as exc:
        smtp.close()
        raise _refused(
            exc.smtp_code, exc.smtp_error, "Le serveur MSSanté refuse la session."
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        smtp.close()
        raise MssUnavailableError(
            "Connexion au serveur MSSanté interrompue.",
            detail=f"{where}: {type(exc).__name__}: {exc}",
        ) from exc
    except BaseException:
        smtp.close()
        raise


def _xoauth2(smtp: smtplib.SMTP, credentials: MssCredentials) -> None:
    assert credentials.access_token is not None
    response = xoauth2_response(credentials.address, credentials.access_token).decode()
    answered = False

    def authobject(challenge: bytes | None = None) -> str:
        nonlocal answered
        if answered:
            return ""  # an error challenge: end the exchange, the server then says 5xx
        answered = True
        return response

    try:
        smtp.auth("XOAUTH2", authobject, initial_response_ok=True)
    except smtplib.SMTPAuthenticationError as exc:
        raise _refused(
            exc.smtp_code,
            exc.smtp_error,
            "Authentification Pro Santé Connect refusée par le serveur MSSanté.",
            field="access_token",
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise MssSendError(
            "Le serveur MSSanté ne propose pas l'authentification XOAUTH2.",
            detail=str(exc),
        ) from exc


def _transaction(
    smtp: smtplib.SMTP,
    data: bytes,
    sender: str,
    recipients: Sequence[str],
    allow_partial: bool,
    *,
    dsn: bool = True,
) -> tuple[str, ...]:
    options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
    notify: list[str] = []
    if dsn and smtp.has_extn("dsn"):
        options += ["RET=HDRS", *_envid(data)]
        notify = ["NOTIFY=SUCCESS,FAILURE,DELAY"]
    try:
        code, text = smtp.mail(sender, options)
        if code != 250:
            what = (
                "Message trop volumineux pour le serveur MSSanté."
                if code == 552
                else "Expéditeur refusé par le serveur MSSanté."
            )
            raise _refused(code, text, what, field="from")
        accepted: list[str] = []
        for recipient in recipients:
            orcpt = [f"ORCPT=rfc822;{xtext(recipient)}"] if notify else []
            code, text = smtp.rcpt(recipient, [*notify, *orcpt])
            if code in (250, 251):
                accepted.append(recipient)
                continue
            if allow_partial and code >= 500:
                continue
            smtp.rset()
            raise _refused(
                code,
                text,
                f"Destinataire refusé par le serveur MSSanté : {recipient}.",
                field=recipient,
            )
        if not accepted:
            smtp.rset()
            raise MssSendError(
                "Tous les destinataires ont été refusés par le serveur MSSanté.",
                detail=", ".join(recipients),
                field="to",
            )
        smtp.putcmd("data")
        code, text = smtp.getreply()
        if code != 354:
            raise _refused(code, text, "Le serveur MSSanté refuse le message.")
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise MssUnavailableError(
            "Connexion au serveur MSSanté interrompue avant l'envoi du message.",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    # From here on the message is on its way: losing the connection leaves it uncertain.
    try:
        smtp.send(wire_bytes(data))
        code, text = smtp.getreply()
    except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
        raise MssUncertainOutcomeError(
            "Le message a été transmis mais le serveur MSSanté n'a pas confirmé sa prise "
            "en charge : il a pu être accepté.",
            detail=f"no final reply after DATA: {type(exc).__name__}: {exc}",
        ) from exc
    if code != 250:
        what = (
            "Message trop volumineux pour le serveur MSSanté."
            if code == 552
            else "Le serveur MSSanté refuse le message."
        )
        raise _refused(code, text, what, field="message")
    return tuple(accepted)
