"""Every ``--help`` page of `esante` is French, frame included (issue 11, item 5).

Walks the whole command tree, so a new command or a typer upgrade that brings back an
English frame word fails here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer._click as click
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from esante.cli._lazy import load_command
from esante.cli.main import COMMANDS, app

runner = CliRunner()

ENGLISH_FRAME = (
    "Usage:",
    "Commands:",
    "Show this message and exit.",
    "[required]",
    "[default:",
    "env var:",
    "Install completion",
    "Print the version",
)


def _paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command below ``command``, through click's API (``list_commands`` /
    ``get_command``), which also resolves the root's lazily imported commands."""
    yield path
    if isinstance(command, TyperGroup):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from _paths(sub, (*path, name))


PATHS = sorted(_paths(typer.main.get_command(app)))


def test_the_tree_is_walked() -> None:
    assert ("outbox", "show") in PATHS
    assert ("sandbox", "dmp", "create") in PATHS
    assert len(PATHS) > 40


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "esante")
def test_help_is_french(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Utilisation : esante" in result.output
    assert "Affiche cette aide et quitte." in result.output
    frame = result.output
    if not path:  # the settings' own descriptions (config.SETTINGS_HELP) are not the frame
        frame = frame.split("ESANTE_HOME", 1)[0] + frame.rsplit("Options:", 1)[-1]
    for english in ENGLISH_FRAME:
        assert english not in frame, (path, english)


def test_every_command_is_listed_with_its_own_summary() -> None:
    """``esante --help`` lists the commands without importing them (summaries kept in
    ``main.COMMANDS``): each summary must still be the first paragraph of the help of the
    command it names, and every command must be listed."""
    for name, entry in COMMANDS.items():
        command = load_command(name, entry)
        assert command.get_short_help_str(10_000) == entry.summary, name
    lazy = typer.main.get_command(app)
    loaded = typer.main.get_command(app)
    ctx = loaded.context_class(loaded, info_name="esante")
    for name in loaded.list_commands(ctx):  # type: ignore[attr-defined]
        loaded.get_command(ctx, name)  # type: ignore[attr-defined]
    assert set(loaded.commands) == set(COMMANDS)  # type: ignore[attr-defined]
    assert not lazy.commands  # type: ignore[attr-defined]
    page = lazy.get_help(lazy.context_class(lazy, info_name="esante"))
    assert page == loaded.get_help(ctx)
    for name in COMMANDS:
        assert f"\n  {name} " in page.split("Commandes:", 1)[1], name


def test_a_command_module_is_imported_only_when_used() -> None:
    """``esante --help`` and ``esante cda validate --help`` do not import the database
    layer nor the other command groups (a fresh interpreter: this one has them all)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from esante.cli.main import app\n"
        "for args in (['--help'], ['cda', 'validate', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('esante.cli.', 'sqlalchemy')))\n"
        "print(' '.join(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.split()
    assert "esante.cli.cda" in out
    for absent in ("esante.cli.dmp", "esante.cli.serve", "esante.cli.outbox", "sqlalchemy"):
        assert absent not in out, (absent, out)
