"""The sandbox is as strict as the DMP on who calls, over real sockets and mutual TLS.

Each refusal the DMP makes and the sandbox used to let through (issue 11 item 6): a
request head trickled line by line, a VIHF issued two years ago with a long
``NotOnOrAfter``, a VIHF signed by an MSSanté mailbox certificate of the structure or by
the signature certificate of another structure, the signature certificate presented as
TLS client certificate, and the same request sent twice. The VIHF refusals are
``soap:Sender`` faults with the WS-Security subcode ``FailedAuthentication``, heard by the
real client as :class:`~esante.dmp.DmpRejectedError`.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from esante.dmp import Actor, DmpClient, DmpRejectedError, Signer
from esante.sandbox.mss import CertificateRequest, ensure_mailbox_certificates
from esante.sandbox.runtime import HttpRequest, HttpResponse, HttpsServer, RunningSandbox
from esante.transport import (
    HttpsTransport,
    SenderFaultError,
    SoapRequest,
    SoapResponse,
    TlsConfig,
    client_ssl_context,
    send,
    server_ssl_context,
)
from esante.trust import KeyPairFiles, load_certificate, load_private_key
from esante.trust.vocabulary import SAML_NS
from tests.integration.sandbox import world

S = f"{{{SAML_NS}}}"
WSSE = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}"


@pytest.fixture
def open_transport(sandbox: RunningSandbox) -> Iterator[HttpsTransport]:
    with HttpsTransport(world.tls_config(sandbox.manifest)) as transport:
        yield transport


def _refusal(client: DmpClient, sandbox: RunningSandbox, actor: Actor) -> DmpRejectedError:
    ins = world.new_patient(sandbox, actor)
    with pytest.raises(DmpRejectedError) as refused:
        client.test_existence(ins, actor=actor)
    assert refused.value.code == "FailedAuthentication"
    return refused.value


# --- the request head has a deadline -----------------------------------------------------


def test_a_request_head_trickled_line_by_line_is_cut_off_at_its_deadline(
    sandbox: RunningSandbox,
) -> None:
    pki = sandbox.manifest.pki
    served: list[str] = []

    def app(request: HttpRequest) -> HttpResponse:
        served.append(request.path)
        return HttpResponse(200, "text/plain", b"ok")

    context = server_ssl_context(
        TlsConfig(
            ca_bundle=pki.ca,
            certificate=pki.directory / "server.pem",
            key=pki.directory / "server.key",
        )
    )
    client_context = client_ssl_context(world.tls_config(sandbox.manifest))
    # each line comes well within the idle timeout; only the head deadline can end this
    pace, max_lines = 0.2, 300
    with HttpsServer(app, context, idle_timeout=60.0, head_timeout=1.0) as server:
        raw = socket.create_connection((server.host, server.port), timeout=10)
        with client_context.wrap_socket(raw, server_hostname="localhost") as connection:
            connection.sendall(b"POST /trickle HTTP/1.1\r\nHost: localhost\r\n")
            connection.settimeout(pace)
            sent, closed = 0, False
            while sent < max_lines and not closed:
                try:
                    closed = connection.recv(1024) == b""  # the server hung up
                except TimeoutError:
                    try:
                        connection.sendall(f"X-Line-{sent}: a\r\n".encode())
                        sent += 1
                    except (ssl.SSLError, OSError):
                        closed = True
                except (ssl.SSLError, OSError):
                    closed = True
        assert closed, f"still connected after {sent} header lines"
        assert sent < max_lines
        assert served == []
        # a client sending its head at once is served as before
        raw = socket.create_connection((server.host, server.port), timeout=10)
        with client_context.wrap_socket(raw, server_hostname="localhost") as connection:
            connection.sendall(
                b"GET /prompt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"
            )
            connection.settimeout(10)
            assert connection.recv(1024).startswith(b"HTTP/1.1 200")
        assert served == ["/prompt"]


# --- the age of the VIHF -----------------------------------------------------------------


def test_a_vihf_issued_two_years_ago_is_refused_whatever_its_validity(
    sandbox: RunningSandbox, open_transport: HttpsTransport, doctor: Actor
) -> None:
    now = datetime.now(UTC)
    issued = now - timedelta(days=730)

    def valid_until_tomorrow(assertion: etree._Element) -> None:
        conditions = assertion.find(f"{S}Conditions")
        assert conditions is not None
        conditions.set("NotOnOrAfter", (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))

    issuer = world.EditingIssuer(
        world.signer(sandbox.manifest), now=issued, before=valid_until_tomorrow
    )
    client = world.client_with_issuer(sandbox.manifest, open_transport, issuer)
    refusal = _refusal(client, sandbox, doctor)
    assert "trop ancien" in refusal.message


def test_a_fresh_vihf_of_the_real_client_is_accepted(
    sandbox: RunningSandbox, client: DmpClient, doctor: Actor
) -> None:
    ins = world.new_patient(sandbox, doctor)
    assert client.test_existence(ins, actor=doctor).exists
    assert client.test_existence(ins, actor=doctor).exists  # a new VIHF for each call


# --- the VIHF signer is the structure's signature certificate -----------------------------


def test_a_vihf_signed_by_a_mailbox_certificate_of_the_structure_is_refused(
    sandbox: RunningSandbox, open_transport: HttpsTransport, doctor: Actor, tmp_path: Path
) -> None:
    manifest = sandbox.manifest
    # an organisational mailbox of the DMP structure, its certificate issued by the
    # sandbox CA exactly as the MSSanté sandbox issues its own (same CA, same OU)
    address = "secretariat@structure-dmp.mssante.fr"
    ca = KeyPairFiles(manifest.pki.ca, manifest.pki.directory / "ca.key")
    request = CertificateRequest(address, manifest.pki.structure_name, manifest.pki.structure_id)
    mailbox = ensure_mailbox_certificates(tmp_path, ca, [request])[address]
    issuer = world.EditingIssuer(Signer.from_files(mailbox.certificate, mailbox.key))
    client = world.client_with_issuer(manifest, open_transport, issuer)
    refusal = _refusal(client, sandbox, doctor)
    assert "certificat de signature de la structure" in refusal.message


def _signature_certificate_of(structure_id: str, pki_directory: Path) -> Signer:
    """A signature certificate issued by the sandbox CA, shaped like the structure's own
    (esante pki init) but for ``structure_id``."""
    ca_key = load_private_key(pki_directory / "ca.key")
    ca = load_certificate(pki_directory / "ca.pem")
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = datetime.now(UTC) - timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Autre structure"),
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, structure_id),
                    x509.NameAttribute(NameOID.COMMON_NAME, f"signature {structure_id}"),
                ]
            )
        )
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return Signer(key, certificate)


def test_a_vihf_signed_by_the_signature_certificate_of_another_structure_is_refused(
    sandbox: RunningSandbox, open_transport: HttpsTransport, doctor: Actor
) -> None:
    manifest = sandbox.manifest
    other = _signature_certificate_of("499900000000999", manifest.pki.directory)
    assert doctor.structure_id == manifest.pki.structure_id != "499900000000999"
    issuer = world.EditingIssuer(other)
    client = world.client_with_issuer(manifest, open_transport, issuer)
    refusal = _refusal(client, sandbox, doctor)
    assert "autre structure" in refusal.message


# --- the TLS client certificate is an authentication certificate -------------------------


def test_the_signature_certificate_as_tls_client_certificate_is_refused(
    sandbox: RunningSandbox, doctor: Actor
) -> None:
    pki = sandbox.manifest.pki
    tls = TlsConfig(ca_bundle=pki.ca, certificate=pki.signature_certificate, key=pki.signature_key)
    with HttpsTransport(tls) as transport:
        client = world.dmp_client(sandbox.manifest, transport)
        refusal = _refusal(client, sandbox, doctor)
    assert "clientAuth" in refusal.message


# --- a VIHF serves one request -----------------------------------------------------------


@dataclass
class Recording:
    """A transport that keeps the requests it sends (to send one again)."""

    inner: HttpsTransport
    sent: list[SoapRequest] = field(default_factory=list)

    def handle(self, request: SoapRequest) -> SoapResponse:
        self.sent.append(request)
        return self.inner.handle(request)


def test_the_same_request_sent_again_is_refused_as_a_replay(
    sandbox: RunningSandbox, open_transport: HttpsTransport, doctor: Actor
) -> None:
    recording = Recording(open_transport)
    client = world.dmp_client(sandbox.manifest, recording)  # type: ignore[arg-type]
    ins = world.new_patient(sandbox, doctor)
    assert client.test_existence(ins, actor=doctor).exists
    (first,) = recording.sent
    with pytest.raises(SenderFaultError) as replayed:
        send(open_transport, first)
    fault = replayed.value.fault
    assert fault.subcodes[-1] == f"{WSSE}FailedAuthentication"
    assert "rejeu" in fault.reason
    assert client.test_existence(ins, actor=doctor).exists  # a new VIHF is accepted
