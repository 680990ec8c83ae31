"""One size limit for the body of every request, enforced before any route reads it.

FastAPI reads a JSON body whole and then decodes it: without a bound, a 150 MB consent
body was read and parsed, the process growing from 152 to 589 MB. :class:`BodySizeLimit`
is a pure ASGI middleware in front of every route (``ESANTE_MAX_REQUEST_BYTES``, 20 Mio
by default: the largest body a route needs is a CDA document of 20 Mio):

- a ``Content-Length`` above the limit is answered 413 at once, before a byte of the
  body is read (RFC 9110 §15.5.14);
- a body without a length (``Transfer-Encoding: chunked``) is counted as it arrives;
  past the limit the client gets the same 413 and the route stops reading: it receives
  an exception instead of the next chunk, and whatever it would have answered is dropped.

Both answers are the service's JSON error in French (:func:`~esante.web.api.errors.error_body`)
and close the connection (the rest of the body is never read). Starlette's
``RequestBodyLimitMiddleware`` (behind ``FastAPI(max_body_size=...)``) does the same
counting but answers a fixed English ``text/plain`` "Content Too Large" in place of any
response whenever ``Content-Length`` is too large, which the API's clients cannot read
like its other errors.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from esante.web.api.errors import error_body

_MIB = 1024 * 1024


class _BodyTooLargeError(Exception):
    """Raised into the route reading a body that went past the limit (already answered)."""


def size_label(size: int) -> str:
    """A byte count as a French reader writes it: ``20 Mio``, ``512 Kio``, ``1500 octets``."""
    if size % _MIB == 0:
        return f"{size // _MIB} Mio"
    if size % 1024 == 0:
        return f"{size // 1024} Kio"
    return f"{size} octets"


def too_large_response(max_bytes: int, *, declared: int | None = None) -> JSONResponse:
    """The 413 answer for a body over ``max_bytes`` (``declared``: its Content-Length)."""
    detail = f"request body larger than {max_bytes} bytes"
    if declared is not None:
        detail += f" (Content-Length {declared})"
    return JSONResponse(
        error_body(
            f"Requête trop volumineuse : {size_label(max_bytes)} au plus.",
            field="body",
            detail=detail,
        ),
        status_code=413,
        headers={"Connection": "close"},
    )


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None when absent or unreadable (the server
    refuses a malformed one before the application sees the request)."""
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


class BodySizeLimit:
    """Refuse (413) request bodies larger than ``max_bytes`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await too_large_response(self.max_bytes, declared=declared)(scope, receive, send)
            return
        received = 0
        started = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if not started:
                        await too_large_response(self.max_bytes)(scope, receive, send)
                        answered = True
                    raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the 413 went out: the route's own answer is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLargeError:
            if not answered:
                raise
