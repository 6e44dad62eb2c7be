"""Any report the schema allows survives a trip through report.json unchanged."""

from __future__ import annotations

from typing import get_args

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.report import (
    ChecklistEntry,
    DocumentReport,
    ExtractedField,
    FileError,
    Finding,
    FindingCode,
    Report,
)

pixels = st.integers(min_value=0, max_value=20_000)
values = st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=40)
fields = st.builds(
    ExtractedField,
    value=values,
    confidence=st.floats(0.0, 1.0, allow_nan=False),
    valid=st.none() | st.booleans(),
    bbox=st.none() | st.tuples(pixels, pixels, pixels, pixels),
)
documents = st.builds(
    DocumentReport,
    file=st.text(min_size=1, max_size=30),
    page=st.integers(1, 500),
    sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
    doc_type_confidence=st.floats(0.0, 1.0, allow_nan=False),
    fields=st.dictionaries(st.text(min_size=1, max_size=20), fields, max_size=6),
    errors=st.lists(st.builds(FileError, code=st.text(max_size=20), message=st.text()), max_size=2),
)
findings = st.builds(
    Finding,
    code=st.sampled_from(get_args(FindingCode)),
    message=st.text(),
    documents=st.lists(st.integers(0, 20), max_size=3),
    fields=st.lists(st.text(max_size=20), max_size=3),
)
reports = st.builds(
    Report,
    case_id=st.text(min_size=1, max_size=40),
    documents=st.lists(documents, max_size=4),
    checklist=st.lists(st.builds(ChecklistEntry, item=st.text(min_size=1)), max_size=5),
    findings=st.lists(findings, max_size=5),
)


@settings(max_examples=80, deadline=None)
@given(reports)
def test_report_json_round_trip(report: Report) -> None:
    assert Report.model_validate_json(report.model_dump_json()) == report
