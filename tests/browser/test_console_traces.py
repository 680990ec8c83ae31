"""The access trace and the MSSanté inbox in chromium (issue 14): a GP signs in with Pro
Santé Connect, reads the structure's trace (the chain's state streams in), filters it by
channel, opens a patient's record and from there who accessed that patient's data,
downloads it as CSV, then opens the inbox; with the sandbox's MSSanté operator configured,
fetches the mailbox: a document lands in the patient's record, a message about an
unknown patient waits in the "à rapprocher" tray. Each screen passes axe-core (no
serious or critical violation) at 1280×800 and on a 768 px tablet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from esante.demo import demo_dataset
from esante.sandbox.psc import PscServer
from esante.sandbox.runtime import RunningSandbox
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Esante, serving, sign_in_with_psc
from tests.integration.mss_inbox import world

GP_MAILBOX = world.COLLEAGUE  # the demo general practitioner's personal mailbox
UNKNOWN_INS = "290019912345636"  # a valid NIR that no demo patient has


@pytest.fixture(scope="module")
def esante_with_mss(
    sandbox: RunningSandbox, psc: PscServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Esante]:
    """``esante serve`` with the sandbox configured (``ESANTE_SANDBOX``): its MSSanté
    operator is the inbox's."""
    home = tmp_path_factory.mktemp("home-mss")
    with serving(home, psc, sandbox=sandbox.manifest.directory) as running:
        yield running


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


def test_a_gp_fetches_the_mailbox(
    browser: Browser, esante_with_mss: Esante, psc: PscServer, sandbox: RunningSandbox
) -> None:
    people = demo_dataset()
    lola = people.patient("lola")
    sender = world.client(sandbox, world.SENDER)
    known = world.compose(world.example("vsm", "lola"), GP_MAILBOX)
    unknown = world.compose(world.example("vsm", "lola", ins=UNKNOWN_INS), GP_MAILBOX)
    for composed in (known, unknown):
        sender.send(composed.message)

    base = esante_with_mss.base
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    try:
        sign_in_with_psc(page, base, psc, "generaliste")
        page.wait_for_url(f"{base}/patients")
        page.get_by_role("link", name="Messagerie").first.click()
        page.wait_for_url(f"{base}/messagerie")
        expect(page.locator("#a-traiter")).to_contain_text("À rapprocher", timeout=15_000)
        assert_accessible(page, "messagerie avec boîte configurée")

        page.get_by_role("button", name="Relever la messagerie").click()
        page.wait_for_url(f"{base}/messagerie/relever")
        expect(page.get_by_role("status").first).to_contain_text(f"Relève de {GP_MAILBOX}")
        received = page.locator("section[aria-labelledby='titre-recus'] tbody")
        expect(received).to_contain_text(known.message_id)
        expect(received).to_contain_text(lola.birth_family_name)
        tray = page.locator("#a-traiter")
        expect(tray).to_contain_text("902", timeout=15_000)  # unknown patient, with its reason
        assert_accessible(page, "messagerie après la relève")

        received.get_by_role("link", name=lola.birth_family_name).first.click()
        page.wait_for_url(f"{base}/patients/*")
        expect(page.get_by_role("heading", level=1)).to_contain_text(lola.birth_family_name)
    finally:
        context.close()
