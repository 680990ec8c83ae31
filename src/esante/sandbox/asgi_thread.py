"""An ASGI app of the sandbox served by uvicorn in a background thread.

The sandbox's browser- and API-facing pages (Mon espace santé, the Annuaire Santé FHIR
API, Pro Santé Connect) each run their app on a socket bound beforehand by the caller (a
busy port is then a clear error where it is bound, see
:func:`esante.sandbox.runtime.server.bind`). The thread owns the socket: :meth:`close`
releases it. uvicorn's access log stays off: page paths and redirects carry patients' INS,
``state``, ``nonce`` and authorization codes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

START_TIMEOUT_S = 20.0
"""How long :meth:`AsgiThread.start` waits for uvicorn to be up."""


class AsgiThread:
    """``app`` served on ``sock`` (already bound) by a daemon thread named ``name``;
    HTTPS when ``certificate`` and ``key`` are given."""

    def __init__(
        self,
        app: Any,
        sock: socket.socket,
        *,
        name: str,
        certificate: Path | None = None,
        key: Path | None = None,
    ) -> None:
        self._sock = sock
        config = uvicorn.Config(
            app,
            access_log=False,
            log_level="warning",
            lifespan="off",
            ssl_certfile=str(certificate) if certificate else None,
            ssl_keyfile=str(key) if key else None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=name, daemon=True
        )

    def start(self, failure: Callable[[], Exception]) -> None:
        """Start serving and wait until uvicorn is up; when it stops or is not up in
        :data:`START_TIMEOUT_S`, close and raise ``failure()`` (the caller's own error)."""
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise failure()
            time.sleep(0.02)

    def close(self) -> None:
        """Stop serving and release the socket."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._sock.close()
