"""MTOM / XOP: SOAP messages with binary attachments as ``multipart/related`` MIME.

The DMP requires MTOM for ITI-41 requests (TD2.1: the CDA and its XAdES signature travel
as attachments) and sends ITI-43 responses (TD3.2) the same way. The wire format follows
W3C SOAP MTOM (§3, HTTP binding), XOP (§3, ``xop:Include href="cid:..."``), RFC 2387
(``multipart/related``), RFC 2046 §5.1 (boundaries) and RFC 2392 (``cid:`` URLs), with the
content types the official DMP messages show::

    Content-Type: multipart/related; type="application/xop+xml"; start="<root@id>";
                  start-info="application/soap+xml"; action="..."; boundary="..."

    --boundary
    Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"; action="..."
    Content-Transfer-Encoding: binary
    Content-ID: <root@id>

    <soap:Envelope>...<xop:Include href="cid:doc@id"/>...</soap:Envelope>
    --boundary
    Content-Type: text/xml
    Content-Transfer-Encoding: binary
    Content-ID: <doc@id>

    ...bytes...
    --boundary--

The decoder is written for untrusted input: it bounds the total size, the number of parts
and the header size, accepts CRLF or bare LF line ends (files saved by tools such as
soapUI), and reports every structural problem as :class:`MessageError` naming the cause.
Parsing the root part as XML is left to :mod:`esante.transport.soap` (through safexml).
"""

from __future__ import annotations

import base64
import binascii
import quopri
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from urllib.parse import quote, unquote

from lxml import etree

from esante.transport.errors import MessageError
from esante.transport.limits import MessageLimits

XOP_NS = "http://www.w3.org/2004/08/xop/include"
XOP_INCLUDE = f"{{{XOP_NS}}}Include"
XOP_CONTENT_TYPE = "application/xop+xml"
MULTIPART_RELATED = "multipart/related"

_CID_SAFE = "@._-~!$&'()*+,;="
_ROOT_TYPES = frozenset({XOP_CONTENT_TYPE, "application/soap+xml", "text/xml"})


@dataclass(frozen=True)
class Attachment:
    """One binary MIME part referenced from the envelope by its Content-ID (without ``<>``)."""

    content_id: str
    content_type: str
    data: bytes

    @classmethod
    def create(
        cls, data: bytes, content_type: str = "application/octet-stream", *, content_id: str = ""
    ) -> Attachment:
        """An attachment with a fresh globally unique Content-ID unless one is given."""
        return cls(content_id or f"{uuid.uuid4()}@esante", content_type, data)

    @property
    def href(self) -> str:
        """The ``cid:`` URL (RFC 2392, percent-encoded) that references this part."""
        return "cid:" + quote(self.content_id, safe=_CID_SAFE)


def xop_include(attachment: Attachment) -> etree._Element:
    """A ``<xop:Include href="cid:..."/>`` element referencing ``attachment``."""
    element = etree.Element(XOP_INCLUDE, nsmap={"xop": XOP_NS})
    element.set("href", attachment.href)
    return element


def content_id_from_href(href: str) -> str:
    """The Content-ID a ``cid:`` URL designates (percent-decoded), or raise MessageError."""
    if not href.lower().startswith("cid:"):
        raise MessageError(
            "Référence de pièce jointe XOP invalide.",
            detail=f"xop:Include href {href!r} is not a cid: URL",
        )
    return unquote(href[4:])


@dataclass(frozen=True)
class MimePart:
    """A decoded body part: headers (lower-case names) and content after transfer decoding."""

    headers: Mapping[str, str]
    content: bytes

    @property
    def content_id(self) -> str | None:
        value = self.headers.get("content-id")
        return _strip_angle(value) if value else None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "text/plain")


@dataclass(frozen=True)
class MultipartRelated:
    """A decoded ``multipart/related`` message: its root part and the other parts by Content-ID."""

    root: MimePart
    attachments: Mapping[str, Attachment]


