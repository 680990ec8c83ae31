"""Where the DMP web services live: one URL per :class:`~esante.dmp.transactions.Service`.

The DMP kit's WSDLs publish every service under one base
(``https://<host>/si-dmp-server/v2/services/``); each service has its own path below it.
:meth:`DmpEndpoints.from_base_url` appends the default service names (``patients``,
``habilitations``, ``registry``, ``repository``); each URL can also be given explicitly,
e.g. for an installation whose paths differ.

The endpoints also say which kind of platform they are: the HL7 v3 ``processingCode``
of the TD0.x messages (HL7 v3 ProcessingID, 2.16.840.1.113883.5.100: ``P`` production,
``D`` debugging, ``T`` training) depends on it. The DMP kit's TD0.2 and TD0.5 requests,
made against the test platform, carry ``D``; the DMP's answers carry ``P``. So esante
sends ``P`` to production and ``D`` to the test platforms and the sandbox, which imitates
them (docs/wire-deviations.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from esante.dmp.errors import DmpRequestError
from esante.dmp.transactions import Service


class ProcessingCode(StrEnum):
    """HL7 v3 ``processingCode`` of the TD0.x messages: the kind of platform addressed."""

    PRODUCTION = "P"
    DEBUGGING = "D"
    """The test platforms (the DMP kit's requests) and the sandbox."""
    TRAINING = "T"


@dataclass(frozen=True, slots=True)
class DmpEndpoints:
    """The URL of each DMP web service, and the platform's ``processing_code``."""

    patients: str
    habilitations: str
    registry: str
    repository: str
    processing_code: ProcessingCode = ProcessingCode.PRODUCTION

    def __post_init__(self) -> None:
        for service in Service:
            url = self.url(service)
            if not url.lower().startswith(("https://", "http://")):
                raise DmpRequestError(
                    "Adresse du service DMP invalide.",
                    detail=f"{service.value} URL {url!r} is not an http(s) URL",
                    field=service.value,
                )

    @classmethod
    def from_base_url(
        cls, base_url: str, *, processing_code: ProcessingCode = ProcessingCode.PRODUCTION
    ) -> DmpEndpoints:
        """The endpoints under ``base_url`` (``…/si-dmp-server/v2/services``), default paths;
        ``processing_code`` is ``DEBUGGING`` for a test platform or the sandbox."""
        base = base_url.rstrip("/")
        urls = {service.value: f"{base}/{service.value}" for service in Service}
        return cls(**urls, processing_code=processing_code)

    def url(self, service: Service) -> str:
        """The URL of ``service``."""
        url: str = getattr(self, service.value)
        return url
