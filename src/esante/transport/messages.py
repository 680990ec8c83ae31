"""SOAP requests and responses, and their encoding to and from HTTP bodies.

:class:`SoapRequest` / :class:`SoapResponse` are what callers build and read: an
:class:`~esante.transport.soap.Envelope` plus its MTOM attachments. :class:`WireRequest`
/ :class:`WireResponse` are what travels: a Content-Type and bytes. The four codec
functions convert between them, for both sides of the wire:

=================  ======================  =====================================
side               sends                   reads
=================  ======================  =====================================
client (LPS)       :func:`encode_request`  :func:`decode_response`
server (sandbox)   :func:`encode_response` :func:`decode_request`
=================  ======================  =====================================

Keeping the codec apart from the network code means the in-process transport used in
unit tests runs exactly the bytes the HTTPS transport sends. SOAP 1.2 over HTTP (SOAP 1.2
Part 2, §7) carries the action as the ``action`` parameter of ``application/soap+xml``;
with MTOM it is a parameter of the multipart Content-Type and of the root part.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from esante.transport.errors import HttpError, MessageError, ServerError
from esante.transport.limits import MessageLimits
from esante.transport.mtom import (
    MULTIPART_RELATED,
    XOP_INCLUDE,
    Attachment,
    content_id_from_href,
    decode_multipart,
    encode_mtom,
    parse_content_type,
)
from esante.transport.soap import (
    SOAP11_CONTENT_TYPE,
    SOAP12_CONTENT_TYPE,
    Envelope,
    Fault,
    fault_error,
    parse_envelope,
)

_SOAP_TYPES = frozenset({SOAP12_CONTENT_TYPE, SOAP11_CONTENT_TYPE})
_TRANSIENT_STATUS = frozenset({408, 429})


@dataclass(frozen=True, kw_only=True)
class SoapMessage:
    """An envelope and the attachments its ``xop:Include`` elements reference."""

    envelope: Envelope
    attachments: tuple[Attachment, ...] = ()
    mtom: bool = False

    @property
    def action(self) -> str | None:
        """The WS-Addressing Action of the envelope."""
        return self.envelope.addressing.action

    def attachment(self, content_id: str) -> Attachment:
        """The attachment with this Content-ID, or raise MessageError."""
        for candidate in self.attachments:
            if candidate.content_id == content_id:
                return candidate
        raise MessageError(
            "Pièce jointe introuvable dans le message.",
            detail=f"no MIME part with Content-ID <{content_id}>",
        )

    def binary_content(self, element: etree._Element) -> bytes:
        """The bytes an element carries: its XOP attachment, or its base64 text.

        This is how ``xds:Document`` contents are read whether the peer used MTOM or not.
        Raises :class:`MessageError` for an unresolved reference or corrupt base64.
        """
        include = element.find(XOP_INCLUDE)
        if include is not None:
            return self.attachment(content_id_from_href(include.get("href", ""))).data
        text = "".join((element.text or "").split())
        try:
            return base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            raise MessageError(
                "Contenu base64 corrompu dans le message.",
                detail=f"{element.tag!s}: {exc}",
            ) from exc


@dataclass(frozen=True, kw_only=True)
class SoapRequest(SoapMessage):
    """A SOAP request to send to ``url``."""

    url: str


@dataclass(frozen=True, kw_only=True)
class SoapResponse(SoapMessage):
    """A SOAP response (possibly a fault) with its HTTP status."""

    status_code: int = 200

    @property
    def fault(self) -> Fault | None:
        return self.envelope.fault

    def raise_for_fault(self) -> SoapResponse:
        """Raise SenderFaultError / ReceiverFaultError for a SOAP fault; else return self."""
        fault = self.fault
        if fault is not None:
            raise fault_error(fault)
        return self


@dataclass(frozen=True)
class WireRequest:
    """An HTTP request body as sent: the target URL, its Content-Type and bytes."""

    url: str
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WireResponse:
    """An HTTP response as received: status, Content-Type and bytes."""

    status_code: int
    content_type: str
    body: bytes


def encode_request(request: SoapRequest) -> WireRequest:
    """The HTTP body and Content-Type of ``request`` (MTOM if asked or with attachments)."""
    content_type, body = _encode(request)
    return WireRequest(url=request.url, content_type=content_type, body=body)


def encode_response(response: SoapResponse) -> WireResponse:
    """The HTTP body and Content-Type of ``response`` (for a server such as the sandbox)."""
    content_type, body = _encode(response)
    return WireResponse(status_code=response.status_code, content_type=content_type, body=body)


def decode_request(wire: WireRequest, *, limits: MessageLimits | None = None) -> SoapRequest:
    """Read a received HTTP request as a SOAP request (server side).

    Raises :class:`MessageError` for an unexpected Content-Type or a malformed message.
    """
    envelope, attachments, mtom = _decode(
        wire.content_type, wire.body, limits or MessageLimits(), what="requête SOAP reçue"
    )
    return SoapRequest(url=wire.url, envelope=envelope, attachments=attachments, mtom=mtom)


def decode_response(wire: WireResponse, *, limits: MessageLimits | None = None) -> SoapResponse:
    """Read a received HTTP response as a SOAP response (client side).

    A SOAP body (fault or not) is returned whatever the HTTP status; call
    :meth:`SoapResponse.raise_for_fault` to turn a fault into an exception. Without a SOAP
    body, an HTTP error status raises :class:`ServerError` (5xx, 408, 429: transient) or
    :class:`HttpError` (other 4xx: permanent); a 2xx with a non-SOAP body raises
    :class:`MessageError`.
    """
    mime, _ = parse_content_type(wire.content_type or "application/octet-stream")
    is_soap = mime in _SOAP_TYPES or mime == MULTIPART_RELATED
    if not is_soap or (wire.status_code >= 400 and not wire.body.strip()):
        _raise_for_status(wire, mime)
        raise MessageError(
            "Réponse inattendue du service distant (ce n'est pas un message SOAP).",
            detail=f"HTTP {wire.status_code}, Content-Type {wire.content_type!r}",
        )
    try:
        envelope, attachments, mtom = _decode(
            wire.content_type, wire.body, limits or MessageLimits(), what="réponse SOAP"
        )
    except MessageError:
        _raise_for_status(wire, mime)
        raise
    return SoapResponse(
        envelope=envelope, attachments=attachments, mtom=mtom, status_code=wire.status_code
    )


def _raise_for_status(wire: WireResponse, mime: str) -> None:
    status = wire.status_code
    detail = f"HTTP {status}, Content-Type {mime!r}"
    if status >= 500 or status in _TRANSIENT_STATUS:
        raise ServerError(
            f"Le service distant est indisponible (erreur HTTP {status}).",
            status_code=status,
            detail=detail,
        )
    if status >= 400:
        raise HttpError(
            f"Le service distant a refusé la demande (erreur HTTP {status}).",
            status_code=status,
            detail=detail,
        )


def _encode(message: SoapMessage) -> tuple[str, bytes]:
    xml = message.envelope.to_bytes()
    action = message.action
    if message.mtom or message.attachments:
        return encode_mtom(xml, message.attachments, action=action)
    if message.envelope.version == "1.1":
        return f"{SOAP11_CONTENT_TYPE}; charset=UTF-8", xml
    action_param = f'; action="{action}"' if action else ""
    return f"{SOAP12_CONTENT_TYPE}; charset=UTF-8{action_param}", xml


def _decode(
    content_type: str, body: bytes, limits: MessageLimits, *, what: str
) -> tuple[Envelope, tuple[Attachment, ...], bool]:
    mime, _ = parse_content_type(content_type or "application/octet-stream")
    if mime == MULTIPART_RELATED:
        multipart = decode_multipart(body, content_type, limits=limits)
        envelope = parse_envelope(
            multipart.root.content, what=what, max_bytes=limits.max_message_bytes
        )
        attachments = tuple(multipart.attachments.values())
        _check_references(envelope, multipart.attachments)
        return envelope, attachments, True
    if mime not in _SOAP_TYPES:
        raise MessageError(
            f"{what} : type de contenu inattendu.",
            detail=f"Content-Type {content_type!r}, expected application/soap+xml or MTOM",
        )
    return parse_envelope(body, what=what, max_bytes=limits.max_message_bytes), (), False


def _check_references(envelope: Envelope, attachments: Mapping[str, Attachment]) -> None:
    for include in envelope.root.iter(XOP_INCLUDE):
        content_id = content_id_from_href(include.get("href", ""))
        if content_id not in attachments:
            raise MessageError(
                "Message MTOM invalide : pièce jointe référencée absente.",
                detail=f"xop:Include references missing part <{content_id}>",
            )
