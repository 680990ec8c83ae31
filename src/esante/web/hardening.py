"""Browser-facing defences in front of every route (issue 12, item 5).

One pure ASGI middleware, so that every answer — errors included — goes through it:

- **Allowed hosts**: a ``Host`` not in :meth:`Settings.effective_allowed_hosts` is answered
  400 before any route runs (DNS rebinding, forged absolute URLs; RFC 9110 §7.2).
- **Origin check**: an unsafe method (RFC 9110 §9.2.1) whose ``Origin`` — or, failing it,
  ``Referer`` — names a host not served is refused 403 (OWASP CSRF cheat sheet, "verifying
  origin with standard headers").
- **CSRF token**: an unsafe request authenticated by the session cookie must carry the
  session's token in ``X-CSRF-Token`` (the console's script adds it to every HTMX request)
  or, for a console form posted without script, in its ``csrf`` field; compared in
  constant time. Requests with
  ``Authorization: Bearer`` are exempt (a browser never attaches one cross-site); the
  sign-in routes under ``/auth/`` check their own form tokens (:mod:`.auth.routes`).
- **Headers**: a strict Content-Security-Policy, ``X-Content-Type-Options: nosniff`` and
  ``Referrer-Policy: same-origin`` (not ``no-referrer``: with it Chromium sends
  ``Origin: null`` on same-site form posts, which the Origin check refuses) on every
  answer; no ``form-action`` (Chromium applies it to the redirect of sign-out to PSC).
  A received document's content
  (``/api/documents/{id}/content``), and a DMP document's preview
  (``/api/patients/{id}/dmp/documents/{uid}/html`` and ``/pdf``), are served with
  ``Content-Security-Policy: sandbox``
  (no script runs) and, for XML, ``Content-Disposition: attachment``.
"""

from __future__ import annotations

import hmac
import re
from urllib.parse import parse_qs, urlsplit

import anyio.to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from esante.web.api.errors import error_body
from esante.web.auth.sessions import COOKIE_NAME, find_session

CSP = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCUMENT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_DOCUMENT_CONTENT = re.compile(
    r"^/api/(documents/[^/]+/content|patients/[^/]+/dmp/documents/[^/]+/(html|pdf))/?$"
)


def _host_name(value: str) -> str:
    """``example.org:8000`` or ``[::1]:8000`` → the bare, lower-case host name."""
    parsed = urlsplit(f"//{value}")
    try:
        return (parsed.hostname or "").lower()
    except ValueError:
        return ""


def _refusal(status: int, message: str, detail: str) -> JSONResponse:
    return JSONResponse(error_body(message, detail=detail), status_code=status)


class Hardening:
    """See the module docstring; ``allowed_hosts`` are bare host names."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = frozenset(h.lower() for h in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        receive = await _form_token(scope, receive)
        refusal = await self._refusal(scope)
        wrapped = self._with_headers(send, document=bool(_DOCUMENT_CONTENT.match(path)))
        if refusal is not None:
            await refusal(scope, receive, wrapped)
            return
        await self.app(scope, receive, wrapped)

    async def _refusal(self, scope: Scope) -> JSONResponse | None:
        headers = Headers(scope=scope)
        if _host_name(headers.get("host", "")) not in self.allowed:
            return _refusal(400, "Hôte non reconnu.", "Host header not in ESANTE_ALLOWED_HOSTS")
        if scope["method"] in SAFE_METHODS:
            return None
        source = headers.get("origin") or headers.get("referer")
        if source is not None:
            origin_host = urlsplit(source).hostname if source != "null" else None
            if (origin_host or "").lower() not in self.allowed:
                return _refusal(
                    403,
                    "Requête refusée : elle ne vient pas de ce service.",
                    "Origin/Referer does not name an allowed host",
                )
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer ") or scope["path"].startswith("/auth/"):
            return None
        cookie = _cookie(headers, COOKIE_NAME)
        if cookie is None:
            return None  # no session: the route's credential check answers 401
        expected = await anyio.to_thread.run_sync(_session_csrf, scope, cookie)
        given = headers.get("x-csrf-token", "") or scope.get("esante.form_csrf", "")
        if expected is not None and not hmac.compare_digest(
            expected.encode(), given.encode("utf-8", "replace")
        ):
            return _refusal(
                403,
                "Requête refusée : jeton anti-falsification (CSRF) absent ou invalide.",
                "X-CSRF-Token missing or not the session's",
            )
        return None

    def _with_headers(self, send: Send, *, document: bool) -> Send:
        async def sender(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["Content-Security-Policy"] = DOCUMENT_CSP if document else CSP
                out["X-Content-Type-Options"] = "nosniff"
                out["Referrer-Policy"] = (
                    "same-origin"  # no-referrer makes form posts send Origin: null
                )
                if document and "xml" in out.get("content-type", "").lower():
                    out["Content-Disposition"] = "attachment"
            await send(message)

        return sender


FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 256 * 1024


async def _form_token(scope: Scope, receive: Receive) -> Receive:
    """For a console form posted without script (``application/x-www-form-urlencoded``, no
    ``X-CSRF-Token`` header), the ``csrf`` field of the body stands for the header: the body
    is read here (bounded: a larger form is refused as if it had no token) and replayed to
    the route unchanged."""
    if scope["method"] in SAFE_METHODS or scope["path"].startswith("/auth/"):
        return receive
    headers = Headers(scope=scope)
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != FORM_TYPE or headers.get("x-csrf-token"):
        return receive
    chunks: list[bytes] = []
    size = 0
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body = message.get("body", b"")
        size += len(body)
        if size <= MAX_FORM_BYTES:
            chunks.append(body)
        if not message.get("more_body", False):
            break
    if size <= MAX_FORM_BYTES:
        fields = parse_qs(b"".join(chunks).decode("utf-8", "replace"), max_num_fields=1000)
        scope["esante.form_csrf"] = (fields.get("csrf") or [""])[0]
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def _session_csrf(scope: Scope, token: str) -> str | None:
    """The CSRF token of the live session of ``token``, or None (no session: 401 later)."""
    state = scope["app"].state
    with state.session_factory() as db:
        row = find_session(db, token, state.auth.timeouts)
        return None if row is None else str(row.csrf_token)
