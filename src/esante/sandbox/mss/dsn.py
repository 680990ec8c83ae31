"""Delivery status notifications (RFC 3464) the sandbox operator writes (RFC 3461 DSN).

The volet calls the DSN the *accusé de réception MSSanté*: the operator's word that the
message reached the recipient's mailbox (the MDN, the recipient's word, says what its
software did with it). The SMTP server announces ``DSN`` in its EHLO answer and accepts
``RET`` and ``ENVID`` on ``MAIL FROM``, ``NOTIFY`` and ``ORCPT`` on ``RCPT TO``
(RFC 3461 §4). Recipients being checked at ``RCPT`` time (refused there, synchronously),
only *success* notifications are ever produced here: for each recipient whose ``NOTIFY``
holds ``SUCCESS``, once the message is in its INBOX. No notification is ever sent for a
message with the null reverse-path (RFC 3461 §5.2.1). aiosmtpd upper-cases the parameters,
so ``ENVID`` comes back upper-cased (xtext decoded).

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


def options(raw: list[str]) -> dict[str, str]:
    """The ``NAME=value`` options of a MAIL/RCPT command, by name."""
    found: dict[str, str] = {}
    for item in raw:
        name, _, value = item.partition("=")
        found[name.upper()] = value
    return found


def build_success(
    data: bytes,
    headers: Message,
    *,
    sender: str,
    recipient: str,
    request: DsnRequest,
    reporting_host: str,
) -> bytes:
    """The RFC 3464 ``delivered`` notification for ``recipient``, to ``sender``."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = f"Systeme de distribution MSSante <postmaster@{reporting_host}>"
    report["To"] = sender
    report["Date"] = formatdate(usegmt=True)
    report["Message-ID"] = make_msgid(domain=reporting_host)
    report["Subject"] = Header("Accusé de réception MSSanté : message distribué", "utf-8").encode()
    report["Auto-Submitted"] = "auto-replied"
    original_id = str(headers.get("Message-ID", "")).strip()
    if original_id:
        report["In-Reply-To"] = original_id
        report["References"] = original_id
    report.attach(
        MIMEText(
            f"Bonjour,\n\nVotre message a été distribué dans la boîte aux lettres de "
            f"{recipient}.\n",
            "plain",
            "utf-8",
        )
    )
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
    per_recipient["Action"] = "delivered"
    per_recipient["Status"] = "2.0.0"
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
