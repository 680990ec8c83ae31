"""The child's vaccinations, as the vaccination record exposes them: a small optional hook.

The vaccination record (``practice/vaccination``) is built apart; the child record only
reads from it, through one function registered with :func:`use_vaccination_source` (the
vaccination module registers it, a test registers its own). Without a source the child
record knows no vaccination: the forms say so, and a certificate — whose Vaccinations
section needs at least one entry (IHE PCC) — is refused by its builder with a French
message until the vaccinations are entered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy.orm import Session

from esante.cda.clinical import Immunization

VaccinationSource = Callable[[Session, int, date], Sequence[Immunization]]
"""``(session, patient_id, on)`` → the vaccinations given up to ``on``, oldest first."""

_source: list[VaccinationSource] = []


def use_vaccination_source(source: VaccinationSource | None) -> None:
    """Register (or with None, remove) the function giving a patient's vaccinations."""
    _source.clear()
    if source is not None:
        _source.append(source)


def recorded_vaccinations(session: Session, patient_id: int, on: date) -> tuple[Immunization, ...]:
    """The patient's vaccinations up to ``on`` from the registered source (none without)."""
    if not _source:
        return ()
    return tuple(_source[0](session, patient_id, on))


def vaccination_text(item: Immunization) -> str:
    """``Infanrix hexa, 1re dose, le 27/12/2025`` as a form shows a vaccination."""
    name = item.vaccine.display or item.vaccine.code
    rank = f", dose {item.dose_rank}" if item.dose_rank else ""
    done = "" if item.given else " (non faite)"
    return f"{name}{rank}, le {item.date:%d/%m/%Y}{done}"
