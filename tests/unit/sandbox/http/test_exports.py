"""The public faces of the sandbox runtime and of the DMP SOAP endpoints are a contract."""

from __future__ import annotations

import esante.sandbox.dmp.soap
import esante.sandbox.runtime
from esante.errors import EsanteError
from esante.sandbox.dmp import SandboxError
from esante.sandbox.runtime import PortUnavailableError, SandboxNotFoundError, SandboxRuntimeError


def test_runtime_exports() -> None:
    exported = esante.sandbox.runtime.__all__
    assert exported == sorted(exported)
    assert set(exported) == {
        "MANIFEST_NAME",
        "ClientPki",
        "DmpService",
        "HttpApp",
        "HttpRequest",
        "HttpResponse",
        "HttpsServer",
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
    }


def test_soap_exports() -> None:
    exported = esante.sandbox.dmp.soap.__all__
    assert exported == sorted(exported)
    assert set(exported) == {
        "BY_ACTION",
        "DEFAULT_BASE_PATH",
        "ENDPOINTS",
        "SANDBOX_NS",
        "SERVICES",
        "Answer",
        "Caller",
        "DmpFault",
        "Endpoint",
        "EndpointOptions",
        "Exchange",
        "TrustPolicy",
        "authenticate",
        "structure_of",
    }


def test_runtime_errors_belong_to_the_sandbox_branch() -> None:
    for error in (SandboxRuntimeError, PortUnavailableError, SandboxNotFoundError):
        assert issubclass(error, SandboxError)
        assert issubclass(error, EsanteError)
