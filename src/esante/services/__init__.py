"""The national services, assembled from settings (layer above the practice and outbox).

* :mod:`~esante.services.profile` — resolve :class:`~esante.config.Settings` into a
  :class:`ServiceProfile`: the preset's endpoints (``sandbox``, ``test``, ``production``;
  ``data/environments.json`` cites each URL), the structure's certificates, the LPS;
* :mod:`~esante.services.credentials` — PKCS#12 / PEM certificates with their passphrase;
* :mod:`~esante.services.assembly` — the DMP, INSi and MSSanté clients and the outbox
  worker (with the practice's send handlers) built from a profile;
* :mod:`~esante.services.insi` — the INSi client for one professional, resolved at its
  first call (:class:`InsiConnection`), as REST and ``esante ins`` use it;
* :mod:`~esante.services.checks` — the checks of ``esante doctor``.

Embedders call the same functions the CLI and the REST service call.
"""

from esante.services.assembly import (
    WorkerSetup,
    WorkerSetupError,
    build_dmp_client,
    build_insi_client,
    build_worker,
    check_credential,
    dmp_client_on,
    sandbox_mailboxes,
    transport_for,
)
from esante.services.credentials import Credential, load_credential
from esante.services.insi import InsiConnection, insi_configured, insi_professional
from esante.services.profile import Lps, ServiceProfile, environments, resolve

__all__ = [
    "Credential",
    "InsiConnection",
    "Lps",
    "ServiceProfile",
    "WorkerSetup",
    "WorkerSetupError",
    "build_dmp_client",
    "build_insi_client",
    "build_worker",
    "check_credential",
    "dmp_client_on",
    "environments",
    "insi_configured",
    "insi_professional",
    "load_credential",
    "resolve",
    "sandbox_mailboxes",
    "transport_for",
]
