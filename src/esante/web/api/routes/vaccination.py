"""REST routes of the vaccination record (issue 15).

* ``POST /api/vaccination/scan`` — what a scanner's DataMatrix string resolves to;
  ``POST /api/vaccination/scan/image`` — the same from a photo (PNG / JPEG body);
* ``GET /api/vaccination/vaccines`` — the catalogue, for a manual choice;
* ``GET /api/patients/{id}/vaccinations`` — the history, with provenance;
* ``POST /api/patients/{id}/vaccinations/note`` — the VAC-NOTE prefilled from the record
  and the scan (or the vaccine chosen by hand);
* ``POST /api/patients/{id}/vaccinations`` — validate the (edited) note: stored, its DMP
  feed queued, the vaccination recorded;
* ``POST /api/patients/{id}/vaccinations/carnet`` — copy a vaccination from the paper
  carnet de santé (counted by the schedule, no VAC-NOTE);
* ``GET /api/patients/{id}/vaccinations/schedule`` — due, overdue, next (2025 calendar);
* ``GET|POST /api/patients/{id}/vaccinations/prescription`` — the next vaccines; POST
  produces the prescription (N1) and queues its DMP feed.

Thin: the rules, the authorisation and the trace are :mod:`esante.practice.vaccination`'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, Field

from esante.cda import vocabulary as v
from esante.practice.access import require
from esante.practice.conformance import kit_validator
from esante.practice.documents import dmp_delivery
from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination import (
    PlannedDose,
    PrescriptionLine,
    ScanResolution,
    Vaccine,
    VacNoteDraft,
    load_catalogue,
    prefill_vac_note,
    prescribe_next_vaccines,
    prescription_lines,
    provenance_label,
    record_past_vaccination,
    scan_image,
    scan_text,
    vaccination_history,
    vaccination_plan,
    validate_vac_note,
)
from esante.practice.vaccination.schedule import STATUS_LABELS, SeriesState
from esante.store.base import utcnow
from esante.store.vaccination_models import Vaccination
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.errors import BodyTooLargeError, RequestBodyError, UnsupportedMediaTypeError
from esante.web.api.schemas.common import INVALID, NOT_FOUND, InputModel, RecordId
from esante.web.api.schemas.documents import ValidatedDocumentPublic
from esante.web.auth.deps import ActorDep

router = APIRouter(prefix="/api", tags=["vaccination"], responses=INVALID)

MAX_IMAGE_BYTES = 10 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})


def _today() -> dt.date:
    return utcnow().astimezone(v.PARIS).date()


# --------------------------------------------------------------------------- shapes


class VaccinePublic(BaseModel):
    cle: str
    nom: str
    cis: str | None
    atc: str | None
    atc_libelle: str | None
    valences: list[str]

    @classmethod
    def of(cls, x: Vaccine) -> VaccinePublic:
        return cls(
            cle=x.key,
            nom=x.name,
            cis=x.cis,
            atc=x.atc,
            atc_libelle=x.atc_label,
            valences=list(x.valences),
        )


class ScanPublic(BaseModel):
    """What a scanned box is: ``reconnu`` (the vaccine) or ``inconnu`` (choose by hand)."""

    statut: Literal["reconnu", "inconnu"]
    message: str
    avertissements: list[str]
    gtin: str
    cip13: str | None
    lot: str | None
    date_peremption: dt.date | None
    numero_serie: str | None
    vaccin: VaccinePublic | None
    presentation: str | None
    code_verifie: bool | None = Field(description="CIP13 vérifié contre la BDPM importée")
    choix: list[VaccinePublic] = Field(description="Vaccins proposés au choix manuel")

    @classmethod
    def of(cls, r: ScanResolution) -> ScanPublic:
        p = r.presentation
        return cls(
            statut=r.status,
            message=r.message,
            avertissements=list(r.warnings),
            gtin=r.box.gtin,
            cip13=r.box.cip13,
            lot=r.box.lot,
            date_peremption=r.box.expiry,
            numero_serie=r.box.serial,
            vaccin=None if p is None else VaccinePublic.of(p.vaccine),
            presentation=None if p is None else p.label,
            code_verifie=None if p is None else p.verified,
            choix=[VaccinePublic.of(x) for x in r.choices],
        )


class ScanIn(InputModel):
    code: str = Field(min_length=1, max_length=500, description="Le DataMatrix tel que lu")


class VaccinationPublic(BaseModel):
    id: int
    date: dt.date
    vaccin: str
    cis: str | None
    atc: str | None
    valences: list[str]
    lot: str | None
    date_peremption: dt.date | None
    rang: int | None
    rappel: bool | None
    voie: str | None
    site: str | None
    vaccinateur: str | None
    source: str
    provenance: str
    document_id: int | None

    @classmethod
    def of(cls, r: Vaccination) -> VaccinationPublic:
        return cls(
            id=r.id,
            date=r.administered_on,
            vaccin=r.vaccine_name,
            cis=r.cis,
            atc=r.atc,
            valences=r.valences.split(),
            lot=r.lot,
            date_peremption=r.expiry,
            rang=r.dose_rank,
            rappel=r.booster,
            voie=r.route_label,
            site=r.site_label,
            vaccinateur=r.performer_name,
            source=r.source,
            provenance=provenance_label(r),
            document_id=r.document_id,
        )


class NoteIn(InputModel):
    """The prefill request: a scanned string, or a vaccine chosen by hand (CIS or key)."""

    code: str | None = Field(default=None, max_length=500)
    cis: str | None = Field(default=None, max_length=8)
    cle: str | None = Field(default=None, max_length=40)
    lot: str | None = Field(default=None, max_length=20)
    date_peremption: dt.date | None = None
    date: dt.date | None = None


class NoteDraftBody(BaseModel):
    """The VAC-NOTE draft: what the professional sees, changes and validates."""

    patient_id: RecordId
    auteur_id: RecordId
    date: dt.date
    vaccin: str = Field(min_length=1, max_length=300)
    cis: str | None = Field(default=None, max_length=8)
    atc: str | None = Field(default=None, max_length=10)
    atc_libelle: str | None = Field(default=None, max_length=300)
    valences: list[str] = Field(default_factory=list)
    cip13: str | None = Field(default=None, max_length=13)
    gtin: str | None = Field(default=None, max_length=14)
    lot: str | None = Field(default=None, max_length=20)
    date_peremption: dt.date | None = None
    numero_serie: str | None = Field(default=None, max_length=20)
    voie_code: str | None = Field(default=None, max_length=20)
    voie: str | None = Field(default=None, max_length=100)
    site_code: str | None = Field(default=None, max_length=20)
    site: str | None = Field(default=None, max_length=100)
    rang: int | None = Field(default=None, ge=1, le=20)
    rappel: bool | None = None
    commentaire: str | None = Field(default=None, max_length=500)
    avertissements: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, d: VacNoteDraft) -> NoteDraftBody:
        return cls(
            patient_id=d.patient_id,
            auteur_id=d.author_id,
            date=d.administered_on,
            vaccin=d.vaccine_name,
            cis=d.cis,
            atc=d.atc,
            atc_libelle=d.atc_label,
            valences=list(d.valences),
            cip13=d.cip13,
            gtin=d.gtin,
            lot=d.lot,
            date_peremption=d.expiry,
            numero_serie=d.serial,
            voie_code=d.route_code,
            voie=d.route_label,
            site_code=d.site_code,
            site=d.site_label,
            rang=d.dose_rank,
            rappel=d.booster,
            commentaire=d.comment,
            avertissements=list(d.warnings),
        )

    def draft(self) -> VacNoteDraft:
        return VacNoteDraft(
            patient_id=self.patient_id,
            author_id=self.auteur_id,
            administered_on=self.date,
            vaccine_name=self.vaccin,
            cis=self.cis,
            atc=self.atc,
            atc_label=self.atc_libelle,
            valences=tuple(self.valences),
            cip13=self.cip13,
            gtin=self.gtin,
            lot=self.lot,
            expiry=self.date_peremption,
            serial=self.numero_serie,
            route_code=self.voie_code,
            route_label=self.voie,
            site_code=self.site_code,
            site_label=self.site,
            dose_rank=self.rang,
            booster=self.rappel,
            comment=self.commentaire,
        )


class PastVaccinationIn(InputModel):
    """A vaccination copied from the paper carnet: the vaccine (CIS or key), its date."""

    date: dt.date
    cis: str | None = Field(default=None, max_length=8)
    cle: str | None = Field(default=None, max_length=40)
    lot: str | None = Field(default=None, max_length=20)
    rang: int | None = Field(default=None, ge=1, le=20)
    commentaire: str | None = Field(default=None, max_length=500)


class RecordedPublic(BaseModel):
    vaccination: VaccinationPublic
    document: ValidatedDocumentPublic


class DosePublic(BaseModel):
    serie: str
    libelle: str
    rang: int
    rappel: bool
    date_prevue: dt.date
    fin_fenetre: dt.date
    statut: str
    statut_libelle: str
    schema_vaccinal: str
    rattrapage: bool

    @classmethod
    def of(cls, d: PlannedDose) -> DosePublic:
        return cls(
            serie=d.series,
            libelle=d.label,
            rang=d.rank,
            rappel=d.booster,
            date_prevue=d.due_on,
            fin_fenetre=d.window_end,
            statut=d.status,
            statut_libelle=STATUS_LABELS[d.status],
            schema_vaccinal=d.scheme,
            rattrapage=d.catch_up,
        )


class SeriesPublic(BaseModel):
    serie: str
    libelle: str
    obligatoire: bool
    statut: str
    statut_libelle: str
    doses_faites: list[dt.date]
    schema_vaccinal: str | None
    prochaine: DosePublic | None

    @classmethod
    def of(cls, s: SeriesState) -> SeriesPublic:
        return cls(
            serie=s.series,
            libelle=s.label,
            obligatoire=s.mandatory,
            statut=s.status,
            statut_libelle=STATUS_LABELS[s.status],
            doses_faites=list(s.given),
            schema_vaccinal=s.scheme,
            prochaine=None if s.next is None else DosePublic.of(s.next),
        )


class SchedulePublic(BaseModel):
    patient_id: int
    date: dt.date
    en_retard: list[DosePublic]
    a_faire: list[DosePublic]
    a_venir: list[DosePublic]
    prochaine_visite: list[DosePublic]
    series: list[SeriesPublic]


class LinePublic(BaseModel):
    texte: str
    valences: list[str]
    vaccins: list[VaccinePublic]
    a_partir_du: dt.date
    doses: list[DosePublic]

    @classmethod
    def of(cls, line: PrescriptionLine) -> LinePublic:
        return cls(
            texte=line.text,
            valences=list(line.antigens),
            vaccins=[VaccinePublic.of(x) for x in line.products],
            a_partir_du=line.due_on,
            doses=[DosePublic.of(d) for d in line.doses],
        )


class PrescriptionPublic(BaseModel):
    lignes: list[LinePublic]
    document: ValidatedDocumentPublic | None = None


# --------------------------------------------------------------------------- scan


async def image_body(request: Request) -> bytes:
    """The photo of the request (PNG or JPEG, 10 Mio at most)."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        raise UnsupportedMediaTypeError(
            "Envoyez la photo de la boîte telle quelle, avec l'en-tête « Content-Type: "
            "image/png » ou « image/jpeg ».",
            detail=f"content-type {content_type[:100]!r}",
            field="body",
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_IMAGE_BYTES:
            raise BodyTooLargeError(
                "Photo trop volumineuse : 10 Mio au plus.", detail=f"> {MAX_IMAGE_BYTES}"
            )
        chunks.append(chunk)
    if size == 0:
        raise RequestBodyError("Corps de requête vide : la photo est attendue.", field="body")
    return b"".join(chunks)


