"""The DMP sandbox's SOAP endpoints: from a decoded request to the DMP's answer.

* :mod:`~esante.sandbox.dmp.soap.endpoints` — the table of transactions by action;
* :mod:`~esante.sandbox.dmp.soap.security` — VIHF verification, TLS coherence, actor;
* :mod:`~esante.sandbox.dmp.soap.hl7v3` (TD0.2, TD1.3a/b, TD1.4, TD0.5),
  :mod:`~esante.sandbox.dmp.soap.habilitations` (TD0.3, TD1.6, TD0.4, TD1.5),
  :mod:`~esante.sandbox.dmp.soap.repository` (TD2.1, TD3.2),
  :mod:`~esante.sandbox.dmp.soap.registry` (TD3.1, TD3.3a-d) — one module per service;
* :mod:`~esante.sandbox.dmp.soap.metadata` — XDS metadata ↔ the sandbox's records;
* :mod:`~esante.sandbox.dmp.soap.faults` — SOAP faults and response envelopes.

The HTTP application that runs them is :class:`esante.sandbox.dmp.http.DmpHttpApp`.
"""

from esante.sandbox.dmp.soap.endpoints import (
    BY_ACTION,
    DEFAULT_BASE_PATH,
    ENDPOINTS,
    SERVICES,
)
from esante.sandbox.dmp.soap.exchange import Answer, Endpoint, EndpointOptions, Exchange
from esante.sandbox.dmp.soap.faults import SANDBOX_NS, DmpFault
from esante.sandbox.dmp.soap.security import Caller, TrustPolicy, authenticate, structure_of

__all__ = [
    "Answer",
    "BY_ACTION",
    "Caller",
    "DEFAULT_BASE_PATH",
    "DmpFault",
    "ENDPOINTS",
    "Endpoint",
    "EndpointOptions",
    "Exchange",
    "SANDBOX_NS",
    "SERVICES",
    "TrustPolicy",
    "authenticate",
    "structure_of",
]
