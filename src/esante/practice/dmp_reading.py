"""Reading a patient's DMP for the signed-in professional: the check before every read,
the document list (grouped, flagged, filtered) and the preview (issue 13 items 3 and 5).

**Before each DMP read** — search, retrieval, import — :func:`require_consultation`
checks the DICA conditions esante can check itself, whatever the interface (REST,
console, CLI): **A**, the actor signed in with a means the DMP accepts (a CPS / e-CPS
through Pro Santé Connect) and their profession may consult; **I**, the INS is
qualified; **C**, the consent rules (notice, consent, opposition) or a running
break-glass access (:mod:`esante.practice.dmp_access`). A refusal raises before
anything is sent, in French, with the DICA letter and the action that fixes it, and is
traced. **D** and the professional's authorisation on the DMP are the DMP's to check:
it refuses, and the refusal comes back as its French error.

**The list** (:func:`list_documents`, TD3.1): the active documents by default; archived,
replaced versions and the masked / invisible filters on request (``dmp-exigences.md``
EX_3.1-1030), each document's state shown (EX_3.1-1080), grouped by class and sorted by
date (SC.CDA/INT.04), each flagged "new since my last visit" and "already in the
record". Opening the list is the professional's visit: the bar's "new documents" count
starts again from now (:func:`esante.practice.dmp_counters.mark_visited`). Nothing is
downloaded with the list (EX_3.2-1010).

**The preview** (:func:`preview_document`, TD3.1b + TD3.2): one document, read without
importing it, rendered as French HTML through the whitelist of
:mod:`esante.cda.render` (an N1 gives its PDF too); the interfaces show it in a
sandboxed frame.

Each search and retrieval appends to the access trace (channel ``dmp``, TD3.1 / TD3.2,
actor, patient, documents, access mode and reason), committed whatever its outcome
(:func:`esante.practice.dmp_consultation.record_consultation`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.cda import CdaReadError
from esante.cda.read import extract_pdf, read_document
from esante.cda.render import render_html
from esante.dmp import Actor as DmpActor
from esante.dmp import DmpError, DocumentList, DocumentQuery, Visibility
from esante.errors import EsanteError
from esante.identity import Ins
from esante.practice import trace
from esante.practice.access import AccessDeniedError
from esante.practice.actors import Actor
from esante.practice.consent import ConsultationAccess, authorize_consultation
from esante.practice.dmp_access import EMERGENCY_MODES, active_emergency, dmp_actor_of
from esante.practice.dmp_consultation import (
    Consultation,
    record_consultation,
    refuse_consultation,
    require_qualified_ins,
)
from esante.practice.dmp_counters import last_visit, mark_visited, new_since_bound
from esante.practice.dmp_sender import DmpCredential
from esante.practice.errors import PracticeValidationError
from esante.store.base import utcnow
from esante.store.models import Document, Patient, Practitioner
from esante.store.repositories import PatientRepository
from esante.terminology import TerminologyError, label
from esante.trust import AccessMode
from esante.xds import AvailabilityStatus, Code, DocumentEntry

__all__ = [
    "PRESETS",
    "DmpRead",
    "DocumentFilters",
    "DocumentGroup",
    "DocumentListing",
    "ListedDocument",
    "Preview",
    "list_documents",
    "preview_document",
    "require_consultation",
]

PARIS: Final = ZoneInfo("Europe/Paris")
PRESETS: Final = {
    "nouveaux": "Nouveaux depuis ma dernière visite",
    "douze_mois": "Les 12 derniers mois",
}
"""The pre-set filters of the list (mission page "Consultation du DMP")."""
WEAK_AUTHENTICATION: Final = (
    "Vous n'êtes pas connecté avec un moyen d'authentification permettant de consulter le "
    "DMP : connectez-vous avec votre carte CPS ou e-CPS (Pro Santé Connect)."
)
N1_FORMATS: Final = frozenset(
    {
        "urn:ihe:iti:xds-sd:pdf:2008",
        "urn:ihe:iti:xds-sd:text:2008",
        "urn:ihe:iti-fr:xds-sd:jpeg:2010",
        "urn:ihe:iti-fr:xds-sd:rtf:2010",
        "urn:ihe:iti-fr:xds-sd:tiff:2010",
    }
)
"""formatCodes of unstructured (N1) bodies (JDV_J10)."""
TYPE_SYSTEM: Final = "2.16.840.1.113883.6.1"
CLASS_SYSTEM: Final = "1.2.250.1.213.1.1.4.1"
FORMAT_SYSTEM: Final = "1.2.250.1.213.1.1.4.2.282"
PRACTICE_SETTING_SYSTEM: Final = "1.2.250.1.213.1.1.4.9"
STATUS_LABELS: Final = {
    AvailabilityStatus.APPROVED: "actif",
    AvailabilityStatus.ARCHIVED: "archivé",
    AvailabilityStatus.DEPRECATED: "version remplacée",
}
MAX_CODES: Final = 20

_pool: Final = ThreadPoolExecutor(max_workers=4, thread_name_prefix="esante-dmp-list")


@dataclass(frozen=True, slots=True)
class DmpRead:
    """A DMP read the practice allowed: the patient, their INS, the access (mode and
    reason for the VIHF), the DMP actor, and the consultation the trace names."""

    patient: Patient
    ins: Ins
    access: ConsultationAccess
    dmp_actor: DmpActor
    consultation: Consultation


def require_consultation(
    session: Session,
    actor: Actor,
    patient_id: int,
    *,
    dmp: DmpCredential,
    mode: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> DmpRead:
    """Check A, I and C for one DMP read of ``actor`` on the patient (see the module).

    ``mode`` / ``reason``: an explicit access mode; by default the professional's running
    break-glass access if any, else normal. Granted: the grant is traced in ``session``
    (the caller commits). Refused: traced and committed, then
    :class:`ConsultationRefusedError` (A, I), :class:`AccessDeniedError` (role) or a
    :class:`~esante.practice.errors.ConsentError` (C) is raised. NotFoundError for an
    unknown patient.
    """
    at = now or utcnow()
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "dmp:consult", patient, traced_as="dmp:consult")
    if actor.kind != "psc":
        raise refuse_consultation(
            session,
            actor,
            patient,
            WEAK_AUTHENTICATION,
            condition="A",
            action="reconnecter_cps",
            detail=f"{actor.kind} actor: no CPS / e-CPS authentication",
        )
    if actor.practitioner_id is None:
        raise AccessDeniedError(
            "La consultation du DMP est réservée aux professionnels enregistrés dans ce cabinet.",
            detail=f"{actor.kind} actor {actor.actor_id!r} has no practitioner row",
        )
    ins = require_qualified_ins(session, actor, patient)
    if mode is None:
        running = active_emergency(session, actor.practitioner_id, patient.id, now=at)
        if running is not None:
            mode, reason = running.mode, running.reason
    access = authorize_consultation(
        session, patient.id, actor=actor, mode=mode or AccessMode.NORMAL, reason=reason, now=at
    )
    practitioner = session.get_one(Practitioner, actor.practitioner_id)
    return DmpRead(
        patient=patient,
        ins=ins,
        access=access,
        dmp_actor=dmp_actor_of(session, actor, dmp),
        consultation=Consultation(patient, practitioner, access, actor.origin or "inconnue"),
    )


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True, slots=True)
class DocumentFilters:
    """What the professional asks of the list; every filter left empty is not applied.

    Codes are the official codes (typeCode JDV_J07, classCode JDV_J06, formatCode
    JDV_J10, practiceSettingCode JDV_J04). Dates are days (Europe/Paris), inclusive.
    ``author``: the author's idNat_PS. ``masked`` / ``invisible_to_patient``: keep only
    the documents with that visibility. ``preset``: one of :data:`PRESETS`.
    """

    preset: str | None = None
    type_codes: tuple[str, ...] = ()
    class_codes: tuple[str, ...] = ()
    format_codes: tuple[str, ...] = ()
    practice_settings: tuple[str, ...] = ()
    author: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    service_from: date | None = None
    service_to: date | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    include_archived: bool = False
    include_deprecated: bool = False
    masked: bool = False
    invisible_to_patient: bool = False


def _check_codes(values: tuple[str, ...], name: str) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(cleaned) > MAX_CODES or any(len(v) > 100 for v in cleaned):
        raise PracticeValidationError(
            f"Trop de codes ou code trop long dans le filtre « {name} ».",
            detail=f"{name}: at most {MAX_CODES} codes of 100 characters",
            field=name,
        )
    return cleaned


def _type_code(code: str) -> Code:
    try:
        system = label_system("typeCode", code)
    except TerminologyError:
        system = TYPE_SYSTEM
    return Code(code, system)


def label_system(value_set: str, code: str) -> str:
    """The code system of ``code`` in ``value_set`` (TerminologyError when unknown)."""
    from esante.terminology import concept

    return concept(value_set, code).code_system_oid


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def query_of(filters: DocumentFilters, *, today: date, visited: datetime | None) -> DocumentQuery:
    """The TD3.1 query of ``filters`` (presets resolved against ``today`` and the last
    visit). Raises PracticeValidationError for an unknown preset or bad codes."""
    if filters.preset is not None and filters.preset not in PRESETS:
        raise PracticeValidationError(
            f"Filtre « {filters.preset} » inconnu : {', '.join(PRESETS)}.",
            detail=f"preset {filters.preset!r}",
            field="preset",
        )
    author = (filters.author or "").strip()
    if author and (len(author) > 40 or not author.isalnum()):
        raise PracticeValidationError(
            "Auteur invalide : indiquez son identifiant national (RPPS).",
            detail=f"author {author!r}",
            field="author",
        )
    created_from = filters.created_from
    if filters.preset == "douze_mois":
        bound = _year_before(today)
        created_from = max(created_from, bound) if created_from else bound
    submitted_from: date | datetime | None = filters.submitted_from
    if filters.preset == "nouveaux" and visited is not None:
        submitted_from = new_since_bound(visited)
    visibility: list[Visibility] = []
    if filters.masked:
        visibility.append(Visibility.MASKED_TO_PROFESSIONALS)
    if filters.invisible_to_patient:
        visibility.append(Visibility.INVISIBLE_TO_PATIENT)
    return DocumentQuery(
        type_codes=tuple(_type_code(c) for c in _check_codes(filters.type_codes, "type")),
        class_codes=tuple(
            Code(c, CLASS_SYSTEM) for c in _check_codes(filters.class_codes, "classe")
        ),
        format_codes=tuple(
            Code(c, FORMAT_SYSTEM) for c in _check_codes(filters.format_codes, "format")
        ),
        practice_setting_codes=tuple(
            Code(c, PRACTICE_SETTING_SYSTEM)
            for c in _check_codes(filters.practice_settings, "cadre")
        ),
        authors=(f"{author}^%",) if author else (),
        created_from=created_from,
        created_to=filters.created_to,
        service_from=filters.service_from,
        service_to=filters.service_to,
        submitted_from=submitted_from,
        submitted_to=filters.submitted_to,
        visibility=tuple(visibility),
        include_archived=filters.include_archived,
        include_deprecated=filters.include_deprecated,
    )


# --------------------------------------------------------------------------- the list


@dataclass(frozen=True, slots=True)
class ListedDocument:
    """One document of the list with what the professional needs to choose it."""

    unique_id: str
    entry_uuid: str
    repository_id: str | None
    title: str
    type_code: str | None
    type_label: str | None
    class_code: str | None
    class_label: str
    author: str | None
    author_profession: str | None
    created_at: datetime | None
    service_start: datetime | None
    service_stop: datetime | None
    format_code: str | None
    level: str
    status: str
    masked: bool
    invisible_to_patient: bool
    invisible_to_legal_representatives: bool
    new: bool
    local_document_id: int | None

    @property
    def archived(self) -> bool:
        """Archived in the DMP."""
        return self.status == STATUS_LABELS[AvailabilityStatus.ARCHIVED]

    @property
    def deprecated(self) -> bool:
        """Replaced by a newer version."""
        return self.status == STATUS_LABELS[AvailabilityStatus.DEPRECATED]

    @property
    def imported(self) -> bool:
        """Already in the local record (imported, or produced here and sent)."""
        return self.local_document_id is not None


@dataclass(frozen=True, slots=True)
class DocumentGroup:
    """The documents of one class (JDV_J06), newest first."""

    class_code: str | None
    label: str
    documents: tuple[ListedDocument, ...]


@dataclass(frozen=True, slots=True)
class DocumentListing:
    """The answer of :func:`list_documents`."""

    patient_id: int
    groups: tuple[DocumentGroup, ...]
    total: int
    new: int
    last_visit_at: datetime | None
    access_mode: str
    access_reason: str | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def documents(self) -> tuple[ListedDocument, ...]:
        """Every document, group after group."""
        return tuple(d for g in self.groups for d in g.documents)


def dtm(value: str | None) -> datetime | None:
    """An XDS DTM (UTC) as an aware datetime."""
    if not value or not value[:8].isdigit():
        return None
    digits = value.strip()[:14]
    try:
        return datetime.strptime(digits.ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _label(value_set: str, code: Code | None) -> str | None:
    if code is None:
        return None
    try:
        return label(value_set, code.code)
    except TerminologyError:
        return code.display or code.code


def _author(entry: DocumentEntry) -> tuple[str | None, str | None]:
    for author in entry.authors:
        person = author.person
        if person is None or not (person.family_name or person.given_name):
            continue
        name = " ".join(p for p in (person.given_name, person.family_name.upper()) if p)
        profession = None
        for specialty in author.specialties:
            profession_code = specialty.code.split("/")[0].removeprefix("G15_")
            try:
                profession = label("G15", profession_code)
            except TerminologyError:
                profession = specialty.display or None
            break
        return name, profession
    return None, None


def listed(entry: DocumentEntry, *, new: bool, local_id: int | None) -> ListedDocument:
    """The list row of one DMP entry."""
    status = entry.availability_status or AvailabilityStatus.APPROVED
    author, profession = _author(entry)
    format_code = entry.format_code.code if entry.format_code else None
    return ListedDocument(
        unique_id=entry.unique_id or entry.entry_uuid,
        entry_uuid=entry.entry_uuid,
        repository_id=entry.repository_unique_id,
        title=entry.title or _label("typeCode", entry.type_code) or "Document",
        type_code=entry.type_code.code if entry.type_code else None,
        type_label=_label("typeCode", entry.type_code),
        class_code=entry.class_code.code if entry.class_code else None,
        class_label=_label("classCode", entry.class_code) or "Autres documents",
        author=author,
        author_profession=profession,
        created_at=dtm(entry.creation_time),
        service_start=dtm(entry.service_start_time),
        service_stop=dtm(entry.service_stop_time),
        format_code=format_code,
        level="N1" if format_code in N1_FORMATS else "N3",
        status=STATUS_LABELS.get(status, str(status)),
        masked=entry.masked_to_professionals,
        invisible_to_patient=entry.invisible_to_patient,
        invisible_to_legal_representatives=entry.invisible_to_legal_representatives,
        new=new,
        local_document_id=local_id,
    )


_OLDEST: Final = datetime.min.replace(tzinfo=UTC)


def group_documents(documents: Sequence[ListedDocument]) -> tuple[DocumentGroup, ...]:
    """By class, newest first within a class; the class of the newest document first."""
    groups: dict[str | None, list[ListedDocument]] = {}
    for document in documents:
        groups.setdefault(document.class_code, []).append(document)
    built = [
        DocumentGroup(
            code,
            members[0].class_label,
            tuple(sorted(members, key=lambda d: d.created_at or _OLDEST, reverse=True)),
        )
        for code, members in groups.items()
    ]
    return tuple(sorted(built, key=lambda g: g.documents[0].created_at or _OLDEST, reverse=True))


def _local_ids(session: Session, unique_ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ids = list(dict.fromkeys(unique_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(Document.unique_id, Document.id).where(Document.unique_id.in_(chunk))
        )
        found.update({uid: did for uid, did in rows})
    return found


def list_documents(
    session: Session,
    actor: Actor,
    patient_id: int,
    *,
    dmp: DmpCredential,
    filters: DocumentFilters | None = None,
    sessions: Callable[[], Session],
    now: datetime | None = None,
) -> DocumentListing:
    """The patient's DMP documents for ``actor`` (see the module): checked, traced, and
    the professional's visit recorded. Commits ``session``. Raises the refusals of
    :func:`require_consultation` and the DMP client's errors (French)."""
    at = now or utcnow()
    filters = filters or DocumentFilters()
    read = require_consultation(session, actor, patient_id, dmp=dmp, now=at)
    session.commit()
    visited = last_visit(session, read.consultation.practitioner.id, read.patient.id)
    query = query_of(filters, today=at.astimezone(PARIS).date(), visited=visited)
    access = read.access.access()
    client = dmp.client
    found_call = _pool.submit(
        client.find_documents, read.ins, query, actor=read.dmp_actor, access=access
    )
    new_call = None
    if visited is not None and filters.preset != "nouveaux":
        new_call = _pool.submit(
            client.submitted_since,
            read.ins,
            new_since_bound(visited),
            actor=read.dmp_actor,
            access=access,
        )
    try:
        found: DocumentList = found_call.result()
        newer = new_call.result() if new_call is not None else None
    except (DmpError, EsanteError) as exc:
        record_consultation(
            sessions,
            read.consultation,
            action="TD3.1",
            outcome="failure",
            detail=getattr(exc, "code", None) or type(exc).__name__,
        )
        raise
    if visited is None or filters.preset == "nouveaux":
        new_ids = {e.entry_uuid for e in found.documents}
    else:
        new_ids = set(newer or ())
    local = _local_ids(session, [e.unique_id for e in found.documents if e.unique_id])
    rows = [
        listed(
            e,
            new=e.entry_uuid in new_ids,
            local_id=local.get(e.unique_id) if e.unique_id else None,
        )
        for e in found.documents
    ]
    record_consultation(
        sessions,
        read.consultation,
        action="TD3.1",
        outcome="success",
        detail=f"documents={len(rows)}",
    )
    mark_visited(session, actor, read.patient.id, now=at)
    session.commit()
    return DocumentListing(
        patient_id=read.patient.id,
        groups=group_documents(rows),
        total=len(rows),
        new=sum(1 for r in rows if r.new),
        last_visit_at=visited,
        access_mode=read.access.mode.value,
        access_reason=read.access.reason,
        warnings=tuple(w.code_context or w.error_code for w in found.warnings),
    )


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True, slots=True)
class Preview:
    """A DMP document shown without importing it: its list row, its French HTML page
    (whitelisted rendering), its PDF for an N1 (else None)."""

    document: ListedDocument
    html: str
    pdf: bytes | None
    access_mode: str


