"""The public face of esante.practice.vaccination is a tested contract: every
name it lists is defined (the order is ruff's RUF022)."""

from __future__ import annotations

import esante.practice.vaccination as vaccination


def test_vaccination_exports() -> None:
    assert vaccination.__all__ == [
        "BdpmImport",
        "GivenDose",
        "PlannedDose",
        "PrescriptionLine",
        "Presentation",
        "RecordedVaccination",
        "ScanResolution",
        "ScannedBox",
        "SeriesState",
        "VacNoteDraft",
        "Vaccine",
        "VaccinationPlan",
        "VaccineCatalogue",
        "build_note",
        "calendar_2025",
        "compile_received_notes",
        "decode_image",
        "import_bdpm",
        "import_bdpm_files",
        "load_catalogue",
        "parse_datamatrix",
        "patient_plan",
        "plan",
        "prefill_vac_note",
        "prescribe_next_vaccines",
        "prescription_lines",
        "provenance_label",
        "record_past_vaccination",
        "resolve_box",
        "scan_image",
        "scan_text",
        "vaccination_history",
        "vaccination_plan",
        "validate_vac_note",
    ]
    assert all(hasattr(vaccination, name) for name in vaccination.__all__)
