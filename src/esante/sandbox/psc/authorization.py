"""The OAuth 2.0 / OpenID Connect machinery of the realm, on Authlib's server components.

Authlib validates the requests and writes the protocol answers; this module plugs the
realm into it:

* :class:`OAuthRequest` — a request as Authlib reads it (query and form parameters,
  headers), built by the ASGI app from Starlette's request;
* :class:`PscAuthorizationServer` — Authlib's ``AuthorizationServer`` with the realm's
  clients, the authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636, ``S256``
  required) and PSC's OpenID Connect rules (``openid`` scope, ``nonce`` required,
  ``acr_values=eidas1``, ``prompt=none`` answered ``login_required`` since the sandbox
  keeps no single sign-on session, ``response_mode`` query only, no request objects),
  the refresh token grant (rotation), token introspection (RFC 7662: any authenticated
  client of the realm may introspect, as in Keycloak) and RP-initiated logout (OpenID
  Connect RP-Initiated Logout 1.0: the ``post_logout_redirect_uri`` must be registered
  and the ID token hint must be the realm's);
* answers come back as :class:`OAuthAnswer` (status, body, headers) for the app to send.

Only confidential clients exist (``client_secret_basic`` / ``client_secret_post``), as
at PSC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core.errors import LoginRequiredError, RequestNotSupportedError
from authlib.oidc.rpinitiated import EndSessionEndpoint
from authlib.oidc.rpinitiated.end_session import EndSessionRequest

from esante.sandbox.psc.clients import PscClient
from esante.sandbox.psc.realm import (
    ACR_EIDAS1,
    CLIENT_AUTH_METHODS,
    CODE_CHALLENGE_METHOD,
    SCOPE_OPENID,
    SCOPES_SUPPORTED,
)
from esante.sandbox.psc.state import PscState
from esante.sandbox.psc.store import AuthorizationCode, IssuedToken, PscUser
from esante.sandbox.psc.tokens import TokenIssuer

MAX_PARAMETER_CHARS = 4_096


@dataclass(frozen=True)
class OAuthAnswer:
    """A protocol answer: HTTP status, body (JSON object or text), headers."""

    status: int
    body: dict[str, Any] | str
    headers: tuple[tuple[str, str], ...]


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._datalist: dict[str, list[str]] = {}
        for key, value in pairs:
            self._datalist.setdefault(key, []).append(value)
        self._data = {k: v[0] for k, v in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist


class OAuthRequest(OAuth2Request):  # type: ignore[misc]
    """An HTTP request as Authlib reads it; parameters of the query then of the form."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str] | None = None,
        *,
        query: Sequence[tuple[str, str]] = (),
        form: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(method, uri, headers=headers or {})
        self._args = _Payload(query).data
        self._form = _Payload(form).data
        self.payload = _Payload([*query, *form])

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


# --- grants -------------------------------------------------------------------------


class _PkceS256(CodeChallenge):  # type: ignore[misc]
    """PKCE required, ``S256`` only (``plain`` would send the verifier in clear)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = [CODE_CHALLENGE_METHOD]  # noqa: RUF012
    DEFAULT_CODE_CHALLENGE_METHOD = CODE_CHALLENGE_METHOD

    def validate_code_challenge(self, grant: Any, redirect_uri: Any) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE is required.")
        if data.get("code_challenge_method") != CODE_CHALLENGE_METHOD:
            raise InvalidRequestError("'code_challenge_method' must be 'S256'.")
        super().validate_code_challenge(grant, redirect_uri)


class _PscOpenIdRules:
    """PSC's OpenID Connect rules on the authorization request; ID tokens on answers."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self.validate)
        grant.register_hook("after_create_token_response", self.add_id_token)

    def validate(self, grant: Any, _result: Any) -> None:
        request = grant.request
        data, datalist = request.payload.data, request.payload.datalist
        for name in ("nonce", "acr_values", "prompt", "code_challenge_method"):
            if len(datalist.get(name, [])) > 1:
                raise InvalidRequestError(f"Multiple '{name}' in request.")
        if any(len(v) > MAX_PARAMETER_CHARS for v in data.values()):
            raise InvalidRequestError("A parameter is too long.")
        if not request.payload.redirect_uri:
            raise InvalidRequestError("Missing 'redirect_uri' in request.")
        if SCOPE_OPENID not in (request.scope or "").split():
            raise InvalidScopeError("The 'openid' scope is required.")
        if not data.get("nonce"):
            raise InvalidRequestError("Missing 'nonce' in request.")
        if ACR_EIDAS1 not in data.get("acr_values", "").split():
            raise InvalidRequestError("'acr_values' must be 'eidas1'.")
        if data.get("response_mode", "query") != "query":
            raise InvalidRequestError("Only 'response_mode=query' is supported.")
        if "request" in data or "request_uri" in data:
            raise RequestNotSupportedError()
        if "none" in data.get("prompt", "").split():
            raise LoginRequiredError()

    def add_id_token(self, grant: Any, result: Any) -> None:
        _status, body, _headers = result
        self.issuer.add_id_token(body, grant.request.client, grant.request.user)


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = list(CLIENT_AUTH_METHODS)  # noqa: RUF012
    state: PscState

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        self.state.store.save_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                nonce=data.get("nonce"),
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                acr=ACR_EIDAS1,
                user=request.user,
                expires_at=self.state.clock() + self.state.store.lifetimes.code,
            )
        )

    def query_authorization_code(self, code: str, client: PscClient) -> AuthorizationCode | None:
        return self.state.store.take_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing left to do: :meth:`query_authorization_code` took the code."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> PscUser | None:
        session = self.state.store.session(authorization_code.user.session_id)
        return session.user if session else None


