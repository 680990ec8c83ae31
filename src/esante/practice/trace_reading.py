"""Reading the access trace at the console: authorised, itself traced, exported for people.

Reading the trace is an access to patient data (it says which patient was seen, by whom,
when): the patient's right to know who accessed their record (``dmp-exigences.md``
EX_AIR-070/090; RGPD art. 15) is answered by a person of the practice, and that reading
is traced like any other (channel ``dossier``, actions :data:`TRACE_READ` and
:data:`TRACE_EXPORT`, with the patient when one patient's accesses are read).

**Who may read it** (decision, issue 14): the *health professionals* of the structure —
signed in nominatively, any profession — read the structure's trace and any patient's.
The secretariat does not: the trace tells which patients each colleague opened and why
(break-glass reasons, refusals), which is medical information about the patients and
professional information about the staff; answering a patient's request is a
professional's (or the DPO's, through ``esante audit patient``) act. API keys never read
it here (programs use ``esante audit export``). An actor without a structure reads
nothing. A refusal is traced and committed, like every refusal of
:func:`esante.practice.trace.check`.

**The CSV for people** (:func:`trace_csv`): the spreadsheet a patient or a DPO opens —
UTF-8 *with* a byte-order mark (so that a spreadsheet reads the accents right without an
import dialog), ``;`` as separator (the French locale's list separator: ``,`` is the
decimal comma), French column names, times in Paris and in UTC, the trace number. A cell
that a spreadsheet would take as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or CR) is prefixed with ``'`` (OWASP "CSV injection"): a reason typed by a user is
shown as text, never computed. The evidence extract — every field as hashed, to be
re-verified without the database — stays ``esante audit export`` (RFC 4180, commas).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from esante import audit
from esante.audit.chain import ENTRY_FIELDS, canonical_at
from esante.audit.query import PARIS
from esante.practice import trace
from esante.practice.access import AccessDeniedError
from esante.practice.actors import ROLE_APIKEY, ROLE_SECRETAIRE, Actor
from esante.practice.consent import AUDIT_ACTION_LABELS
from esante.practice.dmp_consultation import CONSULTATION_ACTIONS
from esante.practice.orders import ORDER_TRACE_ACTIONS
from esante.store.models import AuditRecord, Patient

__all__ = [
    "CHANNEL_LABELS",
    "CSV_COLUMNS",
    "MODE_LABELS",
    "OUTCOME_LABELS",
    "TRACE_EXPORT",
    "TRACE_READ",
    "TraceLine",
    "TracePage",
    "action_labels",
    "may_read_trace",
    "patient_filter",
    "read_trace",
    "trace_csv",
    "trace_integrity",
    "traced_actions",
]

TRACE_READ: Final = "traces:read"
TRACE_EXPORT: Final = "traces:export"
PAGE_SIZE: Final = 50
_COLUMNS: Final = tuple(getattr(AuditRecord, name) for name in ENTRY_FIELDS)
MAX_PAGE: Final = 500

CHANNEL_LABELS: Final = {
    "dmp": "DMP",
    "mss": "MSSanté",
    "consent": "Consentement",
    "dossier": "Dossier patient",
}
OUTCOME_LABELS: Final = {"success": "succès", "failure": "échec", "refused": "refusé"}
MODE_LABELS: Final = {
    "normal": "normal",
    "bris_de_glace": "accès en urgence (bris de glace)",
    "centre_15": "centre 15 (régulation)",
}
_OWN_LABELS: Final = {
    TRACE_READ: "Lecture de la trace des accès",
    TRACE_EXPORT: "Export de la trace des accès",
    "TD0.2": "Vérification de l'existence du DMP",
    "TD0.3": "Autorisation d'accès au DMP",
    "TD2.1": "Alimentation du DMP (dépôt d'un document)",
    "TD3.1": "Recherche de documents dans le DMP",
    "TD3.2": "Lecture d'un document du DMP",
    "TD3.3a": "Masquage d'un document du DMP",
    "TD3.3b": "Visibilité d'un document du DMP pour le patient",
    "TD3.3c": "Suppression d'un document du DMP",
    "TD3.3d": "Archivage d'un document du DMP",
    "inbox:read": "Consultation de la messagerie MSSanté",
    "inbox:fetch": "Relève de la messagerie MSSanté",
    "envoi": "Envoi d'un message MSSanté",
    "reception": "Réception d'un message MSSanté",
    "accuse_reception_recu": "Accusé de réception MSSanté reçu",
    "accuse_reception_envoye": "Accusé de réception MSSanté envoyé",
    "avis_distribution_recu": "Avis de distribution MSSanté reçu",
}


def action_labels() -> dict[str, str]:
    """French labels of the traced actions (the practice's records, orders, consent,
    the DMP's and MSSanté's transactions); an unknown code is shown as is."""
    return {
        **_OWN_LABELS,
        **trace.ACTION_LABELS,
        **ORDER_TRACE_ACTIONS,
        **CONSULTATION_ACTIONS,
        **AUDIT_ACTION_LABELS,
    }


def may_read_trace(actor: Actor) -> bool:
    """Whether ``actor`` may read the access trace (see the module docstring)."""
    return (
        actor.structure_id is not None
        and actor.role not in (ROLE_SECRETAIRE, ROLE_APIKEY)
        and actor.is_professional
    )


def _authorise(session: Session, actor: Actor, action: str, patient: Patient | None) -> None:
    """Raise :class:`AccessDeniedError` (the refusal traced and committed) unless allowed."""
    if may_read_trace(actor):
        return
    detail = f"{actor.kind} actor with role {actor.role!r} may not read the access trace"
    trace.record(
        session, actor, action, [] if patient is None else [patient], outcome="refused",
        detail=detail,
    )  # fmt: skip
    session.commit()
    raise AccessDeniedError(
        "Votre rôle ne permet pas de consulter la trace des accès : elle est réservée aux "
        "professionnels de santé de la structure.",
        detail=detail,
    )


def patient_filter(patient: Patient, criteria: audit.AuditFilter) -> audit.AuditFilter:
    """``criteria`` narrowed to ``patient``: the records naming their INS (DMP, MSSanté,
    consent; the record once qualified) or their IPP (the record before qualification)."""
    matricule = patient.ins_matricule.strip() if patient.ins_matricule else None
    return replace(criteria, patient=matricule or None, local_id=patient.local_id)


@dataclass(frozen=True)
class TraceLine:
    """One record of the trace as a person reads it (labels in French)."""

    entry: audit.AuditEntry
    action_label: str
    channel_label: str
    outcome_label: str
    mode_label: str | None

    @property
    def ins(self) -> str | None:
        """The INS matricule alone (without ``^^^&oid&ISO``)."""
        return None if self.entry.patient_ins is None else self.entry.patient_ins.split("^")[0]


@dataclass(frozen=True)
class TracePage:
    """A page of the trace, newest first: ``total`` records match; ``older`` is the
    sequence to read before for the next (older) page, None on the last one."""

    lines: list[TraceLine]
    total: int
    older: int | None


def _line(entry: audit.AuditEntry, labels: dict[str, str]) -> TraceLine:
    return TraceLine(
        entry,
        labels.get(entry.action, entry.action),
        CHANNEL_LABELS.get(entry.channel, entry.channel),
        OUTCOME_LABELS.get(entry.outcome, entry.outcome),
        None if entry.access_mode is None else MODE_LABELS.get(entry.access_mode),
    )


def _describe(criteria: audit.AuditFilter, patient: Patient | None) -> str | None:
    """What was asked for, as the read's trace ``detail`` says it (no patient names)."""
    parts = []
    for name in ("professional", "action", "channel"):
        value = getattr(criteria, name)
        if value:
            parts.append(f"{name}={value}")
    if criteria.since is not None:
        parts.append(f"since={canonical_at(criteria.since)}")
    if criteria.until is not None:
        parts.append(f"until={canonical_at(criteria.until)}")
    if patient is None:
        parts.insert(0, "structure")
    return "; ".join(parts) or None


