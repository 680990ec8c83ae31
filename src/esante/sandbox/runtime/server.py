"""A small threaded HTTPS/1.1 server with mutual TLS that hands the client certificate over.

The DMP sandbox must know *which* certificate opened the connection: the VIHF of each
request must name the same structure as the TLS client certificate. ASGI servers do not
expose the peer certificate, so the sandbox runs its own server on ``ssl`` sockets: one
thread per connection (a bounded number of them), the TLS handshake done in that thread
(a slow or hostile client never blocks ``accept``), HTTP/1.1 keep-alive, and a plain
callable as the application::

    def app(request: HttpRequest) -> HttpResponse: ...

    with HttpsServer(app, server_ssl_context(tls)) as server:   # listens on loopback
        print(server.url)

:class:`HttpRequest` carries the method, path, headers, body and the peer certificate
(``cryptography`` object, parsed once per connection). Limits: request bodies over
``max_body_bytes`` get 413 without being read, bodies must announce their length
(chunked uploads get 411), headers follow :mod:`http.server`'s limits, idle keep-alive
connections are closed after ``idle_timeout`` seconds, and the request line and headers
must all arrive within ``head_timeout`` seconds of their first byte — a client trickling
one header line now and then, each within the idle timeout, is cut off at that deadline
instead of holding a thread for minutes (the connection is closed without an answer).
An exception in the application becomes a 500 without detail (the type is logged, never
the message: it may hold patient data). :meth:`HttpsServer.close` stops accepting, lets
the requests in progress finish (up to ``grace`` seconds) and closes idle connections.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import socketserver
import ssl
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any

from cryptography import x509

from esante.sandbox.runtime.errors import PortUnavailableError

logger = logging.getLogger("esante.sandbox")

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
DEFAULT_HEAD_TIMEOUT = 10.0
"""Seconds for a request line and its headers to arrive, from their first byte."""
_DRAIN_BYTES = 1024 * 1024


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request as the application sees it (header names in lower case)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    peer_certificate: x509.Certificate | None
    client_address: tuple[str, int] = ("", 0)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass(frozen=True)
class HttpResponse:
    """What the application answers: status, Content-Type, body and extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default=())


HttpApp = Callable[[HttpRequest], HttpResponse]


def _text(status: int, text: str) -> HttpResponse:
    return HttpResponse(status, "text/plain; charset=utf-8", text.encode("utf-8"))


def bind(host: str, port: int, *, backlog: int = 128) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``0``: any free port).

    Raises :class:`PortUnavailableError` when the port is taken or not allowed.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise PortUnavailableError(
            f"Impossible d'écouter sur {host}:{port} : le port est déjà utilisé ou "
            "l'adresse n'est pas disponible. Choisissez un autre port.",
            detail=str(exc),
            field="port",
        ) from exc
    return sock


class _DeadlineReader(io.RawIOBase):
    """The connection's bytes; while ``deadline`` (a monotonic time) is set, every read
    waits at most until then, and one past it raises :class:`TimeoutError`."""

    def __init__(self, connection: socket.socket, idle_timeout: float) -> None:
        self._connection = connection
        self._idle = idle_timeout
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        timeout = self._idle
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("request head not received in time")
            timeout = min(timeout, remaining)
        self._connection.settimeout(timeout)
        return self._connection.recv_into(buffer)


