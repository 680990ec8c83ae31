"""The sandbox's Pro Santé Connect over real sockets: the code flow with PKCE as a client
lives it, every refusal PSC makes, end-session, and the same flow over TLS.

The "browser" is an httpx client that does not follow redirects; the e-CPS code is
computed from the seed the sandbox lists, as an authenticator app would (pyotp). The
ID token is verified with joserfc against the JWKS fetched from the server.
"""

from __future__ import annotations

import html
import re
import secrets
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pyotp
import pytest
import time_machine
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from esante.sandbox.psc import ClientRegistry, PscServer, TlsFiles, start_psc
from esante.sandbox.psc.clients import PscClient
from esante.sandbox.runtime.server import bind
from esante.trust import generate_test_pki

CALLBACK = "http://127.0.0.1:{port}/auth/psc/callback"
LOGGED_OUT = "http://127.0.0.1:{port}/"
TRANSACTION = re.compile(r'name="transaction" value="([^"]+)"')


@pytest.fixture(scope="module")
def psc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PscServer]:
    server = start_psc(tmp_path_factory.mktemp("psc") / "psc", bind("127.0.0.1", 0))
    yield server
    server.close()


@pytest.fixture(scope="module")
def client(psc: PscServer) -> PscClient:
    found = psc.state.esante_client()
    assert found is not None
    return found


@pytest.fixture
def http(psc: PscServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=psc.base_url, timeout=10, follow_redirects=False) as opened:
        yield opened


@dataclass
class Request:
    """One authorization request and the secrets the client keeps for it."""

    params: dict[str, str]
    verifier: str

    @property
    def state(self) -> str:
        return self.params["state"]

    @property
    def nonce(self) -> str:
        return self.params["nonce"]

    @property
    def redirect_uri(self) -> str:
        return self.params["redirect_uri"]


def request_for(
    client: PscClient,
    *,
    port: int = 8000,
    changes: Mapping[str, str | None] | None = None,
    **overrides: str | None,
) -> Request:
    verifier = secrets.token_urlsafe(48)
    params: dict[str, Any] = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": CALLBACK.format(port=port),
        "scope": "openid scope_all",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "acr_values": "eidas1",
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    params.update(changes or {})
    params.update(overrides)
    return Request({k: v for k, v in params.items() if v is not None}, verifier)


def ecps_code(psc: PscServer, id_nat_ps: str) -> str:
    seed = psc.state.ecps.seed(id_nat_ps)
    assert seed is not None
    return pyotp.TOTP(seed).now()


def open_login(http: httpx.Client, request: Request) -> str:
    page = http.get("/auth", params=request.params)
    assert page.status_code == 200, page.text
    found = TRANSACTION.search(page.text)
    assert found is not None
    return found.group(1)


def sign_in(
    psc: PscServer, http: httpx.Client, request: Request, professional: str = "generaliste"
) -> dict[str, list[str]]:
    """Choose the professional, type the e-CPS code: the parameters of the redirect."""
    id_nat_ps = psc.state.dataset.practitioner(professional).id_nat_ps
    transaction = open_login(http, request)
    otp_page = http.post(
        "/auth/professionnel", data={"transaction": transaction, "professionnel": id_nat_ps}
    )
    assert otp_page.status_code == 200, otp_page.text
    answer = http.post(
        "/auth/code", data={"transaction": transaction, "code": ecps_code(psc, id_nat_ps)}
    )
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.split("?")[0] == request.redirect_uri
    return parse_qs(urlsplit(location).query)


def exchange(
    psc: PscServer, client: PscClient, request: Request, code: str, **overrides: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": request.redirect_uri,
        "code_verifier": request.verifier,
        **overrides,
    }
    return httpx.post(
        f"{psc.issuer}/protocol/openid-connect/token",
        data=form,
        auth=(client.client_id, client.client_secret),
        timeout=10,
    )


def signed_in_tokens(
    psc: PscServer, http: httpx.Client, client: PscClient, professional: str = "generaliste"
) -> tuple[Request, dict[str, Any]]:
    request = request_for(client)
    code = sign_in(psc, http, request, professional)["code"][0]
    answer = exchange(psc, client, request, code)
    assert answer.status_code == 200, answer.text
    return request, answer.json()


