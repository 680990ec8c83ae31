"""One DMP exchange: body → SOAP 1.2 request with WS-Addressing, VIHF and MTOM → response.

Every TD goes through :func:`exchange`, so every request has the layout of the official
DMP messages: ``soap:Header`` with ``wsa:MessageID``, ``wsa:To``, ``wsa:ReplyTo``
(anonymous), ``wsa:Action`` (``mustUnderstand``) and ``wsse:Security`` holding the
signed VIHF; ``soap:Body`` with the TD's body. TD2.1 is sent as MTOM (the documents as
``xop:Include`` parts). The request is decorated with the pure functions of
:mod:`esante.transport`, sent through the injected transport, and the response is
checked to be the body the TD answers; every failure becomes a
:class:`~esante.dmp.errors.DmpError` (see :mod:`esante.dmp.failures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from esante.dmp.failures import from_transport_error, unexpected_response
from esante.dmp.transactions import DmpTransaction
from esante.transport import (
    Attachment,
    SoapRequest,
    SoapResponse,
    SoapTransport,
    TransportError,
    build_envelope,
    send,
    with_addressing,
    with_security,
)


@dataclass(frozen=True)
class DmpRequest:
    """What one TD sends: its body, the signed VIHF, MTOM attachments, and where."""

    transaction: DmpTransaction
    url: str
    body: etree._Element
    vihf: etree._Element
    attachments: tuple[Attachment, ...] = ()


def soap_request(request: DmpRequest, *, message_id: str) -> SoapRequest:
    """The SOAP request of ``request`` (pure: nothing is sent)."""
    soap = SoapRequest(
        url=request.url,
        envelope=build_envelope(request.body),
        attachments=request.attachments,
        mtom=request.transaction.mtom_request,
    )
    soap = with_addressing(soap, action=request.transaction.action, message_id=message_id)
    return with_security(soap, request.vihf)


def exchange(
    transport: SoapTransport, request: DmpRequest, *, message_id: str
) -> tuple[etree._Element, SoapResponse]:
    """Send ``request``; return the response body (checked) and the whole response.

    Raises a :class:`~esante.dmp.errors.DmpError` for any failure of the exchange or a
    response whose body is not the one the TD answers.
    """
    transaction = request.transaction
    try:
        response = send(transport, soap_request(request, message_id=message_id))
    except TransportError as exc:
        raise from_transport_error(exc, transaction) from exc
    payload = response.envelope.payload
    if payload is None or payload.tag != transaction.response_root:
        found = "empty Body" if payload is None else repr(payload.tag)
        raise unexpected_response(
            transaction, f"response body is {found}, expected {transaction.response_root!r}"
        )
    return payload, response


def attachment_bytes(response: SoapResponse) -> Mapping[str, bytes]:
    """The MTOM parts of ``response`` by Content-ID (what the XDS decoders resolve)."""
    return {a.content_id: a.data for a in response.attachments}
