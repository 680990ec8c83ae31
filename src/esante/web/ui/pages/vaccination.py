"""The vaccination record at the console (issue 15): the vaccination book, the scan of
the vaccine box, the VAC-NOTE prefilled, the copy from the paper carnet, the
prescription of the next vaccines.

* ``GET /patients/{id}/vaccinations`` — the book: every vaccination with its provenance
  (given here, received from the DMP or by MSSanté, copied from the paper carnet), the
  calendrier des vaccinations 2025 (overdue, due now, next, with dates), the form copying
  a vaccination from the paper carnet (``POST …/vaccinations/carnet``) and the link to
  the one-click prescription;
* ``GET/POST /patients/{id}/vaccinations/scan`` — the scan field: a plain text input a
  keyboard-wedge scanner types the GS1 DataMatrix into, its final Enter submitting the
  form (no script: the GS separators lost or typed as a token are the library's
  business, :func:`esante.practice.vaccination.scan.parse_datamatrix`); the photo
  alternative (``POST …/scan/photo``, multipart sent by htmx so that the CSRF header is
  added — the page says the photo needs JavaScript). A recognised box leads to the note;
  an expired lot, an ambiguous or damaged code are refused in French, the typed string
  kept; an unknown GTIN offers the catalogue's vaccines to choose from — never a guess;
* ``GET/POST /patients/{id}/vaccinations/note`` — the VAC-NOTE prefilled
  (SC.VACC/NOTE.05: vaccine, lot, expiry, date, route and site for the age, dose rank
  from the history, author the signed-in professional); « Valider » stores it, queues its
  DMP feed (:func:`esante.practice.documents.validate_document`) and records the
  vaccination in the book;
* ``GET/POST /patients/{id}/vaccinations/ordonnance`` — the prescription (N1) of the next
  visit's vaccines: preview, then « Valider ».

Handlers only read the form, call :mod:`esante.practice.vaccination` (which authorises,
traces and applies the rules) and render.
"""

from __future__ import annotations

from datetime import date
from typing import Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from esante.cda import vocabulary as v
from esante.cda.examples.vaccination import schedule as example_schedule
from esante.errors import EsanteError
from esante.practice.conformance import kit_validator
from esante.practice.patients import read_patient
from esante.practice.vaccination import (
    ScanResolution,
    Vaccine,
    VaccineCatalogue,
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
from esante.practice.vaccination.notes import INTRAMUSCULAR, ORAL
from esante.practice.vaccination.schedule import STATUS_LABELS
from esante.store import Patient, utcnow
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.errors import status_for
from esante.web.ui.deps import Console, ConsoleDep
from esante.web.ui.forms import FormError, form_fields, optional, parse_day
from esante.web.ui.pages.queue import error_page
from esante.web.ui.templating import render

router = APIRouter()

MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
"""The photo of a box: 10 Mio at most (as the REST route)."""
ROUTES: Final = {INTRAMUSCULAR.code: INTRAMUSCULAR.display, ORAL.code: ORAL.display}
"""The routes the note offers (EDQM standard terms)."""


def _today() -> date:
    """The practice's day (Europe/Paris)."""
    return utcnow().astimezone(v.PARIS).date()


def _name(patient: Patient) -> str:
    given = patient.used_given_name or patient.first_given_name or patient.birth_given_names
    return f"{patient.used_family_name or patient.birth_family_name} {given}"


def _sites() -> dict[str, str]:
    """The injection sites of the calendar (SNOMED CT), thigh and deltoid, both sides."""
    sites: dict[str, str] = {}
    for _, codes in example_schedule().sites:
        for code in codes:
            sites[code.code] = str(code.display)
    return sites


def _base(patient_id: int) -> str:
    return f"/patients/{patient_id}/vaccinations"


# --------------------------------------------------------------------------- the book


def _book(
    request: Request,
    session: SessionDep,
    console: Console,
    patient_id: int,
    *,
    values: dict[str, str] | None = None,
    error: EsanteError | None = None,
    status: int = 200,
    note: int | None = None,
    copied: bool = False,
) -> Response:
    patient = read_patient(session, patient_id, actor=console.actor)
    rows = vaccination_history(session, console.actor, patient_id)
    result = vaccination_plan(session, console.actor, patient_id, _today())
    session.commit()
    catalogue = load_catalogue(session)
    return render(
        request,
        console,
        "vaccination/book.html",
        status=status,
        title=f"Vaccinations — {_name(patient)}",
        patient=patient,
        name=_name(patient),
        history=[{"row": r, "provenance": provenance_label(r)} for r in reversed(rows)],
        plan=result,
        labels=STATUS_LABELS,
        vaccines=catalogue.vaccines(),
        values=values or {},
        error=error,
        note=note,
        copied=copied,
    )


@router.get("/patients/{patient_id}/vaccinations")
def book_page(
    patient_id: int,
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    note: int | None = None,
    carnet: int = 0,
) -> Response:
    """The vaccination book: history with provenance, the schedule, the actions."""
    try:
        return _book(request, session, console, patient_id, note=note, copied=carnet == 1)
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)


