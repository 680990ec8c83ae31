"""The sign-in pages: the e-CPS "wallet" of the sandbox.

At PSC the authorization endpoint (``wallet.esw.esante.gouv.fr/auth``) asks the
professional for their identifier, pushes a request to their e-CPS app (or reads the
CPS card) and, once confirmed, redirects to the client with the code. Here:

1. ``GET /auth`` — Authlib validates the authorization request (client, redirect URI,
   PKCE, ``nonce``, ``acr_values``…); a request that cannot be answered at the client's
   redirect URI gets a French error page, any other refusal goes back to the client
   (``error``, ``state``). A valid one becomes a *transaction* and the page lists the
   demo professionals;
2. ``POST /auth/professionnel`` — the professional chosen, the page asks for the code
   "pushed to their e-CPS app" and shows, in a box marked as the demo phone, the code
   the app displays;
3. ``POST /auth/code`` — a right code opens a session and redirects to the client with
   the code and ``state``; a wrong one is refused (three tries); ``POST /auth/annuler``
   goes back to the client with ``access_denied``.

``GET /e-cps`` shows every demo professional's current code, as their phones would.
The transaction id (256 random bits, in a hidden field) is the only state the browser
carries; the sandbox keeps no single sign-on cookie, so each sign-in asks again.
"""

from __future__ import annotations

from urllib.parse import urlencode

from authlib.oauth2.rfc6749 import OAuth2Error
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from esante.sandbox.psc.authorization import OAuthAnswer, OAuthRequest, PscAuthorizationServer
from esante.sandbox.psc.claims import subject
from esante.sandbox.psc.pages import FormError, message, origin, page, read_form, secured
from esante.sandbox.psc.realm import AUTHORIZATION_PATH, DISCOVERY_PATH
from esante.sandbox.psc.state import PscState
from esante.sandbox.psc.store import Transaction

CHOOSE_PATH = f"{AUTHORIZATION_PATH}/professionnel"
CONFIRM_PATH = f"{AUTHORIZATION_PATH}/code"
CANCEL_PATH = f"{AUTHORIZATION_PATH}/annuler"
ECPS_PATH = "/e-cps"
MAX_QUERY_CHARS = 8_192

_ERROR_TEXTS = {
    "invalid_client": "Ce logiciel n'est pas enregistré auprès de Pro Santé Connect.",
    "invalid_request": "La demande de connexion du logiciel est incomplète ou invalide.",
    "unauthorized_client": "Ce logiciel n'est pas autorisé à faire cette demande.",
    "unsupported_response_type": "Ce type de demande n'est pas pris en charge.",
}
_EXPIRED = (
    "Cette demande de connexion a expiré ou a déjà été utilisée. "
    "Recommencez la connexion depuis votre logiciel."
)


