"""Reading the access trace: filters (patient, professional, period, action, channel).

Readers walk the trace in sequence order by keyset pages (``sequence > last``, on the
unique index), never loading it whole: a trace of millions of records is read, checked
and exported with bounded memory.

A period is given in days by people: a day is the Europe/Paris civil day (the practice's
clock), and the end day is included. Stored times are UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from esante.audit.chain import CHANNELS, ENTRY_FIELDS, AuditEntry
from esante.audit.errors import AuditError
from esante.store.models import AuditRecord

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_BATCH = 2000
_MAX_FILTER = 80
_RPPS = re.compile(r"[0-9]{11}")
_COLUMNS = tuple(getattr(AuditRecord, name) for name in ENTRY_FIELDS)


def professional_ids(value: str) -> tuple[str, ...]:
    """The stored ``actor_id`` values that name the professional ``value``.

    An RPPS (11 digits) and its idNat_PS (``8`` + RPPS) name the same person: either
    finds both forms. Any other identifier (idNat_PS from ADELI...) is matched as is.
    """
    ident = "".join(value.split())
    if _RPPS.fullmatch(ident):
        return ("8" + ident, ident)
    if len(ident) == 12 and ident[0] == "8" and _RPPS.fullmatch(ident[1:]):
        return (ident, ident[1:])
    return (ident,)


LOCAL_ID_NOTE = "ipp="
"""How a record of the practice's own patient records names the patient by IPP, at the
start of its ``detail`` (:mod:`esante.practice.trace`): the INS is traced only once the
identity is qualified, so an access to a patient without one is found by IPP."""


def local_id_note(local_id: str) -> str:
    """The start of ``detail`` naming the patient of IPP ``local_id`` (then ``;`` or end)."""
    return f"{LOCAL_ID_NOTE}{local_id}"


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which records to read; every criterion given must hold.

    ``patient``: the INS matricule (matches the matricule stored alone or as
    ``matricule^^^&oid&ISO``) or the full ``matricule^^^&oid&ISO`` form (exact).
    ``local_id``: the patient's IPP, for the accesses to the practice's own records
    (channel ``dossier``) traced by IPP — before the identity was qualified, or never;
    given with ``patient``, a record naming either is kept (both name the one patient
    whose accesses are asked for). ``professional``: idNat_PS or RPPS. ``since``
    (included) and ``until`` (excluded): aware datetimes. ``action``, ``channel``: exact
    codes.

    Raises :class:`AuditError` for an unknown channel, an empty or oversized criterion,
    a naive datetime or an empty period.
    """

    patient: str | None = None
    professional: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    action: str | None = None
    channel: str | None = None
    local_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("patient", "professional", "action", "channel", "local_id"):
            value = getattr(self, name)
            if value is not None and not (0 < len(value.strip()) <= _MAX_FILTER):
                raise AuditError(
                    "Critère de recherche vide ou trop long.",
                    detail=f"{name}={value[:_MAX_FILTER]!r}",
                    field=name,
                )
        if self.channel is not None and self.channel.strip() not in CHANNELS:
            raise AuditError(
                "Canal inconnu (dmp, mss, consent ou dossier).",
                detail=f"channel={self.channel!r}",
                field="channel",
            )
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise AuditError(
                    "Date de période sans fuseau horaire.", detail=f"naive {name}", field=name
                )
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise AuditError(
                "Période vide : la date de fin précède la date de début.",
                detail=f"since={self.since.isoformat()} until={self.until.isoformat()}",
                field="until",
            )

    def conditions(self) -> list[ColumnElement[bool]]:
        """The SQL conditions of this filter (an empty list: everything)."""
        found: list[ColumnElement[bool]] = []
        who: list[ColumnElement[bool]] = []
        if self.patient is not None:
            patient = self.patient.strip()
            if "^" in patient:
                who.append(AuditRecord.patient_ins == patient)
            else:
                who.append(AuditRecord.patient_ins == patient)
                who.append(AuditRecord.patient_ins.like(_like_escape(patient) + "^%", escape="\\"))
        if self.local_id is not None:
            note = local_id_note(self.local_id.strip())
            who.append(AuditRecord.detail == note)
            who.append(AuditRecord.detail.like(_like_escape(note) + ";%", escape="\\"))
        if who:
            found.append(or_(*who))
        if self.professional is not None:
            found.append(AuditRecord.actor_id.in_(professional_ids(self.professional)))
        if self.since is not None:
            found.append(AuditRecord.at >= self.since)
        if self.until is not None:
            found.append(AuditRecord.at < self.until)
        if self.action is not None:
            found.append(AuditRecord.action == self.action.strip())
        if self.channel is not None:
            found.append(AuditRecord.channel == self.channel.strip())
        return found


def _select(criteria: AuditFilter | None) -> Select[Any]:
    stmt: Select[Any] = select(*_COLUMNS)
    if criteria is not None:
        stmt = stmt.where(*criteria.conditions())
    return stmt


def iter_entries(
    session: Session,
    criteria: AuditFilter | None = None,
    *,
    after: int = 0,
    upto: int | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> Iterator[AuditEntry]:
    """The records matching ``criteria``, in sequence order, read ``batch_size`` at a time.

    ``after`` and ``upto`` bound the sequence numbers (``after`` excluded, ``upto``
    included).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    base = _select(criteria)
    if upto is not None:
        base = base.where(AuditRecord.sequence <= upto)
    last = after
    while True:
        rows = session.execute(
            base.where(AuditRecord.sequence > last).order_by(AuditRecord.sequence).limit(batch_size)
        ).all()
        for row in rows:
            yield AuditEntry(*row)
        if len(rows) < batch_size:
            return
        last = int(rows[-1][1])


def latest_entries(
    session: Session, criteria: AuditFilter | None = None, *, limit: int = 20
) -> list[AuditEntry]:
    """The ``limit`` most recent records (highest sequence first) matching ``criteria``."""
    rows = session.execute(
        _select(criteria).order_by(AuditRecord.sequence.desc()).limit(max(0, limit))
    ).all()
    return [AuditEntry(*row) for row in rows]


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def parse_moment(text: str, *, end: bool = False, field: str | None = None) -> datetime:
    """A period bound typed by a person, as an aware UTC datetime.

    A date (``2024-05-31`` or ``31/05/2024``) is the Europe/Paris day: its start, or with
    ``end`` the start of the next day (so that the end day is included when used as an
    excluded upper bound). A date and time (ISO 8601) without offset is Paris time.
    Raises :class:`AuditError` when ``text`` is neither.
    """
    value = text.strip()
    day: date | None = None
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(value, fmt).date()
            break
        except ValueError:
            continue
    if day is not None:
        if end:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise AuditError(
            "Date invalide : attendu AAAA-MM-JJ, JJ/MM/AAAA ou AAAA-MM-JJTHH:MM.",
            detail=f"{value[:40]!r}",
            field=field,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.astimezone(UTC)
