"""Checking the access trace: is the hash chain intact, and if not, where and how broken.

The walk reads the chain in sequence order, a page at a time (bounded memory whatever
the trace's size), and for every record checks, in this order:

* continuity: its sequence follows the previous one (a gap is a **deleted** record);
* content: its hash recomputes from its previous hash and its fields (else **altered**;
  a record that hashes right only under the neighbouring sequence number was renumbered
  to hide an **inserted** or a **deleted** record);
* link: its previous hash is the previous record's hash. The record itself is intact, so
  its predecessor is not the record it was chained to: that predecessor was rewritten
  with a recomputed hash (**altered**), or deleted and replaced by a row written later
  (**inserted**, told by the row id).

The head row closes the walk: it names the last sequence and its hash. Records missing
at the end are **deleted**; a last hash that differs is a **head mismatch**; records
beyond the head are **inserted**.

The walk is bounded by the head read at its start, so appends that commit meanwhile
are neither checked nor mistaken for forgeries (a record and the head move in one
transaction). What no chain can prove: a forger who rewrites a record *and every later
one* *and* the head, or who wipes the tables. Given an :class:`~esante.audit.anchor.Anchor`,
the walk also checks the chain against the highest checkpoint of the journal kept
outside the database (:mod:`esante.audit.anchor`): a record it attests that is missing
(**truncated**: tail cut and head rewritten, table wiped) or hashes otherwise
(**rewritten**: edited then rehashed), or a journal that fails its MACs (**anchor
tampered**), breaks the trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from esante.audit.anchor import Anchor, Checkpoint, JournalState
from esante.audit.chain import GENESIS, AuditEntry, read_head
from esante.audit.errors import AuditChainError
from esante.audit.query import DEFAULT_BATCH, iter_entries
from esante.store.models import AuditRecord

PARIS = ZoneInfo("Europe/Paris")
Progress = Callable[[int, int], None]
"""Called after each page with (records checked, records to check)."""


class BreakKind(StrEnum):
    """How the chain is broken."""

    ALTERED = "altered"
    DELETED = "deleted"
    INSERTED = "inserted"
    HEAD_MISMATCH = "head_mismatch"
    TRUNCATED = "truncated"
    REWRITTEN = "rewritten"
    ANCHOR_TAMPERED = "anchor_tampered"


BREAK_LABELS = {
    BreakKind.ALTERED: "enregistrement modifié",
    BreakKind.DELETED: "enregistrement supprimé",
    BreakKind.INSERTED: "enregistrement inséré",
    BreakKind.HEAD_MISMATCH: "tête de chaîne incohérente",
    BreakKind.TRUNCATED: "enregistrements ancrés disparus",
    BreakKind.REWRITTEN: "trace réécrite depuis son ancrage",
    BreakKind.ANCHOR_TAMPERED: "ancrage compromis",
}
"""French names of the kinds, for people."""


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place where the chain does not hold.

    ``sequence``: the first sequence number at fault (the deleted, altered or inserted
    record's). ``message``: French, for people. ``detail``: technical (hashes, ids).
    """

    kind: BreakKind
    sequence: int
    message: str
    detail: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The result of :func:`verify_chain`.

    ``checked``: records checked. ``head_sequence``/``head_hash``: the head the walk was
    bounded by (``0``/:data:`GENESIS` for an empty trace). ``problem``: ``None`` when the
    chain holds. ``anchor``: the journal's state when an anchor was given (its highest
    checkpoint is what the chain was checked against).
    """

    checked: int
    head_sequence: int
    head_hash: str
    problem: ChainBreak | None = None
    anchor: JournalState | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def raise_if_broken(self) -> None:
        """Raise :class:`AuditChainError` (French message, technical detail) if broken."""
        if self.problem is not None:
            raise AuditChainError(self.problem.message, detail=self.problem.detail)


def _h(digest: str) -> str:
    return digest[:16]


def _rehashes_as(entry: AuditEntry, sequence: int) -> bool:
    return entry.computed_hash(sequence) == entry.hash


def content_holds(entry: AuditEntry) -> bool:
    """Whether the record's hash recomputes from its previous hash and its fields."""
    return entry.computed_hash() == entry.hash


def altered(entry: AuditEntry) -> ChainBreak:
    """The break of a record whose content no longer matches its hash."""
    return ChainBreak(
        BreakKind.ALTERED,
        entry.sequence,
        f"Trace d'accès altérée : l'enregistrement n° {entry.sequence} a été modifié "
        "(son empreinte ne correspond plus à son contenu).",
        f"record {entry.sequence} (id {entry.id}): stored hash {_h(entry.hash)}… "
        "does not match its content",
    )


