"""Appending to the access trace: one hash-chained record per traced interaction.

Why a chain: the trace is evidence (who opened which patient's DMP, in which access mode,
for what reason). Each record's hash covers the previous record's hash and the record's
own canonical content, so changing, inserting or deleting any record breaks every later
link, which :func:`esante.audit.verify.verify_chain` detects.

Why the head row: several writers (the console, any number of workers on PostgreSQL)
append at once. Each append starts by *updating* the single ``audit_chain_head`` row;
that write takes the row lock on PostgreSQL and the database write lock on SQLite, so
appends are serialised and the chain stays a line. The append runs in the caller's
transaction: the trace commits (or rolls back) with the action it records — and holds
the chain's lock until then, so keep such transactions short. A failed action whose
transaction rolls back must still be traced: :func:`append_committed` writes in a
transaction of its own and retries when another writer holds the lock for too long.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Connection, String, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from esante.audit.anchor import note_append
from esante.audit.errors import AuditError
from esante.store.base import utcnow
from esante.store.models import AuditChainHead, AuditRecord
from esante.trust.vocabulary import AccessMode

GENESIS = "0" * 64
"""The ``previous_hash`` of the first record."""

CHANNELS = ("dmp", "mss", "consent", "dossier")
"""``dossier``: the practice's patient records read or changed (:mod:`esante.practice.trace`)."""
OUTCOMES = ("success", "failure", "refused")
ACCESS_MODES = tuple(mode.value for mode in AccessMode)
_HEAD_ID = 1

HASHED_FIELDS = (
    "sequence",
    "at",
    "channel",
    "action",
    "actor_id",
    "actor_name",
    "structure_id",
    "patient_ins",
    "document_unique_id",
    "access_mode",
    "reason",
    "outcome",
    "detail",
)
"""The fields every record's hash covers (records written before schema 0004)."""

OPTIONAL_HASHED_FIELDS = ("actor_role", "origin")
"""Fields the hash covers only when set (schema 0004): a record written before they
existed has neither, and its hash — computed without them — still verifies."""

_TEXT_FIELDS = (
    "channel",
    "action",
    "outcome",
    "actor_id",
    "actor_name",
    "structure_id",
    "patient_ins",
    "document_unique_id",
    "access_mode",
    "reason",
    "detail",
    "actor_role",
    "origin",
)
_REQUIRED_FIELDS = frozenset({"channel", "action", "outcome"})


def _column_limits() -> dict[str, int]:
    """Maximum lengths of the bounded text columns (PostgreSQL enforces them, SQLite not)."""
    limits: dict[str, int] = {}
    for name in _TEXT_FIELDS:
        column_type = AuditRecord.__table__.columns[name].type
        if isinstance(column_type, String) and column_type.length is not None:
            limits[name] = column_type.length
    return limits


