"""The record's structured lists: active problems, history, surgical history, allergies,
treatments — fed by a received VSM N3 and by the professional (issue 13 item 4).

A VSM (volet de synthèse médicale, CI-SIS "VSM" 2023.01 / 1.4) imported from the DMP or
received by MSSanté is read by :func:`esante.cda.read.read_vsm`; :func:`file_vsm` files
its entries into ``record_item`` with their provenance — the source, the document's
uniqueId (``root`` or ``root^extension``, as :class:`~esante.cda.model.InstanceId`
writes it and as ``document.unique_id`` keeps it), its author and date, who imported it
and when — so that the record shows "importé du DMP le … (auteur)" (LGC.DMP "intégration
avec provenance").

**Reconciliation.** One entry per (patient, kind, coded concept), the table's unique
key: a concept already in the record (same kind, code system and code) is not added
again and the entry already there is left as it is — a local entry keeps its local
provenance, an earlier import its own. An entry without a code is keyed by its
normalised label (accents, case, punctuation and spacing ignored), with an empty code
system. Codes are compared as written: the same act coded under two OIDs of one
terminology (CCAM 1.2.250.1.213.2.5 in VSM 2023.01, 1.2.250.1.215.300.1 in VSM 1.4) is
two concepts. A problem stated as absent (``negationInd``) is not a problem: not filed.

**Concurrency.** Two imports of the same VSM may run at once (the DMP import and an
MSSanté reception, two workers): each insert runs in a savepoint, and a unique violation
from the other transaction counts the entry as already present instead of failing the
import (portable to SQLite and PostgreSQL, no ``ON CONFLICT``). Nothing here commits:
importing a document is one transaction, the caller's.

**Authorisation.** The lists are clinical content drawn from documents: reading them
needs ``documents:read`` and adding to them ``documents:write``
(:mod:`esante.practice.access`), so an API key scoped to identities only
(``patients:read``, an agenda) sees no allergy or treatment, while the secretariat, who
manages the patient's documents under that policy, reads them too. Reads and additions
are traced as reads and changes of the patient's record (``patients:read``,
``patients:update``, with the lists named in the detail).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Final, Literal, get_args

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from esante.cda.clinical import Allergy, Medication, Problem, Procedure
from esante.cda.model import Code
from esante.cda.read import VsmData
from esante.cda.vocabulary import PARIS
from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.errors import PracticeValidationError
from esante.store import ConflictError, utcnow
from esante.store.models import RecordItem
from esante.store.repositories import PatientRepository

__all__ = [
    "KINDS",
    "KIND_LABELS",
    "FiledItems",
    "ItemKind",
    "ItemSource",
    "add_item",
    "file_vsm",
    "label_key",
    "provenance_label",
    "record_items",
]

ItemKind = Literal["problem", "history", "procedure", "allergy", "treatment"]
ItemSource = Literal["dmp", "mssante"]
KINDS: Final[tuple[ItemKind, ...]] = get_args(ItemKind)
"""The lists, in the order the record shows them."""

KIND_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "problem": "Problèmes actifs",
        "history": "Antécédents",
        "procedure": "Antécédents chirurgicaux",
        "allergy": "Allergies",
        "treatment": "Traitements",
    }
)
"""French titles of the lists, as the console and the prints show them."""

_SOURCE_WORDS: Final = {"dmp": "importé du DMP", "mssante": "reçu par MSSanté"}
_LABEL_MAX: Final = 300
_CODE_MAX: Final = 120
_SYSTEM_MAX: Final = 64
_DETAIL_MAX: Final = 300
_DOSE_UNITS: Final = {
    "{tablet}": "comprimé(s)",
    "{capsule}": "gélule(s)",
    "{drop}": "goutte(s)",
    "{puff}": "bouffée(s)",
    "{sachet}": "sachet(s)",
}
_PERIODS: Final = {
    "h": ("par heure", "toutes les {n} heures"),
    "d": ("par jour", "tous les {n} jours"),
    "wk": ("par semaine", "toutes les {n} semaines"),
    "mo": ("par mois", "tous les {n} mois"),
}


@dataclass(frozen=True)
class FiledItems:
    """What :func:`file_vsm` did, per list: entries added, and entries the record already
    held (left untouched). Every kind of :data:`KINDS` is a key, 0 when none."""

    added: Mapping[str, int]
    present: Mapping[str, int]

    @property
    def total_added(self) -> int:
        return sum(self.added.values())

    @property
    def total_present(self) -> int:
        return sum(self.present.values())


@dataclass(frozen=True)
class _Entry:
    kind: ItemKind
    code: Code
    label: str
    started_on: date | None
    ended_on: date | None
    active: bool
    detail: str | None


def _clip(text: str | None, size: int) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def label_key(label: str) -> str:
    """The key of an uncoded entry: its label without accents, case, punctuation or
    extra spaces (``"Pyélonéphrite  aiguë."`` → ``"pyelonephrite aigue"``)."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", bare.casefold()).split())[:_CODE_MAX]


