"""`esante serve` and `esante demo` as real processes, over a real loopback socket.

Each test starts the console script with a temporary ``ESANTE_HOME`` (SQLite), waits for
the French announcement that names the URL (``--port 0``: the OS picks a free port, no
race), talks HTTP to it and stops it with SIGINT as a user's Ctrl+C would.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from esante.demo import demo_dataset
from esante.sandbox.runtime import SandboxOptions, start_sandbox
from tests.unit.practice.test_patients import HELENE_NIR, OID

ESANTE = Path(sys.executable).with_name("esante")


def lola_nir() -> str:
    return demo_dataset().patient("lola").nir


STARTUP_TIMEOUT = 60.0
URL = re.compile(r"(http://127\.0\.0\.1:\d+)")


@dataclass
class Running:
    process: subprocess.Popen[str]
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def wait_for(self, marker: str) -> str:
        """The first output line containing ``marker`` (fails with everything seen)."""
        while True:
            try:
                line = self.lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"no {marker!r} within {STARTUP_TIMEOUT}s; output: {self.seen}")
            if line is None:
                pytest.fail(f"process ended before {marker!r}; output: {self.seen}")
            self.seen.append(line)
            if marker in line:
                return line

    def stop(self, sig: signal.Signals = signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            if self.reader is not None:
                self.reader.join(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()


def _env(home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")}
    env["ESANTE_HOME"] = str(home)
    env.update(settings)
    return env


def _start(*args: str, home: Path, **settings: str) -> Running:
    process = subprocess.Popen(
        [str(ESANTE), *args],
        env=_env(home, **settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    running = Running(process)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            running.lines.put(line.rstrip("\n"))
        running.lines.put(None)

    running.reader = threading.Thread(target=pump, daemon=True)
    running.reader.start()
    return running


def api_key(home: Path, *, structure: int | None = None) -> dict[str, str]:
    """The Authorization header of a fresh API key made by ``esante apikey create`` (a
    structure is added first when ``structure`` is None: the database is empty)."""
    if structure is None:
        from esante.store import Structure, make_engine, session_factory

        engine = make_engine(f"sqlite:///{home / 'esante.db'}")
        with session_factory(engine)() as db:
            row = Structure(name="Cabinet", finess="750000001", id_nat_struct="1750000001")
            db.add(row)
            db.commit()
            structure = row.id
        engine.dispose()
    made = subprocess.run(
        [
            str(ESANTE),
            "apikey",
            "create",
            "--structure",
            str(structure),
            "--json",
            "--scope",
            "patients:read",
            "--scope",
            "patients:write",
            "--scope",
            "documents:read",
            "--scope",
            "documents:write",
        ],
        env=_env(home),
        capture_output=True,
        text=True,
        check=True,
    )
    return {"Authorization": f"Bearer {json.loads(made.stdout)['key']}"}


@pytest.fixture
def started() -> Iterator[list[Running]]:
    processes: list[Running] = []
    yield processes
    for running in processes:
        running.stop()


def test_serve_answers_health_and_patients_over_a_socket(
    tmp_path: Path, started: list[Running]
) -> None:
    running = _start("serve", "--port", "0", home=tmp_path)
    started.append(running)
    match = URL.search(running.wait_for("esante à l'écoute sur"))
    assert match is not None
    base = match.group(1)
    assert httpx.get(f"{base}/api/patients", timeout=10).status_code == 401
    with httpx.Client(base_url=base, timeout=10, headers=api_key(tmp_path)) as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert health.json()["database"]["backend"] == "sqlite"
        created = client.post(
            "/api/patients",
            json={
                "birth_family_name": "Lefèvre",
                "birth_given_names": "Hélène Marie",
                "sex": "F",
                "birth_date": "1981-04-12",
                "birthplace_cog": "69383",
                "ins_matricule": HELENE_NIR,
                "ins_oid": OID,
                "insi_reference": "INSI-1",
                "identity_document": "CN",
            },
        )
        assert created.status_code == 201, created.text
        found = client.get("/api/patients", params={"name": "lefevre"}).json()
        assert [p["identity_status"] for p in found["items"]] == ["QUAL"]
    assert running.stop(signal.SIGTERM) == 0  # as a service manager stops it
    assert running.wait_for("esante arrêté.")
    assert (tmp_path / "esante.db").is_file()


def test_serve_on_any_free_port_sends_psc_back_to_the_port_it_bound(
    tmp_path: Path, started: list[Running]
) -> None:
    """``--port 0``: the sign-in's redirect address names the port really bound, not the
    configured one (a PSC callback to port 8000 would land nowhere)."""
    options = SandboxOptions(
        directory=tmp_path / "sandbox",
        seed_demo=False,
        mes=False,
        mss=False,
        insi=False,
        annuaire=False,
    )
    with start_sandbox(options) as sandbox:
        assert sandbox.psc is not None
        client = sandbox.psc.state.esante_client()
        assert client is not None
        running = _start(
            "serve",
            "--port",
            "0",
            home=tmp_path,
            ESANTE_PSC_DISCOVERY_URL=sandbox.psc.discovery_url,
            ESANTE_PSC_CLIENT_ID=client.client_id,
            ESANTE_PSC_CLIENT_SECRET=client.client_secret,
        )
        started.append(running)
        match = URL.search(running.wait_for("esante à l'écoute sur"))
        assert match is not None
        base = match.group(1)
        answer = httpx.get(f"{base}/auth/psc", timeout=10, follow_redirects=False)
        assert answer.status_code == 303
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        assert query["redirect_uri"] == [f"{base}/auth/psc/callback"]
        assert running.stop(signal.SIGTERM) == 0


def test_serve_holds_against_oversized_bodies_and_impossible_ids(
    tmp_path: Path, started: list[Running]
) -> None:
    """Issue 11 item 6 over a real socket: a body over ``ESANTE_MAX_REQUEST_BYTES`` is
    refused 413 in French, an id no record can have (2^63: past SQLite's INTEGER) 422, each
    answer carries its request id, and uvicorn writes no traceback."""
    running = _start("serve", "--port", "0", home=tmp_path, ESANTE_MAX_REQUEST_BYTES=str(4 * 1024))
    started.append(running)
    match = URL.search(running.wait_for("esante à l'écoute sur"))
    assert match is not None
    headers = api_key(tmp_path)
    with httpx.Client(base_url=match.group(1), timeout=10, headers=headers) as client:
        big = client.post(
            "/api/patients",
            content=b'{"birth_family_name": "' + b"x" * 8192 + b'"}',
            headers={"Content-Type": "application/json"},
        )
        assert big.status_code == 413
        assert big.json()["message"] == "Requête trop volumineuse : 4 Kio au plus."
        ids = {big.headers["X-Request-ID"]}
        for url in ("/api/patients/9223372036854775808", "/api/outbox/9223372036854775808"):
            impossible = client.get(url)
            assert impossible.status_code == 422, impossible.text
            assert impossible.json()["message"].startswith("Valeur trop grande pour ")
            ids.add(impossible.headers["X-Request-ID"])
        assert len(ids) == 3
    assert running.stop() == 0
    running.wait_for("esante arrêté.")
    assert not [line for line in running.seen if "Traceback" in line], running.seen


def test_demo_loads_the_demo_patients_once(tmp_path: Path, started: list[Running]) -> None:
    first = _start("demo", "--port", "0", home=tmp_path)
    started.append(first)
    loaded = first.wait_for("Données de démonstration")
    assert "14 patient(s) créés" in loaded
    match = URL.search(first.wait_for("esante démo prête"))
    assert match is not None
    base = match.group(1)
    first.wait_for("Arrêt : Ctrl+C")
    assert any("/docs" in line for line in first.seen)
    with httpx.Client(base_url=base, timeout=10, headers=api_key(tmp_path, structure=1)) as client:
        lola = client.get("/api/patients", params={"name": "lola"}).json()
        assert lola["total"] == 1
        assert lola["items"][0]["identity_status"] == "QUAL"
        assert client.get("/api/practitioners").json()["total"] == 8
        assert client.get("/docs").status_code == 200
    assert first.stop() == 0  # Ctrl+C
    assert first.wait_for("Démo arrêtée.")

    again = _start("demo", "--port", "0", home=tmp_path)
    started.append(again)
    assert "0 patient(s) créés" in again.wait_for("Données de démonstration")
    again.wait_for("esante démo prête")
    assert again.stop() == 0


def test_busy_port_serve_refuses_demo_moves(tmp_path: Path, started: list[Running]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(ESANTE), "serve", "--port", str(port)],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 1
        assert f"Impossible d'écouter sur 127.0.0.1:{port}" in result.stderr
        assert "champ : --port" in result.stderr

        demo = _start("demo", "--port", str(port), home=tmp_path)
        started.append(demo)
        moved = demo.wait_for("est occupé")
        assert f"Le port {port} est occupé" in moved
        ready = URL.search(demo.wait_for("esante démo prête"))
        assert ready is not None
        assert not ready.group(1).endswith(f":{port}")
        assert httpx.get(ready.group(1) + "/health", timeout=10).status_code == 200


def test_demo_starts_the_sandbox_and_the_patient_page(
    tmp_path: Path, started: list[Running]
) -> None:
    import json

    demo = _start("demo", "--port", "0", home=tmp_path)
    started.append(demo)
    assert "14 DMP de démonstration créés" in demo.wait_for("Bac à sable prêt")
    demo.wait_for("Arrêt : Ctrl+C")
    mes_line = next(line for line in demo.seen if "Mon espace santé" in line)
    mes = URL.search(mes_line)
    assert mes is not None
    sandbox_dir = tmp_path / "sandbox"
    manifest = json.loads((sandbox_dir / "sandbox.json").read_text())
    assert manifest["mes"]["url"] == mes.group(1)
    assert manifest["dmp"]["base_url"].startswith("https://127.0.0.1:")
    # the MSSanté operator and the directory are announced, with the demo mailboxes
    smtp_line = next(line for line in demo.seen if "MSSanté SMTP" in line)
    assert f":{manifest['mss']['smtp']['port']} (STARTTLS)" in smtp_line
    assert any("Annuaire Santé" in line for line in demo.seen)
    doctor = demo_dataset().practitioner("generaliste").mssante_address
    assert any(doctor in line for line in demo.seen)
    assert any("certificatsdesante@plateformecse.mssante.fr" in line for line in demo.seen)
    assert not any(
        box.get("password", "") in "\n".join(demo.seen)
        for box in manifest["mss"]["mailboxes"]
        if box.get("password")
    )
    # the patient page lists the demo patients' DMPs
    page = httpx.get(mes.group(1) + "/", timeout=10)
    assert page.status_code == 200
    assert "Mon espace santé" in page.text or "bac à sable" in page.text
    lola_ins = re.search(r"/patients/(\d{15})", page.text)
    assert lola_ins is not None
    # and the DMP client reaches the sandbox DMP over mutual TLS
    env = {**_env(tmp_path), "ESANTE_SANDBOX": str(sandbox_dir)}
    status = subprocess.run(
        [str(ESANTE), "dmp", "status", "--ins", lola_ins.group(1), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["existe"] is True
    # a document fed in the demo reaches the sandbox DMP by itself (the demo's worker)
    cda = tmp_path / "vsm.xml"
    for command in (
        ["cda", "example", "vsm", "--patient", "lola", "--out", str(cda)],
        ["feed", str(cda), "--ins", lola_nir(), "--delay", "0", "--no-check"],
    ):
        done = subprocess.run(
            [str(ESANTE), *command], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 30
    state = None
    while time.monotonic() < deadline:
        listed = subprocess.run(
            [str(ESANTE), "outbox", "list", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        state = json.loads(listed.stdout)["ordres"][0]["etat"]
        if state == "sent":
            break
        time.sleep(0.3)
    assert state == "sent"
    assert demo.stop() == 0
    assert not (sandbox_dir / "sandbox.json").exists()  # removed at shutdown
