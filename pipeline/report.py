"""Write a case's report.json and report.html, and the batch's summary.json and summary.csv.
The HTML opens with the findings, each beside a crop of the page it came from."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
from jinja2 import Environment, PackageLoader

from pipeline.errors import UnreadableFile
from pipeline.load import load_file
from pipeline.storage import atomic_write
from schemas.report import CaseSummary, DocumentReport, Report

CROP_MARGIN = 12
CROP_MAX_SIDE = 720
REDACTED = "▇▇▇▇"


def summarize(report: Report) -> CaseSummary:
    return CaseSummary(
        case_id=report.case_id,
        procedure=report.procedure,
        verdict=report.verdict,
        missing=report.missing_items(),
        errors=sum(len(document.errors) for document in report.documents),
    )


def write_summary(out: Path, summaries: Iterable[CaseSummary]) -> None:
    rows = sorted(summaries, key=lambda s: s.case_id)
    atomic_write(
        out / "summary.json",
        json.dumps([row.model_dump() for row in rows], ensure_ascii=False, indent=2) + "\n",
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["case_id", "procedure", "verdict", "missing", "errors"])
    for row in rows:
        writer.writerow(
            [row.case_id, row.procedure, row.verdict, ";".join(row.missing), row.errors]
        )
    atomic_write(out / "summary.csv", buffer.getvalue())


def _encode_png(image: np.ndarray) -> str:
    height, width = image.shape[:2]
    factor = min(1.0, CROP_MAX_SIDE / max(height, width, 1))
    if factor < 1.0:
        image = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return "data:image/jpeg;base64," + base64.b64encode(encoded.tobytes()).decode() if ok else ""


class _PageImages:
    """Pages of the case's files, loaded again only when a crop needs them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, list[np.ndarray]] = {}

    def get(self, file: str, page: int) -> np.ndarray | None:
        if file not in self._cache:
            try:
                self._cache[file] = [p.image for p in load_file(self.root / file, file)]
            except UnreadableFile:
                self._cache[file] = []
        images = self._cache[file]
        return images[page - 1] if 0 < page <= len(images) else None


def _crop(image: np.ndarray, bbox: tuple[int, int, int, int] | None) -> np.ndarray:
    if bbox is None:
        return image
    x, y, w, h = bbox
    height, width = image.shape[:2]
    x0, y0 = max(0, x - CROP_MARGIN), max(0, y - CROP_MARGIN)
    x1, y1 = min(width, x + w + CROP_MARGIN), min(height, y + h + CROP_MARGIN)
    return image[y0:y1, x0:x1] if x1 > x0 and y1 > y0 else image


def _evidence_box(document: DocumentReport, fields: list[str]) -> tuple[int, int, int, int] | None:
    boxes = [document.fields[f].bbox for f in fields if f in document.fields]
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return None
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def render_html(report: Report, root: Path, *, redact: bool = False) -> str:
    """The readable report. With `redact`, field values and crops are left out so the page
    can be shared without personal data."""
    pages = _PageImages(root)
    findings = []
    for finding in report.findings:
        crops = []
        if not redact:
            for index in finding.documents[:2]:
                if not 0 <= index < len(report.documents):
                    continue
                document = report.documents[index]
                image = pages.get(document.file, document.page)
                if image is not None:
                    box = _evidence_box(document, finding.fields)
                    crops.append(_encode_png(_crop(image, box)))
        findings.append({"finding": finding, "crops": crops})
    documents = []
    for index, document in enumerate(report.documents):
        thumbnail = None
        if not redact:
            image = pages.get(document.file, document.page)
            thumbnail = _encode_png(image) if image is not None else None
        documents.append({"index": index, "document": document, "thumbnail": thumbnail})
    # Everything read from a scan is text from a stranger: escape it all.
    environment = Environment(loader=PackageLoader("pipeline", "templates"), autoescape=True)
    template = environment.get_template("report.html.j2")
    return template.render(
        report=report, findings=findings, documents=documents, redact=redact, redacted=REDACTED
    )


def write_case_report(report: Report, out: Path, root: Path, *, redact: bool = False) -> Path:
    """Write OUT/<case_id>/report.json and report.html; return the case's output folder."""
    folder = out / report.case_id
    for leftover in folder.glob(".report.*"):  # temporary files of a run killed mid-write
        leftover.unlink(missing_ok=True)
    atomic_write(folder / "report.html", render_html(report, root, redact=redact))
    # report.json last: its presence means the case is done (resume relies on it).
    atomic_write(folder / "report.json", report.model_dump_json(indent=2) + "\n")
    return folder