def encode_mtom(
    root_xml: bytes,
    attachments: Sequence[Attachment],
    *,
    action: str | None = None,
    boundary: str | None = None,
    root_id: str | None = None,
) -> tuple[str, bytes]:
    """Encode a SOAP 1.2 envelope and its attachments; return (Content-Type, body).

    Raises ValueError for duplicate Content-IDs (a programming error).
    """
    ids = [a.content_id for a in attachments]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate Content-ID among attachments")
    root_id = root_id or f"root.{uuid.uuid4()}@esante"
    boundary = boundary or _fresh_boundary(root_xml, attachments)
    action_param = f'; action="{_quote_param(action)}"' if action else ""
    chunks: list[bytes] = []
    root_headers = (
        f'Content-Type: {XOP_CONTENT_TYPE}; charset=UTF-8; type="application/soap+xml"'
        f"{action_param}\r\n"
        "Content-Transfer-Encoding: binary\r\n"
        f"Content-ID: <{root_id}>\r\n"
    )
    chunks += [f"--{boundary}\r\n".encode(), root_headers.encode("ascii"), b"\r\n", root_xml]
    for attachment in attachments:
        headers = (
            f"Content-Type: {attachment.content_type}\r\n"
            "Content-Transfer-Encoding: binary\r\n"
            f"Content-ID: <{attachment.content_id}>\r\n"
        )
        chunks += [f"\r\n--{boundary}\r\n".encode(), headers.encode("ascii"), b"\r\n"]
        chunks.append(attachment.data)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    content_type = (
        f'{MULTIPART_RELATED}; type="{XOP_CONTENT_TYPE}"; start="<{root_id}>"; '
        f'start-info="application/soap+xml"{action_param}; boundary="{boundary}"'
    )
    return content_type, b"".join(chunks)


def decode_multipart(
    body: bytes, content_type: str | None, *, limits: MessageLimits | None = None
) -> MultipartRelated:
    """Decode a ``multipart/related`` body into its root part and attachments.

    ``content_type`` is the HTTP Content-Type header. ``None`` is accepted for messages
    saved without their HTTP headers: the boundary is then read from the first line.

    Raises :class:`MessageError` for a message too large, without boundary, truncated,
    with too many parts, oversized or malformed part headers, an unknown transfer
    encoding, duplicate Content-IDs or a missing root part.
    """
    limits = limits or MessageLimits()
    if len(body) > limits.max_message_bytes:
        raise MessageError(
            f"Message MIME trop volumineux ({len(body)} octets, maximum "
            f"{limits.max_message_bytes}).",
            detail=f"size {len(body)} > max_message_bytes {limits.max_message_bytes}",
        )
    params: dict[str, str] = {}
    if content_type is not None:
        mime, params = parse_content_type(content_type)
        if mime != MULTIPART_RELATED:
            raise MessageError(
                "Message MIME inattendu.",
                detail=f"content type {mime!r}, expected {MULTIPART_RELATED}",
            )
        boundary = params.get("boundary", "")
    else:
        boundary = _sniff_boundary(body)
    if not boundary or len(boundary) > 200 or not boundary.isascii():
        raise MessageError(
            "Message MIME sans délimiteur (boundary) valide.",
            detail=f"boundary parameter {boundary[:80]!r} missing or invalid",
        )
    parts = list(_split_parts(body, boundary.encode("ascii"), limits))
    if not parts:
        raise MessageError("Message MIME vide.", detail="no body part found")
    start = _strip_angle(params["start"]) if params.get("start") else None
    root: MimePart | None = None
    attachments: dict[str, Attachment] = {}
    for index, part in enumerate(parts):
        cid = part.content_id
        is_root = (cid == start) if start else index == 0
        if is_root and root is None:
            root = part
            continue
        if cid is None:
            continue  # a part nobody can reference
        if cid in attachments:
            raise MessageError(
                "Message MIME invalide : identifiant de partie en double.",
                detail=f"duplicate Content-ID <{cid}>",
            )
        ctype, _ = parse_content_type(part.content_type)
        attachments[cid] = Attachment(cid, ctype, part.content)
    if root is None:
        raise MessageError(
            "Message MIME invalide : partie principale introuvable.",
            detail=f"no part with Content-ID <{start}> (start parameter)",
        )
    root_type, _ = parse_content_type(root.content_type)
    if root_type not in _ROOT_TYPES:
        raise MessageError(
            "Message MIME invalide : la partie principale n'est pas un message SOAP.",
            detail=f"root part content type {root_type!r}",
        )
    return MultipartRelated(root=root, attachments=attachments)


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    """Split a Content-Type header into the lower-case media type and its parameters."""
    message = Message()
    message["content-type"] = value
    params: dict[str, str] = {}
    for key, param in message.get_params(failobj=[])[1:]:
        params[key.lower()] = param if isinstance(param, str) else str(param)
    return message.get_content_type(), params


