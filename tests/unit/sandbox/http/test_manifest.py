"""sandbox.json: written atomically and privately, read back with paths resolved."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from esante.sandbox.runtime import (
    ClientPki,
    DmpService,
    SandboxManifest,
    SandboxNotFoundError,
    read_manifest,
    write_manifest,
)


def _manifest(directory: Path) -> SandboxManifest:
    pki = directory / "pki"
    return SandboxManifest(
        directory=directory,
        pid=4242,
        started=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        kit_mode=False,
        dmp=DmpService(
            base_url="https://127.0.0.1:1234/si-dmp-server/v2/services",
            database="postgresql+psycopg://u:secret@db/dmp",
            repository_unique_id="1.2.250.1.213.4.1.1.1.2",
        ),
        pki=ClientPki(
            directory=pki,
            ca=pki / "ca.pem",
            authentication_certificate=pki / "auth.pem",
            authentication_key=pki / "auth.key",
            signature_certificate=pki / "sign.pem",
            signature_key=pki / "sign.key",
            structure_id="499900000000001",
            structure_name="CABINET",
        ),
    )


def test_round_trip_with_relative_paths_and_private_mode(tmp_path: Path) -> None:
    written = _manifest(tmp_path)
    path = write_manifest(written)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert '"ca": "pki/ca.pem"' in path.read_text("utf-8")
    moved = tmp_path.rename(tmp_path.with_name(tmp_path.name + "-moved"))
    read = read_manifest(moved)
    assert read.pki.ca == (moved / "pki" / "ca.pem").resolve()
    assert read.dmp == written.dmp
    assert (read.pid, read.started, read.kit_mode) == (4242, written.started, False)


def test_missing_or_broken_manifest_is_a_french_error(tmp_path: Path) -> None:
    with pytest.raises(SandboxNotFoundError) as missing:
        read_manifest(tmp_path)
    assert "Aucun bac à sable" in missing.value.message
    (tmp_path / "sandbox.json").write_text('{"format": "esante-sandbox/1"}', "utf-8")
    with pytest.raises(SandboxNotFoundError) as incomplete:
        read_manifest(tmp_path)
    assert "incomplète" in incomplete.value.message
