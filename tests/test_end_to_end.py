"""The README's promise, end to end: `docintake run` on the committed sample inbox writes every
file the contract names, the verdicts, missing items and key fields match
samples/expected.json, and the inbox is left byte-identical."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from schemas.report import Report
from tests.conftest import REPO, text_page

INBOX = REPO / "samples" / "inbox"
EXPECTED = REPO / "samples" / "expected.json"
AS_OF = "2026-11-23"
# Fields whose misreading would change what a case officer decides.
KEY_FIELDS = {
    "passport": ("document_number", "date_of_expiry", "date_of_birth", "surname"),
    "residence_card_front": ("card_number", "date_of_expiry", "status_of_residence"),
    "reentry_ed_card": ("reentry_intent",),
    "application_form": ("form",),
}


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=os.environ.copy(),
        timeout=1200,
        check=False,
    )


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("e2e") / "out"
    before = _tree_digest(INBOX)
    result = run_cli("run", str(INBOX), "--out", str(out), "--as-of", AS_OF)
    return {"out": out, "before": before, "result": result}


def test_run_succeeds_and_leaves_the_inbox_untouched(sample_run: dict[str, Any]) -> None:
    result = sample_run["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert _tree_digest(INBOX) == sample_run["before"]


def test_every_contract_file_is_written(sample_run: dict[str, Any]) -> None:
    out: Path = sample_run["out"]
    expected = json.loads(EXPECTED.read_text("utf-8"))
    for case_id in expected:
        report = Report.model_validate_json((out / case_id / "report.json").read_text("utf-8"))
        assert report.case_id == case_id and report.as_of.isoformat() == AS_OF
        html = (out / case_id / "report.html").read_text("utf-8")
        assert case_id in html and report.verdict.replace("_", " ") in html
        # Each page read shows its thumbnail, made by the worker process that read it.
        read = [d for d in report.documents if not d.errors]
        assert html.count("data:image/jpeg;base64,") >= len(read) > 0, case_id
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert sorted(row["case_id"] for row in summary) == sorted(expected)
    assert set(summary[0]) == {"case_id", "procedure", "verdict", "missing", "errors", "findings"}
    csv_lines = (out / "summary.csv").read_text("utf-8").splitlines()
    assert csv_lines[0] == "case_id,procedure,verdict,missing,errors,findings"
    assert len(csv_lines) == len(expected) + 1


def _reports(out: Path) -> dict[str, Report]:
    return {
        path.parent.name: Report.model_validate_json(path.read_text("utf-8"))
        for path in out.glob("*/report.json")
    }


def test_verdicts_and_missing_items_match_expected(sample_run: dict[str, Any]) -> None:
    expected = json.loads(EXPECTED.read_text("utf-8"))
    reports = _reports(sample_run["out"])
    for case_id, truth in expected.items():
        report = reports[case_id]
        missing = sorted(report.missing_items())
        codes = {f.code for f in report.findings}
        assert (report.procedure, report.verdict, missing) == (
            truth["procedure"],
            truth["verdict"],
            sorted(truth["missing"]),
        ), f"{case_id}: findings {sorted(codes)}"
        assert set(truth["findings"]) <= codes, case_id


def test_key_fields_match_expected(sample_run: dict[str, Any]) -> None:
    expected = json.loads(EXPECTED.read_text("utf-8"))
    reports = _reports(sample_run["out"])
    wrong = []
    for case_id, truth in expected.items():
        read = {(d.file, d.page): d for d in reports[case_id].documents}
        for document in truth["documents"]:
            got = read[(document["file"], document.get("page", 1))]
            assert got.doc_type == document["doc_type"], (case_id, document["file"])
            for name in KEY_FIELDS.get(document["doc_type"], ()):
                if name not in document["fields"]:
                    continue
                value = got.fields[name].value if name in got.fields else None
                if value != document["fields"][name]:
                    wrong.append((case_id, document["file"], name))
    assert not wrong


def test_unreadable_file_is_reported_and_the_batch_goes_on(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    first_case = sorted(p for p in INBOX.iterdir() if p.is_dir())[0]
    shutil.copytree(first_case, inbox / first_case.name)
    (inbox / first_case.name / "torn scan.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    (inbox / "empty.png").write_bytes(b"")
    out = tmp_path / "out"
    result = run_cli("run", str(inbox), "--out", str(out), "--as-of", AS_OF)
    assert result.returncode == 3, result.stderr
    reports = _reports(out)
    assert set(reports) == {first_case.name, "empty"}
    torn = [d for d in reports[first_case.name].documents if d.file == "torn scan.jpg"]
    assert torn and torn[0].errors and "damaged" in torn[0].errors[0].message
    assert any(f.code == "UNREADABLE_FILE" for f in reports[first_case.name].findings)
    assert len(reports[first_case.name].documents) > 1  # the readable files were still read
    assert (inbox / "empty.png").exists() and (inbox / first_case.name / "torn scan.jpg").exists()

    # A second run with nothing changed redoes nothing and reports the same.
    stamp = (out / "empty" / "report.json").stat().st_mtime_ns
    again = run_cli("run", str(inbox), "--out", str(out), "--as-of", AS_OF)
    assert again.returncode == 3
    assert (out / "empty" / "report.json").stat().st_mtime_ns == stamp


def test_bad_usage_exits_with_2(tmp_path: Path) -> None:
    result = run_cli("run", str(tmp_path / "missing"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "missing does not exist" in result.stderr
    (tmp_path / "scan.jpg").write_bytes(b"\xff\xd8")
    result = run_cli("run", str(tmp_path / "scan.jpg"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "scan.jpg is not a folder" in result.stderr
    bad_date = run_cli("run", str(tmp_path), "--out", str(tmp_path / "o"), "--as-of", "23/11")
    assert bad_date.returncode == 2


def test_an_unusable_out_folder_exits_with_2_and_leaves_the_inbox_alone(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "c1").mkdir(parents=True)
    text_page().save(inbox / "c1" / "page.png")
    before = _tree_digest(inbox)
    for out in (inbox / "out", inbox):  # its reports would be read as a case next time
        result = run_cli("run", str(inbox), "--out", str(out), "--as-of", AS_OF)
        assert result.returncode == 2, result.stderr[-2000:]
        assert "OUT must not be inside INBOX" in result.stderr
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    for out in (a_file, a_file / "below"):
        result = run_cli("run", str(inbox), "--out", str(out), "--as-of", AS_OF)
        assert result.returncode == 2, result.stderr[-2000:]
        assert "is a file, not a folder" in result.stderr and "Traceback" not in result.stderr
    assert _tree_digest(inbox) == before


def test_written_reports_follow_the_printed_schema(sample_run: dict[str, Any]) -> None:
    import jsonschema

    result = run_cli("schema")
    assert result.returncode == 0, result.stderr[-2000:]
    schema = json.loads(result.stdout)
    # Every field is written, so a consumer may rely on each being there.
    assert {"schema_version", "documents", "checklist", "findings"} <= set(schema["required"])
    for path in sorted(sample_run["out"].glob("*/report.json")):
        jsonschema.validate(json.loads(path.read_text("utf-8")), schema)
