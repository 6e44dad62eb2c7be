from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from PIL import Image

from pipeline.report import render_html, summarize, write_case_report, write_summary
from schemas.report import ChecklistEntry, DocumentReport, ExtractedField, Finding, Report


def _report() -> Report:
    passport = DocumentReport(
        file="passport.png",
        page=1,
        sha256="0" * 64,
        doc_type="passport",
        doc_type_confidence=0.97,
        fields={
            "document_number": ExtractedField(
                value="L898902C3", confidence=0.97, valid=True, bbox=(40, 30, 120, 20)
            ),
            "surname": ExtractedField(value="ERIKSSON", confidence=0.9, bbox=(40, 60, 80, 20)),
        },
    )
    return Report(
        case_id="c001",
        procedure="special_reentry",
        as_of=date(2026, 11, 23),
        verdict="incomplete",
        documents=[passport],
        checklist=[
            ChecklistEntry(item="passport", required=True, status="invalid", documents=[0]),
            ChecklistEntry(item="residence_card", required=True, status="missing"),
        ],
        findings=[
            Finding(
                code="PASSPORT_EXPIRED",
                severity="error",
                message="The passport expired on 2012-04-15.",
                documents=[0],
                fields=["document_number"],
            )
        ],
    )


def test_html_opens_with_findings_and_shows_the_evidence_crop(tmp_path: Path) -> None:
    Image.new("RGB", (300, 200), "white").save(tmp_path / "passport.png")
    html = render_html(_report(), tmp_path)
    assert html.index("PASSPORT_EXPIRED") < html.index("Checklist") < html.index("Documents")
    assert html.count("data:image/jpeg;base64,") == 2  # the finding's crop and the thumbnail
    assert "L898902C3" in html and "missing" in html


def test_redacted_html_has_no_values_and_no_images(tmp_path: Path) -> None:
    Image.new("RGB", (300, 200), "white").save(tmp_path / "passport.png")
    html = render_html(_report(), tmp_path, redact=True)
    assert "L898902C3" not in html and "ERIKSSON" not in html
    assert "data:image" not in html
    assert "PASSPORT_EXPIRED" in html


def test_reports_and_summaries_are_written_whole_and_private(tmp_path: Path) -> None:
    report = _report()
    folder = write_case_report(report, tmp_path / "out", tmp_path)
    assert Report.model_validate_json((folder / "report.json").read_text()) == report
    assert (folder / "report.json").stat().st_mode & 0o777 == 0o600
    write_summary(tmp_path / "out", [summarize(report)])
    rows = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert rows == [
        {
            "case_id": "c001",
            "procedure": "special_reentry",
            "verdict": "incomplete",
            "missing": ["residence_card"],
            "errors": 0,
        }
    ]
    with (tmp_path / "out" / "summary.csv").open() as stream:
        assert list(csv.reader(stream))[1] == [
            "c001",
            "special_reentry",
            "incomplete",
            "residence_card",
            "0",
        ]


def test_text_read_from_a_scan_is_escaped(tmp_path: Path) -> None:
    report = _report()
    report.documents[0].fields["surname"] = ExtractedField(
        value="<script>alert(1)</script>", confidence=0.9
    )
    html = render_html(report, tmp_path)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
