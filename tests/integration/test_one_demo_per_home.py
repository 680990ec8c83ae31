"""One demo per home, as users run it: two real ``esante demo`` processes, one home.

The first demo runs as the console script would (its own process, its sandbox in
``$ESANTE_HOME/sandbox``); a second ``esante demo`` and an ``esante sandbox start`` on the
same directories are refused in French naming the running process, and leave the first's
``sandbox.json`` and services as they were. Stopped and started again, the demo's sandbox
listens on the same ports (they are free again).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.integration.test_serve import ESANTE, URL, Running, _env, _start


def _addresses(manifest: dict[str, Any]) -> dict[str, object]:
    """The addresses of the sandbox's services: what clients and mail clients keep."""
    return {
        "dmp": manifest["dmp"]["base_url"],
        "mes": manifest["mes"]["url"],
        "smtp": manifest["mss"]["smtp"]["port"],
        "imap": manifest["mss"]["imap"]["port"],
        "annuaire": manifest["annuaire"]["url"],
    }


def _ready(demo: Running) -> str:
    match = URL.search(demo.wait_for("esante démo prête"))
    assert match is not None
    demo.wait_for("Arrêt : Ctrl+C")
    return match.group(1)


def test_a_second_demo_is_refused_and_a_restart_keeps_the_ports(tmp_path: Path) -> None:
    home, sandbox = tmp_path / "home", tmp_path / "home" / "sandbox"
    first = _start("demo", "--port", "0", home=home)
    try:
        base = _ready(first)
        described = (sandbox / "sandbox.json").read_text("utf-8")
        manifest = json.loads(described)

        second = subprocess.run(
            [str(ESANTE), "demo", "--port", "0"],
            env=_env(home),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert second.returncode == 1, second.stdout + second.stderr
        assert "Une démo esante tourne déjà" in second.stderr
        assert f"processus {first.process.pid}" in second.stderr
        assert "Base de données prête" not in second.stdout  # refused before anything

        beside = subprocess.run(
            [str(ESANTE), "sandbox", "start", "--dir", str(sandbox)],
            env=_env(home),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert beside.returncode == 1, beside.stdout + beside.stderr
        assert "Un bac à sable tourne déjà" in beside.stderr
        assert f"processus {first.process.pid}" in beside.stderr

        # the first demo is untouched: same description, and it still answers
        assert (sandbox / "sandbox.json").read_text("utf-8") == described
        assert httpx.get(base + "/health", timeout=10).status_code == 200
        assert httpx.get(manifest["mes"]["url"] + "/", timeout=10).status_code == 200
        lola = subprocess.run(
            [str(ESANTE), "dmp", "status", "--ins", _lola_nir(), "--json"],
            env={**_env(home), "ESANTE_SANDBOX": str(sandbox)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert lola.returncode == 0, lola.stderr
        assert json.loads(lola.stdout)["existe"] is True
    finally:
        assert first.stop() == 0
    assert not (sandbox / "sandbox.json").exists()

    again = _start("demo", "--port", "0", home=home)
    try:
        _ready(again)
        restarted = json.loads((sandbox / "sandbox.json").read_text("utf-8"))
        assert restarted["pid"] == again.process.pid
        assert _addresses(restarted) == _addresses(manifest)
    finally:
        assert again.stop() == 0


def _lola_nir() -> str:
    from esante.demo import demo_dataset

    return demo_dataset().patient("lola").nir
