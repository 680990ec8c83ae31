"""« Mesures de l'enfant »: the child's growth table compiled from the CSE-MDE documents.

The CI-SIS « Mesures de l'enfant » (CSE-MDE 2023.01, type LOINC 29274-8, templateId
``1.2.250.1.213.1.1.1.5.4``) carries a vital signs organizer of observations: weight in g
(LOINC 29463-7), height in cm (8302-2), head circumference in cm (8287-5), body mass
index in kg/m2 (39156-5), each with its date. :func:`read_child_measurements` reads them
into :class:`esante.cda.Measurement` values (the reading counterpart of
:func:`esante.cda.build_mde`, self-contained here until :mod:`esante.cda.read` has it);
:func:`growth_table` makes one row per date, the way the carnet de santé lists them.

:func:`growth_curves` gives the parents the same curves as the practice's console: each
measure against the WHO references (:mod:`esante.growth`: z-scores, percentile bands
P3–P97, the SVG chart), with a French text alternative that says every point in words
(value, date, age, percentile) for those who cannot see the chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from esante import growth
from esante.cda import vocabulary as v
from esante.cda.build.ages import age_text
from esante.cda.clinical import Measurement, Quantity
from esante.cda.errors import CdaReadError
from esante.cda.read import ReceivedDocument, read_document
from esante.sandbox.mes import _hl7, wording

__all__ = [
    "BMI",
    "HEAD_CIRCUMFERENCE",
    "HEIGHT",
    "MDE_TEMPLATE",
    "MDE_TYPE",
    "WEIGHT",
    "CURVE_SLUGS",
    "CurvePoint",
    "GrowthCurve",
    "GrowthRow",
    "curve_svg",
    "growth_curves",
    "growth_table",
    "is_mde",
    "read_child_measurements",
]

MDE_TYPE = "29274-8"
"""LOINC type code of the « Mesures de l'enfant » document."""
MDE_TEMPLATE = "1.2.250.1.213.1.1.1.5.4"
WEIGHT = "29463-7"
HEIGHT = "8302-2"
HEAD_CIRCUMFERENCE = "8287-5"
BMI = "39156-5"
_CODES = frozenset({WEIGHT, HEIGHT, HEAD_CIRCUMFERENCE, BMI})
_INDICATORS: dict[str, growth.Indicator] = {
    WEIGHT: "weight",
    HEIGHT: "height",
    HEAD_CIRCUMFERENCE: "head",
    BMI: "bmi",
}
CURVE_SLUGS: dict[str, growth.Indicator] = {
    "poids": "weight",
    "taille": "height",
    "perimetre-cranien": "head",
    "imc": "bmi",
}
"""The curves' names in the page's addresses (``/patients/{ins}/courbes/poids.svg``)."""
_SLUG_OF = {indicator: slug for slug, indicator in CURVE_SLUGS.items()}
_UNITS = {"weight": "kg", "height": "cm", "head": "cm", "bmi": "kg/m²"}
_NOUNS = {
    "weight": "de poids",
    "height": "de taille",
    "head": "de périmètre crânien",
    "bmi": "d'indice de masse corporelle (IMC)",
}


@dataclass(frozen=True)
class GrowthRow:
    """The child's measurements on one day (``None`` where none was taken)."""

    day: date
    weight: Quantity | None = None
    height: Quantity | None = None
    head_circumference: Quantity | None = None
    bmi: Quantity | None = None


def is_mde(document: ReceivedDocument) -> bool:
    """Whether ``document`` is a « Mesures de l'enfant » (by templateId, else by type)."""
    return any(t.root == MDE_TEMPLATE for t in document.template_ids) or (
        document.type_code.code == MDE_TYPE and document.level == "N3"
    )


def read_child_measurements(source: bytes | ReceivedDocument) -> tuple[Measurement, ...]:
    """Weight, height, head circumference and BMI observations of a CSE-MDE.

    An observation without a date takes the organizer's. Raises
    :class:`esante.cda.CdaReadError` when ``source`` is not a readable CDA or not a
    structured « Mesures de l'enfant ».
    """
    document = source if isinstance(source, ReceivedDocument) else read_document(source)
    if not is_mde(document):
        raise CdaReadError(
            "Ce document n'est pas un document « Mesures de l'enfant » structuré.",
            detail=f"type {document.type_code.code}, level {document.level}",
            field="templateId",
        )
    found = []
    for organizer in document.root.iterfind(".//h:entry/h:organizer", v.NS):
        default_day = _hl7.day(_hl7.find(organizer, "h:effectiveTime"))
        for observation in _hl7.findall(organizer, "h:component/h:observation"):
            code = _hl7.code(_hl7.find(observation, "h:code"))
            value = _hl7.quantity(_hl7.find(observation, "h:value"))
            when = _hl7.day(_hl7.find(observation, "h:effectiveTime")) or default_day
            if code is None or code.code not in _CODES or value is None or when is None:
                continue
            found.append(Measurement(code, value, when))
    return tuple(found)


