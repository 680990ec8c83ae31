"""Finding the kit: ESANTE_CISIS_KIT, and a French error that says how to set it."""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.cda.validate import KitError, Validator
from esante.cda.validate._kit import Kit


def test_kit_from_environment(synthetic_kit: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESANTE_CISIS_KIT", str(synthetic_kit))
    assert Kit.locate().root == synthetic_kit.resolve()


def test_absent_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESANTE_CISIS_KIT", str(tmp_path / "nulle-part"))
    with pytest.raises(KitError) as caught:
        Validator()
    assert "ESANTE_CISIS_KIT" in caught.value.message
    assert caught.value.field == "ESANTE_CISIS_KIT"


def test_incomplete_kit_names_the_missing_file(synthetic_kit: Path) -> None:
    (synthetic_kit / "schematrons/moteur/iso_svrl_for_xslt2.xsl").unlink()
    with pytest.raises(KitError) as caught:
        Validator(synthetic_kit)
    assert "schematrons/moteur/iso_svrl_for_xslt2.xsl" in caught.value.message


def test_unreadable_xsd(synthetic_kit: Path) -> None:
    (synthetic_kit / "infrastructure/cda/CDA_extended.xsd").write_text("<xs:schema", "utf-8")
    with pytest.raises(KitError) as caught:
        Validator(synthetic_kit)
    assert "CDA_extended.xsd" in caught.value.message
