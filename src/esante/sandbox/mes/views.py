"""What the Mon espace santé pages show, computed from the DMP sandbox (no HTML here).

The patient sees their DMP the way Mon espace santé shows it, with these rules:

* **Documents.** Every document of the record, newest first, with its title, type
  (JDV_J07 label), date, author and status: « Disponible », « Remplacé (obsolète) »,
  « Archivé ». A document masked to professionals (``MASQUE_PS``) is shown to the
  patient — it is their decision — flagged « masqué aux professionnels ». A deleted
  document is not listed. A document **not visible by the patient**
  (``INVISIBLE_PATIENT``: the professional waits for an announcement consultation)
  shows nothing of itself, neither title, type, author nor date: the page only counts
  such documents (« 1 document n'est pas encore visible »), and refuses to open them.
* **Access history.** The latest calls of professionals to the DMP about the patient:
  who (name, profession, RPPS or idNat_PS), when (Europe/Paris time), what (the
  transaction in words), on which document (a document the patient may not see yet is
  not named), the access mode (normal, bris de glace with its justification when the
  DMP recorded one, centre 15) and the outcome. The patient's own readings of this page
  are not logged: the history is about professionals.
* **Vaccinations** compiled from the documents the patient may see that record
  vaccinations — vaccination notes, the CS8 / CS9 / CS24 certificates' Vaccinations
  section, a vaccination history — deduplicated, each with its source document
  (:mod:`~esante.sandbox.mes.vaccinations`); **the child's measurements** from the
  « Mesures de l'enfant » documents, as a table and as **growth curves** on the WHO
  references with a French text alternative (:mod:`~esante.sandbox.mes.measurements`);
  a replaced (obsolete) document is not read again — its replacement is.

The DMP finds a patient by INS matricule, whatever INS OID is given (see
:class:`~esante.sandbox.dmp.DmpService`): the pages are addressed by the matricule alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from esante.cda.clinical import Measurement
from esante.cda.errors import CdaReadError
from esante.cda.read import ReceivedDocument, read_document
from esante.sandbox.dmp import (
    AccessLogEntry,
    AuthorInfo,
    DmpAdmin,
    DmpErrorCode,
    DmpRefusal,
    DocumentRecord,
    Outcome,
    PatientIns,
    PatientRecord,
)
from esante.sandbox.mes import _registry, wording
from esante.sandbox.mes.errors import DocumentUnavailableError, UnknownPatientError
from esante.sandbox.mes.measurements import (
    CURVE_SLUGS,
    MDE_TYPE,
    GrowthCurve,
    GrowthRow,
    growth_curves,
    growth_table,
    read_child_measurements,
)
from esante.sandbox.mes.vaccinations import (
    VACCINATION_TYPES,
    VaccinationRecord,
    VaccineGroup,
    read_vaccinations,
    vaccination_history,
)
from esante.trust.vocabulary import AccessMode
from esante.xds.vocabulary import AvailabilityStatus

__all__ = [
    "AccessLine",
    "DocumentLine",
    "PatientPage",
    "PatientSummary",
    "access_line",
    "growth_chart",
    "patient_document",
    "patient_page",
    "patient_summaries",
    "visible_to_patient",
]

LOOKUP_OID = "1.2.250.1.213.1.4.10"
"""The INS OID the pages ask the DMP with (any INS OID finds the matricule)."""
ACCESS_HISTORY_LIMIT = 200
_CDA_TYPES = frozenset({"text/xml", "application/xml", "application/hl7-cda+xml"})
_READ_AGAIN = frozenset({AvailabilityStatus.APPROVED, AvailabilityStatus.ARCHIVED})
_HIDDEN_DOCUMENT = "un document qui n'est pas encore visible pour vous"


@dataclass(frozen=True)
class PatientSummary:
    """A patient of the sandbox, for the list of patients and the page header."""

    ins: str
    masked_ins: str
    name: str
    open: bool
    closed_on: str | None
    attached_to_mes: bool

    @property
    def status_label(self) -> str:
        """« Ouvert » or « Fermé le … »."""
        return "Ouvert" if self.open else f"Fermé le {self.closed_on}"


@dataclass(frozen=True)
class DocumentLine:
    """A document as listed to the patient (never one hidden from them)."""

    unique_id: str
    title: str
    type_label: str
    created: str
    submitted: str
    author: str
    status: AvailabilityStatus
    status_label: str
    masked: bool
    hidden_from_representatives: bool
    patient_document: bool
    readable: bool


@dataclass(frozen=True)
class AccessLine:
    """One line of « Historique des accès »."""

    when: str
    who: str
    identifier: str
    profession: str | None
    structure: str | None
    action: str
    document: str | None
    access_mode: AccessMode
    mode_label: str
    reason: str | None
    accepted: bool
    outcome: str


@dataclass(frozen=True)
class PatientPage:
    """Everything the patient page shows."""

    patient: PatientSummary
    documents: tuple[DocumentLine, ...]
    hidden_count: int
    accesses: tuple[AccessLine, ...]
    vaccinations: tuple[VaccineGroup, ...]
    growth: tuple[GrowthRow, ...]
    unreadable: tuple[str, ...]
    generated_at: str
    curves: tuple[GrowthCurve, ...] = ()


def visible_to_patient(record: DocumentRecord) -> bool:
    """Whether the patient may see the document (its existence and its content)."""
    return not record.invisible_to_patient and record.status is not AvailabilityStatus.DELETED


def _summary(record: PatientRecord) -> PatientSummary:
    masked = wording.mask_ins(record.patient.value)
    return PatientSummary(
        ins=record.patient.value,
        masked_ins=masked,
        name=wording.full_name(record.given_name, record.family_name) or f"Patient {masked}",
        open=record.open,
        closed_on=wording.french_date(record.closed_at) if record.closed_at else None,
        attached_to_mes=record.attached_to_mes,
    )


def patient_summaries(session: Session) -> tuple[PatientSummary, ...]:
    """The sandbox's patients, by name."""
    records = DmpAdmin(session).list_patients()
    return tuple(sorted((_summary(r) for r in records), key=lambda p: p.name.casefold()))


