"""Crash safety: a batch killed with SIGKILL and run again ends with exactly one complete
report per case, listed once, and does not redo the cases it had finished."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline.case import FINGERPRINT_FILE
from schemas.report import Report
from tests.conftest import REPO, text_page
from tests.test_end_to_end import AS_OF, run_cli

CASES = 8


def _reports(out: Path) -> list[Path]:
    return sorted(out.glob("*/report.json"))


def _finished(out: Path) -> list[Path]:
    """Reports whose case is recorded done. A kill between writing a report and recording it
    makes the next run redo that case, by design, so only recorded ones must be left alone."""
    return [path for path in _reports(out) if (path.parent / FINGERPRINT_FILE).is_file()]


def test_a_killed_batch_resumes_without_double_work(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for number in range(CASES):
        case = inbox / f"case{number:02d}"
        case.mkdir(parents=True)
        text_page().save(case / "page.png")
    out = tmp_path / "out"
    arguments = [
        "run",
        str(inbox),
        "--out",
        str(out),
        "--as-of",
        AS_OF,
        "--workers",
        "1",
        "--procedure",
        "departure_order",
    ]
    command = [sys.executable, "-m", "flows.cli", *arguments]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=os.environ.copy(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600
    while len(_finished(out)) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {path.parent.name: path.stat().st_mtime_ns for path in _finished(out)}
    assert 2 <= len(finished) < CASES, "the kill must land in the middle of the batch"
    for path in _reports(out):
        Report.model_validate_json(path.read_text("utf-8"))  # never half a report

    result = run_cli(*arguments)
    assert result.returncode == 0, result.stderr[-2000:]
    reports = _reports(out)
    assert [p.parent.name for p in reports] == [f"case{n:02d}" for n in range(CASES)]
    for path in reports:
        report = Report.model_validate_json(path.read_text("utf-8"))
        assert report.case_id == path.parent.name and len(report.documents) == 1
    for case_id, stamp in finished.items():  # finished before the kill: not redone
        assert (out / case_id / "report.json").stat().st_mtime_ns == stamp
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert sorted(row["case_id"] for row in summary) == [f"case{n:02d}" for n in range(CASES)]
    assert not list(out.glob("*/.report.json.*"))  # no stray temporary file once complete
