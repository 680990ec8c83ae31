"""The rights matrix data: it loads, it covers every action, it says what the tables say.

The PDT-INF-526 table is checked cell by cell against the text extract shipped with the
DMP kit (``PDT-INF-526_*.pdf.txt``): each row line ends with its twelve cells. The AIR
table (PDT-INF-606) is an image in the kit; its distinctive cells are pinned here.
"""

from __future__ import annotations

import re

import pytest

from esante.sandbox.dmp import Action, ActorKind, Cell, Condition, rights_matrix
from esante.sandbox.dmp.matrix import parse_matrix
from esante.trust.vocabulary import AccessMode, AuthenticationMode
from tests.conftest import shared_path

# Row labels of the 526 text extract (how each row line ends, before its cells).
ROW_LABELS = {
    "Authentification sur le DMP": "TD0.1",
    "Test d'existence d'un DMP et vérification de l'autorisation": "TD0.2",
    "Se déclarer autorisé": "TD0.3:autoriser",
    "Supprimer son autorisation": "TD0.3:supprimer_autorisation",
    "Se supprimer MT": "TD0.3:supprimer_mt",
    "Liste des DMP autorisés": "TD0.4",
    "Recherche d'un patient dans le DMP sans INS": "TD0.5",
    "Accès Web PS contextuel": "TD0.9",
    "Consultation des données administratives d'un DMP": "TD1.3a",
    "Liste des PS autorisés/bloqués sur un DMP": "TD1.6",
    "TD2.1 Alimentation d'un DMP": "TD2.1",
    "secteur libéral": "TD2.2",
    "Rechercher les métadonnées": "TD3.1:metadonnees",
    "Rechercher la référence d'un document": "TD3.1:reference",
    "Documents non masqués aux PS": "TD3.2:non_masques",
    "Documents masqués aux PS": "TD3.2:masques",
    "et du représentant légal": "TD3.2:non_visibles_patient",
    "Documents archivés": "TD3.2:archives",
    "Documents obsolètes (anciennes versions)": "TD3.2:obsoletes",
    "Documents supprimés": "TD3.2:supprimes",
    "Masquer un document aux PS": "TD3.3a:masquer",
    "Démasquer un document aux PS": "TD3.3a:demasquer",
    "Rendre un document visible au patient": "TD3.3b:rendre_visible",
    "Archiver un document *": "TD3.3d:archiver",
    "Désarchiver un document *": "TD3.3d:desarchiver",
    "Supprimer un document *": "TD3.3c:supprimer",
}
# The 526 footnotes, by number.
FOOTNOTES = {
    "1": Condition.STRUCTURE_AUTHORIZATION,
    "2": Condition.SAME_STRUCTURE,
    "3": Condition.NEW_AUTHORIZATIONS,
    "4": Condition.STRUCTURE_IMPUTABILITY,
    "5": Condition.REFERENCE_ONLY,
    "6": Condition.OWN_DOCUMENTS,
    "7": Condition.PATIENT_AUTHORIZATION,
    "8": Condition.OWN_DOCUMENTS,
    "9": Condition.STRUCTURE_DOCUMENTS,
}
COLUMNS_526 = [
    "DIRECTE/ps_non_medecin/normal",
    "DIRECTE/ps_non_medecin/centre_15",
    "DIRECTE/ps_non_medecin/bris_de_glace",
    "DIRECTE/medecin/normal",
    "DIRECTE/medecin/centre_15",
    "DIRECTE/medecin/bris_de_glace",
    "DIRECTE/medecin_du_travail/*",
    "DIRECTE/medecin_traitant/normal",
    "DIRECTE/medecin_traitant/bris_de_glace",
    "DIRECTE/non_ps/normal",
    "INDIRECTE/etablissement/normal",
    "INDIRECTE/etablissement/centre_15",
]
CELL = re.compile(r"oui(?: \((\d+)\))?|non")