_IMAGE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "La photo de la boîte (PNG ou JPEG, 10 Mio au plus)",
        "content": {
            t: {"schema": {"type": "string", "format": "binary"}} for t in sorted(IMAGE_TYPES)
        },
    }
}


@router.post(
    "/vaccination/scan",
    response_model=ScanPublic,
    summary="Lire le DataMatrix d'une boîte de vaccin (douchette)",
    description=(
        "La chaîne telle que la douchette la tape (avec ou sans préfixe ]d2, séparateurs GS "
        "présents ou perdus). Réponse : le vaccin reconnu (CIS, ATC, valences), le lot et la "
        "péremption ; « inconnu » avec la liste des vaccins si la boîte n'est pas au "
        "catalogue. 422 si le lot est périmé ou le code abîmé (le champ en cause est nommé)."
    ),
)
def scan(body: ScanIn, session: SessionDep, actor: ActorDep) -> ScanPublic:
    require(actor, "documents:read")
    return ScanPublic.of(scan_text(body.code, today=_today(), session=session))


@router.post(
    "/vaccination/scan/image",
    response_model=ScanPublic,
    summary="Lire le DataMatrix d'une boîte de vaccin sur une photo",
    responses={415: {"description": "Ni PNG ni JPEG"}, 413: {"description": "Trop volumineux"}},
    openapi_extra=_IMAGE_BODY,
)
def scan_photo(
    data: Annotated[bytes, Depends(image_body)], session: SessionDep, actor: ActorDep
) -> ScanPublic:
    require(actor, "documents:read")
    return ScanPublic.of(scan_image(data, today=_today(), session=session))


