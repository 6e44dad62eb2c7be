"""The watched inbox, with real OCR on generated pages through the in-process case flow."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from flows.deploy import CaseJob, CaseQueue, run_in_process
from flows.watch import InboxWatcher
from pipeline.errors import UsageError
from schemas.report import CaseSummary, Report
from tests.conftest import DEJAVU, text_page

SETTLE = 1.5


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _word_png(word: str) -> bytes:
    image = Image.new("RGB", (360, 90), "white")
    ImageDraw.Draw(image).text((20, 20), word, font=ImageFont.truetype(DEJAVU, 36), fill="black")
    return _png(image)


def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _report(out: Path, case_id: str) -> Report:
    return Report.model_validate_json((out / case_id / "report.json").read_text("utf-8"))


@pytest.fixture
def watching(
    tmp_path: Path,
) -> Iterator[Callable[..., tuple[Path, Path]]]:
    """Start a watcher on tmp_path/inbox (after `before` has filled it, if given)."""
    stops: list[tuple[threading.Event, threading.Thread]] = []

    def start(
        run: Callable[[CaseJob], CaseSummary] = run_in_process,
        before: Callable[[Path], None] | None = None,
        workers: int = 2,
    ) -> tuple[Path, Path]:
        inbox, out = tmp_path / "inbox", tmp_path / "out"
        inbox.mkdir(exist_ok=True)
        if before:
            before(inbox)
        watcher = InboxWatcher(inbox, out, CaseQueue(workers, run), settle=SETTLE)
        stop = threading.Event()
        thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
        thread.start()
        stops.append((stop, thread))
        return inbox, out

    yield start
    for stop, thread in stops:
        stop.set()
        thread.join(timeout=120)


def test_a_file_still_being_copied_is_read_only_once_quiet(watching) -> None:
    inbox, out = watching()
    whole = _png(text_page())
    target = inbox / "c1" / "page.png"
    target.parent.mkdir()
    chunks = [whole[i : i + len(whole) // 6 + 1] for i in range(0, len(whole), len(whole) // 6 + 1)]
    for chunk in chunks:  # a slow copy: each pause shorter than the settle time
        with target.open("ab") as stream:
            stream.write(chunk)
        time.sleep(SETTLE * 0.6)
        assert not (out / "c1" / "report.json").exists(), "read before the copy finished"
    assert _wait_for(lambda: (out / "c1" / "report.json").is_file(), 120)
    report = _report(out, "c1")
    assert [(d.file, d.errors) for d in report.documents] == [("page.png", [])]
    assert (out / "c1" / "originals" / "page.png").read_bytes() == whole
    assert _wait_for(lambda: not (inbox / "c1").exists(), 10), "inbox folder not cleared"


def test_an_unreadable_file_is_quarantined_with_its_reason(watching) -> None:
    inbox, out = watching()
    (inbox / "walk-in.pdf").write_bytes(b"this is a text file, whatever its name says")
    assert _wait_for(lambda: (out / "walk-in" / "quarantine" / "walk-in.pdf").is_file(), 120)
    report = _report(out, "walk-in")
    assert report.documents[0].file == "walk-in.pdf"
    assert report.documents[0].errors[0].code == "unsupported_type"
    assert not (out / "walk-in" / "originals" / "walk-in.pdf").exists()
    assert not (inbox / "walk-in.pdf").exists()


def test_cases_waiting_at_start_are_picked_up_and_a_crash_is_not_doubled(watching) -> None:
    page = _png(text_page())

    def leftovers(inbox: Path) -> None:
        # c1: waiting since before the watcher started. c2: reported and copied by a run
        # that died before it removed the inbox file.
        for case_id in ("c1", "c2"):
            (inbox / case_id).mkdir()
            (inbox / case_id / "scan.png").write_bytes(page)
            old = time.time() - 600
            os.utime(inbox / case_id / "scan.png", (old, old))
        earlier = CaseJob(
            inbox.parent / "out" / "c2" / "originals", "c2", inbox.parent / "out", date.today()
        )
        earlier.case_dir.mkdir(parents=True)
        (earlier.case_dir / "scan.png").write_bytes(page)
        run_in_process(earlier)

    started = time.monotonic()
    inbox, out = watching(before=leftovers)
    assert _wait_for(lambda: not any(inbox.iterdir()), 120)
    assert (out / "c1" / "report.json").is_file()
    # No event ever fired for c1: it was found at start and handed over without a settle wait
    # of its own beyond the first tick (OCR of one page is most of the time).
    assert time.monotonic() - started < 60
    assert sorted(p.name for p in (out / "c2" / "originals").iterdir()) == ["scan.png"]


def test_originals_stay_in_the_inbox_until_the_report_is_written(watching) -> None:
    seen: list[bool] = []

    def checking_run(job: CaseJob) -> CaseSummary:
        source = job.out.parent / "inbox" / "c1" / "scan.png"
        seen.append(source.is_file())
        summary = run_in_process(job)
        seen.append(source.is_file() and (job.out / job.case_id / "report.json").is_file())
        return summary

    inbox, out = watching(run=checking_run)
    (inbox / "c1").mkdir()
    (inbox / "c1" / "scan.png").write_bytes(_png(text_page()))
    assert _wait_for(lambda: not (inbox / "c1").exists(), 120)
    assert seen == [True, True]
    assert (out / "c1" / "originals" / "scan.png").is_file()


def test_a_failed_case_keeps_its_files_and_is_not_retried_in_a_loop(watching) -> None:
    calls: list[str] = []

    def failing_run(job: CaseJob) -> CaseSummary:
        calls.append(job.case_id)
        raise RuntimeError("worker lost")

    inbox, out = watching(run=failing_run)
    (inbox / "c1").mkdir()
    (inbox / "c1" / "scan.png").write_bytes(_word_png("PASSPORT"))
    assert _wait_for(lambda: calls == ["c1"], 30)
    time.sleep(SETTLE * 3)
    assert calls == ["c1"]
    assert (inbox / "c1" / "scan.png").is_file()
    assert not (out / "c1" / "report.json").exists()


@pytest.mark.slow
def test_a_burst_of_100_files_is_all_reported_and_filed(watching) -> None:
    inbox, out = watching(workers=2)
    for case in range(10):  # ten applicants' folders, ten pages each, dropped at once
        folder = inbox / f"b{case:02d}"
        folder.mkdir()
        for page in range(10):
            (folder / f"p{page:02d}.png").write_bytes(_word_png(f"CASE {case} PAGE {page}"))
    assert _wait_for(lambda: not any(inbox.iterdir()), 600), sorted(p.name for p in inbox.iterdir())
    filed = 0
    for case in range(10):
        report = _report(out, f"b{case:02d}")
        assert len({d.file for d in report.documents}) == 10
        filed += len(list((out / f"b{case:02d}" / "originals").iterdir()))
    assert filed == 100


def test_reports_cannot_be_written_into_the_watched_inbox(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="inside INBOX"):
        InboxWatcher(tmp_path, tmp_path / "out", CaseQueue(1, run_in_process))


def test_a_corrected_case_yaml_replaces_the_one_before(watching) -> None:
    inbox, out = watching()
    (inbox / "c1").mkdir()
    (inbox / "c1" / "case.yaml").write_text("procedure: special_reentry\n")
    (inbox / "c1" / "page.png").write_bytes(_png(text_page()))
    assert _wait_for(lambda: (out / "c1" / "report.json").is_file(), 120)
    assert _report(out, "c1").procedure == "special_reentry"
    stamp = (out / "c1" / "report.json").stat().st_mtime_ns
    (inbox / "c1").mkdir(exist_ok=True)
    (inbox / "c1" / "case.yaml").write_text("procedure: departure_order\n")
    assert _wait_for(lambda: (out / "c1" / "report.json").stat().st_mtime_ns != stamp, 120)
    report = _report(out, "c1")
    assert (report.procedure, report.procedure_source) == ("departure_order", "case.yaml")
    assert sorted(p.name for p in (out / "c1" / "originals").iterdir()) == ["case.yaml", "page.png"]
    assert not (out / "c1" / "quarantine").exists()
    stamp = (out / "c1" / "report.json").stat().st_mtime_ns
    (inbox / "c1").mkdir(exist_ok=True)
    (inbox / "c1" / "case.yml").write_text("procedure: special_reentry\n")  # the other spelling
    assert _wait_for(lambda: (out / "c1" / "report.json").stat().st_mtime_ns != stamp, 120)
    assert _report(out, "c1").procedure == "special_reentry"
    assert sorted(p.name for p in (out / "c1" / "originals").iterdir()) == ["case.yml", "page.png"]