def _kit_rows() -> dict[str, list[Cell]]:
    path = shared_path("dmp-kit", "PDT-INF-526_Matrice_des_droits_fonctionnels_v1.8.pdf.txt")
    rows: dict[str, list[Cell]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        tail = re.search(r"((?:(?:oui(?: \(\d+\))?|non)\s*){12})$", line.strip())
        if tail is None:
            continue
        label = line.strip()[: tail.start()].strip()
        row = next((r for text, r in ROW_LABELS.items() if label.endswith(text)), None)
        if row is None:
            continue
        cells = []
        for match in CELL.finditer(tail.group(1)):
            if match.group(0) == "non":
                cells.append(Cell(False))
            else:
                cells.append(Cell(True, FOOTNOTES[match.group(1)] if match.group(1) else None))
        rows[row] = cells
    return rows


def test_the_526_table_matches_the_kit_text_cell_by_cell() -> None:
    kit = _kit_rows()
    assert set(kit) == set(ROW_LABELS.values()), "every row of the extract was found"
    matrix = rights_matrix()
    for row, cells in kit.items():
        ours = [matrix.cells[(row, column)] for column in COLUMNS_526]
        assert ours == cells, row


def test_every_action_has_a_row_and_a_label() -> None:
    matrix = rights_matrix()
    rows = {row for row, _ in matrix.cells}
    for action in Action:
        if action is Action.RETRIEVE:
            continue
        assert action.value in rows, action
        assert matrix.row_label(action.value)
    assert Action.MASK.transaction == "TD3.3a"


def test_columns_of_both_tables() -> None:
    matrix = rights_matrix()
    assert len(matrix.profiles) == 12 + 9
    assert matrix.sources == ("PDT-INF-526 v1.8", "PDT-INF-606 v1.3")
    occupational = matrix.profile(
        AuthenticationMode.DIRECTE, ActorKind.OCCUPATIONAL_PHYSICIAN, AccessMode.BRIS_DE_GLACE
    )
    assert occupational is not None
    assert occupational.access_mode is None  # "sans objet"
    assert (
        matrix.profile(
            AuthenticationMode.INDIRECTE, ActorKind.ESTABLISHMENT, AccessMode.BRIS_DE_GLACE
        )
        is None
    )


def test_distinctive_cells_of_the_air_table() -> None:
    matrix = rights_matrix()
    air = {p.id: p for p in matrix.profiles.values() if p.id.startswith("INDIRECTE_RENFORCEE")}
    assert len(air) == 9
    for profile in air.values():
        assert not matrix.cell("TD2.1", profile).allowed  # no feeding in AIR
        assert not matrix.cell("TD0.3:supprimer_mt", profile).allowed  # no such row
    physician = air["INDIRECTE_RENFORCEE/medecin/normal"]
    assert matrix.cell("TD3.3d:archiver", physician) == Cell(True)  # 526 says own docs only
    staff = air["INDIRECTE_RENFORCEE/non_ps/normal"]
    assert matrix.cell("TD0.3:autoriser", staff) == Cell(True, Condition.STRUCTURE_AUTHORIZATION)
    assert matrix.cell("TD3.3c:supprimer", staff) == Cell(True, Condition.STRUCTURE_DOCUMENTS)


def test_malformed_tables_are_refused_with_the_row_named() -> None:
    base = {
        "sources": [],
        "occupational_medicine_specialties": [],
        "patient_document_rule": {"rows": []},
        "row_labels": {"TD0.2": "Test d'existence"},
    }
    columns = [{"id": "DIRECTE/medecin/normal", "label": "médecin"}]
    with pytest.raises(ValueError, match=r"row 'TD0.2' has 2 cells for 1 columns"):
        parse_matrix({**base, "tables": {"T": {"columns": columns, "rows": {"TD0.2": "oui oui"}}}})
    with pytest.raises(ValueError, match="unknown condition 'moon'"):
        parse_matrix(
            {**base, "tables": {"T": {"columns": columns, "rows": {"TD0.2": "oui(moon)"}}}}
        )
