"""Write a case's report.json and report.html, and the batch's summary.json and summary.csv.
The HTML opens with the findings, each beside a crop of the page it came from."""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from jinja2 import Environment, PackageLoader

from pipeline.storage import atomic_write
from pipeline.verify import LOW_CONFIDENCE_THRESHOLD
from schemas.report import BBox, CaseSummary, DocumentReport, ExtractedField, Report

CROP_MARGIN = 12  # page pixels around the evidence
CROP_MAX_SIDE = 720
# Pages are carried at full resolution up to this long side: field boxes are often under 100
# pixels wide and their crops are shown at their own size, so a smaller preview would show
# them smaller or blurred. Scans at 200-300 dpi and 12 MP phone photos fit whole; only larger
# photos are scaled, where fields are large enough to lose nothing visible.
PREVIEW_MAX_SIDE = 4096
PREVIEW_QUALITY = 90  # the crops are encoded once more (at 80) for the page
REPORT_QUALITY = 80
REDACTED = "▇▇▇▇"


def summarize(report: Report) -> CaseSummary:
    return CaseSummary(
        case_id=report.case_id,
        procedure=report.procedure,
        verdict=report.verdict,
        missing=report.missing_items(),
        errors=sum(len(document.errors) for document in report.documents),
        findings=sorted({f.code for f in report.findings if f.severity in ("error", "warning")}),
    )


def write_summary(out: Path, summaries: Iterable[CaseSummary]) -> None:
    rows = sorted(summaries, key=lambda s: s.case_id)
    atomic_write(
        out / "summary.json",
        json.dumps([row.model_dump() for row in rows], ensure_ascii=False, indent=2) + "\n",
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["case_id", "procedure", "verdict", "missing", "errors", "findings"])
    for row in rows:
        writer.writerow(
            [
                row.case_id,
                row.procedure,
                row.verdict,
                ";".join(row.missing),
                row.errors,
                ";".join(row.findings),
            ]
        )
    atomic_write(out / "summary.csv", buffer.getvalue())


@dataclass(frozen=True)
class PagePreview:
    """A page's pixels as the report needs them, made by the process that loaded the page, so
    the report never loads and decodes the file again (and never needs the file still there:
    the watch folder files originals away)."""

    jpeg: bytes  # the page as loaded, at most PREVIEW_MAX_SIDE on its long side
    scale: float  # preview pixels per loaded-page pixel (bounding boxes are in the latter)
    thumbnail: bytes  # the report's thumbnail of the page, ready to show
    quarter_turns: int = 0  # clockwise, to show the page upright (known once it is prepared)


def _encode_jpeg(image: np.ndarray, max_side: int, quality: int) -> bytes:
    height, width = image.shape[:2]
    factor = min(1.0, max_side / max(height, width, 1))
    if factor < 1.0:
        image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return encoded.tobytes() if ok else b""


def make_preview(image: np.ndarray) -> PagePreview:
    """The preview of a loaded page (BGR). About 10 ms for a 200 dpi A4 page, where loading
    the file again for the report cost 70 ms a page and more for PDFs."""
    scale = min(1.0, PREVIEW_MAX_SIDE / max(image.shape[:2]))
    return PagePreview(
        jpeg=_encode_jpeg(image, PREVIEW_MAX_SIDE, PREVIEW_QUALITY),
        scale=scale,
        thumbnail=_encode_jpeg(image, CROP_MAX_SIDE, REPORT_QUALITY),
    )


def _upright(image: np.ndarray, quarter_turns: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(image, k=-quarter_turns)) if quarter_turns else image


def _thumbnail(preview: PagePreview) -> bytes:
    if not preview.quarter_turns:
        return preview.thumbnail
    image = cv2.imdecode(np.frombuffer(preview.thumbnail, np.uint8), cv2.IMREAD_COLOR)
    return _encode_jpeg(_upright(image, preview.quarter_turns), CROP_MAX_SIDE, REPORT_QUALITY)


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode() if jpeg else ""


