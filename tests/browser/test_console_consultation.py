"""Consulting Mon espace santé in chromium (issue 14): the demo GP signs in with Pro Santé
Connect, opens Robert, sees the bar with DICA, opens the DICA window, acknowledges the
180-day notice, records the patient's consent, lists the DMP, previews a document in
its sandboxed frame and imports two documents (a VSM: its allergies appear in the
record with their provenance). Each screen passes axe-core (no serious or critical
violation) at 1280×800, and the DMP screens again at 768 px; a screenshot of each step
is kept under ``$ESANTE_TEST_ARTIFACTS/console-consultation/<test>/`` (a temporary
directory when the variable is not set).

The session's ``esante`` fixture runs without demo DMPs; this module starts its own
sandbox (DMP with the demo patients' DMPs, Pro Santé Connect) and its own
``esante serve`` configured with it, following tests/browser/conftest.py.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from esante.cda.examples import example_document
from esante.cda.read import read_document
from esante.cli.dmp import sandbox_client
from esante.demo import demo_dataset
from esante.identity import check_ins
from esante.practice.dmp_access import dmp_actor_of
from esante.practice.dmp_sender import DmpCredential
from esante.sandbox.dmp import DmpAdmin, PatientIns
from esante.sandbox.dmp import session_factory as sandbox_sessions
from esante.sandbox.psc import PscServer
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.store import make_engine, session_factory
from esante.store.models import Practitioner
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import serving, sign_in_with_psc
from tests.unit.practice.acting import acting

ARTEFACTS = "ESANTE_TEST_ARTIFACTS"
"""Directory where the screenshots of each step are kept (a temporary one by default)."""
ROBERT = next(p for p in demo_dataset().patients if p.first_given_name == "Robert")


@dataclass(frozen=True)
class Service:
    """The module's ``esante serve``, its sandbox's PSC, and the documents fed for Robert."""

    base: str
    psc: PscServer
    vsm: str
    n1: str


@pytest.fixture(scope="module")
def dmp_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The sandbox with the demo patients' DMPs and Pro Santé Connect."""
    options = SandboxOptions(
        directory=tmp_path_factory.mktemp("consultation-sandbox"),
        seed_demo=True,
        mes=False,
        mss=False,
        insi=False,
        annuaire=False,
    )
    with start_sandbox(options) as running:
        yield running


def _feed(running: RunningSandbox, database_url: str) -> tuple[str, str]:
    """The demo paediatrician, authorised by Robert, feeds a VSM and an N1 to his DMP."""
    pediatrician = demo_dataset().practitioner("pediatre")
    patient = PatientIns(ROBERT.nir, ROBERT.ins_oid)
    admin = DmpAdmin(sandbox_sessions(running.engine)())
    client, transport = sandbox_client(running.manifest)
    engine = make_engine(database_url)
    try:
        admin.set_authorization(patient, pediatrician.id_nat_ps)
        pki = running.manifest.pki
        credential = DmpCredential(client, pki.structure_id, pki.structure_name)
        with session_factory(engine)() as session:
            row = session.scalars(
                select(Practitioner).where(Practitioner.rpps == pediatrician.rpps)
            ).one()
            actor = dmp_actor_of(session, acting(row), credential)
        ins = check_ins(ROBERT.nir, ROBERT.ins_oid)
        uids = []
        for kind in ("vsm", "n1"):
            built = example_document(kind, ins=ROBERT.nir)
            client.submit(ins, built.xml, actor=actor)
            uids.append(str(read_document(built.xml).document_id))
        return uids[0], uids[1]
    finally:
        transport.close()
        admin.session.close()
        engine.dispose()


