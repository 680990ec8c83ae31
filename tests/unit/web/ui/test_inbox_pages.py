"""The console's MSSanté inbox (issue 14): received documents with their provenance, the
"à rapprocher" tray, refused messages with their reason, "Relever la messagerie" — in
process, on SQLite and PostgreSQL, against a running sandbox MSSanté operator (a fresh
one per test, so that no message a test leaves in a mailbox reaches another test)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.web.ui.pages.inbox import NOT_CONFIGURED
from tests.integration.mss_inbox import world
from tests.unit.web.test_documents_api import Demo, open_demo

GP_MAILBOX = world.COLLEAGUE  # the demo general practitioner's personal mailbox
UNKNOWN_INS = "290019912345636"  # a valid NIR that no demo patient has


@pytest.fixture
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    directory = tmp_path_factory.mktemp("inbox-console-sandbox")
    with start_sandbox(SandboxOptions(directory=directory, seed_demo=False, mes=False)) as running:
        assert running.mss is not None
        yield running


@pytest.fixture
def demo(db_url: str, tmp_path: Path, sandbox: RunningSandbox) -> Iterator[Demo]:
    opened = open_demo(db_url, tmp_path, sandbox=sandbox.manifest.directory)
    yield opened
    opened.client.close()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the form carries the session's CSRF token"
    return found.group(1)


def test_without_a_configured_messaging_the_page_says_so(db_url: str, tmp_path: Path) -> None:
    demo = open_demo(db_url, tmp_path)
    try:
        page = demo.client.get("/messagerie")
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert NOT_CONFIGURED in text
        assert "Relever la messagerie" not in text
        assert "Aucun document reçu par MSSanté." in text
        assert GP_MAILBOX in text  # the signed-in professional's own mailbox
        fetched = demo.client.post(
            "/messagerie/relever", data={"csrf": _csrf(page.text)}, headers={"X-CSRF-Token": ""}
        )
        assert fetched.status_code == 200
        assert NOT_CONFIGURED in html.unescape(fetched.text)
    finally:
        demo.client.close()


def test_a_fetch_imports_matches_and_refuses(demo: Demo, sandbox: RunningSandbox) -> None:
    sender = world.client(sandbox, world.SENDER)
    known = world.compose(world.example("vsm", "lola"), GP_MAILBOX)
    unknown = world.compose(world.example("vsm", "lola", ins=UNKNOWN_INS), GP_MAILBOX)
    for composed in (known, unknown):
        sender.send(composed.message)
    broken = world.raw_message(GP_MAILBOX, None)  # no IHE_XDM.ZIP: refused (101)
    sender.send(broken.as_bytes(), recipients=[GP_MAILBOX])

    page = demo.client.get("/messagerie")
    assert page.status_code == 200
    assert "Relever la messagerie" in html.unescape(page.text)
    assert 'hx-get="/messagerie/a-traiter?boite=' in page.text

    answer = demo.client.post(
        "/messagerie/relever",
        data={"csrf": _csrf(page.text), "boite": GP_MAILBOX},
        headers={"X-CSRF-Token": ""},
    )
    assert answer.status_code == 200, answer.text
    text = html.unescape(answer.text)
    assert f"Relève de {GP_MAILBOX}" in text
    assert "1 document intégré au dossier des patients" in text
    assert "1 message à rapprocher (patient inconnu)" in text
    assert "1 message refusé" in text
    lola = demo.patients["lola"]
    assert f'href="/patients/{lola}"' in answer.text
    assert re.search(r'href="/documents/\d+"', answer.text)
    assert "reçu par MSSanté le" in text  # the provenance
    assert known.message_id in text

    trays = demo.client.get(
        "/messagerie/a-traiter", params={"boite": GP_MAILBOX}, headers={"HX-Request": "true"}
    )
    assert trays.status_code == 200
    text = html.unescape(trays.text)
    assert "<html" not in text
    to_match, refused = text.split('<h3 id="titre-refuses">')
    assert "902" in to_match  # Identifiant patient inconnu, as traced at the fetch
    assert world.SENDER in to_match
    assert "101" in refused
    assert "Aucun message refusé." not in refused

    # the reads are traced, the fetch by who clicked
    trace = html.unescape(demo.client.get("/traces", params={"canal": "dossier"}).text)
    assert "Relève de la messagerie MSSanté" in trace
    assert "Consultation de la messagerie MSSanté" in trace


def test_only_the_actors_mailboxes_are_read(demo: Demo) -> None:
    page = demo.client.get("/messagerie", params={"boite": world.PEDIATRICIAN})
    assert page.status_code == 200
    # another professional's mailbox is never opened: the actor's own one is shown
    assert f'name="boite" value="{world.PEDIATRICIAN}"' not in page.text
    assert world.PEDIATRICIAN not in page.text
    assert GP_MAILBOX in page.text
    without_js = demo.client.get("/messagerie/a-traiter", params={"boite": world.PEDIATRICIAN})
    assert "<html" in without_js.text
    assert "Aucun message à rapprocher." in html.unescape(without_js.text)