def _key(kind: str, code: str | None, code_system: str | None, label: str) -> tuple[str, str, str]:
    """(kind, code_system, code) as stored: an entry without a code has an empty code
    system and its :func:`label_key` as code."""
    code = (code or "").strip()
    if code:
        return kind, (code_system or "").strip(), code
    return kind, "", label_key(label)


def _dose_text(medication: Medication) -> str | None:
    parts = []
    if medication.dose is not None:
        value = format(medication.dose.value.normalize(), "f")
        parts.append(f"{value} {_DOSE_UNITS.get(medication.dose.unit, medication.dose.unit)}")
    if medication.period is not None:
        once, every = _PERIODS.get(medication.period.unit, ("", ""))
        n = format(medication.period.value.normalize(), "f")
        if not every:
            parts.append(f"période {medication.period}")
        else:
            parts.append(once if n == "1" else every.format(n=n))
    if medication.route is not None and medication.route.display:
        parts.append(medication.route.display.lower())
    return ", ".join(parts) or medication.instructions


def _problem(kind: ItemKind, problem: Problem) -> _Entry:
    return _Entry(
        kind,
        problem.code,
        problem.label,
        problem.start,
        problem.end,
        problem.active,
        problem.comment,
    )


def _procedure(procedure: Procedure) -> _Entry:
    label = procedure.code.display or procedure.code.code
    return _Entry(
        "procedure", procedure.code, label, procedure.date, None, False, procedure.comment
    )


def _allergy(allergy: Allergy) -> _Entry:
    words = [allergy.kind.display] if allergy.kind.display else []
    if allergy.reaction is not None:
        words.append(f"réaction : {allergy.reaction.display or allergy.reaction.code}")
    detail = " ; ".join(words) or None
    return _Entry(
        "allergy", allergy.agent, allergy.label, allergy.start, None, allergy.active, detail
    )


def _treatment(medication: Medication, today: date) -> _Entry:
    active = medication.end is None or medication.end >= today
    return _Entry(
        "treatment",
        medication.product,
        medication.label,
        medication.start,
        medication.end,
        active,
        _dose_text(medication),
    )


def _entries(vsm: VsmData, today: date) -> Iterator[_Entry]:
    yield from (_problem("problem", p) for p in vsm.problems if not p.absent)
    yield from (_problem("history", p) for p in vsm.history if not p.absent)
    yield from (_procedure(p) for p in vsm.procedures if p.done)
    yield from (_allergy(a) for a in vsm.allergies)
    yield from (_treatment(m, today) for m in vsm.treatments)


def _existing_keys(session: Session, patient_id: int) -> set[tuple[str, str, str]]:
    rows = session.execute(
        select(RecordItem.kind, RecordItem.code_system, RecordItem.code).where(
            RecordItem.patient_id == patient_id
        )
    )
    return {(kind, system, code) for kind, system, code in rows}


def _holds(session: Session, patient_id: int, kind: str, system: str, code: str) -> bool:
    """Whether the patient's record holds this concept in this list (committed or ours)."""
    found = session.scalar(
        select(RecordItem.id).where(
            RecordItem.patient_id == patient_id,
            RecordItem.kind == kind,
            RecordItem.code_system == system,
            RecordItem.code == code,
        )
    )
    return found is not None


