"""The DMP transactions esante speaks, as one declarative table (one record per TD).

Each record says what the wire needs: the WS-Addressing action of the request and of
the response, the DMP web service that serves it, whether request and response travel
as MTOM, the body root elements, and whether the call changes the DMP (a *write*, for
which a lost answer leaves the outcome uncertain). The values come from the DMP kit:
the WSDLs (``GestionDossierPatientPartage.wsdl``, ``Habilitations.wsdl``,
``XDS.b_DocumentRegistry.wsdl``, ``XDS.b_DocumentRepository.wsdl``) and, where they
disagree, the official example messages, which are what the DMP actually exchanges
(TD0.3 uses the action ``urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorization``
although the WSDL's soapAction is ``urn:hl7-org:v3:setAuthorization``).

The XDS transactions reuse the rows of :data:`esante.xds.transactions.TRANSACTIONS`
(ITI-41 = TD2.1, ITI-18 = TD3.1, ITI-43 = TD3.2, ITI-57 = TD3.3a-d). Adding a TD means
adding a row here and a thin module (``td02``, ``td03``, ``td21``, ``td31``, ``td32``,
``td33``) that builds its body and reads its answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from esante.xds.transactions import TRANSACTIONS as XDS_TRANSACTIONS
from esante.xds.transactions import Endpoint, Transaction

HL7_NS: Final = "urn:hl7-org:v3"
HABILITATIONS_NS: Final = "urn:si-dmp-habilitations"


class Service(StrEnum):
    """The DMP web services (one URL each, see :class:`~esante.dmp.endpoints.DmpEndpoints`)."""

    PATIENTS = "patients"
    """Dossier management (HL7 v3, GestionDossierPatientPartage.wsdl): TD0.2."""
    HABILITATIONS = "habilitations"
    """Access authorisations (Habilitations.wsdl): TD0.3."""
    REGISTRY = "registry"
    """XDS.b document registry: TD3.1 (ITI-18), TD3.3a-d (ITI-57)."""
    REPOSITORY = "repository"
    """XDS.b document repository: TD2.1 (ITI-41), TD3.2 (ITI-43)."""


@dataclass(frozen=True, slots=True)
class DmpTransaction:
    """One DMP transaction (TD): its wire facts and its French label."""

    td: str
    label: str
    action: str
    response_action: str
    service: Service
    mtom_request: bool
    mtom_response: bool
    request_root: str
    response_root: str
    writes: bool
    iti: str | None = None


_SERVICE_OF_ENDPOINT: Final = {
    Endpoint.REGISTRY: Service.REGISTRY,
    Endpoint.REPOSITORY: Service.REPOSITORY,
}


def _xds(td: str, label: str, xds: Transaction, *, writes: bool) -> DmpTransaction:
    return DmpTransaction(
        td=td,
        label=label,
        action=xds.action,
        response_action=xds.response_action,
        service=_SERVICE_OF_ENDPOINT[xds.endpoint],
        mtom_request=xds.mtom_request,
        mtom_response=xds.mtom_response,
        request_root=xds.request_root,
        response_root=xds.response_root,
        writes=writes,
        iti=xds.id,
    )


_ITI41, _ITI18, _ITI43, _ITI57 = (
    XDS_TRANSACTIONS[i] for i in ("ITI-41", "ITI-18", "ITI-43", "ITI-57")
)

TD02: Final = DmpTransaction(
    td="TD0.2",
    label="Test d'existence du DMP et vérification de l'autorisation d'accès",
    action="urn:hl7-org:v3:PRPA_IN201307UV02",
    response_action="urn:hl7-org:v3:PRPA_IN201308UV02",
    service=Service.PATIENTS,
    mtom_request=False,
    mtom_response=False,
    request_root=f"{{{HL7_NS}}}PRPA_IN201307UV02",
    response_root=f"{{{HL7_NS}}}PRPA_IN201308UV02",
    writes=False,
)
TD03: Final = DmpTransaction(
    td="TD0.3",
    label="Mise à jour de l'autorisation d'accès",
    action=f"{HABILITATIONS_NS}:HabilitationsEndPoint:setAuthorization",
    response_action=f"{HABILITATIONS_NS}:HabilitationsEndPoint:setAuthorizationResponse",
    service=Service.HABILITATIONS,
    mtom_request=False,
    mtom_response=False,
    request_root=f"{{{HABILITATIONS_NS}}}setAuthorization",
    response_root=f"{{{HABILITATIONS_NS}}}setAuthorizationResponse",
    writes=True,
)
TD21: Final = _xds("TD2.1", "Alimentation du DMP (dépôt ou remplacement)", _ITI41, writes=True)
TD31: Final = _xds("TD3.1", "Recherche de documents", _ITI18, writes=False)
TD31B: Final = _xds(
    "TD3.1b", "Recherche de l'identifiant technique d'un document", _ITI18, writes=False
)
TD32: Final = _xds("TD3.2", "Consultation d'un document", _ITI43, writes=False)
TD33A: Final = _xds("TD3.3a", "Masquage / démasquage aux professionnels", _ITI57, writes=True)
TD33B: Final = _xds(
    "TD3.3b", "Visibilité pour le patient ou ses représentants", _ITI57, writes=True
)
TD33C: Final = _xds("TD3.3c", "Suppression d'un document", _ITI57, writes=True)
TD33D: Final = _xds("TD3.3d", "Archivage / désarchivage d'un document", _ITI57, writes=True)

TRANSACTIONS: Final[dict[str, DmpTransaction]] = {
    t.td: t for t in (TD02, TD03, TD21, TD31, TD31B, TD32, TD33A, TD33B, TD33C, TD33D)
}
"""Every DMP transaction of the client, by TD number."""
