"""Consulting a patient's DMP through the REST API (issue 13 item 6).

* ``GET /api/patients/{id}/dmp/documents`` — the list (grouped by class, flags, pre-set
  filters and multi-criteria search); opening it is the professional's visit;
* ``GET /api/patients/{id}/dmp/documents/{uniqueId}`` — one document's metadata and
  the preview's addresses; ``…/html`` the French HTML rendering and ``…/pdf`` an N1's
  PDF, both served sandboxed (``Content-Security-Policy: sandbox``, no script);
* ``POST /api/patients/{id}/dmp/import`` — import the selected documents;
* ``POST /api/patients/{id}/dmp/authorization`` — TD0.3 after the user's explicit
  confirmation;
* ``POST /api/patients/{id}/dmp/break-glass`` (with its reason) and ``DELETE`` to end it.

The routes are thin: the rules (DICA check before every read, trace, dedup, provenance)
are :mod:`esante.practice`'s; the acting professional is the signed-in one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from esante.dmp import DmpUnavailableError
from esante.practice.dmp_access import (
    declare_authorization,
    declare_emergency,
    end_emergency,
)
from esante.practice.dmp_import import ImportReport, import_documents
from esante.practice.dmp_reading import (
    PRESETS,
    DocumentFilters,
    DocumentListing,
    ListedDocument,
    list_documents,
    preview_document,
    require_consultation,
)
from esante.practice.errors import PracticeValidationError
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.routes.dmp_bar import dmp_credential
from esante.web.api.schemas.common import InputModel, RecordId
from esante.web.auth.deps import ActorDep

router = APIRouter(prefix="/api", tags=["DMP / Mon espace santé"])

REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Consultation refusée (condition DICA non remplie, consentement)"},
    404: {"description": "Patient ou document introuvable"},
    503: {"description": "DMP non configuré ou indisponible"},
}


def _sessions(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def _no_dmp() -> DmpUnavailableError:
    return DmpUnavailableError(
        "Aucun DMP n'est configuré pour ce service : la consultation est impossible.",
        detail="no DMP client resolves from the settings (ESANTE_SERVICES / sandbox)",
    )


# --------------------------------------------------------------------------- shapes


class DmpDocumentPublic(BaseModel):
    """One document of the DMP list."""

    unique_id: str
    entry_uuid: str
    titre: str
    type_code: str | None
    type_libelle: str | None
    classe_code: str | None
    classe_libelle: str
    auteur: str | None
    auteur_profession: str | None
    date_creation: datetime | None
    date_acte_debut: datetime | None
    date_acte_fin: datetime | None
    format_code: str | None
    niveau: Literal["N1", "N3"]
    statut: str = Field(description="actif, archivé ou version remplacée")
    masque_aux_professionnels: bool
    invisible_au_patient: bool
    invisible_aux_representants_legaux: bool
    nouveau: bool = Field(description="Déposé depuis votre dernière visite")
    deja_dans_le_dossier: bool
    document_local_id: int | None

    @classmethod
    def of(cls, d: ListedDocument) -> DmpDocumentPublic:
        return cls(
            unique_id=d.unique_id,
            entry_uuid=d.entry_uuid,
            titre=d.title,
            type_code=d.type_code,
            type_libelle=d.type_label,
            classe_code=d.class_code,
            classe_libelle=d.class_label,
            auteur=d.author,
            auteur_profession=d.author_profession,
            date_creation=d.created_at,
            date_acte_debut=d.service_start,
            date_acte_fin=d.service_stop,
            format_code=d.format_code,
            niveau="N1" if d.level == "N1" else "N3",
            statut=d.status,
            masque_aux_professionnels=d.masked,
            invisible_au_patient=d.invisible_to_patient,
            invisible_aux_representants_legaux=d.invisible_to_legal_representatives,
            nouveau=d.new,
            deja_dans_le_dossier=d.imported,
            document_local_id=d.local_document_id,
        )


class DmpGroupPublic(BaseModel):
    """The documents of one class, newest first."""

    classe_code: str | None
    libelle: str
    documents: list[DmpDocumentPublic]


class DmpListingPublic(BaseModel):
    """The list of a patient's DMP documents."""

    patient_id: int
    total: int
    nouveaux: int
    derniere_visite: datetime | None
    mode_acces: str = Field(description="normal, bris_de_glace ou centre_15")
    motif_acces: str | None
    groupes: list[DmpGroupPublic]
    avertissements: list[str]

    @classmethod
    def of(cls, listing: DocumentListing) -> DmpListingPublic:
        return cls(
            patient_id=listing.patient_id,
            total=listing.total,
            nouveaux=listing.new,
            derniere_visite=listing.last_visit_at,
            mode_acces=listing.access_mode,
            motif_acces=listing.access_reason,
            groupes=[
                DmpGroupPublic(
                    classe_code=g.class_code,
                    libelle=g.label,
                    documents=[DmpDocumentPublic.of(d) for d in g.documents],
                )
                for g in listing.groups
            ],
            avertissements=list(listing.warnings),
        )


