"""Embarkation card for re-entrant (再入国出国記録): the special re-entry tick box and the
handwritten identity fields.

The tick decides whether the residence card survives departure, so it is read by geometry
(the box beside its printed label, then the ink inside it) and an unclear box is reported as
None, never as a guess. Handwritten values sit in ruled boxes under their printed labels;
each box's inside is read, all of them in one English pass.
"""

from __future__ import annotations

import re

import cv2
import numpy as np
from rapidfuzz import fuzz

from pipeline.checkbox import read_tick_box
from pipeline.classify import read_page
from pipeline.extract.residence_card import flatten_background, read_stacked
from pipeline.ocr import BBox, Line, OcrEngine, Word, union_bbox
from pipeline.page import PreparedPage
from pipeline.textparse import match_country, normalize_name, parse_date
from schemas.report import ExtractedField

# Printed English labels of the fields the contract asks for.
_LABELS = {
    "surname": "Family name",
    "given_names": "Given names",
    "date_of_birth": "Date of birth",
    "nationality": "Nationality/Region",
    "passport_number": "Passport number",
}
_REENTRY_LABELS = ("(special re-entry)", "I am leaving temporarily and will return")
_LABEL_MATCH = 80.0  # rapidfuzz ratio a run of words needs to count as a label
_VALUE_HEIGHT = 48  # pixels each handwritten line is scaled to for OCR


def _find_label(lines: list[Line], label: str) -> BBox | None:
    """Box of the run of words that reads most like `label`, if any reads enough like it."""
    size = len(label.split())
    best: tuple[float, BBox] | None = None
    for line in lines:
        words = line.words
        for start in range(max(1, len(words) - size + 1)):
            window = words[start : start + size]
            score = fuzz.ratio(" ".join(w.text for w in window).lower(), label.lower())
            if score >= _LABEL_MATCH and (best is None or score > best[0]):
                best = (score, union_bbox([w.bbox for w in window]))
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


def _read_values(
    page: PreparedPage, regions: dict[str, BBox], ocr: OcrEngine
) -> dict[str, tuple[str, float]]:
    """Text and confidence in each region: the page's own reading where it has words there,
    else one English pass over the regions it left empty."""
    lines = page.ocr.lines if page.ocr else []
    values: dict[str, tuple[str, float]] = {}
    missing: list[str] = []
    for name, region in regions.items():
        words = _words_inside(lines, region)
        if words:
            values[name] = (" ".join(w.text for w in words), min(w.confidence for w in words))
        else:
            missing.append(name)
    flat, _ = flatten_background(page.image)
    readings = read_stacked(
        flat, [regions[n] for n in missing], ocr, lang="eng", line_height=_VALUE_HEIGHT
    )
    for name, words in zip(missing, readings, strict=True):
        values[name] = (
            " ".join(w.text for w in words),
            min((w.confidence for w in words), default=0.0),
        )
    return values


def _reentry_label(lines: list[Line]) -> BBox | None:
    """The tick box's label: its English line, grown upward over the Japanese line above
    it, so the box (as tall as both) lines up with the label's middle."""
    for label in _REENTRY_LABELS:
        found = _find_label(lines, label)
        if found is None:
            continue
        # The line's full extent, not only the matched words.
        line = next(
            ln for ln in lines if found[1] <= ln.bbox[1] + ln.bbox[3] // 2 <= found[1] + found[3]
        )
        x, y, w, h = line.bbox
        return (x, y - h - h // 3, w, 2 * h + h // 3)
    return None


def extract_ed_card(page: PreparedPage, ocr: OcrEngine) -> dict[str, ExtractedField]:
    """reentry_intent (the special re-entry box ticked: True, False or None when unclear),
    name, passport_number, nationality and date_of_birth."""
    if page.ocr is None:
        page.ocr = read_page(page, ocr)
    lines = page.ocr.lines
    gray = page.image
    fields: dict[str, ExtractedField] = {}

    def put(name: str, value: str | bool | None, confidence: float, bbox: BBox | None) -> None:
        fields[name] = ExtractedField(
            value=value,
            confidence=float(np.clip(confidence, 0.0, 1.0)) if value is not None else 0.0,
            bbox=page.bbox_to_original(bbox) if bbox else None,
        )

    label = _reentry_label(lines)
    tick = read_tick_box(gray, label, side="left") if label else None
    if tick is None:
        put("reentry_intent", None, 0.0, label)
    else:
        put("reentry_intent", tick.ticked, tick.confidence, tick.box)

    labels = {name: _find_label(lines, text) for name, text in _LABELS.items()}
    found = {name: box for name, box in labels.items() if box is not None}
    stroke = max(20, 3 * max((b[3] for b in found.values()), default=8))
    boxes = _ruled_boxes(gray, stroke)
    regions = {name: _value_region(box, boxes, gray.shape) for name, box in found.items()}
    values = _read_values(page, regions, ocr)

    surname, given = values.get("surname", ("", 0.0)), values.get("given_names", ("", 0.0))
    name = normalize_name(f"{surname[0]} {given[0]}")
    name_boxes = [regions[n] for n in ("surname", "given_names") if n in regions]
    put(
        "name",
        name or None,
        min(surname[1], given[1]),
        union_bbox(name_boxes) if name_boxes else None,
    )

    text, confidence = values.get("passport_number", ("", 0.0))
    number = re.sub(r"[^A-Z0-9]", "", text.upper())
    put("passport_number", number or None, confidence, regions.get("passport_number"))

    text, confidence = values.get("nationality", ("", 0.0))
    code, score = match_country(text) if text else (None, 0.0)
    put("nationality", code, confidence * score, regions.get("nationality"))

    text, confidence = values.get("date_of_birth", ("", 0.0))
    day = parse_date(text)
    put("date_of_birth", day.isoformat() if day else None, confidence, regions.get("date_of_birth"))
    return fields
