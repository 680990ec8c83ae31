"""Patients of the practice: create, read, update, search, identity status changes.

A patient carries the INS reference traits (birth family name, birth given names, first
given name, sex, birth date, birthplace COG), used names, contact details, a médecin
traitant and, for a minor, legal representatives. The identity status follows the
evidence (see :mod:`esante.practice.identity`): creation records the first status and
every later change leaves a row in the identity history.

Modifying a strict trait of an identity that came from INSi (RECUP, QUAL) is allowed —
people do correct typing errors — but it takes the INSi evidence away (RNIV): the
identity goes back to PROV (from RECUP) or VALI (from QUAL), the INS is cleared, and
the history says so. Retrieving the INS again is a new INSi call.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from sqlalchemy.orm import Session

from esante.identity import Downgrade, ins_name
from esante.identity.errors import TraitsError
from esante.practice import trace
from esante.practice import validation as check
from esante.practice.actors import Actor
from esante.practice.errors import PracticeValidationError
from esante.practice.identity import (
    InsiVerifier,
    add_evidence,
    add_insi_evidence,
    document_of,
    identity_rules,
    remove_evidence,
    status_target,
    traits_of,
)
from esante.store.errors import ConflictError, NotFoundError
from esante.store.models import IdentityStatusChange, LegalRepresentative, Patient
from esante.store.repositories import (
    Page,
    PatientCriteria,
    PatientRepository,
    PractitionerRepository,
)

STRICT_TRAITS = (
    "birth_family_name",
    "birth_given_names",
    "first_given_name",
    "sex",
    "birth_date",
    "birthplace_cog",
)
_RELATIONSHIP = re.compile(r"[A-Z_]{2,20}")


@dataclass(frozen=True)
class LegalRepresentativeData:
    """A legal representative; ``relationship_code`` is an HL7 RoleCode (``MTH``, ``FTH``,
    ``TUTEUR``... JDV_J11 RelationPatient)."""

    relationship_code: str
    family_name: str
    given_name: str
    phone: str | None = None
    email: str | None = None
    address_line: str | None = None
    postal_code: str | None = None
    city: str | None = None


@dataclass(frozen=True)
class NewPatient:
    """A patient to record.

    Identity evidence, all optional: the INS with the reference of the INSi answer it
    came from; the identity document checked (``PA``, ``CN``, ``CS``, ``LE``... see
    :mod:`esante.identity.documents`) and, for a minor's family record book or birth
    certificate, the parent's document. ``identity_status``, when given, is the status
    the user expects: it must be what the evidence justifies. ``local_id`` (IPP) is
    generated when absent.
    """

    birth_family_name: str
    birth_given_names: str
    sex: str
    birth_date: date
    first_given_name: str | None = None
    birthplace_cog: str | None = None
    used_family_name: str | None = None
    used_given_name: str | None = None
    local_id: str | None = None
    ins_matricule: str | None = None
    ins_oid: str | None = None
    insi_reference: str | None = None
    identity_document: str | None = None
    guardian_document: str | None = None
    identity_status: str | None = None
    medecin_traitant_id: int | None = None
    address_line: str | None = None
    postal_code: str | None = None
    city: str | None = None
    phone: str | None = None
    email: str | None = None
    legal_representatives: Sequence[LegalRepresentativeData] = ()


class PatientChanges(TypedDict, total=False):
    """Fields to change; a key left out stays as it is, ``None`` clears an optional one.

    The INS and the identity status are not here: they change through
    :func:`add_identity_evidence` and :func:`downgrade_identity`.
    """

    birth_family_name: str
    birth_given_names: str
    first_given_name: str | None
    sex: str
    birth_date: date
    birthplace_cog: str | None
    used_family_name: str | None
    used_given_name: str | None
    local_id: str
    medecin_traitant_id: int | None
    address_line: str | None
    postal_code: str | None
    city: str | None
    phone: str | None
    email: str | None
    legal_representatives: Sequence[LegalRepresentativeData]


def _local_id(session: Session, value: str | None, patient_id: int | None = None) -> str:
    cleaned = check.optional_text(value, "local_id", "Identifiant local (IPP)", 64)
    if cleaned is None:
        return "IPP" + uuid.uuid4().hex[:12].upper()
    holder = PatientRepository(session).by_local_id(cleaned)
    if holder is not None and holder.id != patient_id:
        raise ConflictError(
            f"L'identifiant local (IPP) {cleaned} est déjà celui d'un autre patient.",
            field="local_id",
        )
    return cleaned


def _medecin_traitant(session: Session, practitioner_id: int | None) -> int | None:
    if practitioner_id is None:
        return None
    try:
        PractitionerRepository(session).get(practitioner_id)
    except NotFoundError as exc:
        raise PracticeValidationError(
            f"Médecin traitant introuvable (identifiant {practitioner_id}).",
            field="medecin_traitant_id",
        ) from exc
    return practitioner_id


def _representatives(items: Sequence[LegalRepresentativeData]) -> list[LegalRepresentative]:
    built = []
    for index, item in enumerate(items):
        prefix = f"legal_representatives.{index}"
        code = check.text(item.relationship_code, f"{prefix}.relationship_code", "Lien", 20)
        if not _RELATIONSHIP.fullmatch(code.upper()):
            raise PracticeValidationError(
                f"Lien avec le patient « {code} » mal formé (code tel que MTH, FTH, TUTEUR).",
                field=f"{prefix}.relationship_code",
            )
        built.append(
            LegalRepresentative(
                relationship_code=code.upper(),
                family_name=check.text(item.family_name, f"{prefix}.family_name", "Nom", 100),
                given_name=check.text(item.given_name, f"{prefix}.given_name", "Prénom", 100),
                phone=check.phone(item.phone, f"{prefix}.phone"),
                email=check.email(item.email, f"{prefix}.email"),
                address_line=check.optional_text(
                    item.address_line, f"{prefix}.address_line", "Adresse", 200
                ),
                postal_code=check.optional_text(
                    item.postal_code, f"{prefix}.postal_code", "Code postal", 10
                ),
                city=check.optional_text(item.city, f"{prefix}.city", "Ville", 100),
            )
        )
    return built


def _squash(value: str | None) -> str:
    return " ".join((value or "").split())


def _set_traits(patient: Patient, values: dict[str, object]) -> None:
    """Set strict traits from ``values`` (all or some) and check them together.

    The first given name defaults to the first of the birth given names (and follows
    them when they change without it).
    """
    for name, value in values.items():
        setattr(patient, name, value)
    patient.birth_family_name = _squash(patient.birth_family_name)
    patient.birth_given_names = _squash(patient.birth_given_names)
    first = _squash(patient.first_given_name)
    if not first or ("birth_given_names" in values and "first_given_name" not in values):
        first = patient.birth_given_names.split(" ")[0]
    patient.first_given_name = first
    if not isinstance(patient.birth_date, date):
        raise PracticeValidationError("Date de naissance obligatoire.", field="birth_date")
    check.birth_date(patient.birth_date)
    # IdentityTraits: names present and in the RNIV alphabet, sex M/F/I, COG, first given
    # name; the names are stored as it normalises them (NFC).
    traits = traits_of(patient)
    for name in ("birth_family_name", "birth_given_names", "first_given_name"):
        setattr(patient, name, getattr(traits, name))
    for name in ("birth_family_name", "birth_given_names"):
        try:
            ins_name(getattr(patient, name))
        except TraitsError as exc:
            raise PracticeValidationError(exc.message, detail=exc.detail, field=name) from exc


def _set_contact(patient: Patient, values: dict[str, str | None]) -> None:
    labels = {
        "used_family_name": ("Nom d'usage", 100),
        "used_given_name": ("Prénom utilisé", 100),
        "address_line": ("Adresse", 200),
        "postal_code": ("Code postal", 10),
        "city": ("Ville", 100),
    }
    for name, value in values.items():
        if name == "phone":
            patient.phone = check.phone(value)
        elif name == "email":
            patient.email = check.email(value)
        else:
            label, length = labels[name]
            setattr(patient, name, check.optional_text(value, name, label, length))


def create_patient(session: Session, data: NewPatient, *, actor: Actor) -> Patient:
    """Record a patient with its first identity status.

    Raises PracticeValidationError (field named), or ConflictError for an INS or local id
    already held by another patient; AccessDeniedError unless ``actor`` may write
    patients (the creation is traced in its name).
    """
    trace.check(session, actor, "patients:write", traced_as="patients:create")
    patient = Patient(local_id=_local_id(session, data.local_id))
    _set_traits(
        patient,
        {
            "birth_family_name": check.text(
                data.birth_family_name, "birth_family_name", "Nom de naissance", 100
            ),
            "birth_given_names": check.text(
                data.birth_given_names, "birth_given_names", "Prénoms de naissance", 200
            ),
            "first_given_name": check.optional_text(
                data.first_given_name, "first_given_name", "Premier prénom", 100
            ),
            "sex": (data.sex or "").strip().upper(),
            "birth_date": data.birth_date,
            "birthplace_cog": (data.birthplace_cog or "").strip().upper() or None,
        },
    )
    _set_contact(
        patient,
        {
            "used_family_name": data.used_family_name,
            "used_given_name": data.used_given_name,
            "address_line": data.address_line,
            "postal_code": data.postal_code,
            "city": data.city,
            "phone": data.phone,
            "email": data.email,
        },
    )
    patient.medecin_traitant_id = _medecin_traitant(session, data.medecin_traitant_id)
    patient.legal_representatives = _representatives(data.legal_representatives)
    add_evidence(
        session,
        patient,
        ins_matricule=data.ins_matricule,
        ins_oid=data.ins_oid,
        insi_reference=data.insi_reference,
        document=document_of(data.identity_document, data.guardian_document, patient.birth_date),
        target=status_target(data.identity_status),
        practitioner_id=actor.practitioner_id,
    )
    created = PatientRepository(session).add(patient)
    trace.record(session, actor, "patients:create", [created])
    return created


def get_patient(session: Session, patient_id: int) -> Patient:
    """The patient, for internal use (no access check, no trace); raises
    :class:`~esante.store.NotFoundError`. An interface reads through :func:`read_patient`."""
    return PatientRepository(session).get(patient_id)


def _patient_for(session: Session, actor: Actor, patient_id: int, action: trace.Action) -> Patient:
    """The patient ``actor`` may ``action``, the check traced (refusal committed)."""
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, action, patient)
    return patient


def read_patient(session: Session, patient_id: int, *, actor: Actor) -> Patient:
    """The patient, read by ``actor`` (checked, traced); raises NotFoundError or
    :class:`~esante.practice.access.AccessDeniedError`."""
    patient = _patient_for(session, actor, patient_id, "patients:read")
    trace.record(session, actor, "patients:read", [patient])
    return patient


def update_patient(
    session: Session,
    patient_id: int,
    changes: PatientChanges,
    *,
    actor: Actor,
) -> Patient:
    """Apply ``changes``; a changed strict trait downgrades an identity that came from INSi.

    The change is recorded in the name of ``actor`` (checked, traced). Raises
    NotFoundError, PracticeValidationError, ConflictError (local id taken) or
    AccessDeniedError.
    """
    repo = PatientRepository(session)
    patient = _patient_for(session, actor, patient_id, "patients:write")
    before = {name: getattr(patient, name) for name in STRICT_TRAITS}
    given: dict[str, object] = dict(changes)
    traits = {name: given[name] for name in STRICT_TRAITS if name in given}
    if isinstance(traits.get("sex"), str):
        traits["sex"] = str(traits["sex"]).strip().upper()
    if isinstance(traits.get("birthplace_cog"), str):
        traits["birthplace_cog"] = str(traits["birthplace_cog"]).strip().upper() or None
    for name in ("birth_family_name", "birth_given_names"):
        if name in traits and not _squash(str(traits[name] or "")):
            raise PracticeValidationError("Trait d'identité obligatoire.", field=name)
    if traits:
        _set_traits(patient, traits)
    contact_fields = (
        "used_family_name",
        "used_given_name",
        "address_line",
        "postal_code",
        "city",
        "phone",
        "email",
    )
    _set_contact(patient, {n: given[n] for n in contact_fields if n in given})  # type: ignore[misc]
    if "local_id" in changes:
        wanted = changes["local_id"]
        if wanted is None or not wanted.strip():
            raise PracticeValidationError(
                "Identifiant local (IPP) : information obligatoire.", field="local_id"
            )
        patient.local_id = _local_id(session, wanted, patient.id)
    if "medecin_traitant_id" in changes:
        patient.medecin_traitant_id = _medecin_traitant(session, changes["medecin_traitant_id"])
    if "legal_representatives" in changes:
        patient.legal_representatives = _representatives(changes["legal_representatives"])
    modified = [name for name in STRICT_TRAITS if getattr(patient, name) != before[name]]
    if modified:
        remove_evidence(
            patient,
            Downgrade.TRAITS_MODIFIED,
            practitioner_id=actor.practitioner_id,
            note="traits modifiés : " + ", ".join(modified),
        )
    saved = repo.save(patient)
    trace.record(session, actor, "patients:update", [saved])
    return saved


def search_patients(session: Session, criteria: PatientCriteria, *, actor: Actor) -> Page[Patient]:
    """Patients matching ``criteria`` (names accent- and case-insensitive, INS, IPP...),
    read by ``actor``: the page is traced in ONE append (one record per patient)."""
    trace.check(session, actor, "patients:read", traced_as="patients:search")
    page = PatientRepository(session).search(criteria)
    trace.record(session, actor, "patients:search", page.items)
    return page


def add_identity_evidence(
    session: Session,
    patient_id: int,
    *,
    ins_matricule: str | None = None,
    ins_oid: str | None = None,
    insi_reference: str | None = None,
    identity_document: str | None = None,
    guardian_document: str | None = None,
    identity_status: str | None = None,
    actor: Actor,
    insi: InsiVerifier | None = None,
) -> Patient:
    """Record an INSi answer and/or a checked identity document; the status follows.

    INSi evidence comes from the INSi teleservice called through ``insi``, never from a
    typed reference (:func:`esante.practice.identity.add_insi_evidence`).
    Raises NotFoundError, PracticeValidationError (evidence refused, target not
    justified, INS incoherent with the traits, INSi not confirming) or ConflictError
    (INS of another patient).
    """
    repo = PatientRepository(session)
    patient = _patient_for(session, actor, patient_id, "patients:write")
    add_insi_evidence(
        session,
        patient,
        insi,
        ins_matricule=ins_matricule,
        ins_oid=ins_oid,
        insi_reference=insi_reference,
        document=document_of(identity_document, guardian_document, patient.birth_date),
        target=status_target(identity_status),
        practitioner_id=actor.practitioner_id,
    )
    saved = repo.save(patient)
    trace.record(session, actor, "patients:identity-evidence", [saved])
    return saved


def downgrade_identity(
    session: Session,
    patient_id: int,
    event: Downgrade | str,
    *,
    actor: Actor,
    note: str | None = None,
) -> Patient:
    """Declare an event that invalidates identity evidence (see :class:`Downgrade`).

    ``event`` may be given by name (``TRAITS_MODIFIED``, ``INSI_NOT_CONFIRMED``,
    ``DOCUMENT_UNRELIABLE``, ``DOUBTFUL_IDENTITY``).
    """
    if isinstance(event, str):
        try:
            event = Downgrade[event.strip().upper()]
        except KeyError as exc:
            known = ", ".join(d.name for d in Downgrade)
            raise PracticeValidationError(
                f"Événement « {event} » inconnu : {known} attendu.", field="event"
            ) from exc
    repo = PatientRepository(session)
    patient = _patient_for(session, actor, patient_id, "patients:write")
    with identity_rules():
        remove_evidence(
            patient,
            event,
            practitioner_id=actor.practitioner_id,
            note=check.optional_text(note, "note", "Commentaire", 500),
        )
    saved = repo.save(patient)
    trace.record(session, actor, "patients:identity-downgrade", [saved])
    return saved


def identity_history(
    session: Session, patient_id: int, *, actor: Actor
) -> list[IdentityStatusChange]:
    """The patient's identity status changes, oldest first, read by ``actor`` (checked,
    traced); raises NotFoundError or AccessDeniedError."""
    patient = _patient_for(session, actor, patient_id, "patients:read")
    history = PatientRepository(session).status_history(patient_id)
    trace.record(session, actor, "patients:identity-history", [patient])
    return history
