"""Load the demo dataset (:mod:`esante.demo`) into the practice database.

Idempotent: a structure already present (same national identifier), a practitioner
(same RPPS) or a patient (same local id) is left as it is, so ``esante demo`` can load
at every start. Records go through the ordinary services, so the demo data obey the same
rules as real data (INS checks, identity status machine, history rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from esante.demo import DemoDataset, DemoPatient
from esante.practice.actors import local_operator
from esante.practice.errors import PracticeValidationError
from esante.practice.patients import LegalRepresentativeData, NewPatient, create_patient
from esante.practice.practitioners import NewPractitioner, create_practitioner
from esante.practice.structures import NewStructure, create_structure
from esante.store.repositories import (
    PatientRepository,
    PractitionerRepository,
    StructureRepository,
)


@dataclass
class DemoLoadReport:
    """How many records of each kind were created, and how many were already there."""

    structures_created: int = 0
    practitioners_created: int = 0
    patients_created: int = 0
    already_present: int = 0

    @property
    def created(self) -> int:
        """Records created by this load."""
        return self.structures_created + self.practitioners_created + self.patients_created


def _new_patient(patient: DemoPatient, doctors: dict[str, int]) -> NewPatient:
    return NewPatient(
        local_id=patient.local_id,
        birth_family_name=patient.birth_family_name,
        birth_given_names=patient.birth_given_names,
        first_given_name=patient.first_given_name,
        sex=patient.sex,
        birth_date=patient.birth_date,
        birthplace_cog=patient.birthplace_cog,
        used_family_name=patient.used_family_name,
        used_given_name=patient.used_given_name,
        ins_matricule=patient.recorded_ins,
        ins_oid=patient.ins_oid if patient.recorded_ins else None,
        insi_reference=patient.insi_reference,
        identity_document=patient.identity_validation_mode,
        guardian_document=patient.guardian_document,
        identity_status=patient.identity_status,
        medecin_traitant_id=(
            doctors[patient.medecin_traitant_key] if patient.medecin_traitant_key else None
        ),
        address_line=patient.address_line,
        postal_code=patient.postal_code,
        city=patient.city,
        phone=patient.phone,
        email=patient.email,
        legal_representatives=[
            LegalRepresentativeData(
                relationship_code=r.relationship_code,
                family_name=r.family_name,
                given_name=r.given_name,
                phone=r.phone,
                email=r.email,
                address_line=patient.address_line,
                postal_code=patient.postal_code,
                city=patient.city,
            )
            for r in patient.legal_representatives
        ],
    )


def load_demo(session: Session, dataset: DemoDataset) -> DemoLoadReport:
    """Store the structures, practitioners and patients of ``dataset`` that are missing.

    Flushes but does not commit. Raises the services' errors if the database holds
    conflicting records (e.g. another patient with a demo patient's INS).
    """
    report = DemoLoadReport()
    structures = StructureRepository(session)
    structure_ids: dict[str, int] = {}
    for s in dataset.structures:
        found = structures.by_id_nat_struct(s.id_nat_struct)
        if found is None:
            found = create_structure(
                session,
                NewStructure(
                    name=s.name,
                    finess=s.finess,
                    siret=s.siret,
                    facility_type_code=s.facility_type_code,
                    practice_setting_code=s.practice_setting_code,
                    address_line=s.address_line,
                    postal_code=s.postal_code,
                    city=s.city,
                    phone=s.phone,
                    mssante_address=s.mssante_address,
                ),
            )
            report.structures_created += 1
        else:
            report.already_present += 1
        structure_ids[s.key] = found.id

    practitioners = PractitionerRepository(session)
    practitioner_ids: dict[str, int] = {}
    for p in dataset.practitioners:
        existing = practitioners.by_rpps(p.rpps)
        if existing is None:
            existing = create_practitioner(
                session,
                NewPractitioner(
                    rpps=p.rpps,
                    civility=p.civility,
                    family_name=p.family_name,
                    given_name=p.given_name,
                    profession_code=p.profession_code,
                    specialty_code=p.specialty_code,
                    mssante_address=p.mssante_address,
                    phone=p.phone,
                    structure_id=structure_ids[p.structure_key],
                ),
            )
            report.practitioners_created += 1
        else:
            report.already_present += 1
        practitioner_ids[p.key] = existing.id

    patients = PatientRepository(session)
    operator = local_operator(next(iter(structure_ids.values()))) if structure_ids else None
    for patient in dataset.patients:
        if patients.by_local_id(patient.local_id) is not None:
            report.already_present += 1
            continue
        if operator is None:  # pragma: no cover - a dataset's patients have a structure
            raise PracticeValidationError("Jeu de démonstration sans structure.")
        create_patient(session, _new_patient(patient, practitioner_ids), actor=operator)
        report.patients_created += 1
    return report