def userinfo(psc: PscServer, access_token: str) -> httpx.Response:
    return httpx.get(
        f"{psc.issuer}/protocol/openid-connect/userinfo",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def introspect(psc: PscServer, client: PscClient, token: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{psc.issuer}/protocol/openid-connect/token/introspect",
        data={"token": token},
        auth=(client.client_id, client.client_secret),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def error_of(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


# --- the flow ------------------------------------------------------------------------


def test_discovery_documents(psc: PscServer) -> None:
    standard = httpx.get(psc.discovery_url, timeout=10).json()
    wallet = httpx.get(f"{psc.issuer}/.well-known/wallet-openid-configuration", timeout=10).json()
    assert standard == wallet
    assert standard["issuer"] == psc.issuer
    assert psc.issuer.endswith("/auth/realms/esante-wallet")
    assert httpx.get(standard["jwks_uri"], timeout=10).json() == psc.state.key.jwks()


def test_code_flow_with_pkce_from_discovery_to_userinfo(
    psc: PscServer, client: PscClient, http: httpx.Client
) -> None:
    metadata = httpx.get(psc.discovery_url, timeout=10).json()
    request = request_for(client, port=51234)
    login = http.get(urlsplit(metadata["authorization_endpoint"]).path, params=request.params)
    assert login.status_code == 200
    assert '<html lang="fr">' in login.text
    assert "Se connecter avec Pro Santé Connect" in login.text
    csp = login.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "form-action 'self' http://127.0.0.1:51234" in csp
    assert "script" not in login.text.lower()
    assert login.headers["referrer-policy"] == "no-referrer"

    redirect = sign_in(psc, http, request)
    assert redirect["state"] == [request.state]
    (code,) = redirect["code"]

    answer = httpx.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": request.redirect_uri,
            "code_verifier": request.verifier,
        },
        auth=(client.client_id, client.client_secret),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "openid scope_all"
    assert tokens["expires_in"] == 120

    keys = KeySet.import_key_set(httpx.get(metadata["jwks_uri"], timeout=10).json())
    id_token = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"])
    JWTClaimsRegistry(
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": client.client_id},
        nonce={"essential": True, "value": request.nonce},
        acr={"essential": True, "value": "eidas1"},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        auth_time={"essential": True},
    ).validate(id_token.claims)
    assert id_token.header["kid"] == psc.state.key.kid
    doctor = psc.state.dataset.practitioner("generaliste")
    assert id_token.claims["SubjectNameID"] == doctor.id_nat_ps

    access = jwt.decode(tokens["access_token"], keys, algorithms=["RS256"]).claims
    assert access["aud"] == client.client_id
    assert access["sub"] == id_token.claims["sub"]
    assert access["sid"] == tokens["session_state"] == id_token.claims["sid"]

    info = httpx.get(
        metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert info.status_code == 200, info.text
    claims = info.json()
    assert claims["sub"] == id_token.claims["sub"]
    assert claims["SubjectNameID"] == "8" + doctor.rpps
    assert claims["family_name"] == doctor.family_name.upper()
    (exercise,) = claims["SubjectRefPro"]["exercices"]
    assert (exercise["codeProfession"], exercise["codeSavoirFaire"]) == ("10", "SM54")
    assert exercise["activities"][0]["raisonSocialeSite"] == "Cabinet médical du Parc"

    assert introspect(psc, client, tokens["access_token"])["active"] is True


def test_refresh_tokens_rotate(psc: PscServer, client: PscClient, http: httpx.Client) -> None:
    _, tokens = signed_in_tokens(psc, http, client)
    token_url = f"{psc.issuer}/protocol/openid-connect/token"
    refreshed = httpx.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": client.client_id,
            "client_secret": client.client_secret,  # client_secret_post
        },
        timeout=10,
    )
    assert refreshed.status_code == 200, refreshed.text
    renewed = refreshed.json()
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert "id_token" in renewed
    assert userinfo(psc, renewed["access_token"]).status_code == 200
    again = httpx.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client.client_id, client.client_secret),
        timeout=10,
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_sign_in_can_be_cancelled(psc: PscServer, client: PscClient, http: httpx.Client) -> None:
    request = request_for(client)
    transaction = open_login(http, request)
    answer = http.post("/auth/annuler", data={"transaction": transaction})
    assert answer.status_code == 302
    redirect = error_of(answer.headers["location"])
    assert redirect["error"] == ["access_denied"]
    assert redirect["state"] == [request.state]


# --- refusals ------------------------------------------------------------------------


