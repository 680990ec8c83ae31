"""A bearer token that is not a valid PSC token for esante is refused 401 (issue 12).

The real sandbox PSC realm runs on a loopback socket; esante's relying party fetches its
discovery document and JWKS from it, as in production.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from esante.config import Settings
from esante.sandbox.psc import PscServer, start_psc
from esante.sandbox.psc.realm import DISCOVERY_PATH, issuer
from esante.sandbox.runtime.server import bind
from esante.web import create_app
from tests.unit.web.conftest import AppClient

REFUSED = "La connexion par Pro Santé Connect a échoué ; recommencez."


@pytest.fixture(scope="module")
def psc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PscServer]:
    server = start_psc(tmp_path_factory.mktemp("psc") / "psc", bind("127.0.0.1", 0))
    yield server
    server.close()


@pytest.fixture
def anonymous(psc: PscServer, db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    settings = Settings(
        home=tmp_path,
        database_url=db_url,
        psc_discovery_url=f"{psc.base_url}{DISCOVERY_PATH}",
        psc_client_secret="unused-by-bearer-checks",
    )
    app_client = AppClient(create_app(settings), actor=None)
    yield app_client
    app_client.close()


def _claims(psc: PscServer, **changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": issuer(psc.base_url),
        "aud": "esante",
        "iat": now,
        "exp": now + 300,
        "acr": "eidas1",
        "SubjectNameID": "899700218896",
    }
    claims.update(changes)
    return claims


def _answer(client: AppClient, token: str) -> tuple[int, str]:
    answer = client.get("/api/patients", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, answer.json()["message"]


@pytest.mark.parametrize("case", ["forged", "expired", "wrong_audience", "wrong_issuer"])
def test_a_bad_psc_token_is_refused(psc: PscServer, anonymous: AppClient, case: str) -> None:
    now = int(time.time())
    if case == "forged":  # right claims, signed by a key that is not the realm's
        other = RSAKey.generate_key(2048, private=True)
        header = {"alg": "RS256", "kid": psc.state.key.kid}
        token = jwt.encode(header, _claims(psc), other, algorithms=["RS256"])
    elif case == "expired":
        token = psc.state.key.sign(_claims(psc, iat=now - 3600, exp=now - 600))
    elif case == "wrong_audience":
        token = psc.state.key.sign(_claims(psc, aud="another-client"))
    else:
        token = psc.state.key.sign(_claims(psc, iss="https://evil.example/realm"))
    assert _answer(anonymous, token) == (401, REFUSED)


def test_the_same_token_rightly_made_passes_the_signature_and_claim_checks(
    psc: PscServer, anonymous: AppClient
) -> None:
    # the control for the refusals above: only the changed claim made them fail
    status, message = _answer(anonymous, psc.state.key.sign(_claims(psc)))
    assert message != REFUSED, (status, message)
    assert status in {200, 401, 403}
