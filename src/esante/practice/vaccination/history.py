"""The patient's vaccination history: the vaccines given here and those read from received
vaccination notes, each with its provenance.

A VAC-NOTE (CI-SIS « Note de vaccination » 2023.01, LOINC 87273-9) imported from the DMP
or received by MSSanté is compiled into ``vaccination`` rows (source ``dmp`` /
``mssante``, with the note's uniqueId): one per FR-Vaccination entry
(``substanceAdministration`` templateId ``1.2.250.1.213.1.1.3.45``) given
(``negationInd`` not true) — vaccine (CIS, ATC translation), date, lot, expiry, route,
site, dose rank (FR-Rang-vaccination ``1.2.250.1.213.1.1.3.82``). A note is compiled once;
the same injection already recorded (same day, same CIS or ATC, same lot) is not added
twice. The schedule (:mod:`.schedule`) counts every row.
"""

from __future__ import annotations

from datetime import date, datetime

from lxml.etree import _Element as Element
from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.cda import vocabulary as v
from esante.cda.errors import CdaReadError
from esante.cda.read import read_document
from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination.catalogue import ANTIGEN_OF, Vaccine, valences_of_atc
from esante.practice.vaccination.schedule import GivenDose
from esante.store import Document
from esante.store.base import utcnow
from esante.store.repositories import PatientRepository
from esante.store.vaccination_models import Vaccination

VAC_NOTE_TYPE = "87273-9"
IMMUNIZATION_ENTRY = "1.2.250.1.213.1.1.3.45"
DOSE_RANK_ENTRY = "1.2.250.1.213.1.1.3.82"
_PROVENANCE_SOURCE = {"dmp": "dmp", "mssante": "mssante"}


def _templates(el: Element) -> set[str]:
    return {t.get("root", "") for t in el.findall("h:templateId", v.NS)}


def _day(el: Element | None) -> date | None:
    value = None if el is None else el.get("value")
    if not value or len(value) < 8 or not value[:8].isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def _entry_row(sbadm: Element, patient_id: int, document: Document) -> Vaccination | None:
    material = sbadm.find("h:consumable/h:manufacturedProduct/h:manufacturedMaterial", v.NS)
    code = None if material is None else material.find("h:code", v.NS)
    when = _day(sbadm.find("h:effectiveTime", v.NS))
    if code is None or when is None or sbadm.get("negationInd") == "true":
        return None
    system = code.get("codeSystem")
    cis = code.get("code") if system == v.CIS else None
    atc = code.get("code") if system == v.ATC else None
    for translation in code.findall("h:translation", v.NS):
        if translation.get("codeSystem") == v.ATC:
            atc = translation.get("code")
    name_el = material.find("h:name", v.NS) if material is not None else None
    name = code.get("displayName") or (name_el.text if name_el is not None else None)
    rank = None
    for observation in sbadm.findall("h:entryRelationship/h:observation", v.NS):
        value = observation.find("h:value", v.NS)
        if DOSE_RANK_ENTRY in _templates(observation) and value is not None:
            raw = value.get("value", "")
            rank = int(raw) if raw.isdigit() else None
    lot = material.find("h:lotNumberText", v.NS) if material is not None else None
    expiry = material.find("pharm:expirationTime", v.NS) if material is not None else None
    route = sbadm.find("h:routeCode", v.NS)
    site = sbadm.find("h:approachSiteCode", v.NS)
    return Vaccination(
        patient_id=patient_id,
        administered_on=when,
        vaccine_name=(name or cis or atc or "Vaccin")[:300],
        cis=cis,
        atc=atc,
        valences=" ".join(valences_of_atc(atc)),
        lot=(lot.text or "").strip()[:20] or None if lot is not None else None,
        expiry=_day(expiry),
        dose_rank=rank,
        route_code=None if route is None else route.get("code"),
        route_label=None if route is None else route.get("displayName"),
        site_code=None if site is None else site.get("code"),
        site_label=None if site is None else site.get("displayName"),
        performer_name=(document.source_author or None),
        source=_PROVENANCE_SOURCE.get(document.provenance, "dmp"),
        document_id=document.id,
        source_document_unique_id=document.unique_id,
    )


def _key(row: Vaccination) -> tuple[date, str | None, str | None]:
    return (row.administered_on, row.cis or row.atc, (row.lot or "").upper() or None)


def compile_received_notes(
    session: Session, patient_id: int, *, now: datetime | None = None
) -> int:
    """Compile the received VAC-NOTEs of the patient not compiled yet; the number of
    vaccinations added. A note that cannot be read is skipped (it stays in the record)."""
    received = session.scalars(
        select(Document).where(
            Document.patient_id == patient_id,
            Document.type_code == VAC_NOTE_TYPE,
            Document.provenance.in_(tuple(_PROVENANCE_SOURCE)),
        )
    ).all()
    if not received:
        return 0
    rows = session.scalars(select(Vaccination).where(Vaccination.patient_id == patient_id)).all()
    compiled = {r.source_document_unique_id for r in rows if r.source != "local"}
    known = {_key(r) for r in rows}
    added = 0
    for document in received:
        if document.unique_id in compiled:
            continue
        try:
            root = read_document(document.content).root
        except CdaReadError:
            continue
        for sbadm in root.iterfind(".//h:entry/h:substanceAdministration", v.NS):
            if IMMUNIZATION_ENTRY not in _templates(sbadm):
                continue
            row = _entry_row(sbadm, patient_id, document)
            if row is None or _key(row) in known:
                continue
            row.recorded_at = now or utcnow()
            session.add(row)
            known.add(_key(row))
            added += 1
    session.flush()
    return added


