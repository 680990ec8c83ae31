"""The document types esante produces (the Ségur catalogue's) and their CDA models.

For each type: the JDV_J07 code and label, the XDS classCode (JDV_J06), and the CDA
models — N1 (PDF body, formatCode ``urn:ihe:iti:xds-sd:pdf:2008``) and, when the CI-SIS
defines one, the structured N3 volet (VSM, note de vaccination, certificats de santé de
l'enfant CS8/CS9/CS24, mesures de l'enfant, TROD, prescription structurée) with its
templateId and formatCode (ASS_A11-CorresModeleCDA-XdsFormatCode-CISIS).
"""

from __future__ import annotations

from esante.terminology._data import registry
from esante.terminology.concepts import CdaModel, DocumentType
from esante.terminology.errors import TerminologyError


def document_types() -> tuple[DocumentType, ...]:
    """Every document type esante produces, in catalogue order."""
    return registry().document_types


def document_type(code: str, code_system_oid: str | None = None) -> DocumentType:
    """The document type with JDV_J07 code ``code`` (in ``code_system_oid`` when given).

    Raises :class:`TerminologyError` (French) for a code esante does not produce.
    """
    wanted = code.strip()
    for t in document_types():
        if t.code == wanted and code_system_oid in (None, t.code_system_oid):
            return t
    raise TerminologyError(
        f"Type de document « {code} » non pris en charge par esante.",
        detail=f"{code!r} is not one of the document types of document_types.json",
    )


def cda_models() -> tuple[CdaModel, ...]:
    """Every CDA model esante knows (N1 first)."""
    return tuple(registry().models.values())


def cda_model(model: str) -> CdaModel:
    """The CDA model named ``model`` (``"VSM"``, ``"CSE-CS24"``...) or with that templateId.

    Raises :class:`TerminologyError` (French) when unknown.
    """
    wanted = model.strip()
    for m in cda_models():
        if wanted.upper() == m.id or wanted == m.template_id:
            return m
    raise TerminologyError(
        f"Modèle de document CDA inconnu : « {model} ».",
        detail=f"no CDA model with id or templateId {model!r}",
    )
