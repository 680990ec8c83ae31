"""The counters of the Mon espace santé bar, and each professional's last visit (issue 13).

What the bar counts (mission pages "Consultation du DMP / Mon espace santé", UX.27):
the documents the DMP holds for the patient (TD3.1, active documents), those submitted
since *this professional's* last visit to the patient's DMP list — said explicitly when
there are none ("0 nouveau document") —, the date of the latest document, the date of the
latest version of the VSM (volet de synthèse médicale), and whether the patient has
opened Mon espace santé (TD0.2 ``COMPTE_INTERNET_OUVERT``).

The last visit is stored per (practitioner, patient) (:class:`~esante.store.models.DmpVisit`)
and moved forward by :func:`mark_visited`, called when the professional opens the DMP
document list — never when the bar is computed: seeing the counters is not reading the
documents.

DMP answers are kept a short time per (patient, actor) (:class:`SnapshotCache`, 60 s by
default) so that reopening a record does not call the DMP again; :func:`invalidate` drops
a patient's entries (after a send or an import, or when the professional visits).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.dmp.results import DmpStatus
from esante.practice.actors import Actor
from esante.practice.errors import PracticeValidationError
from esante.store.base import utcnow
from esante.store.models import DmpVisit
from esante.store.repositories import PatientRepository
from esante.xds import DocumentEntry

__all__ = [
    "CACHE_TTL_SECONDS",
    "VSM_TYPE_CODES",
    "Counters",
    "DmpSnapshot",
    "SnapshotCache",
    "count_label",
    "counters_of",
    "invalidate",
    "last_visit",
    "mark_visited",
    "new_since_bound",
    "snapshot_cache",
]

VSM_TYPE_CODES: Final = frozenset({"SYNTH", "60591-5"})
"""typeCodes of the volet de synthèse médicale: ``SYNTH`` (TRE_A05, the DMP's and the
ANS examples'), and LOINC 60591-5 some producers send."""
CACHE_TTL_SECONDS: Final = 60.0


@dataclass(frozen=True, slots=True)
class Counters:
    """The figures of the bar. Dates are UTC (shown Europe/Paris by the interfaces)."""

    total: int
    new: int
    latest_document_at: datetime | None
    vsm_updated_at: datetime | None
    has_mes: bool | None
    last_visit_at: datetime | None

    @property
    def new_label(self) -> str:
        """ "0 nouveau document", "1 nouveau document", "3 nouveaux documents"."""
        return count_label(self.new, "nouveau document", "nouveaux documents")

    @property
    def total_label(self) -> str:
        """ "1 document disponible", "12 documents disponibles"."""
        return count_label(self.total, "document disponible", "documents disponibles")


def count_label(count: int, singular: str, plural: str) -> str:
    """French count: 0 and 1 take the singular."""
    return f"{count} {singular if count <= 1 else plural}"


def _dtm(value: str | None) -> datetime | None:
    """An XDS DTM (``YYYY[MM[DD[hh[mm[ss]]]]]``, UTC) as an aware datetime."""
    if not value or not value[:4].isdigit():
        return None
    digits = value.strip()
    try:
        return datetime.strptime(digits.ljust(14, "0")[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        try:
            return datetime.strptime(digits[:8].ljust(8, "1"), "%Y%m%d").replace(tzinfo=UTC)
        except ValueError:
            return None


def _latest(entries: Sequence[DocumentEntry]) -> datetime | None:
    dates = [d for d in (_dtm(e.creation_time) for e in entries) if d is not None]
    return max(dates) if dates else None


def counters_of(
    status: DmpStatus,
    documents: Sequence[DocumentEntry],
    new: int,
    last_visit_at: datetime | None,
) -> Counters:
    """The counters from TD0.2 (``status``), TD3.1 (``documents``, active) and the count
    of documents submitted since the last visit (``new``; all of them without a visit)."""
    vsm = [d for d in documents if d.type_code is not None and d.type_code.code in VSM_TYPE_CODES]
    return Counters(
        total=len(documents),
        new=len(documents) if last_visit_at is None else new,
        latest_document_at=_latest(documents),
        vsm_updated_at=_latest(vsm),
        has_mes=status.internet_account_open,
        last_visit_at=last_visit_at,
    )


def new_since_bound(last_visit_at: datetime) -> datetime:
    """The TD3.1 ``submissionTimeFrom`` bound for documents submitted after a visit.

    XDS times have a one-second resolution and the bound is inclusive: the visit time is
    rounded up to the next whole second, so that a document submitted in the second
    before the visit is never counted as new after it.
    """
    at = last_visit_at.astimezone(UTC)
    whole = at.replace(microsecond=0)
    return whole if whole == at else whole + timedelta(seconds=1)


def last_visit(session: Session, practitioner_id: int, patient_id: int) -> datetime | None:
    """When the professional last opened the patient's DMP list (None: never)."""
    return session.scalar(
        select(DmpVisit.visited_at).where(
            DmpVisit.practitioner_id == practitioner_id, DmpVisit.patient_id == patient_id
        )
    )


def mark_visited(
    session: Session, actor: Actor, patient_id: int, *, now: datetime | None = None
) -> datetime:
    """Record that ``actor`` opened the DMP document list of the patient (now).

    Call it when the list is shown, not when the bar is computed. Raises
    PracticeValidationError for an actor without a practitioner row (only a professional
    of the practice consults the DMP), NotFoundError for an unknown patient. The caller
    commits. The patient's cached DMP answers are dropped.
    """
    if actor.practitioner_id is None:
        raise PracticeValidationError(
            "Seul un professionnel du cabinet consulte la liste des documents du DMP.",
            detail=f"{actor.kind} actor {actor.actor_id!r} has no practitioner row",
            field="actor",
        )
    patient = PatientRepository(session).get(patient_id)
    visited = now or utcnow()
    row = session.scalar(
        select(DmpVisit).where(
            DmpVisit.practitioner_id == actor.practitioner_id, DmpVisit.patient_id == patient.id
        )
    )
    if row is None:
        session.add(
            DmpVisit(
                practitioner_id=actor.practitioner_id, patient_id=patient.id, visited_at=visited
            )
        )
    else:
        row.visited_at = visited
    session.flush()
    invalidate(patient.id)
    return visited


@dataclass(frozen=True, slots=True)
class DmpSnapshot:
    """What the DMP answered for one bar: TD0.2, and TD3.1 when consultation was allowed."""

    status: DmpStatus
    documents: tuple[DocumentEntry, ...] | None
    new: int | None
    last_visit_at: datetime | None


class SnapshotCache:
    """DMP answers per (patient, actor id), for ``ttl`` seconds (thread safe)."""

    def __init__(
        self, ttl: float = CACHE_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, str], tuple[float, DmpSnapshot]] = {}

    def get(self, patient_id: int, actor_id: str) -> DmpSnapshot | None:
        """The snapshot still fresh, else None."""
        with self._lock:
            found = self._entries.get((patient_id, actor_id))
            if found is None:
                return None
            if found[0] <= self._clock():
                del self._entries[(patient_id, actor_id)]
                return None
            return found[1]

    def put(self, patient_id: int, actor_id: str, snapshot: DmpSnapshot) -> None:
        """Keep ``snapshot`` for ``ttl`` seconds."""
        with self._lock:
            self._entries[(patient_id, actor_id)] = (self._clock() + self.ttl, snapshot)

    def invalidate(self, patient_id: int) -> None:
        """Drop every actor's snapshot of the patient."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == patient_id]:
                del self._entries[key]

    def clear(self) -> None:
        """Drop everything."""
        with self._lock:
            self._entries.clear()


snapshot_cache: Final = SnapshotCache()
"""The process's cache (the service, the CLI run)."""


def invalidate(patient_id: int) -> None:
    """Drop the cached DMP answers of the patient: a document was sent or imported, or a
    professional visited its list (the next bar asks the DMP again)."""
    snapshot_cache.invalidate(patient_id)
