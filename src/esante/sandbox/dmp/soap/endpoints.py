"""The DMP transactions the sandbox serves: one row per WS-Addressing action.

Services and paths are those of the DMP client (:class:`esante.dmp.DmpEndpoints`):
``patients``, ``habilitations``, ``registry``, ``repository`` under one base URL
(``/si-dmp-server/v2/services`` by default, as in the DMP kit's WSDLs). Actions and
response actions are those of the official messages (DMP kit ``messages/``), which
prevail over the WSDLs where they differ. A request whose action is not in the row
of its service's path is answered ``wsa:ActionNotSupported``.
"""

from __future__ import annotations

from typing import Final

from esante.sandbox.dmp.soap import habilitations, hl7v3, registry, repository
from esante.sandbox.dmp.soap.exchange import Endpoint, Handler
from esante.xds.transactions import TRANSACTIONS as XDS

PATIENTS: Final = "patients"
HABILITATIONS: Final = "habilitations"
REGISTRY: Final = "registry"
REPOSITORY: Final = "repository"
SERVICES: Final = (PATIENTS, HABILITATIONS, REGISTRY, REPOSITORY)
DEFAULT_BASE_PATH: Final = "/si-dmp-server/v2/services"

_HL7 = "urn:hl7-org:v3"
_HAB = "urn:si-dmp-habilitations:HabilitationsEndPoint"
_PAT = "urn:si-dmp-patients:PatientSpecificEndPoint"


def _xds(td: str, label: str, iti: str, service: str, handler: Handler) -> Endpoint:
    row = XDS[iti]
    return Endpoint(
        td=td,
        label=label,
        action=row.action,
        response_action=row.response_action,
        service=service,
        handler=handler,
        mtom_response=row.mtom_response,
    )


ENDPOINTS: Final[tuple[Endpoint, ...]] = (
    Endpoint(
        "TD0.2 / TD1.3a",
        "Test d'existence / consultation des données administratives",
        f"{_HL7}:PRPA_IN201307UV02",
        f"{_HL7}:PRPA_IN201308UV02",
        PATIENTS,
        hl7v3.get_demographics,
    ),
    Endpoint(
        "TD1.3b / TD1.4",
        "Modification des données administratives / fermeture du DMP",
        f"{_HL7}:PRPA_IN201314UV02",
        f"{_HL7}:PRPA_IN201314ResponseUV02",
        PATIENTS,
        hl7v3.update_record,
    ),
    Endpoint(
        "TD0.5",
        "Recherche d'un patient sans INS",
        f"{_HL7}:PRPA_IN201305UV02",
        f"{_HL7}:PRPA_IN201306UV02",
        PATIENTS,
        hl7v3.find_candidates,
    ),
    Endpoint(
        "TD0.4",
        "Liste des DMP autorisés",
        f"{_PAT}:patientList",
        f"{_PAT}:patientListResponse",
        PATIENTS,
        habilitations.patient_list,
    ),
    Endpoint(
        "TD1.5a",
        "Création du compte internet du patient",
        f"{_PAT}:createPatientAccess",
        f"{_PAT}:createPatientAccessResponse",
        PATIENTS,
        habilitations.create_patient_access,
    ),
    Endpoint(
        "TD1.5b",
        "Ajout d'un canal OTP",
        f"{_PAT}:patientOTPUpdate",
        f"{_PAT}:patientOTPUpdateResponse",
        PATIENTS,
        habilitations.update_patient_otp,
    ),
    Endpoint(
        "TD1.5d",
        "Mise à jour du compte internet du patient",
        f"{_PAT}:updatePatientAccess",
        f"{_PAT}:updatePatientAccessResponse",
        PATIENTS,
        habilitations.update_patient_access,
    ),
    Endpoint(
        "TD0.3",
        "Mise à jour de l'autorisation d'accès",
        f"{_HAB}:setAuthorization",
        f"{_HAB}:setAuthorizationResponse",
        HABILITATIONS,
        habilitations.set_authorization,
    ),
    Endpoint(
        "TD1.6",
        "Liste des professionnels autorisés ou bloqués",
        f"{_HAB}:listAuthorizationByPatient",
        f"{_HAB}:listAuthorizationByPatientResponse",
        HABILITATIONS,
        habilitations.list_authorizations,
    ),
    _xds("TD2.1", "Alimentation du DMP", "ITI-41", REPOSITORY, repository.provide_and_register),
    _xds("TD3.2", "Consultation d'un document", "ITI-43", REPOSITORY, repository.retrieve),
    _xds("TD3.1", "Recherche de documents", "ITI-18", REGISTRY, registry.stored_query),
    _xds(
        "TD3.3a-d",
        "Masquage, visibilité, suppression, archivage",
        "ITI-57",
        REGISTRY,
        registry.update_document_set,
    ),
)
"""Every transaction the sandbox answers."""

BY_ACTION: Final[dict[str, Endpoint]] = {e.action: e for e in ENDPOINTS}
