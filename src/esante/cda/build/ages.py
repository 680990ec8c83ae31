"""Ages a child health document is written at: the age windows and the refusal.

A health certificate, a child exam report and the child's measurements are facts about a
child of a given age: the CS9 is established at the exam "au cours du neuvième mois"
(Code de la santé publique, art. R.2132-1 to R.2132-3; arrêté du 26 février 2019 relatif
au calendrier des examens médicaux obligatoires de l'enfant, in force since 1 January
2025). A builder asked for such a document about a patient outside its window refuses it
with :func:`require_age` (a French :class:`~esante.cda.errors.CdaBuildError`); the
windows themselves are data (``data/child_exams.json``, :data:`esante.cda.build.mde`),
and :func:`esante.cda.build.child_exam.document_age_window` gives them by CI-SIS model
to whoever checks a received document.

Ages are calendar ages: a window is ``[birth + start, birth + end)`` where ``start`` and
``end`` are ISO 8601 periods of one unit (``P8D``, ``P2W``, ``P9M``, ``P18Y``); months and
years are added on the calendar, the day clamped to the end of a shorter month (a child
born on 31 January is one month old on 28 or 29 February, one born on 29 February one
year old on 28 February).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from esante.cda.errors import CdaBuildError

_PERIOD = re.compile(r"P(\d+)([YMWD])")
_UNITS = {"Y": ("an", "ans"), "M": ("mois", "mois"), "W": ("semaine", "semaines"),
          "D": ("jour", "jours")}  # fmt: skip


def add_period(day: date, period: str) -> date:
    """``day`` plus the one-unit ISO 8601 ``period`` (``P9M``), day clamped to month end."""
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise ValueError(f"unsupported period {period!r} (one unit: PnY, PnM, PnW or PnD)")
    count, unit = int(match.group(1)), match.group(2)
    if unit == "D":
        return day + timedelta(days=count)
    if unit == "W":
        return day + timedelta(weeks=count)
    months = count * 12 if unit == "Y" else count
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def period_text(period: str) -> str:
    """``P9M`` → ``9 mois``, ``P1Y`` → ``1 an``."""
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise ValueError(f"unsupported period {period!r}")
    count = int(match.group(1))
    one, many = _UNITS[match.group(2)]
    return f"{count} {one if count == 1 else many}"


def completed_months(birth: date, on: date) -> int:
    """Completed months of age on ``on`` (calendar months, day clamped like the windows)."""
    months = (on.year - birth.year) * 12 + on.month - birth.month
    return months - (1 if add_period(birth, f"P{max(months, 0)}M") > on else 0)


def age_text(birth: date, on: date) -> str:
    """The age as clinicians say it: days under a month, months under two years, years."""
    months = completed_months(birth, on)
    if months < 1:
        days = (on - birth).days
        return f"{days} jour" + ("s" if days > 1 else "")
    if months < 24:
        return f"{months} mois"
    years = months // 12
    return f"{years} ans"


@dataclass(frozen=True)
class AgeWindow:
    """Ages ``[start, end)`` as one-unit ISO 8601 periods; ``end`` None: no upper bound."""

    start: str
    end: str | None = None

    def __post_init__(self) -> None:
        add_period(date(2000, 1, 1), self.start)
        if self.end is not None:
            add_period(date(2000, 1, 1), self.end)

    def contains(self, birth: date, on: date) -> bool:
        """Whether a person born on ``birth`` is in the window on ``on``."""
        if on < add_period(birth, self.start):
            return False
        return self.end is None or on < add_period(birth, self.end)

    @property
    def label(self) -> str:
        """``de 8 mois à moins de 10 mois``, ``à partir de 65 ans``."""
        if self.end is None:
            return f"à partir de {period_text(self.start)}"
        if _PERIOD.fullmatch(self.start) and int(self.start[1:-1]) == 0:
            return f"de moins de {period_text(self.end)}"
        return f"de {period_text(self.start)} à moins de {period_text(self.end)}"


def require_age(
    document: str, window: AgeWindow, birth: date, on: date, *, field: str = "patient"
) -> None:
    """Refuse ``document`` (French name) about a patient outside ``window`` on ``on``.

    Raises :class:`CdaBuildError` saying the age the document is for and the patient's.
    """
    if window.contains(birth, on):
        return
    raise CdaBuildError(
        f"{document} concerne un enfant {window.label} ; le patient a "
        f"{age_text(birth, on)} le {on:%d/%m/%Y} (né le {birth:%d/%m/%Y}).",
        detail=f"age window [{window.start}, {window.end or '∞'}) does not contain "
        f"{on.isoformat()} for birth date {birth.isoformat()}",
        field=field,
    )
