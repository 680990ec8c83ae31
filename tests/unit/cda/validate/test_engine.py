"""The engine on the synthetic kit: findings, severities, guards, caches, read-only kit."""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.cda.validate import Severity, Validator
from tests.unit.cda.validate.kitfiles import snapshot, synthetic_document

VOLET = "schematrons/CI-SIS_VSM_2023.01.sch"


@pytest.fixture
def validator(synthetic_kit: Path, tmp_path: Path) -> Validator:
    return Validator(synthetic_kit, cache_dir=tmp_path / "cache")


def messages(report_findings: object) -> list[str]:
    return [f.message for f in report_findings]  # type: ignore[attr-defined]


def test_conforming_document(validator: Validator) -> None:
    report = validator.validate(synthetic_document())
    assert report.ok
    assert report.findings == ()
    assert report.xsd_errors == ()
    assert report.volets == ("CI-SIS_VSM_2023.01.sch",)
    assert report.schematrons[-1] == VOLET
    assert len(report.schematrons) == 5


def test_each_schematron_reports_its_failures(validator: Validator) -> None:
    report = validator.validate(
        synthetic_document(title="INTERDIT", with_id=False, code="AUTRE", section_code="S2")
    )
    assert not report.ok
    by_source = {f.schematron.rsplit("/", 1)[-1]: f for f in report.findings}
    assert set(by_source) == {
        "ASIP-STRUCT-MIN-StrucMin.sch",
        "CI-SIS_ModelesDeContenusCDA.sch",
        "CI-SIS_Modeles_ANS.sch",
        "CI-SIS_VSM_2023.01.sch",
    }
    strucmin = by_source["ASIP-STRUCT-MIN-StrucMin.sch"]
    assert strucmin.message == "(min) Le document doit avoir un identifiant."
    assert strucmin.severity is Severity.ERROR
    assert strucmin.location == "/ClinicalDocument"
    assert strucmin.rule_id == "min-1"
    assert strucmin.pattern == "min"
    # value set found although its path has the wrong letter case
    jdv = by_source["CI-SIS_ModelesDeContenusCDA.sch"]
    assert jdv.kind == "assert"
    assert jdv.message.startswith("(jdv)")
    assert jdv.location.endswith("/section/code")
    report_finding = by_source["CI-SIS_Modeles_ANS.sch"]
    assert report_finding.kind == "report"
    assert report_finding.severity is Severity.ERROR
    assert by_source["CI-SIS_VSM_2023.01.sch"].message.startswith("[VSM]")


def test_warning_alone_keeps_the_document_conforming(validator: Validator) -> None:
    document = synthetic_document().replace(b'<effectiveTime value="20240101"/>', b"")
    report = validator.validate(document)
    assert report.ok
    assert [f.severity for f in report.findings] == [Severity.WARNING]
    assert report.warnings[0].message == "(min) La date est recommandée."


def test_nested_include_with_wrong_case_is_applied(validator: Validator) -> None:
    report = validator.validate(synthetic_document(section_code=None))
    assert messages(report.errors) == ["(ihe) La section 1.2.3.4.5 doit avoir un code."]


def test_xsd_errors_make_the_document_fail(validator: Validator) -> None:
    report = validator.validate(
        synthetic_document().replace(b"<title>Synth\xc3\xa8se</title>", b"")
    )
    assert not report.ok
    assert len(report.xsd_errors) == 1
    assert report.xsd_errors[0].line > 0
    assert "title" in report.xsd_errors[0].message


def test_guards_do_not_change_findings(synthetic_kit: Path, tmp_path: Path) -> None:
    documents = [
        synthetic_document(),
        synthetic_document(section_code=None),
        synthetic_document().replace(b"1.2.3.4.5", b"9.9.9"),
    ]
    guarded = Validator(synthetic_kit, cache_dir=tmp_path / "a", guards=True)
    plain = Validator(synthetic_kit, cache_dir=tmp_path / "b", guards=False)
    for document in documents:
        assert guarded.validate(document).findings == plain.validate(document).findings


