"""``/api/patients`` over HTTP (TestClient), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.unit.practice.test_patients import HELENE_NIR, OID
from tests.unit.web.conftest import AppClient


def helene(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "birth_family_name": "Lefèvre",
        "birth_given_names": "Hélène Marie",
        "sex": "F",
        "birth_date": "1981-04-12",
        "birthplace_cog": "69383",
        "local_id": "IPP-H1",
        "ins_matricule": HELENE_NIR,
        "ins_oid": OID,
        "insi_reference": "INSI-1",
        "identity_document": "CN",
        "legal_representatives": [],
    }
    body.update(changes)
    return body


def test_create_read_search_update(client: AppClient) -> None:
    created = client.post("/api/patients", json=helene())
    assert created.status_code == 201, created.text
    patient = created.json()
    assert created.headers["location"] == f"/api/patients/{patient['id']}"
    assert patient["identity_status"] == "QUAL"
    assert patient["first_given_name"] == "Hélène"

    assert client.get(f"/api/patients/{patient['id']}").json() == patient

    found = client.get("/api/patients", params={"name": "LEFEVRE helene"}).json()
    assert found["total"] == 1
    assert found["items"][0]["id"] == patient["id"]
    assert client.get("/api/patients", params={"ins": HELENE_NIR}).json()["total"] == 1
    assert client.get("/api/patients", params={"birth_date": "1981-04-12"}).json()["total"] == 1
    assert client.get("/api/patients", params={"name": "zzz"}).json()["total"] == 0

    changed = client.patch(
        f"/api/patients/{patient['id']}", json={"used_family_name": "Dupré", "city": "Lyon"}
    )
    assert changed.status_code == 200
    assert changed.json()["used_family_name"] == "Dupré"
    assert changed.json()["identity_status"] == "QUAL"
    assert client.get("/api/patients", params={"name": "dupre"}).json()["total"] == 1


def test_patch_of_a_strict_trait_downgrades_and_history_says_why(client: AppClient) -> None:
    patient_id = client.post("/api/patients", json=helene()).json()["id"]
    changed = client.patch(f"/api/patients/{patient_id}", json={"birth_given_names": "Hélène"})
    assert changed.json()["identity_status"] == "VALI"
    assert changed.json()["ins_matricule"] is None
    history = client.get(f"/api/patients/{patient_id}/identity/history").json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "QUAL"),
        ("QUAL", "VALI"),
    ]


def test_identity_evidence_and_downgrade_endpoints(client: AppClient) -> None:
    body = helene(ins_matricule=None, ins_oid=None, insi_reference=None, identity_document=None)
    patient_id = client.post("/api/patients", json=body).json()["id"]
    # a typed INSi reference proves nothing: without an INSi call, no INS, no QUAL
    typed = client.post(
        f"/api/patients/{patient_id}/identity/evidence",
        json={"insi_reference": "n-importe-quoi", "identity_document": "CN"},
    )
    assert typed.status_code == 422
    assert typed.json()["field"] == "insi_reference"
    assert client.get(f"/api/patients/{patient_id}").json()["identity_status"] == "PROV"
    answer = client.post(
        f"/api/patients/{patient_id}/identity/evidence", json={"identity_document": "CN"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["identity_status"] == "VALI"
    down = client.post(
        f"/api/patients/{patient_id}/identity/downgrade",
        json={"event": "DOCUMENT_UNRELIABLE", "note": "pièce douteuse"},
    )
    assert down.json()["identity_status"] == "PROV"
    refused = client.post(
        f"/api/patients/{patient_id}/identity/evidence",
        json={"identity_document": "CN", "identity_status": "QUAL"},
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "identity_status"


def test_not_found_and_conflict_answers_are_french(client: AppClient) -> None:
    missing = client.get("/api/patients/999")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Patient introuvable (identifiant 999)."
    assert client.post("/api/patients", json=helene()).status_code == 201
    duplicate = client.post("/api/patients", json=helene(local_id="IPP-H2"))
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "ins_matricule"
    assert "doublon" in duplicate.json()["message"]


def test_service_validation_errors_are_422_with_the_field(client: AppClient) -> None:
    bad_key = client.post("/api/patients", json=helene(ins_matricule=HELENE_NIR[:-2] + "00"))
    assert bad_key.status_code == 422
    body = bad_key.json()
    assert body["field"] == "ins_matricule"
    assert "ne correspond pas" in body["message"]
    assert body["detail"]


def test_request_validation_errors_are_rewritten_in_french(client: AppClient) -> None:
    body = helene()
    del body["birth_date"]
    missing = client.post("/api/patients", json=body)
    assert missing.status_code == 422
    assert missing.json()["message"] == "Champ obligatoire manquant : birth_date"
    assert missing.json()["field"] == "birth_date"

    typo = client.post("/api/patients", json=helene(birth_dat="1981-04-12"))
    assert typo.json()["message"] == "Champ inconnu : birth_dat"

    bad_date = client.post("/api/patients", json=helene(birth_date="12/04/1981"))
    assert bad_date.json()["message"].startswith("Date invalide pour birth_date")

    bad_sex = client.post("/api/patients", json=helene(sex="H"))
    assert bad_sex.json()["field"] == "sex"
    assert "'M', 'F' ou 'I'" in bad_sex.json()["message"]

    nested = client.post(
        "/api/patients", json=helene(legal_representatives=[{"relationship_code": "MTH"}])
    )
    assert nested.json()["field"] == "legal_representatives.0.family_name"
    assert len(nested.json()["errors"]) == 2

    too_big = client.get("/api/patients", params={"limit": 10_000})
    assert too_big.status_code == 422
    assert too_big.json()["message"] == "Valeur trop grande pour limit (maximum : 200)"

    not_json = client.post(
        "/api/patients", content=b"{", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422
    assert not_json.json()["message"] == "Corps de requête JSON invalide."


def test_unknown_route_and_method(client: AppClient) -> None:
    assert client.get("/api/nothing").json()["message"] == "Adresse introuvable sur ce service."
    wrong = client.delete("/api/patients")
    assert wrong.status_code == 405
    assert wrong.json()["message"].startswith("Méthode HTTP non autorisée")
