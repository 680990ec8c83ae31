"""The public face of esante.terminology is a tested contract."""

from __future__ import annotations

import esante.terminology


def test_terminology_exports() -> None:
    assert esante.terminology.__all__ == sorted(esante.terminology.__all__)
    assert esante.terminology.__all__ == [
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
    for name in esante.terminology.__all__:
        assert hasattr(esante.terminology, name), name
