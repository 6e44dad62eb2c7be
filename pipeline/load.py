"""Load a file into pages. The type is decided by the file's first bytes, never by its name,
and every way a file can be unreadable becomes an UnreadableFile that says what to do."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from pipeline.errors import UnreadableFile
from pipeline.page import Page

PDF_RENDER_DPI = 200
_POINTS_PER_INCH = 72.0


@dataclass(frozen=True)
class LoadLimits:
    """Bounds that keep one hostile file from exhausting the machine."""

    max_pages: int = 50
    max_pixels: int = 80_000_000  # per page; a decompression bomb is refused before decoding
    # A page whose shorter side is under this holds no document that can be read: a card
    # photo that small prints its letters a pixel or two high (an icon, a thumbnail).
    min_side: int = 64


def sniff_type(head: bytes) -> str | None:
    """The document type a file's first bytes announce: jpeg, png, tiff, pdf or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def load_file(path: Path, rel: str, limits: LoadLimits | None = None) -> list[Page]:
    """Every page of the file at `path`; `rel` is the name the report shows."""
    limits = limits or LoadLimits()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(
            f"The file could not be opened ({exc.strerror}). Check that it still exists and "
            "that docintake may read it.",
            reason="io_error",
        ) from exc
    if not data:
        raise UnreadableFile(
            "The file is empty (0 bytes). The scan or upload did not finish: add the file again.",
            reason="empty",
        )
    kind = sniff_type(data[:1024])
    if kind is None:
        raise UnreadableFile(
            "The file is not a JPEG, PNG, TIFF or PDF (whatever its name says). Save it in one "
            "of those formats and add it again.",
            reason="unsupported_type",
        )
    sha256 = hashlib.sha256(data).hexdigest()
    if kind == "pdf":
        return _load_pdf(data, rel, sha256, limits)
    return _load_image(data, rel, sha256, limits)


def _check_size(width: int, height: int, limits: LoadLimits) -> None:
    if width * height > limits.max_pixels:
        raise UnreadableFile(
            f"The page is {width}x{height} pixels, more than the limit of "
            f"{limits.max_pixels:,} pixels. Scan it again at 300 dpi.",
            reason="too_large",
        )
    if min(width, height) < limits.min_side:
        raise UnreadableFile(
            f"The page is only {width}x{height} pixels: too small to hold a document. "
            "Scan it again at 200-300 dpi.",
            reason="too_small",
        )


def _to_bgr(image: Image.Image) -> np.ndarray:
    rgb = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _load_image(data: bytes, rel: str, sha256: str, limits: LoadLimits) -> list[Page]:
    pages: list[Page] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            frame_count = getattr(image, "n_frames", 1)
            if frame_count > limits.max_pages:
                raise UnreadableFile(
                    f"The file has {frame_count} pages, more than the limit of "
                    f"{limits.max_pages}. Split it into one file per document.",
                    reason="too_many_pages",
                )
            for index in range(frame_count):
                image.seek(index)
                _check_size(image.width, image.height, limits)
                upright = ImageOps.exif_transpose(image)  # phone photos carry their rotation
                pages.append(Page(rel, index + 1, sha256, _to_bgr(upright)))
    except UnreadableFile:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableFile(
            "The image declares more pixels than any scan needs (a possible decompression "
            "bomb). Scan the document again at 300 dpi.",
            reason="too_large",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UnreadableFile(
            f"The image is damaged or truncated ({exc}). Scan or copy the file again.",
            reason="corrupt",
        ) from exc
    return pages


def _pdf_form_fields(
    reader: PdfReader, index: int, scale: float, height_pt: float
) -> tuple[dict[str, str], dict[str, tuple[int, int, int, int]]]:
    """AcroForm values and widget boxes (in rendered pixels) of one PDF page."""
    values: dict[str, str] = {}
    boxes: dict[str, tuple[int, int, int, int]] = {}
    for annotation in reader.pages[index].get("/Annots") or []:
        widget = annotation.get_object()
        if widget.get("/Subtype") != "/Widget":
            continue
        parent = widget.get("/Parent")
        holder = widget if "/T" in widget else (parent.get_object() if parent else widget)
        name = holder.get("/T")
        if name is None:
            continue
        value = holder.get("/V", widget.get("/V"))
        if value is None and widget.get("/AS") not in (None, "/Off"):
            value = widget.get("/AS")
        values[str(name)] = "" if value is None else str(value).lstrip("/")
        rect = [float(v) for v in widget.get("/Rect", [0, 0, 0, 0])]
        x0, y0, x1, y1 = (
            min(rect[0], rect[2]),
            min(rect[1], rect[3]),
            max(rect[0], rect[2]),
            max(rect[1], rect[3]),
        )
        boxes[str(name)] = (
            round(x0 * scale),
            round((height_pt - y1) * scale),
            round((x1 - x0) * scale),
            round((y1 - y0) * scale),
        )
    return values, boxes


def _load_pdf(data: bytes, rel: str, sha256: str, limits: LoadLimits) -> list[Page]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile(
                "The PDF is password-protected. Save an unprotected copy (print to PDF) and "
                "add it again.",
                reason="encrypted",
            )
        page_count = len(reader.pages)
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFile(
            f"The PDF is damaged ({exc}). Export or scan it again.", reason="corrupt"
        ) from exc
    if page_count == 0:
        raise UnreadableFile("The PDF has no pages. Export it again.", reason="empty")
    if page_count > limits.max_pages:
        raise UnreadableFile(
            f"The PDF has {page_count} pages, more than the limit of {limits.max_pages}. "
            "Split it into one file per document.",
            reason="too_many_pages",
        )
    scale = PDF_RENDER_DPI / _POINTS_PER_INCH
    pages: list[Page] = []
    try:
        rendered = pypdfium2.PdfDocument(data, password="" if reader.is_encrypted else None)
        rendered.init_forms()  # draw filled AcroForm values into the raster too
        with pdfplumber.open(io.BytesIO(data), password="") as plumber:
            for index in range(page_count):
                pdfium_page = rendered[index]
                width_pt, height_pt = pdfium_page.get_size()
                _check_size(round(width_pt * scale), round(height_pt * scale), limits)
                # pdfium draws BGR, the pages' layout: copied as is, not through PIL's RGB and
                # back (which cost twice the rendering itself).
                bitmap = pdfium_page.render(
                    scale=scale, force_bitmap_format=pypdfium2.raw.FPDFBitmap_BGR
                )
                image = np.array(bitmap.to_numpy())  # a copy: the bitmap's buffer is pdfium's
                plumber_page = plumber.pages[index]
                words = [
                    (
                        w["text"],
                        (
                            round(w["x0"] * scale),
                            round(w["top"] * scale),
                            round((w["x1"] - w["x0"]) * scale),
                            round((w["bottom"] - w["top"]) * scale),
                        ),
                    )
                    for w in plumber_page.extract_words()
                ]
                values, boxes = _pdf_form_fields(reader, index, scale, height_pt)
                pages.append(
                    Page(
                        rel,
                        index + 1,
                        sha256,
                        image,
                        text_layer=plumber_page.extract_text() or "",
                        form_fields=values,
                        text_layer_words=words,
                        form_field_boxes=boxes,
                    )
                )
    except UnreadableFile:
        raise
    except Exception as exc:  # pdfium and pdfminer raise many types for broken structure
        raise UnreadableFile(
            f"The PDF's pages could not be rendered ({type(exc).__name__}: {exc}). Export or "
            "scan it again.",
            reason="corrupt",
        ) from exc
    return pages