def _lookup(admin: DmpAdmin, ins: str) -> PatientRecord:
    try:
        return admin.get_patient(PatientIns(ins, LOOKUP_OID))
    except DmpRefusal as refusal:
        if refusal.code in (DmpErrorCode.UNKNOWN_PATIENT, DmpErrorCode.INVALID_REQUEST):
            raise UnknownPatientError(
                "Aucun dossier ne correspond à cet identifiant.",
                detail=f"no DMP for this INS ({refusal.code.value})",
                field="ins",
            ) from refusal
        raise


def _author(authors: Iterable[AuthorInfo], patient_document: bool) -> str:
    if patient_document:
        return "Vous-même"
    described = []
    for author in authors:
        name = wording.full_name(author.given_name, author.family_name)
        parts = [name or author.structure_name or "Auteur non nommé"]
        specialty = wording.specialty_label(author.specialty)
        if specialty:
            parts.append(f"({specialty})")
        described.append(" ".join(parts))
    return ", ".join(described) or "Auteur non renseigné"


def _document_line(record: DocumentRecord) -> DocumentLine:
    return DocumentLine(
        unique_id=record.unique_id,
        title=record.title or record.type_code.display or "Document sans titre",
        type_label=wording.document_type_label(
            record.type_code.code, record.type_code.scheme, record.type_code.display
        ),
        created=wording.french_date(record.creation_time),
        submitted=wording.french_date(record.submission_time),
        author=_author(record.authors, record.patient_document),
        status=record.status,
        status_label=wording.STATUS_LABELS.get(record.status, record.status.value),
        masked=record.masked,
        hidden_from_representatives=record.invisible_to_legal_representatives,
        patient_document=record.patient_document,
        readable=record.mime_type in _CDA_TYPES or record.mime_type == "application/pdf",
    )


def access_line(
    entry: AccessLogEntry,
    documents: dict[str, DocumentRecord] | None = None,
    *,
    reason: str | None = None,
) -> AccessLine:
    """The history line of ``entry``; ``documents`` (by uniqueId) name the document
    concerned unless the patient may not see it; ``reason`` is the bris de glace
    justification (shown only in that mode)."""
    who = entry.actor_name or "Professionnel non nommé"
    identifier = wording.actor_identifier(entry.actor_id)
    if entry.actor_id.startswith("patient:"):
        who, identifier = "Vous-même", "Mon espace santé"
    document = None
    record = (documents or {}).get(entry.document_unique_id or "")
    if record is not None:
        if record.invisible_to_patient:
            document = _HIDDEN_DOCUMENT
        elif record.status is AvailabilityStatus.DELETED:
            document = f"{record.title} (supprimé)"
        else:
            document = record.title
    accepted = entry.outcome is Outcome.ACCEPTED
    return AccessLine(
        when=wording.french_datetime(entry.at),
        who=who,
        identifier=identifier,
        profession=wording.professional_label(entry.actor_profession, entry.actor_specialty),
        structure=entry.actor_structure_id,
        action=wording.action_label(entry.action, entry.transaction),
        document=document,
        access_mode=entry.access_mode,
        mode_label=wording.access_mode_label(entry.access_mode),
        reason=reason if entry.access_mode is AccessMode.BRIS_DE_GLACE else None,
        accepted=accepted,
        outcome="Accepté" if accepted else wording.refusal_label(entry.error_code),
    )


def _reason(entry: AccessLogEntry) -> str | None:
    return entry.access_reason or None


@dataclass(frozen=True)
class _Compiled:
    vaccinations: tuple[VaccineGroup, ...]
    growth: tuple[GrowthRow, ...]
    curves: tuple[GrowthCurve, ...]
    unreadable: tuple[str, ...]


