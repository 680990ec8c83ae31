"""CR d'examen de l'enfant (LOINC 59283-2) as an N1 document, for the 20 compulsory exams.

Since 2025 the child has 20 compulsory health examinations (8 days, 2nd week, months 2,
3, 4, 5, 6, 9, 12, 13, 16-18, 24-25, years 3, 4, 5, 6, 7, 8-9, 11-13, 15-16); the list
and each exam's themes are facts in ``data/child_exams.json``. The report is a PDF/A
(see :mod:`esante.cda.build.pdf`) whose title names the exam and whose body is a
questionnaire: measurements, then one row per theme with the clinician's answer.

Each exam has its age window (``window`` in the data, :mod:`esante.cda.build.ages`): the
report of an exam, and the certificate CS8 / CS9 / CS24 established at it, are refused for
a child outside it. :func:`document_age_window` gives the window of a CI-SIS model
(``CSE-CS9``, ``CSE-MDE``...) to whoever checks a received document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from esante.cda.build.ages import AgeWindow, age_text, require_age
from esante.cda.build.document import BuiltDocument
from esante.cda.build.mde import AGE_WINDOW as MDE_AGE_WINDOW
from esante.cda.build.pdf import TextSection, build_n1_report
from esante.cda.errors import CdaBuildError
from esante.cda.model import DocumentHeader, InstanceId

TYPE_CODE_VALUE = "59283-2"


@dataclass(frozen=True)
class ChildExam:
    """One of the 20 compulsory exams: id (``m9``), French title, age, window, themes."""

    id: str
    title: str
    age: str
    target_days: int
    certificate: str | None
    themes: tuple[str, ...]
    window: AgeWindow


@lru_cache(maxsize=1)
def _load() -> tuple[ChildExam, ...]:
    raw = json.loads(
        resources.files("esante.cda").joinpath("data/child_exams.json").read_text("utf-8")
    )
    return tuple(
        ChildExam(
            id=e["id"],
            title=e["title"],
            age=e["age"],
            target_days=int(e["target_days"]),
            certificate=e["certificate"],
            themes=tuple(e["themes"]),
            window=AgeWindow(*e["window"]),
        )
        for e in raw["exams"]
    )


def child_exams() -> tuple[ChildExam, ...]:
    """The 20 compulsory exams, youngest first."""
    return _load()


def child_exam(exam_id: str) -> ChildExam:
    """The exam with id ``exam_id`` (``j8``, ``s2``, ``m2`` ... ``a15-16``).

    Raises :class:`CdaBuildError` naming the known ids.
    """
    wanted = exam_id.strip().lower()
    for exam in _load():
        if exam.id == wanted:
            return exam
    raise CdaBuildError(
        f"Examen de l'enfant inconnu : « {exam_id} ».",
        detail="known exams: " + ", ".join(e.id for e in _load()),
        field="exam",
    )


def exam_for_age(birth_date: date, on: date) -> ChildExam:
    """The exam made at the child's age on ``on`` (closest target age among those whose
    window holds it). Raises :class:`CdaBuildError` when no compulsory exam is made then.
    """
    days = (on - birth_date).days
    candidates = [e for e in _load() if e.window.contains(birth_date, on)]
    if not candidates:
        raise CdaBuildError(
            "Aucun des 20 examens obligatoires de l'enfant n'a lieu à l'âge de ce patient "
            f"({age_text(birth_date, on) if days >= 0 else 'pas encore né'} le {on:%d/%m/%Y}).",
            detail=f"no exam window holds birth date {birth_date.isoformat()} on {on.isoformat()}",
            field="patient",
        )
    return min(candidates, key=lambda e: abs(e.target_days - days))


def certificate_exam(certificate: str) -> ChildExam:
    """The exam at which health certificate ``certificate`` (``CS8``, ``CS9``, ``CS24``) is made."""
    for exam in _load():
        if exam.certificate == certificate:
            return exam
    raise KeyError(certificate)


def document_age_window(model: str) -> AgeWindow | None:
    """The ages a document of CI-SIS ``model`` is written at, None when it has no such rule.

    ``CSE-CS8`` / ``CSE-CS9`` / ``CSE-CS24``: the window of the exam the certificate is
    made at; ``CSE-MDE``: a minor (:data:`esante.cda.build.mde.AGE_WINDOW`).
    """
    if model == "CSE-MDE":
        return MDE_AGE_WINDOW
    if model.startswith("CSE-CS"):
        try:
            return certificate_exam(model.removeprefix("CSE-")).window
        except KeyError:
            return None
    return None


def build_child_exam(
    header: DocumentHeader,
    exam: ChildExam,
    sections: Sequence[TextSection],
    *,
    document_id: InstanceId | None = None,
) -> BuiltDocument:
    """The N1 CR d'examen de l'enfant for ``exam``; ``sections`` hold the answers."""
    if header.type_code.code != TYPE_CODE_VALUE:
        raise CdaBuildError(
            "Le compte rendu d'examen de l'enfant a le type de document 59283-2.",
            detail=f"type_code {header.type_code.code!r} != {TYPE_CODE_VALUE!r}",
            field="type_code",
        )
    require_age(
        f"Le compte rendu de l'{exam.title[0].lower()}{exam.title[1:]}",
        exam.window,
        header.patient.birth_date,
        header.service_event.start.date(),
    )
    intro = TextSection(
        "Examen obligatoire",
        (
            f"{exam.title} (âge de référence : {exam.age}), "
            "l'un des 20 examens de santé obligatoires de l'enfant.",
        )
        + (
            (f"Cet examen donne lieu au certificat de santé {exam.certificate}.",)
            if exam.certificate
            else ()
        ),
    )
    return build_n1_report(header, (intro, *sections), document_id=document_id)
