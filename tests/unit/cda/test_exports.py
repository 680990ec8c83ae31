"""The public faces of esante.cda, esante.cda.build and esante.cda.read are a contract."""

from __future__ import annotations

import re

import esante.cda
import esante.cda.build
import esante.cda.read


def _natural(name: str) -> list[str | int]:
    """Sort key of ruff's RUF022 for these names: digits compare as numbers (cs9 < cs24)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def test_cda_exports() -> None:
    assert esante.cda.__all__ == sorted(esante.cda.__all__, key=_natural)
    assert set(esante.cda.__all__) == {
        "Address", "Allergy", "Author", "BuiltDocument", "CdaBuildError", "CdaError",
        "CdaReadError", "ChildExam", "Code", "Cs8Content", "DocumentHeader", "Encounter",
        "FollowUpCertificateContent", "Guardian", "HealthProfessional", "Immunization",
        "Informant", "InstanceId", "Measurement", "MdeContent", "Medication", "Observation",
        "Organization", "Participant", "Patient", "PersonName", "Problem", "Procedure",
        "Provenance", "Quantity", "ReceivedDocument", "Relative", "ServiceEvent", "Telecom",
        "TextSection", "VacNoteContent", "VsmContent", "VsmData", "build_child_exam",
        "build_cs8", "build_cs9", "build_cs24", "build_mde", "build_n1", "build_n1_report",
        "build_vac_note", "build_vsm", "child_exam", "child_exams", "extract_pdf",
        "new_document_id", "read_document", "read_vsm", "render_html",
    }  # fmt: skip
    for name in esante.cda.__all__:
        assert hasattr(esante.cda, name), name


def test_build_exports() -> None:
    assert esante.cda.build.__all__ == sorted(esante.cda.build.__all__, key=_natural)
    assert set(esante.cda.build.__all__) == {
        "AgeWindow", "BuiltDocument", "ChildExam", "Cs8Content", "FollowUpCertificateContent",
        "MdeContent", "TextSection", "VacNoteContent", "VsmContent", "build_child_exam",
        "build_cs8", "build_cs9", "build_cs24", "build_mde", "build_n1", "build_n1_report",
        "build_vac_note", "build_vsm", "child_exam", "child_exams", "document_age_window",
        "exam_for_age", "n1_html", "new_document_id", "render_pdf",
    }  # fmt: skip


def test_read_exports() -> None:
    assert esante.cda.read.__all__ == [
        "Provenance",
        "ReceivedDocument",
        "VsmData",
        "extract_pdf",
        "read_document",
        "read_vsm",
    ]