@router.get(
    "/vaccination/vaccines",
    response_model=list[VaccinePublic],
    summary="Catalogue des vaccins (choix manuel)",
)
def vaccines(session: SessionDep, actor: ActorDep) -> list[VaccinePublic]:
    require(actor, "documents:read")
    return [VaccinePublic.of(x) for x in load_catalogue(session).vaccines()]


# --------------------------------------------------------------------------- record


@router.get(
    "/patients/{patient_id}/vaccinations",
    response_model=list[VaccinationPublic],
    summary="Historique des vaccinations (avec leur provenance)",
    responses=NOT_FOUND,
)
def history(patient_id: RecordId, session: SessionDep, actor: ActorDep) -> list[VaccinationPublic]:
    rows = vaccination_history(session, actor, patient_id)
    session.commit()  # the trace of the read, received notes compiled
    return [VaccinationPublic.of(r) for r in rows]


@router.post(
    "/patients/{patient_id}/vaccinations/note",
    response_model=NoteDraftBody,
    summary="Note de vaccination préremplie (dossier + boîte scannée)",
    description=(
        "Donnez « code » (le DataMatrix lu) ou le vaccin choisi à la main (« cis » ou "
        "« cle » du catalogue). La note préremplie (patient, vaccinateur connecté, date du "
        "jour, voie et site selon l'âge, rang de la dose d'après l'historique) est à "
        "vérifier puis à valider (POST …/vaccinations)."
    ),
    responses=NOT_FOUND,
)
def prefill(
    patient_id: RecordId, body: NoteIn, session: SessionDep, actor: ActorDep
) -> NoteDraftBody:
    catalogue = load_catalogue(session)
    resolution = None
    if body.code:
        resolution = scan_text(body.code, today=_today(), catalogue=catalogue)
    vaccine = None
    if body.cis:
        vaccine = catalogue.by_cis(body.cis)
    elif body.cle:
        vaccine = catalogue.by_key(body.cle)
    elif resolution is not None:
        vaccine = resolution.vaccine
    if vaccine is None:
        message = (
            resolution.message
            if resolution is not None and resolution.status == "inconnu"
            else "Choisissez le vaccin : scannez la boîte ou indiquez son code CIS."
        )
        raise PracticeValidationError(
            message,
            detail=f"no vaccine (code={body.code!r}, cis={body.cis!r}, cle={body.cle!r})",
            field="cis" if body.cis or body.cle else "code",
        )
    draft = prefill_vac_note(
        session,
        actor,
        patient_id,
        vaccine,
        scan=resolution,
        lot=body.lot,
        expiry=body.date_peremption,
        on=body.date,
    )
    session.commit()  # the trace of the read
    return NoteDraftBody.of(draft)