def check_link(previous: AuditEntry | None, entry: AuditEntry) -> ChainBreak | None:
    """Check ``entry`` against the record before it (``None``: it should be the first).

    Pure: the walk of :func:`verify_chain` and the check of an exported extract share it.
    """
    expected = 1 if previous is None else previous.sequence + 1
    if previous is not None and entry.sequence <= previous.sequence:
        return ChainBreak(
            BreakKind.INSERTED,
            entry.sequence,
            f"Trace d'accès altérée : l'enregistrement n° {entry.sequence} est en double "
            "(enregistrement inséré).",
            f"sequence {entry.sequence} after {previous.sequence} (ids {previous.id}, {entry.id})",
        )
    if entry.sequence > expected:
        missing = entry.sequence - expected
        span = (
            f"l'enregistrement n° {expected} manque"
            if missing == 1
            else f"les enregistrements n° {expected} à {entry.sequence - 1} manquent"
        )
        return ChainBreak(
            BreakKind.DELETED,
            expected,
            f"Trace d'accès altérée : {span} (enregistrement supprimé).",
            f"sequence {entry.sequence} follows {expected - 1}",
        )
    if not content_holds(entry):
        if previous is not None and _rehashes_as(entry, entry.sequence - 1):
            return ChainBreak(
                BreakKind.INSERTED,
                previous.sequence,
                f"Trace d'accès altérée : l'enregistrement n° {previous.sequence} a été inséré "
                "(les suivants ont été renumérotés).",
                f"record {entry.sequence} hashes as sequence {entry.sequence - 1}",
            )
        if _rehashes_as(entry, entry.sequence + 1):
            return ChainBreak(
                BreakKind.DELETED,
                entry.sequence,
                f"Trace d'accès altérée : l'enregistrement n° {entry.sequence} a été supprimé "
                "(les suivants ont été renumérotés).",
                f"record {entry.sequence} hashes as sequence {entry.sequence + 1}",
            )
        return altered(entry)
    expected_previous = GENESIS if previous is None else previous.hash
    if entry.previous_hash == expected_previous:
        return None
    if previous is None:
        return ChainBreak(
            BreakKind.ALTERED,
            entry.sequence,
            f"Trace d'accès altérée : l'enregistrement n° {entry.sequence} ne commence "
            "pas la chaîne.",
            f"first record's previous hash {_h(entry.previous_hash)}… is not GENESIS",
        )
    kind = BreakKind.INSERTED if previous.id > entry.id else BreakKind.ALTERED
    what = "remplacé par un enregistrement inséré" if kind is BreakKind.INSERTED else "modifié"
    return ChainBreak(
        kind,
        previous.sequence,
        f"Trace d'accès altérée : l'enregistrement n° {previous.sequence} a été {what} "
        f"(le chaînage du n° {entry.sequence} vers lui est rompu).",
        f"record {entry.sequence} links to {_h(entry.previous_hash)}…, record "
        f"{previous.sequence} (id {previous.id}, next id {entry.id}) has {_h(previous.hash)}…",
    )


def check_end(last: AuditEntry | None, head_sequence: int, head_hash: str) -> ChainBreak | None:
    """Check the last record walked against the head row it was bounded by."""
    last_sequence = 0 if last is None else last.sequence
    last_hash = GENESIS if last is None else last.hash
    if last_sequence < head_sequence:
        first = last_sequence + 1
        span = (
            f"le dernier enregistrement (n° {first}) manque"
            if first == head_sequence
            else f"les enregistrements n° {first} à {head_sequence} manquent"
        )
        return ChainBreak(
            BreakKind.DELETED,
            first,
            f"Trace d'accès altérée : {span} (enregistrement supprimé).",
            f"head at sequence {head_sequence}, last record {last_sequence}",
        )
    if last_hash != head_hash:
        return ChainBreak(
            BreakKind.HEAD_MISMATCH,
            head_sequence,
            f"Trace d'accès altérée : la tête de chaîne ne correspond pas au dernier "
            f"enregistrement (n° {head_sequence}) : il a été modifié, ou la tête l'a été.",
            f"head hash {_h(head_hash)}…, record {head_sequence} hash {_h(last_hash)}…",
        )
    return None


