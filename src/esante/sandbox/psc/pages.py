"""The realm's HTML pages: French, server-rendered, no script, nothing fetched elsewhere.

Jinja2 templates (autoescaped) in ``templates/``, one local stylesheet, and the headers
of every page: a strict Content-Security-Policy (``default-src 'none'``, the stylesheet
from the realm itself, not framed) whose ``form-action`` names the realm and — on the
sign-in pages only — the origin of the client's redirect URI (browsers check
``form-action`` on the redirect that ends a form submission), ``no-store``,
``nosniff`` and no referrer (the authorization request's URL must not leak).
Request bodies are read with a bound; forms are ``application/x-www-form-urlencoded``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from jinja2 import Environment, PackageLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from esante.sandbox.psc.errors import PscError

CSS_PATH: Final = "/auth/resources/psc.css"
MAX_FORM_BYTES: Final = 64 * 1024
MAX_FORM_FIELDS: Final = 64
BASE_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


class FormError(PscError):
    """The request body is not a small URL-encoded form (becomes a 400)."""

    def __init__(self, detail: str) -> None:
        super().__init__("Formulaire invalide.", detail=detail)


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("esante.sandbox.psc", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def stylesheet() -> bytes:
    """The realm's stylesheet."""
    return resources.files("esante.sandbox.psc").joinpath("templates/psc.css").read_bytes()


def origin(uri: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URI, else None."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(form_targets: Iterable[str] = ()) -> str:
    """The CSP of a page whose forms may end at ``form_targets`` (origins)."""
    targets = " ".join(["'self'", *dict.fromkeys(form_targets)])
    return (
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        f"form-action {targets}; base-uri 'none'; frame-ancestors 'none'"
    )


def secured(response: Response, form_targets: Iterable[str] = ()) -> Response:
    """``response`` with the realm's security headers."""
    response.headers.update(BASE_HEADERS)
    response.headers["Content-Security-Policy"] = content_security_policy(form_targets)
    return response


def page(
    template: str,
    *,
    status: int = 200,
    form_targets: Iterable[str] = (),
    **context: Any,
) -> Response:
    """A rendered page with the security headers."""
    html = _environment().get_template(template).render(css_url=CSS_PATH, **context)
    return secured(HTMLResponse(html, status_code=status), form_targets)


def message(status: int, heading: str, text: str, detail: str | None = None) -> Response:
    """A page that only says something (an error, a sign-out)."""
    return page(
        "message.html",
        status=status,
        title=heading,
        heading=heading,
        message=text,
        detail=detail,
        alert=status >= 400,
    )


async def read_form(request: Request) -> list[tuple[str, str]]:
    """The fields of a URL-encoded form body (64 KiB, 64 fields at most).

    Raises :class:`FormError` otherwise.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise FormError("Content-Type must be application/x-www-form-urlencoded")
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
        raise FormError("body too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormError("body too large")
    try:
        return parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormError(str(exc)) from exc
