"""Writing, validating and the send queue in chromium (issue 14): the GP signs in with Pro
Santé Connect, opens Robert, writes a consultation report, clicks « Valider »; the queue
shows the countdown of the deferral window; block, unblock, send now — and the worker of
that ``esante serve`` sends the report to the sandbox's DMP: « Envoyé au DMP », seen
without a reload (the list polls itself). Every screen passes axe-core.

The module starts its own sandbox *with* the DMP and the demo DMPs (the shared one of
conftest.py has none) and an ``esante serve`` pointed at it (``ESANTE_SANDBOX``: the
service then runs its send-order worker), following conftest.py's ``esante`` fixture.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from esante.demo import demo_dataset
from esante.practice.staff import create_staff_account
from esante.sandbox.psc import PscServer
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.store import Patient, Practitioner, make_engine, session_factory
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import Esante, serving, sign_in_with_psc

ARTEFACTS = "ESANTE_TEST_ARTIFACTS"
"""Directory where the screenshots of each step are kept (a temporary one by default)."""

REPORT = (
    "Motif de consultation : essoufflement à l'effort.\n"
    "Examen clinique : auscultation pulmonaire normale, pas d'œdème.\n"
    "Conclusion : surveillance, contrôle dans un mois."
)


@pytest.fixture(scope="module")
def dmp_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A sandbox with the DMP (demo DMPs seeded) and Pro Santé Connect."""
    options = SandboxOptions(
        directory=tmp_path_factory.mktemp("queue-sandbox"),
        mes=False,
        insi=False,
        annuaire=False,
    )
    with start_sandbox(options) as running:
        yield running


@pytest.fixture(scope="module")
def dmp_psc(dmp_sandbox: RunningSandbox) -> PscServer:
    assert dmp_sandbox.psc is not None
    return dmp_sandbox.psc


@pytest.fixture(scope="module")
def served(
    dmp_sandbox: RunningSandbox, dmp_psc: PscServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Esante]:
    """``esante serve`` with the demo data, signing in with the sandbox's PSC and sending
    through its DMP (its in-process worker)."""
    home = tmp_path_factory.mktemp("queue-home")
    with serving(home, dmp_psc, sandbox=dmp_sandbox.manifest.directory) as running:
        yield running


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
    return Steps(root / "console-queue" / request.node.name)


def _patient_id(database_url: str, key: str) -> int:
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        found = session.scalars(
            select(Patient.id).where(Patient.local_id == demo_dataset().patient(key).local_id)
        ).one()
    engine.dispose()
    return int(found)


