"""The console in chromium (issue 14): a GP signs in with Pro Santé Connect, lands on the
patient search, finds a demo patient by name and opens the record; each screen passes
axe-core (no serious or critical violation) at 1280×800 and on a 768 px tablet."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from esante.demo import demo_dataset
from esante.sandbox.psc import PscServer
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Esante, sign_in_with_psc


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (768, 1024)])
def test_a_gp_finds_and_opens_a_patient(
    browser: Browser, esante: Esante, psc: PscServer, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    try:
        sign_in_with_psc(page, esante.base, psc, "generaliste")
        page.wait_for_url(f"{esante.base}/patients")
        assert_accessible(page, "recherche de patients")
        person = demo_dataset().patients[0]
        page.fill("#q-nom", person.birth_family_name)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{esante.base}/patients?**")
        page.get_by_role("link", name=person.birth_family_name).first.click()
        page.wait_for_url(f"{esante.base}/patients/*")
        heading = page.get_by_role("heading", level=1).inner_text()
        assert person.birth_family_name in heading
        assert_accessible(page, "dossier du patient")
        page.goto(f"{esante.base}/patients/nouveau")
        assert_accessible(page, "nouveau patient")
    finally:
        context.close()
