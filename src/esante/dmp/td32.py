"""TD3.2 — retrieve a document's content (ITI-43 Retrieve Document Set).

The request names the repository and the document uniqueId found by TD3.1 (DMP kit
``TD3.2_Consultation_dun_document_requete.xml``); the DMP answers with the document as
an MTOM attachment referenced by ``xop:Include`` (``…_reponse.xml``). The DMP client
asks for one document at a time, so an answer without that document is a failure.
"""

from __future__ import annotations

from typing import Final

from esante.dmp.errors import DmpRejectedError, DmpRequestError
from esante.dmp.failures import check_registry_status, french_message
from esante.dmp.transactions import TD32
from esante.xds import DocumentRequest, RetrievedDocument, RetrieveDocumentSetRequest
from esante.xds import RetrieveDocumentSetResponse as XdsRetrieveResponse

TRANSACTION: Final = TD32
NOT_FOUND: Final = "XDSDocumentUniqueIdError"


def build_request(unique_id: str, repository_id: str) -> RetrieveDocumentSetRequest:
    """The ITI-43 request of one document. Raises DmpRequestError for an empty id."""
    for name, value in (("unique_id", unique_id), ("repository_id", repository_id)):
        if not value.strip():
            raise DmpRequestError(
                "Identifiant du document ou de l'entrepôt absent.",
                detail=f"{name} is empty",
                field=name,
            )
    return RetrieveDocumentSetRequest((DocumentRequest(repository_id.strip(), unique_id.strip()),))


def retrieved(response: XdsRetrieveResponse, unique_id: str) -> RetrievedDocument:
    """The document ``unique_id`` of the answer; raise when the DMP refused or omitted it."""
    check_registry_status(response.response.status, response.response.errors, TRANSACTION)
    for document in response.documents:
        if document.document_unique_id == unique_id.strip():
            return document
    raise DmpRejectedError(
        french_message(NOT_FOUND),
        code=NOT_FOUND,
        detail=f"TD3.2: answer without document {unique_id!r}",
        transaction=TRANSACTION.td,
    )
