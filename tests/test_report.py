from __future__ import annotations

import base64
import csv
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from pipeline import report as report_module
from pipeline.document import read_file
from pipeline.ocr import default_engine
from pipeline.report import (
    CROP_MARGIN,
    PagePreview,
    make_preview,
    render_html,
    summarize,
    write_case_report,
    write_summary,
)
from schemas.report import ChecklistEntry, DocumentReport, ExtractedField, Finding, Report

NUMBER_BOX = (40, 30, 120, 20)  # where the passport number was read, in page pixels
RED = (0, 0, 255)  # BGR


def _page() -> np.ndarray:
    """A white 300x200 page whose passport-number box is solid red and nothing else is."""
    image = np.full((200, 300, 3), 255, np.uint8)
    x, y, w, h = NUMBER_BOX
    image[y : y + h, x : x + w] = RED
    return image


def _previews(image: np.ndarray | None = None) -> dict[tuple[str, int], PagePreview]:
    return {("passport.png", 1): make_preview(_page() if image is None else image)}


def _images(html: str) -> list[np.ndarray]:
    """The report's images in page order: the findings' crops, then the thumbnails."""
    return [
        cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_COLOR)
        for data in re.findall(r'src="data:image/jpeg;base64,([^"]+)"', html)
    ]


def _is_red(pixel: np.ndarray) -> bool:
    blue, green, red = (int(v) for v in pixel)
    return red > 200 and blue < 60 and green < 60


def _is_white(pixel: np.ndarray) -> bool:
    return bool(min(int(v) for v in pixel) > 200)


