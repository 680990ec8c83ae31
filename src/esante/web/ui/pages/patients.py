"""Patients at the console: search (name, birth date, INS), create, edit, the record page
and the INS DataMatrix (issue 14, "Patients" and "Patient record").

The handlers only read the form, call :mod:`esante.practice.patients` (which authorises
and traces) and render. A refused or invalid form is shown again with the French error
naming the field, and nothing typed is lost.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from esante.errors import EsanteError
from esante.identity import InsDataMatrix, check_ins, render_svg
from esante.identity.documents import document_types
from esante.practice.identity import traits_of
from esante.practice.patients import (
    LegalRepresentativeData,
    NewPatient,
    PatientChanges,
    add_identity_evidence,
    create_patient,
    read_patient,
    search_patients,
    update_patient,
)
from esante.store.models import Patient
from esante.store.repositories import PatientCriteria
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.routes.patients import insi_connection
from esante.web.ui.deps import ConsoleDep
from esante.web.ui.forms import FormError, form_fields, optional, parse_day
from esante.web.ui.templating import render

router = APIRouter()

STATUS_LABELS: Final = {
    "PROV": "Identité provisoire",
    "RECUP": "Identité récupérée",
    "VALI": "Identité validée",
    "QUAL": "Identité qualifiée",
}
"""The four identity statuses of the RNIV, as the console names them."""
MISSING: Final = {
    "PROV": (
        "Contrôler une pièce d'identité à haut niveau de confiance",
        "Récupérer l'INS par le téléservice INSi",
    ),
    "RECUP": ("Contrôler une pièce d'identité à haut niveau de confiance",),
    "VALI": ("Récupérer l'INS par le téléservice INSi",),
    "QUAL": (),
}
"""What each status lacks to become qualified (RNIV: a checked high-trust identity
document, and the INS obtained from INSi)."""
SEXES: Final = {"F": "Féminin", "M": "Masculin", "I": "Indéterminé"}
RELATIONSHIPS: Final = {"MTH": "Mère", "FTH": "Père", "GUARD": "Tuteur légal"}
TRAIT_FIELDS: Final = (
    "birth_family_name",
    "birth_given_names",
    "first_given_name",
    "sex",
    "birth_date",
    "birthplace_cog",
    "used_family_name",
    "used_given_name",
)
CONTACT_FIELDS: Final = ("address_line", "postal_code", "city", "phone", "email")


def _context() -> dict[str, Any]:
    return {"statuses": STATUS_LABELS, "sexes": SEXES, "relationships": RELATIONSHIPS}


@router.get("/patients")
def patients_page(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    nom: str = "",
    naissance: str = "",
    ins: str = "",
) -> Response:
    """Search by name, birth date or INS; without criteria, the latest patients."""
    error = None
    page = None
    try:
        criteria = PatientCriteria(
            name=nom.strip() or None,
            birth_date=parse_day(naissance, "naissance", "Date de naissance"),
            ins=ins.strip().upper() or None,
            limit=50,
        )
        page = search_patients(session, criteria, actor=console.actor)
        session.commit()
    except EsanteError as exc:
        session.rollback()
        error = exc
    return render(
        request,
        console,
        "patients/list.html",
        title="Patients",
        page=page,
        error=error,
        query={"nom": nom, "naissance": naissance, "ins": ins},
        **_context(),
    )


def _new_patient(fields: dict[str, str]) -> NewPatient:
    representatives = []
    if fields.get("rep_family_name", "").strip():
        representatives.append(
            LegalRepresentativeData(
                relationship_code=fields.get("rep_relationship", "MTH"),
                family_name=fields["rep_family_name"],
                given_name=fields.get("rep_given_name", ""),
                phone=optional(fields, "rep_phone"),
                email=optional(fields, "rep_email"),
            )
        )
    birth = parse_day(fields.get("birth_date", ""), "birth_date", "Date de naissance")
    if birth is None:
        raise FormError("Date de naissance obligatoire.", field="birth_date")
    return NewPatient(
        birth_family_name=fields.get("birth_family_name", ""),
        birth_given_names=fields.get("birth_given_names", ""),
        first_given_name=optional(fields, "first_given_name"),
        sex=fields.get("sex", ""),
        birth_date=birth,
        birthplace_cog=optional(fields, "birthplace_cog"),
        used_family_name=optional(fields, "used_family_name"),
        used_given_name=optional(fields, "used_given_name"),
        address_line=optional(fields, "address_line"),
        postal_code=optional(fields, "postal_code"),
        city=optional(fields, "city"),
        phone=optional(fields, "phone"),
        email=optional(fields, "email"),
        legal_representatives=representatives,
    )


@router.get("/patients/nouveau")
def new_patient_page(request: Request, console: ConsoleDep) -> Response:
    """The form of a new patient (identity traits, contact, a legal representative)."""
    return render(
        request,
        console,
        "patients/form.html",
        title="Nouveau patient",
        values={},
        error=None,
        patient=None,
        **_context(),
    )


@router.post("/patients/nouveau")
async def create_patient_form(
    request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """Record the patient; back to the form with the error when refused."""
    fields = await form_fields(request)
    try:
        patient = create_patient(session, _new_patient(fields), actor=console.actor)
        session.commit()
    except EsanteError as exc:
        session.rollback()
        return render(
            request,
            console,
            "patients/form.html",
            status=422,
            title="Nouveau patient",
            values=fields,
            error=exc,
            patient=None,
            **_context(),
        )
    return RedirectResponse(f"/patients/{patient.id}", status_code=303)


def _values(patient: Patient) -> dict[str, str]:
    values = {
        name: "" if getattr(patient, name) is None else str(getattr(patient, name))
        for name in (*TRAIT_FIELDS, *CONTACT_FIELDS)
    }
    values["birth_date"] = patient.birth_date.isoformat()
    return values


@router.get("/patients/{patient_id}")
def record_page(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """The patient record: identity and status, the Mon espace santé bar (loaded without
    a click, after the page), the record's lists and documents, the actions."""
    patient = read_patient(session, patient_id, actor=console.actor)
    session.commit()
    return render(
        request,
        console,
        "patients/record.html",
        title=f"{patient.birth_family_name} {patient.first_given_name or ''}".strip(),
        patient=patient,
        missing=MISSING.get(patient.identity_status, ()),
        age=_age(patient.birth_date),
        **_context(),
    )


