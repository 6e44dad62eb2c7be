"""Embarkation card for re-entrant (再入国出国記録): the special re-entry tick box and the
handwritten identity fields.

The tick decides whether the residence card survives departure, so it is read by geometry
(the box beside its printed label, then the ink inside it) and an unclear box is reported as
None, never as a guess. Handwritten values sit in ruled boxes under their printed labels;
each box's inside is read, all of them in one English pass.
"""

from __future__ import annotations

import re
from datetime import date

import cv2
import numpy as np
from rapidfuzz import fuzz

from pipeline.checkbox import read_tick_box
from pipeline.classify import read_page
from pipeline.extract.residence_card import (
    CardFields,
    CardImage,
    flatten_background,
    locate_card,
    read_stacked,
)
from pipeline.ocr import BBox, Line, OcrEngine, Word, union_bbox
from pipeline.page import PreparedPage
from pipeline.textparse import match_country, normalize_name, parse_date
from schemas.report import ExtractedField

# Printed English labels of the fields the contract asks for, whole and by the one word
# that no other label has (small print blurs; one clear word is enough).
_LABELS = {
    "surname": ("Family name", "Family"),
    "given_names": ("Given names", "Given"),
    "date_of_birth": ("Date of birth", "birth", "(Day Month Year)"),
    "nationality": ("Nationality/Region", "Region"),
    "passport_number": ("Passport number", "Passport"),
}
_REENTRY_LABELS = ("(special re-entry)", "leaving temporarily", "will return within 1 year")
_OTHER_BOX_LABELS = ("Special Permanent Resident Certificate", "I hold a Special")
_REENTRY_MATCH = 65.0
_LABEL_MATCH = 80.0  # rapidfuzz ratio a run of words needs to count as a label
_VALUE_HEIGHT = 48  # pixels each handwritten line is scaled to for OCR
_WORD_SPACE = 0.8  # a gap wider than this share of the letters' height separates words
ED_CARD_ASPECT = 148.0 / 105.0
_CANONICAL_WIDTH = 1800  # about 12 px/mm: 1.6 mm labels some 19 px tall


def _window_score(line: Line, label: str) -> tuple[float, BBox]:
    """How well the line's best run of words reads as `label`, and that run's box."""
    size = len(label.split())
    words = line.words
    best: tuple[float, BBox] = (0.0, line.bbox)
    for start in range(max(1, len(words) - size + 1)):
        window = words[start : start + size]
        score = fuzz.ratio(" ".join(w.text for w in window).lower(), label.lower())
        if score > best[0]:
            best = (score, union_bbox([w.bbox for w in window]))
    return best


def _find_label(lines: list[Line], variants: tuple[str, ...]) -> BBox | None:
    """Box of the run of words that reads most like one of the label's variants, if any
    reads enough like it."""
    best: tuple[float, BBox] | None = None
    for line in lines:
        for variant in variants:
            score, box = _window_score(line, variant)
            if score >= _LABEL_MATCH and (best is None or score > best[0]):
                best = (score, box)
    return best[1] if best else None


