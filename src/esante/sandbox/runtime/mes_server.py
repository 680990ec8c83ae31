"""The Mon espace santé patient page, served next to the DMP by the sandbox process.

The page is an ASGI app (:func:`esante.sandbox.mes.create_mes_app`) over the sandbox's own
database; it runs under uvicorn in a background thread on a loopback socket bound
beforehand (so a busy port is a clear error, see :func:`~.server.bind`). Plain HTTP: it
is the patient's view of a simulator, reached from a browser on the same machine.
uvicorn's access log stays off: its lines would carry patients' INS (in the page paths).
"""

from __future__ import annotations

import socket

from sqlalchemy.orm import Session, sessionmaker

from esante.sandbox.asgi_thread import AsgiThread
from esante.sandbox.mes import create_mes_app
from esante.sandbox.runtime.errors import SandboxRuntimeError


class MesServer:
    """The patient page on ``sock`` (already bound); :meth:`start`, then :meth:`close`."""

    def __init__(self, sessions: sessionmaker[Session], sock: socket.socket) -> None:
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self._serving = AsgiThread(create_mes_app(sessions), sock, name="mes")

    def start(self) -> None:
        """Start serving; raises :class:`SandboxRuntimeError` if it is not up in time."""
        self._serving.start(
            lambda: SandboxRuntimeError(
                "La page Mon espace santé du bac à sable n'a pas démarré.",
                detail=f"uvicorn not started on {self.url}",
            )
        )

    def close(self) -> None:
        """Stop serving and release the socket."""
        self._serving.close()
