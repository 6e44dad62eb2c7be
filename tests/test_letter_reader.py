"""The supporting-letter reader on rendered letters with known truth, and on a letter laid out
as the sample renderer never lays one out: who the letter is about, who stands behind it,
what it certifies and whether it is signed."""

from __future__ import annotations

import random
from datetime import date

import pytest
from PIL import Image, ImageDraw
from rapidfuzz.distance import Levenshtein

from pipeline.classify import classify
from pipeline.extract.letter import extract_letter
from pipeline.ocr import OcrEngine, default_engine
from pipeline.page import Page
from pipeline.preprocess import prepare_page
from samples.degrade import degrade
from samples.documents.letters import render_letter
from samples.fonts import font
from samples.identity import random_identity
from tests.conftest import to_bgr

AS_OF = date(2026, 11, 23)
KINDS = ("letter_of_guarantee", "written_oath", "reference_materials", "reason_document")
CONFIDENT = 0.6
NAME_FIELDS = ("name", "guarantor_name", "submitted_by")


@pytest.fixture(scope="module")
def ocr() -> OcrEngine:
    return default_engine()


def _read(image: Image.Image, kind: str, ocr: OcrEngine) -> dict:
    page = prepare_page(Page("letter.png", 1, "0" * 64, to_bgr(image)), ocr)
    assert classify(page, ocr).doc_type == kind
    return extract_letter(kind, page, ocr)


def _truth(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if not key.startswith("_")}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(3))
def test_every_field_of_a_clean_letter(kind: str, seed: int, ocr: OcrEngine) -> None:
    rng = random.Random(f"letter-{kind}-{seed}")
    rendered = render_letter(kind, random_identity(rng, AS_OF), rng)
    fields = _read(rendered.image, kind, ocr)
    for key, expected in _truth(rendered.fields).items():
        assert fields[key].value == expected, key
        assert fields[key].confidence >= CONFIDENT, key
    assert fields["name"].bbox is not None
    assert fields["signed"].bbox is not None


@pytest.mark.parametrize("kind", KINDS)
def test_an_unsigned_letter_is_read_as_unsigned(kind: str, ocr: OcrEngine) -> None:
    rng = random.Random(f"unsigned-{kind}")
    rendered = render_letter(kind, random_identity(rng, AS_OF), rng, signed=False)
    signed = _read(rendered.image, kind, ocr)["signed"]
    assert signed.value is False
    assert signed.confidence >= CONFIDENT


@pytest.mark.parametrize("profile", ["scan150", "phone", "rotated"])
@pytest.mark.parametrize("kind", KINDS)
def test_degraded_letters_are_right_or_admitted_unsure(
    profile: str, kind: str, ocr: OcrEngine
) -> None:
    """On a poor photo a name may be unreadable; what the reader must not do is state a wrong
    signature or kind with confidence, or a name more than one letter off: names carry no
    check digit, and Tesseract can be sure of an O it read as Q in both of its readings."""
    rng = random.Random(f"degraded-{profile}-{kind}")
    rendered = render_letter(kind, random_identity(rng, AS_OF), rng, signed=rng.random() < 0.7)
    image, _ = degrade(rendered.image, rng, profile=profile)
    page = prepare_page(Page("letter.jpg", 1, "0" * 64, to_bgr(image)), ocr)
    fields = extract_letter(kind, page, ocr)
    for key, expected in _truth(rendered.fields).items():
        value = fields[key].value
        if value == expected or fields[key].confidence < CONFIDENT:
            continue
        assert key in NAME_FIELDS, (key, value, expected)
        assert Levenshtein.distance(str(value), expected) <= 1, (key, value, expected)


def _letter_in_another_layout(signed: bool) -> Image.Image:
    """A guarantee as an office might type it: labelled particulars, no "I, ..., hereby",
    the signature on a line after the label rather than under it."""
    image = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(image)
    body = font("serif", 34)
    lines = [
        (font("sans_bold", 52), "Letter of Guarantee"),
        (body, ""),
        (body, "To: Director General, Nagoya Regional Immigration Services Bureau"),
        (body, ""),
        (body, "Name of the person concerned: NGUYEN THI LAN"),
        (body, "Date of birth: 12 March 1994"),
        (body, "Nationality: Viet Nam"),
        (body, ""),
        (body, "I undertake to make sure that the above person appears whenever"),
        (body, "called and observes every condition of the provisional release."),
        (body, ""),
        (body, "Name of guarantor: OKADA MASARU"),
        (body, "Address: 3-1 Sakae, Naka-ku, Nagoya"),
    ]
    y = 160
    for typeface, text in lines:
        draw.text((150, y), text, font=typeface, fill="black")
        y += 62
    y += 120
    draw.text((150, y), "Signature of guarantor:", font=body, fill="black")
    draw.line((560, y + 40, 1400, y + 40), fill="black", width=2)
    if signed:
        stroke = [(600 + i * 14, y + 20 - (i % 5) * 9) for i in range(40)]
        draw.line(stroke, fill=(20, 30, 110), width=4)
    return image


@pytest.mark.parametrize("signed", [True, False])
def test_a_letter_laid_out_differently(signed: bool, ocr: OcrEngine) -> None:
    fields = _read(_letter_in_another_layout(signed), "letter_of_guarantee", ocr)
    assert fields["name"].value == "NGUYEN THI LAN"
    assert fields["guarantor_name"].value == "OKADA MASARU"
    assert fields["signed"].value is signed
