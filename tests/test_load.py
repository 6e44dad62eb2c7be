from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from reportlab.pdfgen import canvas

from pipeline.errors import UnreadableFile
from pipeline.load import LoadLimits, load_file, sniff_type
from tests.conftest import text_page


def _write_png(path: Path, size: tuple[int, int] = (300, 200)) -> Path:
    Image.new("RGB", size, "white").save(path, format="PNG")
    return path


def _form_pdf(path: Path) -> Path:
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 760, "APPLICATION FOR RE-ENTRY PERMIT")
    pdf.acroForm.textfield(
        name="txtNationality", value="VIET NAM", x=72, y=600, width=200, height=20
    )
    pdf.acroForm.checkbox(name="chkMultiple", checked=True, x=72, y=560, size=14)
    pdf.save()
    return path


def test_type_is_decided_by_content_not_extension(tmp_path: Path) -> None:
    png_named_pdf = _write_png(tmp_path / "scan.pdf")
    pages = load_file(png_named_pdf, "scan.pdf")
    assert len(pages) == 1 and pages[0].image.shape == (200, 300, 3)
    assert sniff_type(b"%PDF-1.7\n") == "pdf"
    assert sniff_type(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff_type(b"GIF89a") is None


def test_multipage_tiff_gives_one_page_each(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (320, 240), colour) for colour in ("white", "gray", "black")]
    path = tmp_path / "bundle.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    pages = load_file(path, "bundle.tif")
    assert [p.page for p in pages] == [1, 2, 3]
    assert pages[2].image.mean() < 10 < pages[0].image.mean()
    assert len({p.sha256 for p in pages}) == 1


def test_pdf_gives_text_layer_form_values_and_widget_boxes(tmp_path: Path) -> None:
    pages = load_file(_form_pdf(tmp_path / "form.pdf"), "form.pdf")
    page = pages[0]
    assert "RE-ENTRY PERMIT" in page.text_layer
    assert page.form_fields["txtNationality"] == "VIET NAM"
    assert page.form_fields["chkMultiple"] not in ("", "Off")
    _, y, w, _ = page.form_field_boxes["txtNationality"]
    # 200 pt wide at 200 dpi is about 556 px; y counted from the top of the page.
    assert abs(w - 556) <= 2 and 0 < y < page.image.shape[0] / 2 + 300
    words = [text for text, _ in page.text_layer_words]
    assert "APPLICATION" in words


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"just some text, not an image", "unsupported_type"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "corrupt"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntrailer\n%%EOF", "corrupt"),
    ],
)
def test_bad_files_raise_a_clear_unreadable_error(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as caught:
        load_file(path, "bad.jpg")
    assert caught.value.reason == reason
    assert len(str(caught.value)) > 30  # says what is wrong and what to do


def test_truncated_jpeg_is_unreadable(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    text_page().save(buffer, format="JPEG", quality=85)
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 3])
    with pytest.raises(UnreadableFile) as caught:
        load_file(path, "cut.jpg")
    assert caught.value.reason == "corrupt"


def test_encrypted_pdf_is_refused_with_advice(tmp_path: Path) -> None:
    source = _form_pdf(tmp_path / "plain.pdf")
    writer = PdfWriter(clone_from=str(source))
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as stream:
        writer.write(stream)
    with pytest.raises(UnreadableFile) as caught:
        load_file(locked, "locked.pdf")
    assert caught.value.reason == "encrypted"
    assert "password" in str(caught.value)


def test_limits_refuse_huge_tiny_and_long_files(tmp_path: Path) -> None:
    limits = LoadLimits(max_pages=2, max_pixels=1_000_000, min_side=16)
    with pytest.raises(UnreadableFile) as huge:
        load_file(_write_png(tmp_path / "huge.png", (1200, 1000)), "huge.png", limits)
    assert huge.value.reason == "too_large"
    with pytest.raises(UnreadableFile) as tiny:
        load_file(_write_png(tmp_path / "tiny.png", (1, 1)), "tiny.png", limits)
    assert tiny.value.reason == "too_small"
    frames = [Image.new("RGB", (64, 64), "white") for _ in range(3)]
    path = tmp_path / "long.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.raises(UnreadableFile) as long:
        load_file(path, "long.tif", limits)
    assert long.value.reason == "too_many_pages"


def test_pdf_pages_are_bgr_like_every_other_page(tmp_path: Path) -> None:
    """A red square drawn in the PDF is red in the page's BGR pixels, where it was drawn."""
    path = tmp_path / "red.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(200, 100))
    pdf.setFillColorRGB(1, 0, 0)
    pdf.rect(36, 36, 36, 36, stroke=0, fill=1)  # half an inch from the bottom-left corner
    pdf.save()
    (page,) = load_file(path, "red.pdf")
    assert page.image.shape == (278, 556, 3) and page.image.flags.c_contiguous
    # 200 dpi: the square spans 100-200 px from the left and from the bottom (178-78 from top).
    assert page.image[128, 150].tolist() == [0, 0, 255]
    assert page.image[20, 20].tolist() == [255, 255, 255]
