"""How the batch hands its files to Prefect, and the settings its flow runs get. Whether the
files read in one task land in the right case's report is checked on the bundled samples
(tests/test_end_to_end.py: 34 files, read four to a task, across the cases' borders)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from prefect.settings import get_current_settings

import flows.deploy
from flows.batch import FILES_PER_TASK, FileJob, work_units
from flows.deploy import CaseJob, run_in_process
from pipeline.case import CaseInput
from schemas.report import CaseSummary


def _jobs(count: int) -> list[FileJob]:
    case = CaseInput(case_id="c1", root=Path("/inbox/c1"), files=[])
    return [(case, f"page{number:03d}.png") for number in range(count)]


@pytest.mark.parametrize("count", [1, 3, 7, 8, 16, 64, 1001])
@pytest.mark.parametrize("workers", [1, 2, 8])
def test_every_file_is_handed_over_once_in_order(count: int, workers: int) -> None:
    jobs = _jobs(count)
    units = work_units(jobs, workers)
    assert [job for unit in units for job in unit] == jobs
    assert all(1 <= len(unit) <= FILES_PER_TASK for unit in units)


def test_a_large_batch_is_read_a_few_files_to_a_task() -> None:
    units = work_units(_jobs(64), workers=2)
    assert [len(unit) for unit in units] == [FILES_PER_TASK] * (64 // FILES_PER_TASK)


def test_a_small_batch_still_gives_every_worker_several_tasks() -> None:
    assert [len(unit) for unit in work_units(_jobs(6), workers=2)] == [1] * 6
    assert [len(unit) for unit in work_units(_jobs(10), workers=2)] == [2] * 5


def test_a_case_run_in_this_process_sends_no_heartbeats(monkeypatch, tmp_path: Path) -> None:
    """A flow run on the embedded server waited a second at its end for its heartbeat thread."""
    seen: list[int | None] = []

    def case_flow(*arguments: object) -> CaseSummary:
        seen.append(get_current_settings().flows.heartbeat_frequency)
        return CaseSummary(
            case_id="c1", procedure="departure_order", verdict="incomplete", missing=[], errors=0
        )

    monkeypatch.setattr(flows.deploy, "case_flow", case_flow)
    run_in_process(CaseJob(tmp_path, "c1", tmp_path / "out", date(2026, 11, 25)))
    assert seen == [None]
    assert get_current_settings().flows.heartbeat_frequency is not None  # only for that run
