"""The DMP kit, read-only: official messages, WSDLs and XSDs (skips when the kit is absent).

The official messages are SOAP envelopes, one of them (TD2.1) inside a multipart MTOM
message saved by soapUI; :func:`envelope` finds the envelope in any of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from lxml import etree

from esante.safexml import parse_xml
from tests.conftest import shared_path

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
_ENVELOPE = re.compile(rb"<(?:\w+:)?Envelope\b.*?</(?:\w+:)?Envelope>", re.S)


def message_path(name: str) -> Path:
    return shared_path("dmp-kit", "messages", name)


def raw(name: str) -> bytes:
    """The bytes of dmp-kit/messages/<name>."""
    return message_path(name).read_bytes()


def envelope_bytes(name: str) -> bytes:
    """The SOAP envelope of an official message (cut out of its MIME wrapping if any)."""
    match = _ENVELOPE.search(raw(name))
    assert match is not None, name
    return match.group(0)


def envelope(name: str) -> etree._Element:
    return parse_xml(envelope_bytes(name), what=name)


def body(name: str) -> etree._Element:
    """The first element of the soap:Body of an official message."""
    root = envelope(name)
    soap_body = next(c for c in root if etree.QName(c).localname == "Body")
    return next(c for c in soap_body if isinstance(c.tag, str))


def action(name: str) -> str:
    """The wsa:Action of an official message."""
    text = envelope(name).findtext(f".//{{{WSA}}}Action")
    assert text is not None, name
    return text.strip()


def schema_dir() -> Path:
    return shared_path("dmp-kit", "annexe-wsdl-schema", "schema")


def wsdl(name: str) -> etree._Element:
    path = shared_path("dmp-kit", "annexe-wsdl-schema", "wsdl", name)
    return parse_xml(path.read_bytes(), what=name)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@lru_cache(maxsize=8)
def hl7_schema(message_type: str) -> etree.XMLSchema:
    """The NE2009 HL7 v3 schema of ``message_type`` (e.g. PRPA_IN201307UV02)."""
    path = schema_dir() / "HL7V3" / "NE2009" / "multicacheschemas" / f"{message_type}.xsd"
    return etree.XMLSchema(etree.parse(str(path), _parser()))


@lru_cache(maxsize=1)
def habilitations_schema() -> etree.XMLSchema:
    """The schema embedded in Habilitations.wsdl (setAuthorization and its response)."""
    definitions = wsdl("Habilitations.wsdl")
    xs = "{http://www.w3.org/2001/XMLSchema}schema"
    schema = next(definitions.iter(xs))
    return etree.XMLSchema(etree.fromstring(etree.tostring(schema), _parser()))


def variant(name: str, edit: Callable[[etree._Element], None]) -> bytes:
    """The envelope of the official message ``name`` after ``edit`` (for error cases)."""
    root = envelope(name)
    edit(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def paths(element: etree._Element, prefix: str = "") -> set[str]:
    """Every element path below ``element`` (Clark names joined by ``/``, no indices)."""
    found: set[str] = set()
    for child in element:
        if not isinstance(child.tag, str):
            continue
        path = f"{prefix}/{child.tag}"
        found.add(path)
        found |= paths(child, path)
    return found
