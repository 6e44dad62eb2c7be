"""No personal data in logs, and reports readable by their owner only."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipeline import document as document_module
from pipeline.document import read_file, register_read_values
from pipeline.ocr import default_engine
from pipeline.privacy import MASK, redact, register_sensitive
from schemas.report import ExtractedField
from tests.conftest import REPO, text_page
from tests.test_end_to_end import AS_OF, EXPECTED, INBOX

CASES = ("c001", "c003")  # a passport, a card front and back, an ED card, a fillable form


def test_redact_masks_mrz_numbers_dates_and_registered_names() -> None:
    register_sensitive("NGUYEN VAN AN")
    line = (
        "read P<VNMNGUYEN<<VAN<AN<<<<<<<<<<<<<<<<<<<<<<<< card AB12345678CD passport C1234567X "
        "born 1990年04月01日 / 01 APR 1990, Nguyen Van An, page 2 of 3"
    )
    masked = redact(line)
    for secret in (
        "VNMNGUYEN",
        "AB12345678CD",
        "C1234567X",
        "1990年04月01日",
        "01 APR 1990",
        "Nguyen Van An",
    ):
        assert secret not in masked
    assert masked.count(MASK) >= 6 and "page 2 of 3" in masked


SECRET_FIELDS = {
    "document_number",
    "passport_number",
    "card_number",
    "surname",
    "given_names",
    "name",
    "applicant_name",
    "date_of_birth",
}


def _known_values() -> set[str]:
    """MRZ lines, numbers, names and birth dates printed on the sample documents."""
    expected = json.loads(EXPECTED.read_text("utf-8"))
    values: set[str] = set()
    for case_id in CASES:
        for document in expected[case_id]["documents"]:
            values.update(document["fields"].get("_mrz", ()))
            values.update(
                value
                for name, value in document["fields"].items()
                if name in SECRET_FIELDS and isinstance(value, str) and len(value) >= 4
            )
    return values


HOLDER_IN_FILE_NAME = "TANAKA HANAKO passport"


def test_a_verbose_batch_logs_no_field_value(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for case_id in CASES:
        shutil.copytree(INBOX / case_id, inbox / case_id)
        # Offices name scans after their holder: file names are personal data too.
        documents = [p for p in (inbox / case_id).iterdir() if p.suffix not in (".yaml", ".json")]
        for number, path in enumerate(documents):
            path.rename(path.with_name(f"{HOLDER_IN_FILE_NAME} {number}{path.suffix}"))
    out = tmp_path / "out"
    environment = os.environ | {"DOCINTAKE_LOG_LEVEL": "DEBUG", "PREFECT_LOGGING_LEVEL": "DEBUG"}
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", str(inbox), "--out", str(out), "--as-of", AS_OF],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    logs = result.stdout + result.stderr
    assert "DEBUG" in logs or "INFO" in logs  # the run really was verbose
    leaked = sorted(value for value in _known_values() if value in logs)
    assert not leaked, f"{len(leaked)} field values appear in the logs"
    assert HOLDER_IN_FILE_NAME not in logs

    for path in out.rglob("*"):
        if path.parent != out or path.is_dir():  # case folders and what is in them
            assert path.stat().st_mode & 0o077 == 0, path.name


def test_the_people_and_diagnosis_a_letter_names_are_masked_once_read() -> None:
    fields = {
        "guarantor_name": ExtractedField(value="OKADA MASARU", confidence=0.9),
        "submitted_by": ExtractedField(value="SUZUKI ICHIRO", confidence=0.9),
        "diagnosis": ExtractedField(value="Chronic hepatitis B", confidence=0.9),
    }
    register_read_values(fields)
    masked = redact("guarantor OKADA MASARU, sent by SUZUKI ICHIRO: Chronic hepatitis B")
    assert "OKADA" not in masked and "SUZUKI" not in masked and "hepatitis" not in masked


def test_a_reader_s_bug_is_logged_without_what_it_was_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    read = "TANAKA HANAKO L898902C3"  # the traceback quotes the raising line, not this one

    def failing_reader(*_: object) -> None:
        raise ValueError(f"cannot parse {read}")

    monkeypatch.setattr(document_module, "extract", failing_reader)
    text_page().save(tmp_path / "page.png")
    with caplog.at_level(logging.DEBUG):
        result = read_file(tmp_path / "page.png", "page.png", default_engine(), date(2026, 11, 23))
    assert result.documents[0].errors[0].code == "internal_error"
    assert "failing_reader" in caplog.text  # where it failed is there for the maintainers
    assert "TANAKA" not in caplog.text and "L898902C3" not in caplog.text
