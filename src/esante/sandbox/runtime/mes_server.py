"""The Mon espace santé patient page, served next to the DMP by the sandbox process.

The page is an ASGI app (:func:`esante.sandbox.mes.create_mes_app`) over the sandbox's own
database; it runs under uvicorn in a background thread on a loopback socket bound
beforehand (so a busy port is a clear error, see :func:`~.server.bind`). Plain HTTP: it
is the patient's view of a simulator, reached from a browser on the same machine.
uvicorn's access log stays off: its lines would carry patients' INS (in the page paths).
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from esante.sandbox.mes import create_mes_app
from esante.sandbox.runtime.errors import SandboxRuntimeError

_START_TIMEOUT_S = 20.0


class MesServer:
    """The patient page on ``sock`` (already bound); :meth:`start`, then :meth:`close`."""

    def __init__(self, sessions: sessionmaker[Session], sock: socket.socket) -> None:
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self._sock = sock
        config = uvicorn.Config(
            create_mes_app(sessions), access_log=False, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="mes", daemon=True
        )

    def start(self) -> None:
        """Start serving; raises :class:`SandboxRuntimeError` if it is not up in time."""
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise SandboxRuntimeError(
                    "La page Mon espace santé du bac à sable n'a pas démarré.",
                    detail=f"uvicorn not started on {self.url}",
                )
            time.sleep(0.02)

    def close(self) -> None:
        """Stop serving and release the socket."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._sock.close()