def _chosen(catalogue: VaccineCatalogue, key: str | None, field: str) -> Vaccine:
    vaccine = catalogue.by_key(key) if key else None
    if vaccine is None:
        raise FormError(
            "Choisissez le vaccin dans la liste.", detail=f"vaccine key {key!r}", field=field
        )
    return vaccine


def _rank(fields: dict[str, str], name: str) -> int | None:
    text = optional(fields, name)
    if text is None:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 20:
        raise FormError(
            "Rang de la dose invalide : un nombre de 1 à 20.",
            detail=f"{name}: {text[:20]!r}",
            field=name,
        )
    return int(text)


@router.post("/patients/{patient_id}/vaccinations/carnet")
async def copy_from_carnet(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """Copy a vaccination from the paper carnet de santé (counted by the schedule, no
    VAC-NOTE); back to the book, or the book with the error and what was typed."""
    fields = await form_fields(request)
    try:
        vaccine = _chosen(load_catalogue(session), optional(fields, "vaccine"), "vaccine")
        day = parse_day(fields.get("administered_on", ""), "administered_on", "Date")
        if day is None:
            raise FormError("Date de la vaccination obligatoire.", field="administered_on")
        record_past_vaccination(
            session,
            console.actor,
            patient_id,
            vaccine,
            day,
            lot=optional(fields, "lot"),
            dose_rank=_rank(fields, "dose_rank"),
            comment=optional(fields, "comment"),
        )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        try:
            return _book(
                request,
                session,
                console,
                patient_id,
                values=fields,
                error=exc,
                status=422 if exc.field else status_for(exc),
            )
        except EsanteError as again:
            session.rollback()
            return error_page(request, console, again)
    return RedirectResponse(f"{_base(patient_id)}?carnet=1#historique", status_code=303)


# --------------------------------------------------------------------------- the scan


def _scan_page(
    request: Request,
    session: SessionDep,
    console: Console,
    patient_id: int,
    *,
    code: str = "",
    resolution: ScanResolution | None = None,
    error: EsanteError | None = None,
    status: int = 200,
) -> Response:
    patient = read_patient(session, patient_id, actor=console.actor)
    session.commit()
    return render(
        request,
        console,
        "vaccination/scan.html",
        status=status,
        title=f"Scanner un vaccin — {_name(patient)}",
        patient=patient,
        name=_name(patient),
        code=code,
        resolution=resolution,
        error=error,
    )


def _note_url(patient_id: int, code: str) -> str:
    return f"{_base(patient_id)}/note?{urlencode({'code': code})}"


def _resolved(
    request: Request,
    session: SessionDep,
    console: Console,
    patient_id: int,
    code: str,
    resolution: ScanResolution,
) -> Response:
    """A known box goes to its note; an unknown one stays here with the choice list."""
    if resolution.status == "reconnu":
        target = _note_url(patient_id, resolution.box.raw if code else resolution.box.normalized)
        if request.headers.get("hx-request"):
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    return _scan_page(
        request, session, console, patient_id, code=code, resolution=resolution, status=200
    )


@router.get("/patients/{patient_id}/vaccinations/scan")
def scan_page(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """The scan field (the scanner types into it and ends with Enter) and the photo."""
    try:
        return _scan_page(request, session, console, patient_id)
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)


@router.post("/patients/{patient_id}/vaccinations/scan")
async def scan_submit(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """What the scanned string is: the note, the choice list, or the French refusal."""
    form = await request.form()
    raw = form.get("code")
    code = raw[:500] if isinstance(raw, str) else ""
    try:
        try:
            if not code.strip():
                raise FormError(
                    "Scannez la boîte du vaccin : le champ est vide.",
                    detail="empty scan",
                    field="code",
                )
            resolution = scan_text(code, today=_today(), session=session)
        except EsanteError as exc:
            return _scan_page(
                request, session, console, patient_id, code=code, error=exc, status=422
            )
        return _resolved(request, session, console, patient_id, code, resolution)
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)


@router.post("/patients/{patient_id}/vaccinations/scan/photo")
async def scan_photo(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """The same from a photo of the box (PNG or JPEG, decoded with zxing-cpp)."""
    async with request.form(max_files=1, max_fields=10) as form:
        return await _scan_photo(request, session, console, patient_id, form.get("photo"))


async def _scan_photo(
    request: Request, session: SessionDep, console: Console, patient_id: int, photo: object
) -> Response:
    try:
        try:
            if not isinstance(photo, UploadFile):
                raise FormError(
                    "Choisissez la photo de la boîte (PNG ou JPEG).",
                    detail="no file",
                    field="photo",
                )
            data = await photo.read(MAX_PHOTO_BYTES + 1)
            if not data:
                raise FormError("La photo est vide.", detail="empty file", field="photo")
            if len(data) > MAX_PHOTO_BYTES:
                raise FormError(
                    "Photo trop volumineuse : 10 Mio au plus.",
                    detail=f"> {MAX_PHOTO_BYTES}",
                    field="photo",
                )
            resolution = scan_image(data, today=_today(), session=session)
        except EsanteError as exc:
            # htmx swaps only successful answers: the refusal is shown in the page
            status = 200 if request.headers.get("hx-request") else 422
            return _scan_page(request, session, console, patient_id, error=exc, status=status)
        return _resolved(request, session, console, patient_id, "", resolution)
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)


# --------------------------------------------------------------------------- the note


def _draft_values(draft: VacNoteDraft) -> dict[str, str]:
    """The draft as the form's fields."""

    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    return {
        "vaccine_name": draft.vaccine_name,
        "cis": text(draft.cis),
        "atc": text(draft.atc),
        "atc_label": text(draft.atc_label),
        "valences": " ".join(draft.valences),
        "cip13": text(draft.cip13),
        "gtin": text(draft.gtin),
        "serial": text(draft.serial),
        "author_id": str(draft.author_id),
        "administered_on": text(draft.administered_on),
        "lot": text(draft.lot),
        "expiry": text(draft.expiry),
        "route_code": text(draft.route_code),
        "site_code": text(draft.site_code),
        "dose_rank": text(draft.dose_rank),
        "booster": "oui" if draft.booster else "",
        "comment": text(draft.comment),
    }


def _note_page(
    request: Request,
    session: SessionDep,
    console: Console,
    patient_id: int,
    values: dict[str, str],
    *,
    warnings: tuple[str, ...] = (),
    error: EsanteError | None = None,
    status: int = 200,
) -> Response:
    patient = read_patient(session, patient_id, actor=console.actor)
    session.commit()
    return render(
        request,
        console,
        "vaccination/note.html",
        status=status,
        title=f"Note de vaccination — {_name(patient)}",
        patient=patient,
        name=_name(patient),
        values=values,
        warnings=warnings,
        error=error,
        routes=ROUTES,
        sites=_sites(),
        author=console.actor.name,
    )


@router.get("/patients/{patient_id}/vaccinations/note")
def note_page(
    patient_id: int,
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    code: str | None = None,
    cle: str | None = None,
) -> Response:
    """The VAC-NOTE prefilled from the record and the scanned box (``code``) or the
    vaccine chosen by hand (``cle``, the catalogue's key; the box's lot and expiry kept)."""
    try:
        catalogue = load_catalogue(session)
        resolution = None
        try:
            if code:
                resolution = scan_text(code[:500], today=_today(), catalogue=catalogue)
            vaccine = catalogue.by_key(cle) if cle else None
            if vaccine is None and resolution is not None:
                vaccine = resolution.vaccine
            if vaccine is None:
                raise FormError(
                    resolution.message
                    if resolution is not None
                    else "Scannez la boîte du vaccin ou choisissez-le dans la liste.",
                    detail=f"no vaccine (code={code!r}, cle={cle!r})",
                    field="code",
                )
        except EsanteError as exc:
            return _scan_page(
                request,
                session,
                console,
                patient_id,
                code=code or "",
                resolution=resolution,
                error=exc,
                status=422,
            )
        draft = prefill_vac_note(session, console.actor, patient_id, vaccine, scan=resolution)
        session.commit()
        return _note_page(
            request, session, console, patient_id, _draft_values(draft), warnings=draft.warnings
        )
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)


