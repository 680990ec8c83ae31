"""« Mesures de l'enfant »: the child's growth table compiled from the CSE-MDE documents.

The CI-SIS « Mesures de l'enfant » (CSE-MDE 2023.01, type LOINC 29274-8, templateId
``1.2.250.1.213.1.1.1.5.4``) carries a vital signs organizer of observations: weight in g
(LOINC 29463-7), height in cm (8302-2), head circumference in cm (8287-5), body mass
index in kg/m2 (39156-5), each with its date. :func:`read_child_measurements` reads them
into :class:`esante.cda.Measurement` values (the reading counterpart of
:func:`esante.cda.build_mde`, self-contained here until :mod:`esante.cda.read` has it);
:func:`growth_table` makes one row per date, the way the carnet de santé lists them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from esante.cda import vocabulary as v
from esante.cda.clinical import Measurement, Quantity
from esante.cda.errors import CdaReadError
from esante.cda.read import ReceivedDocument, read_document
from esante.sandbox.mes import _hl7

__all__ = [
    "BMI",
    "HEAD_CIRCUMFERENCE",
    "HEIGHT",
    "MDE_TEMPLATE",
    "MDE_TYPE",
    "WEIGHT",
    "GrowthRow",
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
