"""Reading the console's forms: the fields as text, dates typed by a person, French errors.

A form is read once (``application/x-www-form-urlencoded`` or multipart), each field
stripped; an empty optional field is "absent". Dates are accepted as ``AAAA-MM-JJ`` (the
browser's date input) or ``JJ/MM/AAAA`` (typed), and refused naming the field.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import Request

from esante.practice.errors import PracticeValidationError

__all__ = ["FormError", "form_fields", "optional", "parse_day"]

MAX_FIELD = 10_000


class FormError(PracticeValidationError):
    """A console form field is missing or malformed (French message, field named)."""


async def form_fields(request: Request) -> dict[str, str]:
    """The form's text fields (the last value of a repeated field; files left out)."""
    form = await request.form()
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields[key] = value.strip()[:MAX_FIELD]
    return fields


def optional(fields: dict[str, str], name: str) -> str | None:
    """The field's value, or None when empty."""
    value = fields.get(name, "").strip()
    return value or None


def parse_day(value: str, field: str, label: str) -> date | None:
    """A date typed in a form (``AAAA-MM-JJ`` or ``JJ/MM/AAAA``); None when empty."""
    text = (value or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise FormError(
        f"{label} invalide : saisissez-la au format JJ/MM/AAAA.",
        detail=f"{field}: {text[:40]!r} is not a date",
        field=field,
    )
