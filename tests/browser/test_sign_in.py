"""Sign-in in a real browser (issue 12): Debian's chromium driven by Playwright, the
sandbox Pro Santé Connect realm and ``esante serve`` on loopback sockets (fixtures in
``conftest.py``)."""

from __future__ import annotations

from playwright.sync_api import Browser

from esante.sandbox.psc import PscServer
from tests.browser.conftest import Esante, sign_in_with_psc


def test_a_professional_signs_in_with_psc_and_signs_out(
    psc: PscServer, esante: Esante, browser: Browser
) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in_with_psc(page, esante.base, psc, "generaliste")

    # another browser, without the session, is shown the sign-in page
    other = browser.new_context().new_page()
    other.goto(f"{esante.base}/")
    assert other.locator("#psc").is_visible()
    assert other.locator("#acteur").count() == 0

    page.click("text=Se déconnecter")
    page.locator("#acteur").wait_for(state="detached")  # through PSC's end of session
    page.goto(f"{esante.base}/")
    page.locator("#psc").wait_for()
    assert page.locator("#acteur").count() == 0
    context.close()