def test_a_wrong_pkce_verifier_is_refused(
    psc: PscServer, client: PscClient, http: httpx.Client
) -> None:
    request = request_for(client)
    code = sign_in(psc, http, request)["code"][0]
    answer = exchange(psc, client, request, code, code_verifier=secrets.token_urlsafe(48))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_a_code_works_once_and_its_replay_revokes_what_it_gave(
    psc: PscServer, client: PscClient, http: httpx.Client
) -> None:
    request = request_for(client)
    code = sign_in(psc, http, request)["code"][0]
    first = exchange(psc, client, request, code)
    assert first.status_code == 200
    replay = exchange(psc, client, request, code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    tokens = first.json()
    assert userinfo(psc, tokens["access_token"]).status_code == 401
    assert introspect(psc, client, tokens["access_token"]) == {"active": False}
    assert introspect(psc, client, tokens["refresh_token"]) == {"active": False}


def test_an_unregistered_redirect_uri_gets_a_page_not_a_redirect(
    psc: PscServer, client: PscClient, http: httpx.Client
) -> None:
    request = request_for(client, redirect_uri="https://attaquant.example/vol")
    answer = http.get("/auth", params=request.params)
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "adresse de retour demandée n'est pas enregistrée" in html.unescape(answer.text)


def test_the_token_request_must_name_the_same_redirect_uri(
    psc: PscServer, client: PscClient, http: httpx.Client
) -> None:
    request = request_for(client)
    code = sign_in(psc, http, request)["code"][0]
    answer = exchange(psc, client, request, code, redirect_uri=CALLBACK.format(port=9999))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_refused(
    psc: PscServer, client: PscClient, http: httpx.Client
) -> None:
    request = request_for(client)
    code = sign_in(psc, http, request)["code"][0]
    answer = httpx.post(
        f"{psc.issuer}/protocol/openid-connect/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": request.redirect_uri,
            "code_verifier": request.verifier,
        },
        auth=(client.client_id, "pas-le-bon-secret"),
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert exchange(psc, client, request, code).status_code == 200  # the code was not spent


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"acr_values": None}, "invalid_request"),
        ({"scope": "scope_all"}, "invalid_scope"),
        ({"scope": "openid profile"}, "invalid_scope"),
        ({"prompt": "none"}, "login_required"),
    ],
)
def test_psc_rules_on_the_authorization_request_go_back_to_the_client(
    client: PscClient, http: httpx.Client, overrides: dict[str, str | None], error: str
) -> None:
    request = request_for(client, changes=overrides)
    answer = http.get("/auth", params=request.params)
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"].startswith(request.redirect_uri + "?")
    redirect = error_of(answer.headers["location"])
    assert redirect["error"] == [error]
    assert redirect["state"] == [request.state]


def test_an_unknown_client_gets_a_french_page(http: httpx.Client, client: PscClient) -> None:
    request = request_for(client, client_id="inconnu")
    answer = http.get("/auth", params=request.params)
    assert answer.status_code == 400
    assert "n'est pas enregistré auprès de Pro Santé Connect" in html.unescape(answer.text)


def test_a_wrong_ecps_code_is_refused_three_times_at_most(
    psc: PscServer, client: PscClient, http: httpx.Client
) -> None:
    request = request_for(client)
    doctor = psc.state.dataset.practitioner("pediatre").id_nat_ps
    transaction = open_login(http, request)
    http.post("/auth/professionnel", data={"transaction": transaction, "professionnel": doctor})
    right = ecps_code(psc, doctor)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    first = http.post("/auth/code", data={"transaction": transaction, "code": wrong})
    assert first.status_code == 400
    assert 'role="alert"' in first.text
    assert "Code incorrect. Il vous reste 2 essais." in first.text
    assert 'aria-invalid="true"' in first.text
    http.post("/auth/code", data={"transaction": transaction, "code": wrong})
    last = http.post("/auth/code", data={"transaction": transaction, "code": wrong})
    assert last.status_code == 302
    assert error_of(last.headers["location"])["error"] == ["access_denied"]
    late = http.post("/auth/code", data={"transaction": transaction, "code": right})
    assert late.status_code == 400
    assert "expiré" in late.text


def test_an_expired_code_is_refused(psc: PscServer, client: PscClient, http: httpx.Client) -> None:
    with time_machine.travel(psc.state.clock(), tick=True) as traveller:
        request = request_for(client)
        code = sign_in(psc, http, request)["code"][0]
        traveller.shift(61)
        answer = exchange(psc, client, request, code)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_an_expired_or_forged_access_token_is_refused_by_userinfo(
    psc: PscServer, client: PscClient, http: httpx.Client
) -> None:
    with time_machine.travel(psc.state.clock(), tick=True) as traveller:
        _, tokens = signed_in_tokens(psc, http, client)
        traveller.shift(121)
        expired = userinfo(psc, tokens["access_token"])
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]
    head, body, _ = tokens["access_token"].split(".")
    assert userinfo(psc, f"{head}.{body}.AAAA").status_code == 401
    anonymous = httpx.get(f"{psc.issuer}/protocol/openid-connect/userinfo", timeout=10)
    assert anonymous.status_code == 401


