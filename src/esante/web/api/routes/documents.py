"""Documents: the "Valider" click, the document list, the CDA, DMP deletion and history.

``POST /api/patients/{id}/documents`` is what a practice software calls when the clinician
validates a document: the body is the CDA itself, raw, ``Content-Type: application/xml``
(not JSON with base64: the vendor posts the file it already has, with no encoding step
and a third less to transfer), and the options are query parameters. The service stores
the document and creates its DMP send order in the same transaction; the route commits,
so when the 201 arrives both are durable and the outbox will send the document after the
deferral window unless someone blocks or cancels it. The checks (kit conformance when the
kit is installed, identity, consent, catalogue) are those of every interface, made by
:func:`esante.practice.documents.validate_document`; a refused document is not stored.

The body is read here, bounded (:data:`MAX_CDA_BYTES`), before any parsing: a client
cannot make the service hold more than that in memory. Thin otherwise: parse, call
:mod:`esante.practice.documents`, commit, shape.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.orm import Session

from esante.dmp import Visibility
from esante.outbox import list_orders
from esante.practice.conformance import kit_validator
from esante.practice.documents import (
    dmp_delivery,
    feed_history,
    patient_documents,
    read_stored_document,
    request_dmp_deletion,
    validate_document,
)
from esante.store import Document, NotFoundError
from esante.store.repositories import MAX_LIMIT
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.errors import BodyTooLargeError, RequestBodyError, UnsupportedMediaTypeError
from esante.web.api.schemas.common import (
    CONFLICT,
    INVALID,
    NOT_FOUND,
    ErrorPublic,
    PagePublic,
    RecordId,
)
from esante.web.api.schemas.documents import (
    MAX_DEFERRAL_SECONDS,
    DmpDeletionIn,
    DocumentDetailPublic,
    DocumentPublic,
    HistoricalFeedingIn,
    ValidatedDocumentPublic,
)
from esante.web.api.schemas.outbox import OrderPublic
from esante.web.auth.deps import ActorDep

router = APIRouter(prefix="/api", tags=["documents"], responses=INVALID)

MAX_CDA_BYTES = 20 * 1024 * 1024
"""Largest CDA accepted (20 Mio: an N1 document with its PDF/A stays well below)."""

XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})
"""Media types of the CDA body (and any ``application/*+xml``)."""

TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorPublic, "description": "Document trop volumineux (20 Mio au plus)"},
    415: {"model": ErrorPublic, "description": "Corps de requête qui n'est pas du XML"},
}

_CDA_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Le document CDA R2, tel quel (20 Mio au plus)",
        "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _is_xml(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in XML_MEDIA_TYPES or (media.startswith("application/") and media.endswith("+xml"))


def _too_large(size: int | None = None) -> BodyTooLargeError:
    return BodyTooLargeError(
        "Document trop volumineux : 20 Mio au plus.",
        detail=f"body larger than {MAX_CDA_BYTES} bytes"
        + (f" (Content-Length {size})" if size is not None else ""),
        field="body",
    )


async def cda_body(request: Request) -> bytes:
    """The raw CDA of the request, read in chunks and refused beyond :data:`MAX_CDA_BYTES`.

    Content-Length is checked first (refused before reading), then the bytes actually
    received (a chunked body has no length).
    """
    content_type = request.headers.get("content-type", "")
    if not _is_xml(content_type):
        raise UnsupportedMediaTypeError(
            "Le document CDA doit être envoyé tel quel, avec l'en-tête "
            "« Content-Type: application/xml ».",
            detail=f"content-type {content_type[:100]!r}",
            field="body",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CDA_BYTES:
        raise _too_large(int(declared))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_CDA_BYTES:
            raise _too_large()
        chunks.append(chunk)
    if size == 0:
        raise RequestBodyError(
            "Corps de requête vide : le document CDA est attendu.",
            detail="empty body",
            field="body",
        )
    return b"".join(chunks)


CdaBody = Annotated[bytes, Depends(cda_body)]


def _document(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(
            f"Document introuvable (identifiant {document_id}).",
            detail=f"document id={document_id}",
            field="document_id",
        )
    return document


@router.post(
    "/patients/{patient_id}/documents",
    response_model=ValidatedDocumentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Valider un document (et programmer son envoi au DMP)",
    description=(
        "Le clic « Valider » du logiciel de cabinet. Corps : le document CDA R2 tel quel, "
        "avec l'en-tête « Content-Type: application/xml » (20 Mio au plus, 413 au-delà ; "
        "pas de JSON ni de base64). Le document est enregistré et, dans la même "
        "transaction, l'envoi au DMP / Mon espace santé est programmé selon le catalogue "
        "Ségur : il part à la fin du délai de réflexion, pendant lequel il peut être bloqué "
        "ou annulé (/api/outbox). Si le patient s'est opposé ou si son INS n'est pas "
        "qualifiée, l'envoi est créé bloqué avec la raison. 422, sans rien enregistrer, si "
        "ce n'est pas un CDA lisible, s'il concerne un autre patient, si le kit CI-SIS le "
        "refuse ou si l'alimentation historique est impossible (INS non qualifiée) ; 409 si "
        "ce document a déjà été validé."
    ),
    response_description="Le document enregistré, ses envois et les raisons de non-envoi",
    responses={**NOT_FOUND, **CONFLICT, **TOO_LARGE},
    openapi_extra=_CDA_BODY,
)
def validate(
    patient_id: RecordId,
    cda: CdaBody,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    actor: ActorDep,
    episode_id: Annotated[int | None, Query(description="Épisode de soins")] = None,
    deferral_seconds: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_DEFERRAL_SECONDS,
            description="Délai avant envoi en secondes (par défaut : réglage du service ; "
            "0 : envoi immédiat)",
        ),
    ] = None,
    feed_dmp: Annotated[
        bool | None,
        Query(
            description="Absent : le catalogue Ségur décide ; true : envoyer au DMP ; "
            "false : ne pas envoyer"
        ),
    ] = None,
    historical: Annotated[
        bool, Query(description="Document d'un épisode antérieur (alimentation historique)")
    ] = False,
    visibility: Annotated[
        list[Visibility] | None,
        Query(description="Visibilité dans le DMP (MASQUE_PS, INVISIBLE_PATIENT...)"),
    ] = None,
) -> ValidatedDocumentPublic:
    done = validate_document(
        session,
        cda,
        patient_id=patient_id,
        actor=actor,
        episode_id=episode_id,
        feed_dmp=feed_dmp,
        deferral=None if deferral_seconds is None else timedelta(seconds=deferral_seconds),
        default_deferral=timedelta(seconds=settings.deferral_seconds),
        feed_auth=settings.feed_auth,
        historical=historical,
        visibility=[v.value for v in visibility or ()],
        pmi_address=settings.pmi_address,
        kit=kit_validator(settings),
    )
    session.commit()
    response.headers["Location"] = f"/api/documents/{done.document.id}"
    return ValidatedDocumentPublic.of(done, dmp_delivery(session, done.document.id))


@router.get(
    "/patients/{patient_id}/documents",
    response_model=PagePublic[DocumentPublic],
    summary="Documents d'un patient",
    description="Les documents du patient, du plus récent au plus ancien, avec leur envoi au DMP.",
    response_description="Une page de documents",
    responses=NOT_FOUND,
)
def list_documents(
    patient_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Taille de la page")] = 50,
    offset: Annotated[int, Query(ge=0, description="Documents à sauter")] = 0,
) -> PagePublic[DocumentPublic]:
    total, documents = patient_documents(
        session, patient_id, actor=actor, limit=limit, offset=offset
    )
    session.commit()  # the trace of the page
    return PagePublic[DocumentPublic](
        items=[DocumentPublic.of(d, dmp_delivery(session, d.id)) for d in documents],
        total=total or 0,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/documents/{document_id}",
    response_model=DocumentDetailPublic,
    summary="Lire un document",
    description="Métadonnées du document, état de son envoi au DMP et tous ses envois.",
    response_description="Le document",
    responses=NOT_FOUND,
)
def read(document_id: RecordId, session: SessionDep, actor: ActorDep) -> DocumentDetailPublic:
    document = read_stored_document(session, document_id, actor=actor)
    session.commit()  # the trace of the read
    return DocumentDetailPublic.detail(
        document,
        dmp_delivery(session, document.id),
        list_orders(session, document_id=document.id, limit=MAX_LIMIT),
    )


@router.get(
    "/documents/{document_id}/content",
    response_class=Response,
    summary="Contenu du document (CDA)",
    description="Le document tel qu'il a été validé ou reçu, octet pour octet.",
    response_description="Le document CDA (application/xml)",
    responses={
        200: {"content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}}},
        **NOT_FOUND,
    },
)
def content(document_id: RecordId, session: SessionDep, actor: ActorDep) -> Response:
    document = read_stored_document(session, document_id, actor=actor)
    session.commit()  # the trace of the read
    media = "application/xml" if document.mime_type == "text/xml" else document.mime_type
    return Response(
        content=document.content,
        media_type=media,
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.post(
    "/documents/{document_id}/dmp-deletion",
    response_model=OrderPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Supprimer le document du DMP",
    description=(
        "Programme la suppression du document dans le DMP / Mon espace santé (erreur dans "
        "le document, demande du patient), avec son motif. Elle part aussitôt, après "
        "l'envoi du document s'il est encore en attente. 409 si elle est déjà programmée."
    ),
    response_description="L'ordre de suppression",
    responses={**NOT_FOUND, **CONFLICT},
)
def dmp_deletion(
    document_id: RecordId,
    body: DmpDeletionIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> OrderPublic:
    order = request_dmp_deletion(
        session,
        document_id,
        reason=body.reason,
        actor=actor,
        feed_auth=settings.feed_auth,
    )
    session.commit()
    return OrderPublic.of(order)


@router.post(
    "/documents/{document_id}/historical-feeding",
    response_model=OrderPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Alimentation historique du DMP",
    description=(
        "Envoie au DMP, à la demande, un document déjà enregistré d'un épisode de soins "
        "antérieur. Conditions : INS du patient qualifiée, auteur connu, document CDA "
        "(422 sinon). 409 si le document a déjà un envoi au DMP."
    ),
    response_description="L'ordre d'envoi",
    responses={**NOT_FOUND, **CONFLICT},
)
def historical_feeding(
    document_id: RecordId,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    body: HistoricalFeedingIn | None = None,
) -> OrderPublic:
    options = body or HistoricalFeedingIn()
    order = feed_history(
        session,
        document_id,
        actor=actor,
        feed_auth=settings.feed_auth,
        deferral=timedelta(seconds=options.deferral_seconds or 0),
    )
    session.commit()
    return OrderPublic.of(order)
