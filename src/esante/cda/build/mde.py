"""Mesures de l'enfant (CSE-MDE) 2023.01, CDA R2 level 3.

Document type LOINC 29274-8, templateIds IHE medical document, CSE
``1.2.250.1.213.1.1.1.5`` and ``1.2.250.1.213.1.1.1.5.4`` extension ``2023.01``, formatCode
``urn:ans:ci-sis:cse-mde:2023``; serviceEvent SNOMED CT 11429006 "consultation". One coded
vital signs section (FR-Signes-vitaux, ``1.2.250.1.213.1.1.2.75``) holding a vital signs
organizer: weight in g (LOINC 29463-7), height in cm (8302-2), head circumference in cm
(8287-5), body mass index in kg/m2 (39156-5).

The measurements are those of the carnet de santé de l'enfant (Code de la santé
publique, art. L.2132-1), kept for a minor: a CSE-MDE about a patient of 18 or more is
refused (:data:`AGE_WINDOW`, checked on the serviceEvent date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from esante.cda import vocabulary as v
from esante.cda.build._xml import Element
from esante.cda.build.ages import AgeWindow, require_age
from esante.cda.build.document import BuiltDocument, finish, start_document, structured_body
from esante.cda.build.narrative import Anchors, Cell, add_section, add_table
from esante.cda.build.observations import vital_signs_entry
from esante.cda.clinical import Measurement
from esante.cda.errors import CdaBuildError
from esante.cda.model import Code, DocumentHeader, InstanceId

TEMPLATE_CSE = "1.2.250.1.213.1.1.1.5"
TEMPLATE_ID = "1.2.250.1.213.1.1.1.5.4"
TEMPLATE_EXTENSION = "2023.01"
FORMAT_CODE = "urn:ans:ci-sis:cse-mde:2023"
TYPE_CODE = Code("29274-8", v.LOINC, "Mesures de signes vitaux", "LOINC")
CONSULTATION = Code("11429006", v.SNOMED_CT, "consultation", "SNOMED CT")
VITAL_SIGNS_SECTION = (
    "2.16.840.1.113883.10.20.1.16",
    "1.3.6.1.4.1.19376.1.5.3.1.3.25",
    "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.2",
    "1.2.250.1.213.1.1.2.75",
)
VITAL_SIGNS_CODE = Code("8716-3", v.LOINC, "Signes vitaux", "LOINC")
UNITS = {"29463-7": "g", "8302-2": "cm", "8287-5": "cm", "39156-5": "kg/m2"}
AGE_WINDOW = AgeWindow("P0D", "P18Y")
"""A child's measurements are written for a minor (carnet de santé de l'enfant)."""


@dataclass(frozen=True)
class MdeContent:
    """The child's measurements at one date (weight g, height cm, head cm, BMI kg/m2)."""

    measurements: Sequence[Measurement]
    time: date | datetime


def vital_signs_section(
    parent: Element, anchors: Anchors, measurements: Sequence[Measurement], time: date | datetime
) -> Element:
    """A FR-Signes-vitaux section with its narrative table and organizer."""
    section, text = add_section(parent, VITAL_SIGNS_SECTION, VITAL_SIGNS_CODE, "Signes vitaux")
    assert text is not None
    refs = [anchors.new("mesure") for _ in measurements]
    add_table(
        text,
        ["Mesure", "Valeur"],
        [[m.label, Cell(str(m.value), ref)] for m, ref in zip(measurements, refs, strict=True)],
    )
    vital_signs_entry(section, measurements, refs, time)
    return section


def build_mde(
    header: DocumentHeader, content: MdeContent, *, document_id: InstanceId | None = None
) -> BuiltDocument:
    """Build a CSE-MDE 2023.01; raises :class:`CdaBuildError` on a unit the volet refuses
    or for a patient who is not a minor on the serviceEvent date.
    """
    require_age(
        "Le document « Mesures de l'enfant »",
        AGE_WINDOW,
        header.patient.birth_date,
        header.service_event.start.date(),
    )
    if not content.measurements:
        raise CdaBuildError(
            "Aucune mesure à transmettre.",
            detail="MdeContent.measurements is empty",
            field="measurements",
        )
    for index, item in enumerate(content.measurements):
        expected = UNITS.get(item.code.code)
        if expected is not None and item.value.unit != expected:
            raise CdaBuildError(
                f"{item.label} : unité « {item.value.unit} » au lieu de « {expected} ».",
                detail=f"{item.code.code} must be in {expected}",
                field=f"measurements[{index}].value.unit",
            )
    root, ident = start_document(
        header,
        [
            (v.TEMPLATE_IHE_MEDICAL_DOCUMENT, None),
            (TEMPLATE_CSE, None),
            (TEMPLATE_ID, TEMPLATE_EXTENSION),
        ],
        document_id,
    )
    vital_signs_section(structured_body(root), Anchors(), content.measurements, content.time)
    return finish(root, header, ident, model="CSE-MDE", format_code=FORMAT_CODE)
