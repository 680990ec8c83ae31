"""The discovery document: PSC's realm paths, and only what the sandbox does."""

from __future__ import annotations

from authlib.oidc.discovery import OpenIDProviderMetadata

from esante.sandbox.psc import discovery_document

BASE = "http://127.0.0.1:40123"


def test_the_document_is_valid_openid_provider_metadata() -> None:
    metadata = OpenIDProviderMetadata(discovery_document(BASE))
    metadata.validate()  # raises on a missing or malformed required member


def test_paths_are_shaped_like_the_psc_keycloak_realm() -> None:
    document = discovery_document(BASE + "/")
    issuer = document["issuer"]
    assert issuer == f"{BASE}/auth/realms/esante-wallet"
    assert document["authorization_endpoint"] == f"{BASE}/auth"
    protocol = f"{issuer}/protocol/openid-connect"
    assert document["token_endpoint"] == f"{protocol}/token"
    assert document["introspection_endpoint"] == f"{protocol}/token/introspect"
    assert document["userinfo_endpoint"] == f"{protocol}/userinfo"
    assert document["jwks_uri"] == f"{protocol}/certs"
    assert document["end_session_endpoint"] == f"{protocol}/logout"


def test_the_document_announces_pkce_s256_eidas1_and_secret_authentication() -> None:
    document = discovery_document(BASE)
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["acr_values_supported"] == ["eidas1"]
    assert document["scopes_supported"] == ["openid", "scope_all"]
    assert document["response_types_supported"] == ["code"]
    assert set(document["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"SubjectNameID", "SubjectRefPro", "acr", "nonce"} <= set(document["claims_supported"])
