"""The XDS.b transactions esante speaks, as one declarative table.

Like IPF's ``XDS`` enum: each transaction is one record — SOAP actions (request and
response, as the DMP WSDLs ``XDS.b_DocumentRegistry.wsdl`` and
``XDS.b_DocumentRepository.wsdl`` declare them), the actor that serves it, whether
request and response travel as MTOM, the body root elements, and the DICOM audit event
(IHE ITI TF-2 audit message tables) the trace records. Adding a transaction means
adding a row here and a thin module (:mod:`esante.xds.iti41` ...) binding its codec and
validator.

DMP mapping: TD2.1 = ITI-41, TD3.1 = ITI-18, TD3.2 = ITI-43, TD3.3a-d = ITI-57. The DMP
answers ITI-57 with the action ``urn:ihe:iti:2010:UpdateDocumentSet-Response`` (its
WSDL and official messages), not IHE's ``...UpdateDocumentSetResponse``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from esante.xds.vocabulary import NS_LCM, NS_QUERY, NS_RS, NS_XDSB


class Endpoint(StrEnum):
    """The XDS actor whose endpoint serves a transaction."""

    REGISTRY = "registry"
    REPOSITORY = "repository"


@dataclass(frozen=True, slots=True)
class Transaction:
    """One XDS.b transaction: what the transport and the audit trail need to know."""

    id: str
    name: str
    dmp: tuple[str, ...]
    action: str
    response_action: str
    endpoint: Endpoint
    mtom_request: bool
    mtom_response: bool
    request_root: str
    response_root: str
    audit_event: str


TRANSACTIONS: Final[dict[str, Transaction]] = {
    t.id: t
    for t in (
        Transaction(
            id="ITI-41",
            name="Provide and Register Document Set-b",
            dmp=("TD2.1",),
            action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b",
            response_action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse",
            endpoint=Endpoint.REPOSITORY,
            mtom_request=True,
            mtom_response=False,
            request_root=f"{{{NS_XDSB}}}ProvideAndRegisterDocumentSetRequest",
            response_root=f"{{{NS_RS}}}RegistryResponse",
            audit_event="110106",  # Export (document source side)
        ),
        Transaction(
            id="ITI-18",
            name="Registry Stored Query",
            dmp=("TD3.1",),
            action="urn:ihe:iti:2007:RegistryStoredQuery",
            response_action="urn:ihe:iti:2007:RegistryStoredQueryResponse",
            endpoint=Endpoint.REGISTRY,
            mtom_request=False,
            mtom_response=False,
            request_root=f"{{{NS_QUERY}}}AdhocQueryRequest",
            response_root=f"{{{NS_QUERY}}}AdhocQueryResponse",
            audit_event="110112",  # Query
        ),
        Transaction(
            id="ITI-43",
            name="Retrieve Document Set",
            dmp=("TD3.2",),
            action="urn:ihe:iti:2007:RetrieveDocumentSet",
            response_action="urn:ihe:iti:2007:RetrieveDocumentSetResponse",
            endpoint=Endpoint.REPOSITORY,
            mtom_request=False,
            mtom_response=True,
            request_root=f"{{{NS_XDSB}}}RetrieveDocumentSetRequest",
            response_root=f"{{{NS_XDSB}}}RetrieveDocumentSetResponse",
            audit_event="110107",  # Import (document consumer side)
        ),
        Transaction(
            id="ITI-57",
            name="Update Document Set",
            dmp=("TD3.3a", "TD3.3b", "TD3.3c", "TD3.3d"),
            action="urn:ihe:iti:2010:UpdateDocumentSet",
            response_action="urn:ihe:iti:2010:UpdateDocumentSet-Response",
            endpoint=Endpoint.REGISTRY,
            mtom_request=False,
            mtom_response=False,
            request_root=f"{{{NS_LCM}}}SubmitObjectsRequest",
            response_root=f"{{{NS_RS}}}RegistryResponse",
            audit_event="110106",  # Export (update initiator side)
        ),
    )
}


def transaction_for_action(action: str) -> Transaction | None:
    """The transaction whose request action is ``action`` (what a server dispatches on)."""
    return next((t for t in TRANSACTIONS.values() if t.action == action), None)