@router.post(
    "/patients/{patient_id}/vaccinations",
    response_model=RecordedPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Valider la note de vaccination (enregistrée, envoyée au DMP)",
    responses=NOT_FOUND,
)
def validate(
    patient_id: RecordId,
    body: NoteDraftBody,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    response: Response,
    feed_dmp: Annotated[
        bool | None, Query(description="Absent : le catalogue Ségur décide")
    ] = None,
) -> RecordedPublic:
    if body.patient_id != patient_id:
        raise PracticeValidationError(
            "La note concerne un autre patient.",
            detail=f"body patient_id {body.patient_id} != path {patient_id}",
            field="patient_id",
        )
    done = validate_vac_note(
        session, actor, body.draft(), kit=kit_validator(settings), feed_dmp=feed_dmp
    )
    session.commit()
    document = done.validated.document
    response.headers["Location"] = f"/api/documents/{document.id}"
    return RecordedPublic(
        vaccination=VaccinationPublic.of(done.vaccination),
        document=ValidatedDocumentPublic.of(done.validated, dmp_delivery(session, document.id)),
    )


@router.post(
    "/patients/{patient_id}/vaccinations/carnet",
    response_model=VaccinationPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Recopier une vaccination du carnet de santé papier",
    description=(
        "Une vaccination faite ailleurs, recopiée du carnet : elle compte pour le calendrier "
        "vaccinal, sans note de vaccination (elle n'a pas été faite ici)."
    ),
    responses=NOT_FOUND,
)
def copy_from_carnet(
    patient_id: RecordId, body: PastVaccinationIn, session: SessionDep, actor: ActorDep
) -> VaccinationPublic:
    catalogue = load_catalogue(session)
    vaccine = catalogue.by_cis(body.cis) if body.cis else None
    if vaccine is None and body.cle:
        vaccine = catalogue.by_key(body.cle)
    if vaccine is None:
        raise PracticeValidationError(
            "Vaccin inconnu du catalogue : choisissez-le dans la liste des vaccins.",
            detail=f"cis={body.cis!r} cle={body.cle!r}",
            field="cis",
        )
    row = record_past_vaccination(
        session,
        actor,
        patient_id,
        vaccine,
        body.date,
        lot=body.lot,
        dose_rank=body.rang,
        comment=body.commentaire,
    )
    session.commit()
    return VaccinationPublic.of(row)


