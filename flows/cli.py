"""The `docintake` command line. Each command is a thin wrapper: parse options, call a flow or
a pipeline step, print where the results are, and exit with a documented code."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from flows.settings import configure_prefect
from pipeline.errors import UsageError
from schemas.report import PROCEDURE_IDS, Report

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNREADABLE = 3

app = typer.Typer(
    name="docintake",
    help=(
        "Check immigration case files before filing: read passports, residence cards, ED "
        "cards and application forms, check them against the procedure's checklist, and "
        "write report.json and report.html per case.\n\n"
        "Start with: docintake run samples/inbox --out out/demo --as-of 2026-11-23"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold personal data
)
console = Console(stderr=True)


def _parse_as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-11-23") from None


def _check_procedure(value: str | None) -> str | None:
    if value is not None and value not in PROCEDURE_IDS:
        raise typer.BadParameter(f"unknown procedure {value!r}; one of: {', '.join(PROCEDURE_IDS)}")
    return value


InboxArg = Annotated[
    Path,
    typer.Argument(help="Folder of scans: each subfolder is a case, each loose file a case."),
]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Where reports are written.")]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Judge validity as of this date (YYYY-MM-DD); default today."),
]


@app.command()
def run(
    inbox: InboxArg,
    out: OutOption,
    procedure: Annotated[
        str | None,
        typer.Option(
            help="Procedure for cases that neither case.yaml nor a form's title names: "
            + ", ".join(PROCEDURE_IDS),
            callback=_check_procedure,
        ),
    ] = None,
    as_of: AsOfOption = None,
    workers: Annotated[int, typer.Option(min=1, help="Files read at once (one core each).")] = 2,
    checklists: Annotated[
        Path | None,
        typer.Option(help="Folder of an office's checklist YAML files that add or override items."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Redo cases whose reports are up to date.")] = False,
) -> None:
    """Read every case of INBOX and write OUT/<case>/report.json and report.html, plus
    OUT/summary.json and OUT/summary.csv. INBOX is never changed.

    Exit codes: 0 every case processed; 2 bad usage or configuration; 3 processed, but at
    least one file could not be read (see UNREADABLE_FILE in its case's report).
    """
    configure_prefect()
    from flows.batch import run_batch

    judged_on = _parse_as_of(as_of)
    if not inbox.is_dir():
        console.print(f"[red]{inbox} is not a folder.[/] Give the folder of scans to read.")
        raise typer.Exit(EXIT_USAGE)
    with Progress(
        TextColumn("[bold]reading files"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task_id = bar.add_task("read", total=None)

        def show(done: int, total: int, skipped: int) -> None:
            bar.update(task_id, completed=done, total=total)

        try:
            summaries = run_batch(
                inbox,
                out,
                as_of=judged_on,
                procedure=procedure,
                workers=workers,
                checklists_dir=checklists,
                force=force,
                progress=show,
            )
        except UsageError as error:
            console.print(f"[red]{error}[/]")
            raise typer.Exit(EXIT_USAGE) from None
    table = Table(title=f"docintake: {len(summaries)} case(s), as of {judged_on}")
    for column in ("case", "procedure", "verdict", "missing", "unreadable"):
        table.add_column(column)
    colours = {"complete": "green", "incomplete": "red", "needs_review": "yellow"}
    for row in summaries:
        table.add_row(
            row.case_id,
            row.procedure,
            f"[{colours[row.verdict]}]{row.verdict}[/]",
            ", ".join(row.missing),
            str(row.errors or ""),
        )
    Console().print(table)
    Console().print(
        f"Reports: {out.resolve()}/<case>/report.html  (summary: {out / 'summary.csv'})"
    )
    raise typer.Exit(EXIT_UNREADABLE if any(row.errors for row in summaries) else EXIT_OK)


@app.command()
def schema() -> None:
    """Print the JSON Schema of report.json."""
    print(json.dumps(Report.model_json_schema(), indent=2))


@app.command()
def samples(
    out: Annotated[Path, typer.Argument(help="Folder to write the synthetic cases into.")],
    seed: Annotated[int, typer.Option(help="Same seed, same documents.")] = 7,
    cases: Annotated[int, typer.Option(min=1, help="How many cases to render.")] = 14,
    as_of: AsOfOption = None,
) -> None:
    """Render synthetic cases (with truth.json each) for all seven procedures."""
    from samples.generate import generate_samples

    judged_on = _parse_as_of(as_of) if as_of else date(2026, 11, 23)
    truths = generate_samples(out, seed=seed, cases=cases, as_of=judged_on)
    Console().print(f"Wrote {len(truths)} case(s) to {out.resolve()} (as of {judged_on}).")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    app()


if __name__ == "__main__":
    main()