# --- end session ---------------------------------------------------------------------


def test_end_session_revokes_and_goes_back_to_a_registered_address(
    psc: PscServer, client: PscClient, http: httpx.Client
) -> None:
    _, tokens = signed_in_tokens(psc, http, client)
    logout = f"{psc.issuer}/protocol/openid-connect/logout"
    refused = httpx.get(
        logout,
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://attaquant.example/",
        },
        timeout=10,
    )
    assert refused.status_code == 400
    assert "location" not in refused.headers
    assert userinfo(psc, tokens["access_token"]).status_code == 200  # still signed in
    answer = httpx.get(
        logout,
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": LOGGED_OUT.format(port=40000),
            "state": "retour-42",
        },
        timeout=10,
    )
    assert answer.status_code == 302
    assert answer.headers["location"] == LOGGED_OUT.format(port=40000) + "?state=retour-42"
    assert userinfo(psc, tokens["access_token"]).status_code == 401
    assert introspect(psc, client, tokens["refresh_token"]) == {"active": False}


def test_end_session_without_redirect_shows_a_page(
    psc: PscServer, client: PscClient, http: httpx.Client
) -> None:
    _, tokens = signed_in_tokens(psc, http, client)
    answer = http.get(
        "/auth/realms/esante-wallet/protocol/openid-connect/logout",
        params={"id_token_hint": tokens["id_token"]},
    )
    assert answer.status_code == 200
    assert "Vous êtes déconnecté de Pro Santé Connect" in answer.text
    assert userinfo(psc, tokens["access_token"]).status_code == 401


# --- administration and TLS ------------------------------------------------------------


def test_a_client_registered_while_running_can_sign_in(psc: PscServer, http: httpx.Client) -> None:
    registry = ClientRegistry(psc.state.directory / "clients.json")
    other = registry.register(
        f"lgc-{secrets.token_hex(4)}", ["http://127.0.0.1/retour"], name="Autre LGC"
    )
    request = request_for(other, redirect_uri="http://127.0.0.1:41000/retour")
    assert "Autre LGC" in http.get("/auth", params=request.params).text
    code = sign_in(psc, http, request, "infirmier")["code"][0]
    assert exchange(psc, other, request, code).status_code == 200


def test_the_ecps_demo_page_shows_the_current_codes(psc: PscServer, http: httpx.Client) -> None:
    page = http.get("/e-cps")
    assert page.status_code == 200
    nurse = psc.state.dataset.practitioner("infirmier").id_nat_ps
    assert nurse in page.text
    seed = psc.state.ecps.seed(nurse)
    assert seed is not None
    totp = pyotp.TOTP(seed)
    assert any(totp.verify(c, valid_window=1) for c in re.findall(r">(\d{6})<", page.text))


@pytest.fixture(scope="module")
def tls_psc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PscServer, Path]]:
    base = tmp_path_factory.mktemp("psc-tls")
    pki = generate_test_pki(base / "pki")
    server = start_psc(
        base / "psc",
        bind("127.0.0.1", 0),
        tls=TlsFiles(pki.server.certificate, pki.server.key),
    )
    yield server, pki.ca.certificate
    server.close()


def test_the_flow_over_tls_with_the_sandbox_certificate(
    tls_psc: tuple[PscServer, Path],
) -> None:
    psc, ca = tls_psc
    assert psc.issuer.startswith("https://127.0.0.1:")
    with pytest.raises(httpx.ConnectError):
        httpx.get(psc.discovery_url, timeout=10)  # not trusted without the sandbox CA
    context = ssl.create_default_context(cafile=str(ca))
    client = psc.state.esante_client()
    assert client is not None
    with httpx.Client(
        base_url=psc.base_url, verify=context, timeout=10, follow_redirects=False
    ) as browser:
        assert browser.get(psc.discovery_url).json()["issuer"] == psc.issuer
        request = request_for(client)
        code = sign_in(psc, browser, request)["code"][0]
        answer = browser.post(
            f"{psc.issuer}/protocol/openid-connect/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": request.redirect_uri,
                "code_verifier": request.verifier,
            },
            auth=(client.client_id, client.client_secret),
        )
        assert answer.status_code == 200, answer.text
        info = browser.get(
            f"{psc.issuer}/protocol/openid-connect/userinfo",
            headers={"Authorization": f"Bearer {answer.json()['access_token']}"},
        )
        assert info.json()["SubjectNameID"].startswith("8")


def test_query_strings_carry_no_secret_to_the_referrer(
    client: PscClient, http: httpx.Client
) -> None:
    request = request_for(client)
    page = http.get("/auth?" + urlencode(request.params))
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
