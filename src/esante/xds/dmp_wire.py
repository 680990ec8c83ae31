"""The DMP's wire facts, once: services, paths, namespaces, actions and roots of each TD.

The DMP is an XDS.b affinity domain with national HL7 v3 and SOAP services around it; the
client (:mod:`esante.dmp`) and the sandbox's routing (:mod:`esante.sandbox.dmp.soap`)
both read this table, so a fact cannot drift between the side that sends and the side
that answers. It lives in :mod:`esante.xds` because both may import it (the sandbox uses
the formats, never the clients) and because its XDS rows reuse
:data:`esante.xds.transactions.TRANSACTIONS` (ITI-41 = TD2.1, ITI-18 = TD3.1, ITI-43 =
TD3.2, ITI-57 = TD3.3a-d).

Sources: the DMP kit's WSDLs (``GestionDossierPatientPartage.wsdl``,
``Habilitations.wsdl``, ``XDS.b_DocumentRegistry.wsdl``, ``XDS.b_DocumentRepository.wsdl``:
the services under ``/si-dmp-server/v2/services/``) and its example messages, which
prevail where they differ (docs/wire-deviations.md: TD0.3's action is
``urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorization`` although the WSDL's
soapAction is ``urn:hl7-org:v3:setAuthorization``; TD1.3b/TD1.4 answer in the
``asip:ci-sis:gdp:2010`` namespace). ``tests/unit/xds/test_dmp_wire.py`` checks every row
against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from esante.xds.transactions import TRANSACTIONS as XDS_TRANSACTIONS
from esante.xds.transactions import Endpoint, Transaction

HL7_NS: Final = "urn:hl7-org:v3"
HABILITATIONS_NS: Final = "urn:si-dmp-habilitations"
PATIENTS_NS: Final = "urn:si-dmp-patients"
GDP_NS: Final = "asip:ci-sis:gdp:2010"
"""Namespace of the TD1.3b / TD1.4 answer (``PRPA_IN201314UV02_Response``)."""
HABILITATIONS_ENDPOINT: Final = f"{HABILITATIONS_NS}:HabilitationsEndPoint"
PATIENTS_ENDPOINT: Final = f"{PATIENTS_NS}:PatientSpecificEndPoint"
DEFAULT_BASE_PATH: Final = "/si-dmp-server/v2/services"
"""Path of the services' base URL in the kit's WSDLs (each service has its own below)."""


class DmpService(StrEnum):
    """The DMP web services; the value is the path of each under the base URL."""

    PATIENTS = "patients"
    """Dossier management (HL7 v3, GestionDossierPatientPartage.wsdl) and patient access."""
    HABILITATIONS = "habilitations"
    """Access authorisations (Habilitations.wsdl): TD0.3, TD1.6."""
    REGISTRY = "registry"
    """XDS.b document registry: TD3.1 (ITI-18), TD3.3a-d (ITI-57)."""
    REPOSITORY = "repository"
    """XDS.b document repository: TD2.1 (ITI-41), TD3.2 (ITI-43)."""


@dataclass(frozen=True, slots=True)
class DmpTransaction:
    """One DMP transaction (TD): its wire facts and its French label.

    ``writes``: the call changes the DMP (a lost answer leaves the outcome uncertain).
    """

    td: str
    label: str
    action: str
    response_action: str
    service: DmpService
    mtom_request: bool
    mtom_response: bool
    request_root: str
    response_root: str
    writes: bool
    iti: str | None = None


_SERVICE_OF_ENDPOINT: Final = {
    Endpoint.REGISTRY: DmpService.REGISTRY,
    Endpoint.REPOSITORY: DmpService.REPOSITORY,
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


def _soap(
    td: str,
    label: str,
    service: DmpService,
    action: str,
    response_action: str,
    request_root: str,
    response_root: str,
    *,
    writes: bool,
) -> DmpTransaction:
    return DmpTransaction(
        td=td,
        label=label,
        action=action,
        response_action=response_action,
        service=service,
        mtom_request=False,
        mtom_response=False,
        request_root=request_root,
        response_root=response_root,
        writes=writes,
    )


def _hl7(interaction: str) -> str:
    return f"{HL7_NS}:{interaction}"


def _root(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


_ITI41, _ITI18, _ITI43, _ITI57 = (
    XDS_TRANSACTIONS[i] for i in ("ITI-41", "ITI-18", "ITI-43", "ITI-57")
)
_P, _H = DmpService.PATIENTS, DmpService.HABILITATIONS

TD02: Final = _soap(
    "TD0.2",
    "Test d'existence du DMP et vérification de l'autorisation d'accès",
    _P,
    _hl7("PRPA_IN201307UV02"),
    _hl7("PRPA_IN201308UV02"),
    _root(HL7_NS, "PRPA_IN201307UV02"),
    _root(HL7_NS, "PRPA_IN201308UV02"),
    writes=False,
)
TD13A: Final = _soap(
    "TD1.3a",
    "Consultation des données administratives",
    _P,
    TD02.action,
    TD02.response_action,
    TD02.request_root,
    TD02.response_root,
    writes=False,
)
TD13B: Final = _soap(
    "TD1.3b",
    "Modification des données administratives",
    _P,
    _hl7("PRPA_IN201314UV02"),
    _hl7("PRPA_IN201314ResponseUV02"),
    _root(HL7_NS, "PRPA_IN201314UV02"),
    _root(GDP_NS, "PRPA_IN201314UV02_Response"),
    writes=True,
)
TD14: Final = _soap(
    "TD1.4",
    "Fermeture du DMP",
    _P,
    TD13B.action,
    TD13B.response_action,
    TD13B.request_root,
    TD13B.response_root,
    writes=True,
)
TD05: Final = _soap(
    "TD0.5",
    "Recherche d'un patient sans INS",
    _P,
    _hl7("PRPA_IN201305UV02"),
    _hl7("PRPA_IN201306UV02"),
    _root(HL7_NS, "PRPA_IN201305UV02"),
    _root(HL7_NS, "PRPA_IN201306UV02"),
    writes=False,
)


def _patients(td: str, label: str, operation: str, *, writes: bool) -> DmpTransaction:
    return _soap(
        td,
        label,
        _P,
        f"{PATIENTS_ENDPOINT}:{operation}",
        f"{PATIENTS_ENDPOINT}:{operation}Response",
        _root(PATIENTS_NS, operation),
        _root(PATIENTS_NS, f"{operation}Response"),
        writes=writes,
    )


def _habilitations(td: str, label: str, operation: str, *, writes: bool) -> DmpTransaction:
    return _soap(
        td,
        label,
        _H,
        f"{HABILITATIONS_ENDPOINT}:{operation}",
        f"{HABILITATIONS_ENDPOINT}:{operation}Response",
        _root(HABILITATIONS_NS, operation),
        _root(HABILITATIONS_NS, f"{operation}Response"),
        writes=writes,
    )


TD04: Final = _patients("TD0.4", "Liste des DMP autorisés", "patientList", writes=False)
TD15A: Final = _patients(
    "TD1.5a", "Création du compte internet du patient", "createPatientAccess", writes=True
)
TD15B: Final = _patients("TD1.5b", "Ajout d'un canal OTP", "patientOTPUpdate", writes=True)
TD15D: Final = _patients(
    "TD1.5d", "Mise à jour du compte internet du patient", "updatePatientAccess", writes=True
)
TD03: Final = _habilitations(
    "TD0.3", "Mise à jour de l'autorisation d'accès", "setAuthorization", writes=True
)
TD16: Final = _habilitations(
    "TD1.6",
    "Liste des professionnels autorisés ou bloqués",
    "listAuthorizationByPatient",
    writes=False,
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

WIRE_TRANSACTIONS: Final[dict[str, DmpTransaction]] = {
    t.td: t
    for t in (
        TD02, TD03, TD04, TD05, TD13A, TD13B, TD14, TD15A, TD15B, TD15D, TD16,
        TD21, TD31, TD31B, TD32, TD33A, TD33B, TD33C, TD33D,
    )
}  # fmt: skip
"""Every DMP transaction esante knows (sent by the client or answered by the sandbox)."""


def transactions_by_action() -> dict[str, tuple[DmpTransaction, ...]]:
    """The transactions sharing each request action (one SOAP operation may serve several
    TDs: TD0.2 / TD1.3a, TD1.3b / TD1.4, TD3.1 / TD3.1b, TD3.3a-d)."""
    grouped: dict[str, list[DmpTransaction]] = {}
    for transaction in WIRE_TRANSACTIONS.values():
        grouped.setdefault(transaction.action, []).append(transaction)
    return {action: tuple(rows) for action, rows in grouped.items()}
