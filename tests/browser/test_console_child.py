"""The child health record in chromium (issue 15): the GP signs in with Pro Santé Connect,
opens Lola's record (the demo's 13-month-old), her carnet de santé (the calendar), the
exam of her age, records it, records her 9-month exam late (the CS9 prompt, the
certificate prefilled), adds her measures and sees the growth curves drawn by esante;
axe-core finds no serious or critical violation on any of these screens."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from playwright.sync_api import Browser, Page

from esante.cda.build._xml import PARIS
from esante.cda.build.ages import add_period
from esante.cda.build.child_exam import child_exam, exam_for_age
from esante.demo import demo_dataset
from esante.sandbox.psc import PscServer
from esante.store import utcnow
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Esante, sign_in_with_psc


def test_a_gp_walks_the_child_health_record(
    browser: Browser, esante: Esante, psc: PscServer
) -> None:
    lola = demo_dataset().patient("lola")
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
        page.get_by_role("link", name="Carnet de santé de l'enfant").click()
        page.wait_for_url(f"{base}/patients/*/enfant")
        record = page.url
        assert page.get_by_role("heading", level=1).inner_text().startswith("Carnet de santé")
        assert page.locator("table").first.locator("tbody tr").count() == 20
        _check(page, "calendrier des examens")

        # the exam of her age, from the calendar, by keyboard
        today_exam = exam_for_age(lola.birth_date, _today())
        link = page.get_by_role("link", name=today_exam.title)
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{record}/examens/{today_exam.id}")
        assert page.get_by_role("heading", name="Repris du dossier").is_visible()
        _check(page, "formulaire d'examen")
        page.get_by_label(today_exam.themes[0]).fill("Oui")
        page.fill("#f-conclusion", "Examen normal.")
        page.get_by_role("button", name="Enregistrer l'examen").click()
        page.wait_for_url(f"{record}/examens/{today_exam.id}?enregistre=1*")
        assert page.get_by_role("status").inner_text() == "Examen enregistré."
        _check(page, "examen enregistré")

        # the 9-month exam, entered late: the CS9 prompt, the certificate prefilled
        m9 = child_exam("m9")
        page.goto(f"{record}/examens/m9")
        page.fill("#f-examined_on", add_period(lola.birth_date, "P9M").isoformat())
        page.get_by_label("Accidents domestiques").fill("Aucun accident")
        page.get_by_role("button", name="Enregistrer l'examen").click()
        page.wait_for_url(f"{record}/examens/m9?enregistre=1*")
        prompt = page.get_by_role("heading", name="Un certificat de santé (CS9) est à établir")
        assert prompt.is_visible()
        assert m9.certificate == "CS9"
        page.get_by_role("link", name="Établir le certificat CS9 (prérempli)").click()
        page.wait_for_url(f"{record}/certificats/cs9")
        assert page.locator('input[name="domestic_accident"][value="non"]').is_checked()
        assert "plateforme des certificats de santé" in page.inner_text("main")
        _check(page, "certificat CS9")

        # her measures, then the curves served by esante
        page.goto(record)
        page.fill("#f-weight_g", "9600")
        page.fill("#f-height_cm", "76,5")
        page.fill("#f-head_circumference_cm", "45,5")
        page.get_by_role("button", name="Enregistrer les mesures").click()
        page.wait_for_url(f"{record}?mesures=1*")
        assert page.get_by_role("status").inner_text() == "Mesures enregistrées."
        curve = page.locator('img[src$="/courbes/poids.svg"]')
        curve.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => [...document.querySelectorAll('figure img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        assert "dernière mesure le" in (curve.get_attribute("alt") or "")
        _check(page, "mesures et courbes")
        page.set_viewport_size({"width": 768, "height": 1024})  # a tablet
        page.goto(record)
        _check(page, "carnet de santé sur tablette")
    finally:
        context.close()


def _check(page: Page, what: str) -> None:
    """axe-core on the screen, then its screenshot under ``$ESANTE_TEST_ARTIFACTS`` (if set)."""
    assert_accessible(page, what)
    artefacts = os.environ.get("ESANTE_TEST_ARTIFACTS")
    if artefacts:
        directory = Path(artefacts) / "console-child"
        directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"\W+", "-", what)
        page.screenshot(path=directory / f"{name}.png", full_page=True)


def _today() -> date:
    return utcnow().astimezone(PARIS).date()
