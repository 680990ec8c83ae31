"""Running the sandbox: the HTTPS server, the process, and ``sandbox.json``.

* :mod:`~esante.sandbox.runtime.server` — a threaded HTTPS/1.1 server with mutual TLS
  whose application sees the client certificate (:class:`HttpsServer`);
* :mod:`~esante.sandbox.runtime.process` — :func:`start_sandbox` / :func:`run_sandbox`:
  PKI, database, demo DMPs, the DMP service, readiness check;
* :mod:`~esante.sandbox.runtime.manifest` — ``sandbox.json``, how clients find it;
* :mod:`~esante.sandbox.runtime.seeding` — the demo patients' DMPs.
"""

from esante.sandbox.runtime.errors import (
    PortUnavailableError,
    SandboxNotFoundError,
    SandboxRuntimeError,
)
from esante.sandbox.runtime.manifest import (
    MANIFEST_NAME,
    ClientPki,
    DmpService,
    SandboxManifest,
    read_manifest,
    write_manifest,
)
from esante.sandbox.runtime.process import (
    RunningSandbox,
    SandboxOptions,
    client_pki,
    dmp_http,
    ensure_pki,
    run_sandbox,
    start_sandbox,
    tune_garbage_collector,
)
from esante.sandbox.runtime.seeding import SeedReport, seed_demo
from esante.sandbox.runtime.server import HttpApp, HttpRequest, HttpResponse, HttpsServer, bind

__all__ = [
    "ClientPki",
    "DmpService",
    "HttpApp",
    "HttpRequest",
    "HttpResponse",
    "HttpsServer",
    "MANIFEST_NAME",
    "PortUnavailableError",
    "RunningSandbox",
    "SandboxManifest",
    "SandboxNotFoundError",
    "SandboxOptions",
    "SandboxRuntimeError",
    "SeedReport",
    "bind",
    "client_pki",
    "dmp_http",
    "ensure_pki",
    "read_manifest",
    "run_sandbox",
    "seed_demo",
    "start_sandbox",
    "tune_garbage_collector",
    "write_manifest",
]