def patient_vaccinations(session: Session, patient_id: int) -> list[Vaccination]:
    """Every vaccination recorded for the patient, oldest first (no check, no trace)."""
    return list(
        session.scalars(
            select(Vaccination)
            .where(Vaccination.patient_id == patient_id)
            .order_by(Vaccination.administered_on, Vaccination.id)
        )
    )


def antigens_of(row: Vaccination) -> frozenset[str]:
    """The antigens a recorded vaccination counts for (its valences, else its ATC's)."""
    valences = row.valences.split() or list(valences_of_atc(row.atc))
    return frozenset(ANTIGEN_OF.get(x, x) for x in valences)


def given_doses(rows: list[Vaccination]) -> list[GivenDose]:
    return [GivenDose(r.administered_on, antigens_of(r)) for r in rows]


def vaccination_history(session: Session, actor: Actor, patient_id: int) -> list[Vaccination]:
    """The patient's vaccinations as ``actor`` reads them (``documents:read`` checked, the
    read traced as ``patients:read``); received notes are compiled first. Raises
    :class:`~esante.store.NotFoundError`, :class:`~esante.practice.access.AccessDeniedError`."""
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "documents:read", patient, traced_as="patients:read")
    compile_received_notes(session, patient_id)
    rows = patient_vaccinations(session, patient_id)
    trace.record(session, actor, "patients:read", [patient], detail="vaccinations")
    return rows


def record_past_vaccination(
    session: Session,
    actor: Actor,
    patient_id: int,
    vaccine: Vaccine,
    administered_on: date,
    *,
    lot: str | None = None,
    dose_rank: int | None = None,
    comment: str | None = None,
    now: datetime | None = None,
) -> Vaccination:
    """Copy a vaccination from the paper carnet de santé into the record (source
    ``carnet``; no VAC-NOTE: it was not given here). ``documents:write`` is checked and
    the change traced as ``patients:update``; not committed. Raises
    :class:`PracticeValidationError` (date in the future or before birth, lot too long,
    same injection already recorded), :class:`~esante.store.NotFoundError`,
    :class:`~esante.practice.access.AccessDeniedError`."""
    now = now or utcnow()
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "documents:write", patient, traced_as="patients:update")
    if administered_on > now.astimezone(v.PARIS).date() or administered_on < patient.birth_date:
        raise PracticeValidationError(
            "Date de vaccination impossible (dans le futur ou avant la naissance).",
            detail=f"administered_on {administered_on}, birth {patient.birth_date}",
            field="administered_on",
        )
    if lot is not None and len(lot.strip()) > 20:
        raise PracticeValidationError(
            "Numéro de lot trop long (20 caractères au plus).", detail=lot, field="lot"
        )
    row = Vaccination(
        patient_id=patient_id,
        administered_on=administered_on,
        vaccine_name=vaccine.name[:300],
        cis=vaccine.cis,
        atc=vaccine.atc,
        valences=" ".join(vaccine.valences),
        lot=(lot or "").strip() or None,
        dose_rank=dose_rank,
        comment=comment,
        source="carnet",
        recorded_by=actor.actor_id[:40],
        recorded_at=now,
    )
    same = [r for r in patient_vaccinations(session, patient_id) if _key(r) == _key(row)]
    if same:
        raise PracticeValidationError(
            f"Cette vaccination figure déjà dans le dossier ({vaccine.name}, "
            f"{administered_on:%d/%m/%Y}).",
            detail=f"vaccination {same[0].id} has the same day, vaccine and lot",
            field="administered_on",
        )
    session.add(row)
    session.flush()
    trace.record(session, actor, "patients:update", [patient], detail="vaccination (carnet)")
    return row


def provenance_label(row: Vaccination) -> str:
    """Where the record of a vaccination comes from, in French."""
    if row.source == "local":
        who = f" par {row.performer_name}" if row.performer_name else ""
        return f"administré au cabinet{who}"
    if row.source == "carnet":
        return f"recopié du carnet de santé le {row.recorded_at.astimezone(v.PARIS):%d/%m/%Y}"
    origin = "du DMP" if row.source == "dmp" else "d'un message MSSanté"
    author = f" ({row.performer_name})" if row.performer_name else ""
    return f"importé {origin}, note de vaccination{author}"


__all__ = [
    "antigens_of",
    "compile_received_notes",
    "given_doses",
    "patient_vaccinations",
    "provenance_label",
    "record_past_vaccination",
    "vaccination_history",
]
