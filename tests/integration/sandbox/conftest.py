"""A running DMP sandbox for the end-to-end tests: real sockets, mutual TLS, SQLite.

``sandbox`` is started once per test session in a temporary directory (PKI generated
there, SQLite database, demo DMPs seeded) and stopped at the end; tests isolate
themselves by opening DMPs for fresh INS. ``kit_sandbox`` is a second one in kit mode.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from esante.dmp import Actor, DmpClient
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.transport import HttpsTransport
from tests.integration.sandbox import world


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    directory = tmp_path_factory.mktemp("sandbox")
    with start_sandbox(SandboxOptions(directory=directory)) as running:
        yield running


@pytest.fixture(scope="session")
def kit_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    directory = tmp_path_factory.mktemp("kit-sandbox")
    options = SandboxOptions(directory=directory, kit_mode=True, seed_demo=False)
    with start_sandbox(options) as running:
        yield running


@pytest.fixture(scope="session")
def transport(sandbox: RunningSandbox) -> Iterator[HttpsTransport]:
    with HttpsTransport(world.tls_config(sandbox.manifest)) as opened:
        yield opened


@pytest.fixture(scope="session")
def client(sandbox: RunningSandbox, transport: HttpsTransport) -> DmpClient:
    return world.dmp_client(sandbox.manifest, transport)


@pytest.fixture(scope="session")
def doctor(sandbox: RunningSandbox) -> Actor:
    return world.professional(sandbox.manifest, "generaliste")


@pytest.fixture(scope="session")
def colleague(sandbox: RunningSandbox) -> Actor:
    return world.professional(sandbox.manifest, "generaliste-2")
