"""Certificats de santé de l'enfant CS8, CS9, CS24 (CI-SIS volet CSE 2025.01), level 3.

Document type ``CERT_DECL`` (1.2.250.1.213.1.1.4.12), parent templateId
``1.2.250.1.213.1.1.1.5`` and ``.5.1`` (CS8), ``.5.2`` (CS9), ``.5.3`` (CS24) extension
``2025.01``; formatCodes ``urn:asip:ci-sis:cse-cs8:2017`` (cs9, cs24); serviceEvent SNOMED
CT 11429006 "consultation". The CSE schematrons require, among others:

- CS8: the mother as informant; social history with the mother's alcohol (74013-4),
  tobacco (74011-8), other addictions (GEN-092.01.04), the household (85722-7), the
  child's feeding (67704-7) and tuberculosis risk (MED-183); pregnancy history;
  antenatal tests battery (GEN-078, ORG-079, ORG-080, 51659-1, GEN-079); labour and
  delivery attributed to the mother with 73813-8, MED-168, 57071-3; the newborn's
  physical exam with vital signs and its acts (MED-174, MED-1304 with result MED-1305);
- CS9 / CS24: childcare (PAT-058; CS24 also screens MED-1275) with the mother's birth
  date; past illnesses with domestic accidents (MED-186 / MED-185, causes as CAUS) and
  prematurity (MED-183, CS24); vital signs; psychomotor development with MED-1274.

A certificate is made at the exam of its age (``window`` of the exam in
``data/child_exams.json``: CS8 in the 8 days after birth, CS9 from 8 to before 10 months,
CS24 from 23 to before 26 months): one about a patient of another age on the serviceEvent
date is refused with a French :class:`CdaBuildError`.

This module writes the structure; what is observed is the caller's (see
:mod:`esante.cda.examples.certificates` for a complete example of each).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from esante.cda import vocabulary as v
from esante.cda.build._xml import Element, add_code, new_uuid, sub
from esante.cda.build.ages import require_age
from esante.cda.build.child_exam import certificate_exam
from esante.cda.build.document import BuiltDocument, finish, start_document, structured_body
from esante.cda.build.entries import allergy_concern, problem_concern, procedure_entry
from esante.cda.build.mde import CONSULTATION, TEMPLATE_CSE, vital_signs_section
from esante.cda.build.narrative import Anchors, Cell, add_paragraph, add_section, add_table
from esante.cda.build.observations import (
    PREGNANCY_OBSERVATION,
    SOCIAL_HISTORY_OBSERVATION,
    add_subject,
    observation,
    observation_entry,
)
from esante.cda.build.substances import immunization_entry, medication_entry
from esante.cda.clinical import (
    Allergy,
    Immunization,
    Measurement,
    Medication,
    Observation,
    Problem,
    Procedure,
    Relative,
    value_text,
)
from esante.cda.errors import CdaBuildError
from esante.cda.model import Code, DocumentHeader, InstanceId

TYPE_CODE = Code("CERT_DECL", v.CODE_SYSTEM_DOCUMENT_TYPES, "Certificat, déclaration")
MODELS = {
    "CS8": ("1.2.250.1.213.1.1.1.5.1", "urn:asip:ci-sis:cse-cs8:2017", "CSE-CS8"),
    "CS9": ("1.2.250.1.213.1.1.1.5.2", "urn:asip:ci-sis:cse-cs9:2017", "CSE-CS9"),
    "CS24": ("1.2.250.1.213.1.1.1.5.3", "urn:asip:ci-sis:cse-cs24:2017", "CSE-CS24"),
}
TEMPLATE_EXTENSION = "2025.01"
IHE_NEWBORN_DISCHARGE = "1.3.6.1.4.1.19376.1.7.3.1.1.13.1"
ANTENATAL_BATTERY = Code(
    "XX-ANTENATALTESTINGBATTERY", v.LOINC, "ANTENATAL TESTING AND SURVEILLANCE BATTERY", "LOINC"
)


def _loinc(code: str, label: str) -> Code:
    return Code(code, v.LOINC, label, "LOINC")


SOCIAL_HISTORY = (
    (
        "2.16.840.1.113883.10.20.1.15",
        "1.3.6.1.4.1.19376.1.5.3.1.3.16",
        "1.3.6.1.4.1.19376.1.5.3.1.3.16.1",
        "1.2.250.1.213.1.1.2.141",
    ),
    _loinc("29762-2", "Habitus, Mode de vie"),
    "Mode de vie",
)
PAST_ILLNESSES = (
    ("1.3.6.1.4.1.19376.1.5.3.1.3.8", "1.2.250.1.213.1.1.2.134"),
    _loinc("11348-0", "Antécédents médicaux"),
    "Antécédents médicaux",
)
DEVELOPMENT = (
    ("1.3.6.1.4.1.19376.1.7.3.1.1.13.4", "1.2.250.1.213.1.1.2.161"),
    _loinc("xx-MCH-PsychoMDev", "Développement psychomoteur"),
    "Développement psychomoteur",
)
ALLERGIES = (
    ("2.16.840.1.113883.10.20.1.2", "1.3.6.1.4.1.19376.1.5.3.1.3.13", "1.2.250.1.213.1.1.2.137"),
    _loinc("48765-2", "Allergies et hypersensibilités"),
    "Allergies et hypersensibilités",
)
IMMUNIZATIONS = (
    ("2.16.840.1.113883.10.20.1.6", "1.3.6.1.4.1.19376.1.5.3.1.3.23", "1.2.250.1.213.1.1.2.147"),
    _loinc("11369-6", "Historique des vaccinations"),
    "Vaccinations",
)
PREGNANCY_HISTORY = (
    ("1.3.6.1.4.1.19376.1.5.3.1.1.5.3.4", "1.2.250.1.213.1.1.2.77"),
    _loinc("10162-6", "Historique des grossesses"),
    "Historique des grossesses",
)
ANTENATAL = (
    (
        "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.5",
        "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.5.1",
        "1.2.250.1.213.1.1.2.173",
    ),
    _loinc("57078-8", "Examens et surveillance prénataux"),
    "Examens et surveillance prénataux",
)
LABOR = (
    ("1.3.6.1.4.1.19376.1.5.3.1.1.21.2.3", "1.2.250.1.213.1.1.2.123"),
    _loinc("57074-7", "Travail et accouchement"),
    "Travail et accouchement",
)
EVENTS = (
    (
        "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.9",
        "1.3.6.1.4.1.19376.1.7.3.1.1.13.7",
        "1.2.250.1.213.1.1.2.163",
    ),
    _loinc("42545-4", "Evènements observés"),
    "Évènements observés",
)
NEWBORN = (
    ("1.3.6.1.4.1.19376.1.5.3.1.1.21.2.4", "1.2.250.1.213.1.1.2.124"),
    _loinc("57075-4", "Informations sur l'accouchement et le nouveau-né"),
    "Informations sur le nouveau-né",
)
PHYSICAL_EXAM = (
    (
        "1.3.6.1.4.1.19376.1.5.3.1.3.24",
        "1.3.6.1.4.1.19376.1.5.3.1.1.9.15",
        "1.3.6.1.4.1.19376.1.5.3.1.1.9.15.1",
        "1.2.250.1.213.1.1.2.84",
    ),
    _loinc("29545-1", "Examen physique"),
    "État de l'enfant à la naissance",
)
ACTIVE_PROBLEMS = (
    ("2.16.840.1.113883.10.20.1.11", "1.3.6.1.4.1.19376.1.5.3.1.3.6", "1.2.250.1.213.1.1.2.132"),
    _loinc("11450-4", "Liste des problèmes actifs"),
    "Pathologies de la première semaine",
)
COVERAGE = (
    ("2.16.840.1.113883.10.20.1.9", "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.7", "1.2.250.1.213.1.1.2.79"),
    _loinc("48768-6", "Couvertures sociales"),
    "Couverture sociale",
)
ADMINISTERED = (
    ("1.3.6.1.4.1.19376.1.5.3.1.3.21", "1.2.250.1.213.1.1.2.145"),
    _loinc("18610-6", "Traitements administrés"),
    "Médicaments administrés",
)
CARE_PLAN = (
    ("2.16.840.1.113883.10.20.1.10", "1.3.6.1.4.1.19376.1.5.3.1.3.36", "1.2.250.1.213.1.1.2.158"),
    _loinc("18776-5", "Plan de soins"),
    "Plan de soins",
)
ACTS = (
    ("1.3.6.1.4.1.19376.1.5.3.1.1.13.2.11", "1.2.250.1.213.1.1.2.118"),
    _loinc("29554-3", "Actes"),
    "Actes et interventions",
)


@dataclass(frozen=True)
class Cs8Content:
    """The first health certificate (within 8 days of birth).

    ``mother`` is the subject of the labour and delivery section; ``social_history``,
    ``pregnancy_history`` and ``labor_and_delivery`` observations carry their own
    subject when they are about a parent.
    """

    mother: Relative
    social_history: Sequence[Observation]
    pregnancy_history: Sequence[Observation]
    antenatal_tests: Sequence[Observation]
    labor_and_delivery: Sequence[Observation]
    birth_measurements: Sequence[Measurement]
    birth_time: date | datetime
    newborn_problems: Sequence[Problem] = ()
    newborn_acts: Sequence[Procedure] = ()
    immunizations: Sequence[Immunization] = ()
    coverage: str = "Assurance maladie obligatoire."
    care_plan: str = "Suivi selon le calendrier des examens obligatoires."


@dataclass(frozen=True)
class FollowUpCertificateContent:
    """The 9th and 24th month certificates (CS9, CS24): same sections, different items."""

    social_history: Sequence[Observation]
    past_illnesses: Sequence[Problem]
    measurements: Sequence[Measurement]
    examination_time: date | datetime
    development: Sequence[Observation]
    immunizations: Sequence[Immunization] = ()
    allergies: Sequence[Allergy] = field(default_factory=tuple)
    administered: Sequence[Medication] = ()
    care_plan: str = "Suivi selon le calendrier des examens obligatoires."


Cs9Content = FollowUpCertificateContent
Cs24Content = FollowUpCertificateContent


def _observations_section(
    parent: Element,
    anchors: Anchors,
    spec: tuple[tuple[str, ...], Code, str],
    items: Sequence[Observation],
    *,
    templates: Sequence[str],
    time: date | datetime | None = None,
) -> Element:
    section, text = add_section(parent, spec[0], spec[1], spec[2])
    assert text is not None
    refs = [anchors.new("obs") for _ in items]
    add_table(
        text,
        ["Question", "Réponse"],
        [
            [
                item.label + (f" ({item.subject.relationship.display})" if item.subject else ""),
                Cell(value_text(item.value) if not item.negated else "non", ref),
            ]
            for item, ref in zip(items, refs, strict=True)
        ],
    )
    for item, ref in zip(items, refs, strict=True):
        observation_entry(section, item, ref, templates=templates, time=time)
    return section


def _problems_section(
    parent: Element,
    anchors: Anchors,
    spec: tuple[tuple[str, ...], Code, str],
    problems: Sequence[Problem],
) -> None:
    section, text = add_section(parent, spec[0], spec[1], spec[2])
    assert text is not None
    refs = [anchors.new("pb") for _ in problems]
    add_table(
        text,
        ["Antécédent", "Présent"],
        [
            [Cell(p.label, ref), "non" if p.absent else "oui"]
            for p, ref in zip(problems, refs, strict=True)
        ],
    )
    for problem, ref in zip(problems, refs, strict=True):
        problem_concern(section, problem, ref)


def _text_section(parent: Element, spec: tuple[tuple[str, ...], Code, str], words: str) -> Element:
    section, text = add_section(parent, *spec)
    assert text is not None
    add_paragraph(text, words)
    return section


def _medications_section(
    parent: Element, anchors: Anchors, medications: Sequence[Medication]
) -> None:
    section, text = add_section(parent, *ADMINISTERED)
    assert text is not None
    refs = [anchors.new("med") for _ in medications]
    add_table(
        text,
        ["Médicament", "Posologie"],
        [
            [Cell(m.label, ref), m.instructions or "—"]
            for m, ref in zip(medications, refs, strict=True)
        ],
    )
    for medication, ref in zip(medications, refs, strict=True):
        medication_entry(section, medication, ref)


def _immunizations_section(
    parent: Element, anchors: Anchors, immunizations: Sequence[Immunization]
) -> None:
    section, text = add_section(parent, *IMMUNIZATIONS)
    assert text is not None
    refs = [anchors.new("vac") for _ in immunizations]
    add_table(
        text,
        ["Vaccin", "Date", "Rang", "Fait"],
        [
            [
                Cell(i.label, ref),
                i.date.strftime("%d/%m/%Y"),
                str(i.dose_rank or "—"),
                "oui" if i.given else "non",
            ]
            for i, ref in zip(immunizations, refs, strict=True)
        ],
    )
    for immunization, ref in zip(immunizations, refs, strict=True):
        immunization_entry(section, immunization, ref)


def _require_age(header: DocumentHeader, which: str) -> None:
    """Refuse a certificate about a child outside the window of its exam."""
    require_age(
        f"Le certificat de santé {which}",
        certificate_exam(which).window,
        header.patient.birth_date,
        header.service_event.start.date(),
    )


def _start(
    header: DocumentHeader,
    which: str,
    document_id: InstanceId | None,
    immunizations: Sequence[Immunization],
) -> tuple[Element, InstanceId]:
    if not immunizations:
        raise CdaBuildError(
            f"Le certificat {which} comporte la section Vaccinations : indiquez au moins un "
            "vaccin (fait ou non fait).",
            detail="IHE PCC: an Immunizations section holds at least one Immunization entry",
            field="immunizations",
        )
    if header.type_code.code != TYPE_CODE.code:
        raise CdaBuildError(
            f"Un certificat de santé {which} a le type de document CERT_DECL.",
            detail=f"type_code {header.type_code.code!r} != 'CERT_DECL'",
            field="type_code",
        )
    if header.service_event.code.code != CONSULTATION.code:
        raise CdaBuildError(
            f"L'acte documenté d'un certificat {which} est la consultation (SNOMED CT 11429006).",
            detail=f"serviceEvent code {header.service_event.code.code!r} != '11429006'",
            field="service_event.code",
        )
    template, _, _ = MODELS[which]
    templates: list[tuple[str, str | None]] = []
    if which == "CS8":
        templates.append((IHE_NEWBORN_DISCHARGE, None))
    templates += [(TEMPLATE_CSE, None), (template, TEMPLATE_EXTENSION)]
    return start_document(header, templates, document_id)


def build_cs8(
    header: DocumentHeader, content: Cs8Content, *, document_id: InstanceId | None = None
) -> BuiltDocument:
    """Build a CSE-CS8 2025.01 (the mother must be an informant of the header)."""
    _require_age(header, "CS8")
    if not any(i.relationship.code == "MTH" for i in header.informants):
        raise CdaBuildError(
            "Le certificat du 8e jour mentionne obligatoirement la mère (informant).",
            detail="no informant with relationship MTH",
            field="informants",
        )
    root, ident = _start(header, "CS8", document_id, content.immunizations)
    body = structured_body(root)
    anchors = Anchors()
    _observations_section(
        body, anchors, SOCIAL_HISTORY, content.social_history, templates=SOCIAL_HISTORY_OBSERVATION
    )
    _text_section(body, COVERAGE, content.coverage)
    _observations_section(
        body,
        anchors,
        PREGNANCY_HISTORY,
        content.pregnancy_history,
        templates=PREGNANCY_OBSERVATION,
    )
    section, text = add_section(body, *ANTENATAL)
    assert text is not None
    test_refs = [anchors.new("prenatal") for _ in content.antenatal_tests]
    add_table(
        text,
        ["Examen", "Résultat"],
        [
            [o.label, Cell(value_text(o.value), ref)]
            for o, ref in zip(content.antenatal_tests, test_refs, strict=True)
        ],
    )
    organizer = sub(sub(section, "entry"), "organizer", classCode="BATTERY", moodCode="EVN")
    for template_root in ("1.3.6.1.4.1.19376.1.5.3.1.1.21.3.10", "1.2.250.1.213.1.1.3.98"):
        sub(organizer, "templateId", root=template_root)
    sub(organizer, "id", root=new_uuid())
    add_code(organizer, ANTENATAL_BATTERY)
    sub(organizer, "statusCode", code="completed")
    sub(sub(organizer, "effectiveTime"), "low", nullFlavor="NA")
    for test, ref in zip(content.antenatal_tests, test_refs, strict=True):
        observation(sub(organizer, "component"), test, ref)

    labor, text = add_section(body, *LABOR)
    assert text is not None
    text.text = "Accouchement de la mère (voir les évènements observés)."
    add_subject(labor, content.mother)
    _observations_section(
        labor,
        anchors,
        EVENTS,
        content.labor_and_delivery,
        templates=("1.3.6.1.4.1.19376.1.5.3.1.4.13", "1.2.250.1.213.1.1.3.48"),
        time=content.birth_time,
    )

    newborn, _ = add_section(body, *NEWBORN, with_text=False)
    exam, _ = add_section(newborn, *PHYSICAL_EXAM, with_text=False)
    vital_signs_section(exam, anchors, content.birth_measurements, content.birth_time)
    if content.newborn_problems:
        _problems_section(newborn, anchors, ACTIVE_PROBLEMS, content.newborn_problems)
    acts, text = add_section(newborn, *ACTS)
    assert text is not None
    refs = [anchors.new("acte") for _ in content.newborn_acts]
    result_refs = [[anchors.new("resultat") for _ in a.results] for a in content.newborn_acts]
    rows: list[list[Cell | str]] = []
    for act, ref, results in zip(content.newborn_acts, refs, result_refs, strict=True):
        rows.append(
            [Cell(act.code.display or act.code.code, ref), "oui" if act.done else "non", "—"]
        )
        for result, result_ref in zip(act.results, results, strict=True):
            rows.append(["", result.label, Cell(value_text(result.value), result_ref)])
    add_table(text, ["Acte", "Réalisé", "Résultat"], rows)
    for act, ref, results in zip(content.newborn_acts, refs, result_refs, strict=True):
        procedure_entry(acts, act, ref, results)
    _immunizations_section(body, anchors, content.immunizations)
    _text_section(body, CARE_PLAN, content.care_plan)
    return finish(root, header, ident, model="CSE-CS8", format_code=MODELS["CS8"][1])


def _follow_up(
    header: DocumentHeader,
    content: FollowUpCertificateContent,
    which: str,
    document_id: InstanceId | None,
) -> BuiltDocument:
    _require_age(header, which)
    if which == "CS9" and not content.administered:
        raise CdaBuildError(
            "Le certificat du 9e mois comporte la section Traitements administrés : "
            "indiquez au moins un médicament administré.",
            detail="CSE-CS9 requires the administered medications section, IHE an entry in it",
            field="administered",
        )
    root, ident = _start(header, which, document_id, content.immunizations)
    body = structured_body(root)
    anchors = Anchors()
    _observations_section(
        body, anchors, SOCIAL_HISTORY, content.social_history, templates=SOCIAL_HISTORY_OBSERVATION
    )
    _problems_section(body, anchors, PAST_ILLNESSES, content.past_illnesses)
    vital_signs_section(body, anchors, content.measurements, content.examination_time)
    _observations_section(
        body,
        anchors,
        DEVELOPMENT,
        content.development,
        templates=("1.3.6.1.4.1.19376.1.5.3.1.4.13", "1.2.250.1.213.1.1.3.48"),
        time=content.examination_time,
    )
    if content.allergies:
        section, text = add_section(body, *ALLERGIES)
        assert text is not None
        refs = [anchors.new("allergie") for _ in content.allergies]
        add_table(
            text,
            ["Allergie"],
            [[Cell(a.label, ref)] for a, ref in zip(content.allergies, refs, strict=True)],
        )
        for allergy, ref in zip(content.allergies, refs, strict=True):
            allergy_concern(section, allergy, ref)
    _immunizations_section(body, anchors, content.immunizations)
    if which == "CS9" or content.administered:
        _medications_section(body, anchors, content.administered)
    _text_section(body, CARE_PLAN, content.care_plan)
    _, _, model = MODELS[which]
    return finish(root, header, ident, model=model, format_code=MODELS[which][1])


def build_cs9(
    header: DocumentHeader,
    content: FollowUpCertificateContent,
    *,
    document_id: InstanceId | None = None,
) -> BuiltDocument:
    """Build a CSE-CS9 2025.01 (9th month certificate)."""
    return _follow_up(header, content, "CS9", document_id)


def build_cs24(
    header: DocumentHeader,
    content: FollowUpCertificateContent,
    *,
    document_id: InstanceId | None = None,
) -> BuiltDocument:
    """Build a CSE-CS24 2025.01 (24th month certificate)."""
    return _follow_up(header, content, "CS24", document_id)
