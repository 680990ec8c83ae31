"""The seed's care-pathway story on ``make run`` (``esante demo``), in chromium (issue 14).

Robert's cardiologist has fed two documents (a VSM and a consultation report) to his DMP.
His GP signs in with Pro Santé Connect, opens Robert: the Mon espace santé bar shows the
DICA state and the new documents without a click; the GP acknowledges the DMP notice,
records Robert's consent in the information dialog, lists the DMP, previews a document,
imports both (the VSM's allergies appear in the record with their origin), writes a
report, clicks "Valider", holds and releases the send, sends it now: the demo's worker
sends it, the queue says "Envoyé au DMP", Robert sees it on his Mon espace santé page,
and the recap for the patient prints (read back with pdftotext). Every screen passes
axe-core; a screenshot of each step is kept (``ESANTE_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from typer.testing import CliRunner

from esante.cli.main import app
from esante.demo import demo_dataset
from tests.browser.accessibility import assert_accessible
from tests.integration.test_demo_accounts import start_demo
from tests.integration.test_serve import Running

ROBERT = demo_dataset().patient("robert")
GP = demo_dataset().practitioner("generaliste")
CARDIOLOGIST = demo_dataset().practitioner("cardiologue")
REPORT = (
    "Consultation de suivi. Tension artérielle 13/8, auscultation normale. "
    "Poursuite du traitement, contrôle dans trois mois."
)


@pytest.fixture
def started() -> Iterator[list[Running]]:
    processes: list[Running] = []
    yield processes
    for running in processes:
        running.stop()


class Steps:
    """A screenshot and an accessibility check of each step of the story."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    def __call__(self, page: Page, what: str) -> None:
        self.count += 1
        name = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
        page.screenshot(path=str(self.directory / f"{self.count:02d}-{name}.png"), full_page=True)
        assert_accessible(page, what)


def _cli(sandbox: Path, home: Path, *args: str) -> str:
    """An ``esante`` command against the demo's sandbox, outside the practice's database."""
    env = {"ESANTE_SANDBOX": str(sandbox), "ESANTE_HOME": str(home)}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _cardiologist_feeds_robert(sandbox: Path, work: Path) -> None:
    """Robert authorises his cardiologist, who sends a VSM and a consultation report."""
    home = work / "cardiologue"
    home.mkdir()
    _cli(
        sandbox,
        home,
        "sandbox",
        "dmp",
        "authorize",
        "--ins",
        ROBERT.nir,
        "--ps",
        CARDIOLOGIST.id_nat_ps,
    )
    for kind in ("vsm", "n1"):
        out = work / f"{kind}.xml"
        _cli(
            sandbox,
            home,
            "cda",
            "example",
            kind,
            "--patient",
            "robert",
            "--author",
            "cardiologue",
            "--out",
            str(out),
        )
        _cli(sandbox, home, "dmp", "send", str(out), "--ins", ROBERT.nir, "--ps", "cardiologue")


def _mes_documents(lines: list[str]) -> int:
    """How many documents Robert's Mon espace santé page lists (links to them)."""
    found = re.search(r"Mon espace santé \(patients\)\s*:?\s*(http\S+)", "\n".join(lines))
    assert found is not None, lines
    answer = httpx.get(f"{found.group(1).rstrip('/')}/patients/{ROBERT.nir}", timeout=30)
    assert answer.status_code == 200
    return len(set(re.findall(rf"/patients/{ROBERT.nir}/documents/[^\"'?#]+", answer.text)))


def _sign_in(page: Page, sign_in_url: str, ecps_url: str) -> None:
    page.goto(sign_in_url)
    page.click("#psc")
    page.check(f'input[name="professionnel"][value="{GP.id_nat_ps}"]')
    page.locator('form:has(input[name="professionnel"]) [type="submit"]').click()
    phone = page.context.new_page()  # the e-CPS app, where the demo says it is
    phone.goto(ecps_url)
    row = phone.locator("tr", has=phone.locator(f"td:text-is('{GP.id_nat_ps}')"))
    code = row.locator("td.code").inner_text().strip()
    phone.close()
    page.fill("#code", code)
    page.locator('form:has(#code) [type="submit"]').click()
    expect(page.locator("#acteur")).to_contain_text(GP.family_name.upper(), ignore_case=True)


