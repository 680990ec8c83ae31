"""The public face of esante.transport is a tested contract."""

from __future__ import annotations

import esante.transport


def test_transport_exports() -> None:
    # isort-style order (constants, classes, functions), as ruff's RUF022 keeps it.
    assert esante.transport.__all__ == [
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
    for name in esante.transport.__all__:
        assert hasattr(esante.transport, name), name
