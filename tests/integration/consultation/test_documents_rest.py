"""The DMP consultation routes (issue 13 item 6): the esante app in process, configured
with the running sandbox (mutual TLS on loopback), SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from esante.cda.examples import example_document
from esante.cda.read import read_document
from esante.config import Settings
from esante.practice.actors import ROLE_SECRETAIRE, Actor
from esante.practice.dmp_access import dmp_actor_of
from esante.practice.dmp_counters import snapshot_cache
from esante.sandbox.runtime import RunningSandbox
from esante.store.models import Patient
from tests.unit.practice.acting import acting
from tests.unit.web.conftest import AppClient, open_client

from .test_dica import World, _world, running  # noqa: F401 - the module's sandbox


@pytest.fixture
def world(db_url: str, running: RunningSandbox) -> Iterator[World]:  # noqa: F811
    snapshot_cache.clear()
    yield from _world(db_url, running)
    snapshot_cache.clear()


@pytest.fixture
def api(world: World, db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    settings = Settings(
        home=tmp_path, database_url=db_url, sandbox=world.sandbox.manifest.directory
    )
    client = open_client(settings, actor=world.doctor)
    yield client
    client.close()


def _feed(world: World, kind: str) -> str:
    practitioner = world.practitioner("pediatre")
    world.admin.set_authorization(world.ins, practitioner.id_nat_ps)
    with world.sessions() as session:
        actor = dmp_actor_of(session, acting(practitioner), world.dmp)
    built = example_document(kind, ins=world.patient.matricule)
    world.dmp.client.submit(world.patient, built.xml, actor=actor)
    return str(read_document(built.xml).document_id)


def test_list_preview_import_and_provenance(world: World, api: AppClient) -> None:
    vsm, n1 = _feed(world, "vsm"), _feed(world, "n1")
    base = f"/api/patients/{world.patient_id}/dmp"

    listing = api.get(f"{base}/documents")
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert body["total"] == 2
    assert body["nouveaux"] == 2
    listed = {d["unique_id"]: d for g in body["groupes"] for d in g["documents"]}
    assert set(listed) == {vsm, n1}
    assert (listed[vsm]["niveau"], listed[n1]["niveau"]) == ("N3", "N1")
    assert all(d["statut"] == "actif" and d["nouveau"] for d in listed.values())

    filtered = api.get(f"{base}/documents", params={"type": "SYNTH"})
    assert [d["unique_id"] for g in filtered.json()["groupes"] for d in g["documents"]] == [vsm]

    preview = api.get(f"{base}/documents/{n1}")
    assert preview.status_code == 200, preview.text
    assert preview.json()["apercu_pdf"] is not None
    html = api.get(preview.json()["apercu_html"])
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "sandbox" in html.headers["content-security-policy"]
    pdf = api.get(preview.json()["apercu_pdf"])
    assert pdf.content.startswith(b"%PDF")
    assert "sandbox" in pdf.headers["content-security-policy"]
    no_pdf = api.get(f"{base}/documents/{vsm}/pdf")
    assert no_pdf.status_code == 422

    imported = api.post(f"{base}/import", json={"unique_ids": [vsm, n1]})
    assert imported.status_code == 200, imported.text
    assert (imported.json()["importes"], imported.json()["echecs"]) == (2, 0)
    again = api.post(f"{base}/import", json={"unique_ids": [vsm]})
    assert again.json()["deja_presents"] == 1
    document_id = imported.json()["documents"][0]["document_id"]
    local = api.get(f"/api/documents/{document_id}")
    assert local.status_code == 200, local.text
    assert local.json()["provenance"] == "dmp"
    assert local.json()["provenance_libelle"].startswith("importé du DMP le ")
    relisted = api.get(f"{base}/documents").json()
    assert all(d["deja_dans_le_dossier"] for g in relisted["groupes"] for d in g["documents"])


def test_refusals_carry_the_dica_letter_and_action(world: World, api: AppClient) -> None:
    with world.sessions() as session:
        session.get_one(Patient, world.patient_id).identity_status = "PROV"
        session.commit()
    refused = api.get(f"/api/patients/{world.patient_id}/dmp/documents")
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert (body["code"], body["condition"], body["action"]) == (
        "consultation_refused",
        "I",
        "qualifier_ins",
    )
    assert "qualifiée" in body["message"]
    too_many = api.post(
        f"/api/patients/{world.patient_id}/dmp/import",
        json={"unique_ids": [f"1.2.3.{n}" for n in range(51)]},
    )
    assert too_many.status_code == 422


def test_a_secretary_cannot_list_the_dmp(world: World, db_url: str, tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, database_url=db_url, sandbox=world.sandbox.manifest.directory
    )
    secretary = Actor(kind="local", actor_id="sec-1", name="Secrétariat", role=ROLE_SECRETAIRE)
    before = world.dmp_calls()
    client = open_client(settings, actor=secretary)
    try:
        answer = client.get(f"/api/patients/{world.patient_id}/dmp/documents")
        glass = client.post(
            f"/api/patients/{world.patient_id}/dmp/break-glass", json={"motif": "urgence"}
        )
    finally:
        client.close()
    assert answer.status_code == 403
    assert glass.status_code == 403
    assert world.dmp_calls() == before


def test_break_glass_and_authorisation_routes(
    db_url: str,
    running: RunningSandbox,  # noqa: F811
    tmp_path: Path,
) -> None:
    for w in _world(db_url, running, authorised=False):
        snapshot_cache.clear()
        settings = Settings(
            home=tmp_path, database_url=db_url, sandbox=w.sandbox.manifest.directory
        )
        client = open_client(settings, actor=w.doctor)
        base = f"/api/patients/{w.patient_id}/dmp"
        try:
            no_reason = client.post(f"{base}/break-glass", json={"motif": ""})
            assert no_reason.status_code == 422
            opened = client.post(
                f"{base}/break-glass", json={"motif": "Détresse respiratoire, patient inconscient"}
            )
            assert opened.status_code == 201, opened.text
            bar = client.get(base).json()
            assert bar["mode_acces"] == "bris_de_glace"
            assert bar["acces_urgence_jusqu_au"] == opened.json()["fin"]
            assert bar["acces_possible"] is True
            assert client.delete(f"{base}/break-glass").status_code == 204
            bar = client.get(base).json()
            assert bar["mode_acces"] == "normal"
            assert bar["acces_urgence_jusqu_au"] is None
            c = next(x for x in bar["conditions"] if x["lettre"] == "C")
            assert c["action"] == "declarer_autorisation"

            unconfirmed = client.post(f"{base}/authorization", json={"confirme": False})
            assert unconfirmed.status_code == 422
            declared = client.post(f"{base}/authorization", json={"confirme": True})
            assert declared.status_code == 200, declared.text
            bar = client.get(base).json()
            assert bar["acces_possible"] is True
        finally:
            client.close()
