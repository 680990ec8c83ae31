"""Reading a received MSSanté message: headers checked, IHE_XDM.ZIP read, attachments.

The raw message is bounded (``max_bytes``) and parsed with the standard library; MIME
parts are walked without descending into attached messages, and their number is bounded.
The ``IHE_XDM.ZIP`` attachment is read with :func:`esante.mss.xdm.read_xdm` (hard
limits, hash and size checks): a bad package is always refused.

Headers: ``From``, ``Date`` and ``Message-ID`` are always required. In ``strict`` mode
(the default) the MSSanté headers are too: ``X-MSS-NIL`` on every message, and with CDA
documents in the package ``X-MSS-CODECDA`` (the same codes as the documents) and
``X-MSS-INS`` (``O`` or ``N``); ``X-MSS-MES``, when present, must be ``FIN``. Outside
strict mode those problems are reported in ``warnings`` (``<header>: <French remark>``)
and the message is read: the headers are the *sender's* duty (Référentiel socle MSSanté
#2 §3.8), and the volet's own use case — a secretary forwarding a message to the
applicative mailbox, a webmail, a non-Ségur sender — produces messages without them, so
a receiver accepts what it can use and records the deviation.
Failures are :class:`~esante.mss.errors.MssFormatError` whose ``field`` is the header.

Forwarded messages: when the message itself carries no ``IHE_XDM.ZIP``, the attached
messages (``message/rfc822``, inline or as attachment, nested at most
:data:`MAX_FORWARD_DEPTH` deep) are opened and the first package found there is read;
the MSSanté headers are then those of the forwarded message, ``forwarded_from`` names its
author, and a warning says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Final

from esante.cda import CdaReadError, read_document
from esante.mss import _headers as h
from esante.mss._compose import MssAttachment
from esante.mss._xdm_model import XDM_ATTACHMENT_NAME, XdmDocument, XdmPackage
from esante.mss._xdm_read import read_xdm
from esante.mss._zip import XdmLimits
from esante.mss.errors import MssFormatError
from esante.xds import EbxmlSchema

DEFAULT_MAX_MESSAGE_BYTES: Final = 64 * 1024 * 1024
MAX_PARTS: Final = 200
MAX_FORWARD_DEPTH: Final = 3
FORWARDED: Final = "Forwarded"
"""The ``warnings`` key of a package read from a forwarded (``message/rfc822``) message."""


@dataclass(frozen=True)
class ReceivedMessage:
    """A received MSSanté message, checked.

    ``xdm`` is the read IHE_XDM.ZIP (``None`` without one); ``attachments`` every other
    attached file (the PDF copies...). ``product_reference`` is ``X-MSS-NIL``,
    ``cda_codes`` ``X-MSS-CODECDA``, ``ins_qualified`` ``X-MSS-INS`` (``None`` when
    absent), ``patient_reply_blocked`` ``X-MSS-MES: FIN``; ``warnings`` lists what a
    non-strict read let through (``<header>: <French remark>``); ``forwarded_from`` the
    author of the attached message the IHE_XDM.ZIP was found in (None when it was in the
    message itself).
    """

    message_id: str
    sender: str
    sender_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime
    body: str
    xdm: XdmPackage | None = None
    attachments: tuple[MssAttachment, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    product_reference: str | None = None
    cda_codes: tuple[str, ...] = ()
    ins_qualified: bool | None = None
    patient_reply_blocked: bool = False
    disposition_notification_to: str | None = None
    warnings: tuple[str, ...] = ()
    forwarded_from: str | None = None
    message: EmailMessage = field(default_factory=EmailMessage, repr=False, compare=False)

    @property
    def documents(self) -> tuple[XdmDocument, ...]:
        """The documents of the IHE_XDM.ZIP (empty without one)."""
        return () if self.xdm is None else self.xdm.documents

    @property
    def wants_mdn(self) -> bool:
        """True when the sender asked for an acknowledgement (Disposition-Notification-To)."""
        return self.disposition_notification_to is not None


def parse_bytes(raw: bytes, max_bytes: int) -> EmailMessage:
    """Parse ``raw`` (at most ``max_bytes``) into an :class:`EmailMessage`."""
    if not isinstance(raw, bytes | bytearray):
        raise MssFormatError("Message MSSanté : contenu binaire attendu.", field="message")
    if len(raw) > max_bytes:
        raise MssFormatError(
            "Message MSSanté trop volumineux.",
            detail=f"{len(raw)} bytes > max_bytes {max_bytes}",
            field="message",
        )
    parsed = BytesParser(policy=policy.default).parsebytes(bytes(raw))
    assert isinstance(parsed, EmailMessage)
    return parsed


def leaf_parts(message: Message) -> Iterator[Message]:
    """The non-multipart parts, without entering attached messages; bounded in number."""
    count = 0
    stack: list[Message] = [message]
    while stack:
        part = stack.pop(0)
        count += 1
        if count > MAX_PARTS:
            raise MssFormatError(
                "Message MSSanté : trop de parties MIME.",
                detail=f"more than {MAX_PARTS} MIME parts",
                field="Content-Type",
            )
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            payload = part.get_payload()
            assert isinstance(payload, list)
            stack[0:0] = [p for p in payload if isinstance(p, Message)]
        else:
            yield part


def part_bytes(part: Message) -> bytes:
    """The decoded content of a part (an attached message as its bytes)."""
    if part.get_content_maintype() == "message":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        return inner.as_bytes(policy=policy.SMTP) if isinstance(inner, Message) else b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def header(message: Message, name: str) -> str | None:
    """The single value of header ``name`` (unfolded), ``None`` when absent.

    Raises :class:`MssFormatError` when the header is repeated.
    """
    values = message.get_all(name) or []
    if len(values) > 1:
        raise MssFormatError(
            f"En-tête {name} répété dans le message.", detail=f"{len(values)} {name}", field=name
        )
    return None if not values else h.one_line(str(values[0]))


def required(message: Message, name: str) -> str:
    """Header ``name``, or :class:`MssFormatError` naming it."""
    value = header(message, name)
    if not value:
        raise MssFormatError(
            f"En-tête obligatoire absent du message : {name}.",
            detail=f"no {name} header",
            field=name,
        )
    return value


def addresses(message: Message, name: str) -> tuple[tuple[str, str], ...]:
    """(address, display name) of each mailbox of an address header."""
    values = [str(v) for v in message.get_all(name) or []]
    return tuple((address, name) for name, address in getaddresses(values) if "@" in address)


def message_date(message: Message) -> datetime:
    """The ``Date`` header as a datetime (:class:`MssFormatError` when absent or bad)."""
    value = required(message, "Date")
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise MssFormatError(
            "En-tête Date illisible.", detail=f"Date {value!r}: {exc}", field="Date"
        ) from exc


def _cda_codes(package: XdmPackage) -> list[str]:
    codes: list[str] = []
    for document in package.documents:
        if not document.is_cda:
            continue
        try:
            codes.append(read_document(document.data).type_code.code)
        except CdaReadError:
            if document.entry.type_code is not None:
                codes.append(document.entry.type_code.code)
    return codes


class _Checker:
    """Collects MSSanté header problems: raised in strict mode, else kept as warnings."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.warnings: list[str] = []

    def problem(self, message: str, detail: str, name: str) -> None:
        if self.strict:
            raise MssFormatError(message, detail=detail, field=name)
        self.warnings.append(f"{name}: {message}")