def _quote_param(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _strip_angle(value: str) -> str:
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    return value.strip()


def _fresh_boundary(root_xml: bytes, attachments: Sequence[Attachment]) -> str:
    while True:
        boundary = f"MIMEBoundary_{uuid.uuid4().hex}"
        token = boundary.encode()
        if token not in root_xml and all(token not in a.data for a in attachments):
            return boundary


def _sniff_boundary(body: bytes) -> str:
    first = body.lstrip(b"\r\n")[:300].split(b"\n", 1)[0].rstrip(b"\r \t")
    if not first.startswith(b"--"):
        return ""
    return first[2:].decode("latin-1")


def _split_parts(body: bytes, boundary: bytes, limits: MessageLimits) -> Iterator[MimePart]:
    delimiter = b"--" + boundary
    position = _find_delimiter(body, delimiter, 0)
    if position < 0:
        raise MessageError(
            "Message MIME invalide : délimiteur introuvable.",
            detail="no delimiter line for the announced boundary",
        )
    count = 0
    while True:
        line_end = body.find(b"\n", position)
        after = body[position + len(delimiter) : line_end if line_end >= 0 else len(body)]
        if after.startswith(b"--"):
            return  # close delimiter
        if line_end < 0:
            break  # a delimiter at the very end, without the closing "--"
        start = line_end + 1
        following = _find_delimiter(body, delimiter, start)
        if following < 0:
            break
        end = following
        if body[end - 2 : end] == b"\r\n":
            end -= 2
        elif body[end - 1 : end] == b"\n":
            end -= 1
        count += 1
        if count > limits.max_parts:
            raise MessageError(
                f"Message MIME invalide : trop de parties (maximum {limits.max_parts}).",
                detail=f"more than max_parts={limits.max_parts} parts",
            )
        yield _read_part(body[start:end], limits)
        position = following
    raise MessageError(
        "Message MIME tronqué : délimiteur de fin absent.",
        detail="missing close delimiter (--boundary--)",
    )


def _find_delimiter(body: bytes, delimiter: bytes, start: int) -> int:
    """Index of the next line that begins with ``delimiter`` (and is a delimiter line)."""
    index = body.find(delimiter, start)
    while index >= 0:
        at_line_start = index == 0 or body[index - 1 : index] == b"\n"
        rest = body[index + len(delimiter) : index + len(delimiter) + 2]
        if at_line_start and (rest in (b"--", b"\r\n", b"") or rest[:1] in (b"\n", b" ", b"\t")):
            return index
        index = body.find(delimiter, index + 1)
    return -1


def _read_part(raw: bytes, limits: MessageLimits) -> MimePart:
    if raw.startswith(b"\r\n") or raw.startswith(b"\n"):
        header_block, content = b"", raw[2:] if raw.startswith(b"\r\n") else raw[1:]
    else:
        crlf, lf = raw.find(b"\r\n\r\n"), raw.find(b"\n\n")
        candidates = [(i, 4) for i in (crlf,) if i >= 0] + [(i, 2) for i in (lf,) if i >= 0]
        if not candidates:
            raise MessageError(
                "Message MIME invalide : en-têtes de partie non terminés.",
                detail="no blank line after the part headers",
            )
        split, width = min(candidates)
        header_block, content = raw[:split], raw[split + width :]
    if len(header_block) > limits.max_part_header_bytes:
        raise MessageError(
            "Message MIME invalide : en-têtes de partie trop longs.",
            detail=f"part headers exceed {limits.max_part_header_bytes} bytes",
        )
    headers = _parse_headers(header_block)
    encoding = headers.get("content-transfer-encoding", "binary").strip().lower()
    return MimePart(headers=headers, content=_transfer_decode(content, encoding))


def _parse_headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    name = ""
    for raw_line in block.decode("latin-1").splitlines():
        if not raw_line.strip():
            continue
        if raw_line[0] in " \t" and name:
            headers[name] += " " + raw_line.strip()
            continue
        key, colon, value = raw_line.partition(":")
        if not colon or not key.strip() or " " in key.strip():
            raise MessageError(
                "Message MIME invalide : en-tête de partie illisible.",
                detail=f"malformed part header line {raw_line[:80]!r}",
            )
        name = key.strip().lower()
        headers[name] = value.strip()
    return headers


def _transfer_decode(content: bytes, encoding: str) -> bytes:
    if encoding in ("binary", "8bit", "7bit"):
        return content
    try:
        if encoding == "base64":
            return base64.b64decode(b"".join(content.split()), validate=True)
    except binascii.Error as exc:
        raise MessageError(
            "Message MIME invalide : contenu base64 corrompu.", detail=str(exc)
        ) from exc
    if encoding == "quoted-printable":
        return quopri.decodestring(content)
    raise MessageError(
        "Message MIME invalide : encodage de transfert non pris en charge.",
        detail=f"Content-Transfer-Encoding {encoding!r}",
    )
