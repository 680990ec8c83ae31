"""Every ``--help`` page of `esante` is French, frame included (issue 11, item 5).

Walks the whole command tree, so a new command or a typer upgrade that brings back an
English frame word fails here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer.main
from typer.testing import CliRunner

from esante.cli.main import app

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


def _paths(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
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