def _ruled_boxes(gray: np.ndarray, stroke: int) -> list[BBox]:
    """Rectangles drawn on the card (field boxes), from its long straight strokes."""
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, stroke), np.uint8))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((stroke, 1), np.uint8))
    lines = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(lines, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    return [tuple(int(v) for v in cv2.boundingRect(c)) for c in contours]  # type: ignore[misc]


def _value_region(label: BBox, boxes: list[BBox], shape: tuple[int, ...]) -> BBox:
    """Inside of the smallest ruled box holding the label, below the label; without one,
    a band under the label as wide as a field usually is."""
    lx, ly, lw, lh = label
    centre_x, centre_y = lx + lw / 2, ly + lh / 2
    holding = [
        b
        for b in boxes
        if b[0] < centre_x < b[0] + b[2] and b[1] < centre_y < b[1] + b[3] and b[3] > 2.5 * lh
    ]
    top = ly + lh + max(2, lh // 4)
    if holding:
        x, y, w, h = min(holding, key=lambda b: b[2] * b[3])
        margin = max(3, lh // 3)
        x0, x1, y1 = x + margin, x + w - margin, y + h - margin
    else:
        x0, x1, y1 = max(0, lx - lh), min(shape[1], lx + 30 * lh), min(shape[0], top + 4 * lh)
    return (x0, top, max(1, x1 - x0), max(1, y1 - top))


def _words_inside(lines: list[Line], region: BBox) -> list[Word]:
    x, y, w, h = region
    return [
        word
        for line in lines
        for word in line.words
        if x <= word.bbox[0] + word.bbox[2] / 2 <= x + w
        and y <= word.bbox[1] + word.bbox[3] / 2 <= y + h
    ]


def _join_words(words: list[Word]) -> str:
    """Words of a handwritten value, joined with a space only where the gap is a word
    space: letters written by hand stand apart, and Tesseract splits words between them."""
    ordered = sorted(words, key=lambda w: w.bbox[0])
    text = ""
    for previous, word in zip([None, *ordered], ordered, strict=False):
        if previous is not None:
            gap = word.bbox[0] - (previous.bbox[0] + previous.bbox[2])
            height = max(previous.bbox[3], word.bbox[3])
            text += " " if gap > _WORD_SPACE * height else ""
        text += word.text
    return text


def _read_values(
    image: np.ndarray, lines: list[Line], regions: dict[str, BBox], ocr: OcrEngine
) -> dict[str, tuple[str, float]]:
    """Text and confidence in each region: the page reading's words there, else one
    English pass over the regions it left empty."""
    values: dict[str, tuple[str, float]] = {}
    missing: list[str] = []
    for name, region in regions.items():
        words = _words_inside(lines, region)
        if words:
            values[name] = (_join_words(words), min(w.confidence for w in words))
        else:
            missing.append(name)
    flat, _ = flatten_background(image)
    readings = read_stacked(
        flat, [regions[n] for n in missing], ocr, lang="eng", line_height=_VALUE_HEIGHT
    )
    for name, words in zip(missing, readings, strict=True):
        values[name] = (_join_words(words), min((w.confidence for w in words), default=0.0))
    return values


def _reentry_label(lines: list[Line]) -> BBox | None:
    """The tick box's label: its English line, grown upward over the Japanese line above
    it, so the box (as tall as both) lines up with the label's middle. Blurred photos
    garble the line, so a looser match is accepted, but only on a line that reads more like
    this label than like the neighbouring box's: reading the wrong box would answer the
    question confidently and wrongly."""
    best: tuple[float, Line] | None = None
    for line in lines:
        score = max(_window_score(line, label)[0] for label in _REENTRY_LABELS)
        other = max(_window_score(line, label)[0] for label in _OTHER_BOX_LABELS)
        if score >= _REENTRY_MATCH and score > other + 10 and (best is None or score > best[0]):
            best = (score, line)
    if best is None:
        return None
    x, y, w, h = best[1].bbox
    return (x, y - h - h // 3, w, 2 * h + h // 3)


def _digits_only_date(image: np.ndarray, region: BBox, ocr: OcrEngine) -> tuple[date | None, float]:
    """A handwritten Day Month Year read again as digits only (a 1 written with a serif
    reads as a bracket otherwise); the whitelist drops the spaces, so eight digits are
    taken as DDMMYYYY."""
    flat, _ = flatten_background(image)
    words = read_stacked(
        flat, [region], ocr, lang="eng", whitelist="0123456789", line_height=_VALUE_HEIGHT
    )[0]
    digits = "".join(w.text for w in words)
    if len(digits) != 8:
        return None, 0.0
    day = parse_date(f"{digits[:2]}/{digits[2:4]}/{digits[4:]}")
    return day, min((w.confidence for w in words), default=0.0) * 0.9


def _card_and_reading(page: PreparedPage, ocr: OcrEngine) -> tuple[CardImage, list[Line]]:
    """The card squared up and read, when a photo shows it on a background (its labels are
    too small and slanted for the page reading); else the page as prepared, with the
    reading classification already made."""
    card = locate_card(page.image, aspect=ED_CARD_ASPECT, width=_CANONICAL_WIDTH)
    if card.outline_found:
        return card, ocr.read(card.image, lang="eng", psm=3).lines
    if page.ocr is None:
        page.ocr = read_page(page, ocr)
    return CardImage(page.image, np.eye(3), False), page.ocr.lines


def extract_ed_card(page: PreparedPage, ocr: OcrEngine) -> dict[str, ExtractedField]:
    """reentry_intent (the special re-entry box ticked: True, False or None when unclear),
    name, passport_number, nationality and date_of_birth."""
    card, lines = _card_and_reading(page, ocr)
    gray = card.image
    out = CardFields(page, card)

    label = _reentry_label(lines)
    tick = read_tick_box(gray, label, side="left") if label else None
    if tick is None:
        out.set_box("reentry_intent", None, 0.0, label)
    else:
        out.set_box("reentry_intent", tick.ticked, tick.confidence, tick.box)

    labels = {name: _find_label(lines, text) for name, text in _LABELS.items()}
    found = {name: box for name, box in labels.items() if box is not None}
    stroke = max(20, 3 * max((b[3] for b in found.values()), default=8))
    boxes = _ruled_boxes(gray, stroke)
    regions = {name: _value_region(box, boxes, gray.shape) for name, box in found.items()}
    values = _read_values(gray, lines, regions, ocr)

    surname, given = values.get("surname", ("", 0.0)), values.get("given_names", ("", 0.0))
    name = normalize_name(f"{surname[0]} {given[0]}") if surname[0] and given[0] else ""
    name_boxes = [regions[n] for n in ("surname", "given_names") if n in regions]
    out.set_box(
        "name",
        name or None,
        min(surname[1], given[1]),
        union_bbox(name_boxes) if name_boxes else None,
    )

    text, confidence = values.get("passport_number", ("", 0.0))
    number = re.sub(r"[^A-Z0-9]", "", text.upper())
    out.set_box("passport_number", number or None, confidence, regions.get("passport_number"))

    text, confidence = values.get("nationality", ("", 0.0))
    code, score = match_country(text) if text else (None, 0.0)
    out.set_box("nationality", code, confidence * score, regions.get("nationality"))

    text, confidence = values.get("date_of_birth", ("", 0.0))
    day = parse_date(text)
    if day is None and "date_of_birth" in regions:
        day, confidence = _digits_only_date(gray, regions["date_of_birth"], ocr)
    out.set_box(
        "date_of_birth", day.isoformat() if day else None, confidence, regions.get("date_of_birth")
    )
    return out.fields
