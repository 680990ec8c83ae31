"""Read the official DMP example messages (dmp-kit/messages): SOAP body and MIME parts.

The kit files are SOAP envelopes, some wrapped in a multipart/related MTOM message
(TD2.1). This helper is deliberately small and independent of esante.transport: it
finds the envelope, parses it with esante.safexml and returns the first Body child, plus
the MIME parts by Content-ID.
"""

from __future__ import annotations

import re

from lxml import etree

from esante.safexml import parse_xml
from tests.conftest import shared_path

_ENVELOPE = re.compile(rb"<(?:\w+:)?Envelope\b.*?</(?:\w+:)?Envelope>", re.S)
_PART = re.compile(rb"Content-ID:\s*<([^>]+)>\r?\n(?:[^\r\n]*\r?\n)*?\r?\n")


def raw(name: str) -> bytes:
    """The bytes of dmp-kit/messages/<name> (skips when the kit is absent)."""
    return shared_path("dmp-kit", "messages", name).read_bytes()


def body(name: str) -> etree._Element:
    """The payload (first child of soap:Body) of an official message."""
    match = _ENVELOPE.search(raw(name))
    assert match is not None, name
    envelope = parse_xml(match.group(0), what=name)
    soap_body = next(child for child in envelope if etree.QName(child).localname == "Body")
    return next(child for child in soap_body if isinstance(child.tag, str))


def attachments(name: str) -> dict[str, bytes]:
    """The MIME parts of an official multipart message, by Content-ID (without <>)."""
    data = raw(name)
    boundary = data.split(b"\n", 1)[0].strip()
    parts: dict[str, bytes] = {}
    for part in data.split(boundary):
        match = _PART.search(part)
        if match:
            content = part[match.end() :]
            parts[match.group(1).decode()] = content.rstrip(b"\r\n")
    return parts


def schema_dir() -> str:
    """The DMP kit's XSD directory (annexe-wsdl-schema/schema)."""
    return str(shared_path("dmp-kit", "annexe-wsdl-schema", "schema"))
