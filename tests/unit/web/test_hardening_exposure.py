"""``esante serve`` refuses, in French, to expose patient data without sign-in, a
secret key and TLS (issue 12 item 5): run as a real subprocess, it exits before binding."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _serve(home: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")}
    env["ESANTE_HOME"] = str(home)
    env["ESANTE_DATABASE_URL"] = f"sqlite:///{home / 'esante.db'}"
    env.update(settings)
    return subprocess.run(
        [str(Path(sys.executable).parent / "esante"), "serve", "--port", "0", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "settings", "why"),
    [
        ((), {"ESANTE_ENV": "production"}, "en production"),
        (("--host", "0.0.0.0"), {}, "sur l'adresse 0.0.0.0"),  # noqa: S104 (the refused bind)
    ],
)
def test_an_exposed_service_without_psc_key_and_tls_is_refused(
    tmp_path: Path, args: tuple[str, ...], settings: dict[str, str], why: str
) -> None:
    done = _serve(tmp_path, *args, **settings)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"esante refuse de démarrer {why} sans la connexion Pro Santé Connect" in output
    assert "une clé secrète" in output
    assert "TLS ou un mandataire inverse de confiance" in output
    assert "à l'écoute" not in output
