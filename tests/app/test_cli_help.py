"""``podcast --help`` and every command's ``--help`` read as prose: no reStructuredText
backticks from the docstrings, and no line broken where the source was wrapped.

Rendered far wider than any text, so a line that ends short of its sentence can only be a
hard break: each summary in a command list is one line, each paragraph of a description one
line, each option's help one line (plus typer's own ``[default: ...]``/``[required]``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main
import typer.rich_utils
from typer.testing import CliRunner

from podcast.cli import app

WIDE = 1000
_TYPER_NOTES = re.compile(r"^\[(default: .*|required)\]$")


def command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from command_paths(sub, (*path, name))


PATHS = list(command_paths(typer.main.get_command(app)))


def test_every_command_is_covered() -> None:
    names = {" ".join(path) for path in PATHS}
    for expected in ("", "serve", "worker", "init", "import", "doctor", "check", "transcribe"):
        assert expected in names
    for group in ("token", "episode", "transcript", "jobs", "media", "analytics", "db"):
        assert any(name.startswith(f"{group} ") for name in names), group


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "podcast")
def test_help_reads_as_prose(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", WIDE)
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "``" not in text, text
    assert "\\f" not in text and "\f" not in text
    lines = [line.rstrip() for line in text.splitlines()]
    description = _description(lines)
    assert description, text
    for line in description:
        assert line.endswith((".", ")", ":")), f"a paragraph broken off: {line!r}\n{text}"
    for line in continued_rows(lines):
        if not _TYPER_NOTES.match(line):
            pytest.fail(f"a summary or help broken over two lines: {line!r}\n{text}")


def continued_rows(lines: list[str]) -> Iterator[str]:
    """The rows of the panels (commands, options, arguments) that carry on the row above: their
    text starts well right of where the panel's names start, under the help column."""
    panel: list[str] = []
    for line in lines:
        if line.startswith("╭"):
            panel = []
        elif line.startswith("╰"):
            rows = [row.removeprefix("│").removesuffix("│").rstrip() for row in panel]
            indents = [len(row) - len(row.lstrip()) for row in rows if row.strip()]
            for row, indent in zip([r for r in rows if r.strip()], indents, strict=True):
                if indent > min(indents) + 4:
                    yield row.strip()
        elif line.startswith("│"):
            panel.append(line)


def _description(lines: list[str]) -> list[str]:
    """The command's own text: the lines between its usage line and the first panel."""
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("Usage:"))
    end = next(i for i, line in enumerate(lines) if line.startswith("╭"))
    return [line.strip() for line in lines[start + 1 : end] if line.strip()]


def test_a_hard_break_would_be_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks above can fail: the help as typer's "rich" mode showed it (the docstring's
    line breaks kept in the list, ``code`` with its backticks)."""
    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", WIDE)
    monkeypatch.setattr(app, "rich_markup_mode", "rich")
    text = CliRunner().invoke(app, ["--help"]).output
    assert any(continued_rows([line.rstrip() for line in text.splitlines()]))
