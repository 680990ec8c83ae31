"""Structured content of a received VSM (2023.01 and 1.4): problems, history, allergies,
treatments, past acts — ready to import into the local record with their provenance.

Sections are found by their IHE PCC templateIds (the same in both VSM versions):
active problems ``1.3.6.1.4.1.19376.1.5.3.1.3.6``, past illnesses ``.3.8``, coded
surgical history ``.3.12``, allergies ``.3.13``, medications ``.3.19``. Entries:
problem concern → problem observation (value = diagnosis), allergy concern → allergy
observation (agent in the consumable participant, reaction as manifestation, status
observation 33999-4), ``substanceAdministration`` (product, dose, rhythm, route, reason),
``procedure``. A label given only in the narrative is resolved through the references.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from esante.cda.clinical import Allergy, Medication, Problem, Procedure
from esante.cda.errors import CdaReadError
from esante.cda.model import Code, HealthProfessional, InstanceId
from esante.cda.read._document import ReceivedDocument
from esante.cda.read._values import (
    Element,
    as_date,
    code_of,
    find,
    findall,
    has_template,
    interval,
    narrative_index,
    quantity,
    text_of,
    ts_of,
)

ACTIVE_PROBLEMS = "1.3.6.1.4.1.19376.1.5.3.1.3.6"
PAST_ILLNESSES = "1.3.6.1.4.1.19376.1.5.3.1.3.8"
SURGICAL_HISTORY = "1.3.6.1.4.1.19376.1.5.3.1.3.12"
ALLERGIES = "1.3.6.1.4.1.19376.1.5.3.1.3.13"
MEDICATIONS = "1.3.6.1.4.1.19376.1.5.3.1.3.19"
PROBLEM_OBSERVATION = "1.3.6.1.4.1.19376.1.5.3.1.4.5"
ALLERGY_OBSERVATION = "1.3.6.1.4.1.19376.1.5.3.1.4.6"
STATUS_OBSERVATION = "1.3.6.1.4.1.19376.1.5.3.1.4.1.1"
VSM_TEMPLATE = "1.2.250.1.213.1.1.1.13"


@dataclass(frozen=True)
class Provenance:
    """Where imported items come from: the document, its version and its author."""

    document_id: InstanceId
    set_id: InstanceId | None
    version: int | None
    model: str | None
    model_version: str | None
    authored_at: datetime | None
    author: HealthProfessional | None


@dataclass(frozen=True)
class VsmData:
    """What a VSM holds, structured, with its provenance."""

    problems: tuple[Problem, ...]
    history: tuple[Problem, ...]
    procedures: tuple[Procedure, ...]
    allergies: tuple[Allergy, ...]
    treatments: tuple[Medication, ...]
    provenance: Provenance


def _sections(root: Element, template: str) -> list[Element]:
    return [
        s
        for s in root.iterfind(".//h:section", {"h": "urn:hl7-org:v3"})
        if has_template(s, template)
    ]


def _problem_from_concern(act: Element, narrative: dict[str, str]) -> Problem | None:
    status = find(act, "h:statusCode")
    for rel in findall(act, "h:entryRelationship"):
        obs = find(rel, "h:observation")
        if obs is None or not has_template(obs, PROBLEM_OBSERVATION):
            continue
        value = code_of(find(obs, "h:value"), narrative)
        if value is None:
            continue
        start, end = interval(find(obs, "h:effectiveTime"))
        return Problem(
            code=value,
            start=as_date(start),
            end=as_date(end),
            active=status is not None and status.get("code") in ("active", "suspended"),
            absent=obs.get("negationInd") == "true",
        )
    return None


def _problems(root: Element, template: str, narrative: dict[str, str]) -> tuple[Problem, ...]:
    found = []
    for section in _sections(root, template):
        for act in findall(section, "h:entry/h:act"):
            problem = _problem_from_concern(act, narrative)
            if problem is not None:
                found.append(problem)
    return tuple(found)


def _allergy(act: Element, narrative: dict[str, str]) -> Allergy | None:
    concern_status = find(act, "h:statusCode")
    for rel in findall(act, "h:entryRelationship"):
        obs = find(rel, "h:observation")
        if obs is None or not has_template(obs, ALLERGY_OBSERVATION):
            continue
        kind = code_of(find(obs, "h:code"), narrative) or Code("", "")
        agent = code_of(
            find(obs, "h:participant/h:participantRole/h:playingEntity/h:code"), narrative
        ) or code_of(find(obs, "h:value"), narrative)
        if agent is None:
            continue
        reaction = None
        active = concern_status is not None and concern_status.get("code") in (
            "active",
            "suspended",
        )
        for inner in findall(obs, "h:entryRelationship/h:observation"):
            if has_template(inner, STATUS_OBSERVATION):
                value = find(inner, "h:value")
                if value is not None and value.get("code"):
                    active = value.get("code") == "active"
            elif has_template(inner, PROBLEM_OBSERVATION) and reaction is None:
                reaction = code_of(find(inner, "h:value"), narrative)
        start, _ = interval(find(obs, "h:effectiveTime"))
        return Allergy(
            agent=agent, kind=kind, reaction=reaction, start=as_date(start), active=active
        )
    return None


def _medication(sbadm: Element, narrative: dict[str, str]) -> Medication | None:
    material = find(sbadm, "h:consumable/h:manufacturedProduct/h:manufacturedMaterial")
    product = code_of(find(material, "h:code"), narrative)
    if product is None:
        return None
    start = end = None
    period = None
    for time in findall(sbadm, "h:effectiveTime"):
        xsi_type = time.get("{http://www.w3.org/2001/XMLSchema-instance}type", "")
        if xsi_type.endswith("PIVL_TS"):
            period = quantity(find(time, "h:period"))
        elif start is None and end is None:
            low, high = interval(time)
            start, end = as_date(low), as_date(high)
    dose_el = find(sbadm, "h:doseQuantity")
    dose = quantity(dose_el) or quantity(find(dose_el, "h:low"))
    reason = None
    for rel in findall(sbadm, "h:entryRelationship"):
        if rel.get("typeCode") == "RSON":
            reason = code_of(find(rel, "h:act/h:code"), narrative) or code_of(
                find(rel, "h:observation/h:value"), narrative
            )
    if product.display is None:
        name = text_of(find(material, "h:name"))
        if name:
            product = Code(
                product.code,
                product.code_system,
                name,
                product.code_system_name,
                product.translations,
            )
    return Medication(
        product=product,
        start=start,
        end=end,
        dose=dose,
        period=period,
        route=code_of(find(sbadm, "h:routeCode")),
        reason=reason,
    )


def read_vsm(document: ReceivedDocument) -> VsmData:
    """The structured content of a VSM (2023.01 or 1.4).

    Raises :class:`CdaReadError` when the document is not a structured VSM.
    """
    if document.level != "N3" or not any(t.root == VSM_TEMPLATE for t in document.template_ids):
        raise CdaReadError(
            "Ce document n'est pas un volet de synthèse médicale structuré (VSM).",
            detail=f"level {document.level}, model {document.model}",
            field="templateId",
        )
    root = document.root
    narrative = narrative_index(root)
    allergies = []
    for section in _sections(root, ALLERGIES):
        for act in findall(section, "h:entry/h:act"):
            allergy = _allergy(act, narrative)
            if allergy is not None:
                allergies.append(allergy)
    treatments = []
    for section in _sections(root, MEDICATIONS):
        for sbadm in findall(section, "h:entry/h:substanceAdministration"):
            medication = _medication(sbadm, narrative)
            if medication is not None:
                treatments.append(medication)
    procedures = []
    for section in _sections(root, SURGICAL_HISTORY):
        for proc in findall(section, "h:entry/h:procedure"):
            code = code_of(find(proc, "h:code"), narrative)
            if code is not None:
                procedures.append(
                    Procedure(
                        code,
                        as_date(ts_of(find(proc, "h:effectiveTime")))
                        or as_date(interval(find(proc, "h:effectiveTime"))[0]),
                    )
                )
    author = document.authors[0] if document.authors else None
    return VsmData(
        problems=_problems(root, ACTIVE_PROBLEMS, narrative),
        history=_problems(root, PAST_ILLNESSES, narrative),
        procedures=tuple(procedures),
        allergies=tuple(allergies),
        treatments=tuple(treatments),
        provenance=Provenance(
            document_id=document.document_id,
            set_id=document.set_id,
            version=document.version,
            model=document.model,
            model_version=document.model_version,
            authored_at=author.time if author else document.effective_time,
            author=author.professional if author else None,
        ),
    )
