"""Hostile and broken input on the real endpoints: answered, never crashing, never leaking.

Everything is posted over mutual TLS to the running sandbox: malformed MIME, XML that is
not well formed or declares entities, bodies over the size limit, requests without
addressing or security, unknown actions, byte-level mutations of a real signed request
(hypothesis). Each gets an HTTP answer (a SOAP fault or a 4xx), none of them reveals
another patient's data, and the sandbox keeps serving real clients afterwards.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esante.cda.examples import example_document
from esante.dmp import Actor, DmpClient
from esante.sandbox.runtime import RunningSandbox
from esante.transport import (
    InProcessTransport,
    WireRequest,
    WireResponse,
    client_ssl_context,
)
from esante.transport.errors import TransportError
from tests.integration.sandbox import world

SOAP = "application/soap+xml; charset=UTF-8"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"


@dataclass(frozen=True)
class Secret:
    """A patient and a document whose identifiers must never appear in a fuzz answer."""

    matricule: str
    document: str


@pytest.fixture(scope="module")
def http(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    context = client_ssl_context(world.tls_config(sandbox.manifest))
    with httpx.Client(verify=context, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def secret(sandbox: RunningSandbox, client: DmpClient, doctor: Actor) -> Secret:
    ins = world.new_patient(sandbox, doctor)
    sent = client.submit(ins, example_document("vsm", ins=ins.matricule).xml, actor=doctor)
    return Secret(ins.matricule, sent.document_unique_id)


@pytest.fixture(scope="module")
def signed_query(sandbox: RunningSandbox, doctor: Actor) -> WireRequest:
    """A real, signed TD3.1 request (captured, not sent) for a patient of this module."""
    captured: list[WireRequest] = []

    def capture(wire: WireRequest) -> WireResponse:
        captured.append(wire)
        raise TransportError("captured", detail="not sent")

    ins = world.new_patient(sandbox, doctor)
    client = world.dmp_client(sandbox.manifest, InProcessTransport(capture))  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017, PT011 - the capture stops the call
        client.find_documents(ins, actor=doctor)
    return captured[0]


def _path(sandbox: RunningSandbox, service: str) -> str:
    return f"{sandbox.manifest.dmp.base_url}/{service}"


def _post(http: httpx.Client, url: str, body: bytes, content_type: str = SOAP) -> httpx.Response:
    return http.post(url, content=body, headers={"Content-Type": content_type})


def _assert_no_leak(response: httpx.Response, secret: Secret) -> None:
    assert secret.matricule.encode() not in response.content
    assert secret.document.encode() not in response.content
    assert b"Traceback" not in response.content


def _still_serving(client: DmpClient, sandbox: RunningSandbox, doctor: Actor) -> None:
    ins = world.new_patient(sandbox, doctor)
    assert client.test_existence(ins, actor=doctor).exists


def _envelope(action: str | None, security: bool = False) -> bytes:
    headers = f"<wsa:Action>{action}</wsa:Action>" if action else ""
    if security:
        headers += (
            '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/'
            'oasis-200401-wss-wssecurity-secext-1.0.xsd"/>'
        )
    return (
        f'<soap:Envelope xmlns:soap="{SOAP12}" xmlns:wsa="{WSA}"><soap:Header>{headers}'
        "<wsa:MessageID>urn:uuid:00000000-0000-0000-0000-000000000001</wsa:MessageID>"
        "</soap:Header><soap:Body><x/></soap:Body></soap:Envelope>"
    ).encode()


BROKEN = {
    "not xml": (b"\x00\x01 definitely not xml", SOAP),
    "not soap": (b"<html><body>hello</body></html>", SOAP),
    "truncated xml": (_envelope("urn:ihe:iti:2007:RegistryStoredQuery")[:60], SOAP),
    "entity expansion": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>',
        SOAP,
    ),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        SOAP,
    ),
    "wrong content type": (_envelope("urn:ihe:iti:2007:RegistryStoredQuery"), "image/png"),
    "mime without boundary": (b"--x\r\n\r\n<a/>\r\n--x--", "multipart/related"),
    "mime truncated": (
        b"--b\r\nContent-Type: application/xop+xml\r\n\r\n<soap:Envelope",
        'multipart/related; boundary="b"; type="application/xop+xml"',
    ),
    "mime too many parts": (
        b"".join(b"--b\r\nContent-ID: <%d>\r\n\r\nx\r\n" % i for i in range(150)) + b"--b--\r\n",
        'multipart/related; boundary="b"',
    ),
    "mime dangling include": (
        b"--b\r\nContent-Type: application/xop+xml\r\nContent-ID: <root>\r\n\r\n"
        + _envelope("urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b").replace(
            b"<x/>",
            b'<x><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" '
            b'href="cid:missing"/></x>',
        )
        + b"\r\n--b--\r\n",
        'multipart/related; boundary="b"; start="<root>"; type="application/xop+xml"',
    ),
    "bad base64 part": (
        b"--b\r\nContent-Type: application/xop+xml\r\nContent-ID: <root>\r\n\r\n"
        + _envelope("urn:ihe:iti:2007:RegistryStoredQuery")
        + b"\r\n--b\r\nContent-ID: <d>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + b"!!!\r\n--b--\r\n",
        'multipart/related; boundary="b"; start="<root>"; type="application/xop+xml"',
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_messages_are_sender_faults(
    case: str, sandbox: RunningSandbox, http: httpx.Client, secret: Secret
) -> None:
    body, content_type = BROKEN[case]
    response = _post(http, _path(sandbox, "registry"), body, content_type)
    assert response.status_code == 400
    assert b"soap:Sender" in response.content or b":Sender" in response.content
    _assert_no_leak(response, secret)


@pytest.mark.parametrize(
    ("body", "subcode"),
    [
        (_envelope(None), b"MessageAddressingHeaderRequired"),
        (_envelope("urn:example:unknown"), b"ActionNotSupported"),
        (_envelope("urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"), b"ActionNotSupported"),
        (_envelope("urn:ihe:iti:2007:RegistryStoredQuery"), b"InvalidSecurity"),
        (_envelope("urn:ihe:iti:2007:RegistryStoredQuery", security=True), b"InvalidSecurity"),
    ],
)
def test_protocol_errors_are_named_by_their_standard_subcode(
    body: bytes, subcode: bytes, sandbox: RunningSandbox, http: httpx.Client
) -> None:
    response = _post(http, _path(sandbox, "registry"), body)
    assert response.status_code == 400
    assert subcode in response.content
    assert b"urn:uuid:00000000-0000-0000-0000-000000000001" in response.content  # RelatesTo


def test_http_level_misuse(sandbox: RunningSandbox, http: httpx.Client) -> None:
    assert http.get(_path(sandbox, "registry")).status_code == 405
    assert _post(http, f"{sandbox.manifest.dmp.base_url}/nowhere", b"<a/>").status_code == 404
    chunked = http.post(
        _path(sandbox, "registry"),
        content=iter([b"<a/>"]),
        headers={"Content-Type": SOAP},
    )
    assert chunked.status_code == 411


def test_a_body_over_the_size_limit_is_refused_unread(
    sandbox: RunningSandbox, http: httpx.Client, client: DmpClient, doctor: Actor
) -> None:
    huge = b"<a>" + b"x" * (65 * 1024 * 1024) + b"</a>"
    try:
        response = _post(http, _path(sandbox, "repository"), huge)
        assert response.status_code == 413
    except httpx.TransportError:
        pass  # the server may close before the client finished writing: refused as well
    _still_serving(client, sandbox, doctor)


def test_a_huge_mime_part_within_the_limit_is_answered(
    sandbox: RunningSandbox, http: httpx.Client, secret: Secret
) -> None:
    part = b"\x00" * (8 * 1024 * 1024)
    body = (
        b"--b\r\nContent-Type: application/xop+xml\r\nContent-ID: <root>\r\n\r\n"
        + _envelope("urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b", security=True)
        + b"\r\n--b\r\nContent-ID: <big>\r\n\r\n"
        + part
        + b"\r\n--b--\r\n"
    )
    response = _post(
        http,
        _path(sandbox, "repository"),
        body,
        'multipart/related; boundary="b"; start="<root>"; type="application/xop+xml"',
    )
    assert response.status_code == 400  # no VIHF: refused before anything is decoded further
    _assert_no_leak(response, secret)


def test_garbage_and_silent_connections_do_not_block_the_server(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor
) -> None:
    host, port = "127.0.0.1", int(sandbox.manifest.dmp.base_url.split(":")[2].split("/")[0])
    silent = socket.create_connection((host, port))  # never says hello
    garbage = socket.create_connection((host, port))
    garbage.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # plain HTTP on a TLS port
    try:
        _still_serving(client, sandbox, doctor)
    finally:
        silent.close()
        garbage.close()
    plain = ssl.create_default_context()
    plain.check_hostname = False
    plain.verify_mode = ssl.CERT_NONE
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _anonymous_tls_request(host, port, plain)


def _anonymous_tls_request(host: str, port: int, context: ssl.SSLContext) -> bytes:
    """A TLS client without certificate: the server ends the handshake."""
    with socket.create_connection((host, port)) as raw, context.wrap_socket(raw) as tls:
        tls.sendall(b"GET / HTTP/1.1\r\n\r\n")
        return tls.recv(10)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_signed_requests_never_crash_nor_leak(
    data: st.DataObject,
    sandbox: RunningSandbox,
    http: httpx.Client,
    signed_query: WireRequest,
    secret: Secret,
) -> None:
    body = bytearray(signed_query.body)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(body) - 1))
        operation = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if operation == "flip":
            body[position] = data.draw(st.integers(0, 255))
        elif operation == "cut":
            del body[position : position + data.draw(st.integers(1, 200))]
        else:
            body[position:position] = data.draw(st.binary(min_size=1, max_size=50))
        if not body:
            body = bytearray(b"x")
    response = _post(http, _path(sandbox, "registry"), bytes(body), signed_query.content_type)
    assert response.status_code in (200, 400, 500)
    _assert_no_leak(response, secret)


def test_the_server_still_serves_after_the_fuzzing(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor
) -> None:
    _still_serving(client, sandbox, doctor)
