"""The DMP sandbox's HTTP application in-process: a migrated SQLite database, a test PKI,
and the real DMP client talking to the application through the in-process transport
(the same bytes the HTTPS transport sends, no socket)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from esante.dmp import Actor, DmpClient, DmpEndpoints, LpsInfo, Signer
from esante.sandbox.dmp import make_engine, session_factory, upgrade
from esante.sandbox.dmp.http import DmpHttpApp
from esante.sandbox.dmp.soap import EndpointOptions
from esante.transport import InProcessTransport
from esante.trust import AuthenticationMode, Pki, generate_test_pki
from esante.trust import Code as RoleCode
from esante.xds import Code

BASE = "https://dmp.sandbox.test/si-dmp-server/v2/services"
LPS = LpsInfo(name="esante-tests", version="1.0", homologation_id="HOMOL", oid="1.2.250.1.999.42")
ACTIVITY = Code("04", "1.2.250.1.213.2.2", "Hospitalisation de jour")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    # Valid from yesterday: the tests' NOW is taken at import, maybe minutes before this.
    return generate_test_pki(
        tmp_path_factory.mktemp("http-pki") / "pki", now=datetime.now(UTC) - timedelta(days=1)
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'dmp.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def app(engine: Engine, pki: Pki) -> DmpHttpApp:
    options = EndpointOptions(trusted_cas=(pki.ca.load_certificate(),))
    return DmpHttpApp(session_factory(engine), options, trouble_refresh=0)


@pytest.fixture
def doctor(pki: Pki) -> Actor:
    return Actor(
        id="810003986931",
        family_name="PERRIN",
        given_name="François",
        role=RoleCode("10", "1.2.250.1.71.1.2.7", "Médecin"),
        specialty=RoleCode("SM54", "1.2.250.1.71.4.2.5"),
        structure_id=pki.structure_id,
        structure_name=pki.structure_name,
        activity_sector="SA07",
        authentication_mode=AuthenticationMode.DIRECTE,
    )


def in_process_client(app: DmpHttpApp, pki: Pki, *, peer: bool = True) -> DmpClient:
    certificate = pki.authentication.load_certificate() if peer else None
    return DmpClient.with_signer(
        InProcessTransport(app.wire_handler(certificate)),
        DmpEndpoints.from_base_url(BASE),
        signer=Signer.from_pki(pki),
        lps=LPS,
        content_type_code=ACTIVITY,
    )


@pytest.fixture
def client(app: DmpHttpApp, pki: Pki) -> DmpClient:
    return in_process_client(app, pki)
