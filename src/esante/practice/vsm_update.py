"""A VSM update (N3) from the record's structured lists, written at the console.

The volet de synthèse médicale 2023.01 (:func:`esante.cda.build.build_vsm`) is built from
what the record already holds in structured form (:mod:`esante.practice.record_lists`:
active problems, history, past procedures, allergies, long-term treatments — imported from
a VSM or entered by hand) and the professional's "points de vigilance" typed in the
editor. Coded entries become coded CDA entries (their code and code system as recorded);
an entry recorded without a code cannot be a coded entry and is listed, by its label, in
the points de vigilance so that nothing the record says is dropped. An empty list is
stated as such with the SNOMED CT "absence" concepts the ANS examples use (no known
allergy, no current problem, no past act, no long-term treatment); the family history,
which the record does not keep, is stated unknown.

EX_GEN-1060 (no unchanged document sent): a VSM is refused when this practice already
produced one for the patient, no list changed since, and the new points de vigilance are
those of that VSM.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from esante.cda import vocabulary as v
from esante.cda.build.substances import NO_PRODUCT
from esante.cda.build.vsm import SERVICE_EVENT, TYPE_CODE, build_vsm
from esante.cda.build.vsm import VsmContent as Content
from esante.cda.clinical import (
    Allergy,
    FamilyHistory,
    Medication,
    Problem,
    Procedure,
    Relative,
)
from esante.cda.model import Code
from esante.outbox import DEFAULT_DEFERRAL
from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.authoring import VISIBILITY_LABELS, signing_author
from esante.practice.documents import FeedAuth, ValidatedDocument, validate_document
from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination.header import record_header
from esante.safexml import parse_xml
from esante.store import Document, Patient, utcnow
from esante.store.models import RecordItem
from esante.store.repositories import PatientRepository

if TYPE_CHECKING:
    from esante.cda.validate import Validator

__all__ = ["VIGILANCE_TEMPLATE", "vsm_content", "write_vsm"]

VIGILANCE_TEMPLATE: Final = "1.3.6.1.4.1.19376.1.5.3.1.3.27"
"""templateId of the VSM section carrying the points de vigilance."""


def _sct(code: str, label: str) -> Code:
    return Code(code, v.SNOMED_CT, label, "SNOMED CT")


NO_PROBLEM: Final = _sct("160245001", "absence de problème ou d'incapacité actuels")
NO_PROCEDURE: Final = _sct("1287745000", "absence d'antécédent d'acte")
NO_ALLERGY: Final = _sct("716186003", "aucune allergie connue")
ADVERSE_REACTION: Final = _sct("420134006", "propension à des réactions indésirables")
NO_TREATMENT: Final = dataclasses.replace(NO_PRODUCT, display="Aucun traitement au long cours")
UNKNOWN: Final = _sct("261665006", "inconnu")
FAMILY: Final = Relative(Code("FAMMEMB", v.HL7_ROLE_CODE, "Membre de la famille"))
"""The record keeps no family history: the VSM's risk factors section (which needs one
subsection, CI-SIS S_facteursDeRisque) says it is unknown, not that there is none."""


def _code(item: RecordItem) -> Code:
    return Code(item.code, item.code_system, item.label)


def vsm_content(items: Sequence[RecordItem], vigilance: str) -> Content:
    """The VSM of the record's entries ``items`` and the typed ``vigilance`` text."""
    coded = [i for i in items if i.code_system]
    uncoded = [i for i in items if not i.code_system]

    def of(kind: str) -> list[RecordItem]:
        return [i for i in coded if i.kind == kind]

    problems = [Problem(_code(i), i.started_on, i.ended_on, i.active) for i in of("problem")]
    history = [Problem(_code(i), i.started_on, i.ended_on, False) for i in of("history")]
    procedures = [Procedure(_code(i), i.started_on, i.detail) for i in of("procedure")]
    allergies = [
        Allergy(_code(i), ADVERSE_REACTION, start=i.started_on, active=i.active)
        for i in of("allergy")
    ]
    treatments = [
        Medication(_code(i), i.started_on, i.ended_on, instructions=i.detail)
        for i in of("treatment")
    ]
    text = " ".join(vigilance.split())
    if uncoded:
        listed = "; ".join(i.label for i in uncoded)
        text = (text + " " if text else "") + f"Autres éléments du dossier (non codés) : {listed}."
    return Content(
        problems=problems or [Problem(NO_PROBLEM)],
        history=history or [Problem(NO_PROBLEM)],
        procedures=procedures or [Procedure(NO_PROCEDURE)],
        allergies=allergies or [Allergy(NO_ALLERGY, ADVERSE_REACTION)],
        treatments=treatments or [Medication(NO_TREATMENT)],
        family_history=[FamilyHistory(FAMILY, Problem(UNKNOWN))],
        vigilance=text or "Aucun point de vigilance particulier.",
    )


