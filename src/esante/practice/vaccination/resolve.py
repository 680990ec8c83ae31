"""What a scanned box resolves to: the vaccine, or a manual choice — never a guess.

GTIN → CIP13 (a French presentation: GTIN ``0`` + ``3400…``) → the presentation in the
catalogue (imported BDPM rows first, then esante's file) → the vaccine. An expired lot is
refused (a vaccine is not given past its expiry date: RCP section 6.3, and the box's
AI 17); a GTIN the catalogue does not know gives ``status="inconnu"`` with the vaccines to
choose from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination.catalogue import (
    Presentation,
    Vaccine,
    VaccineCatalogue,
    packaged,
)
from esante.practice.vaccination.image import decode_image
from esante.practice.vaccination.scan import ScannedBox, parse_datamatrix
from esante.store.vaccination_models import VaccinePresentation

ScanStatus = Literal["reconnu", "inconnu"]


@dataclass(frozen=True)
class ScanResolution:
    """A scanned box and the vaccine it is (``presentation``), or the choices offered."""

    box: ScannedBox
    status: ScanStatus
    presentation: Presentation | None
    choices: tuple[Vaccine, ...]
    message: str
    warnings: tuple[str, ...] = ()

    @property
    def vaccine(self) -> Vaccine | None:
        return None if self.presentation is None else self.presentation.vaccine


def _imported(row: VaccinePresentation) -> Presentation:
    known = None
    if row.vaccine_key:
        known = next((x for x in packaged().vaccines if x.key == row.vaccine_key), None)
    vaccine = Vaccine(
        key=row.vaccine_key or f"cis-{row.cis}",
        name=row.name,
        cis=row.cis,
        atc=row.atc,
        atc_label=known.atc_label if known else None,
        valences=tuple(row.valences.split()),
        bdpm_name=known.bdpm_name if known else "",
        verified=True,
    )
    return Presentation(row.cip13, row.label, vaccine, verified=True, source="bdpm")


def load_catalogue(session: Session | None) -> VaccineCatalogue:
    """esante's catalogue with the BDPM presentations imported into this database."""
    if session is None:
        return VaccineCatalogue()
    rows = session.scalars(select(VaccinePresentation).order_by(VaccinePresentation.cip13))
    return VaccineCatalogue(_imported(r) for r in rows)


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def resolve_box(box: ScannedBox, catalogue: VaccineCatalogue, today: date) -> ScanResolution:
    """The vaccine of a read box. Raises :class:`PracticeValidationError`
    (``field="expiry"``) when the lot is expired."""
    if box.expiry is not None and box.expiry < today:
        raise PracticeValidationError(
            f"Lot {box.lot or '(non lu)'} périmé depuis le {_fmt(box.expiry)} : ce vaccin ne "
            "doit pas être administré. Prenez une autre boîte.",
            detail=f"expiry {box.expiry.isoformat()} < {today.isoformat()} (GTIN {box.gtin})",
            field="expiry",
        )
    warnings: list[str] = list(box.notes)
    if box.expiry is None:
        warnings.append("Date de péremption absente du code : vérifiez-la sur la boîte.")
    if box.lot is None:
        warnings.append("Numéro de lot absent du code : saisissez-le depuis la boîte.")
    presentation = catalogue.by_gtin(box.gtin)
    if presentation is None:
        where = (
            f"le code CIP13 {box.cip13} n'est pas dans le catalogue des vaccins"
            if box.cip13
            else f"le GTIN {box.gtin} n'est pas un code de présentation française (CIP13)"
        )
        return ScanResolution(
            box=box,
            status="inconnu",
            presentation=None,
            choices=catalogue.vaccines(),
            message=(
                f"Boîte non reconnue : {where}. Choisissez le vaccin dans la liste (ou importez "
                "la base publique des médicaments) ; lot et péremption lus sont conservés."
            ),
            warnings=tuple(warnings),
        )
    if not presentation.verified:
        warnings.append(
            f"Code CIP13 {presentation.cip13} issu du catalogue d'esante, non vérifié contre la "
            "base publique des médicaments : contrôlez le nom du vaccin sur la boîte."
        )
    vaccine = presentation.vaccine
    if vaccine.code is None:
        warnings.append(
            "Code CIS ou classe ATC du vaccin inconnus : importez la base publique des "
            "médicaments ou choisissez le vaccin dans la liste avant la note de vaccination."
        )
    return ScanResolution(
        box=box,
        status="reconnu",
        presentation=presentation,
        choices=(),
        message=f"{vaccine.name} — lot {box.lot or '?'}"
        + (f", à utiliser avant le {_fmt(box.expiry)}" if box.expiry else ""),
        warnings=tuple(warnings),
    )


def scan_text(
    raw: str,
    *,
    today: date,
    session: Session | None = None,
    catalogue: VaccineCatalogue | None = None,
) -> ScanResolution:
    """Parse and resolve a scanner string (:func:`parse_datamatrix`, :func:`resolve_box`)."""
    box = parse_datamatrix(raw)
    return resolve_box(box, catalogue or load_catalogue(session), today)


def scan_image(
    data: bytes,
    *,
    today: date,
    session: Session | None = None,
    catalogue: VaccineCatalogue | None = None,
) -> ScanResolution:
    """Decode a photo of the box (:func:`decode_image`), then as :func:`scan_text`."""
    return scan_text(decode_image(data), today=today, session=session, catalogue=catalogue)


__all__ = ["ScanResolution", "load_catalogue", "resolve_box", "scan_image", "scan_text"]
