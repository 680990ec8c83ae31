"""The vaccination record's REST routes, through the app (SQLite and PostgreSQL): scan a
string or a photo, prefill, validate, history, schedule, prescription; errors name the
field; the CLI ``esante vaccin scan`` prints the same resolution."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import time_machine
import zxingcpp
from PIL import Image
from typer.testing import CliRunner

from esante.cli.main import app as cli
from esante.config import Settings
from esante.practice.vaccination.catalogue import packaged
from esante.practice.vaccination.scan import GS
from tests.integration.vaccination.conftest import VISIT, World, make_world
from tests.unit.practice.acting import acting
from tests.unit.web.conftest import AppClient, open_client

BEXSERO = next(p for p in packaged().presentations if p.vaccine.key == "bexsero")
LOT, EXPIRY = "AMBX2417C", date(2028, 5, 31)
SCANNED = f"]d201{BEXSERO.gtin}17{EXPIRY:%y%m%d}10{LOT}{GS}21SN4471902"


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[tuple[AppClient, World]]:
    """The app signed in as the GP, the clock pinned to the 12-month visit."""
    with time_machine.travel(VISIT, tick=False):
        client = open_client(Settings(home=tmp_path, database_url=db_url), actor=None)
        with client.app.state.session_factory() as session:
            world = make_world(session)
            client.sign_in(client.app, acting(world.doctor))
            yield client, world
        client.close()


def test_scan_prefill_validate_history_schedule(api: tuple[AppClient, World]) -> None:
    client, world = api
    scanned = client.post("/api/vaccination/scan", json={"code": SCANNED})
    assert scanned.status_code == 200, scanned.text
    body = scanned.json()
    assert (body["statut"], body["lot"], body["date_peremption"]) == (
        "reconnu",
        LOT,
        EXPIRY.isoformat(),
    )
    assert body["vaccin"]["cis"] == BEXSERO.vaccine.cis

    patient = world.child.id
    prefilled = client.post(f"/api/patients/{patient}/vaccinations/note", json={"code": SCANNED})
    assert prefilled.status_code == 200, prefilled.text
    draft = prefilled.json()
    assert (draft["date"], draft["lot"], draft["rang"]) == (VISIT.date().isoformat(), LOT, 1)
    draft["commentaire"] = "Pas de réaction immédiate."

    created = client.post(f"/api/patients/{patient}/vaccinations", json=draft)
    assert created.status_code == 201, created.text
    recorded = created.json()
    assert recorded["vaccination"]["source"] == "local"
    assert recorded["document"]["document"]["type_code"] == "87273-9"
    assert created.headers["location"] == f"/api/documents/{recorded['document']['document']['id']}"

    history = client.get(f"/api/patients/{patient}/vaccinations").json()
    assert [(h["vaccin"], h["lot"], h["provenance"]) for h in history] == [
        ("BEXSERO", LOT, "administré au cabinet par Hervé Carré")
    ]

    schedule = client.get(f"/api/patients/{patient}/vaccinations/schedule").json()
    menb = next(s for s in schedule["series"] if s["serie"] == "MenB")
    assert menb["doses_faites"] == [VISIT.date().isoformat()]
    assert menb["prochaine"]["rang"] == 2
    assert schedule["prochaine_visite"]
    assert {d["statut"] for d in schedule["en_retard"]} <= {"en_retard"}


def test_copy_from_the_paper_carnet(api: tuple[AppClient, World]) -> None:
    client, world = api
    url = f"/api/patients/{world.child.id}/vaccinations/carnet"
    made = client.post(url, json={"date": "2026-02-01", "cle": "infanrix-hexa", "rang": 1})
    assert made.status_code == 201, made.text
    assert (made.json()["source"], made.json()["rang"]) == ("carnet", 1)
    unknown = client.post(url, json={"date": "2026-02-01", "cis": "99999999"})
    assert (unknown.status_code, unknown.json()["field"]) == (422, "cis")
    history = client.get(f"/api/patients/{world.child.id}/vaccinations").json()
    assert [h["provenance"].split(" le ")[0] for h in history] == ["recopié du carnet de santé"]


def test_prescription_preview_and_document(api: tuple[AppClient, World]) -> None:
    client, world = api
    url = f"/api/patients/{world.child.id}/vaccinations/prescription"
    preview = client.get(url).json()
    assert preview["lignes"]
    assert preview["document"] is None
    made = client.post(url)
    assert made.status_code == 201, made.text
    assert [line["texte"] for line in made.json()["lignes"]] == [
        line["texte"] for line in preview["lignes"]
    ]
    assert made.json()["document"]["document"]["level"] == "N1"


def test_photo_scan(api: tuple[AppClient, World]) -> None:
    client, _ = api
    barcode = zxingcpp.create_barcode(
        f"(01){BEXSERO.gtin}(17){EXPIRY:%y%m%d}(10){LOT}",
        zxingcpp.BarcodeFormat.DataMatrix,
        gs1=True,
    )
    out = io.BytesIO()
    Image.fromarray(np.array(zxingcpp.write_barcode_to_image(barcode, scale=5))).save(out, "PNG")
    answer = client.post(
        "/api/vaccination/scan/image",
        content=out.getvalue(),
        headers={"Content-Type": "image/png"},
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["lot"], answer.json()["statut"]) == (LOT, "reconnu")
    refused = client.post(
        "/api/vaccination/scan/image", content=b"x", headers={"Content-Type": "text/plain"}
    )
    assert refused.status_code == 415


def test_errors_name_the_field(api: tuple[AppClient, World]) -> None:
    client, world = api
    expired = SCANNED.replace(f"17{EXPIRY:%y%m%d}", "17261130")
    answer = client.post("/api/vaccination/scan", json={"code": expired})
    assert answer.status_code == 422
    assert answer.json()["field"] == "expiry"
    assert "périmé" in answer.json()["message"]
    unknown = client.post(
        f"/api/patients/{world.child.id}/vaccinations/note",
        json={"code": SCANNED.replace(BEXSERO.gtin, "03400930000014")},
    )
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "code"
    assert "Choisissez le vaccin" in unknown.json()["message"]
    chosen = client.post(
        f"/api/patients/{world.child.id}/vaccinations/note",
        json={"code": SCANNED.replace(BEXSERO.gtin, "03400930000014"), "cis": "64493883"},
    )
    assert chosen.status_code == 200
    assert chosen.json()["lot"] == LOT  # what the box said is kept with the manual choice
    vaccines = client.get("/api/vaccination/vaccines").json()
    assert {v["cle"] for v in vaccines} >= {"bexsero", "infanrix-hexa"}


def test_cli_scan_text_json_and_error() -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["vaccin", "scan", SCANNED.replace(GS, "<GS>")])
    assert shown.exit_code == 0, shown.output
    assert "BEXSERO" in shown.output
    assert f"Lot         : {LOT}" in shown.output
    as_json = runner.invoke(cli, ["vaccin", "scan", "--json", SCANNED])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert (data["vaccin"]["cis"], data["lot"]) == (BEXSERO.vaccine.cis, LOT)
    damaged = runner.invoke(cli, ["vaccin", "scan", SCANNED[:12]])
    assert damaged.exit_code == 1
    assert "champ : gtin" in damaged.output


def test_cli_scan_of_a_photo(tmp_path: Path) -> None:
    barcode = zxingcpp.create_barcode(
        f"(01){BEXSERO.gtin}(17){EXPIRY:%y%m%d}(10){LOT}",
        zxingcpp.BarcodeFormat.DataMatrix,
        gs1=True,
    )
    photo = tmp_path / "boite.png"
    Image.fromarray(np.array(zxingcpp.write_barcode_to_image(barcode, scale=5))).save(photo)
    shown = CliRunner().invoke(cli, ["vaccin", "scan", "--json", "--image", str(photo)])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["lot"] == LOT


def test_cli_import_bdpm_then_scan(db_url: str, tmp_path: Path) -> None:
    """``import-bdpm`` fills the database; ``scan`` then reads the imported box."""
    first12 = "340090000007"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    cip13 = first12 + str((10 - total % 10) % 10)
    cis_file, cip_file = tmp_path / "CIS_bdpm.txt", tmp_path / "CIS_CIP_bdpm.txt"
    cis_file.write_bytes(
        "\t".join(
            ["60000009", "NIMENRIX, poudre et solvant pour solution injectable", "poudre",
             "intramusculaire", "Autorisation active", "Procédure centralisée",
             "Commercialisée", "20/04/2012", "", "EU/1/12/767/001", " FICTIF", "Non"]
        ).encode("cp1252")
    )  # fmt: skip
    cip_file.write_bytes(
        "\t".join(
            ["60000009", "0000007", "1 flacon", "Présentation active",
             "Déclaration de commercialisation", "01/01/2020", cip13, "oui", "65%"]
        ).encode("cp1252")
    )  # fmt: skip
    env = {"ESANTE_HOME": str(tmp_path), "ESANTE_DATABASE_URL": db_url}
    runner = CliRunner()
    imported = runner.invoke(
        cli, ["vaccin", "import-bdpm", "--json", str(cis_file), str(cip_file)], env=env
    )
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["ajoutees"] == 1
    raw = f"]d2010{cip13}17{EXPIRY:%y%m%d}10{LOT}"
    shown = runner.invoke(cli, ["vaccin", "scan", "--json", raw], env=env)
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert (data["statut"], data["vaccin"]["cis"], data["code_verifie"]) == (
        "reconnu",
        "60000009",
        True,
    )