_LIMITS = _column_limits()


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What happened, as the trace keeps it.

    ``actor_id`` is the professional's idNat_PS (``8`` + RPPS), ``structure_id`` the
    idNat_Struct, ``actor_role`` the actor's role (``medecin``, ``secretaire``, an API
    key...), ``origin`` where the request came from (client address, ``cli``,
    ``worker``), ``patient_ins`` the INS as ``matricule^^^&oid&ISO`` or the matricule
    alone; ``access_mode`` ``normal``, ``bris_de_glace`` or ``centre_15``; ``outcome``
    one of :data:`OUTCOMES`; ``detail`` an error code or a short technical note (no
    secrets). ``at`` defaults to now and must be time-zone aware. Empty strings are
    kept as "absent" (``None``), so that a CSV extract, where both read the same, can
    still be re-hashed.
    """

    channel: str
    action: str
    outcome: str
    actor_id: str | None = None
    actor_name: str | None = None
    structure_id: str | None = None
    patient_ins: str | None = None
    document_unique_id: str | None = None
    access_mode: str | None = None
    reason: str | None = None
    detail: str | None = None
    at: datetime | None = None
    actor_role: str | None = None
    origin: str | None = None


def canonical_at(at: datetime) -> str:
    """The timestamp as hashed: UTC, microseconds, ISO 8601 (same on every backend).

    ``2024-01-02T03:04:05.678901Z`` (the ``%Y-%m-%dT%H:%M:%S.%fZ`` form).
    """
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# One encoder for every hash: json.dumps would build a new one per call (the verify walk
# hashes millions of records).
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_hash(previous_hash: str, values: Mapping[str, object]) -> str:
    """SHA-256 of the previous hash and the canonical JSON of the hashed fields.

    ``values["at"]`` is a datetime or already the :func:`canonical_at` string (as in an
    exported extract).
    """
    return _digest(previous_hash, hashed_content(values))


def hashed_content(values: Mapping[str, object]) -> dict[str, object]:
    """The content a record's hash covers: :data:`HASHED_FIELDS`, and the
    :data:`OPTIONAL_HASHED_FIELDS` that are set."""
    content = {name: values.get(name) for name in HASHED_FIELDS}
    for name in OPTIONAL_HASHED_FIELDS:
        value = values.get(name)
        if value is not None:
            content[name] = value
    return content


def _digest(previous_hash: str, content: dict[str, object]) -> str:
    """The hash of ``content`` (exactly the hashed fields; ``at`` is canonicalised here)."""
    at = content["at"]
    if isinstance(at, datetime):
        content["at"] = canonical_at(at)
    payload = _CANONICAL_JSON.encode(content)
    return hashlib.sha256((previous_hash + payload).encode("utf-8")).hexdigest()


def _refuse(message: str, detail: str, field: str) -> AuditError:
    return AuditError(f"Trace d'accès impossible : {message}", detail=detail, field=field)


def _event_values(event: AuditEvent) -> dict[str, object]:
    """The event's stored values, checked and normalised (plain ``str``, ``""`` → ``None``).

    Raises :class:`AuditError` for what the trace cannot keep faithfully: an unknown
    channel, outcome or access mode, a missing action, a value longer than its column
    (PostgreSQL would refuse it, SQLite would keep it), a naive timestamp.
    """
    values: dict[str, object] = {}
    for name in _TEXT_FIELDS:
        raw = getattr(event, name)
        value = None if raw is None or str(raw) == "" else str(raw)
        if value is None and name in _REQUIRED_FIELDS:
            raise _refuse("information obligatoire manquante.", f"{name} is empty", name)
        if value is not None:
            limit = _LIMITS.get(name)
            if limit is not None and len(value) > limit:
                raise _refuse(
                    "valeur trop longue.", f"{name} has {len(value)} > {limit} characters", name
                )
            if "\x00" in value:
                raise _refuse("caractère interdit.", f"{name} contains NUL", name)
        values[name] = value
    if values["channel"] not in CHANNELS:
        raise _refuse("canal inconnu.", f"channel {event.channel!r} not in {CHANNELS}", "channel")
    if values["outcome"] not in OUTCOMES:
        raise _refuse(
            "résultat inconnu.", f"outcome {event.outcome!r} not in {OUTCOMES}", "outcome"
        )
    if values["access_mode"] is not None and values["access_mode"] not in ACCESS_MODES:
        raise _refuse(
            "mode d'accès inconnu.",
            f"access_mode {event.access_mode!r} not in {ACCESS_MODES}",
            "access_mode",
        )
    if event.at is not None and event.at.tzinfo is None:
        raise _refuse("horodatage sans fuseau horaire.", "naive datetime for at", "at")
    values["at"] = (event.at or utcnow()).astimezone(UTC)
    return values


def append(session: Session, event: AuditEvent) -> AuditEntry:
    """Append ``event`` to the trace in the session's transaction; return the new entry.

    The chain's lock is held until the caller commits or rolls back. Raises
    :class:`AuditError` for an event the trace cannot keep (see :class:`AuditEvent`; a
    programming error that must not pass silently: an untraceable action is refused).
    """
    return append_many(session, [event])[0]


def append_many(session: Session, events: Sequence[AuditEvent]) -> list[AuditEntry]:
    """Append ``events``, in order, in the session's transaction; return the new entries.

    The chain's lock is taken once for all of them, and the records are written in one
    statement: three statements whatever their number (bump the head, insert the
    records, set the head's hash; two for a single record on PostgreSQL, see
    :func:`_write_records`). A worker recording a batch of sends, or a page of 50
    patients read, pays for one append, not one per record. Every event is checked
    before anything is written: one the trace cannot keep refuses the whole call
    (:class:`AuditError`).

    The statements are prebuilt Core statements run on the session's connection: an
    ORM-enabled ``update()`` re-synchronises the session's objects after the statement,
    and a statement built per call is re-analysed for SQLAlchemy's compiled cache; on a
    traced read those two cost about as much as the database's own work.
    """
    checked = [_event_values(event) for event in events]
    if not checked:
        return []
    connection = session.connection(bind_arguments={"mapper": AuditChainHead})
    last, previous_hash = _lock_head(connection, len(checked))
    for sequence, values in enumerate(checked, start=last - len(checked) + 1):
        values["sequence"] = sequence
        values["previous_hash"] = previous_hash
        values["hash"] = previous_hash = record_hash(previous_hash, values)
    ids = _write_records(connection, checked, previous_hash)
    note_append(session, last, previous_hash)
    return [
        AuditEntry(id=ids[cast(int, values["sequence"])], **values)  # type: ignore[arg-type]
        for values in checked
    ]


_HEAD = cast(Table, AuditChainHead.__table__)
_RECORDS = cast(Table, AuditRecord.__table__)
_BUMP_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == _HEAD_ID)
    .values(sequence=_HEAD.c.sequence + bindparam("count"))
    .returning(_HEAD.c.sequence, _HEAD.c.hash)
)
"""Take the chain's lock (the row's on PostgreSQL, the database's write lock on SQLite)
and reserve ``count`` numbers: one statement, which also reads the head."""
_SET_HEAD_HASH = update(_HEAD).where(_HEAD.c.id == _HEAD_ID).values(hash=bindparam("new_hash"))
_INSERT_RECORDS = insert(_RECORDS).returning(_RECORDS.c.id, _RECORDS.c.sequence)
"""The records of a batch in one ``INSERT … VALUES (…), (…) RETURNING``: the ids are
matched to the records by their sequence number. (Asking SQLAlchemy for the rows in
parameter order instead, ``sort_by_parameter_order``, makes it send one ``INSERT`` per
record on SQLite, whose integer keys it cannot use as a sentinel.)"""
_STORED = (*_TEXT_FIELDS, "at", "sequence", "previous_hash", "hash")
_INSERT_ONE_WITH_HEAD = (
    insert(_RECORDS)
    .values({name: bindparam(f"record_{name}") for name in _STORED})
    .returning(_RECORDS.c.id, _RECORDS.c.sequence)
    .add_cte(_SET_HEAD_HASH.cte("head"))
)
"""PostgreSQL: one record and the head's new hash in one statement. Every value is set
explicitly under a name of its own: parameters named after columns would also be taken
as values for the head's ``UPDATE`` (both tables have a ``sequence`` and a ``hash``)."""
_READ_HEAD = select(_HEAD.c.sequence, _HEAD.c.hash).where(_HEAD.c.id == _HEAD_ID)