def verify_chain(
    session: Session,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    anchor: Anchor | None = None,
) -> VerifyReport:
    """Walk the whole trace and report whether its hash chain holds (see the module doc).

    Reads only; ``progress`` is called after every page of ``batch_size`` records.
    With ``anchor``, the journal is read first (so every checkpoint in it was written
    after its records committed, before the head is read) and the chain is checked
    against its highest checkpoint. Never raises for a broken chain (see
    :meth:`VerifyReport.raise_if_broken`).
    """
    journal = None if anchor is None else anchor.read()
    attested = None if journal is None else journal.highest
    report, found = _walk(session, batch_size, progress, attested)
    report = replace(report, anchor=journal)
    if report.problem is not None or journal is None:
        return report
    return replace(report, problem=_check_anchor(report, journal, found))


def _walk(
    session: Session,
    batch_size: int,
    progress: Progress | None,
    attested: Checkpoint | None,
) -> tuple[VerifyReport, str | None]:
    """The chain walk; also returns the hash of the record the checkpoint attests."""
    found: str | None = None
    head = read_head(session)
    if head is None:
        return _beyond_head(session, VerifyReport(0, 0, GENESIS)), None
    head_sequence, head_hash = head
    previous: AuditEntry | None = None
    checked = 0
    for entry in iter_entries(session, upto=head_sequence, batch_size=batch_size):
        problem = check_link(previous, entry)
        if problem is not None:
            return VerifyReport(checked, head_sequence, head_hash, problem), found
        if attested is not None and entry.sequence == attested.sequence:
            found = entry.hash
        previous = entry
        checked += 1
        if progress is not None and checked % batch_size == 0:
            progress(checked, head_sequence)
    if progress is not None:
        progress(checked, head_sequence)
    problem = check_end(previous, head_sequence, head_hash)
    report = VerifyReport(checked, head_sequence, head_hash, problem)
    return (report if problem is not None else _beyond_head(session, report)), found


def _check_anchor(
    report: VerifyReport, journal: JournalState, found: str | None
) -> ChainBreak | None:
    """The break the journal shows in an otherwise sound chain, if any."""
    if journal.problem is not None:
        return ChainBreak(
            BreakKind.ANCHOR_TAMPERED,
            report.head_sequence,
            f"Ancrage de la trace d'accès compromis : {journal.problem}",
            journal.detail or "",
        )
    attested = journal.highest
    if attested is None:
        return None
    when = _paris(attested.at)
    if attested.sequence > report.head_sequence:
        first = report.head_sequence + 1
        return ChainBreak(
            BreakKind.TRUNCATED,
            first,
            f"Trace d'accès altérée : le journal d'ancrage atteste l'enregistrement "
            f"n° {attested.sequence} ({when}), la trace s'arrête au n° {report.head_sequence} : "
            f"les enregistrements n° {first} à {attested.sequence} ont été supprimés ou "
            "perdus (restauration d'une sauvegarde, panne de la base). À expliquer avant "
            "de repartir d'un nouveau journal (esante audit ancrer --nouveau-journal).",
            f"checkpoint line {attested.line}: sequence {attested.sequence}, head at "
            f"{report.head_sequence}",
        )
    if found != attested.hash:
        return ChainBreak(
            BreakKind.REWRITTEN,
            attested.sequence,
            f"Trace d'accès altérée : l'enregistrement n° {attested.sequence} n'est plus "
            f"celui ancré le {when} : la trace a été réécrite (empreintes recalculées) "
            "jusqu'à ce numéro au moins.",
            f"checkpoint line {attested.line}: hash {_h(attested.hash)}…, record "
            f"{attested.sequence} has {_h(found or '')}…",
        )
    return None


def _paris(at: datetime) -> str:
    return at.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M:%S (heure de Paris)")


def _beyond_head(session: Session, report: VerifyReport) -> VerifyReport:
    """Records past the head: forged, unless appended since (then the head moved too).

    The highest sequence is read before the head again: a record and its head commit
    together, so a legitimate record can never be seen beyond a head read after it.
    """
    highest = session.scalar(select(func.max(AuditRecord.sequence)))
    if highest is None:
        return report
    head = read_head(session)
    head_sequence = 0 if head is None else head[0]
    if highest <= head_sequence:
        return report
    if head is None:
        message = (
            "Trace d'accès altérée : la tête de chaîne a disparu alors que la trace contient "
            "des enregistrements."
        )
        kind = BreakKind.HEAD_MISMATCH
    else:
        message = (
            f"Trace d'accès altérée : l'enregistrement n° {head_sequence + 1} a été inséré "
            "après la fin de la chaîne."
        )
        kind = BreakKind.INSERTED
    problem = ChainBreak(
        kind,
        head_sequence + 1,
        message,
        f"records up to sequence {highest}, head at {head_sequence}",
    )
    return replace(report, problem=problem)
