"""SOAP 1.2 transport for the national services: envelopes, WS-Addressing, MTOM, mutual TLS.

This layer knows no business: it moves SOAP messages and classifies failures (see
:mod:`esante.transport.errors`). Build a request, decorate it with pure functions, send::

    request = SoapRequest(url=url, envelope=build_envelope(payload))
    request = with_addressing(request, action="urn:ihe:iti:2007:RegistryStoredQuery")
    request = with_security(request, signed_vihf)
    response = send(HttpsTransport(TlsConfig(ca_bundle, cert, key)), request)

Unit tests replace :class:`HttpsTransport` with :class:`InProcessTransport` and a handler.
"""

from esante.transport.addressing import (
    ANONYMOUS,
    new_message_id,
    security_tokens,
    with_addressing,
    with_reply_addressing,
    with_security,
)
from esante.transport.base import InProcessTransport, SoapTransport, WireHandler, send
from esante.transport.errors import (
    HttpError,
    MessageError,
    NetworkError,
    PermanentError,
    ReceiverFaultError,
    RemoteRejectionError,
    SenderFaultError,
    ServerError,
    SoapFaultError,
    TlsError,
    TransientError,
    TransportError,
    TransportTimeoutError,
)
from esante.transport.https import HttpsTransport, Timeouts
from esante.transport.limits import MessageLimits
from esante.transport.messages import (
    SoapMessage,
    SoapRequest,
    SoapResponse,
    WireRequest,
    WireResponse,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
)
from esante.transport.mtom import (
    Attachment,
    MultipartRelated,
    decode_multipart,
    encode_mtom,
    xop_include,
)
from esante.transport.soap import (
    SOAP11_NS,
    SOAP12_NS,
    WSA_NS,
    WSSE_NS,
    Addressing,
    Envelope,
    Fault,
    build_envelope,
    build_fault,
    envelope_from_element,
    fault_error,
    parse_envelope,
)
from esante.transport.tls import (
    DMP_CIPHER_SUITES,
    TlsConfig,
    client_ssl_context,
    server_ssl_context,
)

__all__ = [
    "ANONYMOUS",
    "DMP_CIPHER_SUITES",
    "SOAP11_NS",
    "SOAP12_NS",
    "WSA_NS",
    "WSSE_NS",
    "Addressing",
    "Attachment",
    "Envelope",
    "Fault",
    "HttpError",
    "HttpsTransport",
    "InProcessTransport",
    "MessageError",
    "MessageLimits",
    "MultipartRelated",
    "NetworkError",
    "PermanentError",
    "ReceiverFaultError",
    "RemoteRejectionError",
    "SenderFaultError",
    "ServerError",
    "SoapFaultError",
    "SoapMessage",
    "SoapRequest",
    "SoapResponse",
    "SoapTransport",
    "Timeouts",
    "TlsConfig",
    "TlsError",
    "TransientError",
    "TransportError",
    "TransportTimeoutError",
    "WireHandler",
    "WireRequest",
    "WireResponse",
    "build_envelope",
    "build_fault",
    "client_ssl_context",
    "decode_multipart",
    "decode_request",
    "decode_response",
    "encode_mtom",
    "encode_request",
    "encode_response",
    "envelope_from_element",
    "fault_error",
    "new_message_id",
    "parse_envelope",
    "security_tokens",
    "send",
    "server_ssl_context",
    "with_addressing",
    "with_reply_addressing",
    "with_security",
    "xop_include",
]