class _RefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = list(CLIENT_AUTH_METHODS)  # noqa: RUF012
    INCLUDE_NEW_REFRESH_TOKEN = True
    state: PscState

    def authenticate_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        token = self.state.store.refresh_token(refresh_token)
        return token if token is not None and token.is_active() else None

    def authenticate_user(self, refresh_token: IssuedToken) -> PscUser | None:
        session = self.state.store.session(refresh_token.session.id)
        return session.user if session else None

    def revoke_old_credential(self, refresh_token: IssuedToken) -> None:
        self.state.store.revoke(refresh_token)


# --- endpoints ----------------------------------------------------------------------


class _Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = list(CLIENT_AUTH_METHODS)  # noqa: RUF012

    def __init__(self, server: PscAuthorizationServer) -> None:
        super().__init__(server)
        self.realm = server

    def query_token(self, token_string: str, token_type_hint: str | None) -> IssuedToken | None:
        store = self.realm.state.store
        if token_type_hint != "refresh_token":  # noqa: S105 - a hint name, not a secret
            claims = self.realm.state.key.verified_claims(token_string)
            if claims is not None and claims.get("iss") == self.realm.issuer:
                found = store.access_token(str(claims.get("jti", "")))
                if found is not None:
                    return found
        return store.refresh_token(token_string)

    def check_permission(self, token: IssuedToken, client: PscClient, request: Any) -> bool:
        return True

    def introspect_token(self, token: IssuedToken) -> dict[str, Any]:
        user = token.get_user()
        payload: dict[str, Any] = {
            "active": True,
            "client_id": token.client_id,
            "token_type": "Bearer" if token.kind == "access_token" else "Refresh",
            "scope": token.scope,
            "sub": user.subject,
            "username": user.id_nat_ps,
            "aud": token.client_id,
            "iss": self.realm.issuer,
            "exp": token.expires_at,
            "iat": token.issued_at,
            "sid": user.session_id,
            "acr": ACR_EIDAS1,
            "SubjectNameID": user.id_nat_ps,
        }
        if token.kind == "access_token":
            payload["jti"] = token.key
        return payload


class _EndSession(EndSessionEndpoint):  # type: ignore[misc]
    def __init__(self, server: PscAuthorizationServer) -> None:
        super().__init__(server)
        self.realm = server

    def validate_request(self, request: Any) -> EndSessionRequest:
        validated = super().validate_request(request)
        claims = validated.id_token_claims
        if claims is not None and claims.get("iss") != self.realm.issuer:
            raise InvalidRequestError("'id_token_hint' was not issued by this realm.")
        return validated

    def get_server_jwks(self) -> dict[str, Any]:
        return self.realm.state.key.jwks()

    def _is_valid_post_logout_redirect_uri(self, client: PscClient, uri: str) -> bool:
        return client.check_post_logout_redirect_uri(uri)

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        claims = end_session_request.id_token_claims or {}
        if isinstance(claims.get("sid"), str):
            self.realm.state.store.end_session(claims["sid"])


class PscAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's authorization server bound to the realm served at ``issuer``."""

    def __init__(self, state: PscState, issuer: str) -> None:
        super().__init__(scopes_supported=list(SCOPES_SUPPORTED))
        self.state = state
        self.issuer = issuer
        self.tokens = TokenIssuer(state, issuer)
        self.register_token_generator("default", self._generate_token)
        code_grant = type("PscCodeGrant", (_CodeGrant,), {"state": state})
        refresh_grant = type("PscRefreshGrant", (_RefreshGrant,), {"state": state})
        rules = _PscOpenIdRules(self.tokens)
        self.register_grant(code_grant, [_PkceS256(required=True), rules])
        self.register_grant(refresh_grant, [rules])
        self.register_endpoint(_Introspection(self))
        self.register_endpoint(_EndSession(self))

    def _generate_token(
        self,
        grant_type: str,
        client: PscClient,
        user: PscUser | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        allowed = client.get_allowed_scope(scope)
        if user is None or allowed is None:
            raise InvalidScopeError()
        return self.tokens.token_response(
            client, user, allowed, include_refresh_token=include_refresh_token
        )

    # --- Authlib's integration points -----------------------------------------------

    def query_client(self, client_id: str) -> PscClient | None:
        return self.state.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Nothing to do: :class:`TokenIssuer` recorded the tokens it issued."""

    def create_oauth2_request(self, request: OAuthRequest) -> OAuthRequest:
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("the realm takes no JSON requests")

    def handle_response(
        self, status: int, body: dict[str, Any] | str, headers: Sequence[tuple[str, str]]
    ) -> OAuthAnswer:
        return OAuthAnswer(int(status), body, tuple((str(k), str(v)) for k, v in headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """The realm listens to no signal."""