def test_the_story_of_robert_on_make_run(
    tmp_path: Path, started: list[Running], browser: Browser
) -> None:
    base, printed = start_demo(tmp_path, started)
    sandbox = tmp_path / "sandbox"
    _cardiologist_feeds_robert(sandbox, tmp_path)
    artefacts = Path(os.environ.get("ESANTE_TEST_ARTIFACTS") or tmp_path) / "console-story"
    artefacts.mkdir(parents=True, exist_ok=True)
    steps = Steps(artefacts)

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    try:
        _sign_in(page, printed.sign_in_url, printed.ecps_url)
        page.wait_for_url(f"{base}/patients")
        steps(page, "recherche de patients")
        page.fill("#q-nom", ROBERT.birth_family_name)
        page.keyboard.press("Enter")
        page.get_by_role("link", name=ROBERT.birth_family_name).first.click()
        page.wait_for_url(re.compile(rf"{re.escape(base)}/patients/\d+$"))
        record = page.url

        # the bar comes without a click; consent is not recorded yet
        bar = page.locator("#bandeau")
        expect(bar).to_contain_text("KO", timeout=20_000)
        steps(page, "dossier de Robert avec le bandeau")
        page.locator("#bandeau a[href$='#condition-C']").click()
        page.wait_for_url(f"{record}/dica#condition-C")
        steps(page, "fenêtre DICA")
        page.get_by_role("link", name="Prendre connaissance de l'avertissement d'accès").click()
        page.get_by_role("button", name=re.compile("^J'ai compris")).click()
        page.wait_for_url(f"{record}/dica")
        page.get_by_role(
            "link", name="Recueillir l'information et le consentement du patient"
        ).click()
        page.wait_for_url(f"{record}/consentement")
        consult = page.get_by_label("Le patient consent à la consultation de son DMP")
        assert not consult.is_checked()  # never pre-ticked
        steps(page, "information et consentement")
        page.get_by_label(re.compile("J'ai informé le patient")).check()
        consult.check()
        page.get_by_role("button", name="Enregistrer la décision").click()
        page.wait_for_url(f"{record}/consentement?**")

        # every condition met: the cardiologist's two documents are new for the GP
        page.goto(record)
        expect(page.locator("#bandeau")).to_contain_text("2 nouveaux documents", timeout=20_000)
        steps(page, "bandeau : deux nouveaux documents")
        page.locator("#bandeau").get_by_role("link", name="Consulter les documents du DMP").click()
        page.wait_for_url(f"{record}/dmp")
        assert page.locator("input[name=uid]").count() == 2
        steps(page, "documents du DMP")
        page.get_by_role("link", name=re.compile("^Aperçu")).first.click()
        page.wait_for_url(f"{record}/dmp/apercu?**")
        assert page.frame_locator("iframe.apercu").locator("body").inner_text(timeout=10_000)
        steps(page, "aperçu sans import")
        page.goto(f"{record}/dmp")
        for box in page.get_by_label(re.compile("Sélectionner .* pour l'import")).all():
            box.check()
        page.get_by_role("button", name="Importer la sélection dans le dossier").click()
        page.wait_for_url(f"{record}/dmp/import")
        expect(page.locator("[role=status]")).to_contain_text("2 importés")
        steps(page, "import de deux documents")
        page.goto(record)
        lists = page.locator("#listes")
        expect(lists).to_contain_text("Allergies", timeout=15_000)
        expect(lists).to_contain_text("Importé du DMP le")

        # a report, "Valider", the send held, released, sent now
        before = _mes_documents(printed.lines)
        page.get_by_role("link", name="Rédiger un document").click()
        page.wait_for_url(f"{record}/rediger")
        page.fill("#f-texte", REPORT)
        steps(page, "rédaction du compte rendu")
        page.get_by_role("button", name="Valider", exact=True).click()
        page.wait_for_url(re.compile(r".*/documents/\d+\?valide=1$"))
        document_id = int(re.search(r"/documents/(\d+)", page.url).group(1))  # type: ignore[union-attr]
        page.goto(f"{base}/envois")
        row = page.locator("tr", has=page.locator(f'a[href="/documents/{document_id}"]')).first
        expect(row).to_contain_text("Envoi dans")
        steps(page, "envois avec le décompte")
        order = (row.get_attribute("id") or "").removeprefix("envoi-")
        row.get_by_role("button", name=re.compile("^Bloquer")).click()
        expect(page.locator(f"#envoi-{order}")).to_contain_text("Bloqué par")
        page.locator(f"#envoi-{order}").get_by_role("button", name=re.compile("^Débloquer")).click()
        expect(page.locator(f"#envoi-{order}")).to_contain_text("Envoi dans")
        page.locator(f"#envoi-{order}").get_by_role(
            "button", name=re.compile("^Envoyer maintenant")
        ).click()
        expect(page.locator(f"#envoi-{order}")).to_contain_text("Envoyé au DMP le", timeout=90_000)
        steps(page, "envoyé au DMP")

        # Robert sees it on Mon espace santé: one document more than before
        assert _mes_documents(printed.lines) == before + 1

        # the recap for the patient
        recap = page.request.get(f"{record}/recapitulatif.pdf")
        assert recap.ok
        pdf = tmp_path / "recapitulatif.pdf"
        pdf.write_bytes(recap.body())
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert ROBERT.birth_family_name.upper() in text.upper()
        assert "DMP" in text
    finally:
        context.close()


def test_an_identity_not_qualified_is_qualified_from_the_dica_window(
    tmp_path: Path, started: list[Running], browser: Browser
) -> None:
    """Maria's identity is only validated (document checked, no INSi answer): the bar's I
    is KO; the DICA window leads to the identity page, INSi is asked, and I turns OK."""
    maria = demo_dataset().patient("maria")
    assert maria.identity_status == "VALI"
    base, printed = start_demo(tmp_path, started)
    artefacts = Path(os.environ.get("ESANTE_TEST_ARTIFACTS") or tmp_path) / "console-identity"
    artefacts.mkdir(parents=True, exist_ok=True)
    steps = Steps(artefacts)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    try:
        _sign_in(page, printed.sign_in_url, printed.ecps_url)
        page.fill("#q-nom", maria.birth_family_name)
        page.keyboard.press("Enter")
        page.get_by_role("link", name=maria.birth_family_name).first.click()
        page.wait_for_url(re.compile(rf"{re.escape(base)}/patients/\d+$"))
        record = page.url
        expect(page.locator("#bandeau")).to_contain_text("I KO", timeout=20_000)
        steps(page, "identité non qualifiée")
        page.locator("#bandeau a[href$='#condition-I']").click()
        page.wait_for_url(f"{record}/dica#condition-I")
        page.get_by_role("link", name="Qualifier l'identité du patient").click()
        page.wait_for_url(f"{record}/identite")
        steps(page, "qualifier l'identité")
        page.get_by_label("Interroger le téléservice INSi avec les traits du patient").check()
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url(f"{record}/identite?fait=1")
        expect(page.get_by_role("status")).to_contain_text("Identité qualifiée")
        steps(page, "identité qualifiée")
        page.goto(record)
        expect(page.locator("#bandeau")).to_contain_text("I OK", timeout=20_000)
    finally:
        context.close()
