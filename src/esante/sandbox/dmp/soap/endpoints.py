"""The DMP transactions the sandbox serves: one row per WS-Addressing action.

Services, paths, actions and response actions come from the one table of DMP wire
facts the client reads too (:mod:`esante.xds.dmp_wire`): ``patients``,
``habilitations``, ``registry``, ``repository`` under one base URL
(``/si-dmp-server/v2/services`` by default, as in the DMP kit's WSDLs); actions are those
of the official messages, which prevail over the WSDLs where they differ. A request
whose action is not in the row of its service's path is answered
``wsa:ActionNotSupported``.
"""

from __future__ import annotations

from typing import Final

from esante.sandbox.dmp.soap import habilitations, hl7v3, registry, repository
from esante.sandbox.dmp.soap.exchange import Endpoint, Handler
from esante.xds.dmp_wire import DEFAULT_BASE_PATH, WIRE_TRANSACTIONS, DmpService

PATIENTS: Final = DmpService.PATIENTS.value
HABILITATIONS: Final = DmpService.HABILITATIONS.value
REGISTRY: Final = DmpService.REGISTRY.value
REPOSITORY: Final = DmpService.REPOSITORY.value
SERVICES: Final = tuple(service.value for service in DmpService)

__all__ = ["BY_ACTION", "DEFAULT_BASE_PATH", "ENDPOINTS", "SERVICES"]


def _row(tds: str, label: str, handler: Handler) -> Endpoint:
    """The endpoint answering the TDs ``tds`` (``"TD0.2 / TD1.3a"``): the wire facts of
    the first one, which the others share (:func:`esante.xds.dmp_wire.transactions_by_action`)."""
    first = tds.split(" / ")[0].split("-")[0]
    row = WIRE_TRANSACTIONS[first]
    return Endpoint(
        td=tds,
        label=label,
        action=row.action,
        response_action=row.response_action,
        service=row.service.value,
        handler=handler,
        mtom_response=row.mtom_response,
    )


ENDPOINTS: Final[tuple[Endpoint, ...]] = (
    _row(
        "TD0.2 / TD1.3a",
        "Test d'existence / consultation des données administratives",
        hl7v3.get_demographics,
    ),
    _row(
        "TD1.3b / TD1.4",
        "Modification des données administratives / fermeture du DMP",
        hl7v3.update_record,
    ),
    _row("TD0.5", "Recherche d'un patient sans INS", hl7v3.find_candidates),
    _row("TD0.4", "Liste des DMP autorisés", habilitations.patient_list),
    _row(
        "TD1.5a",
        "Création du compte internet du patient",
        habilitations.create_patient_access,
    ),
    _row("TD1.5b", "Ajout d'un canal OTP", habilitations.update_patient_otp),
    _row(
        "TD1.5d",
        "Mise à jour du compte internet du patient",
        habilitations.update_patient_access,
    ),
    _row("TD0.3", "Mise à jour de l'autorisation d'accès", habilitations.set_authorization),
    _row(
        "TD1.6",
        "Liste des professionnels autorisés ou bloqués",
        habilitations.list_authorizations,
    ),
    _row("TD2.1", "Alimentation du DMP", repository.provide_and_register),
    _row("TD3.2", "Consultation d'un document", repository.retrieve),
    _row("TD3.1", "Recherche de documents", registry.stored_query),
    _row(
        "TD3.3a-d",
        "Masquage, visibilité, suppression, archivage",
        registry.update_document_set,
    ),
)
"""Every transaction the sandbox answers."""

BY_ACTION: Final[dict[str, Endpoint]] = {e.action: e for e in ENDPOINTS}
