"""Automatic acknowledgements: the RFC 8098 MDN a recipient's mailbox sends back.

A message whose sender asked for it (``Disposition-Notification-To``) is acknowledged
by the recipient's mailbox once delivered, as the MSSanté guide describes for messages
processed automatically (volet « Transmission de documents CDA en HL7v2 / MSSanté »,
structure du MDN):

* ``multipart/report; report-type=disposition-notification``;
* a French human-readable part;
* a ``message/disposition-notification`` part with ``Reporting-UA``,
  ``Original-Recipient`` (when the original said it), ``Final-Recipient``,
  ``Original-Message-ID`` and ``Disposition: automatic-action/MDN-sent-automatically;
  processed``;
* the original message (``message/rfc822``), or only its header
  (``text/rfc822-headers``) when it is large.

The subject repeats the original one (``XDM/1.0/DDM+…`` for a document). As RFC 8098
§2.1 and the guide ask, no MDN is sent automatically when the address to notify is not
the envelope sender (loop and abuse protection), and an MDN never asks for, nor gets,
another one. Built with :mod:`email` only: the sandbox does not use the MSSanté client.
"""

from __future__ import annotations

import contextlib
import uuid
from email.charset import QP, Charset
from email.header import decode_header, make_header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import formataddr, formatdate, getaddresses, make_msgid

MAX_ORIGINAL_IN_REPORT = 2 * 1024 * 1024
DISPOSITION_PROCESSED = "automatic-action/MDN-sent-automatically; processed"
_CRLF = compat32.clone(linesep="\r\n")


def header_text(value: object) -> str:
    """A header value as text: encoded words decoded, raw UTF-8 octets read as UTF-8."""
    if value is None:
        return ""
    text = str(value)
    if any("\udc80" <= char <= "\udcff" for char in text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    with contextlib.suppress(ValueError, LookupError, UnicodeError):
        text = str(make_header(decode_header(text)))
    return " ".join(text.split())


def is_mdn(headers: Message) -> bool:
    """Whether a message is itself a disposition notification."""
    return (
        headers.get_content_type() == "multipart/report"
        and str(headers.get_param("report-type") or "").lower() == "disposition-notification"
    )


def notification_address(headers: Message, envelope_sender: str) -> str | None:
    """The address to acknowledge to, or None when no MDN must be sent automatically."""
    values = headers.get_all("Disposition-Notification-To")
    if not values or is_mdn(headers):
        return None
    addresses = [address for _, address in getaddresses([str(v) for v in values]) if address]
    if len(addresses) != 1:
        return None
    if addresses[0].lower() != envelope_sender.lower():
        return None
    return addresses[0].lower()


def build_mdn(
    original: bytes,
    headers: Message,
    *,
    recipient: str,
    recipient_name: str,
    notify: str,
    reporting_host: str,
) -> bytes:
    """The MDN (bytes, CRLF) that ``recipient`` sends to ``notify`` for ``original``."""
    subject = header_text(headers.get("Subject"))
    message_id = str(headers.get("Message-ID", "")).strip()
    report = MIMEMultipart("report", report_type="disposition-notification")
    report["From"] = formataddr((recipient_name, recipient))
    report["To"] = notify
    report["Subject"] = subject or "Accusé de réception"
    report["Date"] = formatdate(localtime=False, usegmt=True)
    report["Message-ID"] = make_msgid(domain=recipient.rsplit("@", 1)[1])
    report["Auto-Submitted"] = "auto-replied"
    if message_id:
        report["In-Reply-To"] = message_id
        report["References"] = message_id

    sent = str(headers.get("Date", "")).strip()
    human = (
        "Accusé de réception automatique (MDN).\r\n\r\n"
        f"Le message « {subject or '(sans objet)'} »"
        + (f" envoyé le {sent}" if sent else "")
        + f" a été remis à {recipient} et traité automatiquement par sa boîte aux "
        "lettres MSSanté.\r\n"
    )
    charset = Charset("utf-8")
    charset.body_encoding = QP
    text = MIMENonMultipart("text", "plain")
    del text["MIME-Version"]
    text.set_payload(human, charset)
    report.attach(text)

    fields = [f"Reporting-UA: {reporting_host}; esante MSSante sandbox"]
    original_recipient = headers.get("Original-Recipient")
    if original_recipient:
        fields.append(f"Original-Recipient: {str(original_recipient).strip()}")
    fields.append(f"Final-Recipient: rfc822;{recipient}")
    if message_id:
        fields.append(f"Original-Message-ID: {message_id}")
    fields.append(f"Disposition: {DISPOSITION_PROCESSED}")
    notification = MIMEBase("message", "disposition-notification")
    del notification["MIME-Version"]
    lines = "\r\n".join(fields).encode("ascii", "replace").decode("ascii")
    notification.set_payload(lines + "\r\n")
    report.attach(notification)

    # The original goes back byte for byte: the generator would re-fold its header and
    # refuses 8-bit text, so a placeholder part is swapped for the raw bytes at the end.
    placeholder = f"esante-original-{uuid.uuid4().hex}"
    if len(original) <= MAX_ORIGINAL_IN_REPORT:
        returned = MIMEBase("message", "rfc822")
        content = original if original.endswith(b"\n") else original + b"\r\n"
    else:
        returned = MIMEBase("text", "rfc822-headers")
        content = original.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    returned.set_payload(placeholder + "\r\n")
    del returned["MIME-Version"]
    report.attach(returned)
    flattened = report.as_bytes(policy=_CRLF)
    marker = placeholder.encode("ascii") + b"\r\n"
    if flattened.count(marker) != 1:  # pragma: no cover - a uuid cannot occur by chance
        raise ValueError("MDN placeholder not found exactly once")
    return flattened.replace(marker, content)
