"""Every command and sub-command has help and a row in README.md's command table (like sqlite-utils' test_docs)."""

from __future__ import annotations

import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from cli import app
from tests.conftest import ROOT


def _walk(command, path: tuple[str, ...] = ()):
    """(path, command) of the root's every command and sub-command (typer ships its own click: duck-typed)."""
    yield path, command
    if _is_group(command):
        for name, sub in sorted(command.commands.items()):
            yield from _walk(sub, (*path, name))


def _is_group(command) -> bool:
    return isinstance(getattr(command, "commands", None), dict)


COMMANDS = [(" ".join(path), command) for path, command in _walk(get_command(app)) if path]


def _command_table() -> list[str]:
    """The rows of the table in README.md's "Commands" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `qa ")]


def _documented(path: str, rows: list[str]) -> bool:
    """A row whose command cell starts with ``qa PATH`` followed by an argument, an option or nothing."""
    pattern = re.compile(r"^\| `qa " + re.escape(path) + r"(`| [^a-z])")
    return any(pattern.match(row) for row in rows)


def test_the_walk_finds_groups_and_their_sub_commands():
    paths = {path for path, _ in COMMANDS}
    assert {"process", "calls", "calls set", "review open", "review show", "calibrate list", "learned", "rubric show"} <= paths


@pytest.mark.parametrize("path, command", COMMANDS, ids=[path for path, _ in COMMANDS])
def test_every_command_has_help(path, command):
    first_line = (command.help or command.short_help or "").strip().splitlines()
    assert first_line and first_line[0].strip(), f"`qa {path}` has no help text: give the function a docstring"
    result = CliRunner().invoke(app, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert first_line[0].strip()[:40] in " ".join(result.stdout.split())


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS])
def test_every_command_has_a_row_in_the_readme_command_table(path):
    rows = _command_table()
    command = dict(COMMANDS)[path]
    if _is_group(command) and not command.invoke_without_command:
        # a plain group (qa review, qa rubric, qa calibrate) is documented through its sub-commands
        assert any(_documented(f"{path} {name}", rows) for name in command.commands), f"no sub-command of `qa {path}` in README"
        return
    assert _documented(path, rows), f"`qa {path}` is missing from the command table in README.md (## Commands)"
