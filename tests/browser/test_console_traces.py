"""The access trace and the MSSanté inbox in chromium (issue 14): a GP signs in with Pro
Santé Connect, reads the structure's trace (the chain's state streams in), filters it by
channel, opens a patient's record and from there who accessed that patient's data,
downloads it as CSV, then opens the inbox; each screen passes axe-core (no serious or
critical violation) at 1280×800 and on a 768 px tablet."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from esante.demo import demo_dataset
from esante.sandbox.psc import PscServer
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Esante, sign_in_with_psc


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (768, 1024)])
def test_a_gp_reads_the_access_trace_and_the_inbox(
    browser: Browser, esante: Esante, psc: PscServer, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    try:
        sign_in_with_psc(page, esante.base, psc, "generaliste")
        page.wait_for_url(f"{esante.base}/patients")

        page.get_by_role("link", name="Traces d'accès").first.click()
        page.wait_for_url(f"{esante.base}/traces")
        expect(page.locator("#integrite")).to_contain_text("Trace intègre", timeout=10_000)
        expect(page.locator("table caption")).to_contain_text("accès tracé")
        assert_accessible(page, "trace d'accès de la structure")

        page.select_option("#t-canal", "dossier")
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url(f"{esante.base}/traces?**canal=dossier**")
        expect(page.locator("tbody")).to_contain_text("Dossier patient")
        assert_accessible(page, "trace d'accès filtrée")

        person = demo_dataset().patients[0]
        page.goto(f"{esante.base}/patients?nom={person.birth_family_name}")
        page.get_by_role("link", name=person.birth_family_name).first.click()
        page.wait_for_url(f"{esante.base}/patients/*")
        page.get_by_role("link", name="Traces d'accès").last.click()
        page.wait_for_url(f"{esante.base}/patients/*/traces")
        expect(page.get_by_role("heading", level=1)).to_contain_text(person.birth_family_name)
        expect(page.locator("tbody")).to_contain_text("Lecture du dossier du patient")
        assert_accessible(page, "accès aux données d'un patient")

        export = page.get_by_role("link", name="Exporter en CSV (tableur)")
        href = export.get_attribute("href")
        assert href is not None
        answer = page.request.get(f"{esante.base}{href}")
        assert answer.ok
        assert answer.body().startswith(b"\xef\xbb\xbf")

        page.get_by_role("link", name="Messagerie").first.click()
        page.wait_for_url(f"{esante.base}/messagerie")
        expect(page.get_by_role("heading", level=1)).to_have_text("Messagerie MSSanté")
        assert_accessible(page, "messagerie MSSanté")
    finally:
        context.close()
