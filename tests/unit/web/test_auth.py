"""Who is acting (issue 12): every route but /health and the sign-in flow needs a
credential; sessions, local accounts (password + TOTP), API keys and PSC tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from esante.config import Settings
from esante.practice.actors import ROLE_SECRETAIRE
from esante.practice.apikeys import create_api_key, revoke_api_key
from esante.practice.staff import create_staff_account
from esante.store import Structure, utcnow
from esante.store.models import WebSession
from esante.web import create_app
from tests.unit.web.conftest import AppClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def anonymous(db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    app_client = AppClient(create_app(Settings(home=tmp_path, database_url=db_url)), actor=None)
    yield app_client
    app_client.close()


def _structure(client: AppClient) -> int:
    with client.app.state.session_factory() as db:
        row = Structure(name="Cabinet du Parc", finess="750000001", id_nat_struct="1750000001")
        db.add(row)
        db.commit()
        return row.id


def test_anonymous_requests_get_401_except_health_and_sign_in(anonymous: AppClient) -> None:
    for path in ("/api/patients", "/api/practitioners", "/api/structures", "/openapi.json"):
        answer = anonymous.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert "Authentification requise" in answer.json()["message"]
    assert anonymous.post("/api/patients", json={}).status_code == 401
    assert anonymous.get("/health").status_code == 200
    assert anonymous.get("/auth/connexion").status_code == 200
    home = anonymous.get("/", follow_redirects=False)
    assert home.status_code == 303
    assert home.headers["location"] == "/auth/connexion"


def test_openapi_declares_the_security_schemes(client: AppClient) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearer"]["description"],
    }
    assert schemes["session"]["in"] == "cookie"
    assert schemes["session"]["name"] == "esante_session"
    assert "security" in spec["paths"]["/api/patients"]["get"]
    assert "security" not in spec["paths"]["/health"]["get"]


def test_an_api_key_authenticates_until_revoked(anonymous: AppClient) -> None:
    structure = _structure(anonymous)
    with anonymous.app.state.session_factory() as db:
        made = create_api_key(
            db, structure_id=structure, scopes=["patients:read"], label="Agenda en ligne"
        )
        db.commit()
        stored = made.row.key_hash
    assert made.key not in stored  # only a digest at rest
    headers = {"Authorization": f"Bearer {made.key}"}
    assert anonymous.get("/api/patients", headers=headers).status_code == 200
    forged = made.key[:-4] + ("aaaa" if not made.key.endswith("aaaa") else "bbbb")
    assert (
        anonymous.get("/api/patients", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )
    with anonymous.app.state.session_factory() as db:
        revoke_api_key(db, made.row.prefix)
        db.commit()
    answer = anonymous.get("/api/patients", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["message"] == "Clé d'API inconnue ou révoquée."


def _staff(client: AppClient) -> tuple[str, str]:
    structure = _structure(client)
    with client.app.state.session_factory() as db:
        made = create_staff_account(
            db,
            login="secretariat",
            password="un mot de passe assez long",
            display_name="Sophie ACCUEIL",
            role=ROLE_SECRETAIRE,
            structure_id=structure,
        )
        db.commit()
        return made.account.login, made.totp_secret


def _local_sign_in(client: AppClient, login: str, password: str, code: str) -> object:
    page = client.get("/auth/connexion")
    found = CSRF.search(page.text)
    assert found is not None
    return client.post(
        "/auth/local",
        data={"login": login, "password": password, "code": code, "csrf": found.group(1)},
        follow_redirects=False,
    )


def test_a_secretary_signs_in_with_password_and_totp_and_signs_out(anonymous: AppClient) -> None:
    login, secret = _staff(anonymous)
    code = pyotp.TOTP(secret).now()
    answer = _local_sign_in(anonymous, login, "un mot de passe assez long", code)
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    home = anonymous.get("/", follow_redirects=True)
    assert "Sophie ACCUEIL" in home.text
    assert "Secrétariat" in home.text
    assert anonymous.get("/api/patients").status_code == 200
    # sign-out needs the session's CSRF token
    assert anonymous.post("/auth/deconnexion", data={"csrf": "wrong"}).status_code == 403
    csrf = CSRF.search(home.text)
    assert csrf is not None
    out = anonymous.post("/auth/deconnexion", data={"csrf": csrf.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    assert anonymous.get("/api/patients").status_code == 401


def test_a_wrong_password_a_wrong_code_or_a_replayed_code_is_refused(anonymous: AppClient) -> None:
    login, secret = _staff(anonymous)
    code = pyotp.TOTP(secret).now()
    assert _local_sign_in(anonymous, login, "pas le bon mot de passe", code).status_code == 401  # type: ignore[attr-defined]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert _local_sign_in(anonymous, login, "un mot de passe assez long", wrong).status_code == 401  # type: ignore[attr-defined]
    assert _local_sign_in(anonymous, login, "un mot de passe assez long", code).status_code == 303  # type: ignore[attr-defined]
    # the same code a second time opens nothing
    assert _local_sign_in(anonymous, login, "un mot de passe assez long", code).status_code == 401  # type: ignore[attr-defined]


def test_the_sign_in_form_needs_its_csrf_token(anonymous: AppClient) -> None:
    login, secret = _staff(anonymous)
    anonymous.get("/auth/connexion")
    answer = anonymous.post(
        "/auth/local",
        data={
            "login": login,
            "password": "un mot de passe assez long",
            "code": pyotp.TOTP(secret).now(),
            "csrf": "forged",
        },
    )
    assert answer.status_code == 403


def test_a_session_ends_after_its_idle_timeout(client: AppClient) -> None:
    assert client.get("/api/patients").status_code == 200
    with time_machine.travel(utcnow() + timedelta(minutes=119), tick=False):
        assert client.get("/api/patients").status_code == 200  # activity keeps it alive
    with time_machine.travel(utcnow() + timedelta(minutes=119 + 121), tick=False):
        assert client.get("/api/patients").status_code == 401
    with client.app.state.session_factory() as db:
        assert db.scalars(select(WebSession)).all() == []  # deleted when met


def test_a_session_ends_at_its_absolute_expiry_even_when_active(client: AppClient) -> None:
    start = utcnow()
    for hours in range(1, 12):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            assert client.get("/api/patients").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        assert client.get("/api/patients").status_code == 401