def _write_records(
    connection: Connection, records: list[dict[str, object]], head_hash: str
) -> dict[int, int]:
    """Insert ``records`` and set the head's hash to ``head_hash``; the new rows' ids by
    sequence number.

    A single record on PostgreSQL (a traced read) goes with the head's update in one
    prebuilt statement (``WITH head AS (UPDATE …) INSERT … RETURNING``: a data-modifying
    ``WITH`` runs exactly once, whether read or not): one round trip less, and the read
    waits for each. A batch takes two statements, its records in one multi-row
    ``INSERT``: building a data-modifying ``WITH`` with the batch's rows inline costs
    far more processor time per call (no compiled form to reuse) than the round trip it
    saves. SQLite has no data-modifying ``WITH``; there the statements run in process.
    """
    if connection.dialect.name == "postgresql" and len(records) == 1:
        values = {f"record_{name}": records[0][name] for name in _STORED}
        [(row_id, seq)] = connection.execute(
            _INSERT_ONE_WITH_HEAD, {**values, "new_hash": head_hash}
        )
        return {int(seq): int(row_id)}
    ids = {int(seq): int(row_id) for row_id, seq in connection.execute(_INSERT_RECORDS, records)}
    connection.execute(_SET_HEAD_HASH, {"new_hash": head_hash})
    return ids


def _bump_head(connection: Connection, count: int) -> tuple[int, str] | None:
    bumped = connection.execute(_BUMP_HEAD, {"count": count}).one_or_none()
    return None if bumped is None else (int(bumped[0]), str(bumped[1]))


