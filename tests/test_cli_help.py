"""`--help` is the first manual a user reads: its text must come out whole."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app


def _help(*command: str) -> str:
    done = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "220"})
    assert done.exit_code == 0, done.output
    return " ".join(done.output.split())


def test_command_summaries_flow_as_sentences_not_as_the_source_lines() -> None:
    # The docstring breaks its line after "plus"; on a wide terminal the summary must not.
    assert "report.html, plus OUT/summary.json" in _help()


@pytest.mark.parametrize(
    ("command", "placeholder"),
    [("run", "OUT/CASE/report.json"), ("watch", "OUT/CASE/originals/"), ("serve", "GET /cases/ID")],
)
def test_placeholders_in_help_survive_its_markup(command: str, placeholder: str) -> None:
    assert placeholder in _help(command)


def test_h_is_help_and_the_exit_codes_are_told() -> None:
    short = CliRunner().invoke(app, ["run", "-h"], env={"COLUMNS": "220"})
    assert short.exit_code == 0
    assert " ".join(short.output.split()) == _help("run")
    assert "Exit codes of every command: 0 done; 2 bad usage" in _help()


def test_version_is_printed() -> None:
    from importlib.metadata import version

    done = CliRunner().invoke(app, ["--version"])
    assert (done.exit_code, done.output.strip()) == (0, f"docintake {version('docintake')}")