class DmpPreviewPublic(BaseModel):
    """One DMP document read without importing it."""

    document: DmpDocumentPublic
    apercu_html: str = Field(description="Adresse du rendu HTML (cadre isolé)")
    apercu_pdf: str | None = Field(description="Adresse du PDF (document N1)")
    mode_acces: str


class ImportIn(InputModel):
    """The documents to import (a selection of the list)."""

    unique_ids: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        min_length=1, max_length=50
    )


class ImportedItemsPublic(BaseModel):
    """What a VSM added to the record's structured lists."""

    ajoutes: int
    deja_presents: int


class ImportOutcomePublic(BaseModel):
    """What became of one selected document."""

    unique_id: str
    statut: Literal["importe", "deja_present", "echec"]
    message: str
    document_id: int | None
    titre: str | None
    listes: ImportedItemsPublic | None


class ImportReportPublic(BaseModel):
    """The outcome of an import."""

    patient_id: int
    importes: int
    deja_presents: int
    echecs: int
    documents: list[ImportOutcomePublic]

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportPublic:
        return cls(
            patient_id=report.patient_id,
            importes=report.count("importe"),
            deja_presents=report.count("deja_present"),
            echecs=report.count("echec"),
            documents=[
                ImportOutcomePublic(
                    unique_id=o.unique_id,
                    statut=o.status,
                    message=o.message,
                    document_id=o.document_id,
                    titre=o.title,
                    listes=None
                    if o.items is None
                    else ImportedItemsPublic(
                        ajoutes=o.items.total_added, deja_presents=o.items.total_present
                    ),
                )
                for o in report.outcomes
            ],
        )


class AuthorizationIn(InputModel):
    """The explicit confirmation of the professional (EX_0.3-1010)."""

    confirme: bool = Field(
        description="Le professionnel confirme que le patient autorise son accès au DMP"
    )


class AuthorizationPublic(BaseModel):
    """The DMP's answer to TD0.3."""

    statut: str
    message: str | None


class BreakGlassIn(InputModel):
    """A break-glass (or centre 15) access and its mandatory reason."""

    motif: str = Field(min_length=1, max_length=500)
    mode: Literal["bris_de_glace", "centre_15"] = "bris_de_glace"


class BreakGlassPublic(BaseModel):
    """A running emergency access."""

    mode: str
    motif: str
    debut: datetime
    fin: datetime


# --------------------------------------------------------------------------- routes


