"""Queries on patients: by id, INS, local id; search by names, birth date, status.

Names match accent-, case- and punctuation-insensitively against the birth family name,
the used family name, the birth given names and the used given name (see
:mod:`esante.store.repositories.text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from esante.store.models import IdentityStatusChange, Patient
from esante.store.repositories.base import flush_or_conflict, get_or_raise, name_filter, paginate
from esante.store.repositories.page import Page


@dataclass(frozen=True)
class PatientCriteria:
    """What to search patients by; every given criterion must match (AND)."""

    name: str | None = None
    """Words matched in any name (birth or used, family or given)."""
    birth_date: date | None = None
    ins: str | None = None
    """INS matricule (15 characters, NIR/NIA + key)."""
    ins_oid: str | None = None
    local_id: str | None = None
    sex: str | None = None
    identity_status: str | None = None
    medecin_traitant_id: int | None = None
    limit: int = 50
    offset: int = 0


class PatientRepository:
    """Patients of one session (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, patient_id: int) -> Patient:
        """The patient; raises :class:`~esante.store.NotFoundError`."""
        return get_or_raise(self.session, Patient, patient_id, "Patient")

    def by_ins(self, matricule: str, oid: str | None = None) -> Patient | None:
        """The patient holding this INS matricule (and OID when given), if any."""
        query = select(Patient).where(Patient.ins_matricule == matricule)
        if oid is not None:
            query = query.where(Patient.ins_oid == oid)
        return self.session.scalars(query.limit(1)).first()

    def by_local_id(self, local_id: str) -> Patient | None:
        """The patient with this local identifier (IPP), if any."""
        return self.session.scalars(select(Patient).where(Patient.local_id == local_id)).first()

    def add(self, patient: Patient) -> Patient:
        """Insert ``patient`` (flushes, so its id is set); raises ConflictError."""
        self.session.add(patient)
        flush_or_conflict(self.session, "le patient")
        return patient

    def save(self, patient: Patient) -> Patient:
        """Flush the changes made to ``patient``; raises ConflictError."""
        flush_or_conflict(self.session, "le patient")
        return patient

    def search(self, criteria: PatientCriteria) -> Page[Patient]:
        """Patients matching ``criteria``, ordered by name then birth date."""
        query = select(Patient).options(selectinload(Patient.legal_representatives))
        if criteria.name:
            condition = name_filter(
                self.session,
                criteria.name,
                [
                    Patient.birth_family_name,
                    Patient.used_family_name,
                    Patient.birth_given_names,
                    Patient.used_given_name,
                ],
            )
            if condition is not None:
                query = query.where(condition)
        if criteria.birth_date is not None:
            query = query.where(Patient.birth_date == criteria.birth_date)
        if criteria.ins:
            query = query.where(Patient.ins_matricule == "".join(criteria.ins.split()).upper())
        if criteria.ins_oid:
            query = query.where(Patient.ins_oid == criteria.ins_oid)
        if criteria.local_id:
            query = query.where(Patient.local_id == criteria.local_id.strip())
        if criteria.sex:
            query = query.where(Patient.sex == criteria.sex)
        if criteria.identity_status:
            query = query.where(Patient.identity_status == criteria.identity_status)
        if criteria.medecin_traitant_id is not None:
            query = query.where(Patient.medecin_traitant_id == criteria.medecin_traitant_id)
        query = query.order_by(
            Patient.birth_family_name, Patient.first_given_name, Patient.birth_date, Patient.id
        )
        return paginate(self.session, query, criteria.limit, criteria.offset)

    def status_history(self, patient_id: int) -> list[IdentityStatusChange]:
        """The identity status changes of the patient, oldest first."""
        self.get(patient_id)
        query = (
            select(IdentityStatusChange)
            .where(IdentityStatusChange.patient_id == patient_id)
            .order_by(IdentityStatusChange.at, IdentityStatusChange.id)
        )
        return list(self.session.scalars(query))