def _previous_vigilance(document: Document) -> str | None:
    root = parse_xml(document.content)
    for section in root.iter("{urn:hl7-org:v3}section"):
        ids = {t.get("root") for t in section.iterfind("{urn:hl7-org:v3}templateId")}
        if VIGILANCE_TEMPLATE in ids:
            text = section.find("{urn:hl7-org:v3}text")
            if text is not None:
                return " ".join("".join(text.itertext()).split())
    return None


def _unchanged(session: Session, patient: Patient, content: Content) -> bool:
    last = session.scalar(
        select(Document)
        .where(
            Document.patient_id == patient.id,
            Document.type_code == TYPE_CODE.code,
            Document.provenance == "produced",
        )
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(1)
    )
    if last is None:
        return False
    changed = session.scalar(
        select(func.count())
        .select_from(RecordItem)
        .where(RecordItem.patient_id == patient.id, RecordItem.recorded_at > last.created_at)
    )
    if changed:
        return False
    return _previous_vigilance(last) == " ".join(content.vigilance.split())


def write_vsm(
    session: Session,
    actor: Actor,
    patient_id: int,
    vigilance: str,
    *,
    send: bool = True,
    visibility: Sequence[str] = (),
    default_deferral: timedelta = DEFAULT_DEFERRAL,
    feed_auth: FeedAuth = "indirecte",
    kit: Validator | None = None,
    now: datetime | None = None,
) -> ValidatedDocument:
    """Build the VSM of ``patient_id`` from the record's lists and ``vigilance``, signed by
    ``actor``'s practitioner, and validate it (stored; the catalogue's sends unless
    ``send`` is False). The caller commits. Raises :class:`PracticeValidationError`
    (unchanged since the last VSM, unknown visibility, no professional signed in) and
    what :func:`validate_document` raises."""
    now = now or utcnow()
    for code in visibility:
        if code not in VISIBILITY_LABELS:
            raise PracticeValidationError(
                f"Visibilité inconnue : « {code} ».",
                detail=f"visibility {code!r}",
                field="visibilite",
            )
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "documents:write", patient, traced_as="documents:create")
    author = signing_author(session, actor)
    items = list(session.scalars(select(RecordItem).where(RecordItem.patient_id == patient_id)))
    content = vsm_content(items, vigilance)
    if _unchanged(session, patient, content):
        raise PracticeValidationError(
            "La synthèse médicale n'a pas changé depuis la dernière : rien n'est enregistré "
            "ni envoyé.",
            detail=f"VSM of patient {patient_id} unchanged",
            field="texte",
        )
    header = record_header(
        patient,
        author,
        type_code=TYPE_CODE,
        title="Synthèse médicale",
        service_event=SERVICE_EVENT,
        when=now.astimezone(v.PARIS),
    )
    built = build_vsm(header, content)
    return validate_document(
        session,
        built.xml,
        patient_id=patient_id,
        actor=actor,
        author_id=author.id,
        feed_dmp=None if send else False,
        send_mss=None if send else False,
        default_deferral=default_deferral,
        feed_auth=feed_auth,
        visibility=tuple(visibility),
        kit=kit,
        now=now,
    )
