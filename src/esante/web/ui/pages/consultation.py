"""Consulting Mon espace santé at the console (issue 14, over the library of issue 13).

* ``/patients/{id}/bandeau`` — the Mon espace santé bar, loaded by the record without a
  click (HTMX fragment, or a whole page without script): DICA, counters, a running
  break-glass access with its end (EX_0.2-1050, EX_0.3-1050);
* ``/patients/{id}/dica`` — the DICA window: each condition, its reason and what fixes
  it (identity, consent, TD0.3 authorisation after an explicit tick — EX_0.3-1010 —,
  reconnection with Pro Santé Connect, break-glass with its mandatory reason, the
  180-day notice, retry);
* ``/patients/{id}/consentement`` — the information and consent dialog of the care
  episode (feeding non-opposition pre-checked, consultation never pre-ticked);
* ``/avertissement-dmp`` — the 180-day access notice (SC.DMP/CONF.21) and "J'ai compris";
* ``/patients/{id}/dmp`` — the DMP documents (grouped, flagged, pre-set filters and
  multi-criteria search), ``…/dmp/apercu`` a preview in a sandboxed frame, ``…/dmp/import``
  the multi-select import with each document's outcome;
* ``/patients/{id}/listes`` — the record's structured lists with their provenance, and
  an entry added by hand.

Handlers only read the form, call :mod:`esante.practice` (which checks, traces and
enforces the DICA conditions before every DMP read) and render. A refusal is shown in
French with the link that fixes it, never a stack trace; a DMP outage says "DMP
indisponible" and leaves the record usable (LGC.DMP/UX.10).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from esante.dmp import DmpError, DmpUnavailableError
from esante.errors import EsanteError
from esante.practice.access import AccessDeniedError, allowed
from esante.practice.actor_notice import acknowledge_own_notice, own_practitioner
from esante.practice.consent_dialog import read_dialog, record_dialog
from esante.practice.dica import dica_status
from esante.practice.dmp_access import (
    EMERGENCY_MODES,
    declare_authorization,
    declare_emergency,
    end_emergency,
)
from esante.practice.dmp_import import import_documents
from esante.practice.dmp_reading import (
    PRESETS,
    DocumentFilters,
    list_documents,
    preview_document,
    require_consultation,
)
from esante.practice.dmp_sender import DmpCredential
from esante.practice.errors import (
    AccessNoticeRequiredError,
    ConsentError,
    ConsultationRefusedError,
    PracticeValidationError,
)
from esante.practice.notice import (
    NOTICE_BUTTON_TEXT,
    NOTICE_TEXT,
    last_acknowledgement,
    notice_due,
    notice_due_at,
)
from esante.practice.patients import read_patient
from esante.practice.record_lists import (
    KIND_LABELS,
    KINDS,
    add_item,
    provenance_label,
    record_items,
)
from esante.store.errors import NotFoundError
from esante.store.models import Patient, RecordItem
from esante.terminology import TerminologyError, get_value_set
from esante.trust import AccessMode
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.routes.dmp_bar import dmp_credential
from esante.web.ui.deps import Console, ConsoleDep
from esante.web.ui.forms import FormError, form_fields, optional, parse_day
from esante.web.ui.templating import render

router = APIRouter()

ACTIONS: Final = {
    "qualifier_ins": "Qualifier l'identité du patient",
    "recueillir_consentement": "Recueillir l'information et le consentement du patient",
    "declarer_autorisation": "Déclarer que le patient vous autorise à accéder à son DMP",
    "reconnecter_cps": "Vous reconnecter avec Pro Santé Connect (carte CPS ou e-CPS)",
    "bris_de_glace": "Accéder en mode bris de glace (urgence)",
    "prendre_connaissance_avertissement": "Prendre connaissance de l'avertissement d'accès",
    "reessayer": "Réessayer",
}
"""The French label of each DICA action code (:mod:`esante.practice.dica`)."""
DONE: Final = {
    "autorisation": "Votre autorisation d'accès au DMP du patient est déclarée.",
    "bris_de_glace": "L'accès en urgence au DMP du patient est ouvert.",
    "fin": "L'accès en urgence au DMP du patient est terminé.",
    "consentement": "La décision du patient est enregistrée.",
}
OUTCOMES: Final = {"importe": "Importé", "deja_present": "Déjà présent", "echec": "Échec"}
FEEDING: Final = {
    "non_opposition": "Ne s'oppose pas à l'alimentation de son DMP / Mon espace santé",
    "opposition": "S'oppose à l'alimentation et à la consultation de son DMP / Mon espace santé",
}
SEARCH_FLAGS: Final = (
    ("archives", "Inclure les documents archivés"),
    ("anciennes_versions", "Inclure les anciennes versions"),
    ("masques", "Seulement les documents masqués aux professionnels"),
    ("invisibles_patient", "Seulement les documents invisibles au patient"),
)
SEARCH_DATES: Final = (
    ("cree", "Date de création"),
    ("acte", "Date de l'acte"),
    ("depose", "Date de dépôt"),
)


def _is_fragment(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def _layout(request: Request) -> str:
    return "consultation/fragment.html" if _is_fragment(request) else "base.html"


def _sessions(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def local_path(value: str | None, default: str = "/patients") -> str:
    """``value`` when it is a path of this service (``/…``, never ``//host`` or a URL),
    else ``default``: the notice sends the user back only within the console."""
    text = (value or "").strip()
    if (
        not text.startswith("/")
        or text.startswith(("//", "/\\"))
        or len(text) > 500
        or any(ord(c) < 32 or c == "\\" for c in text)
    ):
        return default
    return text


def action_href(action: str | None, patient_id: int, back: str) -> str | None:
    """Where the console fixes a DICA condition (the action codes of
    :mod:`esante.practice.dica`); None when nothing the user can do."""
    window = f"/patients/{patient_id}/dica"
    return {
        "qualifier_ins": f"/patients/{patient_id}/identite",
        "recueillir_consentement": f"/patients/{patient_id}/consentement",
        "declarer_autorisation": f"{window}#autorisation",
        "reconnecter_cps": f"{window}#reconnexion",
        "bris_de_glace": f"{window}#bris-de-glace",
        "prendre_connaissance_avertissement": f"/avertissement-dmp?suite={quote(back)}",
        "reessayer": back,
    }.get(action or "")


def _common(patient_id: int, back: str) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "actions": ACTIONS,
        "action_href": action_href,
        "back": back,
        "emergency_modes": {m.value: label for m, label in EMERGENCY_MODES.items()},
    }


def _refusal(
    request: Request,
    console: Console,
    session: Session,
    patient_id: int,
    exc: EsanteError,
    *,
    back: str,
) -> Response:
    """A refused or failed DMP action as a page: the French reason and the fixing link."""
    if isinstance(exc, ConsentError):
        session.commit()  # the trace of the refusal (consent.authorize_consultation)
    else:
        session.rollback()
    action: str | None = None
    title = "Consultation du DMP impossible"
    status = 422
    if isinstance(exc, ConsultationRefusedError):
        action, status = exc.action, 403
    elif isinstance(exc, AccessNoticeRequiredError):
        action, status = "prendre_connaissance_avertissement", 403
    elif isinstance(exc, ConsentError):
        status = 403
        if exc.detail == "opposition" and allowed(console.actor, "dmp:break_glass"):
            action = "bris_de_glace"
        elif exc.field == "consultation_consent":
            action = "recueillir_consentement"
    elif isinstance(exc, AccessDeniedError):
        status = 403
    elif isinstance(exc, NotFoundError):
        status = 404
    elif isinstance(exc, DmpError):
        title, status, action = "DMP indisponible", 503, "reessayer"
    return render(
        request,
        console,
        "consultation/refus.html",
        status=status,
        title=title,
        layout=_layout(request),
        heading=title,
        error=exc,
        action=action,
        **_common(patient_id, back),
    )


def _configured(dmp: DmpCredential | None) -> DmpCredential:
    """The DMP client, or DMP indisponible when the service configures none."""
    if dmp is None:
        raise DmpUnavailableError(
            "Aucun DMP n'est configuré pour ce service : la consultation est impossible.",
            detail="no DMP client resolves from the settings (ESANTE_SERVICES / sandbox)",
        )
    return dmp


def _patient(session: Session, console: Console, patient_id: int) -> Patient:
    patient = read_patient(session, patient_id, actor=console.actor)
    session.commit()
    return patient


def _name(patient: Patient) -> str:
    given = patient.first_given_name or patient.birth_given_names
    return f"{patient.birth_family_name} {given}".strip()


# --------------------------------------------------------------------------- the bar


@router.get("/patients/{patient_id}/bandeau")
def bar_page(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """The Mon espace santé bar: computed without a click, never an error page for the
    DMP's sake (a DMP that does not answer is a KO "D" — DMP indisponible)."""
    with dmp_credential(settings) as dmp:
        bar = dica_status(session, console.actor, patient_id, dmp=dmp)
    session.commit()
    fragment = _is_fragment(request)
    return render(
        request,
        console,
        "consultation/bandeau.html",
        title="Mon espace santé",
        layout=_layout(request),
        level=2 if fragment else 1,
        bar=bar,
        **_common(patient_id, f"/patients/{patient_id}"),
    )


@router.get("/patients/{patient_id}/dica")
def dica_page(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
    fait: str = "",
) -> Response:
    """The DICA window: each condition, its reason and what fixes it."""
    patient = _patient(session, console, patient_id)
    return _dica(request, session, settings, console, patient, done=DONE.get(fait))


def _dica(
    request: Request,
    session: Session,
    settings: Any,
    console: Console,
    patient: Patient,
    *,
    done: str | None = None,
    error: EsanteError | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with dmp_credential(settings) as dmp:
        bar = dica_status(session, console.actor, patient.id, dmp=dmp)
    session.commit()
    c = bar.c
    offer_break_glass = allowed(console.actor, "dmp:break_glass") and (
        c.action in ("bris_de_glace", "recueillir_consentement", "declarer_autorisation")
    )
    return render(
        request,
        console,
        "consultation/dica.html",
        status=status,
        title="Accès au DMP",
        patient=patient,
        name=_name(patient),
        bar=bar,
        done=done,
        error=error,
        values=values or {},
        offer_break_glass=offer_break_glass,
        **_common(patient.id, f"/patients/{patient.id}/dica"),
    )


@router.post("/patients/{patient_id}/autorisation-dmp")
async def authorization_form(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """TD0.3 after the professional ticked "Le patient m'autorise…" (EX_0.3-1010)."""
    fields = await form_fields(request)
    confirmed = fields.get("confirme") == "oui"
    patient = _patient(session, console, patient_id)
    try:
        with dmp_credential(settings) as dmp:
            credential = _configured(dmp)
            read = require_consultation(session, console.actor, patient_id, dmp=credential)
            declare_authorization(
                session,
                console.actor,
                patient_id,
                dmp=credential,
                confirmed=confirmed,
                ins=read.ins,
            )
        session.commit()
    except ConsentError as exc:
        session.commit()
        return _dica(request, session, settings, console, patient, error=exc, status=403)
    except EsanteError as exc:
        session.rollback()
        return _dica(request, session, settings, console, patient, error=exc, status=422)
    return RedirectResponse(f"/patients/{patient_id}/dica?fait=autorisation", status_code=303)


@router.post("/patients/{patient_id}/bris-de-glace")
async def break_glass_form(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """Open a break-glass (or centre 15) access with its mandatory reason."""
    fields = await form_fields(request)
    patient = _patient(session, console, patient_id)
    try:
        declare_emergency(
            session,
            console.actor,
            patient_id,
            reason=optional(fields, "motif"),
            mode=fields.get("mode", AccessMode.BRIS_DE_GLACE.value),
        )
        session.commit()
    except ConsentError as exc:
        session.commit()  # the trace of the refusal
        return _dica(
            request, session, settings, console, patient, error=exc, values=fields, status=403
        )
    except EsanteError as exc:
        session.rollback()
        status = 403 if isinstance(exc, AccessDeniedError) else 422
        return _dica(
            request, session, settings, console, patient, error=exc, values=fields, status=status
        )
    return RedirectResponse(f"/patients/{patient_id}/dica?fait=bris_de_glace", status_code=303)


@router.post("/patients/{patient_id}/bris-de-glace/fin")
def end_break_glass_form(patient_id: int, session: SessionDep, console: ConsoleDep) -> Response:
    """End the running emergency access now."""
    end_emergency(session, console.actor, patient_id)
    session.commit()
    return RedirectResponse(f"/patients/{patient_id}/dica?fait=fin", status_code=303)


# --------------------------------------------------------------------------- consent


def _consent_page(
    request: Request,
    session: Session,
    console: Console,
    patient: Patient,
    *,
    values: dict[str, str] | None = None,
    error: EsanteError | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    dialog = read_dialog(session, console.actor, patient.id)
    practitioner = console.actor.practitioner_id
    notice = practitioner is not None and notice_due(session, practitioner)
    session.commit()
    if values is None:
        values = {"alimentation": dialog.state.feeding}
    return render(
        request,
        console,
        "consultation/consentement.html",
        status=status,
        title="Information et consentement",
        patient=patient,
        name=_name(patient),
        dialog=dialog,
        values=values,
        error=error,
        done=done,
        feeding_choices=FEEDING,
        notice_due=notice,
        notice_text=NOTICE_TEXT,
        notice_button=NOTICE_BUTTON_TEXT,
        **_common(patient.id, f"/patients/{patient.id}/consentement"),
    )


@router.get("/patients/{patient_id}/consentement")
def consent_page(
    patient_id: int,
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    fait: str = "",
) -> Response:
    """The information and consent dialog of today's care episode."""
    patient = _patient(session, console, patient_id)
    return _consent_page(request, session, console, patient, done=DONE.get(fait))


@router.post("/patients/{patient_id}/consentement")
async def consent_form(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """Record what the patient said (informed, feeding, consultation, opposition)."""
    fields = await form_fields(request)
    patient = _patient(session, console, patient_id)
    feeding = fields.get("alimentation", "non_opposition")
    consent: bool | None = None
    if fields.get("consultation") == "oui":
        consent = True
    elif fields.get("retrait") == "oui":
        consent = False
    try:
        if feeding not in FEEDING:
            raise FormError("Choisissez l'alimentation du DMP.", field="alimentation")
        record_dialog(
            session,
            console.actor,
            patient_id,
            informed=fields.get("informe") == "oui",
            feeding="opposition" if feeding == "opposition" else "non_opposition",
            consultation_consent=consent,
            by_legal_representative=fields.get("representant") == "oui",
            note=optional(fields, "note"),
        )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        status = 403 if isinstance(exc, AccessDeniedError) else 422
        return _consent_page(
            request, session, console, patient, values=fields, error=exc, status=status
        )
    return RedirectResponse(f"/patients/{patient_id}/consentement?fait=consentement", 303)


# --------------------------------------------------------------------------- the notice


@router.get("/avertissement-dmp")
def notice_page(
    request: Request, session: SessionDep, console: ConsoleDep, suite: str = ""
) -> Response:
    """The 180-day DMP access notice of the signed-in professional (SC.DMP/CONF.21)."""
    back = local_path(suite)
    try:
        practitioner = own_practitioner(console.actor)
    except AccessDeniedError as exc:
        return render(
            request,
            console,
            "consultation/refus.html",
            status=403,
            title="Avertissement d'accès au DMP",
            layout="base.html",
            heading="Avertissement d'accès au DMP",
            error=exc,
            action=None,
            patient_id=None,
            actions=ACTIONS,
            action_href=action_href,
            back=back,
            emergency_modes={},
        )
    return render(
        request,
        console,
        "consultation/avertissement.html",
        title="Avertissement d'accès au DMP",
        due=notice_due(session, practitioner),
        due_at=notice_due_at(session, practitioner),
        last=last_acknowledgement(session, practitioner),
        notice_text=NOTICE_TEXT,
        notice_button=NOTICE_BUTTON_TEXT,
        suite=back,
    )


@router.post("/avertissement-dmp")
async def notice_form(request: Request, session: SessionDep, console: ConsoleDep) -> Response:
    """Record "J'ai compris" for the signed-in professional, then back where they were."""
    fields = await form_fields(request)
    acknowledge_own_notice(session, console.actor)
    session.commit()
    return RedirectResponse(local_path(fields.get("suite")), status_code=303)


# --------------------------------------------------------------------------- DMP documents


def _options(value_set: str) -> list[tuple[str, str]]:
    try:
        concepts = get_value_set(value_set).concepts
    except TerminologyError:
        return []
    return sorted(((c.code, c.display or c.code) for c in concepts), key=lambda c: c[1].lower())


def _search_values(query: Any) -> dict[str, Any]:
    """The search form's values as typed (GET query string), to show them back."""
    values: dict[str, Any] = {k: query.get(k, "") for k in ("filtre", "auteur")}
    for name in ("type", "classe", "format", "cadre"):
        values[name] = tuple(v for v in query.getlist(name) if v.strip())
    for prefix, _ in SEARCH_DATES:
        for suffix in ("depuis", "jusqu_au"):
            values[f"{prefix}_{suffix}"] = query.get(f"{prefix}_{suffix}", "")
    for name, _ in SEARCH_FLAGS:
        values[name] = query.get(name) == "oui"
    return values


def _filters(values: dict[str, Any]) -> DocumentFilters:
    """The list's filters (FormError naming a badly typed date)."""
    days: dict[str, date | None] = {}
    for prefix, label in SEARCH_DATES:
        for suffix, bound in (("depuis", "à partir du"), ("jusqu_au", "jusqu'au")):
            key = f"{prefix}_{suffix}"
            days[key] = parse_day(values[key], key, f"{label} ({bound})")
    return DocumentFilters(
        preset=values["filtre"] or None,
        type_codes=values["type"],
        class_codes=values["classe"],
        format_codes=values["format"],
        practice_settings=values["cadre"],
        author=values["auteur"].strip() or None,
        created_from=days["cree_depuis"],
        created_to=days["cree_jusqu_au"],
        service_from=days["acte_depuis"],
        service_to=days["acte_jusqu_au"],
        submitted_from=days["depose_depuis"],
        submitted_to=days["depose_jusqu_au"],
        include_archived=values["archives"],
        include_deprecated=values["anciennes_versions"],
        masked=values["masques"],
        invisible_to_patient=values["invisibles_patient"],
    )


@router.get("/patients/{patient_id}/dmp")
def dmp_page(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """The patient's DMP documents (checked, traced; opening it is the visit)."""
    back = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    patient = _patient(session, console, patient_id)
    error: EsanteError | None = None
    listing = None
    values = _search_values(request.query_params)
    try:
        filters = _filters(values)
        with dmp_credential(settings) as dmp:
            listing = list_documents(
                session,
                console.actor,
                patient_id,
                dmp=_configured(dmp),
                filters=filters,
                sessions=_sessions(request),
            )
    except PracticeValidationError as exc:
        session.rollback()
        error = exc  # the search form, shown again with the field named
    except EsanteError as exc:
        return _refusal(request, console, session, patient_id, exc, back=back)
    types = sorted(
        {(d.type_code, d.type_label or d.title) for d in listing.documents if d.type_code}
        if listing
        else set(),
        key=lambda t: t[1].lower(),
    )
    return render(
        request,
        console,
        "consultation/dmp.html",
        status=200 if error is None else 422,
        title="Documents du DMP",
        patient=patient,
        name=_name(patient),
        listing=listing,
        error=error,
        values=values,
        presets=PRESETS,
        present_types=types,
        type_options=_options("typeCode"),
        class_options=_options("classCode"),
        format_options=_options("formatCode"),
        setting_options=_options("practiceSettingCode"),
        search_flags=SEARCH_FLAGS,
        search_dates=SEARCH_DATES,
        **_common(patient_id, back),
    )


@router.get("/patients/{patient_id}/dmp/apercu")
def preview_page(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
    uid: str = "",
) -> Response:
    """One DMP document read without importing it, shown in a sandboxed frame."""
    back = f"/patients/{patient_id}/dmp/apercu?uid={quote(uid)}"
    patient = _patient(session, console, patient_id)
    try:
        with dmp_credential(settings) as dmp:
            preview = preview_document(
                session,
                console.actor,
                patient_id,
                uid,
                dmp=_configured(dmp),
                sessions=_sessions(request),
            )
    except EsanteError as exc:
        return _refusal(request, console, session, patient_id, exc, back=back)
    source = f"/api/patients/{patient_id}/dmp/documents/{quote(uid, safe='')}"
    return render(
        request,
        console,
        "consultation/apercu.html",
        title=f"Aperçu : {preview.document.title}",
        patient=patient,
        name=_name(patient),
        document=preview.document,
        html_src=f"{source}/html",
        pdf_src=f"{source}/pdf" if preview.pdf is not None else None,
        access_mode=preview.access_mode,
        **_common(patient_id, back),
    )


@router.post("/patients/{patient_id}/dmp/import")
async def import_form(
    patient_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    console: ConsoleDep,
) -> Response:
    """Import the ticked documents into the record (each one's outcome in French)."""
    form = await request.form()
    uids: Sequence[str] = [v.strip() for v in form.getlist("uid") if isinstance(v, str)]
    back = f"/patients/{patient_id}/dmp"
    patient = _patient(session, console, patient_id)
    try:
        with dmp_credential(settings) as dmp:
            report = import_documents(
                session,
                console.actor,
                patient_id,
                uids,
                dmp=_configured(dmp),
                sessions=_sessions(request),
            )
    except EsanteError as exc:
        return _refusal(request, console, session, patient_id, exc, back=back)
    return render(
        request,
        console,
        "consultation/import.html",
        title="Import de documents du DMP",
        layout=_layout(request),
        patient=patient,
        name=_name(patient),
        report=report,
        outcomes=OUTCOMES,
        **_common(patient_id, back),
    )


# --------------------------------------------------------------------------- the lists


def _lists(
    request: Request,
    session: Session,
    console: Console,
    patient_id: int,
    *,
    values: dict[str, str] | None = None,
    error: EsanteError | None = None,
    status: int = 200,
) -> Response:
    items = record_items(session, console.actor, patient_id)
    session.commit()
    by_kind: dict[str, list[RecordItem]] = {kind: [] for kind in KINDS}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    fragment = _is_fragment(request)
    return render(
        request,
        console,
        "consultation/listes.html",
        status=status,
        title="Problèmes, allergies, traitements",
        layout=_layout(request),
        level=2 if fragment else 1,
        by_kind=by_kind,
        kind_labels=KIND_LABELS,
        provenance=provenance_label,
        can_add=allowed(console.actor, "documents:write"),
        values=values or {"kind": "problem"},
        error=error,
        **_common(patient_id, f"/patients/{patient_id}"),
    )


@router.get("/patients/{patient_id}/listes")
def lists_page(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """The record's problems, history, allergies and treatments with their origin."""
    try:
        return _lists(request, session, console, patient_id)
    except AccessDeniedError as exc:
        return _refusal(request, console, session, patient_id, exc, back=f"/patients/{patient_id}")


@router.post("/patients/{patient_id}/listes")
async def add_item_form(
    patient_id: int, request: Request, session: SessionDep, console: ConsoleDep
) -> Response:
    """Add an entry by hand; back to the record (or the fragment, with HTMX)."""
    fields = await form_fields(request)
    try:
        add_item(
            session,
            console.actor,
            patient_id,
            fields.get("kind", ""),
            fields.get("label", ""),
            optional(fields, "code"),
            optional(fields, "code_system"),
            started_on=parse_day(fields.get("started_on", ""), "started_on", "Date de début"),
            detail=optional(fields, "detail"),
        )
        session.commit()
    except EsanteError as exc:
        session.rollback()
        # an HTMX swap needs a 2xx answer to show the error in place
        status = 200 if _is_fragment(request) else 422
        return _lists(
            request, session, console, patient_id, values=fields, error=exc, status=status
        )
    if _is_fragment(request):
        return _lists(request, session, console, patient_id)
    return RedirectResponse(f"/patients/{patient_id}#listes", status_code=303)
