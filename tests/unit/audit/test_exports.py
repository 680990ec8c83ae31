"""The public face of esante.audit is a tested contract."""

from __future__ import annotations

import esante.audit


def test_audit_exports() -> None:
    assert esante.audit.__all__ == [
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
    for name in esante.audit.__all__:
        assert hasattr(esante.audit, name)
