"""A non-sandbox preset with file-based certificates builds the DMP client and the worker
through esante.services, without the CLI (issue 16 part 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from esante.config import Settings
from esante.errors import ConfigError
from esante.services import environments, resolve
from tests.unit.services.conftest import StructureFiles

PROBE = """
import json, sys
from esante.config import load_settings
from esante.services import build_worker, resolve
profile = resolve(load_settings())
setup = build_worker(profile, sys.argv[1])
sender = setup.worker.handlers["dmp_submit"]
client = sender.credentials.get("structure:1").client
print(json.dumps({
    "cli_loaded": sorted(m for m in sys.modules if m.split(".")[:2] == ["esante", "cli"]),
    "kinds": sorted(setup.worker.handlers),
    "registry": client._endpoints.registry,
    "processing_code": client._endpoints.processing_code.value,
    "signer_serial": profile.signature.certificate.serial_number,
    "tls_serial": profile.authentication.certificate.serial_number,
    "lps": [profile.lps.homologation, profile.lps.oid, profile.lps.lps_id],
    "feeding_check": sender.feeding_check.__module__,
    "scratch": str(profile.authentication.key_file),
}))
setup.close()
"""


def test_test_preset_builds_client_and_worker_without_cli(
    structure_files: StructureFiles, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")}
    env.update(structure_files.env)
    url = f"sqlite:///{tmp_path / 'practice.db'}"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["cli_loaded"] == []
    assert seen["kinds"] == ["dmp_delete", "dmp_submit"]  # no MSSanté mailboxes given
    test_dmp = environments()["test"]["dmp"]
    assert seen["registry"] == test_dmp["url"].rstrip("/") + "/registry"
    assert seen["processing_code"] == test_dmp["processing_code"] == "D"
    pki = structure_files.pki
    assert seen["signer_serial"] == pki.signature.load_certificate().serial_number
    assert seen["tls_serial"] == pki.authentication.load_certificate().serial_number
    assert seen["lps"] == ["HOMOLOGATION-TEST-42", "1.2.250.1.999.42.7", "LPS-ID-TEST"]
    assert seen["feeding_check"] == "esante.practice.send_handlers"
    # the PEM copy of the PKCS#12 is removed when the worker is closed
    assert not Path(seen["scratch"]).exists()


def test_wrong_pkcs12_passphrase_names_the_variable(structure_files: StructureFiles) -> None:
    env = dict(structure_files.env)
    del env["ESANTE_AUTH_PASSWORD_FILE"]
    env["ESANTE_AUTH_PASSWORD"] = "pas le bon"
    settings = Settings(**{k.removeprefix("ESANTE_").lower(): v for k, v in env.items()})
    with pytest.raises(ConfigError) as caught:
        resolve(settings)
    assert caught.value.field == "ESANTE_AUTH_PASSWORD"
    assert "PKCS#12" in caught.value.message


def test_missing_setting_is_named(structure_files: StructureFiles) -> None:
    env = dict(structure_files.env)
    del env["ESANTE_LPS_HOMOLOGATION"]
    settings = Settings(**{k.removeprefix("ESANTE_").lower(): v for k, v in env.items()})
    with pytest.raises(ConfigError) as caught:
        resolve(settings)
    assert caught.value.field == "ESANTE_LPS_HOMOLOGATION"


def test_a_service_without_a_public_url_asks_for_its_variable(
    structure_files: StructureFiles,
) -> None:
    settings = Settings(
        **{k.removeprefix("ESANTE_").lower(): v for k, v in structure_files.env.items()}
    )
    profile = resolve(settings)
    try:
        assert environments()["test"]["mss"]["url"] is None
        with pytest.raises(ConfigError) as caught:
            profile.url("mss")
        assert caught.value.field == "ESANTE_MSS_URL"
    finally:
        profile.close()


def test_every_preset_url_cites_its_source() -> None:
    for name, preset in environments().items():
        for service, entry in preset.items():
            if entry["url"] is None:
                assert entry.get("note"), f"{name}/{service}: say why there is no URL"
            else:
                assert entry["url"].startswith("https://")
                assert entry.get("source"), f"{name}/{service}: cite the URL's source"
