"""Where the DMP web services live: one URL per :class:`~esante.dmp.transactions.Service`.

The DMP kit's WSDLs publish every service under one base
(``https://<host>/si-dmp-server/v2/services/``); each service has its own path below it.
:meth:`DmpEndpoints.from_base_url` appends the default service names (``patients``,
``habilitations``, ``registry``, ``repository``); each URL can also be given explicitly,
e.g. for an installation whose paths differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from esante.dmp.errors import DmpRequestError
from esante.dmp.transactions import Service


@dataclass(frozen=True, slots=True)
class DmpEndpoints:
    """The URL of each DMP web service."""

    patients: str
    habilitations: str
    registry: str
    repository: str

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
    def from_base_url(cls, base_url: str) -> DmpEndpoints:
        """The endpoints under ``base_url`` (``…/si-dmp-server/v2/services``), default paths."""
        base = base_url.rstrip("/")
        return cls(**{service.value: f"{base}/{service.value}" for service in Service})

    def url(self, service: Service) -> str:
        """The URL of ``service``."""
        url: str = getattr(self, service.value)
        return url
