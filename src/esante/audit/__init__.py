"""The access trace: every DMP and MSSanté interaction and every consent change.

Append-only and hash-chained (:mod:`esante.audit.chain`): who (idNat_PS, structure),
when, which patient (INS), what (action, document uniqueId), how (access mode, reason),
and the outcome. Kept in the practice database next to what it traces.

* write: :func:`append` and :func:`append_many` (in the caller's transaction),
  :func:`append_committed` (in a transaction of its own, retried under contention);
* check: :func:`verify_chain` walks the chain and names the first altered, deleted or
  inserted record (:mod:`esante.audit.verify`), and, given an :class:`Anchor`, checks it
  against the checkpoints kept outside the database (:mod:`esante.audit.anchor`):
  truncation, wipe and rewrite are found;
* anchor: :func:`anchor_engine` writes a keyed checkpoint after every commit that
  appended through an engine;
* read: :func:`iter_entries` / :func:`latest_entries` with an :class:`AuditFilter`;
* export: :func:`export` to CSV or JSON Lines, :func:`read_extract` and
  :func:`check_extract` to check an extract without the database.
"""

from esante.audit.anchor import Anchor, Checkpoint, JournalState, anchor_engine
from esante.audit.chain import (
    CHANNELS,
    GENESIS,
    OUTCOMES,
    AuditEntry,
    AuditEvent,
    append,
    append_committed,
    append_many,
    record_hash,
)
from esante.audit.errors import AuditChainError, AuditError
from esante.audit.export import (
    EXPORT_COLUMNS,
    ExportFormat,
    ExtractReport,
    check_extract,
    export,
    read_extract,
    write_entries,
)
from esante.audit.query import (
    AuditFilter,
    iter_entries,
    latest_entries,
    local_id_note,
    parse_moment,
    professional_ids,
)
from esante.audit.verify import BreakKind, ChainBreak, VerifyReport, verify_chain

__all__ = [
    "CHANNELS",
    "EXPORT_COLUMNS",
    "GENESIS",
    "OUTCOMES",
    "Anchor",
    "AuditChainError",
    "AuditEntry",
    "AuditError",
    "AuditEvent",
    "AuditFilter",
    "BreakKind",
    "ChainBreak",
    "Checkpoint",
    "ExportFormat",
    "ExtractReport",
    "JournalState",
    "VerifyReport",
    "anchor_engine",
    "append",
    "append_committed",
    "append_many",
    "check_extract",
    "export",
    "iter_entries",
    "latest_entries",
    "local_id_note",
    "parse_moment",
    "professional_ids",
    "read_extract",
    "record_hash",
    "verify_chain",
    "write_entries",
]
