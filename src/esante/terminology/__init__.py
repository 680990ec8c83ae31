"""The code systems and value sets esante uses, as its own data files, with a small lookup API.

What it holds (``data/``): the XDS/CDA value sets of the CI-SIS and the DMP — document types
(JDV_J07), classes (J06), formats (J10), facility types (J02), practice settings (J04),
confidentiality and visibility (J08), author professions/specialties (J01, TRE_G15),
relations to the patient (J11), administrative gender (J143), access modes (J38/TRE_R248) —
and the document types of the Ségur catalogue with their CDA models. Each data file
records the official name, OID and version it reflects; a conformance test compares the
codes and labels with the CI-SIS kit.

Why its own files: esante must work without the kit installed, and the labels it writes
into CDA documents and XDS metadata must be the official French ones.
"""

from esante.terminology.concepts import CdaModel, CodeSystem, Concept, DocumentType, ValueSet
from esante.terminology.document_types import cda_model, cda_models, document_type, document_types
from esante.terminology.errors import TerminologyError
from esante.terminology.lookup import (
    author_specialty,
    code_system,
    code_systems,
    concept,
    fold_accents,
    get_value_set,
    is_valid,
    label,
    search,
    value_sets,
)

__all__ = [
    "CdaModel",
    "CodeSystem",
    "Concept",
    "DocumentType",
    "TerminologyError",
    "ValueSet",
    "author_specialty",
    "cda_model",
    "cda_models",
    "code_system",
    "code_systems",
    "concept",
    "document_type",
    "document_types",
    "fold_accents",
    "get_value_set",
    "is_valid",
    "label",
    "search",
    "value_sets",
]