def _insert(session: Session, item: RecordItem) -> bool:
    """Insert ``item`` in a savepoint; False when the record already holds its concept
    (a concurrent transaction filed it first). Any other integrity error (an unknown
    ``document_id``) is raised: it is the caller's, not a duplicate."""
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        if _holds(session, item.patient_id, item.kind, item.code_system, item.code):
            return False
        raise
    return True


def file_vsm(
    session: Session,
    patient_id: int,
    vsm: VsmData,
    *,
    source: ItemSource,
    document_id: int | None,
    recorded_by: str | None,
    now: datetime | None = None,
) -> FiledItems:
    """File the problems, history, surgical history, allergies and treatments of ``vsm``
    into the patient's record, with their provenance, reconciled with what the record
    holds (see the module docstring). ``document_id`` is the local copy of the VSM,
    ``recorded_by`` who imported it (idNat_PS or account id). Does not commit.

    Authorisation and trace belong to the import that calls this (the document import
    is checked and traced once). Raises :class:`~esante.store.NotFoundError` for an
    unknown patient.
    """
    PatientRepository(session).get(patient_id)
    now = now or utcnow()
    provenance = vsm.provenance
    author = provenance.author.name.display if provenance.author is not None else None
    known = _existing_keys(session, patient_id)
    added: dict[str, int] = dict.fromkeys(KINDS, 0)
    present: dict[str, int] = dict.fromkeys(KINDS, 0)
    for entry in _entries(vsm, now.astimezone(PARIS).date()):
        kind, system, code = _key(entry.kind, entry.code.code, entry.code.code_system, entry.label)
        if not code:
            continue
        item = RecordItem(
            patient_id=patient_id,
            kind=kind,
            code=code[:_CODE_MAX],
            code_system=system[:_SYSTEM_MAX],
            label=_clip(entry.label, _LABEL_MAX),
            started_on=entry.started_on,
            ended_on=entry.ended_on,
            active=entry.active,
            detail=_clip(entry.detail, _DETAIL_MAX),
            source=source,
            source_document_unique_id=str(provenance.document_id),
            source_author=_clip(author, 200),
            source_date=provenance.authored_at,
            document_id=document_id,
            recorded_by=recorded_by,
            recorded_at=now,
        )
        if (kind, item.code_system, item.code) not in known and _insert(session, item):
            added[kind] += 1
        else:
            present[kind] += 1
        known.add((kind, item.code_system, item.code))
    return FiledItems(MappingProxyType(added), MappingProxyType(present))


def _checked_kind(kind: str) -> ItemKind:
    for known in KINDS:
        if kind == known:
            return known
    raise PracticeValidationError(
        f"Liste inconnue : « {kind} » (attendu : {', '.join(KINDS)}).",
        detail=f"kind={kind!r}",
        field="kind",
    )


def record_items(
    session: Session, actor: Actor, patient_id: int, kind: str | None = None
) -> list[RecordItem]:
    """The patient's structured lists (one of them when ``kind`` is given) as ``actor``
    reads them: by list, ongoing entries first, then newest first. ``documents:read``
    is checked (a refusal traced and committed) and the read traced in the caller's
    transaction. Raises :class:`~esante.store.NotFoundError`,
    :class:`~esante.practice.access.AccessDeniedError`, or
    :class:`PracticeValidationError` for an unknown ``kind``."""
    wanted = None if kind is None else _checked_kind(kind)
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "documents:read", patient, traced_as="patients:read")
    query = select(RecordItem).where(RecordItem.patient_id == patient_id)
    if wanted is not None:
        query = query.where(RecordItem.kind == wanted)
    items = list(
        session.scalars(
            query.order_by(
                case({k: i for i, k in enumerate(KINDS)}, value=RecordItem.kind),
                RecordItem.active.desc(),
                RecordItem.started_on.is_(None),
                RecordItem.started_on.desc(),
                RecordItem.id,
            )
        )
    )
    lists = KIND_LABELS[wanted] if wanted else "toutes"
    trace.record(session, actor, "patients:read", [patient], detail=f"listes : {lists}")
    return items


