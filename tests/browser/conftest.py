"""What the browser tests share: the sandbox of the national services (its Pro Santé
Connect realm and MSSanté operator), ``esante serve`` on a loopback socket signing in
with that realm, and Debian's chromium driven by Playwright.

chromium is a system package (``make sysdeps``); without it these tests fail under CI
and are skipped elsewhere — never ``playwright install``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pyotp
import pytest

from esante.cli.serve import load_demo_data, prepare_database
from esante.config import Settings
from esante.demo import DEFAULT_SEED
from esante.sandbox.psc import PscServer
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from tests.waiting import wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
ESANTE = Path(sys.executable).parent / "esante"


@dataclass(frozen=True)
class Esante:
    """A running ``esante serve``: where browsers reach it and its database."""

    base: str
    database_url: str


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The sandbox with Pro Santé Connect and MSSanté (no demo DMPs, no patient page)."""
    options = SandboxOptions(
        directory=tmp_path_factory.mktemp("browser-sandbox"),
        seed_demo=False,
        mes=False,
        insi=False,
        annuaire=False,
    )
    with start_sandbox(options) as running:
        yield running


@pytest.fixture(scope="session")
def psc(sandbox: RunningSandbox) -> PscServer:
    assert sandbox.psc is not None
    return sandbox.psc


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    home: Path,
    psc: PscServer,
    *,
    sandbox: Path | None = None,
    prepare: Callable[[str], None] | None = None,
) -> Iterator[Esante]:
    """``esante serve`` on a free loopback port over a database in ``home`` holding the
    demo data (the practitioners the sandbox realm signs in), signing in with ``psc`` and,
    with ``sandbox``, using that sandbox's national services (DMP, MSSanté; its worker
    sends). ``prepare(database_url)`` runs once the database is ready, before the start."""
    port = _free_port()
    client = psc.state.esante_client()
    assert client is not None
    database_url = f"sqlite:///{home / 'esante.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")}
    env.update(
        ESANTE_HOME=str(home),
        ESANTE_DATABASE_URL=database_url,
        ESANTE_PORT=str(port),
        ESANTE_PSC_DISCOVERY_URL=psc.discovery_url,
        ESANTE_PSC_CLIENT_ID=client.client_id,
        ESANTE_PSC_CLIENT_SECRET=client.client_secret,
    )
    if sandbox is not None:
        env["ESANTE_SANDBOX"] = str(sandbox.resolve())
    settings = Settings(home=home, database_url=database_url)
    prepare_database(settings)
    load_demo_data(settings, DEFAULT_SEED)
    if prepare is not None:
        prepare(database_url)
    process = subprocess.Popen(
        [str(ESANTE), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, "esante serve stopped"
        try:
            return httpx.get(f"{base}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, what="esante serve answering /health")
        yield Esante(base, database_url)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def esante(psc: PscServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Esante]:
    """``esante serve`` on a free loopback port, its database holding the demo data."""
    with serving(tmp_path_factory.mktemp("home"), psc) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, driven through Playwright's sync API for one test module at a time.

    Not session-scoped: Playwright's sync API keeps an asyncio event loop running in the
    thread until it is stopped, and every later test of the same xdist worker that runs
    an event loop (the ASGI test client, the MSSanté sandbox) then fails with "Cannot
    run the event loop while another loop is running". Module scope stops it as soon as
    the worker moves on to another module."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} missing: make sysdeps installs it", pytrace=False)
        pytest.skip(f"{CHROMIUM} missing (make sysdeps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        opened = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield opened
        opened.close()


def sign_in_with_psc(page: Page, base: str, psc: PscServer, key: str) -> str:
    """Sign demo professional ``key`` in through the sandbox PSC (choice, then the e-CPS
    one-time code); returns their family name, shown once signed in."""
    professional = psc.state.dataset.practitioner(key)
    page.goto(f"{base}/")
    page.click("#psc")
    page.check(f'input[name="professionnel"][value="{professional.id_nat_ps}"]')
    page.locator('form:has(input[name="professionnel"]) [type="submit"]').click()
    seed = psc.state.ecps.seed(professional.id_nat_ps)
    assert seed is not None
    page.fill("#code", pyotp.TOTP(seed).now())
    page.locator('form:has(#code) [type="submit"]').click()
    page.wait_for_url(f"{base}/**")
    name = professional.family_name.upper()
    assert name in page.inner_text("#acteur", timeout=5000).upper()
    return name
