"""A CDA received by MSSanté with active content in its narrative runs nothing when opened
in the browser (issue 12, item 5: the reproduced attack read the patient list).

The hostile document is really received: sent by a demo secretariat through the sandbox
operator (SMTP) to the paediatrician's mailbox, fetched over IMAP and imported by
:func:`esante.practice.inbox.fetch_mailbox` into the database ``esante serve`` reads. Its
narrative carries an XHTML ``<script>``, an ``onerror`` attribute, an SVG ``onload`` and a
``javascript:`` link, each of which would mark the document, set a global and fetch
``/api/patients`` with the signed-in professional's cookie.

``/api/documents/{id}/content`` answers it as an attachment with
``Content-Security-Policy: sandbox``. The attachment alone stops the attack (Chromium
downloads it); the sandbox must stop it too, should the document be shown inline: the
same answer, attachment header removed in flight, is rendered and nothing runs. A control
renders the same bytes without either header and sees the payload run — so the checks
would catch a payload that executes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import etree
from playwright.sync_api import Browser, BrowserContext, Error, Page, Request, Route
from sqlalchemy.orm import Session, sessionmaker

from esante.practice.inbox import fetch_mailbox
from esante.sandbox.psc import PscServer
from esante.sandbox.runtime import RunningSandbox
from esante.store import make_engine, session_factory
from tests.browser.conftest import Esante, sign_in_with_psc
from tests.integration.mss_inbox import world

HL7 = "urn:hl7-org:v3"
XHTML = "http://www.w3.org/1999/xhtml"
SVG = "http://www.w3.org/2000/svg"
PWNED = "pwned"
PAYLOAD = (
    f"document.documentElement.setAttribute('data-esante', '{PWNED}');"
    " window.esantePwned = (window.esantePwned || 0) + 1;"
    " fetch('/api/patients', {credentials: 'include'});"
)
"""Marks the document, counts its runs in a global, reads the patient list. (Not
``document.title``: it cannot be set in an XML document whose root is not HTML or SVG.)"""


def _hostile_cda() -> bytes:
    """The demo VSM about Lola, with active content added to its first narrative block."""
    root = etree.fromstring(world.example("vsm", "lola"))
    text = root.find(f".//{{{HL7}}}section/{{{HL7}}}text")
    assert text is not None
    script = etree.SubElement(text, f"{{{XHTML}}}script")
    script.text = PAYLOAD
    image = etree.SubElement(text, f"{{{XHTML}}}img", src="data:,", id="image")
    image.set("onerror", PAYLOAD)
    etree.SubElement(text, f"{{{SVG}}}svg", onload=PAYLOAD, width="1", height="1")
    link = etree.SubElement(text, f"{{{XHTML}}}a", id="lien", href=f"javascript:{PAYLOAD}")
    link.text = "Voir le compte rendu"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.fixture(scope="module")
def received(sandbox: RunningSandbox, esante: Esante) -> int:
    """The id of the hostile document, received in the paediatrician's mailbox."""
    composed = world.compose(_hostile_cda(), world.PEDIATRICIAN)
    sender = world.client(sandbox, world.SENDER)
    assert sender.send(composed.message) == (world.PEDIATRICIAN,)
    engine = make_engine(esante.database_url)
    sessions: sessionmaker[Session] = session_factory(engine)
    try:
        report = fetch_mailbox(
            sessions,
            world.client(sandbox, world.PEDIATRICIAN),
            address=world.PEDIATRICIAN,
            product_reference=world.NIL,
        )
    finally:
        engine.dispose()
    mine = [d for d in report.imported if d.message_id == composed.message_id]
    assert len(mine) == 1, report
    return mine[0].document_id


def _watch(page: Page) -> list[str]:
    """The URLs of the requests to ``/api/patients`` the page makes from now on."""
    seen: list[str] = []

    def note(request: Request) -> None:
        if "/api/patients" in request.url:
            seen.append(request.url)

    page.on("request", note)
    return seen


def _render(context: BrowserContext, url: str, *, drop: tuple[str, ...]) -> None:
    """Have ``url`` answered by esante as it is, minus the headers named in ``drop``."""

    def fulfil(route: Route) -> None:
        answer = route.fetch()
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in drop}
        route.fulfill(response=answer, headers=headers)

    context.route(url, fulfil)


def _nothing_ran(page: Page, seen: list[str]) -> None:
    assert page.evaluate("typeof window") == "object"  # the probe itself reads the page
    assert page.get_attribute(":root", "data-esante") is None
    assert page.evaluate("document.documentElement.getAttribute('data-esante')") is None
    assert page.evaluate("window.esantePwned") is None
    assert seen == []


@pytest.fixture
def signed_in(browser: Browser, psc: PscServer, esante: Esante) -> Iterator[BrowserContext]:
    context = browser.new_context()
    sign_in_with_psc(context.new_page(), esante.base, psc, "pediatre")
    yield context
    context.close()


def test_the_document_is_sent_as_a_sandboxed_attachment(
    signed_in: BrowserContext, esante: Esante, received: int
) -> None:
    url = f"{esante.base}/api/documents/{received}/content"
    page = signed_in.new_page()
    seen = _watch(page)
    answer = page.request.get(url)
    assert answer.status == 200
    assert answer.body() == _stored(esante, received)  # byte for byte, script included
    assert answer.headers["content-security-policy"].split(";")[0].strip() == "sandbox"
    assert answer.headers["content-disposition"].startswith("attachment")
    assert answer.headers["x-content-type-options"] == "nosniff"

    # opened as the reproduced attack did: downloaded, not rendered
    with page.expect_download() as download, pytest.raises(Error, match="Download is starting"):
        page.goto(url)
    assert download.value.url == url
    _nothing_ran(page, seen)


def test_shown_inline_the_sandbox_still_runs_nothing(
    signed_in: BrowserContext, esante: Esante, received: int
) -> None:
    url = f"{esante.base}/api/documents/{received}/content"
    _render(signed_in, url, drop=("content-disposition",))
    page = signed_in.new_page()
    seen = _watch(page)
    page.goto(url)
    page.wait_for_load_state("load")
    assert "Voir le compte rendu" in page.content()  # the document is rendered
    page.click("#lien")
    page.wait_for_load_state("load")
    _nothing_ran(page, seen)


def test_control_without_the_headers_the_payload_runs(
    signed_in: BrowserContext, esante: Esante, received: int
) -> None:
    url = f"{esante.base}/api/documents/{received}/content"
    _render(signed_in, url, drop=("content-disposition", "content-security-policy"))
    page = signed_in.new_page()
    seen = _watch(page)
    page.goto(url)
    # the <script>, the onerror and the onload each ran
    page.wait_for_function("window.esantePwned >= 3")
    assert page.get_attribute(":root", "data-esante") == PWNED
    page.click("#lien")  # and so does the javascript: link
    page.wait_for_function("window.esantePwned >= 4")
    assert any(u.endswith("/api/patients") for u in seen)


def _stored(esante: Esante, document_id: int) -> bytes:
    from esante.store import Document

    engine = make_engine(esante.database_url)
    try:
        with session_factory(engine)() as db:
            document = db.get(Document, document_id)
            assert document is not None
            return bytes(document.content)
    finally:
        engine.dispose()
