"""DMP client: the DMP transactions (TD0.2, TD0.3, TD2.1, TD3.1, TD3.2, TD3.3a-d) as typed calls.

Built on the formats (:mod:`esante.identity`, :mod:`esante.xds`), the transport
(:mod:`esante.transport`: SOAP 1.2, WS-Addressing, MTOM, mutual TLS) and trust
(:mod:`esante.trust`: VIHF, XAdES). Organised like the XDS layer:

* :mod:`~esante.dmp.transactions` — one declarative record per TD (action, service,
  MTOM, body roots, write or read); :mod:`~esante.dmp.endpoints` — the service URLs;
* ``td02``, ``td03``, ``td21``, ``td31``, ``td32``, ``td33`` — thin per-TD modules that
  build the body and read the answer;
* :mod:`~esante.dmp.context` (software, acting professional, access mode) and
  :mod:`~esante.dmp.vihf` (the signed VIHF of each call);
* :mod:`~esante.dmp.exchange` (one SOAP exchange), :mod:`~esante.dmp.failures` and
  :mod:`~esante.dmp.errors` (what went wrong, retry or not, outcome certain or not);
* :class:`DmpClient` — the calls; :mod:`~esante.dmp.results` — what they return.

Usage::

    client = DmpClient.with_signer(
        HttpsTransport(tls), DmpEndpoints.from_base_url(url), signer=signer, lps=lps,
        content_type_code=activity,
    )
    status = client.test_existence(ins, actor=doctor)
    if status.active and status.authorized:
        result = client.submit(ins, cda_bytes, actor=doctor)

Specs: DMP kit (WSDLs, schemas, official messages), PDSm4DMP transaction pages, CI-SIS
"Transmission de documents CDA" (VIHF and XDS mappings), IHE ITI TF-2a/2b.
"""

from esante.dmp import td02, td03, td21, td31, td32, td33
from esante.dmp.client import DmpClient
from esante.dmp.context import NORMAL_ACCESS, Access, Actor, LpsInfo
from esante.dmp.endpoints import DmpEndpoints, ProcessingCode
from esante.dmp.errors import (
    DmpCommunicationError,
    DmpError,
    DmpRejectedError,
    DmpRequestError,
    DmpUnavailableError,
    DmpUncertainOutcomeError,
)
from esante.dmp.failures import french_message
from esante.dmp.results import (
    AuthorizationStatus,
    AuthorizationUpdate,
    DmpStatus,
    DocumentList,
    SubmitResult,
    UpdateResult,
    Visibility,
)
from esante.dmp.td31 import DocumentQuery
from esante.dmp.transactions import TRANSACTIONS, DmpTransaction, Service
from esante.dmp.vihf import Signer, SigningVihfIssuer, VihfIssuer, vihf_for

__all__ = [
    "NORMAL_ACCESS",
    "TRANSACTIONS",
    "Access",
    "Actor",
    "AuthorizationStatus",
    "AuthorizationUpdate",
    "DmpClient",
    "DmpCommunicationError",
    "DmpEndpoints",
    "DmpError",
    "DmpRejectedError",
    "DmpRequestError",
    "DmpStatus",
    "DmpTransaction",
    "DmpUnavailableError",
    "DmpUncertainOutcomeError",
    "DocumentList",
    "DocumentQuery",
    "LpsInfo",
    "ProcessingCode",
    "Service",
    "Signer",
    "SigningVihfIssuer",
    "SubmitResult",
    "UpdateResult",
    "VihfIssuer",
    "Visibility",
    "french_message",
    "td02",
    "td03",
    "td21",
    "td31",
    "td32",
    "td33",
    "vihf_for",
]
