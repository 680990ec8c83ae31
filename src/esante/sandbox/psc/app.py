"""The sandbox's Pro Santé Connect as an ASGI application (Starlette).

:func:`create_psc_app` serves, for a realm whose public URL is ``base_url``
(``scheme://host:port``, the issuer being ``base_url`` + ``/auth/realms/esante-wallet``):

* the discovery document (``…/.well-known/openid-configuration`` and PSC's
  ``…/.well-known/wallet-openid-configuration``) and the JWKS (``…/certs``);
* the sign-in pages (:mod:`~esante.sandbox.psc.wallet`): ``/auth`` and its forms, and
  the demo e-CPS app ``/e-cps``;
* ``POST …/token`` (authorization code with PKCE, refresh token), ``GET|POST
  …/userinfo``, ``POST …/token/introspect``, ``GET|POST …/logout`` (end session).

Protocol answers are Authlib's (:mod:`~esante.sandbox.psc.authorization`): JSON with
``error`` / ``error_description`` in English, as PSC's. Pages are French. Nothing is
logged by the app, and never a token or a code.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import OAuth2Error
from joserfc.errors import JoseError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from esante.sandbox.psc.authorization import OAuthAnswer, OAuthRequest, PscAuthorizationServer
from esante.sandbox.psc.pages import (
    CSS_PATH,
    FormError,
    message,
    page,
    read_form,
    secured,
    stylesheet,
)
from esante.sandbox.psc.realm import (
    AUTHORIZATION_PATH,
    DISCOVERY_PATH,
    END_SESSION_PATH,
    INTROSPECTION_PATH,
    JWKS_PATH,
    TOKEN_PATH,
    USERINFO_PATH,
    WALLET_DISCOVERY_PATH,
    discovery_document,
    issuer,
)
from esante.sandbox.psc.state import PscState
from esante.sandbox.psc.userinfo import userinfo
from esante.sandbox.psc.wallet import CANCEL_PATH, CHOOSE_PATH, CONFIRM_PATH, ECPS_PATH, Wallet

__all__ = ["create_psc_app"]

_API_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _json(answer: OAuthAnswer) -> Response:
    headers = dict(answer.headers)
    headers.pop("Content-Type", None)
    headers.update(_API_HEADERS)
    headers.setdefault("Pragma", "no-cache")
    body = answer.body if isinstance(answer.body, dict) else {"error": "server_error"}
    return JSONResponse(body, status_code=answer.status, headers=headers)


def _bad_form(error: FormError) -> Response:
    return JSONResponse(
        {"error": "invalid_request", "error_description": error.detail},
        status_code=400,
        headers=_API_HEADERS,
    )


def create_psc_app(state: PscState, base_url: str) -> Starlette:
    """The realm of ``state`` as an ASGI app, answering as ``base_url``."""
    realm_issuer = issuer(base_url)
    server = PscAuthorizationServer(state, realm_issuer)
    wallet = Wallet(state, server, base_url)
    metadata = discovery_document(base_url)

    def discovery(request: Request) -> Response:
        return JSONResponse(metadata, headers={"X-Content-Type-Options": "nosniff"})

    def jwks(request: Request) -> Response:
        return JSONResponse(state.key.jwks(), headers={"X-Content-Type-Options": "nosniff"})

    def css(request: Request) -> Response:
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=3600"}
        return Response(stylesheet(), media_type="text/css", headers=headers)

    async def token(request: Request) -> Response:
        try:
            form = await read_form(request)
        except FormError as exc:
            return _bad_form(exc)
        oauth = OAuthRequest("POST", str(request.url), request.headers, form=form)
        return _json(server.create_token_response(oauth))

    async def introspect(request: Request) -> Response:
        try:
            form = await read_form(request)
        except FormError as exc:
            return _bad_form(exc)
        oauth = OAuthRequest("POST", str(request.url), request.headers, form=form)
        return _json(server.create_endpoint_response("introspection", oauth))

    def user_info(request: Request) -> Response:
        return _json(userinfo(state, realm_issuer, request.headers.get("authorization")))

    async def logout(request: Request) -> Response:
        query = request.query_params.multi_items()
        try:
            form = await read_form(request) if request.method == "POST" else []
        except FormError:
            return message(400, "Déconnexion impossible", "Formulaire invalide.")
        oauth = OAuthRequest(
            request.method, str(request.url), request.headers, query=query, form=form
        )
        try:
            validated = server.validate_endpoint_request("end_session", oauth)
        except (OAuth2Error, JoseError, ValueError) as error:
            description = getattr(error, "description", None) or type(error).__name__
            return message(
                400,
                "Déconnexion impossible",
                "La demande de déconnexion du logiciel est invalide.",
                detail=str(description),
            )
        asked = oauth.payload.data.get("post_logout_redirect_uri")
        if asked and validated.redirect_uri is None:
            return message(
                400,
                "Déconnexion impossible",
                "L'adresse de retour après déconnexion n'est pas enregistrée pour ce "
                "logiciel, ou la demande ne porte pas le jeton d'identité (id_token_hint).",
                detail=f"post_logout_redirect_uri refused: {asked}",
            )
        answer = server.create_endpoint_response("end_session", validated)
        if isinstance(answer, OAuthAnswer) and answer.status == 302:
            location = dict(answer.headers)["Location"]
            return secured(RedirectResponse(location, status_code=302))
        return page(
            "message.html",
            title="Déconnexion",
            heading="Vous êtes déconnecté de Pro Santé Connect",
            message="Vous pouvez fermer cette page.",
            detail=None,
            alert=False,
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        return message(404, "Page introuvable", "Cette page n'existe pas.")

    routes = [
        Route("/", wallet.index, methods=["GET"]),
        Route(CSS_PATH, css, methods=["GET"]),
        Route(DISCOVERY_PATH, discovery, methods=["GET"]),
        Route(WALLET_DISCOVERY_PATH, discovery, methods=["GET"]),
        Route(JWKS_PATH, jwks, methods=["GET"]),
        Route(AUTHORIZATION_PATH, wallet.authorize, methods=["GET"]),
        Route(CHOOSE_PATH, wallet.choose, methods=["POST"]),
        Route(CONFIRM_PATH, wallet.confirm, methods=["POST"]),
        Route(CANCEL_PATH, wallet.cancel, methods=["POST"]),
        Route(ECPS_PATH, wallet.ecps, methods=["GET"]),
        Route(TOKEN_PATH, token, methods=["POST"]),
        Route(INTROSPECTION_PATH, introspect, methods=["POST"]),
        Route(USERINFO_PATH, user_info, methods=["GET", "POST"]),
        Route(END_SESSION_PATH, logout, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found})
