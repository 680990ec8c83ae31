"""The public face of esante.sandbox.psc is a tested contract."""

from __future__ import annotations

import esante.sandbox.psc


def test_psc_exports() -> None:
    exported = esante.sandbox.psc.__all__
    assert exported == sorted(exported)
    assert set(exported) == {
        "ACR_EIDAS1",
        "ClientRegistry",
        "DISCOVERY_PATH",
        "ESANTE_CLIENT_ID",
        "EcpsApp",
        "Lifetimes",
        "PSC_DIRECTORY",
        "PscClient",
        "PscClientError",
        "PscError",
        "PscServer",
        "PscState",
        "REALM_PATH",
        "SCOPE_ALL",
        "TlsFiles",
        "create_psc_app",
        "discovery_document",
        "start_psc",
    }
