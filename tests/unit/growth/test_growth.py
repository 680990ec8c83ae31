"""esante.growth: the public face, the chart of (age, value) points and its French text
alternative, the z-scores against pygrowup's own computation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from lxml import etree
from pygrowup import Observation  # type: ignore[import-untyped]

import esante.growth
from esante.growth import PERCENTILES, REFERENCES, AgePoint, chart_span, chart_svg, z_score

SVG = "http://www.w3.org/2000/svg"
NS = {"s": SVG}


def test_growth_exports() -> None:
    exported = esante.growth.__all__
    assert exported == sorted(exported)
    assert {"AgePoint", "chart_svg", "z_score", "percentile", "reference_curves"} <= set(exported)
    for name in exported:
        assert getattr(esante.growth, name) is not None


def test_the_chart_draws_the_points_by_age_with_a_french_text_alternative() -> None:
    points = [
        AgePoint(0, Decimal("3.2")),
        AgePoint(120, Decimal("6.1")),
        AgePoint(370, Decimal("9")),
    ]
    text = "Courbe de poids de Lola : 3 mesures, de 3,2 kg à la naissance à 9 kg à 12 mois."
    root = etree.fromstring(chart_svg("weight", "F", points, description=text).encode())
    assert root.get("role") == "img"
    assert root[0].tag == f"{{{SVG}}}title"
    assert root[0].text == "Poids selon l'âge — fille (OMS, P3 à P97)"
    assert root[1].tag == f"{{{SVG}}}desc"
    assert root[1].text == text
    texts = ["".join(t.itertext()) for t in root.iter(f"{{{SVG}}}text")]
    assert "Âge (mois)" in texts
    assert "Poids (kg)" in texts
    for name in PERCENTILES:
        assert root.xpath("//s:g[@id=$g]//s:path", namespaces=NS, g=f"curve-{name}")
    markers = root.xpath("//s:g[@id='child-points']//s:use", namespaces=NS)
    assert len(markers) == len(points)


def test_without_description_the_chart_is_matplotlib_output_as_is() -> None:
    svg = chart_svg("head", "M", [])
    root = etree.fromstring(svg.encode())
    assert root.find(f"{{{SVG}}}title") is None
    assert root.get("role") is None


@pytest.mark.parametrize(
    ("last_age", "span"),
    [(0, int(2 * 365.25)), (800, int(5 * 365.25)), (3000, REFERENCES["height"].last_day)],
)
def test_the_span_holds_the_last_point(last_age: int, span: int) -> None:
    assert chart_span("height", [AgePoint(last_age, Decimal("80"))]) == span


def test_z_score_is_pygrowups_own() -> None:
    born = date(2025, 12, 1)
    on = born + timedelta(days=372)
    expected = Decimal(Observation(Observation.FEMALE, dob=born, date_of_observation=on).wfa(9.1))
    assert z_score("weight", "F", born, on, Decimal("9.1")) == expected


def test_a_sex_outside_the_references_is_refused() -> None:
    with pytest.raises(ValueError, match="by sex"):
        chart_svg("weight", "X", [])