def _mss_headers(
    message: Message, package: XdmPackage | None, checker: _Checker
) -> tuple[str | None, tuple[str, ...], bool | None, bool]:
    nil = header(message, h.MSS_NIL)
    if not nil:
        checker.problem(
            f"En-tête obligatoire absent du message : {h.MSS_NIL}.",
            f"no {h.MSS_NIL} header",
            h.MSS_NIL,
        )
    codes_value = header(message, h.MSS_CODECDA)
    codes = tuple(c.strip() for c in (codes_value or "").split(",") if c.strip())
    ins_value = header(message, h.MSS_INS)
    expected = _cda_codes(package) if package is not None else []
    if expected:
        if codes_value is None:
            checker.problem(
                f"En-tête obligatoire absent du message : {h.MSS_CODECDA}.",
                f"no {h.MSS_CODECDA} header with CDA documents in the IHE_XDM.ZIP",
                h.MSS_CODECDA,
            )
        elif set(codes) != set(expected):
            checker.problem(
                f"L'en-tête {h.MSS_CODECDA} ne correspond pas aux documents de l'archive.",
                f"{h.MSS_CODECDA} {list(codes)} != document codes {expected}",
                h.MSS_CODECDA,
            )
        if ins_value is None:
            checker.problem(
                f"En-tête obligatoire absent du message : {h.MSS_INS}.",
                f"no {h.MSS_INS} header with CDA documents in the IHE_XDM.ZIP",
                h.MSS_INS,
            )
    if ins_value is not None and ins_value not in ("O", "N"):
        checker.problem(
            f"Valeur de l'en-tête {h.MSS_INS} invalide (O ou N attendu).",
            f"{h.MSS_INS} {ins_value!r}",
            h.MSS_INS,
        )
    mes = header(message, h.MSS_MES)
    if mes is not None and mes != h.MES_NO_REPLY:
        checker.problem(
            f"Valeur de l'en-tête {h.MSS_MES} invalide (FIN attendu).",
            f"{h.MSS_MES} {mes!r}",
            h.MSS_MES,
        )
    ins = None if ins_value not in ("O", "N") else ins_value == "O"
    return nil, codes, ins, mes == h.MES_NO_REPLY


