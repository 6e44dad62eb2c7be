"""The `docintake` command line. Each command is a thin wrapper: parse options, call a flow or
a pipeline step, print where the results are, and exit with a documented code."""

from __future__ import annotations

import json
import signal
import threading
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from flows.settings import configure_logging, configure_prefect
from pipeline.errors import UsageError
from schemas.checklist import ChecklistError, load_checklists
from schemas.report import PROCEDURE_IDS, CaseSummary, Report

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNREADABLE = 3

app = typer.Typer(
    name="docintake",
    help=(
        "Check immigration case files before filing: read passports, residence cards, ED "
        "cards and application forms, check them against the procedure's checklist, and "
        "write report.json and report.html per case.\n\n"
        "Start with: docintake run samples/inbox --out out/demo --as-of 2026-11-23\n\n"
        "Exit codes of every command: 0 done; 2 bad usage or configuration (the message says "
        "what to change); 3 (run) processed, but a file could not be read: its case's report "
        "says which and why."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="markdown",
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold personal data
)
console = Console(stderr=True, soft_wrap=True)  # messages hold paths: never cut them


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        print(f"docintake {version('docintake')}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    pass


def _stop_for_usage(error: Exception) -> NoReturn:
    """Say what is wrong with how docintake was called or set up, and exit with 2."""
    console.print(f"[red]{escape(str(error))}[/]")
    raise typer.Exit(EXIT_USAGE) from None


def _parse_as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-11-23") from None


def _check_as_of(value: str | None) -> str | None:
    """Checked as the option is parsed, so that the error names the option."""
    if value is not None:
        _parse_as_of(value)
    return value


def _check_procedure(value: str | None) -> str | None:
    if value is not None and value not in PROCEDURE_IDS:
        raise typer.BadParameter(f"unknown procedure {value!r}; one of: {', '.join(PROCEDURE_IDS)}")
    return value


InboxArg = Annotated[
    Path,
    typer.Argument(
        metavar="INBOX", help="Folder of scans: each subfolder is a case, each loose file a case."
    ),
]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="Where reports are written.")]
ProcedureOption = Annotated[
    str | None,
    typer.Option(
        help="Procedure for cases that neither case.yaml nor a form's title names (ids below).",
        callback=_check_procedure,
    ),
]
PROCEDURE_EPILOG = "Procedure ids: " + ", ".join(f"`{p}`" for p in PROCEDURE_IDS) + "."
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Judge validity as of this date (YYYY-MM-DD); default today.",
        callback=_check_as_of,
    ),
]


