"""`esante cda example`: a complete document from the demo data, new uniqueId every call."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from esante.cda import read_document
from esante.cli.main import app

runner = CliRunner()


def _example(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / f"doc-{len(list(tmp_path.iterdir()))}.xml"
    result = runner.invoke(app, ["cda", "example", *args, "--out", str(out)])
    return result.exit_code, result.output, out


def test_example_writes_a_document_with_a_new_unique_id_each_call(tmp_path: Path) -> None:
    code, output, first = _example(tmp_path, "vsm")
    assert code == 0, output
    assert "identifiant unique : 2.25." in output
    code, _, second = _example(tmp_path, "vsm")
    assert code == 0
    one, two = read_document(first), read_document(second)
    assert one.model == "VSM"
    assert one.document_id != two.document_id
    assert one.patient.birth_family_name == "LEFEBVRE"


@pytest.mark.parametrize(
    ("kind", "model"),
    [("vac-note", "VAC-NOTE"), ("cs8", "CSE-CS8"), ("cs9", "CSE-CS9"), ("cs24", "CSE-CS24"),
     ("mde", "CSE-MDE")],
)  # fmt: skip
def test_each_structured_type(tmp_path: Path, kind: str, model: str) -> None:
    code, output, out = _example(tmp_path, kind)
    assert code == 0, output
    assert read_document(out).model == model


def test_child_exam_with_patient_author_exam_and_forced_ins(tmp_path: Path) -> None:
    code, output, out = _example(
        tmp_path,
        "cr-examen-enfant",
        "--patient", "jade", "--author", "pediatre", "--exam", "m9",
        "--ins", "226029741128808",
    )  # fmt: skip
    assert code == 0, output
    document = read_document(out)
    assert document.level == "N1"
    assert document.type_code.code == "59283-2"
    assert "Examen du 9e mois" in document.title
    assert document.patient.ins_matricule == "226029741128808"
    assert document.authors[0].professional.specialty is not None
    assert document.authors[0].professional.specialty.code == "G15_10/SM40"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("foo",), "Type d'exemple inconnu"),
        (("vsm", "--patient", "personne"), "inconnu"),
        (("cr-examen-enfant", "--exam", "m10"), "Examen de l'enfant inconnu"),
        (("vsm", "--exam", "m9"), "--exam"),
        (("vsm", "--ins", "225106938314978"), "INS du patient invalide"),
        (("cs9", "--patient", "claire"), "Le certificat de santé CS9 concerne un enfant de 8"),
        (("mde", "--patient", "robert"), "concerne un enfant de moins de 18 ans"),
        (("vac-note", "--patient", "jean-pierre"), "Aucune vaccination du calendrier"),
        (("cr-examen-enfant", "--patient", "maria"), "Aucun des 20 examens obligatoires"),
        (("cr-examen-enfant", "--patient", "lola", "--exam", "m9"), "concerne un enfant de 8"),
    ],
)
def test_bad_options_end_with_a_french_error(
    tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    code, output, out = _example(tmp_path, *args)
    assert code == 1
    assert words in output
    assert not out.exists()