def _compile(
    admin: DmpAdmin,
    patient: PatientIns,
    record: PatientRecord,
    records: Iterable[DocumentRecord],
) -> _Compiled:
    vaccinations: list[VaccinationRecord] = []
    measurements: list[Measurement] = []
    unreadable: list[str] = []
    subject: ReceivedDocument | None = None
    for document_record in records:
        kind = document_record.type_code.code
        if (
            kind not in VACCINATION_TYPES | {MDE_TYPE}
            or document_record.status not in _READ_AGAIN
            or document_record.mime_type not in _CDA_TYPES
        ):
            continue
        content = _registry.document_content(admin.session, patient, document_record.unique_id)
        title = document_record.title or document_record.unique_id
        try:
            document = read_document(content or b"")
            if kind in VACCINATION_TYPES:
                vaccinations.extend(
                    VaccinationRecord(item, document_record.unique_id, title)
                    for item in read_vaccinations(document)
                )
            elif document.level == "N3":
                measurements.extend(read_child_measurements(document))
                subject = subject or document
        except CdaReadError:
            unreadable.append(title)
    birth_date: date | None = record.birth_date
    sex = record.sex
    if subject is not None:  # the DMP may not hold the traits: the documents' patient does
        birth_date = birth_date or subject.patient.birth_date
        sex = sex if sex in ("F", "M") else subject.patient.sex
    curves = (
        growth_curves(measurements, birth_date=birth_date, sex=sex or "")
        if birth_date is not None
        else ()
    )
    return _Compiled(
        vaccination_history(vaccinations), growth_table(measurements), curves, tuple(unreadable)
    )


def patient_page(session: Session, ins: str, *, now: datetime) -> PatientPage:
    """The patient page of ``ins`` (see the module docstring for what it shows).

    Raises :class:`UnknownPatientError` when the sandbox holds no DMP for ``ins``.
    """
    admin = DmpAdmin(session)
    record = _lookup(admin, ins)
    patient = PatientIns(ins, LOOKUP_OID)
    everything = _registry.patient_documents(admin, patient)
    by_id = {r.unique_id: r for r in everything}
    shown = [r for r in everything if visible_to_patient(r)]
    hidden = sum(
        1
        for r in everything
        if r.invisible_to_patient and r.status is not AvailabilityStatus.DELETED
    )
    compiled = _compile(admin, patient, record, shown)
    accesses = tuple(
        access_line(entry, by_id, reason=_reason(entry))
        for entry in admin.access_history(patient, limit=ACCESS_HISTORY_LIMIT)
    )
    return PatientPage(
        patient=_summary(record),
        documents=tuple(_document_line(r) for r in shown),
        hidden_count=hidden,
        accesses=accesses,
        vaccinations=compiled.vaccinations,
        growth=compiled.growth,
        unreadable=compiled.unreadable,
        generated_at=wording.french_datetime(now),
        curves=compiled.curves,
    )


def growth_chart(session: Session, ins: str, slug: str) -> GrowthCurve:
    """The growth curve ``slug`` (``poids``, ``taille``, ``perimetre-cranien``, ``imc``)
    of the patient's visible « Mesures de l'enfant »;
    :func:`~esante.sandbox.mes.measurements.curve_svg` draws it.

    Raises :class:`UnknownPatientError` (no such DMP) or
    :class:`DocumentUnavailableError` (no such curve, or no measure for it).
    """
    admin = DmpAdmin(session)
    record = _lookup(admin, ins)
    patient = PatientIns(ins, LOOKUP_OID)
    shown = [
        r
        for r in _registry.patient_documents(admin, patient)
        if visible_to_patient(r) and r.type_code.code == MDE_TYPE
    ]
    indicator = CURVE_SLUGS.get(slug)
    found = next(
        (c for c in _compile(admin, patient, record, shown).curves if c.indicator == indicator),
        None,
    )
    if found is None:
        raise DocumentUnavailableError(
            "Cette courbe n'existe pas ou aucune mesure ne permet de la tracer.",
            detail=f"no curve {slug!r} for this patient",
            field="curve",
        )
    return found


def patient_document(
    session: Session, ins: str, unique_id: str
) -> tuple[PatientSummary, DocumentRecord, bytes]:
    """The patient, the document's record and its bytes, when the patient may see it.

    Raises :class:`UnknownPatientError` (no such DMP) or
    :class:`DocumentUnavailableError` (no such document for the patient, deleted, or
    not visible by the patient: the three are told apart to nobody).
    """
    admin = DmpAdmin(session)
    patient_record = _lookup(admin, ins)
    patient = PatientIns(ins, LOOKUP_OID)
    record = admin.document(patient, unique_id)
    content = None
    if record is not None and visible_to_patient(record):
        content = _registry.document_content(session, patient, unique_id)
    if record is None or content is None:
        raise DocumentUnavailableError(
            "Ce document n'existe pas ou n'est pas disponible dans votre espace.",
            detail="unknown, deleted or not visible by the patient",
            field="unique_id",
        )
    return _summary(patient_record), record, content
