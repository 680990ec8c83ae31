"""Writing a document at the console: an N1 from the editor's text, signed by the signed-in
professional, then the one "Valider" click (:func:`esante.practice.documents.validate_document`).

The console's editor offers the documents a GP writes every day (Ségur catalogue, médecin
rows): the consultation report (« CR ou fiche de consultation ou de visite », LOINC
11488-4) and the prescription note (« Prescription de produits de santé », 57833-6), both
N1 — a PDF/A made from the text (:func:`esante.cda.build.build_n1_report`) with the
identity block, the INS DataMatrix when the INS is qualified, and the author's structure.

Before the click the professional sees what the click will do (:func:`send_plan`): the
catalogue's automatic sends for this document type and author (DMP, MSSanté copy to the
médecin traitant), what holds the DMP send back (opposition, unqualified INS), and, when
this patient's DMP was never fed from here, the documents that may be sent to it
(``dmp-exigences.md`` EX_2.1-1190: "la première fois … afficher les documents pouvant
être envoyés"). "Ne pas envoyer" is one more, explicit choice on that validation only
(the document is stored, no order is created) and is never remembered.

EX_GEN-1060: an empty document, or one whose text is the editor's untouched model, is
refused before anything is built — it is never stored, so never sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.catalogue import CatalogueError, SegurRule, entries, rules_for
from esante.cda import vocabulary as v
from esante.cda.build.pdf import TextSection, build_n1_report
from esante.cda.build.vsm import TYPE_CODE as VSM_TYPE
from esante.cda.model import Code
from esante.outbox import DEFAULT_DEFERRAL
from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.consent import ConsentRefusedError, check_feeding
from esante.practice.documents import (
    INS_NOT_QUALIFIED,
    FeedAuth,
    ValidatedDocument,
    ins_qualified,
    validate_document,
)
from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination.header import record_header
from esante.store import Patient, Practitioner, SendOrder, utcnow
from esante.store.repositories import PatientRepository

if TYPE_CHECKING:
    from esante.cda.validate import Validator

__all__ = [
    "KINDS",
    "VISIBILITY_LABELS",
    "SendPlan",
    "WrittenKind",
    "check_text",
    "send_plan",
    "signing_author",
    "write_document",
]


@dataclass(frozen=True)
class WrittenKind:
    """A document the console's editor writes: its JDV_J07 type, title, the model text."""

    key: str
    label: str
    code: Code
    model: str
    level: str = "N1"


KINDS: Final = {
    "compte-rendu": WrittenKind(
        "compte-rendu",
        "Compte rendu de consultation",
        Code("11488-4", v.LOINC, "CR de consultation", "LOINC"),
        "Motif de consultation :\n\nExamen clinique :\n\nConclusion :\n",
    ),
    "ordonnance": WrittenKind(
        "ordonnance",
        "Ordonnance",
        Code("57833-6", v.LOINC, "Prescription de produits de santé", "LOINC"),
        "",
    ),
    "synthese": WrittenKind(
        "synthese",
        "Synthèse médicale (VSM)",
        VSM_TYPE,
        "",
        "N3",
    ),
}
"""The documents written at the console, by form key: N1 from the text, and the VSM
(N3, :mod:`esante.practice.vsm_update`) from the record's lists."""

VISIBILITY_LABELS: Final = {
    "MASQUE_PS": "Masqué aux professionnels de santé",
    "INVISIBLE_PATIENT": "Non visible par le patient",
    "INVISIBLE_REPRESENTANTS_LEGAUX": "Non visible par les représentants légaux",
}
"""The DMP visibility choices at send time (EX_2.1-1050; TRE_A07 codes)."""


@dataclass(frozen=True)
class SendPlan:
    """What "Valider" will do for a document type, author and patient, in French."""

    document: str
    rules: tuple[str, ...]
    held: str | None
    first_dmp_send: bool
    dmp_documents: tuple[str, ...]


def signing_author(session: Session, actor: Actor) -> Practitioner:
    """The professional who signs what ``actor`` writes (their practitioner record)."""
    author = (
        None if actor.practitioner_id is None else session.get(Practitioner, actor.practitioner_id)
    )
    if author is None:
        raise PracticeValidationError(
            "Un document est signé par un professionnel de santé : connectez-vous avec votre "
            "compte professionnel (carte CPS ou e-CPS).",
            detail=f"actor {actor.actor_id} has no practitioner",
            field="author",
        )
    return author


def _kind(key: str) -> WrittenKind:
    try:
        return KINDS[key]
    except KeyError:
        raise PracticeValidationError(
            f"Type de document inconnu : « {key} ».",
            detail=f"kind {key!r} not in {tuple(KINDS)}",
            field="type",
        ) from None


def _rule(author: Practitioner, kind: WrittenKind) -> tuple[SegurRule | None, str | None]:
    try:
        return rules_for(author.profession_code, kind.code.code), None
    except CatalogueError as exc:
        return None, exc.message


def _held(session: Session, patient: Patient) -> str | None:
    try:
        check_feeding(session, patient.id)
    except ConsentRefusedError as exc:
        return exc.message
    if not ins_qualified(patient):
        return INS_NOT_QUALIFIED
    return None


