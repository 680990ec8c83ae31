"""Importing documents of a patient's DMP into the local record, with their provenance
(issue 13 item 4; mission page "Consultation du DMP", SC.CDA/INT.04-18).

The professional selects documents in the list (several at once) and imports them:

* the read is checked like every DMP read
  (:func:`esante.practice.dmp_reading.require_consultation`) — once for the selection;
* the selection is looked up in one TD3.1b query (each document's repository), the
  contents fetched (TD3.2) a few at a time while the ones already fetched are stored;
  each document is read
  through the hardened parser, checked to be this patient's (its INS), and stored in
  **one transaction per document** with its provenance (source ``dmp``, entryUUID,
  author, dates, who imported it and when: :func:`esante.practice.received.received_row`)
  — a failure loses nothing already imported and leaves nothing half-imported;
* **deduplicated**: a document the record already holds (imported before, received by
  MSSanté, or produced here and sent — the same uniqueId) is not imported again, and
  the answer says where it came from;
* a **VSM N3** also feeds the record's structured lists (problems, history, allergies,
  treatments) with its provenance (:func:`esante.practice.record_lists.file_vsm`);
* each import is traced in its document's transaction (channel ``dmp``, action
  ``import``, the document's uniqueId, access mode and reason), a failure in a
  transaction of its own.

Never a download of every search result (``dmp-exigences.md`` EX_3.2-1010): only the
uniqueIds the professional chose, at most :data:`MAX_DOCUMENTS` per request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from esante import audit
from esante.cda import CdaReadError
from esante.cda.read import ReceivedDocument, read_document, read_vsm
from esante.dmp import DmpError
from esante.errors import EsanteError
from esante.practice.actors import Actor
from esante.practice.dmp_consultation import consultation_event
from esante.practice.dmp_counters import invalidate
from esante.practice.dmp_reading import DmpRead, require_consultation
from esante.practice.dmp_sender import DmpCredential
from esante.practice.errors import PracticeValidationError
from esante.practice.received import is_structured_vsm, provenance_of, received_row
from esante.practice.record_lists import FiledItems, file_vsm
from esante.store.base import utcnow
from esante.store.models import Document
from esante.xds import DocumentEntry

__all__ = [
    "MAX_DOCUMENTS",
    "ImportOutcome",
    "ImportReport",
    "import_documents",
    "provenance_of",
]

MAX_DOCUMENTS: Final = 50
"""Documents per import request: a selection, never the whole DMP (EX_3.2-1010)."""
TRACE_ACTION: Final = "import"
IMPORTED: Final = "importe"
ALREADY: Final = "deja_present"
FAILED: Final = "echec"


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What became of one selected document: ``status`` :data:`IMPORTED`,
    :data:`ALREADY` or :data:`FAILED`, a French message, the local document."""

    unique_id: str
    status: str
    message: str
    document_id: int | None = None
    title: str | None = None
    items: FiledItems | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of each selected document, in the order given."""

    patient_id: int
    outcomes: tuple[ImportOutcome, ...]

    def count(self, status: str) -> int:
        """How many documents ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)


def _clean(unique_ids: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(u.strip() for u in unique_ids if u and u.strip()))
    if not cleaned:
        raise PracticeValidationError(
            "Sélectionnez au moins un document à importer.",
            detail="no uniqueId",
            field="unique_ids",
        )
    if len(cleaned) > MAX_DOCUMENTS or any(len(u) > 128 for u in cleaned):
        raise PracticeValidationError(
            f"Importez au plus {MAX_DOCUMENTS} documents à la fois.",
            detail=f"{len(cleaned)} uniqueIds (max {MAX_DOCUMENTS}, 128 characters each)",
            field="unique_ids",
        )
    return cleaned


def _already(document: Document) -> ImportOutcome:
    return ImportOutcome(
        document.unique_id,
        ALREADY,
        f"Déjà dans le dossier ({provenance_of(document)}).",
        document.id,
        document.title,
    )


def _belongs(cda: ReceivedDocument, read: DmpRead) -> bool:
    patient = cda.patient
    return patient.ins_matricule == read.ins.matricule and (patient.ins_oid in (None, read.ins.oid))


def import_documents(
    session: Session,
    actor: Actor,
    patient_id: int,
    unique_ids: Sequence[str],
    *,
    dmp: DmpCredential,
    sessions: Callable[[], Session] | None = None,
    now: datetime | None = None,
    progress: Callable[[ImportOutcome], None] | None = None,
) -> ImportReport:
    """Import the selected documents of the patient's DMP (see the module). Commits
    ``session`` once per document. Raises only the refusals of the check before reading
    (then nothing is imported); each document's failure is in its outcome.
    ``progress`` is told of each document as it is done (a CLI progress bar)."""
    del sessions  # failures are traced in ``session`` after its rollback
    cleaned = _clean(unique_ids)
    at = now or utcnow()
    read = require_consultation(session, actor, patient_id, dmp=dmp, now=at)
    session.commit()
    held = {
        d.unique_id: d
        for d in session.scalars(select(Document).where(Document.unique_id.in_(cleaned)))
    }
    wanted = [uid for uid in cleaned if uid not in held]
    fetches = _fetch(dmp, read, wanted)
    outcomes = []
    try:
        for uid in cleaned:
            if uid in held:
                outcome = _already(held[uid])
            else:
                outcome = _store(session, actor, read, uid, fetches[uid], at)
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
    finally:
        for pending in fetches.values():
            if isinstance(pending, Future):
                pending.cancel()
    invalidate(read.patient.id)
    return ImportReport(read.patient.id, tuple(outcomes))


