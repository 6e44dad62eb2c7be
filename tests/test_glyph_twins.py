"""Glyph twins (I/1, O/0, and T/I in names) told apart by shape, on text rendered in each
font forms are filled in with and rasterized as a 200 dpi scan would be."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from reportlab.pdfgen.canvas import Canvas

from pipeline.extract.glyph_twins import (
    TwinCheck,
    check_twins,
    letters_by_shape,
    with_printed_spaces,
)
from samples.documents.forms import VALUE_FONTS, form_page_images, register_fonts

TEXT = "I1O0 I23080252 O10I 8B5S"
TWINS_SWAPPED = str.maketrans("1I0O", "I1O0")


def _printed(text: str, font: str, scale: float) -> np.ndarray:
    """`text` in 10 pt `font` at 200 dpi, scaled like a scan read at lower resolution."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(320, 40))
    canvas.setFont(font, 10)
    canvas.drawString(10, 15, text)
    canvas.save()
    gray = np.asarray(form_page_images(buffer.getvalue(), dpi=200)[0].convert("L"))
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("scale", [1.0, 0.7])
@pytest.mark.parametrize("font", VALUE_FONTS)
def test_a_right_reading_is_kept_without_doubt(font: str, scale: float) -> None:
    check = check_twins(_printed(TEXT, font, scale), TEXT.replace(" ", ""))
    assert check is not None
    assert check.text == TEXT.replace(" ", "")
    assert not check.doubt


@pytest.mark.parametrize("font", VALUE_FONTS)
def test_every_swapped_twin_on_a_small_glyph_is_doubted_and_i_and_1_are_put_right(
    font: str,
) -> None:
    """Glyphs 12-15 pixels tall, as a 150 dpi scan gives: a flag is a pixel or two."""
    truth = TEXT.replace(" ", "")
    check = check_twins(_printed(TEXT, font, 0.7), truth.translate(TWINS_SWAPPED))
    assert check is not None and check.doubt
    ones_and_is = [i for i, char in enumerate(truth) if char in "1I"]
    assert [check.text[i] for i in ones_and_is] == [truth[i] for i in ones_and_is]


@pytest.mark.parametrize("font", VALUE_FONTS)
def test_a_swapped_i_or_1_on_a_clean_print_is_put_right_without_doubt(font: str) -> None:
    """At 200 dpi the flag of a 1 is several pixels wide: its shape decides, so a number
    OCR read with a wrong I/1 needs no person once the shape has put it right."""
    text = "I1 I2358 1I 8B5S"
    truth = text.replace(" ", "")
    check = check_twins(_printed(text, font, 1.0), truth.translate(TWINS_SWAPPED))
    assert check == TwinCheck(truth, False)


def test_a_reading_that_does_not_line_up_with_the_glyphs_says_nothing() -> None:
    assert check_twins(_printed("I23080252", "Helvetica", 1.0), "I2308025") is None


def test_a_reading_without_twins_needs_no_look() -> None:
    assert check_twins(np.full((10, 10), 255, np.uint8), "X4825296") == TwinCheck("X4825296", False)


@pytest.mark.parametrize("scale", [1.0, 0.7])
@pytest.mark.parametrize("font", VALUE_FONTS)
@pytest.mark.parametrize("name", ["LI JIANGUO", "PARK JIHOON", "NGUYEN VAN AN", "SUPAPORN"])
def test_spaces_are_put_back_only_where_the_print_has_them(
    name: str, font: str, scale: float
) -> None:
    """Where glyphs touch (a serif font's feet, AN at a small size) the count cannot line
    up and nothing is said; where they stand apart, no space is put where the print has
    none (a J's tail under the K before it may hide one)."""
    spaced = with_printed_spaces(_printed(name, font, scale), name.replace(" ", ""))
    assert spaced is None or _space_places(spaced) <= _space_places(name)


def _space_places(text: str) -> set[int]:
    """How many letters come before each space."""
    return {len(text[:i].replace(" ", "")) for i, char in enumerate(text) if char == " "}


@pytest.mark.parametrize("name", ["LI JIANGUO", "KIM HAEUN", "SUPAPORN"])
def test_spaces_come_back_in_a_sans_serif_print(name: str) -> None:
    assert with_printed_spaces(_printed(name, "DejaVuSans", 1.0), name.replace(" ", "")) == name


def test_spaces_are_not_guessed_when_the_glyphs_do_not_line_up_with_the_reading() -> None:
    assert with_printed_spaces(_printed("LI JIANGUO", "Helvetica", 1.0), "LIJANGUO") is None


NAME = "SOMCHAI THEIN"  # letters apart in every value font


@pytest.mark.parametrize("scale", [1.3, 1.0, 0.85, 0.7])
@pytest.mark.parametrize("font", VALUE_FONTS)
def test_a_name_read_right_keeps_its_t_and_i(font: str, scale: float) -> None:
    assert letters_by_shape(_printed(NAME, font, scale), NAME) == NAME


@pytest.mark.parametrize("font", VALUE_FONTS)
@pytest.mark.parametrize("scale", [1.3, 1.0])
def test_a_t_read_for_an_i_in_a_name_is_put_right(font: str, scale: float) -> None:
    """A slab-serif I has a bar at its head like a T (SOMCHAI read SOMCHAT at 0.9, bench
    seed 33 c028); its foot, as wide as its head, tells it from a T's bare stem. Courier's
    glyphs are too small to judge at 10 pt and 200 dpi (17 pixels) and run together at
    13 pt: the reading is then kept as it is."""
    swapped = NAME.translate(str.maketrans("TI", "IT"))
    expected = swapped if font == "Courier" else NAME
    assert letters_by_shape(_printed(NAME, font, scale), swapped) == expected


def test_a_name_whose_glyphs_do_not_line_up_is_kept_as_read() -> None:
    assert letters_by_shape(_printed(NAME, VALUE_FONTS[0], 1.0), "SOMCHAT THEI") == "SOMCHAT THEI"


L_NAME = "DEWI KHALID"  # an I, and an L with its foot, letters apart in every value font


@pytest.mark.parametrize("scale", [1.3, 1.0, 0.85, 0.7])
@pytest.mark.parametrize("font", VALUE_FONTS)
def test_a_name_read_right_keeps_its_l(font: str, scale: float) -> None:
    assert letters_by_shape(_printed(L_NAME, font, scale), L_NAME) == L_NAME


@pytest.mark.parametrize("font", VALUE_FONTS)
def test_an_l_read_for_an_i_in_a_name_is_put_right(font: str) -> None:
    """A serif I's foot reads as an L's (DEWI read DEWL on bench seed 41 c008's ED card);
    an L's foot runs right of its stem, an I's is as wide as its head. Courier's glyphs run
    together at 13 pt: the reading is then kept."""
    misread = "DEWL KHALID"
    expected = misread if font == "Courier" else L_NAME
    assert letters_by_shape(_printed(L_NAME, font, 1.3), misread) == expected
