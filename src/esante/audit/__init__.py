"""The access trace: every DMP and MSSanté interaction and every consent change.

Append-only and hash-chained (:mod:`esante.audit.chain`): who (idNat_PS, structure),
when, which patient (INS), what (action, document uniqueId), how (access mode, reason),
and the outcome. Kept in the practice database next to what it traces.
"""

from esante.audit.chain import GENESIS, AuditEvent, append, record_hash
from esante.audit.errors import AuditChainError, AuditError

__all__ = [
    "GENESIS",
    "AuditChainError",
    "AuditError",
    "AuditEvent",
    "append",
    "record_hash",
]
