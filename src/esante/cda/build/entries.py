"""Problem and allergy concerns, procedures: CI-SIS entries built on IHE PCC templates.

- FR-Liste-des-problemes (problem concern, ``1.2.250.1.213.1.1.3.39``) around a
  FR-Probleme (``1.2.250.1.213.1.1.3.37``, code SNOMED CT 282291009 "interprétation
  diagnostique", value = the diagnosis);
- FR-Liste-des-allergies-et-intolerances (allergy concern, ``1.2.250.1.213.1.1.3.40``)
  around a FR-Allergie-ou-intolerance (``1.2.250.1.213.1.1.3.41``, code from
  JDV_TypeEvenementIndesirablePrevisible, agent as consumable participant, reaction as a
  manifestation problem);
- FR-Acte (``1.2.250.1.213.1.1.3.62``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from esante.cda import vocabulary as v
from esante.cda.build._xml import (
    Element,
    add_code,
    add_text_reference,
    new_uuid,
    set_xsi_type,
    sub,
    ts,
)
from esante.cda.build.observations import add_subject, observation
from esante.cda.clinical import Allergy, FamilyHistory, Problem, Procedure
from esante.cda.model import Code

CONCERN_TEMPLATES = (
    "2.16.840.1.113883.10.20.1.27",
    "1.3.6.1.4.1.19376.1.5.3.1.4.5.1",
)
PROBLEM_CONCERN_TEMPLATES = (
    *CONCERN_TEMPLATES,
    "1.3.6.1.4.1.19376.1.5.3.1.4.5.2",
    "1.2.250.1.213.1.1.3.39",
)
ALLERGY_CONCERN_TEMPLATES = (
    *CONCERN_TEMPLATES,
    "1.3.6.1.4.1.19376.1.5.3.1.4.5.3",
    "1.2.250.1.213.1.1.3.40",
)
PROBLEM_TEMPLATES = (
    "2.16.840.1.113883.10.20.1.28",
    "1.3.6.1.4.1.19376.1.5.3.1.4.5",
    "1.2.250.1.213.1.1.3.37",
)
ALLERGY_TEMPLATES = (
    "2.16.840.1.113883.10.20.1.18",
    "2.16.840.1.113883.10.20.1.28",
    "1.3.6.1.4.1.19376.1.5.3.1.4.5",
    "1.3.6.1.4.1.19376.1.5.3.1.4.6",
    "1.2.250.1.213.1.1.3.41",
)
FAMILY_ORGANIZER_TEMPLATES = (
    "2.16.840.1.113883.10.20.1.23",
    "1.3.6.1.4.1.19376.1.5.3.1.4.15",
    "1.2.250.1.213.1.1.3.59",
)
FAMILY_OBSERVATION_TEMPLATES = (
    "2.16.840.1.113883.10.20.1.22",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13.3",
    "1.2.250.1.213.1.1.3.51",
)
PROCEDURE_TEMPLATES = (
    "1.3.6.1.4.1.19376.1.5.3.1.4.19",
    "2.16.840.1.113883.10.20.1.29",
    "1.2.250.1.213.1.1.3.62",
)
DIAGNOSTIC_INTERPRETATION = Code(
    "282291009", v.SNOMED_CT, "interprétation diagnostique", "SNOMED CT"
)


def _interval(parent: Element, start: date | None, end: date | None) -> None:
    time = sub(parent, "effectiveTime")
    if start is None:
        sub(time, "low", nullFlavor="UNK")
    else:
        sub(time, "low", value=ts(start))
    if end is not None:
        sub(time, "high", value=ts(end))


def _templates(parent: Element, roots: tuple[str, ...]) -> None:
    for root in roots:
        sub(parent, "templateId", root=root)


def problem_observation(
    parent: Element,
    problem: Problem,
    anchor: str | None,
    *,
    type_code: str = "SUBJ",
    templates: tuple[str, ...] = PROBLEM_TEMPLATES,
    code: Code = DIAGNOSTIC_INTERPRETATION,
) -> Element:
    """An ``entryRelationship`` holding a FR-Probleme observation."""
    relationship = sub(parent, "entryRelationship", typeCode=type_code, inversionInd="false")
    obs = sub(
        relationship,
        "observation",
        classCode="OBS",
        moodCode="EVN",
        negationInd="true" if problem.absent else "false",
    )
    _templates(obs, templates)
    sub(obs, "id", root=new_uuid())
    add_code(obs, code)
    add_text_reference(obs, anchor)
    sub(obs, "statusCode", code="completed")
    _interval(obs, problem.start, problem.end)
    add_code(obs, problem.code, "value", xsi_type="CD", reference=anchor)
    for cause in problem.causes:
        observation(sub(obs, "entryRelationship", typeCode="CAUS"), cause, None)
    return obs


def problem_concern(section: Element, problem: Problem, anchor: str | None) -> Element:
    """A FR-Liste-des-problemes entry (concern act + problem observation)."""
    act = sub(sub(section, "entry"), "act", classCode="ACT", moodCode="EVN")
    _templates(act, PROBLEM_CONCERN_TEMPLATES)
    sub(act, "id", root=new_uuid())
    sub(act, "code", nullFlavor="NA")
    sub(act, "statusCode", code="active" if problem.active else "completed")
    _interval(act, problem.start, None if problem.active else problem.end)
    problem_observation(act, problem, anchor)
    return act


def allergy_concern(
    section: Element, allergy: Allergy, anchor: str | None, reaction_anchor: str | None = None
) -> Element:
    """A FR-Liste-des-allergies-et-intolerances entry (``reaction_anchor``: the reaction's
    narrative, required by IHE when a reaction is given)."""
    act = sub(sub(section, "entry"), "act", classCode="ACT", moodCode="EVN")
    _templates(act, ALLERGY_CONCERN_TEMPLATES)
    sub(act, "id", root=new_uuid())
    sub(act, "code", nullFlavor="NA")
    sub(act, "statusCode", code="active" if allergy.active else "completed")
    _interval(act, allergy.start, None)
    relationship = sub(act, "entryRelationship", typeCode="SUBJ", inversionInd="false")
    obs = sub(relationship, "observation", classCode="OBS", moodCode="EVN", negationInd="false")
    _templates(obs, ALLERGY_TEMPLATES)
    sub(obs, "id", root=new_uuid())
    add_code(obs, allergy.kind)
    add_text_reference(obs, anchor)
    sub(obs, "statusCode", code="completed")
    _interval(obs, allergy.start, None)
    value = set_xsi_type(sub(obs, "value"), "CD")
    if anchor:
        sub(sub(value, "originalText"), "reference", value=f"#{anchor}")
    role = sub(sub(obs, "participant", typeCode="CSM"), "participantRole", classCode="MANU")
    entity = sub(role, "playingEntity", classCode="MMAT")
    add_code(entity, allergy.agent, reference=anchor)
    sub(entity, "name", allergy.label)
    if allergy.reaction is not None:
        problem_observation(
            obs, Problem(allergy.reaction, allergy.start), reaction_anchor, type_code="MFST"
        )
        obs[-1].set("inversionInd", "true")
    return act


def family_history_entry(section: Element, item: FamilyHistory, anchor: str | None) -> Element:
    """A FR-Antecedents-familiaux organizer: the relative, then the problem observation."""
    organizer = sub(sub(section, "entry"), "organizer", classCode="CLUSTER", moodCode="EVN")
    _templates(organizer, FAMILY_ORGANIZER_TEMPLATES)
    sub(organizer, "statusCode", code="completed")
    add_subject(organizer, item.relative)
    component = sub(organizer, "component", typeCode="COMP")
    obs = sub(component, "observation", classCode="OBS", moodCode="EVN")
    _templates(obs, FAMILY_OBSERVATION_TEMPLATES)
    sub(obs, "id", root=new_uuid())
    add_code(obs, DIAGNOSTIC_INTERPRETATION)
    add_text_reference(obs, anchor)
    sub(obs, "statusCode", code="completed")
    if item.problem.start is not None:
        sub(obs, "effectiveTime", value=ts(item.problem.start))
    else:
        sub(obs, "effectiveTime", nullFlavor="UNK")
    add_code(obs, item.problem.code, "value", xsi_type="CD", reference=anchor)
    return organizer


def procedure_entry(
    section: Element,
    procedure: Procedure,
    anchor: str | None,
    result_anchors: Sequence[str | None] = (),
) -> Element:
    """A FR-Acte entry (past procedure), with its result observations (and their anchors)."""
    proc = sub(
        sub(section, "entry"),
        "procedure",
        classCode="PROC",
        moodCode="EVN",
        negationInd="false" if procedure.done else "true",
    )
    _templates(proc, PROCEDURE_TEMPLATES)
    sub(proc, "id", root=new_uuid())
    add_code(proc, procedure.code)
    add_text_reference(proc, anchor)
    sub(proc, "statusCode", code="completed")
    if procedure.date is not None:
        sub(proc, "effectiveTime", value=ts(procedure.date))
    else:
        sub(proc, "effectiveTime", nullFlavor="UNK")
    anchors = list(result_anchors) + [None] * (len(procedure.results) - len(result_anchors))
    for result, result_anchor in zip(procedure.results, anchors, strict=False):
        observation(sub(proc, "entryRelationship", typeCode="COMP"), result, result_anchor)
    return proc
