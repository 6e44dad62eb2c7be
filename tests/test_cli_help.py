"""What the command line prints is the first manual a user reads: its help and the table a
run ends with must come out whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import _print_results, app
from schemas.report import PROCEDURE_IDS, CaseSummary


def _help(*command: str, columns: int = 220) -> str:
    done = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": str(columns)})
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


def test_the_run_table_shows_names_as_given_and_why_cases_are_not_complete(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "[urgent]").mkdir(parents=True)
    (inbox / "[urgent]" / "empty.jpg").write_bytes(b"")
    done = CliRunner().invoke(
        app,
        ["run", str(inbox), "--out", str(tmp_path / "out"), "--as-of", "2026-11-23"],
        env={"COLUMNS": "220"},
    )
    assert done.exit_code == 3
    assert "[urgent]" in done.output and "unreadable" in done.output
    assert "UNREADABLE_FILE" in done.output
    (inbox / "[urgent]" / "empty.jpg").unlink()
    again = CliRunner().invoke(
        app,
        ["run", str(inbox), "--out", str(tmp_path / "out2"), "--as-of", "2026-11-23"],
        env={"COLUMNS": "220"},
    )
    assert again.exit_code == 0
    assert "unreadable" not in again.output and "PROCEDURE_UNKNOWN" in again.output


@pytest.mark.parametrize("command", ["run", "watch"])
def test_every_procedure_id_is_listed_whole_on_an_80_column_terminal(command: str) -> None:
    shown = _help(command, columns=80)
    assert all(procedure in shown for procedure in PROCEDURE_IDS)


@pytest.mark.parametrize("columns", [80, 90, 220])
def test_the_run_results_never_cut_a_code_in_two(tmp_path: Path, columns: int) -> None:
    inbox = tmp_path / "inbox"
    case = inbox / "Tanaka 2026-11 renewal walk-in"  # a long name Rich would shrink first
    case.mkdir(parents=True)
    (case / "empty.jpg").write_bytes(b"")
    (case / "case.yaml").write_text("procedure: certificate_of_eligibility\n")
    done = CliRunner().invoke(
        app,
        ["run", str(inbox), "--out", str(tmp_path / "out"), "--as-of", "2026-11-23"],
        env={"COLUMNS": str(columns)},
    )
    assert done.exit_code == 3
    for code in ("certificate_of_eligibility", "UNREADABLE_FILE", "MISSING_DOCUMENT"):
        assert code in done.output, done.output


def test_an_empty_inbox_says_so(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    done = CliRunner().invoke(
        app,
        ["run", str(tmp_path / "inbox"), "--out", str(tmp_path / "out")],
        env={"COLUMNS": "220"},
    )
    assert done.exit_code == 0 and "No cases found" in done.output


@pytest.mark.parametrize("columns", range(60, 130, 5))
def test_the_results_table_keeps_whole_codes_beside_a_long_case_name(
    columns: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    row = CaseSummary(
        case_id="Tanaka Hanako 2026-11 renewal walk-in",
        procedure="special_reentry",
        verdict="incomplete",
        missing=[],
        errors=0,
        findings=["FIELD_MISMATCH", "RESIDENCE_CARD_EXPIRED"],
    )
    _print_results([row], date(2026, 11, 23))
    shown = capsys.readouterr().out
    assert "RESIDENCE_CARD_EXPIRED" in shown and "FIELD_MISMATCH" in shown, shown


def test_serve_refuses_an_out_that_is_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "reports"
    a_file.write_text("not a folder")
    done = CliRunner().invoke(app, ["serve", "--out", str(a_file)], env={"COLUMNS": "220"})
    assert done.exit_code == 2 and "is a file, not a folder" in done.output


@pytest.mark.parametrize(
    "arguments",
    [["run", "INBOX", "--out", "OUT"], ["watch", "INBOX", "--out", "OUT"], ["samples", "OUT"]],
)
def test_a_bad_date_names_the_option_it_was_given_to(arguments: list[str], tmp_path: Path) -> None:
    folders = {"INBOX": str(tmp_path), "OUT": str(tmp_path / "out")}
    command = [folders.get(argument, argument) for argument in arguments]
    done = CliRunner().invoke(app, [*command, "--as-of", "2026-13-45"], env={"COLUMNS": "220"})
    assert done.exit_code == 2
    assert "Invalid value for '--as-of'" in " ".join(done.output.split())
