"""Classification on rendered documents of every type, clean and degraded, with real OCR."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from pipeline.classify import Classification, classify, confirmed_by_reading
from pipeline.load import load_file
from pipeline.ocr import OcrEngine, default_engine
from pipeline.page import Page
from pipeline.preprocess import prepare_page
from samples.degrade import degrade
from samples.documents.ed_card import render_ed_card
from samples.documents.forms import FormAnswers, form_page_images, render_form
from samples.documents.letters import render_letter
from samples.documents.passport import render_passport
from samples.documents.photo import render_photo
from samples.documents.residence_card import render_card_back, render_card_front
from samples.generate import DEFAULT_PROFILES
from samples.identity import random_identity
from schemas.report import DOC_TYPES as ALL_DOC_TYPES
from schemas.report import ExtractedField
from tests.conftest import bench_document, text_page, to_bgr

AS_OF = date(2026, 11, 23)


def _render(doc_type: str, rng: random.Random) -> Image.Image:
    person = random_identity(rng, AS_OF)
    if doc_type == "passport":
        return render_passport(person, rng).image
    if doc_type == "residence_card_front":
        return render_card_front(person, rng).image
    if doc_type == "residence_card_back":
        return render_card_back(
            person, rng, application_pending=True, permission_outside_status=False
        ).image
    if doc_type == "reentry_ed_card":
        return render_ed_card(person, rng, ticked=True, mark="check").image
    if doc_type == "application_form":
        rendering = render_form("extension_of_stay", person, FormAnswers(), rng)
        return form_page_images(rendering.pdf_flat, dpi=200)[0]
    if doc_type == "photo":
        return render_photo(person, rng).image
    return render_letter(doc_type, person, rng).image


DOC_TYPES = [t for t in ALL_DOC_TYPES if t != "unknown"]


@pytest.fixture(scope="module")
def ocr() -> OcrEngine:
    return default_engine()


@pytest.mark.parametrize("doc_type", DOC_TYPES)
@pytest.mark.parametrize("profile", ["clean", "rotated"])
def test_each_type_is_recognised(ocr: OcrEngine, doc_type: str, profile: str) -> None:
    rng = random.Random(f"{doc_type}-{profile}")
    image, _ = degrade(_render(doc_type, rng), rng, profile=profile)
    prepared = prepare_page(Page("x.png", 1, "", to_bgr(image)), ocr)
    result = classify(prepared, ocr)
    assert result.doc_type == doc_type, result.scores
    assert result.confidence >= 0.5
    assert prepared.ocr is not None  # the reading is kept for the readers


def test_a_form_photographed_from_afar_is_recognised_on_a_closer_look(
    tmp_path: Path, ocr: OcrEngine
) -> None:
    """Degraded bench case c037 (`samples --seed 5`): a whole form photographed small and
    motion-blurred reads as noise at the classifier's usual size; enlarged, its title reads."""
    path, _ = bench_document(tmp_path, 5, 36, "application_form", DEFAULT_PROFILES)
    prepared = prepare_page(load_file(path, path.name)[0], ocr)
    assert classify(prepared, ocr).doc_type == "application_form"


def test_a_plain_text_page_is_unknown(ocr: OcrEngine) -> None:
    prepared = prepare_page(Page("x.png", 1, "", to_bgr(text_page())), ocr)
    assert classify(prepared, ocr).doc_type == "unknown"


@pytest.mark.parametrize(
    ("doc_type", "fields", "confirmed"),
    [
        (
            "residence_card_front",
            {"card_number": ExtractedField(value="AB12345678CD", confidence=0.9, valid=True)},
            True,
        ),
        (
            "residence_card_front",
            {"card_number": ExtractedField(value="AB1234567CD", confidence=0.9, valid=False)},
            False,
        ),
        (
            "residence_card_front",
            {"card_number": ExtractedField(value="AB12345678CD", confidence=0.4, valid=True)},
            False,
        ),
        ("residence_card_front", {}, False),
        ("passport", {"mrz_valid": ExtractedField(value=True, confidence=0.95)}, True),
        ("passport", {"mrz_valid": ExtractedField(value=False, confidence=0.95)}, False),
        ("reentry_ed_card", {"reentry_intent": ExtractedField(value=False, confidence=0.9)}, True),
        (
            "photo",
            {"card_number": ExtractedField(value="AB12345678CD", confidence=0.9, valid=True)},
            False,
        ),
    ],
)
def test_a_reader_that_finds_the_defining_field_settles_an_unsure_classification(
    doc_type: str, fields: dict[str, ExtractedField], confirmed: bool
) -> None:
    unsure = Classification(doc_type, 0.09, {doc_type: 0.4})
    result = confirmed_by_reading(unsure, fields)
    assert result.doc_type == doc_type
    assert (result.confidence >= 0.6) == confirmed
