"""Note de vaccination (VAC-NOTE) 2023.01, CDA R2 level 3.

Document type LOINC 87273-9, templateIds IHE Immunization Content
``1.3.6.1.4.1.19376.1.5.3.1.1.18.1.2`` and ``1.2.250.1.213.1.1.1.46`` extension
``2023.01``, formatCode ``urn:asip:ci-sis:vac-note:2021``. One "Historique des
vaccinations" section (``1.2.250.1.213.1.1.2.147``, LOINC 11369-6) with one FR-Vaccination
entry per injection given: vaccine by CIS with ATC (mandatory) and CIP translations, exact
date, lot, expiry, route, site, dose rank, performer and author.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from esante.cda import vocabulary as v
from esante.cda.build.document import BuiltDocument, finish, start_document, structured_body
from esante.cda.build.narrative import Anchors, Cell, add_section, add_table
from esante.cda.build.observations import comment_relationship
from esante.cda.build.substances import immunization_entry
from esante.cda.clinical import Immunization
from esante.cda.errors import CdaBuildError
from esante.cda.model import Code, DocumentHeader, InstanceId

TEMPLATE_ID = "1.2.250.1.213.1.1.1.46"
TEMPLATE_EXTENSION = "2023.01"
IHE_IMMUNIZATION_CONTENT = "1.3.6.1.4.1.19376.1.5.3.1.1.18.1.2"
FORMAT_CODE = "urn:asip:ci-sis:vac-note:2021"
TYPE_CODE = Code("87273-9", v.LOINC, "Note de vaccination", "LOINC")
SECTION_TEMPLATES = (
    "2.16.840.1.113883.10.20.1.6",
    "1.3.6.1.4.1.19376.1.5.3.1.3.23",
    "1.2.250.1.213.1.1.2.147",
)
SECTION_CODE = Code("11369-6", v.LOINC, "Historique des vaccinations", "LOINC")


@dataclass(frozen=True)
class VacNoteContent:
    """The vaccinations given during the encounter (at least one)."""

    immunizations: Sequence[Immunization]


def _fmt(value: object) -> str:
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else "—"


def build_vac_note(
    header: DocumentHeader, content: VacNoteContent, *, document_id: InstanceId | None = None
) -> BuiltDocument:
    """Build a VAC-NOTE 2023.01; raises :class:`CdaBuildError` on missing data."""
    if header.type_code.code != TYPE_CODE.code:
        raise CdaBuildError(
            "Une note de vaccination doit avoir le type de document 87273-9.",
            detail=f"type_code {header.type_code.code!r} != '87273-9'",
            field="type_code",
        )
    if not content.immunizations:
        raise CdaBuildError(
            "Une note de vaccination décrit au moins une vaccination.",
            detail="VacNoteContent.immunizations is empty",
            field="immunizations",
        )
    for index, item in enumerate(content.immunizations):
        if item.vaccine.code_system != v.CIS or not any(
            t.code_system == v.ATC for t in item.vaccine.translations
        ):
            raise CdaBuildError(
                f"Vaccin « {item.label} » : le code CIS et sa traduction ATC sont obligatoires.",
                detail="vaccine must be coded in CIS (1.2.250.1.213.2.3.1) with an ATC translation",
                field=f"immunizations[{index}].vaccine",
            )
        if item.performer is None:
            raise CdaBuildError(
                f"Vaccin « {item.label} » : le vaccinateur (auteur de l'entrée) est obligatoire.",
                detail="Immunization.performer is required in a VAC-NOTE",
                field=f"immunizations[{index}].performer",
            )
    root, ident = start_document(
        header,
        [(IHE_IMMUNIZATION_CONTENT, None), (TEMPLATE_ID, TEMPLATE_EXTENSION)],
        document_id,
    )
    anchors = Anchors()
    section, text = add_section(
        structured_body(root), SECTION_TEMPLATES, SECTION_CODE, "Vaccinations"
    )
    assert text is not None
    refs = [anchors.new("vac") for _ in content.immunizations]
    comments = [anchors.new("vac-comment") if i.comment else None for i in content.immunizations]
    rows: list[list[Cell | str]] = []
    for item, ref, comment in zip(content.immunizations, refs, comments, strict=True):
        rows.append(
            [
                _fmt(item.date),
                Cell(item.label, ref),
                item.lot or "—",
                _fmt(item.expiry),
                (item.route.display or item.route.code) if item.route else "—",
                (item.site.display or item.site.code) if item.site else "—",
                str(item.dose_rank) if item.dose_rank is not None else "—",
                Cell(item.comment, comment) if item.comment and comment else "—",
            ]
        )
    add_table(
        text,
        ["Date", "Vaccin", "Lot", "Péremption", "Voie", "Site", "Rang", "Commentaire"],
        rows,
    )
    for item, ref, comment in zip(content.immunizations, refs, comments, strict=True):
        sbadm = immunization_entry(section, item, ref)
        if comment is not None:
            comment_relationship(sbadm, comment)
    return finish(root, header, ident, model="VAC-NOTE", format_code=FORMAT_CODE)