@router.get(
    "/patients/{patient_id}/dmp/documents",
    summary="Documents du DMP du patient",
    description=(
        "Les documents du DMP, regroupés par classe et triés par date, avec leur état "
        "(masqué aux professionnels, invisible au patient, archivé, version remplacée), "
        "nouveaux depuis votre dernière visite, déjà dans le dossier. Par défaut les "
        "documents actifs ; filtres prédéfinis (`filtre` : "
        + ", ".join(f"`{k}` {v.lower()}" for k, v in PRESETS.items())
        + ") et recherche multicritère. Ouvrir la liste compte comme votre visite."
    ),
    responses=REFUSED,
)
def get_dmp_documents(
    patient_id: RecordId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    filtre: Annotated[str | None, Query(max_length=20)] = None,
    type: Annotated[list[str] | None, Query(description="typeCode (JDV_J07)")] = None,
    classe: Annotated[list[str] | None, Query(description="classCode (JDV_J06)")] = None,
    format: Annotated[list[str] | None, Query(description="formatCode (JDV_J10)")] = None,
    cadre: Annotated[list[str] | None, Query(description="practiceSettingCode")] = None,
    auteur: Annotated[str | None, Query(max_length=40, description="idNat_PS")] = None,
    cree_depuis: date | None = None,
    cree_jusqu_au: date | None = None,
    acte_depuis: date | None = None,
    acte_jusqu_au: date | None = None,
    depose_depuis: date | None = None,
    depose_jusqu_au: date | None = None,
    archives: bool = False,
    anciennes_versions: bool = False,
    masques: bool = False,
    invisibles_patient: bool = False,
) -> DmpListingPublic:
    filters = DocumentFilters(
        preset=filtre,
        type_codes=tuple(type or ()),
        class_codes=tuple(classe or ()),
        format_codes=tuple(format or ()),
        practice_settings=tuple(cadre or ()),
        author=auteur,
        created_from=cree_depuis,
        created_to=cree_jusqu_au,
        service_from=acte_depuis,
        service_to=acte_jusqu_au,
        submitted_from=depose_depuis,
        submitted_to=depose_jusqu_au,
        include_archived=archives,
        include_deprecated=anciennes_versions,
        masked=masques,
        invisible_to_patient=invisibles_patient,
    )
    with dmp_credential(settings) as dmp:
        if dmp is None:
            raise _no_dmp()
        listing = list_documents(
            session, actor, patient_id, dmp=dmp, filters=filters, sessions=_sessions(request)
        )
    return DmpListingPublic.of(listing)


def _preview(
    request: Request, session: Session, settings: Any, actor: Any, patient_id: int, uid: str
) -> Any:
    with dmp_credential(settings) as dmp:
        if dmp is None:
            raise _no_dmp()
        return preview_document(
            session, actor, patient_id, uid, dmp=dmp, sessions=_sessions(request)
        )


