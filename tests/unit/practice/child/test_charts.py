"""The growth chart SVG: parsed with lxml, the axes, the WHO bands and the child's points."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from lxml import etree

from esante.practice.child import GrowthPoint, growth_chart_svg
from esante.practice.child.growth import PERCENTILES

SVG = "{http://www.w3.org/2000/svg}"
BIRTH = date(2025, 10, 27)


def _parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode("utf-8"))


def _texts(root: etree._Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _group(root: etree._Element, gid: str) -> etree._Element:
    found = root.xpath("//s:g[@id=$gid]", namespaces={"s": SVG[1:-1]}, gid=gid)
    assert len(found) == 1, gid
    group: etree._Element = found[0]
    return group


def test_the_chart_has_french_axes_bands_curves_and_the_child_points() -> None:
    points = [
        GrowthPoint(BIRTH, Decimal("3.3")),
        GrowthPoint(BIRTH + timedelta(days=60), Decimal("5.4")),
        GrowthPoint(BIRTH + timedelta(days=280), Decimal("8.6")),
    ]
    root = _parse(growth_chart_svg("weight", "F", BIRTH, points))
    texts = _texts(root)
    assert "Âge (mois)" in texts
    assert "Poids (kg)" in texts
    assert any("fille" in t for t in texts)
    for band in ("band-P3-P97", "band-P15-P85"):
        assert _group(root, band).xpath(".//s:path", namespaces={"s": SVG[1:-1]})
    for name in PERCENTILES:
        assert _group(root, f"curve-{name}").xpath(".//s:path", namespaces={"s": SVG[1:-1]})
        assert name in texts
    child = _group(root, "child-points")
    markers = child.xpath(".//s:use", namespaces={"s": SVG[1:-1]})
    assert len(markers) == len(points)


def test_an_older_child_is_charted_in_years_up_to_the_reference_end() -> None:
    born = date(2015, 5, 1)
    points = [GrowthPoint(date(2024, 5, 1), Decimal("130.2"))]
    texts = _texts(_parse(growth_chart_svg("height", "M", born, points)))
    assert "Âge (ans)" in texts
    assert "Taille (cm)" in texts


def test_a_chart_without_measures_still_draws_the_bands() -> None:
    root = _parse(growth_chart_svg("head", "M", BIRTH, []))
    assert _group(root, "band-P3-P97") is not None
    assert "Périmètre crânien (cm)" in _texts(root)
    assert not _group(root, "child-points").xpath(".//s:use", namespaces={"s": SVG[1:-1]})


def test_the_same_record_draws_the_same_bytes() -> None:
    points = [GrowthPoint(BIRTH + timedelta(days=30), Decimal("54.0"))]
    assert growth_chart_svg("height", "F", BIRTH, points) == growth_chart_svg(
        "height", "F", BIRTH, points
    )
