"""Volet de Synthèse Médicale (VSM) 2023.01, CDA R2 level 3.

Document type ``SYNTH`` (1.2.250.1.213.1.1.4.12), templateId
``1.2.250.1.213.1.1.1.13`` extension ``2023.01``, formatCode ``urn:asip:ci-sis:vsm:2012``,
serviceEvent LOINC 34117-2 "Historique et clinique". Body (CI-SIS volet VSM 2023.01):

- "Pathologies, antécédents, allergies et facteurs de risque" (``1.2.250.1.213.1.1.2.29``)
  with "Pathologies en cours, antécédents et allergies" (``.2.30``): active problems
  (``.2.132``), past illnesses (``.2.134``), past procedures (``.2.136``), allergies
  (``.2.137``); and "Facteurs de risque" (``.2.31``): mode de vie (``.2.141``),
  antécédents familiaux (``.2.139``);
- "Résultats" / points de vigilance (IHE ``1.3.6.1.4.1.19376.1.5.3.1.3.27``, ``.2.150``);
- "Traitement au long cours" (``.2.32``) with its medications section (``.2.143``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from esante.cda import vocabulary as v
from esante.cda.build._xml import Element
from esante.cda.build.document import BuiltDocument, finish, start_document, structured_body
from esante.cda.build.entries import (
    allergy_concern,
    family_history_entry,
    problem_concern,
    procedure_entry,
)
from esante.cda.build.narrative import Anchors, Cell, add_paragraph, add_section, add_table
from esante.cda.build.observations import SOCIAL_HISTORY_OBSERVATION, observation_entry
from esante.cda.build.substances import medication_entry
from esante.cda.clinical import (
    Allergy,
    FamilyHistory,
    Medication,
    Observation,
    Problem,
    Procedure,
    value_text,
)
from esante.cda.errors import CdaBuildError
from esante.cda.model import Code, DocumentHeader, InstanceId

TEMPLATE_ID = "1.2.250.1.213.1.1.1.13"
TEMPLATE_EXTENSION = "2023.01"
FORMAT_CODE = "urn:asip:ci-sis:vsm:2012"
TYPE_CODE = Code("SYNTH", v.CODE_SYSTEM_DOCUMENT_TYPES, "Synthèse")
SERVICE_EVENT = Code("34117-2", v.LOINC, "Historique et clinique", "LOINC")


@dataclass(frozen=True)
class VsmContent:
    """What a VSM says: problems, past illnesses and acts, allergies, long-term treatments.

    ``lifestyle`` are coded social history observations (tobacco 74011-8, alcohol
    74013-4...) with an optional free text; ``family_history`` the relatives' conditions;
    ``vigilance`` the free text of the "points de vigilance" section.
    """

    problems: Sequence[Problem] = ()
    history: Sequence[Problem] = ()
    procedures: Sequence[Procedure] = ()
    allergies: Sequence[Allergy] = ()
    treatments: Sequence[Medication] = ()
    family_history: Sequence[FamilyHistory] = ()
    lifestyle: Sequence[Observation] = ()
    lifestyle_text: str | None = None
    vigilance: str = "Aucun point de vigilance particulier."


def _loinc(code: str, label: str) -> Code:
    return Code(code, v.LOINC, label, "LOINC")


def _dates(start: object, end: object) -> str:
    def fmt(value: object) -> str:
        return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else "—"

    return fmt(start) if end is None else f"{fmt(start)} → {fmt(end)}"


def _problems(
    parent: Element,
    anchors: Anchors,
    templates: tuple[str, ...],
    code: Code,
    title: str,
    problems: Sequence[Problem],
    prefix: str,
) -> None:
    section, text = add_section(parent, templates, code, title)
    assert text is not None
    refs = [anchors.new(prefix) for _ in problems]
    rows: list[list[Cell | str]] = [
        [
            Cell(p.label, ref),
            f"{p.code.code} ({p.code.code_system_name or 'CIM-10'})",
            _dates(p.start, p.end),
        ]
        for p, ref in zip(problems, refs, strict=True)
    ]
    add_table(text, ["Problème", "Code", "Dates"], rows)
    for problem, ref in zip(problems, refs, strict=True):
        problem_concern(section, problem, ref)


def build_vsm(
    header: DocumentHeader, content: VsmContent, *, document_id: InstanceId | None = None
) -> BuiltDocument:
    """Build a VSM 2023.01; raises :class:`CdaBuildError` on a wrong document type."""
    if header.type_code.code != TYPE_CODE.code:
        raise CdaBuildError(
            "Un VSM doit avoir le type de document SYNTH (Synthèse).",
            detail=f"type_code {header.type_code.code!r} != 'SYNTH'",
            field="type_code",
        )
    root, ident = start_document(header, [(TEMPLATE_ID, TEMPLATE_EXTENSION)], document_id)
    body = structured_body(root)
    anchors = Anchors()

    summary, _ = add_section(
        body,
        ("1.2.250.1.213.1.1.2.29",),
        _loinc("46612-8", "Conclusions de synthèse"),
        "Pathologies, antécédents, allergies et facteurs de risque",
        with_text=False,
    )
    conditions, _ = add_section(
        summary,
        ("1.2.250.1.213.1.1.2.30",),
        _loinc("34117-2", "Historique et clinique"),
        "Pathologies en cours, antécédents et allergies",
        with_text=False,
    )
    _problems(
        conditions,
        anchors,
        (
            "2.16.840.1.113883.10.20.1.11",
            "1.3.6.1.4.1.19376.1.5.3.1.3.6",
            "1.2.250.1.213.1.1.2.132",
        ),
        _loinc("11450-4", "Liste des problèmes actifs"),
        "Pathologies en cours",
        content.problems,
        "pb",
    )
    _problems(
        conditions,
        anchors,
        ("1.3.6.1.4.1.19376.1.5.3.1.3.8", "1.2.250.1.213.1.1.2.134"),
        _loinc("11348-0", "Antécédents médicaux"),
        "Antécédents médicaux",
        content.history,
        "atcd",
    )
    acts, text = add_section(
        conditions,
        (
            "2.16.840.1.113883.10.20.1.12",
            "1.3.6.1.4.1.19376.1.5.3.1.3.11",
            "1.3.6.1.4.1.19376.1.5.3.1.3.12",
            "1.2.250.1.213.1.1.2.136",
        ),
        _loinc("47519-4", "Historique des actes"),
        "Antécédents chirurgicaux et actes",
    )
    assert text is not None
    refs = [anchors.new("acte") for _ in content.procedures]
    add_table(
        text,
        ["Acte", "Code", "Date"],
        [
            [Cell(p.code.display or p.code.code, ref), p.code.code, _dates(p.date, None)]
            for p, ref in zip(content.procedures, refs, strict=True)
        ],
    )
    for procedure, ref in zip(content.procedures, refs, strict=True):
        procedure_entry(acts, procedure, ref)
    allergies, text = add_section(
        conditions,
        (
            "2.16.840.1.113883.10.20.1.2",
            "1.3.6.1.4.1.19376.1.5.3.1.3.13",
            "1.2.250.1.213.1.1.2.137",
        ),
        _loinc("48765-2", "Allergies et hypersensibilités"),
        "Allergies et intolérances",
    )
    assert text is not None
    refs = [anchors.new("allergie") for _ in content.allergies]
    reactions = [anchors.new("reaction") if a.reaction else None for a in content.allergies]
    add_table(
        text,
        ["Agent", "Type", "Réaction", "Depuis"],
        [
            [
                Cell(a.label, ref),
                a.kind.display or a.kind.code,
                Cell(a.reaction.display or a.reaction.code, reaction)
                if a.reaction and reaction
                else "—",
                _dates(a.start, None),
            ]
            for a, ref, reaction in zip(content.allergies, refs, reactions, strict=True)
        ],
    )
    for allergy, ref, reaction in zip(content.allergies, refs, reactions, strict=True):
        allergy_concern(allergies, allergy, ref, reaction)

    risks, _ = add_section(
        summary,
        ("1.2.250.1.213.1.1.2.31",),
        _loinc(
            "57207-3",
            "Facteurs de risque présents ou passés affectant l'état de santé "
            "et/ou une circonstance",
        ),
        "Facteurs de risque",
        with_text=False,
    )
    coded = ("1.3.6.1.4.1.19376.1.5.3.1.3.16.1",) if content.lifestyle else ()
    habits, text = add_section(
        risks,
        (
            "2.16.840.1.113883.10.20.1.15",
            "1.3.6.1.4.1.19376.1.5.3.1.3.16",
            *coded,
            "1.2.250.1.213.1.1.2.141",
        ),
        _loinc("29762-2", "Habitus, Mode de vie"),
        "Mode de vie",
    )
    assert text is not None
    refs = [anchors.new("habitus") for _ in content.lifestyle]
    if content.lifestyle:
        add_table(
            text,
            ["Habitus", "Valeur"],
            [
                [o.label, Cell(value_text(o.value), ref)]
                for o, ref in zip(content.lifestyle, refs, strict=True)
            ],
        )
    if content.lifestyle_text or not content.lifestyle:
        add_paragraph(text, content.lifestyle_text or "Non renseigné.")
    for item, ref in zip(content.lifestyle, refs, strict=True):
        observation_entry(habits, item, ref, templates=SOCIAL_HISTORY_OBSERVATION)
    if content.family_history:
        _family_history(risks, anchors, content.family_history)

    _, text = add_section(
        body,
        ("1.3.6.1.4.1.19376.1.5.3.1.3.27", "1.2.250.1.213.1.1.2.150"),
        _loinc("30954-2", "Résultats d'examens"),
        "Points de vigilance",
    )
    assert text is not None
    add_paragraph(text, content.vigilance)

    plan, _ = add_section(
        body,
        ("1.2.250.1.213.1.1.2.32",),
        _loinc("18776-5", "Plan de traitement"),
        "Traitement au long cours",
        with_text=False,
    )
    treatments, text = add_section(
        plan,
        (
            "2.16.840.1.113883.10.20.1.8",
            "1.3.6.1.4.1.19376.1.5.3.1.3.19",
            "1.2.250.1.213.1.1.2.143",
        ),
        _loinc("10160-0", "Traitements"),
        "Traitements",
    )
    assert text is not None
    refs = [anchors.new("med") for _ in content.treatments]
    add_table(
        text,
        ["Médicament", "Posologie", "Depuis"],
        [
            [Cell(m.label, ref), m.instructions or "—", _dates(m.start, m.end)]
            for m, ref in zip(content.treatments, refs, strict=True)
        ],
    )
    for medication, ref in zip(content.treatments, refs, strict=True):
        medication_entry(treatments, medication, ref).getparent().set("typeCode", "DRIV")  # type: ignore[union-attr]
    return finish(root, header, ident, model="VSM", format_code=FORMAT_CODE)


def _family_history(parent: Element, anchors: Anchors, items: Sequence[FamilyHistory]) -> None:
    section, text = add_section(
        parent,
        (
            "2.16.840.1.113883.10.20.1.4",
            "1.3.6.1.4.1.19376.1.5.3.1.3.14",
            "1.3.6.1.4.1.19376.1.5.3.1.3.15",
            "1.2.250.1.213.1.1.2.139",
        ),
        _loinc("10157-6", "Historique des pathologies familiales"),
        "Antécédents familiaux",
    )
    assert text is not None
    refs = [anchors.new("familial") for _ in items]
    add_table(
        text,
        ["Parent", "Antécédent"],
        [
            [
                i.relative.relationship.display or i.relative.relationship.code,
                Cell(i.problem.label, ref),
            ]
            for i, ref in zip(items, refs, strict=True)
        ],
    )
    for item, ref in zip(items, refs, strict=True):
        family_history_entry(section, item, ref)
