"""Mon espace santé, the patient's side of the DMP, as the sandbox shows it.

A French, server-rendered web page (:func:`create_mes_app`) over the DMP sandbox's
database: the list of the sandbox's patients, and for each one « Mon espace santé —
Prénom NOM » with their documents (statuses, masked to professionals, not visible by the
patient), the history of the professionals' accesses (who, when, what, access mode,
outcome), the vaccination history compiled from the vaccination notes and the child's
health certificates (deduplicated, each with its source), and the child's measurements
with their growth curves on the WHO references. It lets developers and testers see, as
the patient would, what their practice software did to the DMP.

The readers of the VAC-NOTE (:func:`read_vac_note`) and CSE-MDE
(:func:`read_child_measurements`) bodies live here until :mod:`esante.cda.read` offers
them. The sandbox rules apply: this package uses the formats and the DMP sandbox, never
the practice side, the clients or the web layer.
"""

from esante.sandbox.mes.app import SECURITY_HEADERS, create_mes_app
from esante.sandbox.mes.errors import DocumentUnavailableError, MesError, UnknownPatientError
from esante.sandbox.mes.measurements import (
    GrowthCurve,
    GrowthRow,
    curve_svg,
    growth_curves,
    growth_table,
    read_child_measurements,
)
from esante.sandbox.mes.vaccinations import (
    VaccinationRecord,
    VaccineGroup,
    read_vac_note,
    read_vaccinations,
    vaccination_history,
)
from esante.sandbox.mes.views import (
    AccessLine,
    DocumentLine,
    PatientPage,
    PatientSummary,
    patient_page,
    patient_summaries,
)

__all__ = [
    "AccessLine",
    "DocumentLine",
    "DocumentUnavailableError",
    "GrowthCurve",
    "GrowthRow",
    "MesError",
    "PatientPage",
    "PatientSummary",
    "SECURITY_HEADERS",
    "UnknownPatientError",
    "VaccinationRecord",
    "VaccineGroup",
    "create_mes_app",
    "curve_svg",
    "growth_curves",
    "growth_table",
    "patient_page",
    "patient_summaries",
    "read_child_measurements",
    "read_vac_note",
    "read_vaccinations",
    "vaccination_history",
]