@pytest.fixture(scope="module")
def service(
    dmp_sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """``esante serve`` on a free loopback port, using the module's sandbox; Robert's DMP
    fed with two documents once the practice's database is ready."""
    psc = dmp_sandbox.psc
    assert psc is not None
    fed: list[str] = []

    def feed(database_url: str) -> None:
        fed.extend(_feed(dmp_sandbox, database_url))

    home = tmp_path_factory.mktemp("consultation-home")
    with serving(home, psc, sandbox=dmp_sandbox.manifest.directory, prepare=feed) as running:
        yield Service(running.base, psc, fed[0], fed[1])


class Steps:
    """Each screen of a walk: checked with axe-core, then its screenshot kept."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.count = 0

    def __call__(self, page: Page, what: str) -> None:
        assert_accessible(page, what)
        self.count += 1
        plain = unicodedata.normalize("NFKD", what.lower()).encode("ascii", "ignore").decode()
        name = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
        page.screenshot(path=self.directory / f"{self.count:02d}-{name}.png", full_page=True)


@pytest.fixture
def steps(request: pytest.FixtureRequest, tmp_path: Path) -> Steps:
    root = Path(os.environ[ARTEFACTS]) if os.environ.get(ARTEFACTS) else tmp_path
    return Steps(root / "console-consultation" / request.node.name)


def _bar(page: Page) -> str:
    """The bar's text once HTMX has loaded it into the record."""
    page.locator("#bandeau ul.dica").wait_for(timeout=15000)
    return page.inner_text("#bandeau")


def test_a_gp_consults_and_imports_from_robert_dmp(
    browser: Browser, service: Service, steps: Steps
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    base = service.base
    try:
        sign_in_with_psc(page, base, service.psc, "generaliste")
        page.wait_for_url(f"{base}/patients")
        page.fill("#q-nom", ROBERT.birth_family_name)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/patients?**")
        page.get_by_role("link", name=ROBERT.birth_family_name).first.click()
        page.wait_for_url(re.compile(rf"{re.escape(base)}/patients/\d+$"))
        record = page.url

        # the bar, without a click: D, I and A met; C not yet (notice, consent)
        bar = _bar(page)
        assert re.search(r"D\s+OK", bar)
        assert re.search(r"I\s+OK", bar)
        assert re.search(r"C\s+KO", bar)
        steps(page, "dossier avec le bandeau Mon espace santé")

        # a click on the KO opens the DICA window
        page.locator("#bandeau a[href$='#condition-C']").click()
        page.wait_for_url(f"{record}/dica#condition-C")
        steps(page, "fenêtre DICA")

        # C: first the 180-day notice
        page.get_by_role("link", name="Prendre connaissance de l'avertissement d'accès").click()
        page.wait_for_url(f"{base}/avertissement-dmp?**")
        assert "tracées avec l'identifiant national" in page.inner_text("main")
        steps(page, "avertissement d'accès au DMP")
        page.get_by_role("button", name=re.compile("^J'ai compris")).click()
        page.wait_for_url(f"{record}/dica")

        # then the patient's consent, in the information and consent dialog
        page.get_by_role(
            "link", name="Recueillir l'information et le consentement du patient"
        ).click()
        page.wait_for_url(f"{record}/consentement")
        assert page.get_by_label(re.compile("Ne s'oppose pas")).is_checked()
        consult = page.get_by_label("Le patient consent à la consultation de son DMP")
        assert not consult.is_checked()
        steps(page, "information et consentement")
        page.get_by_label(re.compile("J'ai informé le patient")).check()
        consult.check()
        page.get_by_role("button", name="Enregistrer la décision").click()
        page.wait_for_url(f"{record}/consentement?fait=consentement")
        assert "La décision du patient est enregistrée." in page.inner_text("[role=status]")

        # back to the record: every condition met, the new documents counted
        page.goto(record)
        bar = _bar(page)
        assert re.search(r"C\s+OK", bar)
        assert "2 nouveaux documents" in bar

        # the DMP documents, a preview, the import of two documents
        page.locator("#bandeau").get_by_role("link", name="Consulter les documents du DMP").click()
        page.wait_for_url(f"{record}/dmp")
        rows = page.locator("input[name=uid]")
        assert rows.count() == 2
        steps(page, "documents du DMP")
        page.locator(f"tr:has(input[value='{service.n1}'])").get_by_role(
            "link", name=re.compile("^Aperçu")
        ).click()
        page.wait_for_url(f"{record}/dmp/apercu?**")
        frame = page.locator("iframe.apercu")
        assert frame.get_attribute("sandbox") == ""
        assert page.frame_locator("iframe.apercu").locator("body").inner_text(timeout=10000)
        assert page.get_by_role("link", name="Ouvrir le PDF du document").count() == 1
        steps(page, "aperçu d'un document du DMP")

        page.goto(f"{record}/dmp")
        page.get_by_label(re.compile("Sélectionner .* pour l'import")).first.check()
        page.get_by_label(re.compile("Sélectionner .* pour l'import")).last.check()
        page.get_by_role("button", name="Importer la sélection dans le dossier").click()
        page.wait_for_url(f"{record}/dmp/import")
        assert page.locator("text=Importé").count() >= 2
        assert "2 importés" in page.inner_text("[role=status]")
        steps(page, "résultat de l'import")

        # the VSM's allergies in the record, with their origin
        page.goto(record)
        page.locator("#listes .provenance").first.wait_for(timeout=15000)
        lists = page.inner_text("#listes")
        assert "Allergies" in lists
        assert "Importé du DMP le" in lists
        steps(page, "dossier avec les listes importées")

        # the same screens on a 768 px tablet
        page.set_viewport_size({"width": 768, "height": 1024})
        for url, what in ((f"{record}/dmp", "documents du DMP"), (f"{record}/dica", "DICA")):
            page.goto(url)
            steps(page, f"{what} à 768 px")
    finally:
        context.close()


def _open(page: Page, base: str, family_name: str) -> str:
    page.goto(f"{base}/patients?nom={family_name}")
    page.get_by_role("link", name=family_name).first.click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/patients/\d+$"))
    return page.url


def test_ko_identity_and_break_glass(browser: Browser, service: Service, steps: Steps) -> None:
    """A provisional identity: I is KO, the DICA window links to the identity, the DMP
    list refuses with its reason; an emergency on another patient without consent:
    break-glass with its reason, shown in the bar until its end."""
    people = demo_dataset().patients
    provisional = next(p for p in people if p.identity_status == "PROV")
    unconsented = next(p for p in people if p.first_given_name == "Claire")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    base = service.base
    try:
        sign_in_with_psc(page, base, service.psc, "generaliste")
        page.goto(f"{base}/avertissement-dmp")
        page.get_by_role("button", name=re.compile("^J'ai compris")).click()

        record = _open(page, base, provisional.birth_family_name)
        assert re.search(r"I\s+KO", _bar(page))
        page.locator("#bandeau a[href$='#condition-I']").click()
        page.wait_for_url(f"{record}/dica#condition-I")
        link = page.get_by_role("link", name="Qualifier l'identité du patient")
        assert link.get_attribute("href") == f"{record.removeprefix(base)}/identite"
        page.goto(f"{record}/dmp")
        assert "n'est pas qualifiée" in page.inner_text("[role=alert]")
        steps(page, "consultation refusée")

        record = _open(page, base, unconsented.birth_family_name)
        assert re.search(r"C\s+KO", _bar(page))
        page.goto(f"{record}/dica")
        page.get_by_label(re.compile("Motif de l'accès en urgence")).fill(
            "Patiente inconsciente, détresse respiratoire"
        )
        page.get_by_role("button", name="Accéder en urgence").click()
        page.wait_for_url(f"{record}/dica?fait=bris_de_glace")
        steps(page, "fenêtre DICA en bris de glace")
        page.goto(record)
        bar = _bar(page)
        assert re.search(r"bris de glace en cours\s+jusqu'au \d\d/\d\d/\d{4} à \d\d:\d\d", bar)
        assert re.search(r"C\s+OK", bar)
        steps(page, "bandeau en bris de glace")
        page.locator("#bandeau").get_by_role(
            "button", name="Mettre fin à l'accès en urgence"
        ).click()
        page.wait_for_url(f"{record}/dica?fait=fin")
        assert "en cours" not in page.inner_text("main")
    finally:
        context.close()
