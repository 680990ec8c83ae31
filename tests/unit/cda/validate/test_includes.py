"""The kit as published: includes and value-set paths whose letter case is wrong."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from esante.cda.validate._includes import SCH_NS, IncludeResolver
from esante.cda.validate._kit import STRUCMIN, Kit
from tests.unit.cda.validate.kitfiles import snapshot

INCLUDE = f"{{{SCH_NS}}}include"


def test_top_level_include_is_rewritten_to_the_real_name(synthetic_kit: Path) -> None:
    kit = Kit.locate(synthetic_kit)
    prepared = IncludeResolver(kit).prepare(kit.path(STRUCMIN))
    hrefs = [el.get("href") for el in etree.fromstring(prepared.text).iter(INCLUDE)]
    assert hrefs == ["include/regles.sch"]
    assert prepared.fixes == (
        ("include/Regles.sch", "schematrons/profils/structurationMinimale/include/regles.sch"),
    )
    assert prepared.base_uri == kit.path(STRUCMIN).as_uri()
    assert (
        kit.path("schematrons/profils/structurationMinimale/include/regles.sch") in prepared.files
    )


def test_nested_file_with_a_bad_include_is_inlined(synthetic_kit: Path) -> None:
    kit = Kit.locate(synthetic_kit)
    prepared = IncludeResolver(kit).prepare(kit.path("schematrons/profils/IHE.sch"))
    root = etree.fromstring(prepared.text)
    # nested.sch is inlined; its include now names the real file by an absolute URI, since
    # the include step resolves it from the top document's location
    pattern = root.find(f"{{{SCH_NS}}}pattern")
    assert pattern is not None
    assert pattern.get("id") == "ihe"
    (include,) = pattern.iter(INCLUDE)
    assert include.get("href") == kit.path("schematrons/include/entrees/sub/deep.sch").as_uri()
    assert prepared.fixes == (
        ("Sub/Deep.sch", "schematrons/include/entrees/sub/deep.sch"),
        ("../include/entrees/nested.sch", "schematrons/include/entrees/nested.sch"),
    )
    assert {kit.relative(p) for p in prepared.files} == {
        "schematrons/profils/IHE.sch",
        "schematrons/include/entrees/nested.sch",
        "schematrons/include/entrees/sub/deep.sch",
    }


def test_missing_include_is_left_for_the_pipeline_to_report(tmp_path: Path) -> None:
    kit = Kit(tmp_path)
    (tmp_path / "a.sch").write_text(
        f'<schema xmlns="{SCH_NS}"><include href="absent.sch"/></schema>', encoding="utf-8"
    )
    prepared = IncludeResolver(kit).prepare(tmp_path / "a.sch")
    assert [el.get("href") for el in etree.fromstring(prepared.text).iter(INCLUDE)] == [
        "absent.sch"
    ]
    assert prepared.fixes == ()


def test_value_set_paths_are_fixed_in_the_compiled_copy(synthetic_kit: Path) -> None:
    kit = Kit.locate(synthetic_kit)
    resolver = IncludeResolver(kit)
    base = kit.path("schematrons/profils")
    text = "<x a=\"document('../../jeuxDeValeurs/JDV_Sections_TEST.xml')\" b=\"'../nope.xml'\"/>"
    fixed, fixes = resolver.fix_resource_paths(text, base)
    assert "'../../jeuxDeValeurs/JDV_sections_test.xml'" in fixed
    assert "'../nope.xml'" in fixed
    assert fixes == [
        ("../../jeuxDeValeurs/JDV_Sections_TEST.xml", "../../jeuxDeValeurs/JDV_sections_test.xml")
    ]


def test_preparing_never_writes_into_the_kit(synthetic_kit: Path) -> None:
    before = snapshot(synthetic_kit)
    kit = Kit.locate(synthetic_kit)
    resolver = IncludeResolver(kit)
    for rel in (STRUCMIN, "schematrons/profils/IHE.sch"):
        resolver.prepare(kit.path(rel))
    assert snapshot(synthetic_kit) == before