def test_cache_is_keyed_on_kit_file_hashes(synthetic_kit: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = Validator(synthetic_kit, cache_dir=cache)
    first.validate(synthetic_document())
    assert first.stats == {"pipeline": 5, "compiled": 5}
    assert len(list(cache.glob("*.xsl"))) == 5

    warm = Validator(synthetic_kit, cache_dir=cache)  # a new process would do the same
    warm.validate(synthetic_document())
    assert warm.stats == {"disk": 5, "compiled": 5}

    # change the copy of one schematron: only that one is rebuilt, and the change applies
    volet = synthetic_kit / VOLET
    volet.write_text(
        volet.read_text(encoding="utf-8").replace("= 'SYNTH'", "= 'NOUVEAU'"), encoding="utf-8"
    )
    changed = Validator(synthetic_kit, cache_dir=cache)
    report = changed.validate(synthetic_document())
    assert changed.stats == {"disk": 4, "pipeline": 1, "compiled": 5}
    assert messages(report.errors) == ["[VSM] Le code du document doit être SYNTH."]
    assert len(list(cache.glob("*.xsl"))) == 6

    # an included file counts too
    included = synthetic_kit / "schematrons/include/entrees/sub/deep.sch"
    included.write_text(included.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = Validator(synthetic_kit, cache_dir=cache)
    again.validate(synthetic_document())
    assert again.stats["pipeline"] == 1


def test_memory_cache_compiles_once(validator: Validator) -> None:
    for _ in range(3):
        validator.validate(synthetic_document())
    assert validator.stats["compiled"] == 5


def test_validation_never_writes_into_the_kit(synthetic_kit: Path, tmp_path: Path) -> None:
    before = snapshot(synthetic_kit)
    validator = Validator(synthetic_kit, cache_dir=tmp_path / "cache")
    validator.validate(synthetic_document(section_code="S2"))
    assert snapshot(synthetic_kit) == before


def test_broken_volet_schematron_is_an_engine_finding(synthetic_kit: Path, tmp_path: Path) -> None:
    (synthetic_kit / VOLET).write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron">'
        '<include href="absent.sch"/></schema>',
        encoding="utf-8",
    )
    report = Validator(synthetic_kit, cache_dir=tmp_path / "c").validate(synthetic_document())
    assert not report.ok
    (engine,) = report.errors
    assert engine.kind == "engine"
    assert engine.rule_id == "esante:compile"
    assert engine.schematron == VOLET
    assert "ne peut pas être compilé" in engine.message


def test_missing_value_set_is_an_engine_finding(synthetic_kit: Path, tmp_path: Path) -> None:
    (synthetic_kit / "jeuxDeValeurs/JDV_sections_test.xml").unlink()
    report = Validator(synthetic_kit, cache_dir=tmp_path / "c").validate(synthetic_document())
    (engine,) = report.errors
    assert engine.rule_id == "esante:run"
    assert engine.schematron.endswith("CI-SIS_ModelesDeContenusCDA.sch")


def test_report_as_json(validator: Validator) -> None:
    data = validator.validate(synthetic_document(with_id=False)).to_dict()
    assert data["ok"] is False
    assert data["counts"] == {"xsd_errors": 0, "errors": 1, "warnings": 0, "infos": 0}
    assert data["findings"][0]["severity"] == "error"
    assert data["findings"][0]["message"] == "(min) Le document doit avoir un identifiant."


def test_validate_document_uses_the_settings(
    synthetic_kit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from esante.cda.validate import validate_document

    monkeypatch.setenv("ESANTE_CISIS_KIT", str(synthetic_kit))
    monkeypatch.setenv("ESANTE_HOME", str(tmp_path / "home"))
    path = tmp_path / "doc.xml"
    path.write_bytes(synthetic_document(code="AUTRE"))
    report = validate_document(path)
    assert report.source == "doc.xml"
    assert messages(report.errors) == ["[VSM] Le code du document doit être SYNTH."]
    assert len(list((tmp_path / "home/cache/schematron").glob("*.xsl"))) == 5
    assert validate_document(synthetic_document()).ok  # same shared validator, warm
