"""The public face of esante.sandbox.directory is a tested contract."""

from __future__ import annotations

import esante.sandbox.directory


def test_directory_exports() -> None:
    exported = esante.sandbox.directory.__all__
    assert exported == sorted(exported)
    assert set(exported) == {
        "API_KEY_HEADER",
        "FHIR_BASE_PATH",
        "DirectoryServer",
        "create_directory_app",
        "directory_resources",
        "mailbox_address",
    }