def _refuse(message: str, field: str, value: object) -> PracticeValidationError:
    return PracticeValidationError(message, detail=f"{field}={value!r}", field=field)


def add_item(
    session: Session,
    actor: Actor,
    patient_id: int,
    kind: str,
    label: str,
    code: str | None = None,
    code_system: str | None = None,
    *,
    started_on: date | None = None,
    ended_on: date | None = None,
    active: bool = True,
    detail: str | None = None,
    now: datetime | None = None,
) -> RecordItem:
    """Add an entry by hand (source ``local``), as ``actor`` (``documents:write``
    checked, the change traced in the caller's transaction; not committed).

    Raises :class:`PracticeValidationError` naming the field (unknown list, empty or too
    long label, code without code system…), :class:`~esante.store.ConflictError` when
    the list already holds the concept (same code, or same label for an uncoded entry),
    :class:`~esante.store.NotFoundError`, or :class:`~esante.practice.access.AccessDeniedError`.
    """
    checked = _checked_kind(kind)
    label = " ".join(label.split())
    if not label_key(label):
        raise _refuse("Le libellé de l'entrée est obligatoire.", "label", label)
    if len(label) > _LABEL_MAX:
        raise _refuse(f"Libellé trop long (au plus {_LABEL_MAX} caractères).", "label", label)
    code, code_system = (code or "").strip() or None, (code_system or "").strip() or None
    if code is not None and code_system is None:
        raise _refuse("Indiquez le système de codage du code.", "code_system", code_system)
    if code is None and code_system is not None:
        raise _refuse("Un système de codage est indiqué sans code.", "code", code)
    if code is not None and len(code) > _CODE_MAX:
        raise _refuse(f"Code trop long (au plus {_CODE_MAX} caractères).", "code", code)
    if code_system is not None and len(code_system) > _SYSTEM_MAX:
        raise _refuse(
            f"Système de codage trop long (au plus {_SYSTEM_MAX} caractères).",
            "code_system",
            code_system,
        )
    if detail is not None and len(detail) > _DETAIL_MAX:
        raise _refuse(
            f"Précision trop longue (au plus {_DETAIL_MAX} caractères).", "detail", detail
        )
    if started_on and ended_on and ended_on < started_on:
        raise _refuse("La date de fin précède la date de début.", "ended_on", ended_on)
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "documents:write", patient, traced_as="patients:update")
    _, system, key = _key(checked, code, code_system, label)
    item = RecordItem(
        patient_id=patient_id,
        kind=checked,
        code=key,
        code_system=system,
        label=label,
        started_on=started_on,
        ended_on=ended_on,
        active=active,
        detail=detail or None,
        source="local",
        recorded_by=actor.actor_id[:40],
        recorded_at=now or utcnow(),
    )
    if _holds(session, patient_id, checked, system, key) or not _insert(session, item):
        raise ConflictError(
            f"Cette entrée figure déjà dans la liste « {KIND_LABELS[checked]} » : {label}.",
            detail=f"record_item ({checked}, {system!r}, {key!r}) of patient {patient_id}",
            field="code" if code else "label",
        )
    trace.record(
        session, actor, "patients:update", [patient], detail=f"listes : {KIND_LABELS[checked]}"
    )
    return item


def provenance_label(item: RecordItem) -> str | None:
    """Where an entry comes from, in French, for the record: ``importé du DMP le
    06/12/2026 (Dr Jean DUPONT)``, ``reçu par MSSanté le …``; the date is the import's
    (``recorded_at``), Europe/Paris. None for an entry entered in the practice."""
    words = _SOURCE_WORDS.get(item.source)
    if words is None:
        return None
    text = f"{words} le {item.recorded_at.astimezone(PARIS):%d/%m/%Y}"
    return f"{text} ({item.source_author})" if item.source_author else text
