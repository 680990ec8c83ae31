"""Run an ASGI app with uvicorn on a socket we bind ourselves.

Binding first gives a clear French error when the port is taken (instead of uvicorn's
log line and exit), lets ``port 0`` pick a free port whose number we can announce, and
leaves no window between "is it free?" and "listen". The announcement runs once the
server really accepts connections. Uvicorn's access log is off: request lines carry
search parameters (patient names, birth dates, INS), which must not reach the logs.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType

import uvicorn
from fastapi import FastAPI

from esante.web.errors import PortInUseError


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; raises :class:`PortInUseError`.

    Created with the protocol named (``IPPROTO_TCP``): asyncio sets ``TCP_NODELAY`` on
    the accepted connections only for such a socket — with protocol 0, Nagle's algorithm
    holds each response body until the client's delayed ACK (~40 ms on a kept-alive
    connection)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUseError(
            f"Impossible d'écouter sur {host}:{port} : le port est déjà utilisé ou "
            "l'adresse n'est pas disponible. Choisissez un autre port (--port).",
            detail=str(exc),
            field="--port",
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def bind_first_free(host: str, port: int, attempts: int = 20) -> socket.socket:
    """Bind ``port``, or the next free one among ``attempts`` ports, or any free port."""
    for candidate in range(port, port + attempts):
        try:
            return bind(host, candidate)
        except PortInUseError:
            continue
    return bind(host, 0)


def bound_port(sock: socket.socket) -> int:
    """The port ``sock`` listens on."""
    return int(sock.getsockname()[1])


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_ready is not None:
            self._on_ready()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(
    app: FastAPI,
    sock: socket.socket,
    *,
    on_ready: Callable[[], None] | None = None,
    log_level: str = "warning",
) -> None:
    """Serve ``app`` on the bound ``sock`` until Ctrl+C or SIGTERM, then return normally.

    Uvicorn shuts down gracefully on SIGINT/SIGTERM and then raises the signal again for
    the previous handler; SIGTERM is routed to KeyboardInterrupt too and both are taken
    here as the normal end of the service (exit status 0).
    """
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on")
    server = _AnnouncingServer(config, on_ready)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        sock.close()