def _report() -> Report:
    passport = DocumentReport(
        file="passport.png",
        page=1,
        sha256="0" * 64,
        doc_type="passport",
        doc_type_confidence=0.97,
        fields={
            "document_number": ExtractedField(
                value="L898902C3", confidence=0.97, valid=True, bbox=NUMBER_BOX
            ),
            "surname": ExtractedField(value="ERIKSSON", confidence=0.9, bbox=(40, 120, 80, 20)),
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


def test_html_opens_with_findings_and_shows_the_evidence_crop() -> None:
    html = render_html(_report(), _previews())
    assert html.index("PASSPORT_EXPIRED") < html.index("Checklist") < html.index("Documents")
    assert html.count("data:image/jpeg;base64,") == 2  # the finding's crop and the thumbnail
    assert "L898902C3" in html and "missing" in html


def test_the_crop_is_cut_around_the_fields_box_and_the_thumbnail_is_the_page() -> None:
    crop, thumbnail = _images(render_html(_report(), _previews()))
    x, y, w, h = NUMBER_BOX
    assert crop.shape[:2] == (h + 2 * CROP_MARGIN, w + 2 * CROP_MARGIN)
    assert _is_red(crop[CROP_MARGIN + h // 2, CROP_MARGIN + w // 2])
    assert _is_red(crop[CROP_MARGIN + 3, CROP_MARGIN + 3])  # the box's corners are in place
    assert _is_red(crop[CROP_MARGIN + h - 4, CROP_MARGIN + w - 4])
    for corner in (crop[2, 2], crop[2, -3], crop[-3, 2], crop[-3, -3]):  # the margin is page
        assert _is_white(corner)
    assert thumbnail.shape[:2] == (200, 300)
    assert _is_red(thumbnail[y + h // 2, x + w // 2]) and _is_white(thumbnail[150, 250])


def test_a_page_larger_than_the_preview_is_cropped_where_its_boxes_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(report_module, "PREVIEW_MAX_SIDE", 150)  # the 300x200 page at half size
    previews = _previews()
    assert previews["passport.png", 1].scale == 0.5
    crop, _ = _images(render_html(_report(), previews))
    _, _, w, h = NUMBER_BOX
    assert crop.shape[:2] == ((h + 2 * CROP_MARGIN) // 2, (w + 2 * CROP_MARGIN) // 2)
    margin = CROP_MARGIN // 2
    assert _is_red(crop[margin + h // 4, margin + w // 4])
    assert _is_white(crop[1, 1]) and _is_white(crop[-2, -2])


def test_a_page_without_a_preview_has_no_crop_and_no_thumbnail() -> None:
    html = render_html(_report(), {})
    assert "data:image" not in html and "PASSPORT_EXPIRED" in html


def test_the_report_shows_the_pages_read_even_once_the_file_is_gone(tmp_path: Path) -> None:
    """The watch folder files originals away: the report must not need them."""
    path = tmp_path / "passport.png"
    Image.fromarray(_page()[:, :, ::-1]).save(path)
    result = read_file(path, "passport.png", default_engine(), date(2026, 11, 23))
    path.unlink()
    previews = {("passport.png", page): preview for page, preview in result.previews.items()}
    folder = write_case_report(_report(), tmp_path / "out", previews)
    crop, thumbnail = _images((folder / "report.html").read_text("utf-8"))
    _, _, w, h = NUMBER_BOX
    assert _is_red(crop[CROP_MARGIN + h // 2, CROP_MARGIN + w // 2]) and _is_white(crop[2, 2])
    assert thumbnail.shape[:2] == (200, 300)


def test_a_redacted_run_makes_no_previews(tmp_path: Path) -> None:
    path = tmp_path / "passport.png"
    Image.fromarray(_page()[:, :, ::-1]).save(path)
    result = read_file(path, "passport.png", default_engine(), date(2026, 11, 23), previews=False)
    assert result.previews == {} and result.documents


def test_redacted_html_has_no_values_and_no_images() -> None:
    html = render_html(_report(), _previews(), redact=True)
    assert "L898902C3" not in html and "ERIKSSON" not in html
    assert "data:image" not in html
    assert "PASSPORT_EXPIRED" in html


def test_reports_and_summaries_are_written_whole_and_private(tmp_path: Path) -> None:
    report = _report()
    folder = write_case_report(report, tmp_path / "out", _previews())
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
            "findings": ["PASSPORT_EXPIRED"],
        }
    ]
    with (tmp_path / "out" / "summary.csv").open() as stream:
        assert list(csv.reader(stream))[1] == [
            "c001",
            "special_reentry",
            "incomplete",
            "residence_card",
            "0",
            "PASSPORT_EXPIRED",
        ]


def test_text_read_from_a_scan_is_escaped() -> None:
    report = _report()
    report.documents[0].fields["surname"] = ExtractedField(
        value="<script>alert(1)</script>", confidence=0.9
    )
    html = render_html(report, _previews())
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_values_are_shown_as_a_person_reads_them() -> None:
    report = _report()
    fields = report.documents[0].fields
    fields["reentry_intent"] = ExtractedField(value=False, confidence=0.95)
    fields["personal_number"] = ExtractedField(value=None, confidence=0.97)
    fields["nationality"] = ExtractedField(value=None, confidence=0.0)
    html = render_html(report, _previews())
    row = re.compile(r"<td>(\w+)</td>\s*<td>([^<]*)</td>")
    shown = dict(row.findall(html))
    assert (shown["reentry_intent"], shown["personal_number"], shown["nationality"]) == (
        "no",
        "(blank)",
        "(not read)",
    )


def test_a_page_read_on_its_side_is_shown_upright() -> None:
    """Crops and thumbnails are cut from the page as loaded; a scan lying on its side showed
    its evidence as a strip of sideways text."""
    sideways = np.ascontiguousarray(np.rot90(_page(), k=1))  # turned left: 300 tall, 200 wide
    x, y, w, h = NUMBER_BOX
    box_on_its_side = (y, 300 - x - w, h, w)
    report = _report()
    report.documents[0].fields["document_number"].bbox = box_on_its_side
    preview = replace(make_preview(sideways), quarter_turns=1)
    crop, thumbnail = _images(render_html(report, {("passport.png", 1): preview}))
    assert crop.shape[:2] == (h + 2 * CROP_MARGIN, w + 2 * CROP_MARGIN)
    assert thumbnail.shape[:2] == (200, 300)
    assert _is_red(thumbnail[y + h // 2, x + w // 2]) and _is_white(thumbnail[150, 250])


def test_each_evidence_crop_says_which_page_it_is_and_what_was_read_there() -> None:
    html = render_html(_report(), _previews())
    assert "<figcaption>#0 passport.png p.1; document_number L898902C3</figcaption>" in html
