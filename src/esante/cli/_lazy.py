"""Command groups imported only when they run: ``esante cda validate`` pays for ``cda`` alone.

Importing every command module up front cost ~1 s on every command (issue 17: the
database layer, the DMP client, the web service, the sandbox... for a command that
validates one document), before any work. :class:`LazyGroup` keeps, for each command, the
module and attribute that define it and its one-line summary, the way ``pip`` keeps its
``commands_dict`` (module, class, summary): ``esante --help`` lists every command from
the summaries without importing them, and a command's module is imported when the command
is resolved (run, or its own ``--help``). click's documented extension point for this is
``list_commands`` / ``get_command`` ("Lazily Loading Subcommands" in click's guide).

The summaries repeat the first paragraph of each command's help, so
``tests/unit/test_cli_help.py`` checks that each one is still what the loaded command
says and that every entry resolves, so a summary that drifts or a module that moves fails
there rather than in front of a user.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from typing import ClassVar

import typer
import typer.main
from typer._click.core import Command, Context
from typer._click.exceptions import UsageError
from typer._click.formatting import HelpFormatter
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup

from esante.cli._help import use_french_help

__all__ = ["LazyCommand", "LazyGroup", "load_command"]


@dataclass(frozen=True)
class LazyCommand:
    """Where a command is defined, and what ``esante --help`` says of it.

    ``attr`` names either a ``typer.Typer`` (a command group: ``esante cda …``) or a
    function (a single command: ``esante feed``). ``summary`` is the first paragraph of
    its help, as the loaded command gives it.
    """

    module: str
    attr: str
    summary: str


def load_command(name: str, entry: LazyCommand) -> Command:
    """Import ``entry``'s module and build its click command, named ``name``.

    Built the way ``app.add_typer`` / ``app.command`` build them under the root (typer's
    public ``get_command`` on a one-entry holder), so options, help and behaviour are
    those of an eagerly registered command.
    """
    target = getattr(importlib.import_module(entry.module), entry.attr)
    holder = typer.Typer(rich_markup_mode=None, add_completion=False)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)  # a holder with a group is built as a group
        built = typer.main.get_command(holder)
        command: Command = built.commands[name]  # type: ignore[attr-defined]
    else:
        holder.command(name)(target)
        command = typer.main.get_command(holder)
    use_french_help(command)
    return command


class LazyGroup(TyperGroup):
    """A typer group whose :attr:`lazy_commands` are imported on first use.

    Eagerly registered commands (``app.add_typer``, ``app.command``) keep working; the
    lazy ones come after them in the listing, in the mapping's order.
    """

    lazy_commands: ClassVar[Mapping[str, LazyCommand]] = {}

    def list_commands(self, ctx: Context) -> list[str]:
        names = list(super().list_commands(ctx))
        return names + [name for name in self.lazy_commands if name not in self.commands]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            command = load_command(cmd_name, self.lazy_commands[cmd_name])
            self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The command list, from the summaries for the commands not imported yet."""
        names = [
            name
            for name in self.list_commands(ctx)
            if name not in self.commands or not self.commands[name].hidden
        ]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)  # as click does
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is not None:
                rows.append((name, command.get_short_help_str(limit)))
            else:
                rows.append(
                    (name, make_default_short_help(self.lazy_commands[name].summary, limit))
                )
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        """typer's resolution, with "did you mean" suggestions among the lazy names too."""
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            if self.suggest_commands and args and "Did you mean" not in exc.message:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    hint = ", ".join(repr(match) for match in matches)
                    exc.message = f"{exc.message.rstrip('.')}. Did you mean {hint}?"
            raise