def _integer(text: str | None, field: str, label: str) -> int | None:
    if text is None:
        return None
    if not text.isdigit():
        raise FormError(f"{label} invalide.", detail=f"{field}: {text[:20]!r}", field=field)
    return int(text)


def _draft(patient_id: int, fields: dict[str, str]) -> VacNoteDraft:
    """The note as the professional left it (hidden fields: what the box and the
    catalogue said; visible ones: what they may change)."""
    day = parse_day(fields.get("administered_on", ""), "administered_on", "Date de vaccination")
    if day is None:
        raise FormError("Date de vaccination obligatoire.", field="administered_on")
    author = _integer(optional(fields, "author_id"), "author", "Vaccinateur")
    if author is None:
        raise FormError("Vaccinateur inconnu.", field="author")
    route = optional(fields, "route_code")
    if route is not None and route not in ROUTES:
        raise FormError("Voie d'administration : choisissez dans la liste.", field="route_code")
    sites = _sites()
    site = optional(fields, "site_code")
    if site is not None and site not in sites:
        raise FormError("Site d'injection : choisissez dans la liste.", field="site_code")
    name = optional(fields, "vaccine_name")
    if name is None:
        raise FormError("Vaccin absent de la note : scannez la boîte.", field="vaccine")
    return VacNoteDraft(
        patient_id=patient_id,
        author_id=author,
        administered_on=day,
        vaccine_name=name,
        cis=optional(fields, "cis"),
        atc=optional(fields, "atc"),
        atc_label=optional(fields, "atc_label"),
        valences=tuple(fields.get("valences", "").split()),
        cip13=optional(fields, "cip13"),
        gtin=optional(fields, "gtin"),
        lot=optional(fields, "lot"),
        expiry=parse_day(fields.get("expiry", ""), "expiry", "Date de péremption"),
        serial=optional(fields, "serial"),
        route_code=route,
        route_label=ROUTES.get(route or ""),
        site_code=site,
        site_label=sites.get(site or ""),
        dose_rank=_rank(fields, "dose_rank"),
        booster=fields.get("booster") == "oui",
        comment=optional(fields, "comment"),
    )


