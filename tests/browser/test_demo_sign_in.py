"""``make run`` as a newcomer uses it: from what ``esante demo`` prints, a professional
signs in through the sandbox Pro Santé Connect with the code read on the printed e-CPS
page, and the secretary with the printed password and a code of the printed TOTP secret,
both in chromium (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser

from esante.demo import demo_dataset
from tests.integration.test_demo_accounts import start_demo
from tests.integration.test_serve import Running


@pytest.fixture
def started() -> Iterator[list[Running]]:
    processes: list[Running] = []
    yield processes
    for running in processes:
        running.stop()


def test_the_printed_accounts_sign_in_in_a_browser(
    tmp_path: Path, started: list[Running], browser: Browser
) -> None:
    _base, printed = start_demo(tmp_path, started)
    professional = demo_dataset().practitioner("pediatre")

    context = browser.new_context()
    page = context.new_page()
    page.goto(printed.sign_in_url)
    page.click("#psc")
    page.check(f'input[name="professionnel"][value="{professional.id_nat_ps}"]')
    page.locator('form:has(input[name="professionnel"]) [type="submit"]').click()
    phone = context.new_page()  # the e-CPS app, as the demo says where to find it
    phone.goto(printed.ecps_url)
    row = phone.locator("tr", has=phone.locator(f"td:text-is('{professional.id_nat_ps}')"))
    code = row.locator("td.code").inner_text().strip()
    page.fill("#code", code)
    page.locator('form:has(#code) [type="submit"]').click()
    assert professional.family_name.upper() in page.inner_text("#acteur", timeout=10_000).upper()
    context.close()

    context = browser.new_context()
    page = context.new_page()
    page.goto(printed.sign_in_url)
    page.fill('input[name="login"]', printed.login)
    page.fill('input[name="password"]', printed.password)
    page.fill('input[name="code"]', pyotp.TOTP(printed.totp_secret).now())
    page.locator('form:has(input[name="login"]) [type="submit"]').click()
    assert "Secrétariat" in page.inner_text("#acteur", timeout=10_000)
    context.close()
