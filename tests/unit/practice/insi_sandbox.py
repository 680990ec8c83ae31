"""The sandbox's INSi in process, for practice tests: real INSi client, real sandbox code.

:func:`insi_for` gives an :class:`esante.insi.InsiClient` whose transport hands the
request bytes to :class:`esante.sandbox.insi.InsiHttpApp` (the same application the
sandbox serves over mutual TLS), with extra identities added to the demo registry.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from esante.identity import check_ins
from esante.identity.insi import InsiIndividual, InsiTraits, InsRecord, LunarDate
from esante.insi import InsiClient, LpsIdentity, Professional, professional_assertion
from esante.sandbox.insi import InsiHttpApp, InsiPerson, InsiRegistry, sandbox_registry
from esante.transport import InProcessTransport

DOCTOR = "899700000001"


@cache
def _peer() -> x509.Certificate:
    """A client certificate as the TLS layer would hand it over (content unused)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "client")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def person(
    matricule: str, oid: str, name: str, given: str, sex: str, born: date, place: str | None
) -> InsiPerson:
    """An identity known to INSi (names given already in INSi spelling)."""
    traits = InsiTraits(name, given.split()[0], given, sex, LunarDate.of(born), place)
    return InsiPerson(InsiIndividual(InsRecord(check_ins(matricule, oid)), traits))


def insi_for(*extra: InsiPerson) -> InsiClient:
    """An INSi client talking to the sandbox's INSi application in process."""
    registry = InsiRegistry([*sandbox_registry().people, *extra])
    app = InsiHttpApp(registry)
    return InsiClient(
        InProcessTransport(app.wire_handler(_peer())),
        "https://insi.sandbox/insi/ICIR",
        lps=LpsIdentity("TESTS", "1", "esante", "tests"),
        professional=Professional(
            DOCTOR, lambda: professional_assertion(DOCTOR, issuer=f"CN={DOCTOR}")
        ),
    )
