"""Command-line usage errors in French.

typer (its own copy of click, with pydantic converting the values) writes its usage
errors in English: "Got unexpected extra argument(s)", "Missing option", "Input should be
a valid integer"... The root command group (:class:`esante.cli.main.EsanteGroup`) passes
every usage error through :func:`in_french`, which rebuilds the message from the error's
fields — the parameter and its kind, the unknown option, pydantic's error type and
limits — or, for the few messages given only as text, from typer's wording (the patterns
below). Option and argument names are kept as the user typed them; a wording not known
here is kept in English rather than lost. :class:`FrenchUsageError` prints the usage line,
the help hint and the message in French, with the usual exit status 2.

typer 0.29 keeps its click in the private module ``typer._click``: the exception classes
are imported from there, and ``tests/unit/test_cli_usage.py`` fails if that moves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any

from typer._click import exceptions as click_errors
from typer._click.utils import echo

__all__ = ["FrenchUsageError", "UsageError", "french_message", "in_french"]

UsageError = click_errors.UsageError

_KINDS = {"file": "Le fichier", "dir": "Le dossier", "path": "Le chemin"}
_PATH_STATES = {
    "does not exist": "n'existe pas",
    "is a file": "est un fichier, pas un dossier",
    "is a directory": "est un dossier, pas un fichier",
    "is not readable": "n'est pas lisible",
    "is not writable": "n'est pas accessible en écriture",
}


def _path(m: re.Match[str]) -> str:
    return f"{_KINDS.get(m['kind'].lower(), 'Le chemin')} {m['name']} {_PATH_STATES[m['state']]}."


_Builder = Callable[[re.Match[str]], str]
_TEXTS: tuple[tuple[re.Pattern[str], _Builder], ...] = tuple(
    (re.compile(pattern, re.DOTALL), build)
    for pattern, build in (
        (
            r"Got unexpected extra arguments?(?:\(s\))? \((?P<args>.*)\)",
            lambda m: f"argument(s) en trop : {m['args']}.",
        ),
        (r"Missing command\.", lambda m: "commande manquante."),
        (
            r"No such command (?P<name>'[^']*')\.(?: Did you mean (?P<hint>.+)\?)?",
            lambda m: (
                f"commande inconnue : {m['name']}."
                + (f" Vouliez-vous dire {m['hint']} ?" if m["hint"] else "")
            ),
        ),
        (
            r"Option (?P<name>'[^']*') requires an argument\.",
            lambda m: f"l'option {m['name']} attend une valeur.",
        ),
        (
            r"Option (?P<name>'[^']*') requires (?P<n>\d+) arguments\.",
            lambda m: f"l'option {m['name']} attend {m['n']} valeurs.",
        ),
        (
            r"Option (?P<name>'[^']*') does not take a value\.",
            lambda m: f"l'option {m['name']} ne prend pas de valeur.",
        ),
        (
            r"Argument (?P<name>'[^']*') takes (?P<n>\d+) values\.",
            lambda m: f"l'argument {m['name']} attend {m['n']} valeurs.",
        ),
        (
            r"(?:Value error, )?(?P<value>.+) is not one of (?P<choices>.+)\.",
            lambda m: f"{m['value']} ne fait pas partie des valeurs possibles : {m['choices']}.",
        ),
        (
            r"(?P<kind>file|dir|path) (?P<name>.+) (?P<state>" + "|".join(_PATH_STATES) + r")\.",
            _path,
        ),
        (r"Value must be an iterable\.", lambda m: "plusieurs valeurs attendues."),
    )
)


def _translate(text: str) -> str:
    """typer's English wording in French (unchanged when the wording is unknown)."""
    for pattern, build in _TEXTS:
        match = pattern.fullmatch(text.strip())
        if match is not None:
            return build(match)
    return text


def _quoted(value: object) -> str:
    return f"« {value} »"