def read_trace(
    session: Session,
    actor: Actor,
    criteria: audit.AuditFilter,
    *,
    patient: Patient | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> TracePage:
    """A page of the records matching ``criteria`` (narrowed to ``patient`` when given),
    newest first, read before sequence ``before``; authorised and traced
    (:data:`TRACE_READ`, with the patient). Raises :class:`AccessDeniedError`."""
    _authorise(session, actor, TRACE_READ, patient)
    if patient is not None:
        criteria = patient_filter(patient, criteria)
    size = max(1, min(limit, MAX_PAGE))
    conditions = criteria.conditions()
    total = session.scalar(select(func.count()).select_from(AuditRecord).where(*conditions))
    query = select(*_COLUMNS).where(*conditions)
    if before is not None:
        query = query.where(AuditRecord.sequence < before)
    rows = session.execute(query.order_by(AuditRecord.sequence.desc()).limit(size + 1)).all()
    entries = [audit.AuditEntry(*row) for row in rows[:size]]
    older = entries[-1].sequence if len(rows) > size else None
    labels = action_labels()
    trace.record(
        session,
        actor,
        TRACE_READ,
        [] if patient is None else [patient],
        detail=_describe(criteria, patient),
    )
    return TracePage([_line(e, labels) for e in entries], int(total or 0), older)


def traced_actions(session: Session) -> list[tuple[str, str]]:
    """The action codes present in the trace with their French labels, sorted by label
    (the choices of the console's action filter)."""
    labels = action_labels()
    codes = session.scalars(select(AuditRecord.action).distinct())
    return sorted(((c, labels.get(c, c)) for c in codes), key=lambda item: item[1].lower())


CSV_COLUMNS: Final = (
    "Date et heure (Paris)",
    "Horodatage UTC",
    "Professionnel",
    "Identifiant national",
    "Rôle",
    "Structure",
    "Canal",
    "Action",
    "Code action",
    "INS du patient",
    "Document",
    "Mode d'accès",
    "Motif",
    "Résultat",
    "Détail",
    "Origine",
    "N° dans la trace",
)
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(line: TraceLine) -> Sequence[object]:
    e = line.entry
    return (
        e.at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S"),
        canonical_at(e.at),
        e.actor_name,
        e.actor_id,
        e.actor_role,
        e.structure_id,
        line.channel_label,
        line.action_label,
        e.action,
        line.ins,
        e.document_unique_id,
        line.mode_label or e.access_mode,
        e.reason,
        line.outcome_label,
        e.detail,
        e.origin,
        e.sequence,
    )


def write_csv(lines: Iterable[TraceLine], out: io.StringIO) -> int:
    """Write the BOM, the header and ``lines`` (see the module docstring); how many."""
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for line in lines:
        writer.writerow([_cell(v) for v in _csv_row(line)])
        count += 1
    return count


def trace_csv(
    session: Session,
    actor: Actor,
    criteria: audit.AuditFilter,
    *,
    patient: Patient | None = None,
) -> str:
    """The records matching ``criteria`` (narrowed to ``patient``) as the CSV for people,
    oldest first; authorised and traced (:data:`TRACE_EXPORT`). Raises
    :class:`AccessDeniedError`."""
    _authorise(session, actor, TRACE_EXPORT, patient)
    if patient is not None:
        criteria = patient_filter(patient, criteria)
    labels = action_labels()
    out = io.StringIO()
    write_csv((_line(e, labels) for e in audit.iter_entries(session, criteria)), out)
    trace.record(
        session,
        actor,
        TRACE_EXPORT,
        [] if patient is None else [patient],
        detail=_describe(criteria, patient),
    )
    return out.getvalue()


def trace_integrity(
    session: Session, actor: Actor, anchor: audit.Anchor | None = None
) -> audit.VerifyReport:
    """Whether the trace's hash chain holds (:func:`esante.audit.verify_chain`, checked
    against ``anchor``'s checkpoints when given), for a reader of the trace. Reads only
    hashes: not traced. Raises :class:`AccessDeniedError`."""
    _authorise(session, actor, TRACE_READ, None)
    return audit.verify_chain(session, anchor=anchor)
