"""Complete example documents from the demo dataset: ``esante cda example TYPE``.

Each example type pairs a default demo patient and author with plausible content and
the matching builder; every call produces a new document (fresh uniqueId). Types:
``n1``, ``vsm``, ``vac-note``, ``cs8``, ``cs9``, ``cs24``, ``mde``, ``cr-examen-enfant``.

The content follows the patient: Robert's documents tell his heart failure, the others'
a person without notable history; the vaccinations are those the 2025 schedule gives at
the patient's age (:mod:`.vaccination`). A child health document for a patient of the
wrong age is refused by its builder (:mod:`esante.cda.build.ages`), a VAC-NOTE for a
patient with no scheduled vaccination by :func:`.vaccination.vac_note_immunizations`:
both with a French :class:`CdaBuildError` that the CLI prints as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from esante.cda import vocabulary as v
from esante.cda.build.ages import completed_months
from esante.cda.build.child_exam import build_child_exam, child_exam, exam_for_age
from esante.cda.build.cse import build_cs8, build_cs9, build_cs24
from esante.cda.build.document import BuiltDocument
from esante.cda.build.mde import CONSULTATION, MdeContent, build_mde
from esante.cda.build.mde import TYPE_CODE as MDE_TYPE
from esante.cda.build.pdf import build_n1_report
from esante.cda.build.vac_note import TYPE_CODE as VAC_NOTE_TYPE
from esante.cda.build.vac_note import VacNoteContent, build_vac_note
from esante.cda.build.vsm import SERVICE_EVENT as VSM_EVENT
from esante.cda.build.vsm import TYPE_CODE as VSM_TYPE
from esante.cda.build.vsm import build_vsm
from esante.cda.errors import CdaBuildError
from esante.cda.examples import certificates
from esante.cda.examples.clinical_data import (
    child_measurements,
    consultation_sections,
    vsm_content,
)
from esante.cda.examples.people import example_header, professional
from esante.cda.examples.vaccination import vac_note_immunizations
from esante.cda.model import Code
from esante.demo import DemoDataset, demo_dataset

__all__ = ["EXAMPLE_TYPES", "ExampleType", "example_document"]


@dataclass(frozen=True)
class ExampleType:
    """An example kind: CLI name, French label, default demo patient and author."""

    name: str
    label: str
    patient: str
    author: str


EXAMPLE_TYPES: tuple[ExampleType, ...] = (
    ExampleType("n1", "Document non structuré (N1, PDF/A)", "robert", "generaliste"),
    ExampleType("vsm", "Volet de synthèse médicale (VSM 2023.01)", "robert", "generaliste"),
    ExampleType("vac-note", "Note de vaccination (VAC-NOTE 2023.01)", "lola", "generaliste"),
    ExampleType("cs8", "Certificat de santé du 8e jour (CSE-CS8 2025.01)", "noah", "pediatre"),
    ExampleType("cs9", "Certificat de santé du 9e mois (CSE-CS9 2025.01)", "jade", "pediatre"),
    ExampleType(
        "cs24", "Certificat de santé du 24e mois (CSE-CS24 2025.01)", "gabriel", "pediatre"
    ),
    ExampleType("mde", "Mesures de l'enfant (CSE-MDE 2023.01)", "lola", "generaliste"),
    ExampleType(
        "cr-examen-enfant",
        "CR d'examen de l'enfant (N1, 20 examens obligatoires)",
        "lola",
        "generaliste",
    ),
)
_BY_NAME = {t.name: t for t in EXAMPLE_TYPES}

N1_TYPE = Code("11488-4", v.LOINC, "Compte rendu de consultation", "LOINC")


def _n1(
    data: DemoDataset, patient: str, author: str, ins: str | None, exam: str | None
) -> BuiltDocument:
    header = example_header(
        data,
        type_code=N1_TYPE,
        title="Compte rendu de consultation",
        patient_key=patient,
        author_key=author,
        service_event=N1_TYPE,
        ins=ins,
    )
    person = data.patient(patient)
    sections = consultation_sections(person, header.effective_time.date())
    return build_n1_report(header, sections)


def _vsm(
    data: DemoDataset, patient: str, author: str, ins: str | None, exam: str | None
) -> BuiltDocument:
    header = example_header(
        data,
        type_code=VSM_TYPE,
        title="Volet de synthèse médicale",
        patient_key=patient,
        author_key=author,
        service_event=VSM_EVENT,
        ins=ins,
    )
    person = data.patient(patient)
    return build_vsm(header, vsm_content(person, header.effective_time.date()))


def _vac_note(
    data: DemoDataset, patient: str, author: str, ins: str | None, exam: str | None
) -> BuiltDocument:
    header = example_header(
        data,
        type_code=VAC_NOTE_TYPE,
        title="Note de vaccination",
        patient_key=patient,
        author_key=author,
        service_event=VAC_NOTE_TYPE,
        ins=ins,
    )
    person = data.patient(patient)
    given = vac_note_immunizations(
        person.birth_date,
        header.service_event.start.date(),
        professional(data, author),
        first_name=person.first_given_name,
    )
    return build_vac_note(header, VacNoteContent(given))


def _mde(
    data: DemoDataset, patient: str, author: str, ins: str | None, exam: str | None
) -> BuiltDocument:
    header = example_header(
        data,
        type_code=MDE_TYPE,
        title="Carnet de santé de l'enfant - Mesures de l'enfant",
        patient_key=patient,
        author_key=author,
        service_event=CONSULTATION,
        ins=ins,
        with_informants=True,
    )
    today = header.effective_time.date()
    months = completed_months(header.patient.birth_date, today)
    return build_mde(header, MdeContent(child_measurements(today, months), today))


def _child_exam(
    data: DemoDataset, patient: str, author: str, ins: str | None, exam: str | None
) -> BuiltDocument:
    person = data.patient(patient)
    today = data.reference_date
    chosen = child_exam(exam) if exam else exam_for_age(person.birth_date, today)
    header = example_header(
        data,
        type_code=Code("59283-2", v.LOINC, "CR d'examen de l'enfant", "LOINC"),
        title=f"Compte rendu de l'examen de santé de l'enfant — {chosen.title}",
        patient_key=patient,
        author_key=author,
        service_event=CONSULTATION,
        ins=ins,
    )
    return build_child_exam(header, chosen, certificates.child_exam_answers(chosen, person, today))


def _cs8(
    data: DemoDataset, patient: str, author: str, ins: str | None, exam: str | None
) -> BuiltDocument:
    header = certificates.certificate_header(data, "CS8", patient, author, ins)
    return build_cs8(header, certificates.cs8_content(data, patient, header))


def _cs9(
    data: DemoDataset, patient: str, author: str, ins: str | None, exam: str | None
) -> BuiltDocument:
    header = certificates.certificate_header(data, "CS9", patient, author, ins)
    return build_cs9(header, certificates.cs9_content(data, patient, header))


def _cs24(
    data: DemoDataset, patient: str, author: str, ins: str | None, exam: str | None
) -> BuiltDocument:
    header = certificates.certificate_header(data, "CS24", patient, author, ins)
    return build_cs24(header, certificates.cs24_content(data, patient, header))


_Builder = Callable[[DemoDataset, str, str, str | None, str | None], BuiltDocument]
_BUILDERS: dict[str, _Builder] = {
    "n1": _n1,
    "vsm": _vsm,
    "vac-note": _vac_note,
    "cs8": _cs8,
    "cs9": _cs9,
    "cs24": _cs24,
    "mde": _mde,
    "cr-examen-enfant": _child_exam,
}


def example_document(
    kind: str,
    *,
    patient: str | None = None,
    author: str | None = None,
    ins: str | None = None,
    exam: str | None = None,
    dataset: DemoDataset | None = None,
) -> BuiltDocument:
    """A complete example document of ``kind`` with a fresh uniqueId.

    ``patient``/``author`` are demo keys (defaults per type); ``ins`` forces the INS
    matricule written; ``exam`` picks one of the 20 child exams (``cr-examen-enfant``).
    Raises :class:`CdaBuildError` for an unknown type, :class:`esante.demo.DemoError`
    for an unknown demo key.
    """
    wanted = _BY_NAME.get(kind.strip().lower())
    if wanted is None:
        raise CdaBuildError(
            f"Type d'exemple inconnu : « {kind} ».",
            detail="known types: " + ", ".join(_BY_NAME),
            field="TYPE",
        )
    if exam is not None and wanted.name != "cr-examen-enfant":
        raise CdaBuildError(
            "L'option --exam ne concerne que le type cr-examen-enfant.",
            detail=f"--exam given with type {wanted.name}",
            field="--exam",
        )
    if exam is not None:
        child_exam(exam)
    data = dataset or demo_dataset()
    return _BUILDERS[wanted.name](
        data, patient or wanted.patient, author or wanted.author, ins, exam
    )
