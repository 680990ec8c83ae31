"""Importing the vaccine presentations of the public BDPM files the user downloads.

The Base de données publique des médicaments (ANSM, HAS, UNCAM;
https://base-donnees-publique.medicaments.gouv.fr, « Téléchargement ») publishes
tab-separated text files without header, encoded in Windows-1252 / Latin-1:

* ``CIS_bdpm.txt`` — one speciality per line: 1 CIS, 2 dénomination, 3 forme
  pharmaceutique, 4 voies d'administration (``;``-separated), 5 statut AMM, 6 type de
  procédure, 7 état de commercialisation, 8 date d'AMM, 9 statut BdM, 10 numéro
  d'autorisation européenne, 11 titulaire(s), 12 surveillance renforcée;
* ``CIS_CIP_bdpm.txt`` — one presentation per line: 1 CIS, 2 CIP7, 3 libellé de la
  présentation, 4 statut administratif, 5 état de commercialisation, 6 date de
  déclaration de commercialisation, 7 CIP13, 8 agrément aux collectivités, 9 taux de
  remboursement, 10-12 prix, 13 indications de remboursement.

A speciality is imported when its denomination starts with the BDPM name of a vaccine of
esante's catalogue (it then takes that entry's ATC and valences) or contains « vaccin »
(then without ATC nor valences: a box of it scans, but its vaccine must be completed by
hand before a VAC-NOTE — the ATC is mandatory there). Nothing is fetched from the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination.catalogue import Vaccine, match_packaged
from esante.store.base import utcnow
from esante.store.vaccination_models import VaccinePresentation

_CIS_COLUMNS = 12
_CIP_COLUMNS = 7  # the columns up to CIP13 (prices and indications may be empty)


@dataclass(frozen=True)
class BdpmSpeciality:
    """A vaccine speciality read from ``CIS_bdpm.txt``."""

    cis: str
    name: str
    marketed: bool
    vaccine: Vaccine | None


@dataclass
class BdpmImport:
    """What an import found and did."""

    specialities: int = 0
    presentations: int = 0
    added: int = 0
    updated: int = 0
    unmatched: list[str] = field(default_factory=list)
    """Vaccines of the BDPM that esante's catalogue does not know (no ATC, no valences)."""


def _text(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _rows(data: bytes, name: str, columns: int) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(_text(data).splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) < columns:
            raise PracticeValidationError(
                f"{name}, ligne {number} : {len(cells)} colonnes au lieu d'au moins {columns} "
                "(fichier tronqué, ou pas un fichier de la BDPM séparé par tabulations).",
                detail=f"{name}:{number}: {line[:120]!r}",
                field=name,
            )
        yield number, cells


def read_specialities(data: bytes) -> dict[str, BdpmSpeciality]:
    """The vaccine specialities of a ``CIS_bdpm.txt``, by CIS."""
    found: dict[str, BdpmSpeciality] = {}
    for number, cells in _rows(data, "CIS_bdpm.txt", _CIS_COLUMNS):
        cis, name = cells[0], cells[1]
        if not (cis.isdigit() and len(cis) == 8):
            raise PracticeValidationError(
                f"CIS_bdpm.txt, ligne {number} : code CIS invalide « {cis} » (8 chiffres).",
                detail=f"CIS_bdpm.txt:{number}: cis={cis!r}",
                field="CIS_bdpm.txt",
            )
        vaccine = match_packaged(name)
        if vaccine is None and "vaccin" not in name.lower():
            continue
        marketed = cells[6].lower().startswith("commercialis")
        found[cis] = BdpmSpeciality(cis, name, marketed, vaccine)
    return found


def _valid_cip13(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(code[:12]))
    return (10 - total % 10) % 10 == int(code[12])


def import_bdpm(
    session: Session, cis_file: bytes, cip_file: bytes, *, now: datetime | None = None
) -> BdpmImport:
    """Import the vaccine presentations of the two files into ``vaccine_presentation``
    (added, or updated by CIP13). The caller commits.

    Raises :class:`PracticeValidationError` naming the file and line of a malformed row.
    """
    now = now or utcnow()
    specialities = read_specialities(cis_file)
    report = BdpmImport(specialities=len(specialities))
    report.unmatched = sorted(s.name for s in specialities.values() if s.vaccine is None)
    existing = {p.cip13: p for p in session.scalars(select(VaccinePresentation))}
    for number, cells in _rows(cip_file, "CIS_CIP_bdpm.txt", _CIP_COLUMNS):
        speciality = specialities.get(cells[0])
        if speciality is None:
            continue
        cip13 = cells[6]
        if not _valid_cip13(cip13):
            raise PracticeValidationError(
                f"CIS_CIP_bdpm.txt, ligne {number} : code CIP13 invalide « {cip13} ».",
                detail=f"CIS_CIP_bdpm.txt:{number}: cip13={cip13!r}",
                field="CIS_CIP_bdpm.txt",
            )
        report.presentations += 1
        vaccine = speciality.vaccine
        row = existing.get(cip13)
        if row is None:
            row = VaccinePresentation(cip13=cip13)
            session.add(row)
            existing[cip13] = row
            report.added += 1
        else:
            report.updated += 1
        row.cis = speciality.cis
        row.name = speciality.name[:300]
        row.label = cells[2][:300]
        row.vaccine_key = vaccine.key if vaccine else None
        row.atc = vaccine.atc if vaccine else None
        row.valences = " ".join(vaccine.valences) if vaccine else ""
        row.marketed = speciality.marketed and "arrêt" not in cells[4].lower()
        row.imported_at = now
    session.flush()
    return report


def import_bdpm_files(session: Session, cis_path: Path, cip_path: Path) -> BdpmImport:
    """:func:`import_bdpm` from two files on disk."""
    return import_bdpm(session, cis_path.read_bytes(), cip_path.read_bytes())


__all__ = ["BdpmImport", "BdpmSpeciality", "import_bdpm", "import_bdpm_files", "read_specialities"]