_PYDANTIC: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    "int_parsing": lambda v, c: f"{_quoted(v)} n'est pas un nombre entier.",
    "int_from_float": lambda v, c: f"{_quoted(v)} n'est pas un nombre entier.",
    "int_type": lambda v, c: f"{_quoted(v)} n'est pas un nombre entier.",
    "float_parsing": lambda v, c: f"{_quoted(v)} n'est pas un nombre.",
    "float_type": lambda v, c: f"{_quoted(v)} n'est pas un nombre.",
    "bool_parsing": lambda v, c: (
        f"{_quoted(v)} n'est pas une valeur oui / non (true / false, 1 / 0)."
    ),
    "greater_than_equal": lambda v, c: f"{v} est trop petit : {c.get('ge')} au moins.",
    "greater_than": lambda v, c: f"{v} est trop petit : plus de {c.get('gt')} attendu.",
    "less_than_equal": lambda v, c: f"{v} est trop grand : {c.get('le')} au plus.",
    "less_than": lambda v, c: f"{v} est trop grand : moins de {c.get('lt')} attendu.",
    "date_parsing": lambda v, c: f"{_quoted(v)} n'est pas une date (AAAA-MM-JJ).",
    "date_from_datetime_parsing": lambda v, c: f"{_quoted(v)} n'est pas une date (AAAA-MM-JJ).",
    "datetime_parsing": lambda v, c: (
        f"{_quoted(v)} n'est pas une date et heure (AAAA-MM-JJTHH:MM)."
    ),
    "datetime_from_date_parsing": lambda v, c: (
        f"{_quoted(v)} n'est pas une date et heure (AAAA-MM-JJTHH:MM)."
    ),
    "enum": lambda v, c: (
        f"{_quoted(v)} ne fait pas partie des valeurs possibles : {c.get('expected')}."
    ),
    "literal_error": lambda v, c: (
        f"{_quoted(v)} ne fait pas partie des valeurs possibles : {c.get('expected')}."
    ),
    "string_too_short": lambda v, c: (
        f"{_quoted(v)} est trop court ({c.get('min_length')} caractère(s) au moins)."
    ),
    "string_too_long": lambda v, c: (
        f"valeur trop longue ({c.get('max_length')} caractère(s) au plus)."
    ),
}


def _value_message(exc: click_errors.BadParameter) -> str:
    """The French reason a value was refused: pydantic's error type when typer converted
    the value with pydantic (the cause), else typer's own wording."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
        except (IndexError, TypeError):
            first = None
        if isinstance(first, dict):
            build = _PYDANTIC.get(str(first.get("type")))
            if build is not None:
                return build(first.get("input"), dict(first.get("ctx") or {}))
            message = str(first.get("msg", ""))
            return _translate(message)
    return _translate(exc.message)


def _hint(exc: click_errors.BadParameter) -> str:
    """The parameter as typer names it: ``'--limit'``, ``'files'``."""
    hint = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint()
    if hint is None:
        return ""
    if isinstance(hint, str):
        return hint
    return " / ".join(f"'{h}'" for h in hint)


def _missing(exc: click_errors.MissingParameter) -> str:
    hint = _hint(exc)
    kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "")
    head = {
        "option": "Option obligatoire manquante",
        "argument": "Argument obligatoire manquant",
    }.get(kind, "Paramètre obligatoire manquant")
    text = f"{head} : {hint}." if hint else f"{head}."
    if exc.param is not None:
        choices = exc.param.get_missing_message(ctx=exc.ctx) or ""
        if choices.startswith("Choose from:"):
            values = [c.strip() for c in choices.split(":", 1)[1].split(",")]
            text += " Valeurs possibles : " + ", ".join(v for v in values if v) + "."
    return text


def french_message(exc: UsageError) -> str:
    """The French text of a usage error (parameter names kept as typer gives them)."""
    if isinstance(exc, click_errors.MissingParameter):
        return _missing(exc)
    if isinstance(exc, click_errors.BadParameter):
        hint = _hint(exc)
        where = f" pour {hint}" if hint else ""
        return f"Valeur invalide{where} : {_value_message(exc)}"
    if isinstance(exc, click_errors.NoSuchOption):
        text = f"Option inconnue : {exc.option_name}."
        if exc.possibilities:
            text += " Options proches : " + ", ".join(sorted(exc.possibilities)) + "."
        return text
    text = _translate(exc.message)
    return text[:1].upper() + text[1:]


class FrenchUsageError(click_errors.UsageError):
    """A usage error printed in French: usage line, help hint, message; exit status 2."""

    def show(self, file: IO[Any] | None = None) -> None:
        ctx = self.ctx
        color = ctx.color if ctx is not None else None
        if ctx is not None:
            usage = re.sub(r"^Usage:", "Utilisation :", ctx.get_usage())
            echo(usage, file=file, err=file is None, color=color)
            if ctx.command.get_help_option(ctx) is not None:
                echo(
                    f"Aide : {ctx.command_path} {ctx.help_option_names[0]}\n",
                    file=file,
                    err=file is None,
                    color=color,
                )
        echo(f"Erreur : {self.format_message()}", file=file, err=file is None, color=color)


def in_french(exc: UsageError) -> UsageError:
    """``exc`` as a :class:`FrenchUsageError` (the help shown for a bare group is kept)."""
    if isinstance(exc, FrenchUsageError | click_errors.NoArgsIsHelpError):
        return exc
    return FrenchUsageError(french_message(exc), exc.ctx)
