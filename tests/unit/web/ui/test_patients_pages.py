"""The console's patient pages (issue 14): search, create, edit, record — in process, on
SQLite and PostgreSQL, signed in with a real server-side session."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from esante.config import Settings
from tests.unit.web.conftest import AppClient, open_client


@pytest.fixture
def console(db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    client = open_client(Settings(home=tmp_path, database_url=db_url))
    yield client
    client.close()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the form carries the session's CSRF token"
    return found.group(1)


def _form_post(client: AppClient, url: str, data: dict[str, str]) -> object:
    # a form posted without script: no X-CSRF-Token header, the token in the body
    headers = {"X-CSRF-Token": ""}
    return client.post(url, data=data, headers=headers, follow_redirects=False)


NEW = {
    "birth_family_name": "MARTIN",
    "birth_given_names": "Chloé Anne",
    "first_given_name": "Chloé",
    "sex": "F",
    "birth_date": "14/03/2019",
    "birthplace_cog": "75056",
    "rep_relationship": "MTH",
    "rep_family_name": "MARTIN",
    "rep_given_name": "Julie",
}


def test_a_patient_is_created_found_and_opened(console: AppClient) -> None:
    form = console.get("/patients/nouveau")
    assert form.status_code == 200
    assert 'lang="fr"' in form.text
    created = _form_post(console, "/patients/nouveau", {**NEW, "csrf": _csrf(form.text)})
    assert created.status_code == 303, created.text  # type: ignore[attr-defined]
    location = created.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/patients/\d+", location)

    record = console.get(location)
    assert record.status_code == 200
    assert "MARTIN" in record.text
    assert "né(e) le 14/03/2019" in record.text
    assert "Identité provisoire" in record.text
    assert "Récupérer l'INS par le téléservice INSi" in html.unescape(record.text)  # missing
    assert f'hx-get="{location}/bandeau"' in record.text  # the bar comes without a click

    found = console.get("/patients", params={"nom": "chloé"})
    assert found.status_code == 200
    assert f'href="{location}"' in found.text
    none = console.get("/patients", params={"nom": "introuvable"})
    assert "Aucun patient ne correspond" in none.text
    assert console.get(f"{location}/ins-datamatrix.svg").status_code == 404  # not qualified


def test_a_refused_form_keeps_what_was_typed_and_names_the_field(console: AppClient) -> None:
    form = console.get("/patients/nouveau")
    answer = _form_post(
        console,
        "/patients/nouveau",
        {**NEW, "birth_date": "31/02/2019", "csrf": _csrf(form.text)},
    )
    assert answer.status_code == 422  # type: ignore[attr-defined]
    text = answer.text  # type: ignore[attr-defined]
    assert "Date de naissance invalide" in text
    assert 'aria-invalid="true"' in text
    assert 'value="Chloé Anne"' in text  # nothing typed is lost


def test_edit_changes_the_identity(console: AppClient) -> None:
    form = console.get("/patients/nouveau")
    created = _form_post(console, "/patients/nouveau", {**NEW, "csrf": _csrf(form.text)})
    location = created.headers["location"]  # type: ignore[attr-defined]
    edit = console.get(f"{location}/modifier")
    assert 'value="2019-03-14"' in edit.text
    changed = _form_post(
        console,
        f"{location}/modifier",
        {**NEW, "birth_date": "2019-03-14", "city": "Lyon", "csrf": _csrf(edit.text)},
    )
    assert changed.status_code == 303, changed.text  # type: ignore[attr-defined]
    assert "Lyon" in console.get(f"{location}/modifier").text


def test_a_form_without_the_session_token_is_refused(console: AppClient) -> None:
    answer = _form_post(console, "/patients/nouveau", {**NEW, "csrf": "forged"})
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert console.get("/patients", params={"nom": "MARTIN"}).text.count("/patients/") < 3


def test_pages_send_a_stranger_to_the_sign_in(db_url: str, tmp_path: Path) -> None:
    client = open_client(Settings(home=tmp_path, database_url=db_url), actor=None)
    try:
        answer = client.get("/patients", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/auth/connexion"
        fragment = client.get("/patients", headers={"HX-Request": "true"})
        assert fragment.headers["hx-redirect"] == "/auth/connexion"
    finally:
        client.close()


def test_the_console_assets_are_served_by_esante(console: AppClient) -> None:
    css = console.get("/static/console.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert console.get("/static/../app.py").status_code == 404
    page = console.get("/patients")
    assert "https://" not in re.sub(r'href="https://[^"]*"', "", page.text).split("<body")[0]
    assert "unsafe-inline" not in page.headers["content-security-policy"]


def test_identity_evidence_from_the_console(console: AppClient) -> None:
    form = console.get("/patients/nouveau")
    created = _form_post(console, "/patients/nouveau", {**NEW, "csrf": _csrf(form.text)})
    location = created.headers["location"]  # type: ignore[attr-defined]
    page = console.get(f"{location}/identite")
    assert page.status_code == 200
    token = _csrf(page.text)
    # INSi asked where no INSi is configured: refused in French, nothing recorded
    refused = _form_post(
        console, f"{location}/identite", {"insi": "oui", "identity_document": "", "csrf": token}
    )
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "INSi non configuré" in html.unescape(refused.text)  # type: ignore[attr-defined]
    # a minor's family record book with the parent's identity card validates the identity
    done = _form_post(
        console,
        f"{location}/identite",
        {"identity_document": "LE", "guardian_document": "CN", "csrf": token},
    )
    assert done.status_code == 303, done.text  # type: ignore[attr-defined]
    shown = html.unescape(console.get(done.headers["location"]).text)  # type: ignore[attr-defined]
    assert "Preuve d'identité enregistrée : Identité validée" in shown
    assert "Récupérer l'INS par le téléservice INSi" in shown  # what is still missing
