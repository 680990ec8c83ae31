"""The sign-in flow: ``/auth/connexion``, ``/auth/psc`` and its callback, ``/auth/local``,
``/auth/deconnexion``, and the home page ``/`` (issue 12).

These routes are the only ones, with ``/health``, reachable without a credential. The
PSC sign-in keeps ``state``, ``nonce`` and the PKCE verifier in a short-lived cookie
signed with the secret key (HS256 by joserfc, 10 minutes); the local sign-in form
carries a CSRF token matched with a cookie (double submit), the sign-out form the
session's own token. A sign-in always draws a new session token (no fixation).
"""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from esante.practice.actors import ROLE_SECRETAIRE, AuthenticationError, professional_actor
from esante.practice.staff import actor_of as staff_actor
from esante.practice.staff import verify_staff_sign_in
from esante.terminology import TerminologyError, is_valid, label
from esante.web.api.deps import SessionDep
from esante.web.auth.pages import STYLE_SHEET, sign_in_page
from esante.web.auth.psc import PendingSignIn
from esante.web.auth.sessions import COOKIE_NAME, close_session, find_session, open_session
from esante.web.auth.state import AuthState

router = APIRouter(include_in_schema=False)

PENDING_COOKIE: Final = "esante_psc"
CSRF_COOKIE: Final = "esante_csrf"
_PENDING_SECONDS: Final = 600
SIGN_IN_PATH: Final = "/auth/connexion"
CONSOLE_HOME: Final = "/patients"
"""Where a signed-in person lands: the console's patient search."""


def _auth(request: Request) -> AuthState:
    state: AuthState = request.app.state.auth
    return state


def _cookie(response: Response, auth: AuthState, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        secure=auth.secure_cookies,
        samesite="lax",
        path="/",
    )


def _role_label(role: str) -> str:
    if role == ROLE_SECRETAIRE:
        return "secrétariat"
    try:
        return label("G15", role) if is_valid("G15", role) else role
    except TerminologyError:
        return role


def _sign_in_answer(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    auth = _auth(request)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = HTMLResponse(
        sign_in_page(csrf=csrf, psc_available=auth.psc is not None, error=error),
        status_code=status,
    )
    _cookie(response, auth, CSRF_COOKIE, csrf, 3600)
    return response


@router.get("/auth/style.css")
def style() -> Response:
    return PlainTextResponse(STYLE_SHEET, media_type="text/css")


@router.get(SIGN_IN_PATH)
def sign_in(request: Request) -> Response:
    return _sign_in_answer(request)


@router.get("/")
def home(request: Request, db: SessionDep) -> Response:
    auth = _auth(request)
    row = find_session(db, request.cookies.get(COOKIE_NAME, ""), auth.timeouts)
    if row is None:
        return RedirectResponse(SIGN_IN_PATH, status_code=303)
    db.commit()
    return RedirectResponse(CONSOLE_HOME, status_code=303)


@router.get("/auth/psc")
def psc_start(request: Request) -> Response:
    auth = _auth(request)
    if auth.psc is None:
        return _sign_in_answer(
            request, error="La connexion Pro Santé Connect n'est pas configurée.", status=404
        )
    url, pending = auth.psc.begin()
    now = int(time.time())
    signed = jwt.encode(
        {"alg": "HS256"},
        {
            "state": pending.state,
            "nonce": pending.nonce,
            "verifier": pending.verifier,
            "exp": now + _PENDING_SECONDS,
        },
        auth.cookie_key,
    )
    response = RedirectResponse(url, status_code=303)
    _cookie(response, auth, PENDING_COOKIE, signed, _PENDING_SECONDS)
    return response


def _pending(request: Request, auth: AuthState) -> PendingSignIn:
    raw = request.cookies.get(PENDING_COOKIE, "")
    try:
        token = jwt.decode(raw, auth.cookie_key, algorithms=["HS256"])
        JWTClaimsRegistry(exp={"essential": True}).validate(token.claims)
        claims = token.claims
        return PendingSignIn(str(claims["state"]), str(claims["nonce"]), str(claims["verifier"]))
    except (JoseError, ValueError, KeyError) as exc:
        raise AuthenticationError(
            "La connexion a expiré ou a été ouverte ailleurs ; recommencez.",
            detail="missing or invalid sign-in cookie",
        ) from exc


@router.get("/auth/psc/callback")
def psc_callback(
    request: Request,
    db: SessionDep,
    state: str = "",
    code: str = "",
    error: str = "",
) -> Response:
    auth = _auth(request)
    if auth.psc is None:
        return _sign_in_answer(request, error="Connexion Pro Santé Connect non configurée.")
    if error:
        answer = _sign_in_answer(request, error="Connexion Pro Santé Connect annulée ou refusée.")
        answer.delete_cookie(PENDING_COOKIE, path="/")
        return answer
    try:
        pending = _pending(request, auth)
        signed_in = auth.psc.finish(pending, state, code)
        actor = professional_actor(db, signed_in.id_nat_ps, signed_in.profession_code)
    except AuthenticationError as exc:
        answer = _sign_in_answer(request, error=exc.message, status=401)
        answer.delete_cookie(PENDING_COOKIE, path="/")
        return answer
    stale = request.cookies.get(COOKIE_NAME)
    if stale:
        close_session(db, stale)
    token, _row = open_session(db, actor, auth.timeouts, id_token=signed_in.id_token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(PENDING_COOKIE, path="/")
    _cookie(response, auth, COOKIE_NAME, token, int(auth.timeouts.absolute.total_seconds()))
    return response


def _csrf_ok(expected: str | None, given: str) -> bool:
    return bool(expected) and secrets.compare_digest(str(expected), given)


@router.post("/auth/local")
def local_sign_in(
    request: Request,
    db: SessionDep,
    login: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1024)],
    code: Annotated[str, Form(max_length=10)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    auth = _auth(request)
    if not _csrf_ok(request.cookies.get(CSRF_COOKIE), csrf):
        return _sign_in_answer(request, error="Formulaire expiré ; recommencez.", status=403)
    try:
        account = verify_staff_sign_in(db, login, password, code)
    except AuthenticationError as exc:
        return _sign_in_answer(request, error=exc.message, status=401)
    stale = request.cookies.get(COOKIE_NAME)
    if stale:
        close_session(db, stale)
    token, _row = open_session(db, staff_actor(account), auth.timeouts, staff_account_id=account.id)
    response = RedirectResponse("/", status_code=303)
    _cookie(response, auth, COOKIE_NAME, token, int(auth.timeouts.absolute.total_seconds()))
    return response


@router.post("/auth/deconnexion")
def sign_out(
    request: Request,
    db: SessionDep,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    auth = _auth(request)
    token = request.cookies.get(COOKIE_NAME, "")
    row = find_session(db, token, auth.timeouts)
    if row is not None and not _csrf_ok(row.csrf_token, csrf):
        return PlainTextResponse("Formulaire expiré ; recommencez.", status_code=403)
    target = SIGN_IN_PATH
    if row is not None:
        close_session(db, token)
        if row.actor_kind == "psc" and auth.psc is not None:
            target = auth.psc.end_session_url(row.id_token) or SIGN_IN_PATH
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
