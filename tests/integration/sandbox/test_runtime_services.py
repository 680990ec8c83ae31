"""The sandbox's extra services are started with it and listed in ``sandbox.json``.

Real sockets on loopback; the DMP's demo DMPs, MSSanté, the patient page and the
directory are left off to stay quick (they are covered elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from esante.sandbox.runtime import RunningSandbox, SandboxOptions, read_manifest, start_sandbox


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    directory = tmp_path_factory.mktemp("services")
    options = SandboxOptions(
        directory=directory, seed_demo=False, mes=False, mss=False, annuaire=False
    )
    with start_sandbox(options) as sandbox:
        yield sandbox


def test_psc_is_listed_and_answers_its_discovery_document(running: RunningSandbox) -> None:
    manifest = read_manifest(Path(running.manifest.directory))
    assert manifest.psc is not None
    document = httpx.get(manifest.psc.discovery_url, timeout=10).json()
    assert document["issuer"] == manifest.psc.issuer
    assert manifest.psc.issuer.endswith("/auth/realms/esante-wallet")
    token = httpx.post(
        document["token_endpoint"],
        data={"grant_type": "authorization_code", "code": "not-a-code"},
        auth=(manifest.psc.client_id, manifest.psc.client_secret),
        timeout=10,
    )
    # esante's client is known (a wrong secret would be invalid_client): the code is not
    assert token.status_code == 400
    assert token.json()["error"] == "invalid_grant"


def test_psc_keeps_its_port_and_client_across_restarts(tmp_path: Path) -> None:
    options = SandboxOptions(
        directory=tmp_path, seed_demo=False, mes=False, mss=False, annuaire=False
    )
    with start_sandbox(options) as first:
        assert first.manifest.psc is not None
        before = first.manifest.psc
    with start_sandbox(options) as second:
        assert second.manifest.psc == before