@router.post("/patients/{patient_id}/vaccinations/note")
async def validate_note(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """« Valider »: the note stored, its DMP feed queued, the vaccination in the book."""
    fields = await form_fields(request)
    try:
        done = validate_vac_note(
            session, console.actor, _draft(patient_id, fields), kit=kit_validator(settings)
        )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        try:
            return _note_page(
                request,
                session,
                console,
                patient_id,
                fields,
                error=exc,
                status=422 if exc.field else status_for(exc),
            )
        except EsanteError as again:
            session.rollback()
            return error_page(request, console, again)
    document = done.validated.document.id
    return RedirectResponse(f"{_base(patient_id)}?note={document}#historique", status_code=303)


# --------------------------------------------------------------------------- prescription


def _prescription_page(
    request: Request,
    session: SessionDep,
    console: Console,
    patient_id: int,
    *,
    error: EsanteError | None = None,
    status: int = 200,
) -> Response:
    patient = read_patient(session, patient_id, actor=console.actor)
    result = vaccination_plan(session, console.actor, patient_id, _today())
    session.commit()
    return render(
        request,
        console,
        "vaccination/prescription.html",
        status=status,
        title=f"Prescription des vaccins — {_name(patient)}",
        patient=patient,
        name=_name(patient),
        lines=prescription_lines(result, load_catalogue(session)),
        error=error,
    )


@router.get("/patients/{patient_id}/vaccinations/ordonnance")
def prescription_page(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """The preview of the prescription of the next visit's vaccines."""
    try:
        return _prescription_page(request, session, console, patient_id)
    except EsanteError as exc:
        session.rollback()
        return error_page(request, console, exc)


@router.post("/patients/{patient_id}/vaccinations/ordonnance")
def prescribe(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """« Valider » the prescription (N1): stored, its DMP feed queued; then its page."""
    try:
        validated, _ = prescribe_next_vaccines(
            session, console.actor, patient_id, kit=kit_validator(settings)
        )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        try:
            return _prescription_page(
                request, session, console, patient_id, error=exc, status=status_for(exc)
            )
        except EsanteError as again:
            session.rollback()
            return error_page(request, console, again)
    return RedirectResponse(f"/documents/{validated.document.id}?valide=1", status_code=303)