_FETCHERS: Final = ThreadPoolExecutor(max_workers=4, thread_name_prefix="esante-dmp-import")
"""Retrievals (TD3.2) of a selection run a few at a time while the documents already
fetched are stored, one transaction each, in the caller's thread."""


@dataclass(frozen=True, slots=True)
class _Fetched:
    entry: DocumentEntry
    data: bytes


Fetch = Future[_Fetched] | BaseException | None


def _fetch(dmp: DmpCredential, read: DmpRead, wanted: list[str]) -> dict[str, Fetch]:
    """TD3.1b for the whole selection (one query), then each TD3.2 on the pool. A uniqueId
    the DMP does not hold maps to None; a failed search to its error."""
    if not wanted:
        return {}
    access = read.access.access()
    try:
        entries = dmp.client.get_by_unique_ids(
            read.ins, wanted, actor=read.dmp_actor, access=access
        )
    except (DmpError, EsanteError, OSError) as exc:
        return dict.fromkeys(wanted, exc)

    def retrieve(entry: DocumentEntry) -> _Fetched:
        uid = entry.unique_id or ""
        document = dmp.client.retrieve(
            read.ins, uid, entry.repository_unique_id or "", actor=read.dmp_actor, access=access
        )
        return _Fetched(entry, document.data)

    fetches: dict[str, Fetch] = {}
    for uid in wanted:
        entry = entries.get(uid)
        if entry is None or not entry.repository_unique_id:
            fetches[uid] = None
        else:
            fetches[uid] = _FETCHERS.submit(retrieve, entry)
    return fetches


def _store(
    session: Session, actor: Actor, read: DmpRead, uid: str, fetch: Fetch, at: datetime
) -> ImportOutcome:
    if fetch is None:
        return _failed(session, read, uid, "Ce document n'est pas dans le DMP du patient.")
    try:
        if isinstance(fetch, BaseException):
            raise fetch
        fetched = fetch.result()
        cda = read_document(fetched.data)
    except CdaReadError as exc:
        return _failed(session, read, uid, f"Document illisible : {exc.message}", exc)
    except (DmpError, EsanteError, OSError) as exc:
        message = getattr(exc, "message", None) or "le DMP n'a pas répondu"
        return _failed(session, read, uid, f"Import impossible : {message}", exc)
    entry = fetched.entry
    if str(cda.document_id) != uid or not _belongs(cda, read):
        return _failed(
            session,
            read,
            uid,
            "Le document reçu ne correspond pas à celui demandé ou à ce patient : non importé.",
        )
    document = received_row(
        session,
        cda,
        fetched.data,
        read.patient,
        provenance="dmp",
        detail=f"DMP {entry.entry_uuid}",
        at=at,
        class_code=entry.class_code.code if entry.class_code else None,
        imported_by=actor.actor_id,
    )
    try:
        session.add(document)
        session.flush()
        items = None
        if is_structured_vsm(cda):
            items = file_vsm(
                session,
                read.patient.id,
                read_vsm(cda),
                source="dmp",
                document_id=document.id,
                recorded_by=actor.actor_id,
                now=at,
            )
        audit.append(
            session,
            consultation_event(
                read.consultation,
                action=TRACE_ACTION,
                outcome="success",
                document_unique_id=uid,
                detail=f"document={document.id}",
            ),
        )
        session.commit()
    except IntegrityError:
        session.rollback()  # imported meanwhile by someone else
        existing = session.scalar(select(Document).where(Document.unique_id == uid))
        if existing is not None:
            return _already(existing)
        raise
    return ImportOutcome(
        uid, IMPORTED, "Importé dans le dossier.", document.id, document.title, items
    )


def _failed(
    session: Session,
    read: DmpRead,
    uid: str,
    message: str,
    exc: BaseException | None = None,
) -> ImportOutcome:
    session.rollback()
    detail = None if exc is None else (getattr(exc, "code", None) or type(exc).__name__)
    audit.append(
        session,
        consultation_event(
            read.consultation,
            action=TRACE_ACTION,
            outcome="failure",
            document_unique_id=uid,
            detail=detail,
        ),
    )
    session.commit()
    return ImportOutcome(uid, FAILED, message)