@app.command(epilog=PROCEDURE_EPILOG)
def run(
    inbox: InboxArg,
    out: OutOption,
    procedure: ProcedureOption = None,
    as_of: AsOfOption = None,
    workers: Annotated[int, typer.Option(min=1, help="Files read at once (one core each).")] = 2,
    checklists: Annotated[
        Path | None,
        typer.Option(help="Folder of an office's checklist YAML files that add or override items."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Redo cases whose reports are up to date.")] = False,
    redact: Annotated[
        bool,
        typer.Option(help="Write report.html without field values or page crops, fit to share."),
    ] = False,
    max_pages: Annotated[
        int,
        typer.Option(min=1, help="Pages one file may have; longer files are reported, not read."),
    ] = 50,
) -> None:
    """Read every case of INBOX and write OUT/CASE/report.json and report.html, plus
    OUT/summary.json and OUT/summary.csv. INBOX is never changed.

    Exit codes: 0 every case processed; 2 bad usage or configuration; 3 processed, but at
    least one file could not be read (see UNREADABLE_FILE in its case's report).
    """
    configure_prefect()
    from flows.batch import run_batch
    from pipeline.case import RunSettings

    configure_logging()

    judged_on = _parse_as_of(as_of)
    if not inbox.is_dir():
        what = "is not a folder" if inbox.exists() else "does not exist"
        console.print(f"[red]{escape(str(inbox))} {what}.[/] Give the folder of scans to read.")
        raise typer.Exit(EXIT_USAGE)
    if checklists is not None:
        try:  # checked before any file is read, so a typo costs no OCR
            load_checklists(checklists)
        except ChecklistError as error:
            _stop_for_usage(error)
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
            settings = RunSettings(
                as_of=judged_on,
                procedure=procedure,
                checklists_dir=checklists,
                max_pages=max_pages,
                redact=redact,
            )
            summaries = run_batch(inbox, out, settings, workers=workers, force=force, progress=show)
        except UsageError as error:
            _stop_for_usage(error)
    _print_results(summaries, judged_on)
    root = out.resolve()
    # A path cut in two cannot be pasted, and brackets in it are not markup.
    paths = Console(soft_wrap=True, markup=False)
    paths.print(f"Reports: {root}/<case>/report.html")
    if summaries:
        paths.print(f"  e.g.   {root / summaries[0].case_id / 'report.html'}")
    paths.print(f"Summary: {root / 'summary.csv'}")
    raise typer.Exit(EXIT_UNREADABLE if any(row.errors for row in summaries) else EXIT_OK)


def _print_results(summaries: list[CaseSummary], judged_on: date) -> None:
    """A table of the cases; on a terminal too narrow for it whole, a block per case, since
    a code cut in two (FIELD_MISMA / TCH) can no longer be searched for."""
    if not summaries:
        console.print(
            "No cases found: INBOX holds no case folder and no file. Put each applicant's "
            "files in a folder of their own under it (or one file directly under it)."
        )
        return
    title = f"docintake: {len(summaries)} case(s), as of {judged_on}"
    colours = {"complete": "green", "incomplete": "red", "needs_review": "yellow"}
    unreadable = any(row.errors for row in summaries)  # the column shows only when needed

    def widest(header: str, lists: list[list[str]]) -> int:
        return max([len(header), *(len(item) for items in lists for item in items)])

    widths = {
        "case": len("case"),  # folds: an id may be cut, it is also the folder's name
        "procedure": widest("procedure", [[row.procedure] for row in summaries]),
        "verdict": widest("verdict", [[row.verdict] for row in summaries]),
        "missing": widest("missing", [row.missing for row in summaries]),
        **({"unreadable": len("unreadable")} if unreadable else {}),
        "findings": widest("findings", [row.findings for row in summaries]),
    }
    table = Table(title=title)
    for header, width in widths.items():
        if header == "case":
            table.add_column(header, min_width=width, overflow="fold")
        else:  # Rich would shrink these too, and then crop the table's right side
            table.add_column(header, min_width=width, no_wrap=True)
    for row in summaries:
        table.add_row(
            escape(row.case_id),  # a folder named [urgent] is a name, not markup
            row.procedure,
            f"[{colours[row.verdict]}]{row.verdict}[/]",
            "\n".join(row.missing),
            *([str(row.errors or "")] if unreadable else []),
            "\n".join(row.findings),
        )
    terminal = Console()
    borders = 3 * len(widths) + 1  # "│ " before each cell, " " after it, "│" at the end
    if sum(widths.values()) + borders <= terminal.width:
        terminal.print(table)
        return
    terminal.print(f"[bold]{title}[/]")
    for row in summaries:
        terminal.print(
            f"{escape(row.case_id)}  {row.procedure}  [{colours[row.verdict]}]{row.verdict}[/]"
        )
        lines = [("missing", row.missing), ("findings", row.findings)]
        if row.errors:
            lines.append(("unreadable", [str(row.errors)]))
        for label, items in lines:
            if items:
                terminal.print(f"    {label}: {', '.join(items)}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of report.json as docintake writes it (every field present)."""
    print(json.dumps(Report.model_json_schema(mode="serialization"), indent=2))


@app.command()
def samples(
    out: Annotated[
        Path, typer.Argument(metavar="OUT", help="Folder to write the synthetic cases into.")
    ],
    seed: Annotated[int, typer.Option(help="Same seed, same documents.")] = 7,
    cases: Annotated[int, typer.Option(min=1, help="How many cases to render.")] = 14,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The date the cases' truth is judged against (YYYY-MM-DD); default 2026-11-23,"
            " fixed so that a seed gives the same cases on any day.",
            callback=_check_as_of,
        ),
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            help="Degradation profile to draw from (clean, scan150, phone, rotated); repeat"
            " to mix several. Default: all of them. `--profile clean` makes the clean set the"
            " verdict targets are stated for."
        ),
    ] = None,
) -> None:
    """Render synthetic cases (with truth.json each) for all seven procedures."""
    from samples.degrade import PROFILES
    from samples.generate import DEFAULT_PROFILES, SAMPLES_AS_OF, NotOurFolder, generate_samples

    unknown = sorted(set(profile or ()) - set(PROFILES))
    if unknown:
        raise typer.BadParameter(
            f"unknown {', '.join(unknown)}; choose among {', '.join(PROFILES)}",
            param_hint="--profile",
        )
    judged_on = _parse_as_of(as_of) if as_of else SAMPLES_AS_OF
    try:
        truths = generate_samples(
            out, seed=seed, cases=cases, as_of=judged_on, profiles=profile or DEFAULT_PROFILES
        )
    except (NotOurFolder, NotADirectoryError, FileExistsError) as error:
        _stop_for_usage(error)
    Console().print(f"Wrote {len(truths)} case(s) to {out.resolve()} (as of {judged_on}).")


