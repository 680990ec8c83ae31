"""SOAP envelopes: build (SOAP 1.2), parse (1.2 and 1.1), and faults as typed errors.

The DMP speaks SOAP 1.2 (W3C SOAP Version 1.2 Part 1, §5 envelope, §5.4 fault) with
WS-Addressing headers; esante builds only 1.2 envelopes with lxml. Parsing also accepts
SOAP 1.1 because one official DMP example (the TD2.1 MTOM request of the DMP kit) uses the
1.1 namespace. Every envelope read from outside goes through :func:`esante.safexml.parse_xml`.

A fault becomes :class:`Fault` (code, subcodes, reason, detail) and then, with
:func:`fault_error`, the exception the caller branches on: soap:Receiver is a
:class:`~esante.transport.errors.ReceiverFaultError` (transient), every other code a
:class:`~esante.transport.errors.SenderFaultError` (permanent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from esante.safexml import XmlError, parse_xml
from esante.transport.errors import (
    MessageError,
    ReceiverFaultError,
    SenderFaultError,
    SoapFaultError,
)

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
WSA_NS = "http://www.w3.org/2005/08/addressing"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
XML_NS = "http://www.w3.org/XML/1998/namespace"

SOAP12_CONTENT_TYPE = "application/soap+xml"
SOAP11_CONTENT_TYPE = "text/xml"

SoapVersion = Literal["1.1", "1.2"]
FaultCode = Literal[
    "VersionMismatch", "MustUnderstand", "DataEncodingUnknown", "Sender", "Receiver"
]

_VERSIONS: dict[str, SoapVersion] = {SOAP12_NS: "1.2", SOAP11_NS: "1.1"}
_FAULT_CODES: frozenset[str] = frozenset(
    {"VersionMismatch", "MustUnderstand", "DataEncodingUnknown", "Sender", "Receiver"}
)
# SOAP 1.1 spelled the two main codes Client / Server.
_SOAP11_CODES: dict[str, str] = {"Client": "Sender", "Server": "Receiver"}


@dataclass(frozen=True)
class Fault:
    """A SOAP fault. ``subcodes`` are Clark names (``{ns}local``), outermost first."""

    code: str
    reason: str
    subcodes: tuple[str, ...] = ()
    reason_lang: str | None = None
    node: str | None = None
    role: str | None = None
    detail: etree._Element | None = None

    @property
    def is_receiver(self) -> bool:
        """True for soap:Receiver, the only code worth retrying."""
        return self.code == "Receiver"


@dataclass(frozen=True)
class Addressing:
    """The WS-Addressing headers of an envelope (``None`` when absent)."""

    action: str | None = None
    message_id: str | None = None
    to: str | None = None
    relates_to: str | None = None
    reply_to: str | None = None


@dataclass(frozen=True)
class Envelope:
    """A parsed SOAP envelope. ``root`` is the live lxml element (do not share it mutated)."""

    root: etree._Element
    version: SoapVersion

    @property
    def namespace(self) -> str:
        return SOAP12_NS if self.version == "1.2" else SOAP11_NS

    @property
    def header(self) -> etree._Element | None:
        return self.root.find(f"{{{self.namespace}}}Header")

    @property
    def body(self) -> etree._Element:
        body = self.root.find(f"{{{self.namespace}}}Body")
        assert body is not None  # checked by envelope_from_element
        return body

    @property
    def payload(self) -> etree._Element | None:
        """The first element child of the Body (the operation or response), if any."""
        for child in self.body:
            if isinstance(child.tag, str):
                return child
        return None

    def header_blocks(self, tag: str) -> list[etree._Element]:
        """Header children whose Clark name is ``tag``."""
        header = self.header
        if header is None:
            return []
        return [child for child in header if child.tag == tag]

    @property
    def addressing(self) -> Addressing:
        def text(local: str) -> str | None:
            blocks = self.header_blocks(f"{{{WSA_NS}}}{local}")
            if not blocks:
                return None
            return (blocks[0].text or "").strip()

        reply_to = None
        for block in self.header_blocks(f"{{{WSA_NS}}}ReplyTo"):
            reply_to = (block.findtext(f"{{{WSA_NS}}}Address") or "").strip()
        return Addressing(
            action=text("Action"),
            message_id=text("MessageID"),
            to=text("To"),
            relates_to=text("RelatesTo"),
            reply_to=reply_to,
        )

    @property
    def fault(self) -> Fault | None:
        payload = self.payload
        if payload is None or payload.tag != f"{{{self.namespace}}}Fault":
            return None
        if self.version == "1.2":
            return _read_fault12(payload)
        return _read_fault11(payload)

    def to_bytes(self) -> bytes:
        """Serialize as UTF-8 with an XML declaration (never pretty-printed: signatures hold)."""
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")


def build_envelope(
    payload: etree._Element | None = None, headers: Sequence[etree._Element] = ()
) -> Envelope:
    """Build a SOAP 1.2 envelope around ``payload`` with the given header blocks (copied)."""
    root = etree.Element(f"{{{SOAP12_NS}}}Envelope", nsmap={"soap": SOAP12_NS})
    header = etree.SubElement(root, f"{{{SOAP12_NS}}}Header")
    for block in headers:
        header.append(_copy(block))
    body = etree.SubElement(root, f"{{{SOAP12_NS}}}Body")
    if payload is not None:
        body.append(_copy(payload))
    return Envelope(root=root, version="1.2")


def build_fault(
    code: FaultCode,
    reason: str,
    *,
    subcodes: Sequence[str] = (),
    lang: str = "fr",
    detail: Sequence[etree._Element] = (),
    headers: Sequence[etree._Element] = (),
) -> Envelope:
    """Build a SOAP 1.2 fault envelope (what a server, e.g. the sandbox, answers).

    ``subcodes`` are Clark names (``{namespace}local``), outermost first; they are written
    as QNames with generated prefixes.
    """
    if code not in _FAULT_CODES:
        raise ValueError(f"unknown SOAP 1.2 fault code {code!r}")
    s = SOAP12_NS
    fault = etree.Element(f"{{{s}}}Fault", nsmap={"soap": s})
    code_el = etree.SubElement(fault, f"{{{s}}}Code")
    etree.SubElement(code_el, f"{{{s}}}Value").text = f"soap:{code}"
    parent = code_el
    for index, sub in enumerate(subcodes):
        qname = etree.QName(sub)
        prefix = f"sc{index}"
        sub_el = etree.SubElement(parent, f"{{{s}}}Subcode")
        if qname.namespace:
            value = etree.SubElement(sub_el, f"{{{s}}}Value", nsmap={prefix: qname.namespace})
            value.text = f"{prefix}:{qname.localname}"
        else:
            value = etree.SubElement(sub_el, f"{{{s}}}Value")
            value.text = qname.localname
        parent = sub_el
    reason_el = etree.SubElement(fault, f"{{{s}}}Reason")
    text = etree.SubElement(reason_el, f"{{{s}}}Text")
    text.set(f"{{{XML_NS}}}lang", lang)
    text.text = reason
    if detail:
        detail_el = etree.SubElement(fault, f"{{{s}}}Detail")
        for item in detail:
            detail_el.append(_copy(item))
    return build_envelope(fault, headers)


def parse_envelope(data: bytes, *, what: str = "message SOAP", max_bytes: int) -> Envelope:
    """Parse untrusted bytes as a SOAP envelope (1.2 or 1.1).

    Raises :class:`~esante.transport.errors.MessageError` (chaining the XmlError) when the
    bytes are not well-formed XML, too large, or not a SOAP envelope with a Body.
    """
    try:
        root = parse_xml(data, what=what, max_bytes=max_bytes)
    except XmlError as exc:
        raise MessageError(exc.message, detail=exc.detail, field=exc.field) from exc
    return envelope_from_element(root, what=what)


def envelope_from_element(root: etree._Element, *, what: str = "message SOAP") -> Envelope:
    """Check that ``root`` is a SOAP Envelope with a Body and wrap it."""
    qname = etree.QName(root)
    version = _VERSIONS.get(qname.namespace or "")
    if qname.localname != "Envelope" or version is None:
        raise MessageError(
            f"{what} : ce n'est pas une enveloppe SOAP.",
            detail=f"root element is {root.tag!r}, expected a SOAP 1.2 or 1.1 Envelope",
        )
    if root.find(f"{{{qname.namespace}}}Body") is None:
        raise MessageError(f"{what} : enveloppe SOAP sans Body.", detail="soap:Body missing")
    return Envelope(root=root, version=version)


def fault_error(fault: Fault) -> SoapFaultError:
    """The exception for ``fault``: ReceiverFaultError (transient) or SenderFaultError."""
    subcodes = ", ".join(fault.subcodes)
    detail = f"SOAP fault {fault.code}" + (f" [{subcodes}]" if subcodes else "")
    detail += f": {fault.reason}"
    if fault.is_receiver:
        return ReceiverFaultError(
            f"Le service distant n'a pas pu traiter la demande : {fault.reason}",
            fault=fault,
            detail=detail,
        )
    return SenderFaultError(
        f"Le service distant a refusé la demande : {fault.reason}", fault=fault, detail=detail
    )


def _copy(element: etree._Element) -> etree._Element:
    # A serialization round trip keeps the namespace declarations an element needs
    # (including QName values in text) without dragging its old tree along.
    return etree.fromstring(etree.tostring(element))


def _resolve_qname(element: etree._Element) -> str:
    """The Clark name of a QName written as element text (``prefix:local``)."""
    value = (element.text or "").strip()
    prefix, _, local = value.rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    return f"{{{namespace}}}{local}" if namespace else local


def _read_fault12(fault: etree._Element) -> Fault:
    s = SOAP12_NS
    code_value = fault.find(f"{{{s}}}Code/{{{s}}}Value")
    if code_value is None:
        raise MessageError(
            "Faute SOAP mal formée (code absent).", detail="soap:Fault without Code/Value"
        )
    code = etree.QName(_resolve_qname(code_value)).localname
    subcodes: list[str] = []
    parent = fault.find(f"{{{s}}}Code")
    while parent is not None:
        sub = parent.find(f"{{{s}}}Subcode")
        if sub is None:
            break
        value = sub.find(f"{{{s}}}Value")
        if value is not None:
            subcodes.append(_resolve_qname(value))
        parent = sub
    texts = fault.findall(f"{{{s}}}Reason/{{{s}}}Text")
    chosen = next((t for t in texts if t.get(f"{{{XML_NS}}}lang", "").startswith("fr")), None)
    if chosen is None and texts:
        chosen = texts[0]
    return Fault(
        code=code,
        subcodes=tuple(subcodes),
        reason=(chosen.text or "").strip() if chosen is not None else "",
        reason_lang=chosen.get(f"{{{XML_NS}}}lang") if chosen is not None else None,
        node=fault.findtext(f"{{{s}}}Node"),
        role=fault.findtext(f"{{{s}}}Role"),
        detail=fault.find(f"{{{s}}}Detail"),
    )


def _read_fault11(fault: etree._Element) -> Fault:
    code_el = fault.find("faultcode")
    local = etree.QName(_resolve_qname(code_el)).localname if code_el is not None else "Receiver"
    # "Client.Authentication" style dotted codes keep their first segment.
    head = local.split(".", 1)[0]
    return Fault(
        code=_SOAP11_CODES.get(head, head),
        reason=(fault.findtext("faultstring") or "").strip(),
        role=fault.findtext("faultactor"),
        detail=fault.find("detail"),
    )
