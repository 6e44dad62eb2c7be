"""Broken and hostile files: each gets a clear, specific error in its case's report, the
original is kept, and the rest of the batch is read."""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from reportlab.pdfgen import canvas

from pipeline.document import read_file
from pipeline.ocr import InProcessTesseractEngine, TesseractEngine, default_engine
from schemas.report import Report
from tests.conftest import text_page
from tests.test_end_to_end import AS_OF, run_cli


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def decompression_bomb() -> bytes:
    """A few hundred bytes that declare a 100000 x 100000 pixel image."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def _pdf(pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer)
    for number in range(pages):
        document.drawString(72, 720, f"Page {number + 1}")
        document.showPage()
    document.save()
    return buffer.getvalue()


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf()))
    writer.encrypt(user_password="applicant", owner_password="office")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "zero bytes.jpg": (b"", "empty"),
    "truncated.jpg": (_jpeg(text_page())[:5000], "corrupt"),
    "notes.jpg": (b"Dear officer, please find attached...\n" * 20, "unsupported_type"),
    "bomb.png": (decompression_bomb(), "too_large"),
    "locked.pdf": (_encrypted_pdf(), "encrypted"),
    "broken.pdf": (b"%PDF-1.7\n1 0 obj\n<< /Type /Pages /Kids [ 9 0 R ] >>\nendobj\n", "corrupt"),
    "long.pdf": (_pdf(pages=60), "too_many_pages"),
    "dot.png": (None, "too_small"),  # filled in below: a 1-pixel image
    "icon.png": (None, "too_small"),  # and a 50-pixel one
}


def _blank_png(side: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _content(name: str) -> bytes:
    content, _ = BAD_FILES[name]
    if content is None:
        return _blank_png(1 if name == "dot.png" else 50)
    return content


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_gets_its_own_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(_content(name))
    result = read_file(path, name, default_engine(), date.fromisoformat(AS_OF))
    (document,) = result.documents
    assert document.errors and document.errors[0].code == BAD_FILES[name][1]
    message = document.errors[0].message
    assert len(message) > 40 and any(
        verb in message for verb in ("add", "Scan", "Save", "Export", "Split", "again")
    )


def test_a_batch_of_bad_files_goes_on_and_keeps_every_original(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    hostile = inbox / "hostile case"
    hostile.mkdir(parents=True)
    for name in BAD_FILES:
        (hostile / name).write_bytes(_content(name))
    # Non-ASCII and spaces in names are fine and must be read.
    good = inbox / "ケース 2"
    good.mkdir()
    text_page().save(good / "履歴 scan 1.png")
    # A link out of the inbox is not followed.
    outside = tmp_path / "outside.png"
    text_page().save(outside)
    os.symlink(outside, good / "link.png")
    before = sorted(p.name for p in hostile.iterdir())

    out = tmp_path / "out"
    result = run_cli("run", str(inbox), "--out", str(out), "--as-of", AS_OF, "--max-pages", "50")
    assert result.returncode == 3, result.stdout + result.stderr

    hostile_report = Report.model_validate_json((out / "hostile case" / "report.json").read_text())
    codes = {d.file: d.errors[0].code for d in hostile_report.documents if d.errors}
    assert codes == {name: reason for name, (_, reason) in BAD_FILES.items()}
    unreadable = [f for f in hostile_report.findings if f.code == "UNREADABLE_FILE"]
    assert unreadable and hostile_report.verdict != "complete"

    good_report = Report.model_validate_json((out / "ケース 2" / "report.json").read_text())
    assert [d.file for d in good_report.documents] == ["履歴 scan 1.png"]
    assert not good_report.documents[0].errors

    assert sorted(p.name for p in hostile.iterdir()) == before  # nothing moved or deleted
    summary = {row["case_id"]: row for row in json.loads((out / "summary.json").read_text())}
    assert summary["hostile case"]["errors"] == len(BAD_FILES)
    assert summary["ケース 2"]["errors"] == 0


@pytest.mark.parametrize("engine", [TesseractEngine, InProcessTesseractEngine])
def test_a_page_over_its_ocr_time_limit_is_reported_and_the_file_kept(
    tmp_path: Path, engine: type[TesseractEngine]
) -> None:
    path = tmp_path / "slow.png"
    text_page().save(path)
    result = read_file(path, "slow.png", engine(page_seconds=0.05), date.fromisoformat(AS_OF))
    (document,) = result.documents
    assert document.errors[0].code == "ocr_timeout"
    assert "limit per page" in document.errors[0].message
    assert path.exists()