def _lock_head(connection: Connection, count: int = 1) -> tuple[int, str]:
    """Take the chain's lock and reserve ``count`` sequence numbers: (the last of them,
    the hash of the record before the first).

    The first append ever finds no head row and creates it (empty chain: sequence 0,
    :data:`GENESIS`) before bumping it. Two first writers may race there: the insert
    ignores a conflicting row — on PostgreSQL it waits for the other writer's
    transaction, then does nothing — and the second bump sees the winner's row, so
    neither caller has to retry.
    """
    bumped = _bump_head(connection, count)
    if bumped is not None:
        return bumped
    row = {"id": _HEAD_ID, "sequence": 0, "hash": GENESIS}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(postgresql.insert(_HEAD).values(row).on_conflict_do_nothing())
    elif dialect == "sqlite":
        connection.execute(sqlite.insert(_HEAD).values(row).on_conflict_do_nothing())
    else:  # pragma: no cover - esante supports SQLite and PostgreSQL only
        try:
            with connection.begin_nested():
                connection.execute(insert(_HEAD).values(row))
        except IntegrityError:
            pass
    bumped = _bump_head(connection, count)
    if bumped is None:  # pragma: no cover - the row exists now, or the insert raised
        raise AuditError(
            "Trace d'accès impossible : tête de chaîne introuvable.",
            detail="audit_chain_head row missing after insert",
        )
    return bumped


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One record of the trace as plain values (what queries, exports and checks read).

    ``id`` is the row's technical key (not hashed; it only tells which row was written
    later when the chain breaks).
    """

    id: int
    sequence: int
    at: datetime
    channel: str
    action: str
    actor_id: str | None
    actor_name: str | None
    structure_id: str | None
    patient_ins: str | None
    document_unique_id: str | None
    access_mode: str | None
    reason: str | None
    outcome: str
    detail: str | None
    previous_hash: str
    hash: str
    actor_role: str | None = None
    origin: str | None = None

    def hashed_values(self) -> dict[str, object]:
        """The values :func:`record_hash` covers."""
        return hashed_content(
            {f: getattr(self, f) for f in (*HASHED_FIELDS, *OPTIONAL_HASHED_FIELDS)}
        )

    def computed_hash(self, sequence: int | None = None) -> str:
        """The hash of this entry's content, as :func:`record_hash` computes it — or as it
        would be under another ``sequence`` number (to recognise a renumbered record)."""
        content = self.hashed_values()
        if sequence is not None:
            content["sequence"] = sequence
        return _digest(self.previous_hash, content)


ENTRY_FIELDS = tuple(f.name for f in fields(AuditEntry))
"""The columns of :class:`AuditEntry`, in order (the ``select`` of every reader)."""


def append_committed(
    sessions: Callable[[], Session],
    event: AuditEvent,
    *,
    attempts: int = 5,
) -> AuditEntry:
    """Append ``event`` in a transaction of its own, commit, and return the new entry.

    For traces that must survive the caller's rollback (a refused or failed DMP call)
    or that have no transaction to join (a read-only consultation). ``sessions`` makes a
    new session (a ``sessionmaker``). A writer that finds the chain locked for longer
    than the database's lock timeout ("database is locked" on SQLite, a serialisation
    failure or deadlock on PostgreSQL) tries again, ``attempts`` times in all.

    Raises :class:`AuditError` for an invalid event, or when every attempt failed.
    """
    last: DBAPIError | None = None
    for attempt in range(max(1, attempts)):
        with sessions() as session:
            try:
                entry = append(session, event)
                session.commit()
                return entry
            except DBAPIError as exc:
                session.rollback()
                if not is_transient(exc):
                    raise AuditError(
                        "Trace d'accès impossible : la base de données a refusé l'écriture.",
                        detail=f"{type(exc.orig).__name__}: {exc.orig}",
                    ) from exc
                last = exc
        time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
    raise AuditError(
        "Trace d'accès impossible : la base de données est occupée, réessayez.",
        detail=f"{attempts} attempts, last: {last.orig if last else None}",
    ) from last


_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_transient(exc: DBAPIError) -> bool:
    """Whether another attempt may succeed: lock contention, not a bad statement."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _TRANSIENT_SQLSTATES:
        return True
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


def read_head(session: Session) -> tuple[int, str] | None:
    """The head row as (sequence, hash), ``None`` before the first append."""
    row = session.execute(_READ_HEAD).one_or_none()
    return None if row is None else (int(row[0]), str(row[1]))
