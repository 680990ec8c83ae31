"""Growth charts as SVG text: the WHO percentile bands and the child's measures.

Drawn by matplotlib (imported on first use) through :class:`matplotlib.figure.Figure`
and its SVG backend, no pyplot state (safe in a web worker); text kept as ``<text>``
(``svg.fonttype`` none) so the console, a PDF renderer and a test read the labels;
metadata without a date and a fixed hash salt so the same record draws the same bytes.
The artists carry ids (``gid``): ``band-P3-P97``, ``band-P15-P85``, ``curve-P3`` to
``curve-P97`` and ``child-points``, for tests and style sheets.

Axes in French: age in months up to 5 years, in years after; the measure with its unit.
The references and their coverage are those of :mod:`esante.practice.child.growth`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from esante.practice.child.growth import (
    DAYS_PER_MONTH,
    PERCENTILES,
    REFERENCES,
    Indicator,
    reference_curves,
)

CHILD_COLOUR = "#c0392b"
BAND_COLOURS = {"band-P3-P97": "#dce9f5", "band-P15-P85": "#b3cde8"}
SEX_LABELS = {"F": "fille", "M": "garçon"}


@dataclass(frozen=True)
class GrowthPoint:
    """One measure of the child: the day and the value (kg, cm or kg/m²)."""

    on: date
    value: Decimal


def _span_days(birth_date: date, points: Sequence[GrowthPoint], indicator: Indicator) -> int:
    """The chart's age span: 2 years, 5 years or the reference's end, whichever holds the
    child's last measure."""
    last = max(((p.on - birth_date).days for p in points), default=0)
    for span in (int(2 * 365.25), int(5 * 365.25)):
        if last <= span:
            return min(span, REFERENCES[indicator].last_day)
    return REFERENCES[indicator].last_day


def growth_chart_svg(
    indicator: Indicator,
    sex: str,
    birth_date: date,
    points: Sequence[GrowthPoint],
    *,
    title: str | None = None,
) -> str:
    """The chart of ``indicator`` for a child of ``sex`` (F/M) born on ``birth_date``."""
    # matplotlib is imported on first drawing: the service and the CLI start without it
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.use("Agg")
    reference = REFERENCES[indicator]
    span = _span_days(birth_date, points, indicator)
    in_years = span > int(5 * 365.25)
    scale = 365.25 if in_years else DAYS_PER_MONTH
    curves = reference_curves(indicator, sex, span)

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
        shown = [p for p in points if 0 <= (p.on - birth_date).days <= span]
        (child,) = axes.plot(
            [(p.on - birth_date).days / scale for p in shown],
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
        axes.set_title(
            title or f"{reference.label} selon l'âge — {SEX_LABELS.get(sex, sex)} (OMS, P3 à P97)",
            fontsize=10,
        )
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
