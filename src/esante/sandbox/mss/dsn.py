"""Delivery status notifications (RFC 3464) the sandbox operator writes (RFC 3461 DSN).

The volet calls the DSN the *accusé de réception MSSanté*: the operator's word that the
message reached the recipient's mailbox (the MDN, the recipient's word, says what its
software did with it). The SMTP server announces ``DSN`` in its EHLO answer and accepts
``RET`` and ``ENVID`` on ``MAIL FROM``, ``NOTIFY`` and ``ORCPT`` on ``RCPT TO``
(RFC 3461 §4). Recipients are checked at ``RCPT`` time (refused there, synchronously), so
a notification is written after ``DATA``: *delivered* for each recipient whose ``NOTIFY``
holds ``SUCCESS``, once the message is in its INBOX; *failed* (``5.2.2``, mailbox full)
for a recipient whose mailbox the operator made full
(:meth:`~esante.sandbox.mss.operator.MssOperator.set_mailbox_full`), unless its ``NOTIFY``
is ``NEVER`` or leaves ``FAILURE`` out (no ``NOTIFY``: failures are reported, RFC 3461
§4.1). No notification is ever sent for a message with the null reverse-path (RFC 3461
§5.2.1). ``ENVID`` comes back as the sender typed it (xtext decoded).

Built with :mod:`email` only, as :mod:`esante.sandbox.mss.mdn`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate, make_msgid

NOTIFY_VALUES = frozenset({"NEVER", "SUCCESS", "FAILURE", "DELAY"})
DSN_PARAMETERS = frozenset({"RET", "ENVID", "NOTIFY", "ORCPT"})
MAX_FULL_RETURN = 2 * 1024 * 1024
_XTEXT = re.compile(r"\+([0-9A-Fa-f]{2})")
_CRLF = compat32.clone(linesep="\r\n")


def xtext_decode(value: str) -> str:
    """RFC 3461 §4 xtext: ``+HH`` is the octet HH."""
    return _XTEXT.sub(lambda m: chr(int(m.group(1), 16)), value)


def valid_parameter(name: str, value: str | bool) -> bool:
    """Whether a DSN parameter of MAIL or RCPT is well formed (RFC 3461 §4)."""
    if isinstance(value, bool):
        return False
    if name == "RET":
        return value in ("FULL", "HDRS")
    if name == "NOTIFY":
        parts = value.split(",")
        return set(parts) <= NOTIFY_VALUES and ("NEVER" not in parts or parts == ["NEVER"])
    if name == "ORCPT":
        kind, sep, address = value.partition(";")
        return bool(sep and kind and address)
    return name == "ENVID" and 0 < len(value) <= 100


@dataclass
class DsnRequest:
    """What a transaction asked for: ``RET``/``ENVID`` and, per recipient, NOTIFY/ORCPT."""

    ret: str | None = None
    envid: str | None = None
    notify: dict[str, tuple[str, ...]] = field(default_factory=dict)
    original: dict[str, str] = field(default_factory=dict)

    def wants_success(self, recipient: str) -> bool:
        return "SUCCESS" in self.notify.get(recipient, ())

    def wants_failure(self, recipient: str) -> bool:
        """RFC 3461 §4.1: without ``NOTIFY``, failures are reported."""
        asked = self.notify.get(recipient)
        return asked is None or "FAILURE" in asked


def options(raw: list[str]) -> dict[str, str]:
    """The ``NAME=value`` options of a MAIL/RCPT command, by name."""
    found: dict[str, str] = {}
    for item in raw:
        name, _, value = item.partition("=")
        found[name.upper()] = value
    return found


MAILBOX_FULL = "5.2.2"
"""RFC 3463: mailbox full (the failure the sandbox produces)."""


def build_report(
    data: bytes,
    headers: Message,
    *,
    sender: str,
    recipient: str,
    request: DsnRequest,
    reporting_host: str,
    failed: bool = False,
) -> bytes:
    """The RFC 3464 notification for ``recipient``, to ``sender``: ``delivered`` (2.0.0),
    or ``failed`` (5.2.2, with a ``Diagnostic-Code``)."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = f"Systeme de distribution MSSante <postmaster@{reporting_host}>"
    report["To"] = sender
    report["Date"] = formatdate(usegmt=True)
    report["Message-ID"] = make_msgid(domain=reporting_host)
    subject = (
        "Avis de non-remise MSSanté : message non distribué"
        if failed
        else "Accusé de réception MSSanté : message distribué"
    )
    report["Subject"] = Header(subject, "utf-8").encode()
    report["Auto-Submitted"] = "auto-replied"
    original_id = str(headers.get("Message-ID", "")).strip()
    if original_id:
        report["In-Reply-To"] = original_id
        report["References"] = original_id
    text = (
        f"Bonjour,\n\nVotre message n'a pas pu être distribué à {recipient} : sa boîte aux "
        "lettres est pleine.\n"
        if failed
        else f"Bonjour,\n\nVotre message a été distribué dans la boîte aux lettres de "
        f"{recipient}.\n"
    )
    report.attach(MIMEText(text, "plain", "utf-8"))
    status = MIMEBase("message", "delivery-status")
    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {reporting_host}"
    if request.envid:
        per_message["Original-Envelope-Id"] = request.envid
    per_message["Arrival-Date"] = formatdate(usegmt=True)
    per_recipient = Message()
    if recipient in request.original:
        per_recipient["Original-Recipient"] = request.original[recipient]
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = "failed" if failed else "delivered"
    per_recipient["Status"] = MAILBOX_FULL if failed else "2.0.0"
    if failed:
        per_recipient["Remote-MTA"] = f"dns; {reporting_host}"
        per_recipient["Diagnostic-Code"] = "smtp; 552 5.2.2 Mailbox full"
    status.set_payload([per_message, per_recipient])
    report.attach(status)
    if request.ret == "FULL" and len(data) <= MAX_FULL_RETURN:
        returned = MIMEBase("message", "rfc822")
        returned.set_payload([message_from_bytes(data)])
    else:
        head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        returned = MIMENonMultipart("text", "rfc822-headers")
        returned.set_payload(head.decode("utf-8", "surrogateescape"))
    report.attach(returned)
    return report.as_bytes(policy=_CRLF)
