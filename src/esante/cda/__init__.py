"""CDA R2 documents: build, validate (ANS CI-SIS kit), read and render.

- the header model (:mod:`esante.cda.model`) and the clinical content of structured
  documents (:mod:`esante.cda.clinical`), as frozen values;
- builders (:mod:`esante.cda.build`): any document type as N1 (PDF/A body), and the N3
  volets VSM, VAC-NOTE, CSE-CS8/CS9/CS24, CSE-MDE; the CR d'examen de l'enfant;
- reading received documents (:mod:`esante.cda.read`) and rendering them as French HTML
  (:mod:`esante.cda.render`); validation with the kit is :mod:`esante.cda.validate`;
- example documents from the demo dataset (:mod:`esante.cda.examples`).

CI-SIS: "Structuration minimale des documents de santé" for the header, the volets for
the bodies, IHE XDS-SD for N1.
"""

from esante.cda.build import (
    BuiltDocument,
    ChildExam,
    Cs8Content,
    FollowUpCertificateContent,
    MdeContent,
    TextSection,
    VacNoteContent,
    VsmContent,
    build_child_exam,
    build_cs8,
    build_cs9,
    build_cs24,
    build_mde,
    build_n1,
    build_n1_report,
    build_vac_note,
    build_vsm,
    child_exam,
    child_exams,
    new_document_id,
)
from esante.cda.clinical import (
    Allergy,
    Immunization,
    Measurement,
    Medication,
    Observation,
    Problem,
    Procedure,
    Quantity,
    Relative,
)
from esante.cda.errors import CdaBuildError, CdaError, CdaReadError
from esante.cda.model import (
    Address,
    Author,
    Code,
    DocumentHeader,
    Encounter,
    Guardian,
    HealthProfessional,
    Informant,
    InstanceId,
    Organization,
    Participant,
    Patient,
    PersonName,
    ServiceEvent,
    Telecom,
)
from esante.cda.read import (
    Provenance,
    ReceivedDocument,
    VsmData,
    extract_pdf,
    read_document,
    read_vsm,
)
from esante.cda.render import render_html

__all__ = [
    "Address",
    "Allergy",
    "Author",
    "BuiltDocument",
    "CdaBuildError",
    "CdaError",
    "CdaReadError",
    "ChildExam",
    "Code",
    "Cs8Content",
    "DocumentHeader",
    "Encounter",
    "FollowUpCertificateContent",
    "Guardian",
    "HealthProfessional",
    "Immunization",
    "Informant",
    "InstanceId",
    "MdeContent",
    "Measurement",
    "Medication",
    "Observation",
    "Organization",
    "Participant",
    "Patient",
    "PersonName",
    "Problem",
    "Procedure",
    "Provenance",
    "Quantity",
    "ReceivedDocument",
    "Relative",
    "ServiceEvent",
    "Telecom",
    "TextSection",
    "VacNoteContent",
    "VsmContent",
    "VsmData",
    "build_child_exam",
    "build_cs8",
    "build_cs9",
    "build_cs24",
    "build_mde",
    "build_n1",
    "build_n1_report",
    "build_vac_note",
    "build_vsm",
    "child_exam",
    "child_exams",
    "extract_pdf",
    "new_document_id",
    "read_document",
    "read_vsm",
    "render_html",
]
