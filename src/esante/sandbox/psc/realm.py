"""What Pro Santé Connect publishes: its realm's paths, scopes, acr and discovery document.

Pro Santé Connect (PSC) is a Keycloak realm named ``esante-wallet``: the issuer is
``https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet`` (``auth.bas.psc…`` /
``auth.bas.esw…`` for the integration "bac à sable"), the OpenID Connect endpoints sit
under ``…/protocol/openid-connect/`` (``token``, ``token/introspect``, ``userinfo``,
``certs``, ``logout``), and the authorization endpoint is the e-CPS "wallet" page
``https://wallet.esw.esante.gouv.fr/auth``. The discovery document is published both at
the standard ``.well-known/openid-configuration`` and at
``.well-known/wallet-openid-configuration`` (the one ANS's Keycloak connector reads).
Clients ask ``acr_values=eidas1`` and ``scope=openid scope_all``; ``scope_all`` brings
the sectoral claims (``SubjectRefPro``…) into the userinfo answer. Sources: ANS,
"Pro Santé Connect — documentation technique" (industriels.esante.gouv.fr) and the
ANS Keycloak connector ``ansforge/keycloak-prosanteconnect`` (``psc.properties``,
``EidasLevel``).

The sandbox serves the same paths on one loopback server: the wallet's ``/auth`` and the
realm's ``/auth/realms/esante-wallet/…`` do not collide. Its discovery document lists
only what the sandbox does: the authorization code flow with PKCE ``S256`` (required),
refresh tokens, confidential clients authenticated by ``client_secret_basic`` or
``client_secret_post``, RS256 signatures.
"""

from __future__ import annotations

from typing import Any, Final

REALM: Final = "esante-wallet"
REALM_PATH: Final = f"/auth/realms/{REALM}"
OIDC_PATH: Final = f"{REALM_PATH}/protocol/openid-connect"
AUTHORIZATION_PATH: Final = "/auth"
"""The wallet's authorization endpoint (``wallet.esw.esante.gouv.fr/auth`` at PSC)."""
TOKEN_PATH: Final = f"{OIDC_PATH}/token"
INTROSPECTION_PATH: Final = f"{OIDC_PATH}/token/introspect"
USERINFO_PATH: Final = f"{OIDC_PATH}/userinfo"
JWKS_PATH: Final = f"{OIDC_PATH}/certs"
END_SESSION_PATH: Final = f"{OIDC_PATH}/logout"
DISCOVERY_PATH: Final = f"{REALM_PATH}/.well-known/openid-configuration"
WALLET_DISCOVERY_PATH: Final = f"{REALM_PATH}/.well-known/wallet-openid-configuration"

ACR_EIDAS1: Final = "eidas1"
"""The only authentication level PSC grants (CPS card or e-CPS app)."""
SCOPE_OPENID: Final = "openid"
SCOPE_ALL: Final = "scope_all"
"""PSC's scope for the sectoral identity (exercises, activities, structures)."""
SCOPES_SUPPORTED: Final = (SCOPE_OPENID, SCOPE_ALL)
SIGNING_ALGORITHM: Final = "RS256"
CLIENT_AUTH_METHODS: Final = ("client_secret_basic", "client_secret_post")
CODE_CHALLENGE_METHOD: Final = "S256"

CLAIMS_SUPPORTED: Final = (
    "iss",
    "sub",
    "aud",
    "azp",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "sid",
    "at_hash",
    "preferred_username",
    "given_name",
    "family_name",
    "email_verified",
    "SubjectNameID",
    "SubjectRefPro",
    "SubjectOrganization",
    "SubjectOrganizationID",
    "SubjectRole",
    "Secteur_Activite",
    "otherIds",
    "PSI_Locale",
    "Palier_Authentification",
    "UITVersion",
    "Acces_Regulation_Medicale",
    "Mode_Acces_Raison",
)


def issuer(base_url: str) -> str:
    """The issuer of the realm served at ``base_url`` (``scheme://host:port``)."""
    return f"{base_url.rstrip('/')}{REALM_PATH}"


def discovery_document(base_url: str) -> dict[str, Any]:
    """The OpenID Provider metadata of the sandbox realm served at ``base_url``."""
    base = base_url.rstrip("/")
    return {
        "issuer": issuer(base),
        "authorization_endpoint": f"{base}{AUTHORIZATION_PATH}",
        "token_endpoint": f"{base}{TOKEN_PATH}",
        "introspection_endpoint": f"{base}{INTROSPECTION_PATH}",
        "userinfo_endpoint": f"{base}{USERINFO_PATH}",
        "end_session_endpoint": f"{base}{END_SESSION_PATH}",
        "jwks_uri": f"{base}{JWKS_PATH}",
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [SIGNING_ALGORITHM],
        "token_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
        "introspection_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
        "code_challenge_methods_supported": [CODE_CHALLENGE_METHOD],
        "acr_values_supported": [ACR_EIDAS1],
        "scopes_supported": list(SCOPES_SUPPORTED),
        "claims_supported": list(CLAIMS_SUPPORTED),
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": False,
        "ui_locales_supported": ["fr-FR"],
    }
