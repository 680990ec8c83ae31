"""Document types and CDA models: the facts a CDA/XDS producer relies on (DESIGN key facts)."""

from __future__ import annotations

import pytest

from esante.terminology import (
    TerminologyError,
    cda_model,
    cda_models,
    document_type,
    document_types,
    get_value_set,
    is_valid,
)

PDF = "urn:ihe:iti:xds-sd:pdf:2008"


@pytest.mark.parametrize(
    ("code", "model", "template", "extension", "format_code", "class_code"),
    [
        ("SYNTH", "VSM", "1.2.250.1.213.1.1.1.13", "2023.01", "urn:asip:ci-sis:vsm:2012", "11"),
        (
            "87273-9",
            "VAC-NOTE",
            "1.2.250.1.213.1.1.1.46",
            "2023.01",
            "urn:asip:ci-sis:vac-note:2021",
            "52",
        ),
        (
            "CERT_DECL",
            "CSE-CS8",
            "1.2.250.1.213.1.1.1.5.1",
            "2025.01",
            "urn:asip:ci-sis:cse-cs8:2017",
            "52",
        ),
        (
            "CERT_DECL",
            "CSE-CS9",
            "1.2.250.1.213.1.1.1.5.2",
            "2025.01",
            "urn:asip:ci-sis:cse-cs9:2017",
            "52",
        ),
        (
            "CERT_DECL",
            "CSE-CS24",
            "1.2.250.1.213.1.1.1.5.3",
            "2025.01",
            "urn:asip:ci-sis:cse-cs24:2017",
            "52",
        ),
        (
            "29274-8",
            "CSE-MDE",
            "1.2.250.1.213.1.1.1.5.4",
            "2023.01",
            "urn:ans:ci-sis:cse-mde:2023",
            "10",
        ),
        ("59283-2", "N1", "1.3.6.1.4.1.19376.1.2.20", None, PDF, "10"),
    ],
)
def test_key_document_facts(
    code: str,
    model: str,
    template: str,
    extension: str | None,
    format_code: str,
    class_code: str,
) -> None:
    t = document_type(code)
    m = t.model(model)
    assert m is not None, f"{code} has no model {model}"
    assert (m.template_id, m.template_extension, m.format_code) == (
        template,
        extension,
        format_code,
    )
    assert t.class_code == class_code
    assert format_code in t.format_codes


def test_vsm_document_type() -> None:
    vsm = document_type("SYNTH", "1.2.250.1.213.1.1.4.12")
    assert vsm.label == "Synthèse"
    assert vsm.class_label == "Synthèse"
    assert [m.id for m in vsm.structured_models] == ["VSM"]
    assert vsm.concept.code_system_oid == "1.2.250.1.213.1.1.4.12"
    assert vsm.class_concept.code_system_oid == "1.2.250.1.213.1.1.4.1"


@pytest.mark.parametrize(
    ("code", "default"),
    [
        ("SYNTH", "urn:asip:ci-sis:vsm:2012"),
        ("87273-9", "urn:asip:ci-sis:vac-note:2021"),
        ("29274-8", "urn:ans:ci-sis:cse-mde:2023"),
        ("96173-0", "urn:ans:ci-sis:trod:2024"),
        ("CERT_DECL", PDF),
        ("57833-6", PDF),
        ("59283-2", PDF),
    ],
)
def test_default_format_code(code: str, default: str) -> None:
    assert document_type(code).default_format_code == default


def test_n1_only_types_have_no_structured_model() -> None:
    t = document_type("11488-4")
    assert t.structured_models == ()
    assert t.format_codes == (PDF,)
    assert t.model("vsm") is None


def test_unknown_document_type_is_a_french_error() -> None:
    with pytest.raises(TerminologyError) as info:
        document_type("11502-2")  # a real J07 code, but not a type esante produces
    assert "non pris en charge" in info.value.message
    with pytest.raises(TerminologyError):
        document_type("SYNTH", "2.16.840.1.113883.6.1")


def test_every_document_type_is_consistent_with_the_value_sets() -> None:
    j10 = get_value_set("J10")
    for t in document_types():
        assert is_valid("J07", t.code, t.code_system_oid)
        assert is_valid("J06", t.class_code)
        assert t.class_basis in {"dmp-kit", "design", "inferred"}
        assert t.model("N1") is not None, f"{t.code} must be producible as N1"
        for m in t.models:
            assert j10.get(m.format_code, m.format_code_system_oid) is not None, m.format_code


def test_cda_models_by_id_or_template_id() -> None:
    assert cda_model("cse-cs24").template_id == "1.2.250.1.213.1.1.1.5.3"
    assert cda_model("1.2.250.1.213.1.1.1.13").id == "VSM"
    assert cda_model("N1").level == "N1"
    assert {m.level for m in cda_models()} == {"N1", "N3"}
    with pytest.raises(TerminologyError):
        cda_model("CSE-CS99")
