"""The sandbox's HTTPS server: the application sees the client certificate; limits hold.

Real loopback sockets with the test PKI: TLS 1.2 at most, client certificate required.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator

import httpx
import pytest

from esante.sandbox.dmp.soap import structure_of
from esante.sandbox.runtime import (
    HttpRequest,
    HttpResponse,
    HttpsServer,
    PortUnavailableError,
    bind,
)
from esante.transport import TlsConfig, client_ssl_context, server_ssl_context
from esante.trust import Pki


def _context(pki: Pki) -> ssl.SSLContext:
    return server_ssl_context(
        TlsConfig(
            ca_bundle=pki.ca.certificate,
            certificate=pki.server.certificate,
            key=pki.server.key,
            maximum_version=ssl.TLSVersion.TLSv1_2,
        )
    )


@pytest.fixture
def http(pki: Pki) -> Iterator[httpx.Client]:
    context = client_ssl_context(
        TlsConfig(
            ca_bundle=pki.ca.certificate,
            certificate=pki.authentication.certificate,
            key=pki.authentication.key,
        )
    )
    with httpx.Client(verify=context, timeout=10) as client:
        yield client


def test_the_application_sees_the_client_certificate(pki: Pki, http: httpx.Client) -> None:
    seen: list[HttpRequest] = []

    def app(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        assert request.peer_certificate is not None
        identity = structure_of(request.peer_certificate) or ""
        return HttpResponse(200, "text/plain", identity.encode())

    with HttpsServer(app, _context(pki)) as server:
        response = http.post(f"{server.url}/x?y=1", content=b"abc")
        again = http.post(f"{server.url}/x", content=b"")
    assert response.text == pki.structure_id
    assert again.status_code == 200
    assert [(r.method, r.path, r.body) for r in seen] == [
        ("POST", "/x?y=1", b"abc"),
        ("POST", "/x", b""),
    ]
    assert seen[0].headers["content-length"] == "3"


def test_limits_and_application_errors(pki: Pki, http: httpx.Client) -> None:
    def app(request: HttpRequest) -> HttpResponse:
        if request.path == "/boom":
            raise RuntimeError("patient 279035121518989 leaked?")
        return HttpResponse(200, "text/plain", b"ok")

    with HttpsServer(app, _context(pki), max_body_bytes=100) as server:
        assert http.post(f"{server.url}/", content=b"x" * 100).status_code == 200
        assert http.post(f"{server.url}/", content=b"x" * 101).status_code == 413
        chunked = http.post(f"{server.url}/", content=iter([b"x"]))
        assert chunked.status_code == 411
        boom = http.post(f"{server.url}/boom", content=b"")
        assert boom.status_code == 500
        assert b"279035121518989" not in boom.content
        assert http.get(f"{server.url}/").status_code == 200


def test_a_busy_port_is_a_clear_error() -> None:
    taken = bind("127.0.0.1", 0)
    try:
        with pytest.raises(PortUnavailableError) as busy:
            bind("127.0.0.1", taken.getsockname()[1])
        assert "port" in busy.value.message
    finally:
        taken.close()


def test_close_lets_a_request_in_progress_finish(pki: Pki, http: httpx.Client) -> None:
    started, release = threading.Event(), threading.Event()

    def app(request: HttpRequest) -> HttpResponse:
        started.set()
        release.wait(5)
        return HttpResponse(200, "text/plain", b"done")

    server = HttpsServer(app, _context(pki)).start()
    result: list[httpx.Response] = []
    caller = threading.Thread(target=lambda: result.append(http.get(f"{server.url}/")))
    caller.start()
    assert started.wait(5)
    closer = threading.Thread(target=server.close)
    closer.start()
    release.set()
    caller.join(10)
    closer.join(10)
    assert result
    assert result[0].text == "done"
    with pytest.raises(httpx.ConnectError):
        http.get(f"{server.url}/")
