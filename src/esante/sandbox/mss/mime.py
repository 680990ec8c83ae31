"""Raw MIME structure for IMAP: exact bytes of headers, bodies and parts, ENVELOPE, BODYSTRUCTURE.

IMAP answers ``BODY[1.2]``, ``BODY[HEADER]`` or ``BODY[2.MIME]`` with the *exact* octets of
the stored message, so parts are cut out of the raw bytes (at the header/body blank line
and at the multipart boundaries, RFC 2046 §5.1.1) rather than re-serialised by
:mod:`email`, which only reads the header fields. Depth and part counts are bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses

from esante.sandbox.mss.errors import MailboxError

MAX_DEPTH = 16
MAX_PARTS = 500
_BLANK = re.compile(rb"\r?\n\r?\n")


@dataclass
class Entity:
    """One MIME entity: its header (with the blank line) and body, exact bytes."""

    header: bytes
    body: bytes
    fields: Message
    children: list[Entity] = field(default_factory=list)
    message: Entity | None = None
    """For ``message/rfc822``: the encapsulated message."""

    @property
    def content_type(self) -> str:
        return self.fields.get_content_type()

    @property
    def is_multipart(self) -> bool:
        return self.fields.get_content_maintype() == "multipart"

    @property
    def is_message(self) -> bool:
        return self.content_type == "message/rfc822"


def parse_entity(raw: bytes, *, _depth: int = 0, _count: list[int] | None = None) -> Entity:
    """The MIME tree of ``raw`` (raises :class:`MailboxError` past the bounds)."""
    count = _count if _count is not None else [0]
    count[0] += 1
    if _depth > MAX_DEPTH or count[0] > MAX_PARTS:
        raise MailboxError("Structure MIME trop complexe.", detail="depth or part count")
    if raw.startswith((b"\r\n", b"\n")):
        header, body = b"", raw[2 if raw.startswith(b"\r\n") else 1 :]
    else:
        found = _BLANK.search(raw)
        if found is None:
            header, body = raw, b""
        else:
            header, body = raw[: found.end()], raw[found.end() :]
    fields = BytesParser().parsebytes(header, headersonly=True)
    entity = Entity(header, body, fields)
    if entity.is_multipart:
        boundary = fields.get_param("boundary")
        if isinstance(boundary, str) and boundary:
            for part in _split(body, boundary.encode("utf-8", "replace")):
                entity.children.append(parse_entity(part, _depth=_depth + 1, _count=count))
    elif entity.is_message:
        entity.message = parse_entity(body, _depth=_depth + 1, _count=count)
    return entity


def _split(body: bytes, boundary: bytes) -> list[bytes]:
    delimiter = re.compile(rb"(?:^|\r?\n)--" + re.escape(boundary) + rb"(--)?[ \t]*(?=\r?\n|$)")
    parts: list[bytes] = []
    start: int | None = None
    for found in delimiter.finditer(body):
        if start is not None:
            parts.append(body[start : found.start()])
        if found.group(1):
            return parts
        end = found.end()
        if body[end : end + 2] == b"\r\n":
            end += 2
        elif body[end : end + 1] == b"\n":
            end += 1
        start = end
    if start is not None:  # no closing delimiter: keep what came
        parts.append(body[start:])
    return parts


def find_part(entity: Entity, path: tuple[int, ...]) -> Entity | None:
    """The part at IMAP section ``path`` (``(1, 2)`` for ``1.2``), or None."""
    current = entity
    for number in path:
        if current.is_message and current.message is not None:
            inner = current.message
            if inner.is_multipart:
                if not 1 <= number <= len(inner.children):
                    return None
                current = inner.children[number - 1]
            elif number == 1:
                current = inner
            else:
                return None
        elif current.is_multipart:
            if not 1 <= number <= len(current.children):
                return None
            current = current.children[number - 1]
        elif number != 1:
            return None
    return current


# --- ENVELOPE and BODYSTRUCTURE (RFC 3501 §7.4.2), as IMAP syntax -----------------------


def quoted(value: str | bytes | None) -> str:
    """An IMAP quoted string (or NIL); non-ASCII and CR/LF are replaced."""
    if value is None:
        return "NIL"
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    text = re.sub(r"\r?\n(?=[ \t])", "", text).replace("\r", " ").replace("\n", " ").strip()
    text = text.encode("ascii", "replace").decode("ascii")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _addresses(fields: Message, name: str) -> str:
    values = fields.get_all(name)
    if not values:
        return "NIL"
    items = []
    for display, address in getaddresses([str(v) for v in values]):
        if not address:
            continue
        local, _, host = address.rpartition("@") if "@" in address else (address, "", "")
        items.append(f"({quoted(display or None)} NIL {quoted(local)} {quoted(host or None)})")
    return "(" + "".join(items) + ")" if items else "NIL"


def envelope(entity: Entity) -> str:
    """The ENVELOPE of a message."""
    fields = entity.fields

    def one(name: str) -> str:
        value = fields.get(name)
        return quoted(str(value)) if value is not None else "NIL"

    sender = _addresses(fields, "From")
    parts = [
        one("Date"),
        one("Subject"),
        sender,
        _addresses(fields, "Sender") if fields.get("Sender") else sender,
        _addresses(fields, "Reply-To") if fields.get("Reply-To") else sender,
        _addresses(fields, "To"),
        _addresses(fields, "Cc"),
        _addresses(fields, "Bcc"),
        one("In-Reply-To"),
        one("Message-ID"),
    ]
    return "(" + " ".join(parts) + ")"


def _params(fields: Message, header: str = "content-type") -> str:
    params = fields.get_params(header=header) or []
    pairs = [f"{quoted(k.upper())} {quoted(str(v))}" for k, v in params[1:] if k]
    return "(" + " ".join(pairs) + ")" if pairs else "NIL"


def _disposition(fields: Message) -> str:
    value = fields.get("Content-Disposition")
    if value is None:
        return "NIL"
    kind = str(value).split(";", 1)[0].strip().upper() or "ATTACHMENT"
    return f"({quoted(kind)} {_params(fields, 'content-disposition')})"


def body_structure(entity: Entity, *, extended: bool = True) -> str:
    """BODYSTRUCTURE (``extended``) or BODY of ``entity``."""
    fields = entity.fields
    if entity.is_multipart and entity.children:
        inner = "".join(body_structure(child, extended=extended) for child in entity.children)
        text = f"({inner} {quoted(fields.get_content_subtype().upper())}"
        if extended:
            text += f" {_params(fields)} {_disposition(fields)} NIL NIL"
        return text + ")"
    maintype = fields.get_content_maintype()
    subtype = fields.get_content_subtype()
    if maintype == "multipart":  # multipart without parts: show it as plain text
        maintype, subtype = "text", "plain"
    encoding = str(fields.get("Content-Transfer-Encoding", "7BIT")).strip().upper() or "7BIT"
    basic = (
        f"{quoted(maintype.upper())} {quoted(subtype.upper())} {_params(fields)} "
        f"{quoted(fields.get('Content-ID'))} {quoted(fields.get('Content-Description'))} "
        f"{quoted(encoding)} {len(entity.body)}"
    )
    lines = entity.body.count(b"\n")
    if entity.is_message and entity.message is not None:
        basic += (
            f" {envelope(entity.message)} "
            f"{body_structure(entity.message, extended=extended)} {lines}"
        )
    elif maintype == "text":
        basic += f" {lines}"
    if extended:
        basic += f" NIL {_disposition(fields)} NIL NIL"
    return f"({basic})"
