"""Request and response bodies of the document routes (validation, DMP delivery, deletion).

The CDA itself is not a JSON field: it is the raw body of ``POST
/api/patients/{id}/documents`` (``application/xml``), so that a practice software posts
the file it has without encoding it (see :mod:`esante.web.api.routes.documents`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from esante.practice.documents import DmpDelivery, ValidatedDocument
from esante.practice.received import provenance_of
from esante.store import Document, SendOrder
from esante.web.api.schemas.common import InputModel, RecordId
from esante.web.api.schemas.outbox import OrderPublic

MAX_DEFERRAL_SECONDS = 7 * 24 * 3600
"""Longest deferral window a request may ask for (the setting's own bound)."""


class DmpDeliveryPublic(BaseModel):
    """Whether and when the document reached the DMP / Mon espace santé."""

    state: str | None = Field(
        description="État du dernier envoi au DMP (null : jamais envoyé ; deleted : supprimé)"
    )
    label: str = Field(description="« dans le DMP », « programmé », « bloqué »...")
    sent_at: datetime | None
    reason: str | None = Field(description="Raison de l'état (blocage, échec...)")
    order_id: int | None = Field(description="Ordre d'envoi au DMP")

    @classmethod
    def of(cls, delivery: DmpDelivery) -> DmpDeliveryPublic:
        return cls(
            state=delivery.state,
            label=delivery.label,
            sent_at=delivery.sent_at,
            reason=delivery.reason,
            order_id=delivery.order_id,
        )


class DocumentPublic(BaseModel):
    """A stored document (metadata; the CDA is at ``/api/documents/{id}/content``)."""

    id: int
    patient_id: int
    author_id: int | None
    episode_id: int | None
    unique_id: str = Field(description="Identifiant unique du CDA (ClinicalDocument/id)")
    set_id: str
    version_number: int
    replaces_id: int | None = Field(description="Version remplacée par celle-ci")
    title: str
    type_code: str = Field(description="Type de document (LOINC...)")
    type_code_system: str
    level: str = Field(description="N1 (non structuré) ou N3 (structuré)")
    confidentiality_code: str
    effective_time: datetime
    mime_type: str
    size: int = Field(description="Taille en octets")
    content_sha256: str
    provenance: str = Field(description="produced, dmp ou mssante")
    provenance_libelle: str = Field(
        description="D'où vient le document : « importé du DMP le … par … (auteur : …) »"
    )
    created_at: datetime
    dmp: DmpDeliveryPublic = Field(description="Envoi au DMP / Mon espace santé")

    @classmethod
    def of(cls, document: Document, delivery: DmpDelivery) -> DocumentPublic:
        return cls(
            id=document.id,
            patient_id=document.patient_id,
            author_id=document.author_id,
            episode_id=document.episode_id,
            unique_id=document.unique_id,
            set_id=document.set_id,
            version_number=document.version_number,
            replaces_id=document.replaces_id,
            title=document.title,
            type_code=document.type_code,
            type_code_system=document.type_code_system,
            level=document.level,
            confidentiality_code=document.confidentiality_code,
            effective_time=document.effective_time,
            mime_type=document.mime_type,
            size=document.size,
            content_sha256=document.content_sha256,
            provenance=document.provenance,
            provenance_libelle=provenance_of(document),
            created_at=document.created_at,
            dmp=DmpDeliveryPublic.of(delivery),
        )


class DocumentDetailPublic(DocumentPublic):
    """A document with every send order made for it (newest first)."""

    orders: list[OrderPublic]

    @classmethod
    def detail(
        cls, document: Document, delivery: DmpDelivery, orders: list[SendOrder]
    ) -> DocumentDetailPublic:
        return cls(
            **DocumentPublic.of(document, delivery).model_dump(),
            orders=[OrderPublic.of(o) for o in orders],
        )


class ValidatedDocumentPublic(BaseModel):
    """The answer to "Valider": the stored document, its send orders, why others were not."""

    document: DocumentPublic
    orders: list[OrderPublic] = Field(description="Envois créés avec le document")
    not_sent: list[str] = Field(
        description="Pourquoi le document ne part pas au DMP, le cas échéant"
    )

    @classmethod
    def of(cls, done: ValidatedDocument, delivery: DmpDelivery) -> ValidatedDocumentPublic:
        return cls(
            document=DocumentPublic.of(done.document, delivery),
            orders=[OrderPublic.of(o) for o in done.orders],
            not_sent=list(done.not_sent),
        )


class DmpDeletionIn(InputModel):
    """Why the document must leave the DMP, and who asks."""

    reason: str = Field(
        min_length=1,
        max_length=500,
        description="Motif : erreur dans le document, demande du patient…",
    )
    by_practitioner_id: RecordId | None = Field(
        default=None,
        json_schema_extra={"deprecated": True},
        description="Ignoré : le professionnel est celui de l'identifiant présenté (l'auteur "
        "du document pour une clé d'API ou le secrétariat)",
    )


class HistoricalFeedingIn(InputModel):
    """Options of a historical feeding request (all optional)."""

    by_practitioner_id: RecordId | None = Field(
        default=None,
        json_schema_extra={"deprecated": True},
        description="Ignoré : l'alimentation est faite au nom de l'auteur du document",
    )
    deferral_seconds: int | None = Field(
        default=None,
        ge=0,
        le=MAX_DEFERRAL_SECONDS,
        description="Délai avant envoi en secondes (par défaut : envoi immédiat)",
    )
