"""The flows: the batch over an inbox, and the per-case flow that the watcher and the upload
API hand each case to (in this process, or on Prefect workers through a deployment). Both
read files in parallel (the batch a few to a task, a case's flow one to a task) -> verify and
report the case. The batch reads like the pipeline it runs: discover cases -> skip the ones
already done -> read files -> as soon as a case's files are read, report it -> summarize."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    temporary_settings,
)
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from flows.settings import configure_logging
from pipeline.case import (
    CaseInput,
    RunSettings,
    build_report,
    case_fingerprint,
    discover_cases,
    is_up_to_date,
    load_case,
    mark_done,
)
from pipeline.document import FileResult, read_file, register_read_values
from pipeline.ocr import default_engine
from pipeline.report import PagePreview, summarize, write_case_report, write_summary
from pipeline.storage import atomic_write, open_out_folder
from schemas.report import CaseSummary, DocumentReport, Report

ProgressCallback = Callable[[int, int, int], None]  # files done, files total, cases skipped
FileJob = tuple[CaseInput, str]  # a file of a case, by its path relative to the case folder
_progress_listeners: list[ProgressCallback] = []


# Files read by one task of the batch. Each task costs Prefect some 0.1 s of the main process's
# CPU to submit (it serializes all its settings) and a task run's worth of events for the
# server to record, taken from the two cores that read the pages; a few files per task cut
# that cost by as much while the progress bar still moves every few seconds.
FILES_PER_TASK = 4
UNITS_PER_WORKER = 2  # a small batch is split finer, so that no worker waits for the other


def work_units(jobs: list[FileJob], workers: int) -> list[list[FileJob]]:
    """The batch's files, in order, cut into runs of up to FILES_PER_TASK files each."""
    size = max(1, min(FILES_PER_TASK, len(jobs) // (UNITS_PER_WORKER * max(1, workers))))
    return [jobs[start : start + size] for start in range(0, len(jobs), size)]


@task(name="read-file", cache_policy=NO_CACHE, task_run_name="read-file-{index}")
def read_file_task(path: Path, rel: str, settings: RunSettings, index: int) -> FileResult:
    """OCR and extraction of one file. Task names carry an index, never the file's name,
    which may hold the applicant's name."""
    return _read(path, rel, settings)


@task(name="read-files", cache_policy=NO_CACHE, task_run_name="read-files-{index}")
def read_files_task(jobs: list[FileJob], settings: RunSettings, index: int) -> list[FileResult]:
    """OCR and extraction of a few files of the batch, one after the other."""
    return [_read(case.root / rel, rel, settings) for case, rel in jobs]


def _read(path: Path, rel: str, settings: RunSettings) -> FileResult:
    return read_file(
        path, rel, default_engine(), settings.as_of, settings.limits, previews=not settings.redact
    )


@task(name="report-case", cache_policy=NO_CACHE, task_run_name="report-case-{index}")
def report_case_task(
    case: CaseInput,
    documents: list[DocumentReport],
    previews: dict[tuple[str, int], PagePreview],
    out: Path,
    settings: RunSettings,
    fingerprint: str,
    index: int,
) -> CaseSummary:
    """Verify the case and write its report, with the page previews its files' readers made
    (the files themselves are not read again: the watch folder may have filed them away)."""
    report = build_report(case, documents, settings)
    write_case_report(report, out, previews, redact=settings.redact)
    mark_done(out, case.case_id, fingerprint)
    return summarize(report)


def write_timings(
    out: Path, results: dict[str, dict[str, FileResult]], report_seconds: dict[str, float]
) -> None:
    """Seconds per stage of each file read in this run and of each case's verification and
    report, for `docintake bench`."""
    files = [
        {
            "case_id": case_id,
            "pages": len(result.documents),
            "doc_types": [document.doc_type for document in result.documents],
            "seconds": result.seconds,
        }
        for case_id, per_file in results.items()
        for result in per_file.values()
    ]
    content = {"files": files, "verify_and_report": report_seconds}
    atomic_write(out / "timings.json", json.dumps(content, indent=1) + "\n")


def _take_previews(results: dict[str, FileResult]) -> dict[tuple[str, int], PagePreview]:
    """The page previews of a case's files by (file, page), taken out of the results so that
    a long batch does not keep every page it has read until its end."""
    previews: dict[tuple[str, int], PagePreview] = {}
    for rel, result in results.items():
        previews.update({(rel, page): preview for page, preview in result.previews.items()})
        result.previews = {}
    return previews


def _tell_progress(files_done: int, files_total: int, cases_skipped: int) -> None:
    """Outside the flow's body on purpose: worker processes are sent the flow's function
    with the globals it names, and a listener (a progress bar) cannot travel."""
    for listener in _progress_listeners:
        listener(files_done, files_total, cases_skipped)


def _summary_on_disk(out: Path, case_id: str) -> CaseSummary:
    report = Report.model_validate_json((out / case_id / "report.json").read_text("utf-8"))
    return summarize(report)


@flow(name="docintake-batch", log_prints=False)
def batch_flow(
    inbox: Path, out: Path, settings: RunSettings, force: bool = False, workers: int = 2
) -> list[CaseSummary]:
    cases = discover_cases(inbox)
    settings_key = settings.key()
    fingerprints = {case.case_id: case_fingerprint(case, settings_key) for case in cases}
    done = {
        case.case_id
        for case in cases
        if not force and is_up_to_date(out, case.case_id, fingerprints[case.case_id])
    }
    todo = [case for case in cases if case.case_id not in done]
    summaries = {case_id: _summary_on_disk(out, case_id) for case_id in done}

    report_seconds: dict[str, float] = {}

    def report(case: CaseInput, per_file: dict[str, FileResult]) -> None:
        started = time.perf_counter()
        documents = [d for name in case.files for d in per_file[name].documents]
        summaries[case.case_id] = report_case_task(
            case,
            documents,
            _take_previews(per_file),
            out,
            settings,
            fingerprints[case.case_id],
            len(summaries),
        )
        report_seconds[case.case_id] = time.perf_counter() - started

    for case in todo:
        if not case.files:  # an empty case folder is reported at once: everything is missing
            report(case, {})
    jobs = [(case, rel) for case in todo for rel in case.files]
    futures = {
        read_files_task.submit(unit, settings, index): unit
        for index, unit in enumerate(work_units(jobs, workers))
    }
    results: dict[str, dict[str, FileResult]] = {case.case_id: {} for case in todo}
    finished = 0
    for future in as_completed(list(futures)):
        for (case, rel), result in zip(futures[future], future.result(), strict=True):
            results[case.case_id][rel] = result
            for document in result.documents:  # read in a worker process: mask them here too
                register_read_values(document.fields)
            finished += 1
            _tell_progress(finished, len(jobs), len(done))
            if len(results[case.case_id]) == len(case.files):
                report(case, results[case.case_id])
    ordered = [summaries[case.case_id] for case in cases]
    write_summary(out, ordered)
    write_timings(out, results, report_seconds)
    return ordered


CASE_READERS = 2  # files of one case read at once; workers bound how many cases run at once


@flow(
    name="docintake-case",
    log_prints=False,
    task_runner=ThreadPoolTaskRunner(max_workers=CASE_READERS),
    flow_run_name="case",  # never the case id: an office may name cases after applicants
)
def case_flow(
    case_dir: Path,
    case_id: str,
    out: Path,
    as_of: date,
    procedure: str | None = None,
    checklists_dir: Path | None = None,
) -> CaseSummary:
    """Read, verify and report the one case whose files are in `case_dir`. Parameters are
    plain paths, strings and dates so a deployment can run it on any worker that sees the
    same folders."""
    case = load_case(case_dir, case_id, case_dir)
    settings = RunSettings(as_of=as_of, procedure=procedure, checklists_dir=checklists_dir)
    fingerprint = case_fingerprint(case, settings.key())
    if is_up_to_date(out, case_id, fingerprint):
        return _summary_on_disk(out, case_id)
    futures = {
        rel: read_file_task.submit(case_dir / rel, rel, settings, index)
        for index, rel in enumerate(case.files)
    }
    results = {rel: future.result() for rel, future in futures.items()}
    documents = [document for result in results.values() for document in result.documents]
    return report_case_task(case, documents, _take_previews(results), out, settings, fingerprint, 0)


def run_batch(
    inbox: Path,
    out: Path,
    settings: RunSettings,
    *,
    workers: int = 2,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> list[CaseSummary]:
    """Run the batch flow with up to `workers` files read at once, each in a process of its
    own: threads would share one interpreter, and the Python half of reading a page (layout,
    MRZ, matching) would wait its turn while the other thread's Tesseract runs."""
    open_out_folder(out, inbox)
    runner = ProcessPoolTaskRunner(max_workers=max(1, workers), initializer=configure_logging)
    if progress:
        _progress_listeners.append(progress)
    try:
        with _workers_share_the_server():
            return batch_flow.with_options(task_runner=runner)(inbox, out, settings, force, workers)
    finally:
        if progress:
            _progress_listeners.remove(progress)


@contextmanager
def _workers_share_the_server() -> Iterator[None]:
    """Worker processes start as fresh interpreters: with no PREFECT_API_URL, each started an
    embedded Prefect server of its own (some 10 s before its first file, and two servers
    writing one SQLite database). They are pointed at this process's embedded server."""
    if PREFECT_API_URL.value():
        yield
        return
    # Imported here, not with the module: it takes some 3 s, and every worker process and
    # every command imports this module.
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the one Prefect itself starts for this process
    server.start()
    with without_heartbeats(), temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield


def without_heartbeats() -> AbstractContextManager[None]:
    """For flow runs on the embedded server. Heartbeats let a Prefect server notice a run whose
    process died; the embedded server dies with its process, and each flow run waited a
    second at its end for its heartbeat thread to wake (a second more for every watched or
    uploaded case)."""
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})
