"""``--help`` pages in French.

typer writes the frame of its help pages in English ("Usage:", "Options", "Commands",
"[required]", "[default: …]", "Show this message and exit."), while every text esante
writes is French: a secretary reading ``esante outbox --help`` got two languages on one
screen (issue 11, item 5). click's extension point for this is the context's
``formatter_class``: :class:`FrenchHelpFormatter` translates the frame as it is written,
and :func:`use_french_help` gives every command of the tree a context using it (a
context does not inherit its formatter from its parent, so each command needs it).

A wording not listed here is left as typer wrote it rather than guessed;
``tests/unit/test_cli_help.py`` walks every command's help and fails on any of the
English frame words, so a typer upgrade that changes them is noticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from typer._click.core import Command, Context
from typer._click.formatting import HelpFormatter

__all__ = ["FrenchHelpFormatter", "use_french_help"]

_HEADINGS = {
    "Options": "Options",
    "Arguments": "Arguments",
    "Commands": "Commandes",
}
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Show this message and exit\."), "Affiche cette aide et quitte."),
    (re.compile(r"\[required\]"), "[obligatoire]"),
    (re.compile(r"\brequired\]"), "obligatoire]"),
    (re.compile(r"\[default: "), "[par défaut : "),
    (re.compile(r"; default: "), " ; par défaut : "),
    (re.compile(r"\[env var: "), "[variable d'environnement : "),
    (re.compile(r"; env var: "), " ; variable d'environnement : "),
    (re.compile(r"\(dynamic\)"), "(calculé)"),
    (re.compile(r"Install completion for the current shell\."), "Installe la complétion du shell."),
    (
        re.compile(
            r"Show completion for the current shell, to copy it or customize the installation\."
        ),
        "Affiche la complétion du shell, pour la copier ou l'adapter.",
    ),
)


def _french(text: str) -> str:
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    return text


class FrenchHelpFormatter(HelpFormatter):
    """click's help formatter, with the frame's words in French."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "Utilisation : " if prefix is None else prefix)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(_HEADINGS.get(name, name)):
            yield

    def write_dl(
        self,
        rows: Sequence[tuple[str, str]],
        col_max: int = 30,
        col_spacing: int = 2,
    ) -> None:
        super().write_dl([(term, _french(text)) for term, text in rows], col_max, col_spacing)


class FrenchContext(Context):
    """A click context whose help pages are written by :class:`FrenchHelpFormatter`."""

    formatter_class = FrenchHelpFormatter


def use_french_help(command: Command) -> None:
    """Give ``command`` and every command below it a :class:`FrenchContext`."""
    command.context_class = FrenchContext
    commands: dict[str, Command] = getattr(command, "commands", {})
    for sub in commands.values():
        use_french_help(sub)
