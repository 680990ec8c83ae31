"""The CDA header of a vaccination document (VAC-NOTE, prescription):
:mod:`esante.practice.cda_header`, without participants nor informants."""

from __future__ import annotations

from datetime import datetime

from esante.cda.model import Code, DocumentHeader
from esante.practice.cda_header import cda_patient, document_header, professional
from esante.store import Patient, Practitioner

__all__ = ["cda_patient", "professional", "record_header"]


def record_header(
    patient: Patient,
    author: Practitioner,
    *,
    type_code: Code,
    title: str,
    service_event: Code,
    when: datetime,
) -> DocumentHeader:
    """The header of a document of ``patient`` authored by ``author`` at ``when`` (aware)."""
    return document_header(
        patient,
        author,
        type_code=type_code,
        title=title,
        service_event=service_event,
        when=when,
    )
