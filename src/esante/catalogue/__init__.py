"""The Ségur catalogue: per profession, the documents to produce and what their validation triggers.

The feeding engine asks :func:`rules_for` ("this practitioner validates this document
type: CDA level and model, automatic DMP feeding, MSSanté copies"). The data file
``data/segur.json`` reconstructs the "Liste des documents Ségur" tables of the Ségur
vague 2 deck and documents each interpretation of its OCR.
"""

from esante.catalogue.errors import CatalogueError
from esante.catalogue.rules import (
    SegurRule,
    entries,
    interpretations,
    pmi_address,
    profession,
    professions,
    profiles,
    rules_for,
)

__all__ = [
    "CatalogueError",
    "SegurRule",
    "entries",
    "interpretations",
    "pmi_address",
    "profession",
    "professions",
    "profiles",
    "rules_for",
]
