"""The practice database: tables, engines, sessions and migrations."""

from esante.store import child_models, vaccination_models  # noqa: F401  (registers their tables)
from esante.store.base import Base, utcnow
from esante.store.engine import make_engine, normalize_url, session_factory
from esante.store.errors import ConflictError, NotFoundError, StoreError
from esante.store.migrate import current_revision, head_revision, upgrade
from esante.store.models import (
    AccessNoticeAcknowledgement,
    AuditChainHead,
    AuditRecord,
    CareEpisode,
    ConsentDecision,
    Document,
    IdentityStatusChange,
    LegalRepresentative,
    Patient,
    Practitioner,
    SendOrder,
    SendOrderEvent,
    Structure,
)

__all__ = [
    "AccessNoticeAcknowledgement",
    "AuditChainHead",
    "AuditRecord",
    "Base",
    "CareEpisode",
    "ConflictError",
    "ConsentDecision",
    "Document",
    "IdentityStatusChange",
    "LegalRepresentative",
    "NotFoundError",
    "Patient",
    "Practitioner",
    "SendOrder",
    "SendOrderEvent",
    "StoreError",
    "Structure",
    "current_revision",
    "head_revision",
    "make_engine",
    "normalize_url",
    "session_factory",
    "upgrade",
    "utcnow",
]
