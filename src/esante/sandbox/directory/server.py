"""The sandbox directory served over HTTP on loopback, like the Mon espace santé page.

:class:`DirectoryServer` runs :func:`~esante.sandbox.directory.app.create_directory_app`
under uvicorn in a background thread, on a socket bound beforehand (so that a busy port is
a clear error, see :func:`esante.sandbox.runtime.server.bind`). Plain HTTP: the real API
is HTTPS behind the ANS gateway, but the sandbox only answers on this machine; the API key
check is what the client has to get right. uvicorn's access log stays off.
"""

from __future__ import annotations

import socket

from esante.demo import DemoDataset
from esante.sandbox.asgi_thread import AsgiThread
from esante.sandbox.directory.app import FHIR_BASE_PATH, create_directory_app
from esante.sandbox.dmp.errors import SandboxError
from esante.sandbox.errors import SandboxRuntimeError


class DirectoryServer:
    """The FHIR directory on ``sock`` (already bound); :meth:`start`, then :meth:`close`.

    ``url`` is the FHIR base to give :class:`esante.mss.directory.DirectoryClient`
    (``http://host:port/fhir/v2/``); ``api_key`` the value its ``ESANTE-API-KEY`` header
    must carry; ``dataset`` the demo people (default :func:`esante.demo.demo_dataset`).
    The server owns ``sock``: :meth:`close` (or a refused ``api_key``) closes it.
    """

    def __init__(
        self, sock: socket.socket, *, api_key: str, dataset: DemoDataset | None = None
    ) -> None:
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}{FHIR_BASE_PATH}/"
        try:
            app = create_directory_app(api_key, dataset=dataset)
        except SandboxError:
            sock.close()  # the server owns the socket it was given
            raise
        self._serving = AsgiThread(app, sock, name="directory")

    def start(self) -> None:
        """Start serving; raises :class:`SandboxRuntimeError` if it is not up in time."""
        self._serving.start(
            lambda: SandboxRuntimeError(
                "L'annuaire santé du bac à sable n'a pas démarré.",
                detail=f"uvicorn not started on {self.url}",
            )
        )

    def close(self) -> None:
        """Stop serving and release the socket."""
        self._serving.close()