@app.command()
def bench(
    data: Annotated[
        Path | None,
        typer.Option(
            help="Cases with truth.json (from `docintake samples`); default: a fixed-"
            "seed set generated once into OUT."
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where data, reports and bench.json go.")
    ] = Path("out/bench"),
    workers: Annotated[int, typer.Option(min=1, help="Files read at once.")] = 2,
    peer: Annotated[
        str | None,
        typer.Option(
            help="Also run this MRZ reader (passporteye) and docintake's passport reader, "
            "each alone, on the same passport pages: printed side by side per degradation."
        ),
    ] = None,
    scaling: Annotated[
        bool,
        typer.Option(
            help="Also read the same pages with one worker and print the speed-up of "
            "--workers over one (about twice the run time)."
        ),
    ] = False,
    api: Annotated[
        bool,
        typer.Option(
            help="Also send 20 cases of 3 documents at once to the upload API on this machine "
            "and print the seconds from upload to report (p50/p95) and any case lost."
        ),
    ] = False,
    watch: Annotated[
        bool,
        typer.Option(
            help="Also drop 5 cases one by one into a watched folder and print the seconds "
            "from arrival to report, and those beyond the settle time before a case is read."
        ),
    ] = False,
) -> None:
    """Measure accuracy (document type, every field, verdicts, findings, false "complete")
    and speed (pages per second, seconds per document, time per stage) against ground truth,
    with raw Tesseract on the same pages in the same run. Writes OUT/bench.json."""
    configure_prefect()
    from flows.bench import run_bench

    configure_logging()
    from pipeline.storage import atomic_write
    from samples.generate import NotOurFolder

    try:
        result = run_bench(
            data,
            out,
            workers=workers,
            measure_scaling=scaling,
            measure_api=api,
            measure_watch=watch,
            peer=peer,
        )
    except (NotOurFolder, FileNotFoundError, UsageError) as error:
        _stop_for_usage(error)
    atomic_write(out / "bench.json", json.dumps(result, indent=2) + "\n")
    _print_bench(result)
    Console().print(f"Full figures: {(out / 'bench.json').resolve()}")


def _p50_p95(spread: dict[str, float]) -> str:
    return f"{spread['p50']:.1f} / {spread['p95']:.1f}"


def _print_bench(result: dict) -> None:
    accuracy, speed = result["accuracy"], result["speed"]
    console_out = Console()
    head = Table(
        title=f"docintake bench ({accuracy['cases']} cases, "
        f"{accuracy['documents']} documents, {result['workers']} workers)"
    )
    head.add_column("measure")
    head.add_column("value", justify="right")
    rows = [
        ("document type accuracy", f"{accuracy['doc_type_accuracy']:.1%}"),
        ("verdict agreement", f"{accuracy['verdict_agreement']:.1%}"),
        ("missing items agreement", f"{accuracy['missing_agreement']:.1%}"),
        ("findings agreement", f"{accuracy['findings_agreement']:.1%}"),
        ("false complete verdicts", str(accuracy["false_complete"])),
        ("pages", str(speed["pages"])),
        ("wall seconds", f"{speed['wall_seconds']:.1f}"),
        ("  of which Prefect server startup", f"{speed['prefect_startup_seconds']:.1f}"),
        ("pages per second", f"{speed['pages_per_second']:.2f}"),
        (
            "seconds per document p50 / p95",
            f"{speed['seconds_per_document_p50']:.2f} / {speed['seconds_per_document_p95']:.2f}",
        ),
        ("raw tesseract wall seconds", f"{speed['raw_tesseract']['wall_seconds']:.1f}"),
        ("ratio to raw tesseract", str(speed["ratio_to_raw_tesseract"])),
    ]
    if "scaling" in speed:
        scaled = speed["scaling"]
        rows += [
            ("wall seconds, 1 worker, server started", f"{scaled['wall_seconds_1_worker']:.1f}"),
            (f"speed-up, {result['workers']} workers over 1", str(scaled["speedup"])),
            (
                f"raw tesseract speed-up, {result['workers']} over 1",
                str(scaled["raw_tesseract_speedup"]),
            ),
        ]
    if "api" in speed:
        api = speed["api"]
        rows += [
            (
                f"API: {api['uploads']} uploads of {api['documents_per_upload']} documents at "
                "once: done / failed / lost",
                f"{api['done']} / {api['failed']} / {api['refused_or_lost']}",
            ),
            ("API: seconds from upload to report p50 / p95", _p50_p95(api["seconds_to_report"])),
        ]
    if "watch" in speed:
        watched = speed["watch"]
        settle = watched["settle_seconds"]
        rows += [
            (
                f"watch: seconds from arrival to report p50 / p95 (settle {settle} s)",
                _p50_p95(watched["seconds_to_report"]),
            ),
            (
                "watch: seconds beyond settle before the case is read p50 / p95",
                _p50_p95(watched["seconds_beyond_settle_before_reading"]),
            ),
        ]
    rows += [(f"stage: {k} (s)", f"{v:.1f}") for k, v in speed["stage_seconds"].items()]
    rows += [
        (f"seconds per page p50: {doc_type}", f"{seconds:.2f}")
        for doc_type, seconds in speed.get("seconds_per_page_by_type_p50", {}).items()
    ]
    for row in rows:
        head.add_row(*row)
    console_out.print(head)
    fields = Table(title="fields: exact match / character error rate")
    for column in ("doc_type", "field", "n", "exact", "CER"):
        fields.add_column(column)
    for doc_type, per_field in accuracy["fields"].items():
        for name, score in per_field.items():
            fields.add_row(
                doc_type,
                name,
                str(score["documents"]),
                f"{score['exact']:.1%}",
                f"{score['cer']:.3f}",
            )
    console_out.print(fields)
    if "peer" in result:
        from flows.peer import format_row

        console_out.print("MRZ readers alone on the same passport pages, per degradation:")
        for category, per_reader in result["peer"].items():
            for reader, figures in per_reader.items():
                console_out.print(
                    format_row(category, reader, figures), highlight=False, soft_wrap=True
                )


@app.command(epilog=PROCEDURE_EPILOG)
def watch(
    inbox: InboxArg,
    out: OutOption,
    settle: Annotated[
        float,
        typer.Option(min=0.5, help="Seconds a case must be quiet before it is read."),
    ] = 5.0,
    as_of: AsOfOption = None,
    procedure: ProcedureOption = None,
    workers: Annotated[int, typer.Option(min=1, help="Cases read at once.")] = 2,
) -> None:
    """Watch INBOX and report each case folder or loose file once it has been quiet for
    --settle seconds. After OUT/CASE/report.json is written, the case's files move out of
    INBOX into OUT/CASE/originals/ (unreadable ones into OUT/CASE/quarantine/). Stop with
    Ctrl-C: cases in progress are finished first. With PREFECT_API_URL set, cases run on the
    Prefect workers of `docintake deploy`."""
    configure_prefect()
    from flows.deploy import CaseQueue
    from flows.watch import InboxWatcher

    if not inbox.is_dir():
        console.print(f"[red]{escape(str(inbox))} is not a folder.[/] Give the folder to watch.")
        raise typer.Exit(EXIT_USAGE)

    def show(summary: CaseSummary) -> None:
        unread = f", {summary.errors} unreadable (see its report)" if summary.errors else ""
        line = f"{summary.case_id}: {summary.verdict}{unread}  ({out / summary.case_id})"
        Console(markup=False, soft_wrap=True).print(line)

    try:
        watcher = InboxWatcher(
            inbox,
            out,
            CaseQueue(workers),
            settle=settle,
            as_of=_parse_as_of(as_of) if as_of else None,
            procedure=procedure,
            on_report=show,
        )
    except UsageError as error:
        _stop_for_usage(error)
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    console.print(f"Watching {inbox.resolve()} (settle {settle:g} s); reports in {out.resolve()}")
    watcher.run(stop)


@app.command()
def deploy(
    pool: Annotated[str, typer.Option(help="Process work pool the workers poll.")] = "docintake",
) -> None:
    """Register the per-case flow as a deployment on the Prefect server of PREFECT_API_URL,
    on a process work pool (created if missing). Then start workers that see the same
    folders: prefect worker start --pool docintake --limit 2 (--limit: cases at once per
    worker); `watch` and `serve` with PREFECT_API_URL set hand their cases to them."""
    configure_prefect()
    from flows.deploy import deploy as register
    from flows.deploy import server_mode

    if not server_mode():
        console.print(
            "[red]PREFECT_API_URL is not set.[/] Point it at a Prefect server "
            "(e.g. http://127.0.0.1:4200/api) to deploy; without one, watch and serve run "
            "cases in their own process."
        )
        raise typer.Exit(EXIT_USAGE)
    deployment_id = register(pool)
    Console().print(f"Deployment docintake-case/docintake-case ({deployment_id}) on pool {pool}")


@app.command()
def serve(
    out: OutOption,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    token_file: Annotated[
        Path | None,
        typer.Option(help="File holding the bearer token every case route then requires."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(min=1, help="Cases processed at once (with a Prefect server: awaited)."),
    ] = 2,
    max_upload_mb: Annotated[int, typer.Option(min=1, help="Largest upload accepted.")] = 50,
) -> None:
    """Serve the upload API and the upload page at http://HOST:PORT/ (OpenAPI docs at
    /docs): POST /cases with the files of a case, then GET /cases/ID until it is done and
    fetch report.json or report.html. Without --token-file it only listens on this machine."""
    configure_prefect()
    import uvicorn

    from flows.api import check_binding, create_app, read_token_file
    from flows.deploy import CaseQueue

    try:
        token = read_token_file(token_file) if token_file else None
        check_binding(host, token)
        queue = CaseQueue(workers)
        app_ = create_app(out, queue, token=token, max_upload_bytes=max_upload_mb * 1024 * 1024)
    except UsageError as error:
        _stop_for_usage(error)
    console.print(f"Upload page: http://{host}:{port}/  (reports in {out.resolve()})")
    # uvicorn shuts down gracefully on these, then raises them again; handled here, they end
    # the process normally, so Prefect's temporary server is stopped with it.
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: None)
    uvicorn.run(app_, host=host, port=port, log_level="warning")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