@router.get(
    "/patients/{patient_id}/dmp/documents/{unique_id}",
    summary="Aperçu d'un document du DMP (sans import)",
    description=(
        "Lit le document dans le DMP (TD3.1b puis TD3.2) sans l'importer : ses métadonnées "
        "et les adresses de son rendu HTML et, pour un document N1, de son PDF, à afficher "
        "dans un cadre isolé. La lecture est tracée."
    ),
    responses=REFUSED,
)
def get_dmp_document(
    patient_id: RecordId,
    unique_id: Annotated[str, Field(max_length=128)],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> DmpPreviewPublic:
    preview = _preview(request, session, settings, actor, patient_id, unique_id)
    base = f"/api/patients/{patient_id}/dmp/documents/{unique_id}"
    return DmpPreviewPublic(
        document=DmpDocumentPublic.of(preview.document),
        apercu_html=f"{base}/html",
        apercu_pdf=f"{base}/pdf" if preview.pdf is not None else None,
        mode_acces=preview.access_mode,
    )


@router.get(
    "/patients/{patient_id}/dmp/documents/{unique_id}/html",
    response_class=Response,
    summary="Rendu HTML d'un document du DMP (cadre isolé)",
    responses={200: {"content": {"text/html": {}}}, **REFUSED},
)
def get_dmp_document_html(
    patient_id: RecordId,
    unique_id: Annotated[str, Field(max_length=128)],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> Response:
    preview = _preview(request, session, settings, actor, patient_id, unique_id)
    return Response(content=preview.html, media_type="text/html; charset=utf-8")


@router.get(
    "/patients/{patient_id}/dmp/documents/{unique_id}/pdf",
    response_class=Response,
    summary="PDF d'un document N1 du DMP",
    responses={200: {"content": {"application/pdf": {}}}, **REFUSED},
)
def get_dmp_document_pdf(
    patient_id: RecordId,
    unique_id: Annotated[str, Field(max_length=128)],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> Response:
    preview = _preview(request, session, settings, actor, patient_id, unique_id)
    if preview.pdf is None:
        raise PracticeValidationError(
            "Ce document est structuré (N3) : il n'a pas de PDF, consultez son rendu HTML.",
            detail="no PDF body in an N3 document",
            field="unique_id",
        )
    return Response(content=preview.pdf, media_type="application/pdf")


@router.post(
    "/patients/{patient_id}/dmp/import",
    summary="Importer des documents du DMP dans le dossier",
    description=(
        "Importe les documents choisis (au plus 50), un par un, chacun dans sa transaction, "
        "avec leur provenance ; un document déjà dans le dossier n'est pas importé deux "
        "fois ; un VSM structuré alimente les problèmes, antécédents, allergies et "
        "traitements du dossier."
    ),
    responses=REFUSED,
)
def post_dmp_import(
    patient_id: RecordId,
    body: ImportIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> ImportReportPublic:
    with dmp_credential(settings) as dmp:
        if dmp is None:
            raise _no_dmp()
        report = import_documents(
            session, actor, patient_id, body.unique_ids, dmp=dmp, sessions=_sessions(request)
        )
    return ImportReportPublic.of(report)


@router.post(
    "/patients/{patient_id}/dmp/authorization",
    summary="Déclarer votre autorisation d'accès au DMP (TD0.3)",
    description=(
        "Après l'accord du patient, vous ajoute à ses professionnels autorisés. "
        "Uniquement sur action explicite (`confirme` : true), jamais systématiquement."
    ),
    responses=REFUSED,
)
def post_dmp_authorization(
    patient_id: RecordId,
    body: AuthorizationIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> AuthorizationPublic:
    with dmp_credential(settings) as dmp:
        if dmp is None:
            raise _no_dmp()
        read = require_consultation(session, actor, patient_id, dmp=dmp)
        answer = declare_authorization(
            session, actor, patient_id, dmp=dmp, confirmed=body.confirme, ins=read.ins
        )
    session.commit()
    return AuthorizationPublic(statut=answer.status, message=answer.context)


@router.post(
    "/patients/{patient_id}/dmp/break-glass",
    status_code=status.HTTP_201_CREATED,
    summary="Accès au DMP en mode bris de glace",
    description=(
        "Ouvre un accès d'urgence (bris de glace, ou centre 15) avec son motif obligatoire, "
        "tracé ; il vaut pour vos consultations de ce DMP pendant sa durée, affichée dans "
        "le bandeau."
    ),
    responses=REFUSED,
)
def post_break_glass(
    patient_id: RecordId, body: BreakGlassIn, session: SessionDep, actor: ActorDep
) -> BreakGlassPublic:
    row = declare_emergency(session, actor, patient_id, reason=body.motif, mode=body.mode)
    session.commit()
    return BreakGlassPublic(
        mode=row.mode, motif=row.reason, debut=row.started_at, fin=row.expires_at
    )


@router.delete(
    "/patients/{patient_id}/dmp/break-glass",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Mettre fin à l'accès en bris de glace",
    responses=REFUSED,
)
def delete_break_glass(patient_id: RecordId, session: SessionDep, actor: ActorDep) -> Response:
    end_emergency(session, actor, patient_id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
