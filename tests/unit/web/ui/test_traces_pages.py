"""The console's access-trace pages (issue 14): the structure's and one patient's trace,
filters, pages, the CSV for spreadsheets, the chain's state — in process, on SQLite and
PostgreSQL, signed in with a real server-side session."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from esante import audit
from esante.config import Settings
from esante.practice.actors import ROLE_SECRETAIRE
from esante.practice.trace_reading import CSV_COLUMNS, PAGE_SIZE
from tests.unit.web.conftest import TEST_ACTOR, AppClient, open_client

NEW = {
    "birth_family_name": "MARTIN",
    "birth_given_names": "Chloé Anne",
    "first_given_name": "Chloé",
    "sex": "F",
    "birth_date": "14/03/2019",
}


@pytest.fixture
def console(db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    client = open_client(Settings(home=tmp_path, database_url=db_url))
    yield client
    client.close()


def _patient(client: AppClient) -> str:
    form = client.get("/patients/nouveau")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token
    created = client.post(
        "/patients/nouveau",
        data={**NEW, "csrf": token.group(1)},
        headers={"X-CSRF-Token": ""},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    return created.headers["location"]


def test_a_patient_sees_who_opened_their_record(console: AppClient) -> None:
    location = _patient(console)
    assert console.get(location).status_code == 200  # a read, traced

    page = console.get(f"{location}/traces")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Accès aux données de MARTIN Chloé" in text
    assert "Lecture du dossier du patient" in text  # French label of patients:read
    assert "Création du dossier du patient" in text
    assert TEST_ACTOR.name in text
    assert 'hx-get="/traces/integrite"' in page.text
    assert re.search(r"\d\d/\d\d/\d{4} à \d\d:\d\d", text)  # Paris time, French format

    # reading the trace is itself traced, with the patient
    again = html.unescape(console.get(f"{location}/traces").text)
    assert "Lecture de la trace des accès" in again


def test_the_csv_is_for_a_french_spreadsheet(console: AppClient) -> None:
    location = _patient(console)
    console.get(location)
    answer = console.get(f"{location}/traces.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    raw = answer.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == CSV_COLUMNS
    actions = [row[CSV_COLUMNS.index("Action")] for row in rows[1:]]
    assert "Lecture du dossier du patient" in actions
    assert all(row[CSV_COLUMNS.index("Professionnel")] == TEST_ACTOR.name for row in rows[1:])
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", row[0]) for row in rows[1:])

    # the export is traced too; a formula typed as a reason is exported as text
    with console.app.state.session_factory() as session:
        audit.append(
            session,
            audit.AuditEvent(
                channel="dmp",
                action="TD3.2",
                outcome="success",
                actor_name="Dr Formule",
                reason="=HYPERLINK(1)",
                access_mode="bris_de_glace",
                at=datetime.now(UTC),
            ),
        )
        session.commit()
    structure = console.get("/traces.csv", params={"canal": "dmp"})
    rows = list(csv.reader(io.StringIO(structure.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][CSV_COLUMNS.index("Motif")] == "'=HYPERLINK(1)"
    assert rows[1][CSV_COLUMNS.index("Mode d'accès")].startswith("accès en urgence")
    listing = html.unescape(console.get("/traces", params={"action": "traces:export"}).text)
    assert "Export de la trace des accès" in listing


def test_filters_pages_and_a_wrong_date(console: AppClient) -> None:
    with console.app.state.session_factory() as session:
        audit.append_many(
            session,
            [
                audit.AuditEvent(
                    channel="mss",
                    action="reception",
                    outcome="success",
                    actor_id="810000000099",
                    actor_name="Dr Page",
                    detail=f"message {n}",
                    at=datetime.now(UTC),
                )
                for n in range(PAGE_SIZE + 5)
            ],
        )
        session.commit()
    first = console.get("/traces", params={"professionnel": "10000000099"})  # the RPPS
    assert first.status_code == 200
    text = html.unescape(first.text)
    assert f"{PAGE_SIZE + 5} accès tracés" in text
    assert text.count("Réception d'un message MSSanté") >= PAGE_SIZE
    older = re.search(r'href="(/traces\?[^"]*avant=\d+)"', first.text)
    assert older, "a link to the older records"
    second = console.get(html.unescape(older.group(1)))
    assert html.unescape(second.text).count("<td>Réception d'un message MSSanté</td>") == 5
    assert "Accès les plus récents" in html.unescape(second.text)

    none = console.get("/traces", params={"canal": "consent", "professionnel": "10000000099"})
    assert "Aucun accès tracé pour ces critères." in html.unescape(none.text)

    wrong = console.get("/traces", params={"du": "31/02/2026"})
    assert wrong.status_code == 422
    assert "Date invalide" in html.unescape(wrong.text)
    assert 'value="31/02/2026"' in wrong.text  # what was typed is kept
    backwards = console.get("/traces", params={"du": "2026-12-06", "au": "2026-12-01"})
    assert backwards.status_code == 422
    assert "Période vide" in html.unescape(backwards.text)


def test_the_chain_state_is_shown(console: AppClient) -> None:
    _patient(console)
    fragment = console.get("/traces/integrite", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Trace intègre" in fragment.text
    assert "<html" not in fragment.text
    page = console.get("/traces/integrite")
    assert "<html" in page.text
    assert "Trace intègre" in page.text


def test_the_secretariat_may_not_read_the_trace(db_url: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url=db_url)
    doctor = open_client(settings)
    secretary = open_client(
        settings,
        actor=replace(TEST_ACTOR, actor_id="secr-1", name="Sam SECRÉTAIRE", role=ROLE_SECRETAIRE),
    )
    try:
        location = _patient(doctor)
        refused = secretary.get(f"{location}/traces")
        assert refused.status_code == 403
        assert "réservée aux professionnels de santé" in html.unescape(refused.text)
        assert secretary.get("/traces.csv").status_code == 403
        seen = html.unescape(doctor.get("/traces", params={"action": "traces:read"}).text)
        assert "Sam SECRÉTAIRE" in seen
        assert "refusé" in seen
        assert doctor.get("/patients/999999/traces").status_code == 404
    finally:
        secretary.close()
        doctor.close()