# --------------------------------------------------------------------------- schedule


@router.get(
    "/patients/{patient_id}/vaccinations/schedule",
    response_model=SchedulePublic,
    summary="Calendrier vaccinal 2025 : en retard, à faire, à venir",
    responses=NOT_FOUND,
)
def schedule(
    patient_id: RecordId,
    session: SessionDep,
    actor: ActorDep,
    on: Annotated[
        dt.date | None, Query(alias="date", description="Jour (défaut : aujourd'hui)")
    ] = None,
) -> SchedulePublic:
    result = vaccination_plan(session, actor, patient_id, on)
    session.commit()
    return SchedulePublic(
        patient_id=patient_id,
        date=result.on,
        en_retard=[DosePublic.of(d) for d in result.overdue],
        a_faire=[DosePublic.of(d) for d in result.due],
        a_venir=[DosePublic.of(d) for d in result.upcoming],
        prochaine_visite=[DosePublic.of(d) for d in result.next_visit],
        series=[SeriesPublic.of(s) for s in result.series],
    )


@router.get(
    "/patients/{patient_id}/vaccinations/prescription",
    response_model=PrescriptionPublic,
    summary="Aperçu de l'ordonnance des prochains vaccins",
    responses=NOT_FOUND,
)
def prescription_preview(
    patient_id: RecordId, session: SessionDep, actor: ActorDep
) -> PrescriptionPublic:
    result = vaccination_plan(session, actor, patient_id)
    session.commit()
    lines = prescription_lines(result, load_catalogue(session))
    return PrescriptionPublic(lignes=[LinePublic.of(x) for x in lines])


@router.post(
    "/patients/{patient_id}/vaccinations/prescription",
    response_model=PrescriptionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Prescrire les prochains vaccins (ordonnance N1, envoyée au DMP)",
    responses=NOT_FOUND,
)
def prescribe(
    patient_id: RecordId,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    response: Response,
    feed_dmp: Annotated[
        bool | None, Query(description="Absent : le catalogue Ségur décide")
    ] = None,
) -> PrescriptionPublic:
    validated, lines = prescribe_next_vaccines(
        session, actor, patient_id, kit=kit_validator(settings), feed_dmp=feed_dmp
    )
    session.commit()
    document = validated.document
    response.headers["Location"] = f"/api/documents/{document.id}"
    return PrescriptionPublic(
        lignes=[LinePublic.of(x) for x in lines],
        document=ValidatedDocumentPublic.of(validated, dmp_delivery(session, document.id)),
    )
