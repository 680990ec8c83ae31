"""The CDA header of a child document: :mod:`esante.practice.cda_header` with the
child's médecin traitant as participant and, for the health certificates, the parents
as informants (the CSE schematrons require the mother on the CS8)."""

from __future__ import annotations

from datetime import datetime

from esante.cda.model import Code, DocumentHeader
from esante.practice.cda_header import (
    AMBULATORY,
    MEDECIN_TRAITANT,
    cda_patient,
    document_header,
    informants,
    organization,
    professional,
)
from esante.store import Patient, Practitioner

__all__ = [
    "AMBULATORY",
    "MEDECIN_TRAITANT",
    "cda_patient",
    "child_header",
    "informants",
    "organization",
    "professional",
]


def child_header(
    patient: Patient,
    author: Practitioner,
    *,
    type_code: Code,
    title: str,
    service_event: Code,
    when: datetime,
    with_informants: bool = False,
    participant_function: Code | None = None,
) -> DocumentHeader:
    """The header of a child document authored by ``author`` at ``when`` (aware)."""
    return document_header(
        patient,
        author,
        type_code=type_code,
        title=title,
        service_event=service_event,
        when=when,
        with_treating_physician=True,
        with_informants=with_informants,
        participant_function=participant_function,
    )
