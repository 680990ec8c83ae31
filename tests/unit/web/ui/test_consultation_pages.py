"""The console's Mon espace santé screens (issue 14 over issue 13's library): the bar, the
DICA window, the consent dialog, the access notice, the DMP documents (list, preview,
import) and the record's lists — in process, signed in with a real session as the demo
GP, against the sandbox DMP over mutual TLS on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from esante.cda.examples import example_document
from esante.cda.read import read_document, read_vsm
from esante.config import Settings
from esante.practice.actors import ROLE_SECRETAIRE, Actor
from esante.practice.dmp_access import dmp_actor_of
from esante.practice.dmp_counters import snapshot_cache
from esante.practice.notice import NOTICE_TEXT
from esante.practice.record_lists import KIND_LABELS, provenance_label, record_items
from esante.sandbox.runtime import RunningSandbox
from esante.store.models import Patient
from tests.integration.consultation.test_dica import World, _world, running  # noqa: F401
from tests.unit.practice.acting import acting
from tests.unit.web.conftest import AppClient, open_client

HTMX = {"HX-Request": "true"}


def _client(world: World, db_url: str, tmp_path: Path) -> AppClient:
    settings = Settings(
        home=tmp_path, database_url=db_url, sandbox=world.sandbox.manifest.directory
    )
    return open_client(settings, actor=world.doctor)


@pytest.fixture
def world(db_url: str, running: RunningSandbox) -> Iterator[World]:  # noqa: F811
    snapshot_cache.clear()
    yield from _world(db_url, running)
    snapshot_cache.clear()


@pytest.fixture
def console(world: World, db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    client = _client(world, db_url, tmp_path)
    yield client
    client.close()


def _feed(world: World, kind: str) -> str:
    """Another professional (the demo paediatrician) feeds an official example."""
    practitioner = world.practitioner("pediatre")
    world.admin.set_authorization(world.ins, practitioner.id_nat_ps)
    with world.sessions() as session:
        actor = dmp_actor_of(session, acting(practitioner), world.dmp)
    built = example_document(kind, ins=world.patient.matricule)
    world.dmp.client.submit(world.patient, built.xml, actor=actor)
    snapshot_cache.clear()
    return str(read_document(built.xml).document_id)


def _text(answer: object) -> str:
    return html.unescape(answer.text)  # type: ignore[attr-defined]


def _letter(page: str, letter: str) -> str:
    found = re.search(rf'<abbr title="[^"]+">{letter}</abbr> (OK|KO|non vérifié)', page)
    assert found, f"the bar shows {letter}"
    return found.group(1)


def test_the_bar_shows_dica_and_the_counters(world: World, console: AppClient) -> None:
    _feed(world, "vsm")
    _feed(world, "n1")
    bar = console.get(f"/patients/{world.patient_id}/bandeau", headers=HTMX)
    assert bar.status_code == 200, bar.text
    page = _text(bar)
    assert "<html" not in page  # a fragment for the record page
    assert 'id="titre-bandeau"' in page
    assert [_letter(page, x) for x in "DICA"] == ["OK", "OK", "OK", "OK"]
    assert "DMP : condition remplie" in page  # the state in words, not colour only
    assert '<strong class="alerte">2 nouveaux documents</strong>' in page
    assert "2 documents disponibles" in page
    assert re.search(r"<dt>Mon espace santé</dt><dd>oui</dd>", page)
    assert re.search(r"<dt>Dernière mise à jour du VSM</dt><dd>\d\d/\d\d/\d{4}</dd>", page)

    whole = console.get(f"/patients/{world.patient_id}/bandeau")
    assert "<html" in whole.text
    assert "<h1" in whole.text

    console.get(f"/patients/{world.patient_id}/dmp")  # the visit
    after = _text(console.get(f"/patients/{world.patient_id}/bandeau", headers=HTMX))
    assert "0 nouveau document" in after
    assert '<strong class="alerte">' not in after


def test_a_ko_identity_opens_the_dica_window_with_its_fix(world: World, console: AppClient) -> None:
    with world.sessions() as session:
        session.get_one(Patient, world.patient_id).identity_status = "PROV"
        session.commit()
    page = _text(console.get(f"/patients/{world.patient_id}/bandeau", headers=HTMX))
    assert _letter(page, "I") == "KO"
    assert _letter(page, "D") == "non vérifié"
    assert f'href="/patients/{world.patient_id}/dica#condition-I"' in page
    assert "l'identité de votre patient n'est pas qualifiée" in page

    window = console.get(f"/patients/{world.patient_id}/dica")
    assert window.status_code == 200
    text = _text(window)
    assert f'href="/patients/{world.patient_id}/identite"' in text
    assert "Qualifier l'identité du patient" in text

    refused = console.get(f"/patients/{world.patient_id}/dmp")
    assert refused.status_code == 403
    text = _text(refused)
    assert "qualifiée" in text
    assert f'href="/patients/{world.patient_id}/identite"' in text
    assert "Traceback" not in text


def test_the_consent_dialog_defaults_and_records(
    db_url: str,
    running: RunningSandbox,  # noqa: F811
    tmp_path: Path,
) -> None:
    for w in _world(db_url, running, consent=False):
        snapshot_cache.clear()
        client = _client(w, db_url, tmp_path)
        try:
            bar = _text(client.get(f"/patients/{w.patient_id}/bandeau", headers=HTMX))
            assert _letter(bar, "C") == "KO"
            assert f'href="/patients/{w.patient_id}/dica#condition-C"' in bar

            url = f"/patients/{w.patient_id}/consentement"
            dialog = client.get(url).text
            feeding = re.search(
                r'<input type="radio" name="alimentation" value="non_opposition"[^>]*>', dialog
            )
            assert feeding
            assert "checked" in feeding.group(0)
            consult = re.search(r'<input type="checkbox" name="consultation"[^>]*>', dialog)
            assert consult
            assert "checked" not in consult.group(0)
            assert "Aucune décision enregistrée" in _text(client.get(url))

            uninformed = client.post(
                url,
                data={"alimentation": "non_opposition", "consultation": "oui", "note": "vu"},
                follow_redirects=False,
            )
            assert uninformed.status_code == 422
            assert "Le patient doit être informé" in _text(uninformed)
            assert ">vu</textarea>" in uninformed.text  # nothing typed is lost

            recorded = client.post(
                url,
                data={"informe": "oui", "alimentation": "non_opposition", "consultation": "oui"},
                follow_redirects=False,
            )
            assert recorded.status_code == 303, recorded.text
            shown = _text(client.get(recorded.headers["location"]))
            assert "La décision du patient est enregistrée." in shown
            assert "Le patient consent à la consultation de Mon espace santé / DMP." in shown
            assert "interrogé au cours de la consultation du jour" in shown
            doctor = w.practitioner("generaliste")
            assert f"<td>{doctor.given_name} {doctor.family_name}</td>" in shown  # who
            again = client.get(url).text
            consult = re.search(r'<input type="checkbox" name="consultation"[^>]*>', again)
            assert consult
            assert "checked" not in consult.group(0)

            bar = _text(client.get(f"/patients/{w.patient_id}/bandeau", headers=HTMX))
            assert _letter(bar, "C") == "OK"
        finally:
            client.close()


def test_the_notice_is_acknowledged_and_sends_back(
    db_url: str,
    running: RunningSandbox,  # noqa: F811
    tmp_path: Path,
) -> None:
    for w in _world(db_url, running, notice=False):
        snapshot_cache.clear()
        client = _client(w, db_url, tmp_path)
        try:
            window = _text(client.get(f"/patients/{w.patient_id}/dica"))
            suite = f"/patients/{w.patient_id}/dica"
            assert "/avertissement-dmp?suite=" in window
            notice = client.get("/avertissement-dmp", params={"suite": suite})
            assert notice.status_code == 200
            assert NOTICE_TEXT in _text(notice)
            assert "J&#39;ai compris" in notice.text or "J'ai compris" in notice.text
            assert f'name="suite" value="{suite}"' in notice.text
            done = client.post("/avertissement-dmp", data={"suite": suite}, follow_redirects=False)
            assert done.status_code == 303
            assert done.headers["location"] == suite
            bar = _text(client.get(f"/patients/{w.patient_id}/bandeau", headers=HTMX))
            assert _letter(bar, "C") == "OK"
            assert "Avertissement validé le" in _text(client.get("/avertissement-dmp"))
            away = client.post(
                "/avertissement-dmp",
                data={"suite": "//ailleurs.example/piege"},
                follow_redirects=False,
            )
            assert away.headers["location"] == "/patients"  # local paths only
        finally:
            client.close()


def test_list_preview_import_and_the_lists_with_provenance(
    world: World, console: AppClient
) -> None:
    vsm, n1 = _feed(world, "vsm"), _feed(world, "n1")
    base = f"/patients/{world.patient_id}"
    listing = console.get(f"{base}/dmp")
    assert listing.status_code == 200, listing.text
    page = _text(listing)
    for uid in (vsm, n1):
        assert f'name="uid" value="{uid}"' in page
    assert page.count(">Nouveau</span>") == 2
    assert "Nouveaux depuis ma dernière visite" in page
    assert "Les 12 derniers mois" in page
    assert 'method="get"' in page
    assert 'name="depose_depuis"' in page

    since_visit = _text(console.get(f"{base}/dmp", params={"filtre": "nouveaux"}))
    assert "Aucun document ne correspond." in since_visit  # the list was just visited
    assert 'aria-current="page">Nouveaux depuis ma dernière visite' in since_visit
    only_vsm = _text(console.get(f"{base}/dmp", params={"type": "SYNTH"}))
    assert f'value="{vsm}"' in only_vsm
    assert f'value="{n1}"' not in only_vsm
    bad = console.get(f"{base}/dmp", params={"cree_depuis": "31/02/2026"})
    assert bad.status_code == 422
    assert "Date de création (à partir du) invalide" in _text(bad)
    assert 'value="31/02/2026"' in bad.text  # nothing typed is lost

    preview = console.get(f"{base}/dmp/apercu", params={"uid": n1})
    assert preview.status_code == 200, preview.text
    frame = re.search(r"<iframe[^>]*>", preview.text)
    assert frame is not None
    assert " sandbox " in frame.group(0)
    assert 'class="apercu"' in frame.group(0)
    assert 'title="' in frame.group(0)
    src = html.unescape(re.search(r'src="([^"]+)"', frame.group(0)).group(1))  # type: ignore[union-attr]
    assert src.startswith(f"/api/patients/{world.patient_id}/dmp/documents/")
    content = console.get(src)
    assert content.status_code == 200
    assert "sandbox" in content.headers["content-security-policy"]
    assert "Ouvrir le PDF du document" in preview.text

    imported = console.post(f"{base}/dmp/import", data={"uid": [vsm, n1]})
    assert imported.status_code == 200, imported.text
    result = _text(imported)
    assert result.count(">Importé</span>") == 2
    assert "2 importés" in result
    again = _text(console.post(f"{base}/dmp/import", data={"uid": [vsm]}))
    assert ">Déjà présent</span>" in again
    assert "importé du DMP le" in again  # the provenance of what the record holds

    lists = console.get(f"{base}/listes", headers=HTMX)
    assert lists.status_code == 200
    shown = _text(lists)
    expected = read_vsm(read_document(example_document("vsm", ins=world.patient.matricule).xml))
    assert expected.allergies, "the official VSM example has allergies"
    with world.sessions() as session:
        allergies = record_items(session, world.doctor, world.patient_id, "allergy")
        labels = [(a.label, provenance_label(a)) for a in allergies]
    assert len(labels) == len(expected.allergies)
    assert KIND_LABELS["allergy"] in shown
    for label, origin in labels:
        assert label in shown
        assert origin is not None
        assert origin.startswith("importé du DMP le ")
        assert origin[1:] in shown


def test_break_glass_needs_a_reason_and_shows_until_when(
    db_url: str,
    running: RunningSandbox,  # noqa: F811
    tmp_path: Path,
) -> None:
    for w in _world(db_url, running, consent=False):
        snapshot_cache.clear()
        client = _client(w, db_url, tmp_path)
        url = f"/patients/{w.patient_id}/bris-de-glace"
        try:
            window = client.get(f"/patients/{w.patient_id}/dica").text
            assert 'id="bris-de-glace"' in window
            assert re.search(r"<textarea[^>]*name=\"motif\"[^>]*required", window)
            empty = client.post(url, data={"mode": "bris_de_glace", "motif": ""})
            assert empty.status_code == 422
            assert "Le motif de l'accès en urgence est obligatoire." in _text(empty)
            short = client.post(url, data={"mode": "bris_de_glace", "motif": "urgence"})
            assert short.status_code == 403
            assert ">urgence</textarea>" in short.text  # kept
            reason = "Patient inconscient, détresse respiratoire"
            opened = client.post(
                url, data={"mode": "bris_de_glace", "motif": reason}, follow_redirects=False
            )
            assert opened.status_code == 303, opened.text
            bar = _text(client.get(f"/patients/{w.patient_id}/bandeau", headers=HTMX))
            assert re.search(
                r"Accès en mode bris de glace en cours</strong>\s+"
                r"jusqu'au \d\d/\d\d/\d{4} à \d\d:\d\d",
                bar,
            )
            assert _letter(bar, "C") == "OK"
            listing = _text(client.get(f"/patients/{w.patient_id}/dmp"))
            assert f"motif : {reason}" in listing
            ended = client.post(f"{url}/fin", follow_redirects=False)
            assert ended.status_code == 303
            bar = _text(client.get(f"/patients/{w.patient_id}/bandeau", headers=HTMX))
            assert "en cours" not in bar
            assert _letter(bar, "C") == "KO"
        finally:
            client.close()


def test_authorisation_is_declared_only_after_the_tick(
    db_url: str,
    running: RunningSandbox,  # noqa: F811
    tmp_path: Path,
) -> None:
    for w in _world(db_url, running, authorised=False):
        snapshot_cache.clear()
        client = _client(w, db_url, tmp_path)
        url = f"/patients/{w.patient_id}/autorisation-dmp"
        try:
            window = _text(client.get(f"/patients/{w.patient_id}/dica"))
            box = re.search(r'<input type="checkbox" id="f-confirme"[^>]*>', window)
            assert box
            assert "checked" not in box.group(0)
            assert "Le patient m'autorise à accéder à son DMP" in window
            unticked = client.post(url, data={})
            assert unticked.status_code == 422
            assert "Confirmez que le patient autorise" in _text(unticked)
            declared = client.post(url, data={"confirme": "oui"}, follow_redirects=False)
            assert declared.status_code == 303, declared.text
            done = _text(client.get(declared.headers["location"]))
            assert "Votre autorisation d'accès au DMP du patient est déclarée." in done
            assert "Les quatre conditions sont remplies" in done
        finally:
            client.close()


def test_without_a_dmp_the_record_stays_usable(world: World, db_url: str, tmp_path: Path) -> None:
    client = open_client(Settings(home=tmp_path, database_url=db_url), actor=world.doctor)
    try:
        bar = client.get(f"/patients/{world.patient_id}/bandeau", headers=HTMX)
        assert bar.status_code == 200
        assert _letter(_text(bar), "D") == "KO"
        listing = client.get(f"/patients/{world.patient_id}/dmp")
        assert listing.status_code == 503
        assert "DMP indisponible" in listing.text
        assert f'href="/patients/{world.patient_id}"' in listing.text
        assert client.get(f"/patients/{world.patient_id}").status_code == 200
    finally:
        client.close()


def test_an_entry_is_added_by_hand(world: World, console: AppClient) -> None:
    url = f"/patients/{world.patient_id}/listes"
    added = console.post(
        url,
        data={"kind": "allergy", "label": "Pénicilline", "detail": "urticaire"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    shown = _text(console.get(url))
    assert "Pénicilline" in shown
    assert "Saisi au cabinet" in shown
    twice = console.post(url, data={"kind": "allergy", "label": "pénicilline"})
    assert twice.status_code == 422
    assert "figure déjà dans la liste « Allergies »" in _text(twice)
    assert 'value="pénicilline"' in twice.text
    fragment = console.post(url, data={"kind": "problem", "label": ""}, headers=HTMX)
    assert fragment.status_code == 200  # HTMX swaps the error in place
    assert "Le libellé de l'entrée est obligatoire." in _text(fragment)


def test_a_dmp_that_does_not_answer_never_blocks_the_record(
    world: World, db_url: str, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        home=tmp_path,
        database_url=db_url,
        sandbox=world.sandbox.manifest.directory,
        dmp_url=f"https://127.0.0.1:{port}/dmp",
    )
    client = open_client(settings, actor=world.doctor)
    try:
        bar = client.get(f"/patients/{world.patient_id}/bandeau", headers=HTMX)
        assert bar.status_code == 200
        page = _text(bar)
        assert _letter(page, "D") == "KO"
        assert "DMP indisponible" in page
        assert 'hx-get="/patients/' in page  # réessayer reloads the bar in place
        listing = client.get(f"/patients/{world.patient_id}/dmp")
        assert listing.status_code == 503
        assert "DMP indisponible" in listing.text
        assert "Traceback" not in listing.text
        assert client.get(f"/patients/{world.patient_id}").status_code == 200
    finally:
        client.close()


def test_a_secretary_sees_no_dmp(world: World, db_url: str, tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, database_url=db_url, sandbox=world.sandbox.manifest.directory
    )
    secretary = Actor(kind="local", actor_id="sec-1", name="Secrétariat", role=ROLE_SECRETAIRE)
    before = world.dmp_calls()
    client = open_client(settings, actor=secretary)
    try:
        page = _text(client.get(f"/patients/{world.patient_id}/bandeau", headers=HTMX))
        assert _letter(page, "A") == "KO"
        assert "vous n'êtes pas habilité" in page
        window = _text(client.get(f"/patients/{world.patient_id}/dica"))
        assert 'id="bris-de-glace"' not in window
        assert client.get(f"/patients/{world.patient_id}/dmp").status_code == 403
        glass = client.post(
            f"/patients/{world.patient_id}/bris-de-glace",
            data={"mode": "bris_de_glace", "motif": "Urgence vitale au cabinet"},
        )
        assert glass.status_code == 403
        notice = client.get("/avertissement-dmp")
        assert notice.status_code == 403
    finally:
        client.close()
    assert world.dmp_calls() == before
