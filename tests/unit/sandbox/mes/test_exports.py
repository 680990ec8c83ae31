"""The public face of esante.sandbox.mes is a tested contract."""

from __future__ import annotations

import esante.sandbox.mes
from esante.errors import EsanteError
from esante.sandbox.dmp import SandboxError
from esante.sandbox.mes import DocumentUnavailableError, MesError, UnknownPatientError


def test_mes_exports() -> None:
    exported = esante.sandbox.mes.__all__
    assert exported == sorted(exported)
    assert set(exported) == {
        "SECURITY_HEADERS",
        "AccessLine",
        "DocumentLine",
        "DocumentUnavailableError",
        "GrowthCurve",
        "GrowthRow",
        "MesError",
        "PatientPage",
        "PatientSummary",
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
    }


def test_error_tree() -> None:
    assert issubclass(MesError, SandboxError)
    assert issubclass(MesError, EsanteError)
    assert issubclass(UnknownPatientError, MesError)
    assert issubclass(DocumentUnavailableError, MesError)
