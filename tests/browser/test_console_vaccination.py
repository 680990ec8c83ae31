"""The vaccination record in chromium (issue 15): the GP signs in with Pro Santé Connect,
opens Lola's record (the demo's 13-month-old), her vaccination book (history and
schedule), the scan screen, where the scan field has the focus and the box's DataMatrix is
typed key by key as a keyboard-wedge scanner does (GS separator lost, then Enter), an
unknown box offering the catalogue's vaccines, the VAC-NOTE prefilled, « Valider », the
book with the vaccination, the prescription preview; axe-core finds no serious or critical
violation on any of these screens."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from playwright.sync_api import Browser, Page

from esante.cda.build._xml import PARIS
from esante.demo import demo_dataset
from esante.practice.vaccination.catalogue import packaged
from esante.sandbox.psc import PscServer
from esante.store import utcnow
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Esante, sign_in_with_psc

BEXSERO = next(p for p in packaged().presentations if p.vaccine.key == "bexsero")
# a lot and a serial holding no AI of a medicine box: with GS lost, one reading only
LOT, SERIAL = "AC38B447AB", "7QX2HD9KF3"


def _gtin(first13: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(first13))
    return first13 + str((10 - total % 10) % 10)


def test_a_gp_scans_a_vaccine_box_and_validates_the_note(
    browser: Browser, esante: Esante, psc: PscServer
) -> None:
    lola = demo_dataset().patient("lola")
    today = utcnow().astimezone(PARIS).date()
    expiry = date(today.year + 2, 6, 30)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    base = esante.base
    try:
        sign_in_with_psc(page, base, psc, "generaliste")
        page.wait_for_url(f"{base}/patients")
        page.goto(
            f"{base}/patients?nom={lola.birth_family_name}&naissance={lola.birth_date:%d/%m/%Y}"
        )
        page.get_by_role("link", name=lola.birth_family_name).first.click()
        page.wait_for_url(f"{base}/patients/*")
        page.get_by_role("link", name="Vaccinations", exact=True).click()
        page.wait_for_url(f"{base}/patients/*/vaccinations")
        book = page.url
        assert page.get_by_role("heading", level=1).inner_text().startswith("Vaccinations")
        assert page.get_by_role("heading", name="Calendrier vaccinal").is_visible()
        _check(page, "carnet de vaccination")

        # an unknown box: the catalogue's vaccines to choose from, none chosen
        page.get_by_role("link", name="Scanner la boîte d'un vaccin").click()
        page.wait_for_url(f"{book}/scan")
        unknown = _gtin("0340090000123")
        page.get_by_label("Scanner la boîte du vaccin (DataMatrix)").fill(
            f"]d201{unknown}17{expiry:%y%m%d}10{LOT}"
        )
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.get_by_role("heading", name="Boîte non reconnue").is_visible()
        assert page.locator('input[name="cle"]').count() > 1
        assert page.locator('input[name="cle"]:checked').count() == 0
        _check(page, "boîte non reconnue")

        # the scanner types into the focused field, GS lost, and ends with Enter
        page.goto(f"{book}/scan")
        field = page.get_by_label("Scanner la boîte du vaccin (DataMatrix)")
        assert field.evaluate("e => e === document.activeElement")  # autofocus
        _check(page, "scan de la boîte")
        page.keyboard.type(f"]d201{BEXSERO.gtin}17{expiry:%y%m%d}10{LOT}21{SERIAL}", delay=5)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{book}/note?*")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Note de vaccination")
        assert page.locator("#vaccin").inner_text() == BEXSERO.vaccine.name
        assert page.get_by_label("Numéro de lot").input_value() == LOT
        assert page.get_by_label("Date de péremption").input_value() == expiry.isoformat()
        assert page.get_by_label("Date de vaccination").input_value() == today.isoformat()
        assert "Séparateur GS absent" in page.inner_text("main")
        _check(page, "note de vaccination préremplie")

        # the first note of the service compiles the kit's schematron (tens of seconds)
        page.get_by_role("button", name="Valider").click(no_wait_after=True)
        page.wait_for_url(f"{book}?note=*", timeout=180_000)
        status = page.get_by_role("status").first.inner_text()
        assert "Note de vaccination validée" in status
        row = page.locator("#historique tbody tr").filter(has_text=LOT)
        assert row.count() == 1
        assert BEXSERO.vaccine.name in row.inner_text()
        assert "administré au cabinet" in row.inner_text()
        _check(page, "carnet après la note")

        page.get_by_role("link", name="Prescrire les vaccins de la prochaine visite").click()
        page.wait_for_url(f"{book}/ordonnance")
        _check(page, "ordonnance des prochains vaccins")
        page.set_viewport_size({"width": 768, "height": 1024})  # a tablet
        page.goto(book)
        _check(page, "carnet de vaccination sur tablette")
    finally:
        context.close()


def _check(page: Page, what: str) -> None:
    """axe-core on the screen, then its screenshot under ``$ESANTE_TEST_ARTIFACTS`` (if set)."""
    assert_accessible(page, what)
    artefacts = os.environ.get("ESANTE_TEST_ARTIFACTS")
    if artefacts:
        directory = Path(artefacts) / "console-vaccination"
        directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"\W+", "-", what)
        page.screenshot(path=directory / f"{name}.png", full_page=True)
