"""The API and watched-folder measures of `docintake bench`, on small real cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flows.intake_bench import measure_api, measure_watch
from tests.conftest import text_page

AS_OF = date(2026, 11, 23)


def _data(folder: Path, cases: int, files: int) -> Path:
    for number in range(cases):
        case = folder / f"c{number:03d}"
        case.mkdir(parents=True)
        for page in range(files):
            text_page().save(case / f"page{page}.png")
        (case / "truth.json").write_text("{}")  # a sidecar, never uploaded
    return folder


def test_uploads_sent_at_once_are_all_reported_and_timed(tmp_path: Path) -> None:
    data = _data(tmp_path / "data", cases=2, files=3)
    result = measure_api(data, tmp_path / "out", AS_OF, workers=2, uploads=4, files=3)
    assert (result["done"], result["failed"], result["refused_or_lost"]) == (4, 0, 0)
    assert 0 < result["seconds_to_report"]["p50"] <= result["seconds_to_report"]["p95"]
    reports = sorted((tmp_path / "out" / "api").glob("*/report.json"))
    assert len(reports) == 4
    assert all(len(list(r.parent.glob("originals/*"))) == 3 for r in reports)


def test_watched_cases_are_timed_from_arrival_to_report(tmp_path: Path) -> None:
    data = _data(tmp_path / "data", cases=3, files=1)
    result = measure_watch(data, tmp_path / "out", AS_OF, workers=1, cases=2, settle=0.5)
    assert result["cases"] == 2  # beside the first, which starts Prefect's server
    assert result["first_case_seconds_to_report"] > 0
    to_report = result["seconds_to_report"]["p50"]
    assert to_report >= 0.5  # never before the settle time
    waited = result["seconds_beyond_settle_before_reading"]["p50"]
    assert -0.5 < waited < to_report - 0.5  # the case's own reading takes the rest