def test_a_gp_writes_validates_and_drives_the_send_to_the_dmp(
    browser: Browser, served: Esante, dmp_psc: PscServer, steps: Steps
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    base = served.base
    try:
        sign_in_with_psc(page, base, dmp_psc, "generaliste")
        robert = _patient_id(served.database_url, "robert")
        page.goto(f"{base}/patients/{robert}")
        expect(page.locator("#documents table, #documents p").first).to_be_visible()
        page.get_by_role("link", name="Rédiger un document").click()
        page.wait_for_url(f"{base}/patients/{robert}/rediger")
        expect(page.get_by_text("Sera envoyé au DMP")).to_be_visible()
        steps(page, "rédaction d'un document")

        page.fill("#f-texte", REPORT)
        page.get_by_role("button", name="Valider", exact=True).click()
        page.wait_for_url(re.compile(r".*/documents/\d+\?valide=1$"))
        expect(page.get_by_role("status")).to_contain_text("Document enregistré")
        steps(page, "document validé")
        document_id = int(re.search(r"/documents/(\d+)", page.url).group(1))  # type: ignore[union-attr]

        page.goto(f"{base}/envois")
        row = page.locator("tr", has=page.locator(f'a[href="/documents/{document_id}"]')).first
        expect(row).to_contain_text("Envoi dans")
        steps(page, "liste des envois")
        order_id = (row.get_attribute("id") or "").removeprefix("envoi-")

        row.get_by_role("button", name=re.compile("^Bloquer")).click()
        row = page.locator(f"#envoi-{order_id}")
        expect(row).to_contain_text("Bloqué par")
        steps(page, "envoi bloqué")
        row.get_by_role("button", name=re.compile("^Débloquer")).click()
        row = page.locator(f"#envoi-{order_id}")
        expect(row).to_contain_text("Envoi dans")
        row.get_by_role("button", name=re.compile("^Envoyer maintenant")).click()
        # the worker sends it; the list refreshes itself (htmx polling), no reload
        expect(page.locator(f"#envoi-{order_id}")).to_contain_text(
            "Envoyé au DMP le", timeout=90_000
        )
        steps(page, "envoi effectué")

        page.goto(f"{base}/documents/{document_id}")
        expect(page.locator("main")).to_contain_text("dans le DMP depuis le")
        printed = page.request.get(f"{base}/documents/{document_id}/imprimer")
        assert printed.ok
        assert printed.body().startswith(b"%PDF")

        page.set_viewport_size({"width": 768, "height": 1024})
        page.goto(f"{base}/patients/{robert}/rediger")
        steps(page, "rédaction (tablette)")
        page.goto(f"{base}/envois")
        steps(page, "envois (tablette)")
    finally:
        context.close()


def _secretary_account(database_url: str) -> tuple[str, str, str]:
    """A secretariat account of the GP's structure: login, password, TOTP secret."""
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        gp = session.scalars(
            select(Practitioner).where(
                Practitioner.rpps == demo_dataset().practitioner("generaliste").rpps
            )
        ).one()
        made = create_staff_account(
            session,
            login="accueil-navigateur",
            password="un mot de passe assez long",
            display_name="Accueil du cabinet",
            role="secretaire",
            structure_id=gp.structure_id,
        )
        session.commit()
    engine.dispose()
    return "accueil-navigateur", "un mot de passe assez long", made.totp_secret


def test_a_secretary_holds_a_send_but_sees_no_release(
    browser: Browser, served: Esante, dmp_psc: PscServer, steps: Steps
) -> None:
    base = served.base
    paulette = _patient_id(served.database_url, "paulette")
    gp_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    try:
        page = gp_context.new_page()
        sign_in_with_psc(page, base, dmp_psc, "generaliste")
        page.goto(f"{base}/patients/{paulette}/rediger")
        page.fill("#f-texte", REPORT)
        page.get_by_role("button", name="Valider", exact=True).click()
        page.wait_for_url(re.compile(r".*/documents/\d+\?valide=1$"))
        document_id = int(re.search(r"/documents/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    finally:
        gp_context.close()

    login, password, secret = _secretary_account(served.database_url)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{base}/auth/connexion")
        page.fill('input[name="login"]', login)
        page.fill('input[name="password"]', password)
        page.fill('input[name="code"]', pyotp.TOTP(secret).now())
        page.locator('form[action="/auth/local"] [type="submit"]').click()
        page.wait_for_url(f"{base}/**")
        expect(page.locator("#acteur")).to_contain_text("Accueil du cabinet")

        page.goto(f"{base}/documents/{document_id}")
        orders = page.locator("#envois-document")
        expect(orders).to_contain_text("Envoi dans")
        buttons = orders.get_by_role("button")
        expect(buttons).to_have_count(1)  # only « Bloquer » for the secretariat
        expect(buttons).to_have_text(re.compile("^Bloquer"))
        steps(page, "document (secrétariat)")
        orders.get_by_role("button", name=re.compile("^Bloquer")).click()
        page.wait_for_url(f"{base}/documents/{document_id}")
        orders = page.locator("#envois-document")
        expect(orders).to_contain_text("Bloqué par Accueil du cabinet")
        expect(orders.get_by_role("button")).to_have_count(0)  # releasing is the GP's

        page.goto(f"{base}/patients/{paulette}/rediger")
        expect(page.locator("main")).to_contain_text("compte professionnel")
        steps(page, "rédaction (secrétariat)")
    finally:
        context.close()