def _person(practitioner: Practitioner) -> str:
    return f"{practitioner.given_name} {practitioner.family_name}".strip()


def send_plan(session: Session, actor: Actor, patient_id: int, key: str) -> SendPlan:
    """What validating a ``key`` document of ``patient_id`` by ``actor`` will send, from
    the Ségur catalogue (``documents:write`` checked). Raises NotFoundError,
    AccessDeniedError, PracticeValidationError (no professional signed in, unknown type).
    """
    kind = _kind(key)
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "documents:write", patient, traced_as="documents:create")
    author = signing_author(session, actor)
    rule, problem = _rule(author, kind)
    rules: list[str] = []
    if rule is None:
        rules.append(f"Aucun envoi automatique : {problem}")
    else:
        if rule.feed_dmp:
            rules.append("Sera envoyé au DMP / Mon espace santé du patient.")
        else:
            rules.append("Le catalogue Ségur ne prévoit pas d'envoi au DMP pour ce document.")
        if rule.mss_to_treating_doctor_or_referrer:
            target = patient.medecin_traitant
            if target is None:
                rules.append(
                    "Copie par MSSanté au médecin traitant prévue, mais le patient n'a pas de "
                    "médecin traitant déclaré."
                )
            elif target.id == author.id:
                rules.append("Vous êtes le médecin traitant : pas de copie par MSSanté.")
            elif not target.mssante_address:
                rules.append(
                    f"Copie par MSSanté au médecin traitant ({_person(target)}) impossible : "
                    "pas d'adresse MSSanté."
                )
            else:
                rules.append(
                    f"Sera envoyé par MSSanté au médecin traitant, {_person(target)} "
                    f"({target.mssante_address})."
                )
        for fixed in rule.mss_fixed_recipients:
            rules.append(f"Sera envoyé par MSSanté à {fixed}.")
    sent_before = session.scalar(
        select(SendOrder.id)
        .where(
            SendOrder.patient_id == patient.id,
            SendOrder.kind == "dmp_submit",
            SendOrder.state == "sent",
        )
        .limit(1)
    )
    first = sent_before is None
    documents: tuple[str, ...] = ()
    if first:
        documents = tuple(
            dict.fromkeys(r.document for r in entries(author.profession_code) if r.feed_dmp)
        )
    return SendPlan(
        document=rule.document if rule is not None else kind.label,
        rules=tuple(rules),
        held=_held(session, patient) if rule is not None and rule.feed_dmp else None,
        first_dmp_send=first,
        dmp_documents=documents,
    )


def _paragraphs(text: str) -> tuple[str, ...]:
    blocks = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    return tuple(b for b in blocks if b)


def check_text(key: str, text: str) -> str:
    """The editor's text, refused when empty or still the untouched model (EX_GEN-1060)."""
    kind = _kind(key)
    cleaned = text.replace("\r\n", "\n").strip()
    if not cleaned:
        raise PracticeValidationError(
            "Le document est vide : rien n'est enregistré ni envoyé.",
            detail="empty text",
            field="texte",
        )
    if kind.model and _paragraphs(cleaned) == _paragraphs(kind.model):
        raise PracticeValidationError(
            "Le document n'a pas été complété (modèle inchangé) : rien n'est enregistré ni envoyé.",
            detail="text equals the editor's model",
            field="texte",
        )
    return cleaned


def write_document(
    session: Session,
    actor: Actor,
    patient_id: int,
    key: str,
    text: str,
    *,
    title: str | None = None,
    send: bool = True,
    visibility: Sequence[str] = (),
    default_deferral: timedelta = DEFAULT_DEFERRAL,
    feed_auth: FeedAuth = "indirecte",
    pmi_address: str | None = None,
    kit: Validator | None = None,
    now: datetime | None = None,
) -> ValidatedDocument:
    """Build the N1 ``key`` document of ``patient_id`` from ``text``, signed by ``actor``'s
    practitioner, and validate it: stored, and — unless ``send`` is False (« Ne pas
    envoyer », this validation only) — its DMP and MSSanté orders created as the catalogue
    says, with the DMP ``visibility`` chosen. The caller commits.

    Raises :class:`PracticeValidationError` (empty or unchanged text, unknown type or
    visibility, no professional signed in) and what :func:`validate_document` raises.
    """
    now = now or utcnow()
    kind = _kind(key)
    if kind.level != "N1":
        raise PracticeValidationError(
            f"« {kind.label} » n'est pas écrit en texte libre.",
            detail=f"kind {key!r} is {kind.level}",
            field="type",
        )
    body = check_text(key, text)
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
    heading = (title or "").strip()[:200] or kind.label
    header = record_header(
        patient,
        author,
        type_code=kind.code,
        title=heading,
        service_event=kind.code,
        when=now.astimezone(v.PARIS),
    )
    built = build_n1_report(header, (TextSection(heading, paragraphs=_paragraphs(body)),))
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
        pmi_address=pmi_address,
        kit=kit,
        now=now,
    )
