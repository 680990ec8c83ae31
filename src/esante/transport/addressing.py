"""WS-Addressing and WS-Security headers, as pure request-to-request functions.

Every DMP request carries WS-Addressing 1.0 headers (W3C WS-Addressing 1.0 SOAP Binding,
§2-3: ``Action``, ``MessageID``, ``To``, ``ReplyTo``) and a ``wsse:Security`` header
(OASIS WSS 1.0 SOAP Message Security, §5) holding the signed VIHF SAML assertion; every
response echoes ``RelatesTo`` with the request's MessageID.

Each function returns a new message and leaves its argument untouched (the envelope is
copied), so a request can be built step by step — payload, then addressing, then
security — and each step tested alone. The message id source is injectable for
deterministic tests. Inserted elements are copied without reformatting, so a signed
assertion keeps a valid signature (its exclusive canonicalization ignores the new
namespace context).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from lxml import etree

from esante.transport.messages import SoapMessage, SoapRequest
from esante.transport.soap import SOAP12_NS, WSA_NS, WSSE_NS, Envelope, envelope_from_element

ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous"
_WSA_HEADERS = ("Action", "MessageID", "To", "ReplyTo", "RelatesTo")

M = TypeVar("M", bound=SoapMessage)


def new_message_id() -> str:
    """A fresh ``urn:uuid:`` message id (the form the DMP uses)."""
    return f"urn:uuid:{uuid.uuid4()}"


def with_addressing(
    request: SoapRequest,
    *,
    action: str,
    to: str | None = None,
    reply_to: str = ANONYMOUS,
    message_id: str | None = None,
    id_source: Callable[[], str] = new_message_id,
) -> SoapRequest:
    """Return ``request`` with WS-Addressing request headers (replacing existing ones).

    ``to`` defaults to the request URL; ``Action`` is marked ``soap:mustUnderstand``.
    """
    envelope = _copy_envelope(request.envelope)
    header = _clear_wsa(envelope)
    reply = _element("ReplyTo", None)
    reply.append(_element("Address", reply_to))
    action_element = _element("Action", action)
    action_element.set(f"{{{SOAP12_NS}}}mustUnderstand", "true")
    _prepend(
        header,
        [
            _element("MessageID", message_id or id_source()),
            _element("To", to if to is not None else request.url),
            reply,
            action_element,
        ],
    )
    return replace(request, envelope=envelope)


def with_reply_addressing(
    message: M,
    *,
    action: str,
    relates_to: str | None,
    to: str = ANONYMOUS,
    message_id: str | None = None,
    id_source: Callable[[], str] = new_message_id,
) -> M:
    """Return a response with WS-Addressing reply headers (server side, e.g. the sandbox).

    ``relates_to`` is the MessageID of the request being answered.
    """
    envelope = _copy_envelope(message.envelope)
    header = _clear_wsa(envelope)
    elements = [
        _element("Action", action),
        _element("MessageID", message_id or id_source()),
        _element("To", to),
    ]
    if relates_to:
        elements.append(_element("RelatesTo", relates_to))
    _prepend(header, elements)
    return replace(message, envelope=envelope)


def with_security(request: M, *tokens: etree._Element) -> M:
    """Return ``request`` with ``tokens`` (e.g. a signed VIHF assertion) in ``wsse:Security``.

    An existing Security header is kept and the tokens are appended to it.
    """
    envelope = _copy_envelope(request.envelope)
    header = _header(envelope)
    security = header.find(f"{{{WSSE_NS}}}Security")
    if security is None:
        security = etree.SubElement(header, f"{{{WSSE_NS}}}Security", nsmap={"wsse": WSSE_NS})
    for token in tokens:
        security.append(etree.fromstring(etree.tostring(token)))
    return replace(request, envelope=envelope)


def security_tokens(envelope: Envelope) -> list[etree._Element]:
    """The elements inside the ``wsse:Security`` header(s) of ``envelope``."""
    tokens: list[etree._Element] = []
    for block in envelope.header_blocks(f"{{{WSSE_NS}}}Security"):
        tokens.extend(child for child in block if isinstance(child.tag, str))
    return tokens


def _copy_envelope(envelope: Envelope) -> Envelope:
    root = etree.fromstring(etree.tostring(envelope.root))
    return envelope_from_element(root)


def _header(envelope: Envelope) -> etree._Element:
    header = envelope.header
    if header is None:
        header = etree.Element(f"{{{envelope.namespace}}}Header")
        envelope.root.insert(0, header)
    return header


def _clear_wsa(envelope: Envelope) -> etree._Element:
    header = _header(envelope)
    wsa_tags = {f"{{{WSA_NS}}}{name}" for name in _WSA_HEADERS}
    for child in list(header):
        if child.tag in wsa_tags:
            header.remove(child)
    return header


def _element(local: str, text: str | None) -> etree._Element:
    element = etree.Element(f"{{{WSA_NS}}}{local}", nsmap={"wsa": WSA_NS})
    if text is not None:
        element.text = text
    return element


def _prepend(header: etree._Element, elements: list[etree._Element]) -> None:
    """Put the addressing headers first, before any security header (as the DMP examples do)."""
    for index, element in enumerate(elements):
        header.insert(index, element)
