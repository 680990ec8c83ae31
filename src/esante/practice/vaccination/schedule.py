"""The French vaccination schedule (calendrier des vaccinations 2025) for one patient.

The schedule is data (``data/calendrier_2025.json``, which cites the calendar): series
(DTCaP, Hib, hepatitis B, pneumococcus, meningococci B and ACWY, MMR, papillomavirus),
each with schemes chosen by the age at the series' first dose — the routine infant
scheme, and the catch-up schemes of the calendar's tables (fewer doses when started
late, limits of age). From the vaccinations recorded (given here or read from received
notes, :class:`GivenDose`) :func:`plan` says, on a day, per series, the next dose and
whether it is **overdue** (``en_retard``), **due** (``a_faire``) or **next**
(``a_venir``), and the doses of the next visit.

A dose is due at the later of its recommended age and the previous dose plus the
minimal interval; it is on schedule for its window, overdue after it, and no longer
proposed once the series' age limit is reached. Pure: no database, the day is given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from esante.cda.build.ages import add_period

DoseStatus = Literal["en_retard", "a_faire", "a_venir"]
SeriesStatus = Literal["complet", "en_cours", "non_commence", "hors_age", "non_concerne"]
STATUS_LABELS: dict[str, str] = {
    "en_retard": "en retard (rattrapage)",
    "a_faire": "à faire",
    "a_venir": "à venir",
    "complet": "à jour",
    "en_cours": "en cours",
    "non_commence": "non commencé",
    "hors_age": "âge de rattrapage dépassé",
    "non_concerne": "non concerné",
}


@dataclass(frozen=True)
class DoseRule:
    rank: int
    age: str | None
    min_interval: str | None
    window: str
    booster: bool


@dataclass(frozen=True)
class Scheme:
    start: str
    end: str | None
    label: str
    doses: tuple[DoseRule, ...]


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    counts: tuple[frozenset[str], ...]
    product_antigens: tuple[str, ...]
    combined_with: tuple[str, ...]
    mandatory: bool
    until: str | None
    born_from: date | None
    schemes: tuple[Scheme, ...]

    def counts_dose(self, antigens: frozenset[str]) -> bool:
        return any(needed <= antigens for needed in self.counts)


@dataclass(frozen=True)
class Calendar:
    series: tuple[Series, ...]
    source: str

    def get(self, key: str) -> Series:
        return next(s for s in self.series if s.key == key)


@dataclass(frozen=True)
class GivenDose:
    """A vaccination the schedule counts: its day and the antigens it covered."""

    on: date
    antigens: frozenset[str]


@dataclass(frozen=True)
class PlannedDose:
    """The next dose of a series for this patient."""

    series: str
    label: str
    rank: int
    booster: bool
    due_on: date
    window_end: date
    status: DoseStatus
    scheme: str
    catch_up: bool
    product_antigens: tuple[str, ...]


@dataclass(frozen=True)
class SeriesState:
    series: str
    label: str
    mandatory: bool
    status: SeriesStatus
    given: tuple[date, ...]
    scheme: str | None
    next: PlannedDose | None


@dataclass(frozen=True)
class VaccinationPlan:
    """Where a patient stands on ``on``."""

    on: date
    birth: date
    series: tuple[SeriesState, ...]

    def _doses(self, status: DoseStatus) -> tuple[PlannedDose, ...]:
        found = [s.next for s in self.series if s.next is not None and s.next.status == status]
        return tuple(sorted(found, key=lambda d: (d.due_on, d.series)))

    @property
    def overdue(self) -> tuple[PlannedDose, ...]:
        return self._doses("en_retard")

    @property
    def due(self) -> tuple[PlannedDose, ...]:
        return self._doses("a_faire")

    @property
    def upcoming(self) -> tuple[PlannedDose, ...]:
        return self._doses("a_venir")

    @property
    def next_visit(self) -> tuple[PlannedDose, ...]:
        """The doses to give next: overdue and due ones now, else the earliest upcoming."""
        now = self.overdue + self.due
        if now:
            return now
        upcoming = self.upcoming
        if not upcoming:
            return ()
        first = upcoming[0].due_on
        return tuple(d for d in upcoming if d.due_on == first)


def _series(raw: dict[str, Any]) -> Series:
    return Series(
        key=raw["key"],
        label=raw["label"],
        counts=tuple(frozenset(c) for c in raw["counts"]),
        product_antigens=tuple(raw["product_antigens"]),
        combined_with=tuple(raw["combined_with"]),
        mandatory=raw["mandatory"],
        until=raw["until"],
        born_from=date.fromisoformat(raw["born_from"]) if raw["born_from"] else None,
        schemes=tuple(
            Scheme(
                start=s["start"][0],
                end=s["start"][1],
                label=s["label"],
                doses=tuple(
                    DoseRule(d["rank"], d["age"], d["min_interval"], d["window"], d["booster"])
                    for d in s["doses"]
                ),
            )
            for s in raw["schemes"]
        ),
    )


@lru_cache(maxsize=1)
def calendar_2025() -> Calendar:
    """``data/calendrier_2025.json``."""
    raw: dict[str, Any] = json.loads(
        resources.files("esante.practice.vaccination")
        .joinpath("data/calendrier_2025.json")
        .read_text("utf-8")
    )
    return Calendar(tuple(_series(s) for s in raw["series"]), raw["source"])


def _scheme(series: Series, birth: date, start_day: date) -> tuple[int, Scheme] | None:
    """The scheme of a series begun (or to begin) on ``start_day``: the routine one while
    its first dose is on schedule, else the one whose start window holds that day."""
    routine = series.schemes[0]
    first = routine.doses[0]
    if first.age is not None and start_day < add_period(add_period(birth, first.age), first.window):
        return 0, routine
    for index, scheme in enumerate(series.schemes):
        low = add_period(birth, scheme.start)
        high = add_period(birth, scheme.end) if scheme.end else None
        if low <= start_day and (high is None or start_day < high):
            return index, scheme
    if start_day < add_period(birth, series.schemes[0].start):
        return 0, series.schemes[0]  # not yet of age: the first scheme is ahead
    return None


def series_state(series: Series, birth: date, on: date, given: Sequence[date]) -> SeriesState:
    """Where one series stands on ``on`` for a person born ``birth`` given ``given``."""
    dates = tuple(sorted(given))

    def state(status: SeriesStatus, scheme: str | None = None) -> SeriesState:
        return SeriesState(series.key, series.label, series.mandatory, status, dates, scheme, None)

    if series.born_from is not None and birth < series.born_from:
        return state("non_concerne")
    limit = add_period(birth, series.until) if series.until else None
    chosen = _scheme(series, birth, dates[0] if dates else on)
    if chosen is None:
        return state("hors_age")
    index, scheme = chosen
    if len(dates) >= len(scheme.doses):
        return state("complet", scheme.label)
    if limit is not None and on >= limit:
        return state("hors_age", scheme.label)
    rule = scheme.doses[len(dates)]
    due = add_period(birth, rule.age) if rule.age else add_period(birth, scheme.start)
    if dates and rule.min_interval:
        due = max(due, add_period(dates[-1], rule.min_interval))
    if not dates and rule.age is None:
        due = max(due, on) if index > 0 and on > due else due
    window_end = add_period(due, rule.window)
    if limit is not None:
        window_end = min(window_end, limit)
    status: DoseStatus = "a_venir" if on < due else "a_faire" if on < window_end else "en_retard"
    if index > 0 and not dates and rule.age is None:
        # a catch-up scheme chosen at today's age: the dose is owed since the scheme began
        status = "en_retard"
    planned = PlannedDose(
        series=series.key,
        label=series.label,
        rank=rule.rank,
        booster=rule.booster,
        due_on=due,
        window_end=window_end,
        status=status,
        scheme=scheme.label,
        catch_up=index > 0,
        product_antigens=series.product_antigens,
    )
    return SeriesState(
        series.key,
        series.label,
        series.mandatory,
        "en_cours" if dates else "non_commence",
        dates,
        scheme.label,
        planned,
    )


def plan(
    birth: date, on: date, history: Iterable[GivenDose], calendar: Calendar | None = None
) -> VaccinationPlan:
    """The patient's plan on ``on`` from the doses recorded (any order, any source)."""
    calendar = calendar or calendar_2025()
    doses = [d for d in history if d.on <= on]
    states = tuple(
        series_state(s, birth, on, [d.on for d in doses if s.counts_dose(d.antigens)])
        for s in calendar.series
    )
    return VaccinationPlan(on=on, birth=birth, series=states)


def group_for_products(doses: Sequence[PlannedDose]) -> list[tuple[PlannedDose, ...]]:
    """The doses of one day grouped as one injection each where a combined vaccine
    covers them together (DTCaP + Hib + HepB → a hexavalent vaccine), by the series'
    ``combined_with``; ``covers(antigens)`` is left to the caller's catalogue."""
    by_key = {d.series: d for d in doses}
    calendar = calendar_2025()
    used: set[str] = set()
    groups: list[tuple[PlannedDose, ...]] = []
    for dose in doses:
        if dose.series in used:
            continue
        partners = [
            by_key[k]
            for k in calendar.get(dose.series).combined_with
            if k in by_key and k not in used and by_key[k].due_on == dose.due_on
        ]
        group = (dose, *partners)
        used.update(d.series for d in group)
        groups.append(group)
    return groups


__all__ = [
    "STATUS_LABELS",
    "Calendar",
    "DoseRule",
    "GivenDose",
    "PlannedDose",
    "Scheme",
    "Series",
    "SeriesState",
    "VaccinationPlan",
    "calendar_2025",
    "group_for_products",
    "plan",
    "series_state",
]