def _age(born: date) -> str:
    today = date.today()
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if years >= 2:
        return f"{years} ans"
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    return f"{months} mois"


@router.get("/patients/{patient_id}/modifier")
def edit_page(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """The identity and contact form of an existing patient."""
    patient = read_patient(session, patient_id, actor=console.actor)
    session.commit()
    return render(
        request,
        console,
        "patients/form.html",
        title="Modifier le patient",
        values=_values(patient),
        error=None,
        patient=patient,
        **_context(),
    )


@router.post("/patients/{patient_id}/modifier")
async def edit_form(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """Apply the changes (a changed strict trait downgrades a qualified identity)."""
    fields = await form_fields(request)
    try:
        changes: PatientChanges = {}
        for name in ("birth_family_name", "birth_given_names", "sex"):
            changes[name] = fields.get(name, "")
        for name in (
            "first_given_name",
            "birthplace_cog",
            "used_family_name",
            "used_given_name",
            *CONTACT_FIELDS,
        ):
            changes[name] = optional(fields, name)  # type: ignore[literal-required]
        birth = parse_day(fields.get("birth_date", ""), "birth_date", "Date de naissance")
        if birth is None:
            raise FormError("Date de naissance obligatoire.", field="birth_date")
        changes["birth_date"] = birth
        update_patient(session, patient_id, changes, actor=console.actor)
        session.commit()
    except EsanteError as exc:
        session.rollback()
        patient = read_patient(session, patient_id, actor=console.actor)
        session.commit()
        return render(
            request,
            console,
            "patients/form.html",
            status=422,
            title="Modifier le patient",
            values=fields,
            error=exc,
            patient=patient,
            **_context(),
        )
    return RedirectResponse(f"/patients/{patient_id}", status_code=303)


@router.get("/patients/{patient_id}/ins-datamatrix.svg")
def ins_datamatrix(patient_id: int, session: SessionDep, console: ConsoleDep) -> Response:
    """The INS DataMatrix of a qualified identity (404 otherwise: an unqualified INS is
    never shared)."""
    patient = read_patient(session, patient_id, actor=console.actor)
    session.commit()
    if patient.identity_status != "QUAL" or not patient.ins_matricule or not patient.ins_oid:
        return Response("Identité non qualifiée : pas de DataMatrix INS.", status_code=404)
    data = InsDataMatrix.from_identity(
        check_ins(patient.ins_matricule, patient.ins_oid), traits_of(patient)
    )
    return Response(render_svg(data), media_type="image/svg+xml")


INSI_RETRIEVAL = "recuperation-console"
"""What the console passes as the INSi reference to ask for a retrieval (no INS typed):
the practice rules then call INSi and record the reference of its answer, never this."""


def _identity_page(
    request: Request,
    console: Any,
    patient: Patient,
    *,
    values: dict[str, str],
    error: EsanteError | None = None,
    done: bool = False,
    status: int = 200,
) -> Response:
    return render(
        request,
        console,
        "patients/identity.html",
        status=status,
        title="Qualifier l'identité",
        patient=patient,
        documents=document_types(),
        missing=MISSING.get(patient.identity_status, ()),
        values=values,
        error=error,
        done=done,
        **_context(),
    )


@router.get("/patients/{patient_id}/identite")
def identity_page(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep, fait: str = ""
) -> Response:
    """The identity evidence: the document checked, the INS from the INSi teleservice;
    the status follows (RNIV: PROV, RECUP, VALI, QUAL)."""
    patient = read_patient(session, patient_id, actor=console.actor)
    session.commit()
    return _identity_page(request, console, patient, values={}, done=bool(fait))


@router.post("/patients/{patient_id}/identite")
async def identity_form(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """Record a checked document and/or ask INSi (retrieval, or verification of a typed
    INS) for the signed-in professional; back to the form with the reason when refused."""
    fields = await form_fields(request)
    ask_insi = fields.get("insi") == "oui"
    typed = optional(fields, "ins_matricule")
    try:
        with insi_connection(settings, session, console.actor.practitioner_id) as insi:
            add_identity_evidence(
                session,
                patient_id,
                ins_matricule=typed if ask_insi else None,
                insi_reference=INSI_RETRIEVAL if ask_insi and not typed else None,
                identity_document=optional(fields, "identity_document"),
                guardian_document=optional(fields, "guardian_document"),
                actor=console.actor,
                insi=insi,
            )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        patient = read_patient(session, patient_id, actor=console.actor)
        session.commit()
        return _identity_page(request, console, patient, values=fields, error=exc, status=422)
    return RedirectResponse(f"/patients/{patient_id}/identite?fait=1", status_code=303)