class _Handler(BaseHTTPRequestHandler):
    """One connection: TLS handshake, then HTTP/1.1 requests until closed or idle."""

    protocol_version = "HTTP/1.1"
    server_version = "esante-sandbox"
    sys_version = ""
    server: _ThreadingServer
    _peer: x509.Certificate | None
    _headers_buffer: list[bytes]
    _reader: _DeadlineReader
    _buffered: io.BufferedReader

    def setup(self) -> None:
        connection: ssl.SSLSocket = self.request
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection.settimeout(self.server.owner.handshake_timeout)
        connection.do_handshake()
        der = connection.getpeercert(binary_form=True)
        self._peer = x509.load_der_x509_certificate(der) if der else None
        connection.settimeout(self.server.owner.idle_timeout)
        super().setup()
        self._reader = _DeadlineReader(connection, self.server.owner.idle_timeout)
        self._buffered = io.BufferedReader(self._reader)
        self.rfile = self._buffered

    def handle_one_request(self) -> None:
        # The next request may be awaited for the idle timeout; from its first byte, the
        # whole head has head_timeout (the TimeoutError past it is caught by the base
        # class, which closes the connection). _serve lifts the deadline for the body.
        self._reader.deadline = None
        try:
            if not self._buffered.peek(1):
                self.close_connection = True
                return
        except OSError:  # idle timeout, reset
            self.close_connection = True
            return
        self._reader.deadline = time.monotonic() + self.server.owner.head_timeout
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # paths and addresses only would be safe, but access logs are not needed

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        owner = self.server.owner
        self._reader.deadline = None  # the head is in; the body has the idle timeout
        headers = {k.lower(): v for k, v in self.headers.items()}
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._reply(_text(411, "Content-Length requis."), close=True)
            return
        raw_length = headers.get("content-length", "0").strip() or "0"
        if not raw_length.isdigit():
            self._reply(_text(400, "Content-Length invalide."), close=True)
            return
        length = int(raw_length)
        if length > owner.max_body_bytes:
            if length - owner.max_body_bytes <= _DRAIN_BYTES:
                # read what remains of a slightly too large body, so that closing the
                # connection does not reset it before the client reads the answer
                self._drain(length)
            self._reply(_text(413, "Requête trop volumineuse."), close=True)
            return
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            self.close_connection = True
            return
        request = HttpRequest(
            method=self.command,
            path=self.path,
            headers=headers,
            body=body,
            peer_certificate=self._peer,
            client_address=self.client_address,
        )
        owner.request_started()
        try:
            try:
                response = owner.app(request)
            except Exception as exc:
                # Type and frames only: exception messages may carry patient data.
                frames = "".join(traceback.format_tb(exc.__traceback__))
                logger.error("sandbox application error %s\n%s", type(exc).__name__, frames)
                response = _text(500, "Erreur interne du bac à sable.")
            self._reply(response)
        finally:
            owner.request_finished()

    def _drain(self, length: int) -> None:
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 64 * 1024))
            if not chunk:
                return
            remaining -= len(chunk)

    def _reply(self, response: HttpResponse, *, close: bool = False) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if close or self.server.owner.closing:
            self.send_header("Connection", "close")
            self.close_connection = True
        # Headers and body in one write: two small writes meet Nagle's algorithm and the
        # peer's delayed ACK (tens of milliseconds per answer).
        self._headers_buffer.append(b"\r\n")
        self.wfile.write(b"".join(self._headers_buffer) + response.body)
        self._headers_buffer = []


class _ThreadingServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, owner: HttpsServer, sock: socket.socket) -> None:
        self.owner = owner
        address = sock.getsockname()
        super().__init__(address, _Handler, bind_and_activate=False)
        self.socket.close()
        # Non-blocking accept: the listening socket may be shared with other server
        # processes, and when one of them takes the connection first a blocking accept()
        # would hang this thread (and the shutdown waiting for it). socketserver treats
        # the resulting BlockingIOError as "nothing to accept".
        sock.setblocking(False)
        self.socket = owner.context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False
        )
        self.server_address = address

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.owner.connection_slots.acquire(timeout=5):
            self.shutdown_request(request)  # too many connections: refuse this one
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.owner.connection_slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        self.owner.track(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.owner.untrack(request)
            self.owner.connection_slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # TLS refusals (no certificate, unknown CA), resets, timeouts: part of the job.
        pass


class HttpsServer:
    """Serve ``app`` over mutual TLS on a listening socket (bound by :func:`bind`).

    ``sock`` defaults to a fresh socket on ``host:port`` (port ``0``: any free port).
    """

    def __init__(
        self,
        app: HttpApp,
        context: ssl.SSLContext,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sock: socket.socket | None = None,
        max_connections: int = 256,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        handshake_timeout: float = 10.0,
        idle_timeout: float = 60.0,
        head_timeout: float = DEFAULT_HEAD_TIMEOUT,
        grace: float = 10.0,
    ):
        self.app = app
        self.context = context
        self.max_body_bytes = max_body_bytes
        self.handshake_timeout = handshake_timeout
        self.idle_timeout = idle_timeout
        self.head_timeout = head_timeout
        self.grace = grace
        self.connection_slots = threading.BoundedSemaphore(max_connections)
        self.closing = False
        self._lock = threading.Lock()
        self._connections: set[Any] = set()
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)
        self._server = _ThreadingServer(self, sock or bind(host, port))
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    def start(self) -> HttpsServer:
        """Serve in a background thread; return at once."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"esante-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`close` is called from another one."""
        self._server.serve_forever(poll_interval=0.1)

    def close(self) -> None:
        """Stop accepting, let requests in progress finish, close idle connections."""
        self.closing = True
        self._server.shutdown()
        self._server.server_close()
        deadline = time.monotonic() + self.grace
        with self._lock:
            while self._in_flight and time.monotonic() < deadline:
                self._idle.wait(timeout=max(0.0, deadline - time.monotonic()))
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- bookkeeping used by the handler threads -------------------------------------

    def track(self, connection: Any) -> None:
        with self._lock:
            self._connections.add(connection)

    def untrack(self, connection: Any) -> None:
        with self._lock:
            self._connections.discard(connection)

    def request_started(self) -> None:
        with self._lock:
            self._in_flight += 1

    def request_finished(self) -> None:
        with self._lock:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.notify_all()

    def __enter__(self) -> HttpsServer:
        if self._thread is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
