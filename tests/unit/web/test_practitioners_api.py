"""``/api/practitioners`` and ``/api/structures`` over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.unit.practice.test_practitioners import FINESS, RPPS
from tests.unit.web.conftest import AppClient


def test_structures_and_practitioners(client: AppClient) -> None:
    structure = client.post("/api/structures", json={"name": "MSP Étoile", "finess": FINESS})
    assert structure.status_code == 201, structure.text
    structure_id = structure.json()["id"]
    assert structure.json()["id_nat_struct"] == "1" + FINESS
    assert client.get(f"/api/structures/{structure_id}").json()["name"] == "MSP Étoile"
    assert client.get("/api/structures", params={"name": "etoile"}).json()["total"] == 1

    created = client.post(
        "/api/practitioners",
        json={
            "rpps": RPPS,
            "family_name": "Carré",
            "given_name": "Hervé",
            "profession_code": "10",
            "specialty_code": "SM54",
            "structure_id": structure_id,
        },
    )
    assert created.status_code == 201, created.text
    practitioner = created.json()
    assert practitioner["id_nat_ps"] == "8" + RPPS
    assert created.headers["location"] == f"/api/practitioners/{practitioner['id']}"
    assert client.get(f"/api/practitioners/{practitioner['id']}").json() == practitioner

    found = client.get("/api/practitioners", params={"name": "carre", "profession_code": "10"})
    assert [p["rpps"] for p in found.json()["items"]] == [RPPS]

    changed = client.patch(f"/api/practitioners/{practitioner['id']}", json={"active": False})
    assert changed.json()["active"] is False
    assert client.get("/api/practitioners", params={"active": "true"}).json()["total"] == 0


def test_practitioner_errors(client: AppClient) -> None:
    body = {"rpps": RPPS, "family_name": "A", "given_name": "B", "profession_code": "10"}
    assert client.post("/api/practitioners", json=body).status_code == 201
    duplicate = client.post("/api/practitioners", json=body)
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "rpps"
    bad = client.post("/api/practitioners", json={**body, "rpps": "10000000008"})
    assert bad.status_code == 422
    assert "RPPS" in bad.json()["message"]
    assert client.patch("/api/practitioners/99", json={}).status_code == 404
    rpps_change = client.patch("/api/practitioners/1", json={"rpps": "10000000017"})
    assert rpps_change.json()["message"] == "Champ inconnu : rpps"
    assert client.post("/api/structures", json={"name": "X"}).json()["field"] == "finess"
