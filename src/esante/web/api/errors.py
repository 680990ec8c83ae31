"""Errors as HTTP answers, in one place: the esante tree, request validation, HTTP errors.

Every error body has the same shape, French ``message`` first::

    {"message": "Champ obligatoire manquant : birth_date", "field": "birth_date",
     "detail": "Field required", "errors": [...]}

:class:`~esante.errors.EsanteError` is handled by ONE handler keyed on the root class;
the HTTP status is the first match of the exception's class hierarchy in
:data:`STATUS_BY_ERROR` (as Starlette finds handlers), so a new branch of the tree gets a
sensible status without touching this module. Pydantic's request validation errors are
rewritten in French with the field at fault; unknown routes and methods too.

Some refusals also carry a stable ``code`` (:data:`CODE_BY_ERROR`) for a client to act
on without parsing the message: ``access_notice_required`` tells it to show the DMP
access notice and retry once it is acknowledged.

Anything else (a bug, a driver error) is answered 500 by
:func:`unexpected_error_response`, which :class:`~esante.web.request_ids.RequestIdMiddleware`
calls: the body carries the request id (also in the ``X-Request-ID`` header), the log
one line with the exception's class and the request id — never its message nor its
traceback, which may hold patient data.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from esante.cda.errors import CdaError
from esante.demo import DemoError
from esante.dmp.errors import (
    DmpCommunicationError,
    DmpRejectedError,
    DmpRequestError,
    DmpUnavailableError,
)
from esante.errors import ConfigError, EsanteError
from esante.identity.errors import IdentityError
from esante.outbox.errors import OrderStateError, OutboxError
from esante.practice.access import AccessDeniedError
from esante.practice.actors import AuthenticationError
from esante.practice.errors import (
    AccessNoticeRequiredError,
    ConsentError,
    ConsentRefusedError,
    ConsultationRefusedError,
    PracticeValidationError,
)
from esante.safexml import XmlError
from esante.store.errors import ConflictError, NotFoundError, StoreError
from esante.web.errors import WebError
from esante.web.request_ids import current_request_id

logger = logging.getLogger("esante.web")


class RequestBodyError(WebError):
    """The request body is refused before reaching a service (empty, unreadable)."""


class BodyTooLargeError(RequestBodyError):
    """The request body is larger than the route accepts (HTTP 413)."""


class UnsupportedMediaTypeError(RequestBodyError):
    """The request body is not of a type the route reads (HTTP 415)."""


STATUS_BY_ERROR: dict[type[EsanteError], int] = {
    NotFoundError: 404,
    DemoError: 404,
    ConflictError: 409,
    OrderStateError: 409,
    OutboxError: 409,
    ConsentError: 403,
    ConsultationRefusedError: 403,
    DmpRejectedError: 403,
    DmpUnavailableError: 503,
    DmpCommunicationError: 503,
    DmpRequestError: 422,
    AuthenticationError: 401,
    AccessDeniedError: 403,
    PracticeValidationError: 422,
    IdentityError: 422,
    CdaError: 422,
    XmlError: 422,
    BodyTooLargeError: 413,
    UnsupportedMediaTypeError: 415,
    RequestBodyError: 422,
    StoreError: 503,
    ConfigError: 500,
    EsanteError: 400,
}

CODE_BY_ERROR: dict[type[EsanteError], str] = {
    AccessNoticeRequiredError: "access_notice_required",
    ConsentRefusedError: "consent_refused",
    ConsultationRefusedError: "consultation_refused",
    DmpRejectedError: "dmp_refused",
    DmpUnavailableError: "dmp_unavailable",
    DmpCommunicationError: "dmp_unavailable",
}
"""Stable machine-readable codes, added to the error body as ``code`` (first match of the
exception's class hierarchy; no code for the other errors)."""

_HTTP_MESSAGES = {
    404: "Adresse introuvable sur ce service.",
    405: "Méthode HTTP non autorisée pour cette adresse.",
}


def status_for(exc: EsanteError) -> int:
    """HTTP status of an esante error: first class of its hierarchy with a status."""
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400  # pragma: no cover - EsanteError itself is in the table


def code_for(exc: EsanteError) -> str | None:
    """The machine-readable code of an esante error, if its class has one."""
    for cls in type(exc).__mro__:
        if cls in CODE_BY_ERROR:
            return CODE_BY_ERROR[cls]
    return None


def error_body(
    message: str,
    *,
    field: str | None = None,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """The JSON body of every error answer."""
    body: dict[str, Any] = {"message": message, "field": field, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    if code is not None:
        body["code"] = code
    return body


def field_of(loc: Sequence[int | str]) -> str | None:
    """The field path of a pydantic location, without its ``body``/``query`` prefix.

    ``("body", "legal_representatives", 0, "given_name")`` gives
    ``legal_representatives.0.given_name``.
    """
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


def _expected(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace(" or ", " ou ")


def french_message(error: dict[str, Any]) -> str:
    """One pydantic error in French, naming the field."""
    kind = str(error.get("type", ""))
    field = field_of(error.get("loc", ())) or "corps de la requête"
    ctx: dict[str, Any] = error.get("ctx") or {}
    if kind == "missing":
        return f"Champ obligatoire manquant : {field}"
    if kind == "extra_forbidden":
        return f"Champ inconnu : {field}"
    if kind == "json_invalid":
        return "Corps de requête JSON invalide."
    if kind == "string_too_long":
        return f"Texte trop long pour {field} ({ctx.get('max_length')} caractères au plus)"
    if kind == "string_too_short":
        return f"Champ vide : {field}"
    if kind.startswith("string"):
        return f"Texte attendu pour {field}"
    if kind.startswith("int") or kind.startswith("float"):
        return f"Nombre attendu pour {field}"
    if kind.startswith("bool"):
        return f"Valeur vrai/faux (true/false) attendue pour {field}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"Date invalide pour {field} (format AAAA-MM-JJ attendu)"
    if kind in ("literal_error", "enum"):
        return f"Valeur non autorisée pour {field} (valeurs possibles : {_expected(ctx)})"
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"Valeur trop petite pour {field} (minimum : {bound})"
    if kind in ("less_than", "less_than_equal"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"Valeur trop grande pour {field} (maximum : {bound})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"Objet JSON attendu pour {field}"
    if kind in ("list_type", "tuple_type"):
        return f"Liste attendue pour {field}"
    return f"Valeur invalide pour {field}"


async def _esante_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EsanteError)
    status = status_for(exc)
    if status >= 500:
        logger.error(
            "esante error %s (HTTP %d) serving request %s",
            type(exc).__name__,
            status,
            current_request_id(),
        )
    body = error_body(exc.message, field=exc.field, detail=exc.detail, code=code_for(exc))
    if isinstance(exc, ConsultationRefusedError):
        # the DICA letter at fault and the action that fixes it, as the bar gives them
        body["condition"] = exc.condition
        body["action"] = exc.action
    return JSONResponse(
        body,
        status_code=status,
        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "message": french_message(dict(e)),
            "field": field_of(e.get("loc", ())),
            "type": e.get("type"),
            "detail": e.get("msg"),
        }
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"message": "Requête invalide.", "field": None}
    return JSONResponse(
        error_body(
            str(first["message"]),
            field=first.get("field"),
            detail=first.get("detail"),
            errors=errors,
        ),
        status_code=422,
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = _HTTP_MESSAGES.get(exc.status_code, f"Requête refusée (HTTP {exc.status_code}).")
    return JSONResponse(
        error_body(message, detail=str(exc.detail)),
        status_code=exc.status_code,
        headers=exc.headers,
    )


def unexpected_error_response(exc: Exception) -> JSONResponse:
    """The 500 answer of an error no handler took; logs its class and the request id only
    (the exception text may hold patient data)."""
    request_id = current_request_id()
    logger.error("unexpected %s while serving request %s", type(exc).__name__, request_id)
    body = error_body(
        "Erreur interne du service : l'opération n'a pas abouti.", detail=type(exc).__name__
    )
    body["request_id"] = request_id
    return JSONResponse(body, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(EsanteError, _esante_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
