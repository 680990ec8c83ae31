"""Over real sockets: a refused connection is "not sent", a silent DMP leaves a write uncertain.

The DMP client tells these apart from the transport's failures (which only say "timeout"
or "network") by the phase in which httpx failed; this proves it with the real HTTPS
transport on loopback: nothing listening (refused at connect), and a TLS server that reads
the request and never answers (read timeout after sending).
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator

import pytest

from esante.dmp import (
    DmpClient,
    DmpEndpoints,
    DmpUnavailableError,
    DmpUncertainOutcomeError,
    Signer,
)
from esante.transport import HttpsTransport, Timeouts, TlsConfig, server_ssl_context
from esante.trust import Pki
from tests.unit.dmp.samples import ACTIVITY, DOCTOR, KIT_PATIENT, LPS, PATIENT, cda

FAST = Timeouts(connect=2.0, read=0.3, write=2.0, pool=2.0)


@pytest.fixture
def transport(pki: Pki) -> Iterator[HttpsTransport]:
    tls = TlsConfig(
        ca_bundle=pki.ca.certificate,
        certificate=pki.authentication.certificate,
        key=pki.authentication.key,
    )
    with HttpsTransport(tls, timeouts=FAST) as https:
        yield https


def _client(transport: HttpsTransport, signer: Signer, url: str) -> DmpClient:
    return DmpClient.with_signer(
        transport,
        DmpEndpoints.from_base_url(url),
        signer=signer,
        lps=LPS,
        content_type_code=ACTIVITY,
    )


@pytest.fixture
def silent_dmp(pki: Pki) -> Iterator[str]:
    """A TLS server that reads one request and never answers; yields its base URL."""
    context = server_ssl_context(
        TlsConfig(
            ca_bundle=pki.ca.certificate, certificate=pki.server.certificate, key=pki.server.key
        )
    )
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    done = threading.Event()

    def serve() -> None:
        try:
            connection, _ = listener.accept()
            with context.wrap_socket(connection, server_side=True) as tls:
                tls.recv(65536)
                done.wait(5)
        except (OSError, ssl.SSLError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{port}/services"
    done.set()
    thread.join(5)
    listener.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_refused_connection_is_retryable_and_certain(
    transport: HttpsTransport, signer: Signer
) -> None:
    client = _client(transport, signer, f"https://127.0.0.1:{_closed_port()}/services")
    with pytest.raises(DmpUnavailableError) as caught:
        client.submit(PATIENT, cda(), actor=DOCTOR)
    assert type(caught.value) is DmpUnavailableError
    assert caught.value.is_transient
    assert not caught.value.outcome_uncertain


def test_silence_after_a_write_is_uncertain(
    transport: HttpsTransport, signer: Signer, silent_dmp: str
) -> None:
    client = _client(transport, signer, silent_dmp)
    with pytest.raises(DmpUncertainOutcomeError) as caught:
        client.set_authorization(KIT_PATIENT, actor=DOCTOR)
    assert caught.value.is_transient
    assert caught.value.outcome_uncertain
    assert caught.value.transaction == "TD0.3"
