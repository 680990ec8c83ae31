"""A real HTTPS server on loopback with mutual TLS, and test PKIs generated once per session.

The server is Python's ``http.server`` behind :func:`esante.transport.server_ssl_context`
(TLS 1.2 only, the DMP suites, client certificate required), answering with the
server-side codec of esante.transport. Paths choose the behaviour under test.
"""

from __future__ import annotations

import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from lxml import etree

from esante.transport import (
    Attachment,
    SoapResponse,
    TlsConfig,
    WireRequest,
    build_envelope,
    build_fault,
    decode_request,
    encode_response,
    server_ssl_context,
    with_reply_addressing,
    xop_include,
)
from esante.trust import Pki, generate_test_pki

XDS = "urn:ihe:iti:xds-b:2007"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return generate_test_pki(tmp_path_factory.mktemp("tls") / "ours")


@pytest.fixture(scope="session")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return generate_test_pki(tmp_path_factory.mktemp("tls") / "other")


def server_config(pki: Pki, **overrides: Any) -> TlsConfig:
    """The sandbox-like server side: TLS 1.2 only (as the DMP), client certificates from ``pki``."""
    values: dict[str, Any] = {
        "ca_bundle": pki.ca.certificate,
        "certificate": pki.server.certificate,
        "key": pki.server.key,
        "maximum_version": ssl.TLSVersion.TLSv1_2,
    }
    values.update(overrides)
    return TlsConfig(**values)


def client_config(pki: Pki, trust: Pki | None = None, **overrides: Any) -> TlsConfig:
    values: dict[str, Any] = {
        "ca_bundle": (trust or pki).ca.certificate,
        "certificate": pki.authentication.certificate,
        "key": pki.authentication.key,
    }
    values.update(overrides)
    return TlsConfig(**values)


@dataclass
class LoopbackServer:
    url: str
    port: int
    release: threading.Event
    requests: list[WireRequest] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext, state: LoopbackServer | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.socket = context.wrap_socket(
            self.socket, server_side=True, do_handshake_on_connect=False
        )
        self.state = state

    def server_bind(self) -> None:
        # Skip HTTPServer's reverse DNS lookup of the address.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if self.state is not None:
            self.state.errors.append(sys.exc_info()[1])  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def setup(self) -> None:
        self.request.do_handshake()  # in the request thread: a refusal never blocks accept()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        state = self.server.state
        assert state is not None
        length = int(self.headers.get("Content-Length", "0"))
        wire = WireRequest(
            url=self.path,
            content_type=self.headers.get("Content-Type", ""),
            body=self.rfile.read(length),
        )
        state.requests.append(wire)
        route = ROUTES.get(self.path)
        if route is None:
            self._send(404, "text/html", b"<html>not found</html>")
            return
        status, content_type, body = route(wire, state)
        self._send(status, content_type, body)

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


Route = Callable[[WireRequest, LoopbackServer], tuple[int, str, bytes]]


def _echo_retrieve(wire: WireRequest, state: LoopbackServer) -> tuple[int, str, bytes]:
    """ITI-43 style: an MTOM response carrying back the bytes of every request attachment."""
    request = decode_request(wire)
    body = etree.Element(f"{{{XDS}}}RetrieveDocumentSetResponse")
    attachments = []
    for received in request.attachments:
        copy = Attachment.create(received.data, received.content_type)
        attachments.append(copy)
        document = etree.SubElement(
            etree.SubElement(body, f"{{{XDS}}}DocumentResponse"), f"{{{XDS}}}Document"
        )
        document.append(xop_include(copy))
    response = with_reply_addressing(
        SoapResponse(envelope=build_envelope(body), attachments=tuple(attachments), mtom=True),
        action="urn:ihe:iti:2007:RetrieveDocumentSetResponse",
        relates_to=request.envelope.addressing.message_id,
    )
    wire_response = encode_response(response)
    return 200, wire_response.content_type, wire_response.body


def _fault(code: str, status: int) -> Route:
    def route(wire: WireRequest, state: LoopbackServer) -> tuple[int, str, bytes]:
        response = encode_response(
            SoapResponse(envelope=build_fault(code, f"faute {code}"), status_code=status)  # type: ignore[arg-type]
        )
        return status, response.content_type, response.body

    return route


def _slow(wire: WireRequest, state: LoopbackServer) -> tuple[int, str, bytes]:
    state.release.wait(5)
    return 200, "application/soap+xml", build_envelope().to_bytes()


ROUTES: dict[str, Route] = {
    "/retrieve": _echo_retrieve,
    "/sender-fault": _fault("Sender", 400),
    "/receiver-fault": _fault("Receiver", 500),
    "/unavailable": lambda wire, state: (503, "text/html", b"<html>maintenance</html>"),
    "/slow": _slow,
    "/large": lambda wire, state: (200, "application/soap+xml", b" " * 200_000),
}


@pytest.fixture
def tls_server() -> Iterator[Callable[[TlsConfig], LoopbackServer]]:
    """Start HTTPS servers with a given server-side TlsConfig; all stop at teardown."""
    started: list[tuple[_Server, threading.Thread, LoopbackServer]] = []

    def start(config: TlsConfig) -> LoopbackServer:
        server = _Server(server_ssl_context(config), None)
        port = server.server_address[1]
        state = LoopbackServer(
            url=f"https://127.0.0.1:{port}", port=port, release=threading.Event()
        )
        server.state = state
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        started.append((server, thread, state))
        return state

    yield start
    for server, thread, state in started:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def raw_tls_server() -> Iterator[Callable[[ssl.SSLContext], int]]:
    """Like ``tls_server`` but with any SSLContext (to show what a stock server would accept)."""
    started: list[tuple[_Server, threading.Thread]] = []

    def start(context: ssl.SSLContext) -> int:
        server = _Server(context, LoopbackServer(url="", port=0, release=threading.Event()))
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        started.append((server, thread))
        return server.server_address[1]

    yield start
    for server, thread in started:
        server.shutdown()
        server.server_close()
        thread.join(5)
