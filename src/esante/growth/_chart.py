"""Growth charts as SVG text: the WHO percentile bands and a series of (age, value) points.

Drawn by matplotlib (imported on first use) through :class:`matplotlib.figure.Figure`
and its SVG backend, no pyplot state (safe in a web worker); text kept as ``<text>``
(``svg.fonttype`` none) so a browser, a PDF renderer and a test read the labels;
metadata without a date and a fixed hash salt so the same points draw the same bytes.
The artists carry ids (``gid``): ``band-P3-P97``, ``band-P15-P85``, ``curve-P3`` to
``curve-P97`` and ``child-points``, for tests and style sheets.

Axes in French: age in months up to 5 years, in years after; the measure with its unit.
A ``description`` becomes the SVG's ``<title>`` and ``<desc>`` (WCAG 1.1.1: an image
states in words what it shows), with ``role="img"`` on the root. The references and
their coverage are those of :mod:`esante.growth._references`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from esante.growth._references import (
    DAYS_PER_MONTH,
    PERCENTILES,
    REFERENCES,
    Indicator,
    reference_curves,
)

__all__ = [
    "AgePoint",
    "BAND_COLOURS",
    "CHILD_COLOUR",
    "SEX_LABELS",
    "chart_span",
    "chart_svg",
    "chart_title",
]

CHILD_COLOUR = "#c0392b"
BAND_COLOURS = {"band-P3-P97": "#dce9f5", "band-P15-P85": "#b3cde8"}
SEX_LABELS = {"F": "fille", "M": "garçon"}
_SVG_NS = "http://www.w3.org/2000/svg"
_TWO_YEARS = int(2 * 365.25)
_FIVE_YEARS = int(5 * 365.25)


@dataclass(frozen=True)
class AgePoint:
    """One measure: the age in days and the value (kg, cm or kg/m²)."""

    age_days: int
    value: Decimal


def chart_span(indicator: Indicator, points: Sequence[AgePoint]) -> int:
    """The chart's age span in days: 2 years, 5 years or the reference's end, whichever
    holds the last point."""
    last = max((p.age_days for p in points), default=0)
    for span in (_TWO_YEARS, _FIVE_YEARS):
        if last <= span:
            return min(span, REFERENCES[indicator].last_day)
    return REFERENCES[indicator].last_day


def chart_title(indicator: Indicator, sex: str) -> str:
    """``Poids selon l'âge — fille (OMS, P3 à P97)``: the chart's default title."""
    reference = REFERENCES[indicator]
    return f"{reference.label} selon l'âge — {SEX_LABELS.get(sex, sex)} (OMS, P3 à P97)"


def _with_description(svg: str, title: str, description: str) -> str:
    """``svg`` with a ``<title>`` and ``<desc>`` first in its root and ``role="img"``.

    The SVG is matplotlib's own output (not external input), parsed back with lxml to
    insert the elements rather than editing text.
    """
    root = etree.fromstring(svg.encode("utf-8"))
    root.set("role", "img")
    title_el = etree.Element(f"{{{_SVG_NS}}}title")
    title_el.text = title
    desc_el = etree.Element(f"{{{_SVG_NS}}}desc")
    desc_el.text = description
    root.insert(0, desc_el)
    root.insert(0, title_el)
    body = etree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + body + "\n"


def chart_svg(
    indicator: Indicator,
    sex: str,
    points: Sequence[AgePoint],
    *,
    title: str | None = None,
    description: str | None = None,
) -> str:
    """The chart of ``indicator`` for a child of ``sex`` (F/M) with ``points`` drawn on the
    WHO bands; ``description`` (French) is the text alternative embedded in the SVG.

    Raises :class:`ValueError` when ``sex`` is neither F nor M (the references are by sex).
    """
    # matplotlib is imported on first drawing: the service and the CLI start without it
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.use("Agg")
    reference = REFERENCES[indicator]
    span = chart_span(indicator, points)
    in_years = span > _FIVE_YEARS
    scale = 365.25 if in_years else DAYS_PER_MONTH
    curves = reference_curves(indicator, sex, span)
    heading = title or chart_title(indicator, sex)

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "esante"}):
        figure = Figure(figsize=(7.0, 4.6))
        axes = figure.add_subplot()
        for outer, inner, gid in (("P3", "P97", "band-P3-P97"), ("P15", "P85", "band-P15-P85")):
            low, high = curves[outer], curves[inner]
            band = axes.fill_between(
                [a / scale for a, _ in low],
                [v for _, v in low],
                [v for _, v in high],
                color=BAND_COLOURS[gid],
                linewidth=0,
            )
            band.set_gid(gid)
        for name in PERCENTILES:
            (line,) = axes.plot(
                [a / scale for a, _ in curves[name]],
                [v for _, v in curves[name]],
                color="#1f4e79",
                linewidth=1.4 if name == "P50" else 0.8,
                linestyle="-" if name == "P50" else "--",
            )
            line.set_gid(f"curve-{name}")
            if curves[name]:
                age, value = curves[name][-1]
                label = axes.annotate(
                    name, (age / scale, value), xytext=(3, 0), textcoords="offset points",
                    fontsize=7, va="center",
                )  # fmt: skip
                label.set_gid(f"label-{name}")
        shown = [p for p in points if 0 <= p.age_days <= span]
        (child,) = axes.plot(
            [p.age_days / scale for p in shown],
            [float(p.value) for p in shown],
            color=CHILD_COLOUR,
            marker="o",
            markersize=4,
            linewidth=1.2,
        )
        child.set_gid("child-points")
        axes.set_xlabel("Âge (ans)" if in_years else "Âge (mois)")
        axes.set_ylabel(f"{reference.label} ({reference.unit})")
        axes.set_xlim(0, span / scale)
        axes.grid(True, linewidth=0.3, color="#999999")
        axes.set_title(heading, fontsize=10)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    if description is None:
        return svg
    return _with_description(svg, heading, description)