def preview_document(
    session: Session,
    actor: Actor,
    patient_id: int,
    unique_id: str,
    *,
    dmp: DmpCredential,
    sessions: Callable[[], Session],
    now: datetime | None = None,
) -> Preview:
    """One document of the patient's DMP, read (TD3.1b then TD3.2) and rendered, not
    imported. Checked and traced like the list. Raises NotFoundError when the DMP does
    not hold ``unique_id`` for this patient, CdaReadError for a document that is not a
    readable CDA (traced as a failure)."""
    from esante.store.errors import NotFoundError

    uid = (unique_id or "").strip()
    if not uid or len(uid) > 128:
        raise PracticeValidationError(
            "Identifiant de document invalide.", detail=f"uniqueId {unique_id!r}", field="unique_id"
        )
    read = require_consultation(session, actor, patient_id, dmp=dmp, now=now)
    session.commit()
    access = read.access.access()
    outcome, detail = "failure", None
    try:
        entry = dmp.client.get_by_unique_id(read.ins, uid, actor=read.dmp_actor, access=access)
        if entry is None or not entry.repository_unique_id:
            outcome = "refused"
            raise NotFoundError(
                "Ce document n'est pas dans le DMP de votre patient.",
                detail=f"uniqueId {uid} not found by TD3.1b",
                field="unique_id",
            )
        retrieved = dmp.client.retrieve(
            read.ins, uid, entry.repository_unique_id, actor=read.dmp_actor, access=access
        )
        cda = read_document(retrieved.data)
        html = render_html(cda)
        pdf = extract_pdf(cda) if cda.level == "N1" else None
        outcome = "success"
    except (DmpError, CdaReadError) as exc:
        detail = getattr(exc, "code", None) or type(exc).__name__
        raise
    finally:
        record_consultation(
            sessions,
            read.consultation,
            action="TD3.2",
            outcome=outcome,
            document_unique_id=uid,
            detail=detail,
        )
    local = _local_ids(session, [uid])
    return Preview(
        document=listed(entry, new=False, local_id=local.get(uid)),
        html=html,
        pdf=pdf,
        access_mode=read.access.mode.value,
    )


def emergency_label(mode: str) -> str | None:
    """The French label of an emergency access mode, None for the normal mode."""
    try:
        return EMERGENCY_MODES.get(AccessMode(mode))
    except ValueError:
        return None


def paris(value: datetime | None) -> str | None:
    """A time as shown to the professional: ``06/12/2026 à 10:42`` (Europe/Paris)."""
    if value is None:
        return None
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")