def growth_table(measurements: Iterable[Measurement]) -> tuple[GrowthRow, ...]:
    """One row per day, oldest first (a later measurement of the same kind on the same
    day wins)."""
    rows: dict[date, dict[str, Quantity]] = {}
    for item in measurements:
        day = item.time.date() if isinstance(item.time, datetime) else item.time
        rows.setdefault(day, {})[item.code.code] = item.value
    return tuple(
        GrowthRow(
            day=day,
            weight=values.get(WEIGHT),
            height=values.get(HEIGHT),
            head_circumference=values.get(HEAD_CIRCUMFERENCE),
            bmi=values.get(BMI),
        )
        for day, values in sorted(rows.items())
    )


@dataclass(frozen=True)
class CurvePoint:
    """One measure on a curve: the day, the value in the chart's unit, its percentile."""

    day: date
    value: Decimal
    percentile: float | None


@dataclass(frozen=True)
class GrowthCurve:
    """One growth curve of the child: what, for whom, the points, said in words."""

    indicator: growth.Indicator
    slug: str
    sex: str
    birth_date: date
    points: tuple[CurvePoint, ...]
    title: str
    description: str


def _chart_value(indicator: growth.Indicator, value: Quantity) -> Decimal | None:
    """The value in the chart's unit (a weight in g becomes kg); None in a foreign unit."""
    if indicator == "weight":
        if value.unit == "g":
            return value.value / 1000
        return value.value if value.unit == "kg" else None
    if indicator == "bmi":
        return value.value if value.unit in ("kg/m2", "kg/m²") else None
    if value.unit == "cm":
        return value.value
    return value.value * 100 if value.unit == "m" else None


def _ordinal(percentile: float) -> str:
    rank = max(1, min(99, round(percentile)))
    return "1er percentile" if rank == 1 else f"{rank}e percentile"


def _describe(
    indicator: growth.Indicator, sex: str, birth: date, points: tuple[CurvePoint, ...]
) -> str:
    unit = _UNITS[indicator]
    child = growth.SEX_LABELS.get(sex, "enfant")
    said = []
    for point in points:
        where = (
            f", {_ordinal(point.percentile)}"
            if point.percentile is not None
            else ", hors des âges des références"
        )
        said.append(
            f"{wording.number(point.value)} {unit} le {wording.french_date(point.day)} "
            f"({age_text(birth, point.day)}{where})"
        )
    count = f"{len(points)} mesure" + ("s" if len(points) > 1 else "")
    return (
        f"Courbe {_NOUNS[indicator]} selon l'âge d'une {child}"
        if sex == "F"
        else f"Courbe {_NOUNS[indicator]} selon l'âge d'un {child}"
    ) + (
        ", sur les courbes de référence de l'OMS (zones du 3e au 97e percentile et du 15e au "
        f"85e percentile, médiane au 50e). {count} : " + " ; ".join(said) + "."
    )


def growth_curves(
    measurements: Iterable[Measurement], *, birth_date: date, sex: str
) -> tuple[GrowthCurve, ...]:
    """The curves (weight, height, head circumference, BMI) with at least one measure,
    for a child of ``sex`` (F/M) born on ``birth_date``; none for another sex (the WHO
    references are by sex). A later measure of the same kind on the same day wins."""
    if sex not in ("F", "M"):
        return ()
    values: dict[growth.Indicator, dict[date, Decimal]] = {}
    for item in measurements:
        indicator = _INDICATORS.get(item.code.code)
        day = item.time.date() if isinstance(item.time, datetime) else item.time
        if indicator is None or day < birth_date:
            continue
        value = _chart_value(indicator, item.value)
        if value is not None:
            values.setdefault(indicator, {})[day] = value
    curves = []
    for indicator in growth.INDICATORS:
        if indicator not in values:
            continue
        points = []
        for day, value in sorted(values[indicator].items()):
            z = growth.z_score(indicator, sex, birth_date, day, value)
            points.append(CurvePoint(day, value, None if z is None else growth.percentile(z)))
        found = tuple(points)
        curves.append(
            GrowthCurve(
                indicator=indicator,
                slug=_SLUG_OF[indicator],
                sex=sex,
                birth_date=birth_date,
                points=found,
                title=growth.chart_title(indicator, sex),
                description=_describe(indicator, sex, birth_date, found),
            )
        )
    return tuple(curves)


def curve_svg(curve: GrowthCurve) -> str:
    """The SVG chart of ``curve`` (WHO bands, the child's points), its text alternative
    embedded as ``<title>`` and ``<desc>``."""
    points = [growth.AgePoint((p.day - curve.birth_date).days, p.value) for p in curve.points]
    return growth.chart_svg(
        curve.indicator, curve.sex, points, title=curve.title, description=curve.description
    )