def _scan(
    message: Message,
    body_part: Message | None,
    limits: XdmLimits | None,
    schema: EbxmlSchema | None,
) -> tuple[XdmPackage | None, list[MssAttachment]]:
    """The IHE_XDM.ZIP (read) and the other attachments of ``message``'s own parts."""
    package: XdmPackage | None = None
    attachments: list[MssAttachment] = []
    for part in leaf_parts(message):
        if part is body_part:
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_disposition() != "attachment":
            continue
        name = h.one_line(filename or "")
        data = part_bytes(part)
        if name.casefold() == XDM_ATTACHMENT_NAME.casefold():
            if package is not None:
                raise MssFormatError(
                    "Le message contient plusieurs archives IHE_XDM.ZIP.",
                    detail="more than one IHE_XDM.ZIP attachment",
                    field=XDM_ATTACHMENT_NAME,
                )
            package = read_xdm(data, limits=limits, schema=schema)
            continue
        attachments.append(MssAttachment(name, part.get_content_type(), data))
    return package, attachments


def _attached_messages(message: Message) -> list[Message]:
    """The messages attached to ``message`` (``message/rfc822`` parts, any disposition)."""
    found: list[Message] = []
    for part in leaf_parts(message):
        if part.get_content_type() != "message/rfc822":
            continue
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            found.append(inner)
    return found


def _forwarded_package(
    message: Message, limits: XdmLimits | None, schema: EbxmlSchema | None
) -> tuple[Message, XdmPackage, list[MssAttachment]] | None:
    """The first attached message holding an IHE_XDM.ZIP, breadth first, bounded depth."""
    level = _attached_messages(message)
    for _ in range(MAX_FORWARD_DEPTH):
        deeper: list[Message] = []
        for inner in level:
            body = (
                inner.get_body(preferencelist=("plain",))
                if isinstance(inner, EmailMessage)
                else None
            )
            package, attachments = _scan(inner, body, limits, schema)
            if package is not None:
                return inner, package, attachments
            deeper.extend(_attached_messages(inner))
        level = deeper
    return None


def read_message(
    raw: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    limits: XdmLimits | None = None,
    schema: EbxmlSchema | None = None,
    strict: bool = True,
) -> ReceivedMessage:
    """Read and check a received MSSanté message (see the module docstring).

    ``limits`` bound the IHE_XDM.ZIP; ``schema`` validates its metadata against the ebRIM
    XSDs when given. Raises :class:`~esante.mss.errors.MssFormatError` naming the header
    at fault, or :class:`~esante.mss.errors.XdmError` for a bad package.
    """
    message = parse_bytes(raw, max_bytes)
    senders = addresses(message, "From")
    required(message, "From")
    if len(senders) != 1:
        raise MssFormatError(
            "En-tête From invalide : une seule adresse d'expéditeur attendue.",
            detail=f"From has {len(senders)} usable mailboxes",
            field="From",
        )
    message_id = h.check_message_id(
        required(message, "Message-ID"), field="Message-ID", error=MssFormatError
    )
    date = message_date(message)
    body_part = message.get_body(preferencelist=("plain",))
    body = ""
    if body_part is not None and isinstance(body_part, EmailMessage):
        content = body_part.get_content()
        body = content.replace("\r\n", "\n") if isinstance(content, str) else ""
    package, attachments = _scan(message, body_part, limits, schema)
    carrier: Message = message
    forwarded_from: str | None = None
    if package is None:
        found = _forwarded_package(message, limits, schema)
        if found is not None:
            carrier, package, inner_attachments = found
            attachments = [a for a in attachments if not a.content_type.startswith("message/")]
            attachments.extend(inner_attachments)
            authors = addresses(carrier, "From")
            forwarded_from = authors[0][0] if authors else None
    checker = _Checker(strict)
    if package is not None and carrier is not message:
        checker.warnings.append(
            f"{FORWARDED}: archive IHE_XDM.ZIP lue dans le message transféré"
            + (f" de {forwarded_from}" if forwarded_from else "")
            + " ; en-têtes MSSanté lus dans ce message."
        )
    nil, codes, ins, blocked = _mss_headers(carrier, package, checker)
    notify = addresses(message, h.DISPOSITION_NOTIFICATION_TO)
    in_reply_to = header(message, "In-Reply-To")
    return ReceivedMessage(
        message_id=message_id,
        sender=senders[0][0],
        sender_name=senders[0][1],
        to=tuple(a for a, _ in addresses(message, "To")),
        cc=tuple(a for a, _ in addresses(message, "Cc")),
        subject=header(message, "Subject") or "",
        date=date,
        body=body,
        xdm=package,
        attachments=tuple(attachments),
        in_reply_to=next(iter(h.message_ids(in_reply_to)), None),
        references=h.message_ids(header(message, "References")),
        product_reference=nil,
        cda_codes=codes,
        ins_qualified=ins,
        patient_reply_blocked=blocked,
        disposition_notification_to=notify[0][0] if notify else None,
        warnings=tuple(checker.warnings),
        forwarded_from=forwarded_from,
        message=message,
    )
