"""A request id for every request, and unexpected errors contained to one answer.

:class:`RequestIdMiddleware` gives each HTTP request a fresh random id, returned in the
``X-Request-ID`` header of every answer and readable during the request with
:func:`current_request_id` (the error handlers log it). The id is never taken from the
client: a chosen id could forge or flood log lines.

It also catches what no handler turned into an answer — a bug, a driver error — and
sends the answer ``on_error`` makes of it (the API's 500, built and logged by
:func:`esante.web.api.errors.unexpected_error_response`: the exception's class and the
request id, never its message nor its traceback, which may hold patient data). The
exception goes no further: Starlette's ``ServerErrorMiddleware`` would answer a 500 too,
but then raise the exception again for the server to log, and uvicorn writes the full
traceback to stderr.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"

_request_id: ContextVar[str | None] = ContextVar("esante_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    return _request_id.get()


class RequestIdMiddleware:
    """Tag each HTTP request with an id; answer unexpected errors with a 500 (see above)."""

    def __init__(self, app: ASGIApp, *, on_error: Callable[[Exception], Response]) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            response = self.on_error(exc)
            if not started:  # else the answer is cut short: the server closes the connection
                await response(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)
