"""Every `esante cda example` TYPE conforms to the ANS kit: XSD, StrucMin and its volet.

The validator (:mod:`esante.cda.validate`) runs the kit's XSD and every schematron the
document calls for (StrucMin, IHE, CI-SIS content models, ANS models, the volet); an
example must come out with no error and no warning.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.cda.examples import EXAMPLE_TYPES, example_document
from esante.cda.validate import Validator, shared_validator
from tests.conftest import shared_path

VOLETS = {
    "n1": None,
    "vsm": "CI-SIS_VSM_2023.01.sch",
    "vac-note": "CI-SIS_VAC-NOTE_2023.01.sch",
    "cs8": "CI-SIS_CSE-CS8_2025.01.sch",
    "cs9": "CI-SIS_CSE-CS9_2025.01.sch",
    "cs24": "CI-SIS_CSE-CS24_2025.01.sch",
    "mde": "CI-SIS_CSE-MDE_2023.01.sch",
    "cr-examen-enfant": None,
}


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Validator:
    kit = shared_path("cisis-kit")
    return shared_validator(kit, cache_dir=tmp_path_factory.getbasetemp() / "schematron-cache")


def test_every_type_is_covered() -> None:
    assert [t.name for t in EXAMPLE_TYPES] == list(VOLETS)


@pytest.mark.kit
@pytest.mark.parametrize("kind", list(VOLETS))
def test_example_conforms_to_the_kit(validator: Validator, kind: str) -> None:
    document = example_document(kind)
    # dmp=True: the kit's verdict plus esante's DMP-feeding checks (INS key, specialty)
    report = validator.validate(document.xml, source=f"{kind}.xml", dmp=True)
    assert list(report.xsd_errors) == []
    kit_errors = [f.message for f in report.errors if f.kind != "esante"]
    assert kit_errors == []
    dmp_rules = [f.rule for f in report.errors if f.kind == "esante"]
    if b'root="1.2.250.1.213.1.4.' in document.xml:
        assert dmp_rules == []
    else:  # a newborn whose INS is not known yet: the document cannot feed the DMP
        assert dmp_rules == ["ESANTE-DMP-INS"]
    assert [f.message for f in report.warnings] == []
    names = [Path(s).name for s in report.schematrons]
    assert "ASIP-STRUCT-MIN-StrucMin.sch" in names
    assert "esante:DMP" in names
    volet = VOLETS[kind]
    if volet is not None:
        assert volet in names
    assert report.ok is (not dmp_rules)
