"""The BDPM importer on small files written here in the BDPM's layout (tab-separated,
no header, Windows-1252): vaccines matched to esante's catalogue take its ATC and
valences, other vaccines come without, non-vaccines are left out; an imported box scans
as verified; a malformed line is refused naming the file and the line."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination import import_bdpm, load_catalogue, scan_text
from esante.practice.vaccination.catalogue import packaged
from esante.practice.vaccination.scan import GS
from esante.store.vaccination_models import VaccinePresentation


def _cip13(first12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


# Fictitious codes in the BDPM's shape (CIS 8 digits, CIP13 3400 + 9 digits): the
# tests are about the layout, not about any real presentation.
HEXA_CIS, PN_CIS, OTHER_CIS, DRUG_CIS = "60000001", "60000002", "60000003", "60000004"
HEXA_CIP, PN_CIP, OTHER_CIP, DRUG_CIP = (_cip13(f"34009000000{i}") for i in (1, 2, 3, 4))
COMMERCIALISED = "Commercialisée"


def _cis_line(cis: str, name: str) -> str:
    return "\t".join(
        [
            cis,
            name,
            "suspension injectable",
            "intramusculaire",
            "Autorisation active",
            "Procédure centralisée",
            COMMERCIALISED,
            "23/10/2000",
            "",
            "EU/1/00/152/001",
            " LABORATOIRE FICTIF",
            "Non",
        ]
    )


def _cip_line(
    cis: str, cip13: str, label: str, state: str = "Déclaration de commercialisation"
) -> str:
    return "\t".join(
        [cis, cip13[5:12], label, "Présentation active", state, "01/01/2020", cip13, "oui", "65%",
         "30,00", "31,02", "1,02", ""]
    )  # fmt: skip


CIS_FILE = "\r\n".join(
    [
        _cis_line(HEXA_CIS, "HEXYON, suspension injectable en seringue préremplie"),
        _cis_line(PN_CIS, "PREVENAR 20, suspension injectable en seringue préremplie"),
        _cis_line(OTHER_CIS, "VACCIN FICTIF CONTRE LA FIÈVRE JAUNE, poudre"),
        _cis_line(DRUG_CIS, "PARACÉTAMOL FICTIF 500 mg, comprimé"),
        "",
    ]
).encode("cp1252")

CIP_FILE = "\r\n".join(
    [
        _cip_line(HEXA_CIS, HEXA_CIP, "1 seringue préremplie de 0,5 ml avec 2 aiguilles"),
        _cip_line(PN_CIS, PN_CIP, "1 seringue préremplie de 0,5 ml"),
        _cip_line(OTHER_CIS, OTHER_CIP, "1 flacon"),
        _cip_line(DRUG_CIS, DRUG_CIP, "plaquette de 16 comprimés"),
    ]
).encode("cp1252")


def test_import_matches_the_catalogue_and_keeps_the_other_vaccines(session: Session) -> None:
    report = import_bdpm(session, CIS_FILE, CIP_FILE)
    session.commit()
    assert (report.specialities, report.presentations, report.added, report.updated) == (
        3,
        3,
        3,
        0,
    )
    assert report.unmatched == ["VACCIN FICTIF CONTRE LA FIÈVRE JAUNE, poudre"]
    rows = {r.cip13: r for r in session.scalars(select(VaccinePresentation))}
    assert set(rows) == {HEXA_CIP, PN_CIP, OTHER_CIP}
    hexyon = next(x for x in packaged().vaccines if x.key == "hexyon")
    assert (rows[HEXA_CIP].cis, rows[HEXA_CIP].atc, rows[HEXA_CIP].valences) == (
        HEXA_CIS,
        hexyon.atc,
        " ".join(hexyon.valences),
    )
    assert "préremplie" in rows[HEXA_CIP].label  # Windows-1252 read back
    assert (rows[OTHER_CIP].atc, rows[OTHER_CIP].valences) == (None, "")
    again = import_bdpm(session, CIS_FILE, CIP_FILE)
    assert (again.added, again.updated) == (0, 3)


def test_an_imported_box_scans_as_verified(session: Session) -> None:
    import_bdpm(session, CIS_FILE, CIP_FILE)
    session.commit()
    raw = f"]d201{'0' + HEXA_CIP}17281231{'10'}HX7731{GS}21ABCDEF123"
    result = scan_text(raw, today=date(2026, 12, 7), session=session)
    assert result.status == "reconnu"
    assert result.presentation is not None
    assert result.presentation.verified
    assert result.presentation.source == "bdpm"
    assert result.vaccine is not None
    assert result.vaccine.cis == HEXA_CIS
    assert result.vaccine.code is not None
    assert not any("non vérifié" in w for w in result.warnings)
    # the catalogue's Hexyon now has the imported CIS (it had none)
    catalogue = load_catalogue(session)
    hexyon = catalogue.by_key("hexyon")
    assert hexyon is not None
    assert hexyon.cis == HEXA_CIS
    # an imported vaccine esante does not know scans, without ATC: the note needs a choice
    other = scan_text(f"]d201{'0' + OTHER_CIP}17281231", today=date(2026, 12, 7), session=session)
    assert other.status == "reconnu"
    assert other.vaccine is not None
    assert other.vaccine.code is None
    assert any("ATC" in w for w in other.warnings)


@pytest.mark.parametrize(
    ("cis_file", "cip_file", "field"),
    [
        (b"60000001\tTRONQUE\n", CIP_FILE, "CIS_bdpm.txt"),
        (
            CIS_FILE,
            f"{HEXA_CIS}\t1234567\tboite\tactive\tcomm\t01/01/2020\t3400900000009".encode(),
            "CIS_CIP_bdpm.txt",
        ),
    ],
    ids=["short-line", "bad-cip13"],
)
def test_malformed_files_are_refused_naming_file_and_line(
    session: Session, cis_file: bytes, cip_file: bytes, field: str
) -> None:
    with pytest.raises(PracticeValidationError) as caught:
        import_bdpm(session, cis_file, cip_file)
    assert caught.value.field == field
    assert "ligne 1" in caught.value.message
