"""MSSanté acknowledgements: RFC 8098 Message Disposition Notifications (MDN).

CI-SIS "Transmission au LPS d'un document CDA provenant d'un courriel MSSanté",
"Structure d'un MDN": an MDN is sent only when the original message asked for one
(``Disposition-Notification-To``); it is a ``multipart/report;
report-type=disposition-notification`` of three parts, followed by the original
attachments (IHE_XDM.ZIP, PDF):

1. French text readable by a person; in error, the error code and label;
2. ``message/disposition-notification``: ``Final-Recipient`` and ``Disposition``
   (mandatory), ``Original-Message-ID`` and ``Original-Recipient`` (required by the
   volet so that the sender's platform can match the MDN to what it sent; the
   ``Original-Recipient`` header of the original when its MTA gave one, else the
   mailbox that received it, which is then also the original recipient)::

       Disposition: automatic-action/MDN-sent-automatically; processed
       Disposition: automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant…

   The error form is the volet's; the RFC 8098 ``Error:`` field carries the same
   ``code^libellé`` for generic readers;
3. the original message (``message/rfc822``).

An MDN is submitted with the null envelope sender ``MAIL FROM:<>`` (RFC 8098 §3:
``MssClient.send(..., null_sender=True)``), so that no notification ever answers it.

Subject: the original's (``XDM/1.0/DDM+…``), prefixed in error by
``[KO Intégration système !][<code>]``. Codes: the volet's tables messageErrorCondition
(HL7, 0-207) and applicationErrorCondition (900-906), see :data:`ERROR_LABELS`.

:func:`build_mdn` answers a :class:`~esante.mss.message.ReceivedMessage`;
:func:`read_mdn` reads a received MDN into a :class:`ReceivedMdn`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message, MIMEPart
from email.utils import format_datetime, parsedate_to_datetime
from enum import StrEnum
from typing import Final

from esante import __version__
from esante.mss import _headers as h
from esante.mss._compose import ComposedMessage
from esante.mss._receive import (
    DEFAULT_MAX_MESSAGE_BYTES,
    ReceivedMessage,
    addresses,
    header,
    leaf_parts,
    parse_bytes,
)
from esante.mss._xdm_model import XDM_ATTACHMENT_NAME
from esante.mss.errors import MssFormatError, MssSendError

__all__ = [
    "Disposition",
    "DispositionType",
    "ERROR_LABELS",
    "MdnError",
    "ReceivedMdn",
    "build_mdn",
    "is_mdn",
    "read_mdn",
]

REPORT_TYPE: Final = "disposition-notification"
AUTOMATIC: Final = ("automatic-action", "MDN-sent-automatically")
MANUAL: Final = ("manual-action", "MDN-sent-manually")

ERROR_LABELS: Final[dict[str, str]] = {
    "0": "Message accepted",
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "198": "Non-conformant cardinality",
    "199": "Other HL7 Error",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "202": "Unsupported processing",
    "203": "Unsupported version",
    "207": "Application error",
    "900": "Version du document incorrecte lors d'une demande de remplacement/suppression",
    "901": "Auteur non autorisé à remplacer ou supprimer un document",
    "902": "Identifiant patient inconnu",
    "903": "INS non présent dans le document",
    "904": "L'INS transmis ne correspond pas exactement à celui stocké dans la base du "
    "consommateur",
    "905": "L'INS transmis n'est pas complet",
    "906": "Erreur 'Autre'",
}
"""Labels of the volet's error tables: messageErrorCondition (HL7 v2, labels as the
table gives them) and applicationErrorCondition (900-906, French)."""


class DispositionType(StrEnum):
    """What happened to the message at the recipient (RFC 8098 §3.2.6.2)."""

    DISPLAYED = "displayed"
    DELETED = "deleted"
    DISPATCHED = "dispatched"
    PROCESSED = "processed"


@dataclass(frozen=True, slots=True)
class MdnError:
    """An integration error: ``code`` and ``label`` (``code^libellé``)."""

    code: str
    label: str

    @classmethod
    def of(cls, code: str) -> MdnError:
        """The error ``code`` with its label from :data:`ERROR_LABELS`."""
        return cls(code, ERROR_LABELS.get(code, ""))

    def to_field(self) -> str:
        """``code^libellé``."""
        return f"{self.code}^{self.label}" if self.label else self.code

    @classmethod
    def parse(cls, text: str) -> MdnError:
        """Read ``code^libellé[^…][| …]`` (the volet's example adds HL7 ERR components)."""
        components = h.one_line(text).split("|")[0].split("^")
        return cls(components[0].strip(), components[1].strip() if len(components) > 1 else "")


@dataclass(frozen=True, slots=True)
class Disposition:
    """The ``Disposition`` field: modes, type, modifiers and, in error, the error."""

    type: str = DispositionType.PROCESSED
    action_mode: str = AUTOMATIC[0]
    sending_mode: str = AUTOMATIC[1]
    modifiers: tuple[str, ...] = ()
    error: MdnError | None = None

    @property
    def is_error(self) -> bool:
        """True when the recipient reports an error."""
        return self.error is not None or "error" in (m.lower() for m in self.modifiers)

    @property
    def automatic(self) -> bool:
        """True when the message was processed without a person."""
        return self.action_mode.lower() == AUTOMATIC[0]

    def to_field(self) -> str:
        """The field value, the volet's error form included."""
        value = f"{self.action_mode}/{self.sending_mode}; {self.type}"
        if self.error is not None:
            return f"{value}/Error: {self.error.to_field()}"
        return value + (f"/{','.join(self.modifiers)}" if self.modifiers else "")


_DISPOSITION = re.compile(
    r"\s*(?P<action>[A-Za-z-]+)\s*/\s*(?P<sending>[A-Za-z-]+)\s*;\s*(?P<type>[A-Za-z-]+)"
    r"\s*(?:/\s*(?P<rest>.*))?",
    re.DOTALL,
)
_ERROR_INLINE = re.compile(r"error\s*(?::\s*(?P<text>.*))?", re.IGNORECASE | re.DOTALL)
_SUBJECT_CODE = re.compile(r"\[KO Intégration système !\]\[(?P<code>[^\]]+)\]")


def parse_disposition(value: str, error_field: str | None = None) -> Disposition:
    """Read a ``Disposition`` value (and the RFC 8098 ``Error`` field, when given)."""
    match = _DISPOSITION.fullmatch(h.one_line(value))
    if match is None:
        raise MssFormatError(
            "Champ Disposition de l'accusé de réception illisible.",
            detail=f"Disposition {value!r}",
            field="Disposition",
        )
    rest = (match.group("rest") or "").strip()
    modifiers: tuple[str, ...] = ()
    error_text = error_field
    inline = _ERROR_INLINE.fullmatch(rest) if rest else None
    if inline is not None:
        modifiers = ("error",)
        error_text = inline.group("text") or error_text
    elif rest:
        modifiers = tuple(m.strip() for m in rest.split(",") if m.strip())
    error = None
    if error_text and error_text.strip():
        error = MdnError.parse(error_text)
    elif "error" in (m.lower() for m in modifiers):
        error = MdnError("", "")
    return Disposition(
        type=match.group("type").lower(),
        action_mode=match.group("action"),
        sending_mode=match.group("sending"),
        modifiers=modifiers,
        error=error,
    )


@dataclass(frozen=True)
class ReceivedMdn:
    """A received acknowledgement, matched to what was sent by ``original_message_id``."""

    original_message_id: str
    final_recipient: str
    disposition: Disposition
    message_id: str | None = None
    sender: str | None = None
    subject: str = ""
    date: datetime | None = None
    original_recipient: str | None = None
    reporting_ua: str | None = None
    text: str = ""
    message: EmailMessage = field(default_factory=EmailMessage, repr=False, compare=False)

    @property
    def error(self) -> MdnError | None:
        """The error the recipient reported, if any."""
        return self.disposition.error

    @property
    def is_error(self) -> bool:
        """True for a negative acknowledgement (``processed/Error``)."""
        return self.disposition.is_error


def _address_field(value: str) -> str:
    """``rfc822;addr`` → ``addr`` (other address types kept whole)."""
    kind, sep, address = value.partition(";")
    return address.strip() if sep and kind.strip().lower() == "rfc822" else value.strip()


def is_mdn(message: bytes | Message) -> bool:
    """True for a ``multipart/report; report-type=disposition-notification`` message."""
    parsed = (
        parse_bytes(message, DEFAULT_MAX_MESSAGE_BYTES) if isinstance(message, bytes) else message
    )
    return (
        parsed.get_content_type() == "multipart/report"
        and (parsed.get_param("report-type") or "").__str__().lower() == REPORT_TYPE
    )


def _human_text(error: MdnError | None, original: ReceivedMessage) -> str:
    if error is None:
        return (
            "Bonjour,\n\nLe message ci-dessous a été reçu et traité automatiquement "
            f"(objet : {original.subject}).\n"
        )
    return (
        "Bonjour,\n\nLe message ci-dessous n'a pas pu être intégré automatiquement dans le "
        f"logiciel du destinataire pour la raison suivante : {error.label or 'erreur'}.\n"
        f"Code d'erreur : {error.code}.\n\n"
        "Veuillez vérifier les informations transmises et envoyer à nouveau les documents "
        "après correction.\n"
    )


def _fields(
    original: ReceivedMessage, final_recipient: str, disposition: Disposition, reporting_ua: str
) -> Message:
    fields = Message(policy=policy.SMTP.clone(max_line_length=998))
    fields["Reporting-UA"] = reporting_ua
    original_recipient = header(original.message, "Original-Recipient")
    fields["Original-Recipient"] = (
        f"rfc822;{_address_field(original_recipient)}"
        if original_recipient
        else f"rfc822;{final_recipient}"
    )
    fields["Final-Recipient"] = f"rfc822;{final_recipient}"
    fields["Original-Message-ID"] = original.message_id
    fields["Disposition"] = disposition.to_field()
    if disposition.error is not None:
        fields["Error"] = disposition.error.to_field()
    return fields


def build_mdn(
    original: ReceivedMessage,
    *,
    sender: str,
    product_reference: str,
    error: MdnError | None = None,
    final_recipient: str | None = None,
    disposition_type: str = DispositionType.PROCESSED,
    automatic: bool = True,
    reporting_ua: str | None = None,
    text: str | None = None,
    return_content: bool = True,
    message_id: str | None = None,
    now: datetime | None = None,
) -> ComposedMessage:
    """The MDN answering ``original``: ``processed`` or, with ``error``, ``processed/Error``.

    ``sender`` is the mailbox that processed the message (also the default
    ``final_recipient``); ``product_reference`` the ``X-MSS-NIL`` value;
    ``return_content`` appends the original message and re-attaches its IHE_XDM.ZIP and
    PDFs, as the volet asks. Raises :class:`~esante.mss.errors.MssSendError` when the
    original asked for no MDN, or when an automatic MDN would go elsewhere than the
    original's ``Return-Path`` (RFC 8098 §2.1: a person must confirm, ``automatic=False``).
    """
    target = original.disposition_notification_to
    if target is None:
        raise MssSendError(
            "L'expéditeur n'a pas demandé d'accusé de réception : pas de MDN à envoyer "
            "(utiliser un courriel standard pour signaler une erreur).",
            detail="no Disposition-Notification-To in the original message",
            field=h.DISPOSITION_NOTIFICATION_TO,
        )
    return_path = addresses(original.message, "Return-Path")
    if automatic and return_path and return_path[0][0].lower() != target.lower():
        raise MssSendError(
            "L'adresse de l'accusé de réception diffère de l'adresse de retour du message : "
            "l'envoi automatique est interdit, il doit être confirmé par l'utilisateur.",
            detail=f"Disposition-Notification-To {target} != Return-Path {return_path[0][0]}",
            field=h.DISPOSITION_NOTIFICATION_TO,
        )
    from_address = h.check_address(sender, field="sender", error=MssSendError)
    final = h.check_address(
        final_recipient or from_address, field="final_recipient", error=MssSendError
    )
    nil = h.check_token(product_reference, name=h.MSS_NIL, error=MssSendError)
    modes = AUTOMATIC if automatic else MANUAL
    disposition = Disposition(
        type=disposition_type,
        action_mode=modes[0],
        sending_mode=modes[1],
        modifiers=("error",) if error is not None else (),
        error=error,
    )
    moment = now or datetime.now(UTC)
    identifier = (
        h.new_message_id(from_address)
        if message_id is None
        else h.check_message_id(message_id, field="message_id", error=MssSendError)
    )
    subject = original.subject
    if error is not None:
        subject = h.ERROR_SUBJECT.format(code=h.one_line(error.code)) + subject
    mdn = EmailMessage()
    mdn["From"] = from_address
    mdn["To"] = target
    mdn["Date"] = format_datetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    mdn["Message-ID"] = identifier
    mdn["Subject"] = h.one_line(subject)
    mdn["In-Reply-To"] = original.message_id
    mdn["References"] = original.message_id
    mdn[h.MSS_NIL] = nil
    if automatic:
        mdn["Auto-Submitted"] = "auto-replied"
    mdn["MIME-Version"] = "1.0"
    mdn["Content-Type"] = f"multipart/report; report-type={REPORT_TYPE}"
    human = MIMEPart()
    human.set_content(
        text if text is not None else _human_text(error, original),
        charset="utf-8",
        cte="quoted-printable",
    )
    parts: list[Message | str] = [human]
    notification = MIMEPart()
    notification["Content-Type"] = f"message/{REPORT_TYPE}"
    notification.set_payload(
        [_fields(original, final, disposition, reporting_ua or f"esante; esante {__version__}")]
    )
    parts.append(notification)
    returned = MIMEPart()
    if return_content:
        returned["Content-Type"] = "message/rfc822"
        returned["Content-Disposition"] = "attachment"
        returned.set_payload([original.message])
    else:
        returned.set_content(
            _headers_only(original.message), subtype="rfc822-headers", charset="utf-8"
        )
    parts.append(returned)
    if return_content:
        parts.extend(_original_attachments(original))
    mdn.set_payload(parts)
    return ComposedMessage(
        message=mdn,
        message_id=identifier,
        sender=from_address,
        recipients=(target,),
        subject=str(mdn["Subject"]),
    )


def _headers_only(message: Message) -> str:
    return "".join(f"{name}: {value}\n" for name, value in message.items())


def _original_attachments(original: ReceivedMessage) -> list[MIMEPart]:
    parts: list[MIMEPart] = []
    if original.xdm is not None:
        data = next(
            (
                p.get_payload(decode=True)
                for p in leaf_parts(original.message)
                if (p.get_filename() or "").casefold() == XDM_ATTACHMENT_NAME.casefold()
            ),
            None,
        )
        if isinstance(data, bytes):
            part = MIMEPart()
            part.set_content(
                data, maintype="application", subtype="zip", filename=XDM_ATTACHMENT_NAME
            )
            parts.append(part)
    for attachment in original.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if maintype in ("message", "multipart"):
            continue
        part = MIMEPart()
        part.set_content(
            attachment.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename or None,
        )
        parts.append(part)
    return parts


def _notification_fields(message: Message) -> Message:
    for part in message.iter_parts() if isinstance(message, EmailMessage) else []:
        if part.get_content_type() == f"message/{REPORT_TYPE}":
            payload = part.get_payload()
            blocks = (
                [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
            )
            merged = Message(policy=policy.default)
            for block in blocks:
                for name, value in block.items():
                    if name not in merged:
                        merged[name] = value
            return merged
    raise MssFormatError(
        "Accusé de réception sans partie message/disposition-notification.",
        detail="no message/disposition-notification part in the report",
        field=f"message/{REPORT_TYPE}",
    )


def _field(fields: Message, name: str) -> str:
    value = fields.get(name)
    text = h.one_line(str(value)) if value is not None else ""
    if not text:
        raise MssFormatError(
            f"Champ obligatoire absent de l'accusé de réception : {name}.",
            detail=f"no {name} field in the disposition notification",
            field=name,
        )
    return text


def _lenient_id(value: str) -> str:
    """A Message-ID as ``<…>`` without blanks (the volet's own example has no ``@``)."""
    text = "".join(value.split()).strip("<>")
    if not text:
        raise MssFormatError(
            "Champ Original-Message-ID vide.", detail=repr(value), field="Original-Message-ID"
        )
    return f"<{text}>"


def read_mdn(raw: bytes, *, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> ReceivedMdn:
    """Read a received MDN. Raises :class:`~esante.mss.errors.MssFormatError` (``field``
    = the part or field at fault) when it is not a disposition notification or lacks
    ``Final-Recipient``, ``Disposition`` or ``Original-Message-ID``."""
    message = parse_bytes(raw, max_bytes)
    if not is_mdn(message):
        raise MssFormatError(
            "Ce message n'est pas un accusé de réception (MDN).",
            detail=f"Content-Type {message.get_content_type()!r}, "
            f"report-type {message.get_param('report-type')!r}",
            field="Content-Type",
        )
    fields = _notification_fields(message)
    error_field = fields.get("Error")
    disposition = parse_disposition(
        _field(fields, "Disposition"), None if error_field is None else str(error_field)
    )
    subject = header(message, "Subject") or ""
    if disposition.error is not None and not disposition.error.code:
        coded = _SUBJECT_CODE.search(subject)
        if coded is not None:
            disposition = Disposition(
                disposition.type,
                disposition.action_mode,
                disposition.sending_mode,
                disposition.modifiers,
                MdnError.of(coded.group("code")),
            )
    original_recipient = fields.get("Original-Recipient")
    reporting = fields.get("Reporting-UA")
    body = message.get_body(preferencelist=("plain",))
    content = body.get_content() if isinstance(body, EmailMessage) else ""
    senders = addresses(message, "From")
    date_value = header(message, "Date")
    return ReceivedMdn(
        original_message_id=_lenient_id(_field(fields, "Original-Message-ID")),
        final_recipient=_address_field(_field(fields, "Final-Recipient")),
        disposition=disposition,
        message_id=header(message, "Message-ID"),
        sender=senders[0][0] if senders else None,
        subject=subject,
        date=_date(date_value),
        original_recipient=None
        if original_recipient is None
        else _address_field(str(original_recipient)),
        reporting_ua=None if reporting is None else h.one_line(str(reporting)),
        text=content.replace("\r\n", "\n") if isinstance(content, str) else "",
        message=message,
    )


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