class Wallet:
    """The sign-in pages of the realm served at ``base_url``."""

    def __init__(self, state: PscState, server: PscAuthorizationServer, base_url: str) -> None:
        self.state = state
        self.server = server
        self.authorization_url = f"{base_url.rstrip('/')}{AUTHORIZATION_PATH}"

    # --- helpers --------------------------------------------------------------------

    def _answer(self, answer: OAuthAnswer, form_targets: tuple[str, ...] = ()) -> Response:
        location = dict(answer.headers).get("Location")
        if answer.status == 302 and location:
            return secured(RedirectResponse(location, status_code=302), form_targets)
        return message(400, "Connexion impossible", "La demande n'a pas pu aboutir.")

    def _refusal(self, request: OAuthRequest, error: OAuth2Error) -> Response:
        if error.redirect_uri:
            return self._answer(self.server.handle_error_response(request, error))
        text = _ERROR_TEXTS.get(str(error.error), _ERROR_TEXTS["invalid_request"])
        if "redirect" in str(error.description or "").lower():
            text = "L'adresse de retour demandée n'est pas enregistrée pour ce logiciel."
        return message(400, "Connexion impossible", text, detail=error.description)

    def _request(self, transaction: Transaction) -> OAuthRequest:
        uri = f"{self.authorization_url}?{urlencode(transaction.params)}"
        return OAuthRequest("GET", uri, query=transaction.params)

    def _client_name(self, transaction: Transaction) -> str:
        client = self.state.clients.get(transaction.client_id)
        return client.name if client else transaction.client_id

    def _targets(self, transaction: Transaction) -> tuple[str, ...]:
        found = origin(transaction.redirect_uri)
        return (found,) if found else ()

    async def _form(self, request: Request) -> tuple[dict[str, str], Transaction | None]:
        fields = dict(await read_form(request))
        return fields, self.state.store.transaction(fields.get("transaction", ""))

    def _login_page(self, transaction: Transaction, error: str | None = None) -> Response:
        professionals = [
            {
                "id_nat_ps": p.id_nat_ps,
                "name": p.display_name,
                "label": p.label,
                "structure": self.state.dataset.structure(p.structure_key).name,
                "rpps": p.rpps,
            }
            for p in self.state.professionals()
        ]
        return page(
            "login.html",
            status=400 if error else 200,
            form_targets=self._targets(transaction),
            title="Se connecter",
            client_name=self._client_name(transaction),
            professionals=professionals,
            transaction=transaction.id,
            choose_url=CHOOSE_PATH,
            cancel_url=CANCEL_PATH,
            error=error,
        )

    def _code_page(self, transaction: Transaction, error: str | None = None) -> Response:
        professional = self.state.professional(transaction.id_nat_ps or "")
        if professional is None:
            return self._login_page(transaction, "Choisissez un professionnel.")
        return page(
            "otp.html",
            status=400 if error else 200,
            form_targets=self._targets(transaction),
            title="Valider avec l'application e-CPS",
            client_name=self._client_name(transaction),
            professional=professional.display_name,
            code=self.state.ecps.code(professional.id_nat_ps, self.state.clock()),
            transaction=transaction.id,
            confirm_url=CONFIRM_PATH,
            cancel_url=CANCEL_PATH,
            ecps_url=ECPS_PATH,
            error=error,
        )

    def _back_to_client(self, transaction: Transaction, user: object | None) -> Response:
        request = self._request(transaction)
        try:
            grant = self.server.get_consent_grant(request)
        except OAuth2Error as error:
            return self._refusal(request, error)
        answer = self.server.create_authorization_response(request, grant_user=user, grant=grant)
        return self._answer(answer, self._targets(transaction))

    # --- pages ----------------------------------------------------------------------

    def authorize(self, request: Request) -> Response:
        """``GET /auth``: validate the request, list the professionals."""
        if len(request.url.query) > MAX_QUERY_CHARS:
            return message(400, "Connexion impossible", "Demande de connexion trop longue.")
        params = tuple(request.query_params.multi_items())
        oauth = OAuthRequest("GET", str(request.url), request.headers, query=params)
        try:
            grant = self.server.get_consent_grant(oauth)
        except OAuth2Error as error:
            return self._refusal(oauth, error)
        transaction = self.state.store.begin(params, grant.client.client_id, grant.redirect_uri)
        return self._login_page(transaction)

    async def choose(self, request: Request) -> Response:
        """``POST /auth/professionnel``: the professional chosen; ask for the code."""
        try:
            fields, transaction = await self._form(request)
        except FormError:
            return message(400, "Connexion impossible", "Formulaire invalide.")
        if transaction is None:
            return message(400, "Demande expirée", _EXPIRED)
        chosen = self.state.professional(fields.get("professionnel", ""))
        if chosen is None:
            return self._login_page(transaction, "Choisissez un professionnel dans la liste.")
        self.state.store.choose(transaction.id, chosen.id_nat_ps)
        return self._code_page(transaction)

    async def confirm(self, request: Request) -> Response:
        """``POST /auth/code``: check the e-CPS code, answer the client."""
        try:
            fields, transaction = await self._form(request)
        except FormError:
            return message(400, "Connexion impossible", "Formulaire invalide.")
        if transaction is None or transaction.id_nat_ps is None:
            return message(400, "Demande expirée", _EXPIRED)
        professional = self.state.professional(transaction.id_nat_ps)
        now = self.state.clock()
        code = fields.get("code", "")
        if professional is None or not self.state.ecps.verify(transaction.id_nat_ps, code, now):
            left = self.state.store.fail(transaction.id)
            if left == 0:
                return self._back_to_client(transaction, None)
            plural = "s" if left > 1 else ""
            return self._code_page(
                transaction, f"Code incorrect. Il vous reste {left} essai{plural}."
            )
        if self.state.store.finish(transaction.id) is None:
            return message(400, "Demande expirée", _EXPIRED)
        user = self.state.store.open_session(
            professional.id_nat_ps, subject(professional), transaction.client_id
        )
        return self._back_to_client(transaction, user)

    async def cancel(self, request: Request) -> Response:
        """``POST /auth/annuler``: back to the client with ``access_denied``."""
        try:
            fields = dict(await read_form(request))
        except FormError:
            return message(400, "Connexion impossible", "Formulaire invalide.")
        transaction = self.state.store.finish(fields.get("transaction", ""))
        if transaction is None:
            return message(400, "Demande expirée", _EXPIRED)
        return self._back_to_client(transaction, None)

    def ecps(self, request: Request) -> Response:
        """``GET /e-cps``: the codes the demo professionals' apps show now."""
        now = self.state.clock()
        rows = [
            {
                "name": p.display_name,
                "id_nat_ps": p.id_nat_ps,
                "code": self.state.ecps.code(p.id_nat_ps, now),
            }
            for p in self.state.professionals()
        ]
        return page("ecps.html", title="Application e-CPS", rows=rows)

    def index(self, request: Request) -> Response:
        """``GET /``: what this server is."""
        return page(
            "index.html",
            title="Accueil",
            discovery_url=DISCOVERY_PATH,
            ecps_url=ECPS_PATH,
        )
