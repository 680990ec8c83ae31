"""The public face of esante.catalogue is a tested contract."""

from __future__ import annotations

import esante.catalogue


def test_catalogue_exports() -> None:
    assert esante.catalogue.__all__ == sorted(esante.catalogue.__all__)
    assert esante.catalogue.__all__ == [
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
    for name in esante.catalogue.__all__:
        assert hasattr(esante.catalogue, name), name
