"""The mutual-TLS transport against a real HTTPS server on loopback, with `pki init` certs."""

from __future__ import annotations

import socket
import ssl
import warnings
from collections.abc import Callable

import pytest
from lxml import etree

from esante.transport import (
    DMP_CIPHER_SUITES,
    Attachment,
    HttpsTransport,
    MessageError,
    MessageLimits,
    NetworkError,
    ReceiverFaultError,
    SenderFaultError,
    ServerError,
    SoapRequest,
    Timeouts,
    TlsConfig,
    TlsError,
    TransportTimeoutError,
    build_envelope,
    client_ssl_context,
    send,
    with_addressing,
    xop_include,
)
from esante.trust import Pki
from tests.integration.transport.conftest import LoopbackServer, client_config, server_config

XDS = "urn:ihe:iti:xds-b:2007"
Start = Callable[[TlsConfig], LoopbackServer]


def _request(url: str, *attachments: Attachment) -> SoapRequest:
    body = etree.Element(f"{{{XDS}}}RetrieveDocumentSetRequest")
    for attachment in attachments:
        etree.SubElement(body, f"{{{XDS}}}Document").append(xop_include(attachment))
    request = SoapRequest(
        url=url, envelope=build_envelope(body), attachments=attachments, mtom=bool(attachments)
    )
    return with_addressing(request, action="urn:ihe:iti:2007:RetrieveDocumentSet")


def test_exchange_succeeds_with_the_structure_certificate(pki: Pki, tls_server: Start) -> None:
    server = tls_server(server_config(pki))
    document = Attachment.create(b"<ClinicalDocument/>\r\n--not-a-boundary\r\n" * 50, "text/xml")
    request = _request(f"{server.url}/retrieve", document)
    with HttpsTransport(client_config(pki)) as transport:
        response = send(transport, request)
    assert response.status_code == 200
    assert response.mtom
    assert response.envelope.addressing.relates_to == request.envelope.addressing.message_id
    payload = response.envelope.payload
    assert payload is not None
    [returned] = payload.iter(f"{{{XDS}}}Document")
    assert response.binary_content(returned) == document.data
    [received] = server.requests
    assert received.content_type.startswith('multipart/related; type="application/xop+xml"')


def test_client_without_certificate_is_refused(pki: Pki, tls_server: Start) -> None:
    server = tls_server(server_config(pki))
    anonymous = client_config(pki, certificate=None, key=None)
    with HttpsTransport(anonymous) as transport, pytest.raises(TlsError) as err:
        transport.handle(_request(f"{server.url}/retrieve"))
    assert "TLS" in err.value.message
    assert server.requests == []


def test_certificate_from_another_ca_is_refused(
    pki: Pki, other_pki: Pki, tls_server: Start
) -> None:
    server = tls_server(server_config(pki))
    # The other PKI's structure certificate, trusting our server's CA: only the server refuses.
    with HttpsTransport(client_config(other_pki, trust=pki)) as transport, pytest.raises(TlsError):
        transport.handle(_request(f"{server.url}/retrieve"))
    assert server.requests == []


def test_server_from_an_untrusted_ca_is_refused(
    pki: Pki, other_pki: Pki, tls_server: Start
) -> None:
    server = tls_server(server_config(pki))
    untrusting = HttpsTransport(client_config(pki, trust=other_pki))
    with untrusting as transport, pytest.raises(TlsError) as err:
        transport.handle(_request(f"{server.url}/retrieve"))
    assert "CERTIFICATE_VERIFY_FAILED" in (err.value.detail or "")


