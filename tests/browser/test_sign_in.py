"""Sign-in in a real browser (issue 12): Debian's chromium driven by Playwright, the
sandbox Pro Santé Connect realm and ``esante serve`` on loopback sockets.

chromium is a system package (``make sysdeps``); without it these tests fail under CI
and are skipped elsewhere — never ``playwright install``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
import pytest

from esante.cli.serve import load_demo_data, prepare_database
from esante.config import Settings
from esante.demo import DEFAULT_SEED
from esante.sandbox.psc import PscServer, start_psc
from esante.sandbox.psc.realm import DISCOVERY_PATH
from esante.sandbox.runtime.server import bind
from tests.waiting import wait_until

CHROMIUM = Path("/usr/bin/chromium")
ESANTE = Path(sys.executable).parent / "esante"

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} missing: make sysdeps installs it", pytrace=False)
    pytest.skip(f"{CHROMIUM} missing (make sysdeps)", allow_module_level=True)

from playwright.sync_api import Browser, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def psc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PscServer]:
    server = start_psc(tmp_path_factory.mktemp("psc") / "psc", bind("127.0.0.1", 0))
    yield server
    server.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def esante(psc: PscServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("home")
    port = _free_port()
    client = psc.state.esante_client()
    assert client is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESANTE_")}
    env.update(
        ESANTE_HOME=str(home),
        ESANTE_DATABASE_URL=f"sqlite:///{home / 'esante.db'}",
        ESANTE_PORT=str(port),
        ESANTE_PSC_DISCOVERY_URL=f"{psc.base_url}{DISCOVERY_PATH}",
        ESANTE_PSC_CLIENT_ID=client.client_id,
        ESANTE_PSC_CLIENT_SECRET=client.client_secret,
    )
    # the practice knows the demo professionals the sandbox realm signs in
    settings = Settings(home=home, database_url=env["ESANTE_DATABASE_URL"])
    prepare_database(settings)
    load_demo_data(settings, DEFAULT_SEED)
    process = subprocess.Popen(
        [str(ESANTE), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None and False

    try:
        wait_until(up, what="esante serve answering /health")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        opened = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield opened
        opened.close()


def test_a_professional_signs_in_with_psc_and_signs_out(
    psc: PscServer, esante: str, browser: Browser
) -> None:
    professional = psc.state.dataset.practitioner("generaliste")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{esante}/")
    page.click("#psc")
    page.check(f'input[name="professionnel"][value="{professional.id_nat_ps}"]')
    page.locator('form:has(input[name="professionnel"]) [type="submit"]').click()
    seed = psc.state.ecps.seed(professional.id_nat_ps)
    assert seed is not None
    page.fill("#code", pyotp.TOTP(seed).now())
    page.locator('form:has(#code) [type="submit"]').click()
    page.wait_for_url(f"{esante}/**")
    assert professional.family_name.upper() in page.inner_text("#acteur", timeout=5000).upper()

    # another browser, without the session, is shown the sign-in page
    other = browser.new_context().new_page()
    other.goto(f"{esante}/")
    assert other.locator("#psc").is_visible()
    assert other.locator("#acteur").count() == 0

    page.click("text=Se déconnecter")
    page.locator("#acteur").wait_for(state="detached")  # through PSC's end of session
    page.goto(f"{esante}/")
    page.locator("#psc").wait_for()
    assert page.locator("#acteur").count() == 0
    context.close()
