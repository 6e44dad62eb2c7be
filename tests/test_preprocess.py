from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import pipeline.preprocess
from pipeline.classify import classify
from pipeline.load import load_file
from pipeline.ocr import OcrEngine, default_engine
from pipeline.page import Page
from pipeline.preprocess import estimate_skew, prepare_page, reads_sideways
from samples.degrade import degrade
from samples.documents.forms import FormAnswers, form_page_images, render_form
from samples.generate import DEFAULT_PROFILES
from samples.identity import random_identity
from tests.conftest import bench_document, text_page, to_bgr


@pytest.fixture(scope="module")
def ocr() -> OcrEngine:
    return default_engine()


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_turned_pages_come_out_upright_and_readable(ocr: OcrEngine, turn: int) -> None:
    image = text_page().rotate(3, expand=True, fillcolor="white").rotate(turn, expand=True)
    prepared = prepare_page(Page("p.png", 1, "", to_bgr(image)), ocr)
    text = ocr.read(prepared.image).text
    assert "quick brown fox" in text
    assert abs(estimate_skew(prepared.image)) < 0.5
    # PIL turns counter-clockwise: a quarter turn left is undone by one to the right.
    assert prepared.quarter_turns == turn // 90


def test_skew_estimate_is_the_angle_that_levels_the_text() -> None:
    for angle in (-6.0, -2.0, 2.5, 8.0):
        image = text_page().rotate(angle, expand=True, fillcolor="white")
        gray = to_bgr(image)[:, :, 0]
        assert estimate_skew(gray) == pytest.approx(-angle, abs=0.6)


def test_boxes_map_back_to_the_page_as_loaded(ocr: OcrEngine) -> None:
    upright = text_page()
    straight = ocr.read(to_bgr(upright)).lines[0].bbox
    # Turned by 90 degrees: the first line must map back to where it is in the turned page.
    turned = upright.rotate(90, expand=True)
    prepared = prepare_page(Page("p.png", 1, "", to_bgr(turned)), ocr)
    found = ocr.read(prepared.image).lines[0].bbox
    x, y, w, h = prepared.bbox_to_original(found)
    # PIL rotates counter-clockwise: (x, y) -> (y, W - x) with W the upright width.
    width = upright.width
    expected = (straight[1], width - straight[0] - straight[2], straight[3], straight[2])
    assert np.allclose((x, y, w, h), expected, atol=12)


def test_large_photos_are_bounded_and_boxes_scale_back(ocr: OcrEngine) -> None:
    big = text_page((4200, 3000))
    prepared = prepare_page(Page("p.jpg", 1, "", to_bgr(big)), ocr)
    assert max(prepared.image.shape) <= 2400
    _, _, w, h = prepared.bbox_to_original((0, 0, 100, 100))
    assert w == pytest.approx(175, abs=2) and h == pytest.approx(175, abs=2)


def test_a_page_read_on_its_side_is_told_by_its_word_boxes(ocr: OcrEngine) -> None:
    upright = to_bgr(text_page())
    assert not reads_sideways(ocr.read(upright))
    assert reads_sideways(ocr.read(np.ascontiguousarray(np.rot90(upright))))


@pytest.mark.parametrize("turn", [90, 270])
def test_a_page_on_its_side_comes_out_upright_when_its_ink_looks_level(
    ocr: OcrEngine, turn: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A passport's photo and art leave too few line-shaped blobs to tell which way its text
    runs; Tesseract then reads the page on its side, and confidently."""
    monkeypatch.setattr(pipeline.preprocess, "text_runs_vertically", lambda gray: False)
    image = text_page().rotate(turn, expand=True)
    prepared = prepare_page(Page("p.png", 1, "", to_bgr(image)), ocr)
    assert prepared.quarter_turns == turn // 90
    assert "quick brown fox" in ocr.read(prepared.image).text


@pytest.mark.parametrize("seed", [6, 8])
def test_a_blurred_photo_of_a_form_is_kept_the_way_it_came(ocr: OcrEngine, seed: int) -> None:
    """Too blurred for confident English words either way round, the form's Japanese labels
    read about as badly upside down: it stays upright, and is recognised."""
    rng = random.Random(f"far-{seed}")
    person = random_identity(rng, date(2026, 11, 23))
    rendering = render_form("reentry_permit", person, FormAnswers(), rng)
    page = form_page_images(rendering.pdf_flat, dpi=200)[0]
    photo, _ = degrade(page, rng, profile="phone")
    prepared = prepare_page(Page("f.jpg", 1, "", to_bgr(photo)), ocr)
    assert prepared.quarter_turns == 0
    assert classify(prepared, ocr).doc_type == "application_form"


def test_a_turn_that_reads_almost_nothing_does_not_win_over_one_that_reads_words(
    tmp_path: Path, ocr: OcrEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bench case c001 of `samples --seed 21`, the ED card left in its phone photo: upright,
    six words read (the title among them), upside down one; the page with one word was
    taken for a photo with no text either way round, and kept upside down."""
    monkeypatch.setattr(pipeline.preprocess, "_lies_on_a_background", lambda gray, corners: False)
    path, _ = bench_document(tmp_path, 21, 0, "reentry_ed_card", DEFAULT_PROFILES)
    prepared = prepare_page(load_file(path, path.name)[0], ocr)
    assert prepared.quarter_turns == 0


def test_a_passport_whose_upside_down_reading_has_a_few_confident_words_is_turned(
    tmp_path: Path, ocr: OcrEngine
) -> None:
    """Bench case c018 of `samples --seed 53`, a passport scanned upside down into a PDF: read
    as it lay, the page gave five confident junk words among 80, enough to pass for upright,
    while its MRZ read as runs of '>'; the visual zone was then no evidence for the MRZ."""
    path, _ = bench_document(tmp_path, 53, 17, "passport", DEFAULT_PROFILES)
    prepared = prepare_page(load_file(path, path.name)[0], ocr)
    assert prepared.quarter_turns == 2
    assert prepared.ocr is not None and "PASSPORT" in prepared.ocr.text
