"""``/health``, the offline ``/docs`` page, ``/openapi.json`` and the root redirect."""

from __future__ import annotations

from pathlib import Path

import esante
from esante.config import Settings
from esante.store import head_revision
from tests.unit.web.conftest import AppClient, open_client


def test_health_reports_version_backend_and_revision(client: AppClient, db_url: str) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == esante.__version__
    assert body["database"] == {
        "backend": "sqlite" if db_url.startswith("sqlite") else "postgresql",
        "reachable": True,
        "revision": head_revision(),
        "expected_revision": head_revision(),
        "up_to_date": True,
    }


def test_health_is_degraded_on_a_database_never_migrated(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    client = open_client(settings, actor=None)  # no schema, no session
    response = client.get("/health")
    client.close()
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["database"]["revision"] is None


def test_health_is_degraded_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2"
    client = open_client(Settings(home=tmp_path, database_url=url), actor=None)
    response = client.get("/health")
    client.close()
    assert response.status_code == 503
    assert response.json()["database"]["reachable"] is False


def test_docs_page_is_french_self_contained_and_lists_every_route(client: AppClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="fr">' in page
    for route in ("/health", "/api/patients", "/api/patients/{patient_id}", "/api/practitioners"):
        assert f'<span class="path">{route}</span>' in page
    assert "Créer un patient" in page
    assert "PatientCreate" in page
    # nothing fetched from elsewhere: no script, no external stylesheet or CDN
    assert "<script" not in page
    assert "http://" not in page
    assert "https://" not in page


def test_openapi_schema(client: AppClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["version"] == esante.__version__
    assert {"/health", "/api/patients", "/api/practitioners", "/api/structures"} <= set(
        spec["paths"]
    )
    assert "/docs" not in spec["paths"]
    assert client.get("/redoc").status_code == 404


def test_root_shows_who_is_signed_in_and_leads_to_the_docs(client: AppClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/patients"  # the console's patient search
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert "Paul TESTEUR" in response.text
    assert 'href="/docs"' in response.text
