"""The vaccination note (VAC-NOTE), prefilled from the record and the scanned box.

CI-SIS « Note de vaccination » 2023.01 (SC.CDA/DD.23) prefilled as SC.VACC/NOTE.05 asks:
the patient and the signed-in professional (author and vaccinator) from the record, the
date of the day, the vaccine, lot and expiry from the box's DataMatrix, the route and
site by age (intramuscular; anterolateral thigh before 2 years, deltoid after, sides
alternating when several injections are given the same day — calendrier des
vaccinations 2025, technique d'injection; rotavirus vaccines by mouth) and the dose rank
from the history and the schedule. The professional may change any field; validation
builds the note (:func:`esante.cda.build.vac_note.build_vac_note`), checks and stores it
and queues its DMP feed through :func:`esante.practice.documents.validate_document`
(rules of every document), and records the vaccination with its provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from esante.cda import vocabulary as v
from esante.cda.build.document import BuiltDocument
from esante.cda.build.vac_note import TYPE_CODE, VacNoteContent, build_vac_note
from esante.cda.clinical import Immunization
from esante.cda.examples.vaccination import injection_site
from esante.cda.model import Code
from esante.cda.validate import Validator
from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.documents import ValidatedDocument, validate_document
from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination.catalogue import Vaccine
from esante.practice.vaccination.header import professional, record_header
from esante.practice.vaccination.history import (
    compile_received_notes,
    given_doses,
    patient_vaccinations,
)
from esante.practice.vaccination.resolve import ScanResolution
from esante.practice.vaccination.schedule import calendar_2025, plan
from esante.store import Patient, Practitioner
from esante.store.base import utcnow
from esante.store.repositories import PatientRepository
from esante.store.vaccination_models import Vaccination

INTRAMUSCULAR = Code("20035000", v.EDQM, "Voie intramusculaire", "EDQM")
ORAL = Code("20053000", v.EDQM, "Voie orale", "EDQM")
_ORAL_VALENCES = frozenset({"Rota"})


@dataclass(frozen=True)
class VacNoteDraft:
    """A VAC-NOTE before validation: every field the professional sees and may change."""

    patient_id: int
    author_id: int
    administered_on: date
    vaccine_name: str
    cis: str | None
    atc: str | None
    atc_label: str | None
    valences: tuple[str, ...]
    cip13: str | None = None
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    route_code: str | None = None
    route_label: str | None = None
    site_code: str | None = None
    site_label: str | None = None
    dose_rank: int | None = None
    booster: bool | None = None
    comment: str | None = None
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class RecordedVaccination:
    """A validated note: the vaccination recorded and the stored document with its orders."""

    vaccination: Vaccination
    validated: ValidatedDocument


def _refuse(message: str, field_name: str, detail: str) -> PracticeValidationError:
    return PracticeValidationError(message, detail=detail, field=field_name)


def _author(session: Session, actor: Actor, author_id: int | None) -> Practitioner:
    wanted = author_id if author_id is not None else actor.practitioner_id
    practitioner = None if wanted is None else session.get(Practitioner, wanted)
    if practitioner is None:
        raise _refuse(
            "La note de vaccination est signée par le professionnel qui vaccine : connectez-vous "
            "avec votre compte professionnel (ou indiquez le vaccinateur).",
            "author",
            f"actor {actor.actor_id} has no practitioner; author_id={author_id}",
        )
    return practitioner


def _route_and_site(
    session: Session, patient: Patient, vaccine_antigens: frozenset[str], on: date
) -> tuple[Code, Code | None]:
    if vaccine_antigens & _ORAL_VALENCES:
        return ORAL, None
    same_day = session.scalar(
        select(func.count())
        .select_from(Vaccination)
        .where(Vaccination.patient_id == patient.id, Vaccination.administered_on == on)
    )
    return INTRAMUSCULAR, injection_site(patient.birth_date, on, int(same_day or 0))


def _rank(
    rows: list[Vaccination], birth: date, on: date, antigens: frozenset[str]
) -> tuple[int | None, bool | None, list[str]]:
    """Rank and booster of a dose of these antigens on ``on``, from the history."""
    calendar = calendar_2025()
    current = plan(birth, on, given_doses(rows))
    for state in current.series:
        series = calendar.get(state.series)
        if not (antigens and set(series.product_antigens) <= antigens):
            continue
        notes: list[str] = []
        if state.next is None:
            return len(state.given) + 1, True, notes
        if on < state.next.due_on:
            notes.append(
                f"{series.label} : dose {state.next.rank} prévue à partir du "
                f"{state.next.due_on:%d/%m/%Y} par le calendrier (âge ou intervalle minimal) — "
                "vérifiez avant d'injecter."
            )
        return state.next.rank, state.next.booster, notes
    return None, None, []


def prefill_vac_note(
    session: Session,
    actor: Actor,
    patient_id: int,
    vaccine: Vaccine,
    *,
    scan: ScanResolution | None = None,
    lot: str | None = None,
    expiry: date | None = None,
    on: date | None = None,
    author_id: int | None = None,
) -> VacNoteDraft:
    """The VAC-NOTE of ``vaccine`` given today to the patient, prefilled.

    ``vaccine`` is the scanned box's (``scan.vaccine``) or the one chosen by hand; the
    lot and expiry come from ``scan`` unless given. ``documents:read`` is checked and the
    read of the record traced. Raises :class:`PracticeValidationError` (no professional),
    :class:`~esante.store.NotFoundError`, :class:`~esante.practice.access.AccessDeniedError`.
    """
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "documents:read", patient, traced_as="patients:read")
    author = _author(session, actor, author_id)
    day = on or utcnow().astimezone(v.PARIS).date()
    compile_received_notes(session, patient_id)
    rows = patient_vaccinations(session, patient_id)
    rank, booster, notes = _rank(rows, patient.birth_date, day, vaccine.antigens)
    route, site = _route_and_site(session, patient, vaccine.antigens, day)
    box = scan.box if scan is not None else None
    warnings = list(scan.warnings if scan is not None else ()) + notes
    trace.record(session, actor, "patients:read", [patient], detail="note de vaccination")
    return VacNoteDraft(
        patient_id=patient.id,
        author_id=author.id,
        administered_on=day,
        vaccine_name=vaccine.name,
        cis=vaccine.cis,
        atc=vaccine.atc,
        atc_label=vaccine.atc_label,
        valences=vaccine.valences,
        cip13=box.cip13 if box else None,
        gtin=box.gtin if box else None,
        lot=lot or (box.lot if box else None),
        expiry=expiry or (box.expiry if box else None),
        serial=box.serial if box else None,
        route_code=route.code,
        route_label=route.display,
        site_code=site.code if site else None,
        site_label=site.display if site else None,
        dose_rank=rank,
        booster=booster,
        warnings=tuple(warnings),
    )


def _check(draft: VacNoteDraft, today: date) -> None:
    if not draft.cis or not draft.atc:
        raise _refuse(
            f"Vaccin « {draft.vaccine_name} » : code CIS et classe ATC obligatoires dans la note "
            "de vaccination — importez la base publique des médicaments ou choisissez le vaccin "
            "dans la liste.",
            "vaccine",
            f"cis={draft.cis!r} atc={draft.atc!r}",
        )
    if not draft.lot:
        raise _refuse(
            "Le numéro de lot est obligatoire (traçabilité du vaccin).", "lot", "lot is empty"
        )
    if len(draft.lot) > 20:
        raise _refuse("Numéro de lot trop long (20 caractères au plus).", "lot", draft.lot)
    if draft.administered_on > today:
        raise _refuse(
            "La date de vaccination ne peut pas être dans le futur.",
            "administered_on",
            f"{draft.administered_on} > {today}",
        )
    if draft.expiry is not None and draft.expiry < draft.administered_on:
        raise _refuse(
            f"Lot {draft.lot} périmé le {draft.expiry:%d/%m/%Y}, avant la date de vaccination : "
            "ce vaccin ne doit pas être administré.",
            "expiry",
            f"expiry {draft.expiry} < administered_on {draft.administered_on}",
        )
    if draft.dose_rank is not None and not 1 <= draft.dose_rank <= 20:
        raise _refuse("Rang de dose invalide (1 à 20).", "dose_rank", str(draft.dose_rank))


def _immunization(draft: VacNoteDraft, author: Practitioner) -> Immunization:
    assert draft.cis
    assert draft.atc
    translations = [Code(draft.atc, v.ATC, draft.atc_label or draft.atc, "ATC")]
    if draft.cip13:
        translations.append(Code(draft.cip13, v.CIP, draft.vaccine_name, "CIP"))
    return Immunization(
        vaccine=Code(draft.cis, v.CIS, draft.vaccine_name, "CIS", translations=tuple(translations)),
        date=draft.administered_on,
        lot=draft.lot,
        expiry=draft.expiry,
        route=Code(draft.route_code, v.EDQM, draft.route_label, "EDQM")
        if draft.route_code
        else None,
        site=Code(draft.site_code, v.SNOMED_CT, draft.site_label, "SNOMED CT")
        if draft.site_code
        else None,
        dose_rank=draft.dose_rank,
        booster=draft.booster,
        performer=professional(author),
        comment=draft.comment or None,
    )


def build_note(session: Session, draft: VacNoteDraft, *, now: datetime) -> BuiltDocument:
    """The VAC-NOTE CDA of ``draft`` (checked; not stored). Raises
    :class:`PracticeValidationError` naming the field, or :class:`~esante.cda.CdaBuildError`."""
    _check(draft, now.astimezone(v.PARIS).date())
    patient = PatientRepository(session).get(draft.patient_id)
    author = session.get(Practitioner, draft.author_id)
    if author is None:
        raise _refuse("Vaccinateur inconnu.", "author_id", f"practitioner {draft.author_id}")
    header = record_header(
        patient,
        author,
        type_code=TYPE_CODE,
        title="Note de vaccination",
        service_event=TYPE_CODE,
        when=now.astimezone(v.PARIS),
    )
    return build_vac_note(header, VacNoteContent((_immunization(draft, author),)))


def validate_vac_note(
    session: Session,
    actor: Actor,
    draft: VacNoteDraft,
    *,
    kit: Validator | None = None,
    feed_dmp: bool | None = None,
    now: datetime | None = None,
) -> RecordedVaccination:
    """Build, check (kit when given), store the note and queue its DMP feed
    (:func:`validate_document`), then record the vaccination (source ``local``). The
    caller commits. Raises what :func:`build_note` and :func:`validate_document` raise."""
    now = now or utcnow()
    built = build_note(session, draft, now=now)
    validated = validate_document(
        session,
        built.xml,
        patient_id=draft.patient_id,
        actor=actor,
        author_id=draft.author_id,
        feed_dmp=feed_dmp,
        kit=kit,
        now=now,
    )
    author = session.get(Practitioner, draft.author_id)
    row = Vaccination(
        patient_id=draft.patient_id,
        administered_on=draft.administered_on,
        vaccine_name=draft.vaccine_name[:300],
        cis=draft.cis,
        atc=draft.atc,
        valences=" ".join(draft.valences),
        gtin=draft.gtin,
        lot=draft.lot,
        expiry=draft.expiry,
        serial=draft.serial,
        dose_rank=draft.dose_rank,
        booster=draft.booster,
        route_code=draft.route_code,
        route_label=draft.route_label,
        site_code=draft.site_code,
        site_label=draft.site_label,
        performer_id=draft.author_id,
        performer_name=f"{author.given_name} {author.family_name}" if author else None,
        comment=draft.comment,
        source="local",
        document_id=validated.document.id,
        source_document_unique_id=validated.document.unique_id,
        recorded_by=actor.actor_id[:40],
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    return RecordedVaccination(row, validated)


__all__ = [
    "INTRAMUSCULAR",
    "ORAL",
    "RecordedVaccination",
    "VacNoteDraft",
    "build_note",
    "prefill_vac_note",
    "validate_vac_note",
]
