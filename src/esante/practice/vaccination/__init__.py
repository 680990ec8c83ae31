"""The vaccination record (issue 15): scan of the vaccine box, catalogue, VAC-NOTE,
history, schedule and the prescription of the next vaccines.

* :mod:`.scan` — the box's GS1 DataMatrix as a scanner types it (``biip``);
  :mod:`.image` — the same from a photo (``zxing-cpp``);
* :mod:`.catalogue` (esante's vaccine file) and :mod:`.bdpm` (the public BDPM files the
  user downloads); :mod:`.resolve` — what a scanned box is, or a manual choice;
* :mod:`.notes` — the VAC-NOTE prefilled from the record and the scan, validated;
* :mod:`.history` — the vaccinations given here and read from received notes;
* :mod:`.schedule` — the calendrier des vaccinations 2025: due, overdue, next;
* :mod:`.prescription` — the one-click prescription (N1) of the next vaccines.
"""

from esante.practice.vaccination.bdpm import BdpmImport, import_bdpm, import_bdpm_files
from esante.practice.vaccination.catalogue import Presentation, Vaccine, VaccineCatalogue
from esante.practice.vaccination.history import (
    compile_received_notes,
    provenance_label,
    record_past_vaccination,
    vaccination_history,
)
from esante.practice.vaccination.image import decode_image
from esante.practice.vaccination.notes import (
    RecordedVaccination,
    VacNoteDraft,
    build_note,
    prefill_vac_note,
    validate_vac_note,
)
from esante.practice.vaccination.prescription import (
    PrescriptionLine,
    patient_plan,
    prescribe_next_vaccines,
    prescription_lines,
    vaccination_plan,
)
from esante.practice.vaccination.resolve import (
    ScanResolution,
    load_catalogue,
    resolve_box,
    scan_image,
    scan_text,
)
from esante.practice.vaccination.scan import ScannedBox, parse_datamatrix
from esante.practice.vaccination.schedule import (
    GivenDose,
    PlannedDose,
    SeriesState,
    VaccinationPlan,
    calendar_2025,
    plan,
)

__all__ = [
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
