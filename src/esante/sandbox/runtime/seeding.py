"""The demo patients' DMPs, so that the demo works out of the box.

At start the sandbox opens a DMP for each patient of :func:`esante.demo.demo_dataset`
(their NIR under the test OID: these people do not exist), with their traits, and, as
their patient would on Mon espace santé, names their médecin traitant DMP (which
authorizes them) and authorizes the demo pediatrician on the children's DMPs. Seeding
is idempotent: a DMP already there is left as it is (closed, blocked... by a test or
the admin CLI).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from esante.demo import DemoDataset, demo_dataset
from esante.sandbox.dmp import DmpAdmin, DmpErrorCode, DmpRefusal, PatientIns

CHILDREN_DOCTOR = "pediatre"


@dataclass(frozen=True)
class SeedReport:
    """How many DMPs seeding created, and how many were already there."""

    created: int
    already_present: int


def seed_demo(session: Session, dataset: DemoDataset | None = None) -> SeedReport:
    """Open the demo patients' DMPs (see the module docstring)."""
    data = dataset or demo_dataset()
    admin = DmpAdmin(session)
    created = present = 0
    pediatrician = data.practitioner(CHILDREN_DOCTOR).id_nat_ps
    for person in data.patients:
        patient = PatientIns(person.nir, person.ins_oid)
        try:
            admin.get_patient(patient)
            present += 1
            continue
        except DmpRefusal as refusal:
            if refusal.code is not DmpErrorCode.UNKNOWN_PATIENT:
                raise
        admin.create_dmp(
            patient,
            family_name=(person.used_family_name or person.birth_family_name).upper(),
            given_name=person.used_given_name or person.first_given_name,
            birth_date=person.birth_date,
            sex=person.sex[:1],
        )
        if person.medecin_traitant_key:
            doctor = data.practitioner(person.medecin_traitant_key)
            admin.declare_treating_physician(patient, doctor.id_nat_ps)
        if person.is_minor:
            admin.set_authorization(patient, pediatrician)
        created += 1
    return SeedReport(created=created, already_present=present)