def _tls11(context: ssl.SSLContext) -> None:
    """Pin ``context`` to TLS 1.1 (deliberately: we show it is refused)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1


def _tls11_client(pki: Pki) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _tls11(context)
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.load_verify_locations(cafile=str(pki.ca.certificate))
    context.load_cert_chain(pki.authentication.certificate, pki.authentication.key)
    return context


def _handshake(context: ssl.SSLContext, port: int) -> str | None:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return tls.version()


def test_tls_1_1_is_refused(
    pki: Pki, tls_server: Start, raw_tls_server: Callable[[ssl.SSLContext], int]
) -> None:
    client = _tls11_client(pki)
    # Control: the client really speaks TLS 1.1 to a server that allows it ...
    permissive = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _tls11(permissive)
    permissive.set_ciphers("DEFAULT:@SECLEVEL=0")
    permissive.load_cert_chain(pki.server.certificate, pki.server.key)
    try:
        assert _handshake(client, raw_tls_server(permissive)) == "TLSv1.1"
    except (ssl.SSLError, OSError) as exc:
        pytest.skip(f"this OpenSSL cannot negotiate TLS 1.1 at all ({exc}): nothing to refuse")
    # ... and the DMP-like server refuses it.
    server = tls_server(server_config(pki))
    with pytest.raises(ssl.SSLError):
        _handshake(client, server.port)


def test_client_offers_only_the_dmp_suites(pki: Pki, tls_server: Start) -> None:
    context = client_ssl_context(client_config(pki))
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    tls12 = {c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert tls12 == set(DMP_CIPHER_SUITES)
    # A server that only speaks a non-DMP suite gets no connection.
    server = tls_server(server_config(pki, cipher_suites=("AES128-GCM-SHA256",)))
    with HttpsTransport(context) as transport, pytest.raises(TlsError):
        transport.handle(_request(f"{server.url}/retrieve"))


def test_unsafe_tls_configuration_is_refused(pki: Pki) -> None:
    with pytest.raises(TlsError):
        client_ssl_context(client_config(pki, minimum_version=ssl.TLSVersion.TLSv1_1))
    with pytest.raises(TlsError):
        client_ssl_context(client_config(pki, key=pki.signature.key))  # key of another cert
    with pytest.raises(TlsError):
        client_ssl_context(client_config(pki, ca_bundle=pki.directory / "missing.pem"))


def test_soap_faults_are_raised_by_kind(pki: Pki, tls_server: Start) -> None:
    server = tls_server(server_config(pki))
    with HttpsTransport(client_config(pki)) as transport:
        with pytest.raises(SenderFaultError):
            send(transport, _request(f"{server.url}/sender-fault"))
        with pytest.raises(ReceiverFaultError):
            send(transport, _request(f"{server.url}/receiver-fault"))


def test_http_server_error_is_transient(pki: Pki, tls_server: Start) -> None:
    server = tls_server(server_config(pki))
    with HttpsTransport(client_config(pki)) as transport, pytest.raises(ServerError) as err:
        transport.handle(_request(f"{server.url}/unavailable"))
    assert err.value.status_code == 503


def test_read_timeout_is_transient(pki: Pki, tls_server: Start) -> None:
    server = tls_server(server_config(pki))
    timeouts = Timeouts(connect=5, read=0.3, write=5, pool=5)
    impatient = HttpsTransport(client_config(pki), timeouts=timeouts)
    with impatient as transport, pytest.raises(TransportTimeoutError):
        transport.handle(_request(f"{server.url}/slow"))


def test_unreachable_service_is_transient(pki: Pki) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with HttpsTransport(client_config(pki)) as transport, pytest.raises(NetworkError):
        transport.handle(_request(f"https://127.0.0.1:{port}/retrieve"))


def test_response_over_the_size_limit_is_cut_off(pki: Pki, tls_server: Start) -> None:
    server = tls_server(server_config(pki))
    limits = MessageLimits(max_message_bytes=50_000)
    bounded = HttpsTransport(client_config(pki), limits=limits)
    with bounded as transport, pytest.raises(MessageError) as err:
        transport.handle(_request(f"{server.url}/large"))
    assert "trop volumineuse" in err.value.message


def test_plain_http_is_refused(pki: Pki) -> None:
    with HttpsTransport(client_config(pki)) as transport, pytest.raises(TlsError):
        transport.handle(_request("http://127.0.0.1:1/retrieve"))
