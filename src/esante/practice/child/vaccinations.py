"""The child's vaccinations, as the vaccination record exposes them: a small hook.

The vaccination record (:mod:`esante.practice.vaccination`) is built apart; the child
record only reads it: by default the vaccinations it stores (given here, imported from
the DMP or received by MSSanté; :func:`esante.practice.vaccination.history.patient_vaccinations`)
as CDA immunizations (vaccine by CIS with its ATC, else by ATC), or what another function
registered with :func:`use_vaccination_source` gives (a test, a demo). A record without
vaccination gives none: the forms say so, and a certificate — whose Vaccinations section
needs at least one entry (IHE PCC) — is refused by its builder with a French message
until the vaccinations are entered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy.orm import Session

from esante.cda import vocabulary as v
from esante.cda.clinical import Immunization
from esante.cda.examples.vaccination import antigen
from esante.cda.model import Code
from esante.store.vaccination_models import Vaccination

VaccinationSource = Callable[[Session, int, date], Sequence[Immunization]]
"""``(session, patient_id, on)`` → the vaccinations given up to ``on``, oldest first."""

_source: list[VaccinationSource] = []

CSE_ANTIGEN: dict[str, str] = {
    "D": "J07CA01",
    "d": "J07CA01",
    "T": "J07CA01",
    "P": "J07CA01",
    "Ca": "J07AJ",
    "ca": "J07AJ",
    "Hib": "J07AG",
    "HepB": "J07BC01",
    "Pn": "J07AL",
    "MenACWY": "J07AH08",
    "MenB": "J07AH09",
    "ROR": "J07BD52",
    "BCG": "J07AN",
}
"""Valence of the vaccination record → antigen of the certificates' value sets
(JDV_VaccinCSE9_CISIS / JDV_VaccinCSE24_CISIS: the CS9 and CS24 list vaccinations antigen
by antigen, ATC classes; diphtérie, tétanos and polio are one entry). A valence they do
not list (HPV, rotavirus, méningocoque C alone) is not on the certificates."""


def use_vaccination_source(source: VaccinationSource | None) -> None:
    """Register (or with None, remove) the function giving a patient's vaccinations."""
    _source.clear()
    if source is not None:
        _source.append(source)


def immunization_of(row: Vaccination) -> Immunization | None:
    """A stored vaccination as a CDA immunization; None when it names no CIS nor ATC."""
    atc = (Code(row.atc, v.ATC, row.atc, "ATC"),) if row.atc else ()
    if row.cis:
        vaccine = Code(row.cis, v.CIS, row.vaccine_name, "CIS", translations=atc)
    elif row.atc:
        vaccine = Code(row.atc, v.ATC, row.vaccine_name, "ATC")
    else:
        return None
    return Immunization(
        vaccine=vaccine,
        date=row.administered_on,
        lot=row.lot,
        expiry=row.expiry,
        route=Code(row.route_code, v.EDQM, row.route_label, "EDQM") if row.route_code else None,
        site=Code(row.site_code, v.SNOMED_CT, row.site_label, "SNOMED CT")
        if row.site_code
        else None,
        dose_rank=row.dose_rank,
        booster=row.booster,
    )


def antigen_entries(row: Vaccination) -> tuple[Immunization, ...]:
    """A stored vaccination as the certificates list it: one entry per CSE antigen."""
    from esante.practice.vaccination.catalogue import valences_of_atc

    valences = row.valences.split() or list(valences_of_atc(row.atc))
    codes = dict.fromkeys(CSE_ANTIGEN[x] for x in valences if x in CSE_ANTIGEN)
    return tuple(
        Immunization(
            vaccine=antigen(code),
            date=row.administered_on,
            route=Code(row.route_code, v.EDQM, row.route_label, "EDQM") if row.route_code else None,
            site=Code(row.site_code, v.SNOMED_CT, row.site_label, "SNOMED CT")
            if row.site_code
            else None,
            dose_rank=row.dose_rank,
            booster=row.booster,
        )
        for code in codes
    )


def _vaccination_record(
    session: Session, patient_id: int, on: date, per_antigen: bool
) -> tuple[Immunization, ...]:
    # imported here: the vaccination record is read only when no other source is set
    from esante.practice.vaccination.history import patient_vaccinations

    rows = [r for r in patient_vaccinations(session, patient_id) if r.administered_on <= on]
    if per_antigen:
        return tuple(i for r in rows for i in antigen_entries(r))
    found = (immunization_of(r) for r in rows)
    return tuple(i for i in found if i is not None)


def recorded_vaccinations(
    session: Session, patient_id: int, on: date, *, per_antigen: bool = False
) -> tuple[Immunization, ...]:
    """The patient's vaccinations up to ``on``: the registered source's, else the
    vaccination record's — by product, or ``per_antigen`` as the certificates want them."""
    if not _source:
        return _vaccination_record(session, patient_id, on, per_antigen)
    return tuple(_source[0](session, patient_id, on))


def vaccination_text(item: Immunization) -> str:
    """``Infanrix hexa, 1re dose, le 27/12/2025`` as a form shows a vaccination."""
    name = item.vaccine.display or item.vaccine.code
    rank = f", dose {item.dose_rank}" if item.dose_rank else ""
    done = "" if item.given else " (non faite)"
    return f"{name}{rank}, le {item.date:%d/%m/%Y}{done}"