def _crop(image: np.ndarray, bbox: BBox | None, scale: float) -> np.ndarray:
    """The part of the preview around `bbox`, given in loaded-page pixels."""
    if bbox is None:
        return image
    x, y, w, h = bbox
    height, width = image.shape[:2]
    x0 = max(0, math.floor((x - CROP_MARGIN) * scale))
    y0 = max(0, math.floor((y - CROP_MARGIN) * scale))
    x1 = min(width, math.ceil((x + w + CROP_MARGIN) * scale))
    y1 = min(height, math.ceil((y + h + CROP_MARGIN) * scale))
    return image[y0:y1, x0:x1] if x1 > x0 and y1 > y0 else image


def _evidence_box(document: DocumentReport, fields: list[str]) -> BBox | None:
    boxes = [document.fields[f].bbox for f in fields if f in document.fields]
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return None
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def render_html(
    report: Report, previews: Mapping[tuple[str, int], PagePreview], *, redact: bool = False
) -> str:
    """The readable report; `previews` are the case's pages by (file, page), as read. A page
    without one (its file could not be loaded) has no crop and no thumbnail. With `redact`,
    field values and crops are left out so the page can be shared without personal data."""
    decoded: dict[tuple[str, int], np.ndarray] = {}
    findings = []
    for finding in report.findings:
        crops = []
        if not redact:
            for index in finding.documents[:2]:
                if not 0 <= index < len(report.documents):
                    continue
                document = report.documents[index]
                key = (document.file, document.page)
                if key not in previews:
                    continue
                if key not in decoded:  # only pages with evidence are decoded
                    decoded[key] = cv2.imdecode(
                        np.frombuffer(previews[key].jpeg, np.uint8), cv2.IMREAD_COLOR
                    )
                box = _evidence_box(document, finding.fields)
                crop = _upright(
                    _crop(decoded[key], box, previews[key].scale), previews[key].quarter_turns
                )
                # Which page, and what was read there: a mismatch shows two crops.
                caption = [f"#{index} {document.file} p.{document.page}"]
                caption += [
                    f"{name} {shown_value(document.fields[name])}"
                    for name in finding.fields
                    if name in document.fields
                ]
                uri = _data_uri(_encode_jpeg(crop, CROP_MAX_SIDE, REPORT_QUALITY))
                crops.append({"uri": uri, "caption": "; ".join(caption)})
        findings.append({"finding": finding, "crops": crops})
    documents = []
    for index, document in enumerate(report.documents):
        thumbnail = None
        preview = previews.get((document.file, document.page))
        if not redact and preview is not None:
            thumbnail = _data_uri(_thumbnail(preview))
        documents.append({"index": index, "document": document, "thumbnail": thumbnail})
    # Everything read from a scan is text from a stranger: escape it all.
    environment = Environment(loader=PackageLoader("pipeline", "templates"), autoescape=True)
    environment.filters["shown"] = shown_value
    template = environment.get_template("report.html.j2")
    return template.render(
        report=report,
        findings=findings,
        documents=documents,
        redact=redact,
        redacted=REDACTED,
        low_confidence=LOW_CONFIDENCE_THRESHOLD,
    )


def shown_value(field: ExtractedField) -> str:
    """A field's value as a person reads it: yes/no rather than True/False, and a field the
    reader is sure is left blank (a passport's empty personal number) told from one it could
    not read."""
    if isinstance(field.value, bool):
        return "yes" if field.value else "no"
    if field.value is None:
        return "(blank)" if field.confidence >= LOW_CONFIDENCE_THRESHOLD else "(not read)"
    return str(field.value)


def write_case_report(
    report: Report,
    out: Path,
    previews: Mapping[tuple[str, int], PagePreview],
    *,
    redact: bool = False,
) -> Path:
    """Write OUT/<case_id>/report.json and report.html; return the case's output folder."""
    folder = out / report.case_id
    for leftover in folder.glob(".report.*"):  # temporary files of a run killed mid-write
        leftover.unlink(missing_ok=True)
    atomic_write(folder / "report.html", render_html(report, previews, redact=redact))
    # report.json last: its presence means the case is done (resume relies on it).
    atomic_write(folder / "report.json", report.model_dump_json(indent=2) + "\n")
    return folder
