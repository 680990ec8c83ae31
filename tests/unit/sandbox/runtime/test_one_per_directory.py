"""One sandbox per directory, and the same ports at the next start when they are free.

Real sockets on loopback; the sandbox is started with its DMP and MSSanté services only
(the others bind the same way) and without the demo DMPs, to stay quick.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cli.main import app
from esante.cli.sandbox import demo_lock
from esante.sandbox.runtime import (
    SandboxOptions,
    SandboxRuntimeError,
    read_manifest,
    start_sandbox,
)


def _options(directory: Path) -> SandboxOptions:
    return SandboxOptions(
        directory=directory,
        seed_demo=False,
        mes=False,
        annuaire=False,
        mss=True,
        psc=False,
        insi=False,
    )


def _ports(directory: Path) -> dict[str, int]:
    manifest = read_manifest(directory)
    assert manifest.mss is not None
    dmp = int(manifest.dmp.base_url.split(":")[2].split("/")[0])
    return {"dmp": dmp, "smtp": manifest.mss.smtp_port, "imap": manifest.mss.imap_port}


def test_a_second_sandbox_in_the_same_directory_is_refused(tmp_path: Path) -> None:
    with start_sandbox(_options(tmp_path)) as first:
        before = (tmp_path / "sandbox.json").read_text("utf-8")
        with pytest.raises(SandboxRuntimeError) as refused:
            start_sandbox(_options(tmp_path))
        assert "tourne déjà" in refused.value.message
        assert f"processus {first.manifest.pid}" in refused.value.message
        # the running one is untouched: same description, still there
        assert (tmp_path / "sandbox.json").read_text("utf-8") == before
    assert not (tmp_path / "sandbox.json").exists()
    with start_sandbox(_options(tmp_path)):  # free again once the first has stopped
        assert (tmp_path / "sandbox.json").exists()


def test_a_restarted_sandbox_keeps_its_ports_when_free(tmp_path: Path) -> None:
    with start_sandbox(_options(tmp_path)):
        first = _ports(tmp_path)
    remembered = json.loads((tmp_path / "ports.json").read_text("utf-8"))
    assert first.items() <= remembered.items()  # and those of the other services
    with start_sandbox(_options(tmp_path)):
        assert _ports(tmp_path) == first

    # a remembered port taken meanwhile by another program: another one, no failure
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", first["dmp"]))
    squatter.listen()
    try:
        with start_sandbox(_options(tmp_path)):
            moved = _ports(tmp_path)
    finally:
        squatter.close()
    assert moved["dmp"] != first["dmp"]
    assert (moved["smtp"], moved["imap"]) == (first["smtp"], first["imap"])


def test_a_second_demo_on_the_same_home_is_refused_in_french(tmp_path: Path) -> None:
    with demo_lock(tmp_path):
        result = CliRunner().invoke(app, ["demo"], env={"ESANTE_HOME": str(tmp_path)})
    assert result.exit_code == 1
    assert "Une démo esante tourne déjà" in result.output
    assert not (tmp_path / "esante.db").exists()  # refused before touching anything
