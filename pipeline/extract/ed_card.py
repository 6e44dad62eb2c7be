"""Embarkation card for re-entrant (再入国出国記録): the special re-entry tick box and the
handwritten identity fields.

The tick decides whether the residence card survives departure, so it is read by geometry
(the box beside its printed label, then the ink inside it) and an unclear box is reported as
None, never as a guess. Handwritten values sit in ruled boxes, each with its printed label
at the top, left of the box or small above it, depending on the printing: the boxes are found
from their ruling and each is named by the label in it or next to it (extra English passes
read the labels the page reading missed). What is written in each room is read four times,
by the page reading and alone at three scales (a date once more, as one line on its own), and
a value most readings give is trusted, as Tesseract's slips on handwriting seldom repeat
across scales. A date may be written in Day, Month and Year boxes side by side. A
photographed card is squared up and read anew.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from itertools import pairwise
from typing import TypeVar

import cv2
import numpy as np
from rapidfuzz import fuzz

from pipeline.checkbox import TickReading, read_tick_box
from pipeline.classify import read_page
from pipeline.extract.glyph_twins import letters_by_shape
from pipeline.extract.residence_card import (
    CardFields,
    CardImage,
    flatten_background,
    locate_card,
    picture_frame,
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
# Labels of boxes the contract does not ask for: a blurred strip is named only when it reads
# more like a field's label than like these.
_OTHER_LABELS = {"flight": ("Flight No./Vessel", "Vessel"), "signature": ("Signature",)}
_REENTRY_LABELS = ("(special re-entry)", "leaving temporarily", "will return within 1 year")
_OTHER_BOX_LABELS = ("Special Permanent Resident Certificate", "I hold a Special")
_REENTRY_MATCH = 65.0
_COMPACT_LABEL = 10  # letters a label needs to be matched inside a strip's run-on text
_LABEL_MATCH = 80.0  # rapidfuzz ratio a run of words needs to count as a label
_LOOSE_LABEL_MATCH = 50.0  # ratio a blurred label needs when the value's shape backs it
# 7 to 10 letters and digits, at least 5 of them digits: no flight number, no line of print.
_PASSPORT_NUMBER_SHAPE = re.compile(r"(?=(?:[A-Z]*[0-9]){5})[0-9A-Z]{7,10}")
# Line heights (pixels) each handwritten field is read alone at; None: as scanned.
_VIEW_HEIGHTS = (48, 64, None)
_LABEL_HEIGHT = 32  # pixels each label strip is scaled to for OCR
_LABEL_BESIDE = 3.5  # box heights from a box's left edge that a label left of it may start
_CAPTION_ABOVE = 0.6  # box heights above a box that a caption over it may reach
_NAME_ROW = "name"  # the row label left of the two name boxes on some printings
_SAME_ROW = 0.25  # share of a box's height two boxes of one row may differ by in top and height
_DATE_PART_GAP = 0.5  # box heights at most between the Day, Month and Year boxes of a date
_DATE_PART_WIDTH = 3.0  # a box narrower than this many heights holds only part of a date
_STRAY_OUTSIDE = 0.25  # share of a lone letter's height beyond its field that marks it stray
_ACROSS_FRAME = 1.5  # times its field's height a word spanning the frame is, at least
_SPACE_OVER_LETTER_GAP = 2.0  # a word space is this many times the writer's letter gap...
_SPACE_OVER_LETTER_WIDTH = 0.6  # ...and this share of a letter's width, at least
_ALNUM = re.compile(r"[0-9A-Za-z]")
_NAME_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z"})
_LONE_LETTER = 0.5  # most a name holding a one-letter word is trusted
_LETTER_REPAIR = 0.85  # confidence kept for each digit of a name read as its letter
_LOOKALIKE_OPENINGS = "1I0O"
_SIGN_LETTERS = {"$": "S", "¥": "Y", "€": "E"}  # a written letter read as the sign drawn from it
# A written I read as a mark after a letter (M\LLER, SIT\, CHO!); after an I the mark is
# that I's stroke read twice (GABRI/EL), and before any letter it is the box's frame.
_STROKE_AFTER_LETTER = re.compile(r"(?<=[A-HJ-Za-hj-z])[!|\\/\[\]]")
_NOT_IN_DATES = re.compile(r"[^0-9A-Za-z./\-\s年月日]")
_DOUBTED_NUMBER = 0.45  # most a passport number is trusted when a character of it is in doubt
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


def _field_boxes(gray: np.ndarray) -> list[BBox]:
    """The ruled boxes fields are written in: rectangles of long straight strokes, wider
    than tall and than a twentieth of the card (a date's Day box is no wider), and of a
    field's height (the frame around the tick boxes and the card's own edge are larger,
    letters and the square tick boxes smaller)."""
    height, width = gray.shape
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    stroke = max(15, height // 25)
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, 2 * stroke), np.uint8))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((stroke, 1), np.uint8))
    lines = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(lines, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    boxes: list[BBox] = []
    for contour in contours:
        x, y, w, h = (int(v) for v in cv2.boundingRect(contour))
        if w > width / 20 and height / 20 < h < height / 5 and w > h:
            # Outer and inner outline of one frame: keep the inner, which is the writing room.
            boxes = [b for b in boxes if not _same_frame(b, (x, y, w, h))]
            boxes.append((x, y, w, h))
    return boxes


def _same_frame(a: BBox, b: BBox) -> bool:
    tolerance = max(a[3], b[3]) // 6
    return all(abs(p - q) <= tolerance for p, q in zip(a, b, strict=True))


def _label_strip(box: BBox) -> BBox:
    """Where a field box prints its label: the top of the box."""
    x, y, w, h = box
    return (x + 2, y + 2, w - 4, max(4, int(h * 0.38)))


def _outside_label_strips(box: BBox, boxes: list[BBox]) -> list[BBox]:
    """Where a printing puts a box's label outside it: left of the box, back to the box
    before it in its row, and small above it. A gap too narrow for a label has no strip."""
    x, y, w, h = box
    before = [b[0] + b[2] for b in boxes if _same_row(b, box) and b[0] + b[2] <= x]
    start = max([int(x - _LABEL_BESIDE * h), 0, *before])
    caption = int(_CAPTION_ABOVE * h)
    strips = [(x, max(0, y - caption), w, min(caption, y))]
    if x - start >= h:
        strips.append((start, max(0, y - h // 5), x - start, h + h // 5))
    return [strip for strip in strips if strip[2] > 0 and strip[3] > 0]


def _writing_room(box: BBox, label_inside: bool) -> BBox:
    """Where a field box is written in, clear of the frame: below its label strip when the
    label is printed inside the box, else all of it."""
    x, y, w, h = box
    margin = max(3, h // 15)
    if not label_inside:
        return (x + margin, y + margin, w - 2 * margin, h - 2 * margin)
    _, sy, _, sh = _label_strip(box)
    return (x + margin, sy + sh, w - 2 * margin, y + h - margin - (sy + sh))


def _same_row(a: BBox, b: BBox) -> bool:
    tolerance = _SAME_ROW * max(a[3], b[3])
    return abs(a[1] - b[1]) <= tolerance and abs(a[3] - b[3]) <= tolerance


def _anchored_box(label: BBox, boxes: list[BBox]) -> tuple[BBox, bool] | None:
    """The box a label names, and whether the label is printed inside it: the smallest box
    holding the label, else the nearest box the label stands small above or left of in its
    row (a printing may put labels in any of these places)."""
    holding = [b for b in boxes if _inside(b, label)]
    if holding:
        return min(holding, key=lambda b: b[2] * b[3]), True
    lx, ly, lw, lh = label
    middle = ly + lh / 2
    near: list[tuple[float, BBox]] = []
    for box in boxes:
        x, y, w, h = box
        below = y - (ly + lh)
        if 0 <= below <= _CAPTION_ABOVE * h and x - h / 2 <= lx <= x + w:
            near.append((below, box))
        beside = x - (lx + lw)
        if -lh <= beside <= _LABEL_BESIDE * h and y <= middle <= y + h:
            near.append((max(0, beside), box))
    return (min(near, key=lambda found: found[0])[1], False) if near else None


def _date_parts(anchor: BBox, boxes: list[BBox]) -> list[BBox]:
    """The boxes a date is written in, left to right: its labelled box alone, or, when that
    box is too narrow for a whole date, the run of narrow boxes close together in its row
    that holds it (Day, Month and Year boxes side by side; the label may have been matched
    to any of them)."""

    def narrow(box: BBox) -> bool:
        return box[2] < _DATE_PART_WIDTH * box[3]

    def close(left: BBox, right: BBox) -> bool:
        gap = right[0] - (left[0] + left[2])
        return _same_row(left, right) and 0 <= gap <= _DATE_PART_GAP * left[3]

    if not narrow(anchor):
        return [anchor]
    parts = [anchor]
    while before := [b for b in boxes if narrow(b) and close(b, parts[0])]:
        parts.insert(0, max(before, key=lambda b: b[0]))
    while after := [b for b in boxes if narrow(b) and close(parts[-1], b)]:
        parts.append(min(after, key=lambda b: b[0]))
    return parts


def _inside(outer: BBox, inner: BBox) -> bool:
    cx, cy = inner[0] + inner[2] / 2, inner[1] + inner[3] / 2
    return outer[0] <= cx <= outer[0] + outer[2] and outer[1] <= cy <= outer[1] + outer[3]


def _label_scores(text: str, labels: dict[str, tuple[str, ...]]) -> dict[str, float]:
    """How well a label strip reads as each of the labels. Besides word runs, the strip is
    matched with its spaces dropped against the longer labels, as OCR of small print splits
    and joins words anywhere ('National ity/Region')."""
    line = Line([Word(w, 1.0, (0, 0, 0, 0)) for w in text.split()])
    compact = "".join(text.split()).lower()
    return {
        name: max(
            max(_window_score(line, variant)[0] for variant in variants),
            max(
                (
                    fuzz.partial_ratio("".join(v.split()).lower(), compact)
                    for v in variants
                    # The strip must hold the whole label: rapidfuzz aligns the shorter
                    # string inside the longer, so "ass" would match "Passport number" fully.
                    if _COMPACT_LABEL <= len("".join(v.split())) <= len(compact)
                ),
                default=0.0,
            ),
        )
        for name, variants in labels.items()
    }


def label_of(text: str) -> tuple[str | None, float]:
    """The field a label strip names, and how well it reads as that field's label."""
    scores = _label_scores(text, _LABELS)
    name = max(scores, key=lambda field: scores[field])
    return (name, scores[name]) if scores[name] >= _LABEL_MATCH else (None, scores[name])


def _blurred_number_label(strips: dict[BBox, str], flat: np.ndarray, ocr: OcrEngine) -> BBox | None:
    """The box the passport number is written in when scanning blurred its small label past
    matching (Pensomrt monbor): the one box whose label strip reads more like "Passport
    number" than like any other label printed on the card, however loosely, and whose
    writing has the shape of a passport number (7 to 10 letters and digits, 5 or more of
    them digits), which neither a flight number nor a line of print has."""
    candidates: list[BBox] = []
    for box, text in strips.items():
        scores = _label_scores(text, _LABELS | _OTHER_LABELS)
        best = max(scores, key=lambda field: scores[field])
        if best == "passport_number" and scores[best] >= _LOOSE_LABEL_MATCH:
            candidates.append(box)
    rooms = [_writing_room(box, True) for box in candidates]
    readings = read_stacked(flat, rooms, ocr, lang="eng", line_height=_VIEW_HEIGHTS[0])
    shaped: list[BBox] = []
    for box, words in zip(candidates, readings, strict=True):
        written = re.sub(r"[^0-9A-Z]", "", "".join(w.text for w in words))
        if _PASSPORT_NUMBER_SHAPE.fullmatch(written):
            shaped.append(box)
    return shaped[0] if len(shaped) == 1 else None


def _outside_label_of(words: list[Word]) -> tuple[str | None, float]:
    """The field a label printed outside a box names, and how well it reads as that label.
    The row label Name, printed left of the family name's box where the captions above
    the two name boxes are too small to read, names the family name, as weakly as a label
    may (any label that reads well names its box first)."""
    name, score = label_of(" ".join(w.text for w in words))
    if name is None and any(fuzz.ratio(w.text.lower(), _NAME_ROW) >= _LABEL_MATCH for w in words):
        return "surname", _LABEL_MATCH
    return name, score


def _pair_name_boxes(named: dict[str, tuple[BBox, bool]], boxes: list[BBox]) -> None:
    """Family name and given names are written in two boxes side by side, family name
    first: when only one of them was named by its label, the other is its neighbour."""
    taken = {box for box, _ in named.values()}
    for known, other, rightward in (
        ("surname", "given_names", True),
        ("given_names", "surname", False),
    ):
        if known not in named or other in named:
            continue
        box, inside = named[known]
        if rightward:
            row = [b for b in boxes if _same_row(b, box) and b[0] >= box[0] + box[2]]
            neighbour = min(row, key=lambda b: b[0], default=None)
        else:
            row = [b for b in boxes if _same_row(b, box) and b[0] + b[2] <= box[0]]
            neighbour = max(row, key=lambda b: b[0], default=None)
        if neighbour is not None and neighbour not in taken:
            named[other] = (neighbour, inside)


def _field_regions(
    image: np.ndarray, flat: np.ndarray, lines: list[Line], ocr: OcrEngine
) -> tuple[dict[str, BBox], list[BBox]]:
    """Where each field is written, and the writing room of each box the date is written
    in: the writing room of the ruled box whose label names a field (for a date in Day,
    Month and Year boxes, the room across them). Labels come from the page reading where it
    found them; for boxes it left unnamed the label strip inside each is read again in one
    pass, then the places outside where other printings put labels (small print is often
    lost in a whole-page reading)."""
    boxes = _field_boxes(image)
    named: dict[str, tuple[BBox, bool]] = {}
    strip_texts: dict[BBox, str] = {}
    for name, variants in _LABELS.items():
        label = _find_label(lines, variants)
        anchored = _anchored_box(label, boxes) if label else None
        if anchored:
            named[name] = anchored
    unnamed = [b for b in boxes if b not in {box for box, _ in named.values()}]
    if len(named) < len(_LABELS) and unnamed:
        strips = read_stacked(
            flat, [_label_strip(b) for b in unnamed], ocr, lang="eng", line_height=_LABEL_HEIGHT
        )
        strip_texts = {
            box: " ".join(w.text for w in words) for box, words in zip(unnamed, strips, strict=True)
        }
        for box, text in strip_texts.items():
            name, _ = label_of(text)
            if name and name not in named:
                named[name] = (box, True)
    unnamed = [b for b in boxes if b not in {box for box, _ in named.values()}]
    if len(named) < len(_LABELS) and unnamed:
        owners = [(box, strip) for box in unnamed for strip in _outside_label_strips(box, boxes)]
        readings = read_stacked(flat, [strip for _, strip in owners], ocr, lang="eng")
        found: list[tuple[float, str, BBox]] = []
        for (box, _), words in zip(owners, readings, strict=True):
            name, score = _outside_label_of(words)
            if name:
                found.append((score, name, box))
        for _, name, box in sorted(found, reverse=True):
            if name not in named and box not in {b for b, _ in named.values()}:
                named[name] = (box, False)
    if "passport_number" not in named:
        taken = {box for box, _ in named.values()}
        loose = {box: text for box, text in strip_texts.items() if box not in taken}
        if box := _blurred_number_label(loose, flat, ocr):
            named["passport_number"] = (box, True)
    _pair_name_boxes(named, boxes)
    regions = {name: _writing_room(box, inside) for name, (box, inside) in named.items()}
    date_rooms: list[BBox] = []
    if "date_of_birth" in named:
        box, inside = named["date_of_birth"]
        date_rooms = [_writing_room(part, inside) for part in _date_parts(box, boxes)]
        regions["date_of_birth"] = union_bbox(date_rooms)
    return regions, date_rooms


def _strays(words: list[Word], region: BBox) -> list[Word]:
    """The stray marks among the words read in a region: a lone character reaching out
    across its frame (or, read in a crop of the region, cut off at its edge) and standing
    apart from the other words is a box corner, the label above or a pen stroke across the
    frame read as a letter, while a written letter stays inside and beside its word
    (Tesseract's box of a real word may still swell into the label above, so whole words
    are kept)."""
    _, y, _, h = region

    def stray(word: Word) -> bool:
        wx, wy, ww, wh = word.bbox
        outside = max(0, y - wy) + max(0, wy + wh - (y + h))
        at_edge = wy <= y or wy + wh >= y + h
        nearest = min(
            (
                max(o.bbox[0] - (wx + ww), wx - (o.bbox[0] + o.bbox[2]))
                for o in words
                if o is not word
            ),
            default=np.inf,
        )
        return (
            len(re.sub(r"[^0-9A-Za-z]", "", word.text)) <= 1
            and (outside > _STRAY_OUTSIDE * wh or at_edge)
            and nearest > ww
        )

    return [word for word in words if stray(word)]


def _words_inside(lines: list[Line], region: BBox) -> list[Word]:
    """The page reading's words centred in the region, less its stray marks. A word far
    taller than the region and reaching out over both its edges is the frame read together
    with the writing (a blurred scan of a box with its label outside): it is left out as
    well, so the field is read on its own when nothing else is left."""
    x, y, w, h = region
    centred = [
        word
        for line in lines
        for word in line.words
        if x <= word.bbox[0] + word.bbox[2] / 2 <= x + w
        and y <= word.bbox[1] + word.bbox[3] / 2 <= y + h
    ]
    strays = _strays(centred, region)

    def across_frame(word: Word) -> bool:
        _, wy, _, wh = word.bbox
        return wh > _ACROSS_FRAME * h and wy < y and wy + wh > y + h

    return [word for word in centred if word not in strays and not across_frame(word)]


def _word_spaces(ink: np.ndarray, region: BBox) -> list[float]:
    """Page x of the middle of each word space in a handwritten line, measured on the
    ink: letters written by hand stand apart, so Tesseract's own spaces fall between
    letters as often as between words. A gap is a word space when it is wide for a gap
    between letters of this writer and wide against the letters themselves."""
    x, y, w, h = region
    columns = ink[y : y + h, x : x + w].any(axis=0).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], columns, [0]))))
    starts, ends = edges[0::2], edges[1::2]
    if len(starts) < 2:
        return []
    gaps = starts[1:] - ends[:-1]
    widths = ends - starts
    least = max(
        _SPACE_OVER_LETTER_GAP * float(np.median(gaps)),
        _SPACE_OVER_LETTER_WIDTH * float(np.median(widths)),
    )
    return [
        x + (end + start) / 2
        for end, start, gap in zip(ends[:-1], starts[1:], gaps, strict=True)
        if gap > least
    ]


def _join_words(words: list[Word], spaces: list[float]) -> str:
    """Words of a handwritten value, spaced where the ink has a word space: between two
    words only if a space lies between them, and inside a word Tesseract ran together at
    the letter the space falls before (block capitals are about as wide as each other)."""
    text = ""
    previous_middle = -np.inf
    for word in sorted(words, key=lambda w: w.bbox[0]):
        left, width = word.bbox[0], word.bbox[2]
        if text and any(previous_middle < s < left + width / 2 for s in spaces):
            text += " "
        letters = list(word.text)
        inner = sorted(
            {round((s - left) / width * len(letters)) for s in spaces if left < s < left + width},
            reverse=True,
        )
        for cut in inner:
            if 0 < cut < len(letters):
                letters.insert(cut, " ")
        text += "".join(letters)
        previous_middle = left + width / 2
    return text


def _readings(
    flat: np.ndarray,
    ink: np.ndarray,
    lines: list[Line],
    regions: dict[str, BBox],
    ocr: OcrEngine,
) -> dict[str, list[tuple[str, float]]]:
    """Readings of what is written in each region, as text and confidence: the page
    reading's words there, and the regions read alone at each of `_VIEW_HEIGHTS` (one
    English pass each). Tesseract's slips on handwriting change with scale: one reading is
    often sure and wrong (a written 03 read as 08 at 0.86, a final I dropped), while the
    others rarely make the same slip."""
    names = list(regions)
    found = {name: [_words_inside(lines, regions[name])] for name in names}
    for height in _VIEW_HEIGHTS:
        readings = read_stacked(
            flat, [regions[n] for n in names], ocr, lang="eng", line_height=height
        )
        for name, words in zip(names, readings, strict=True):
            strays = _strays(words, regions[name])
            found[name].append([word for word in words if word not in strays])
    texts: dict[str, list[tuple[str, float]]] = {}
    for name, views in found.items():
        spaces = _word_spaces(ink, regions[name])
        texts[name] = [
            (_join_words(words, spaces), min((w.confidence for w in words), default=0.0))
            # A reading whose words hold no letter or digit (the frame's edge read as =)
            # read nothing.
            if any(_ALNUM.search(w.text) for w in words)
            else ("", 0.0)
            for words in views
        ]
    return texts


T = TypeVar("T")


def _agreed(readings: list[tuple[T | None, float]]) -> tuple[T | None, float]:
    """The value the readings bear out and how sure it is. A reading that found no value
    is no evidence either way; among the others, a value no other contradicts, or one more
    readings give than any other (and at least two), is as sure as the surest reading of
    it. Otherwise readings disagree and nothing tells which is wrong: the surest one's
    value is trusted half as far."""
    found = [(value, confidence) for value, confidence in readings if value is not None]
    if not found:
        return None, 0.0
    ranked = Counter(value for value, _ in found).most_common()
    value, count = ranked[0]
    if len(ranked) == 1 or (count >= 2 and count > ranked[1][1]):
        return value, max(confidence for v, confidence in found if v == value)
    value, confidence = max(found, key=lambda reading: reading[1])
    return value, confidence / 2


def _box_label(lines: list[Line], labels: tuple[str, ...], rivals: tuple[str, ...]) -> BBox | None:
    """A tick box's label: its English line, grown upward over the Japanese line above it,
    so the box (as tall as both) lines up with the label's middle. Blurred photos garble
    the line, so a loose match is accepted, but only on a line that reads more like this
    label than like the neighbouring box's."""
    best: tuple[float, Line] | None = None
    for line in lines:
        score = max(_window_score(line, label)[0] for label in labels)
        rival = max(_window_score(line, label)[0] for label in rivals)
        if score >= _REENTRY_MATCH and score > rival + 10 and (best is None or score > best[0]):
            best = (score, line)
    if best is None:
        return None
    # Word boxes, not the line's: a blurred photo merges neighbours into a tall line box.
    words = [w for w in best[1].words if re.search(r"[A-Za-z]", w.text)] or best[1].words
    x, _, w, _ = union_bbox([word.bbox for word in words])
    h = int(np.median([word.bbox[3] for word in words]))
    y = int(np.median([word.bbox[1] for word in words]))
    return (x, y - h - h // 3, w, 2 * h + h // 3)


def _middle_y(box: BBox) -> float:
    return box[1] + box[3] / 2


def _read_reentry_box(
    gray: np.ndarray, lines: list[Line]
) -> tuple[TickReading | None, BBox | None]:
    """The special re-entry box and its reading, with its label's box. A box that sits
    nearer the neighbouring box's label than its own is the neighbour's: reading it would
    answer the question confidently and wrongly, so there is no reading then."""
    label = _box_label(lines, _REENTRY_LABELS, _OTHER_BOX_LABELS)
    if label is None:
        return None, None
    tick = read_tick_box(gray, label, side="left")
    other = _box_label(lines, _OTHER_BOX_LABELS, _REENTRY_LABELS)
    if tick and other:
        own = abs(_middle_y(tick.box) - _middle_y(label))
        if abs(_middle_y(tick.box) - _middle_y(other)) <= own:
            return None, label
    return tick, label


def _without_date_frames(flat: np.ndarray, rooms: list[BBox]) -> np.ndarray:
    """The card with the frames between Day, Month and Year boxes whitened out, so that a
    date written across them reads as one line, the way Tesseract reads a date best (a
    year read alone in its box came out as OT; a frame reads as 1 or |)."""
    if len(rooms) < 2:
        return flat
    line = flat.copy()
    _, top, _, height = union_bbox(rooms)
    for left, right in pairwise(rooms):
        line[top : top + height, left[0] + left[2] : right[0]] = 255
    return line


def _date_alone(line: np.ndarray, region: BBox, ocr: OcrEngine) -> tuple[str, float]:
    """The date read as one line on its own, at the size it is written: stacked with the
    card's other fields, Tesseract reads a written 11 between frames as "i)" or "it"."""
    x, y, w, h = region
    crop = cv2.copyMakeBorder(
        line[y : y + h, x : x + w], h // 4, h // 4, h // 4, h // 4, cv2.BORDER_CONSTANT, value=255
    )
    return ocr.read_line(crop, lang="eng")


def name_part(text: str, confidence: float) -> tuple[str, float]:
    """A handwritten surname or given names as the contract reports them, and how sure.
    A name holds no digits, so a digit read in it is its look-alike letter (a written OO
    read as 00), and a stroke read as a mark after a letter is an I (SIT\\ for SITI,
    CHO! for CHOI): each such repair is a doubt. A part with no letter at all is unread.
    A word of one letter is more often a word whose other letters were lost (L for LI)
    than an initial, which passports spell out, so it is a doubt too."""
    repaired = _STROKE_AFTER_LETTER.sub("I", text.translate(_NAME_LOOKALIKES))
    repairs = sum(ch.isdigit() for ch in text) + len(_STROKE_AFTER_LETTER.findall(text))
    name = normalize_name(repaired)
    if not name:
        return "", 0.0
    if any(len(word) == 1 for word in name.split()):
        confidence = min(confidence, _LONE_LETTER)
    return name, confidence * _LETTER_REPAIR**repairs


def passport_number(text: str, confidence: float) -> tuple[str | None, float]:
    """The handwritten passport number as read, and how sure it is. ICAO numbers may hold
    any letters and digits, so no look-alike among them is swapped; a currency sign is the
    letter it is drawn from (a written S read as $), a doubt. The number is doubted more
    when the reading dropped a mark from it (a final I read as /, leaving a number one
    short) or when it opens with 1, I, 0 or O, where most states print a letter and a
    hand's I and 1 (O and 0) read alike."""
    raw = re.sub(r"\s", "", text.upper())
    repairs = sum(raw.count(sign) for sign in _SIGN_LETTERS)
    raw = raw.translate(str.maketrans(_SIGN_LETTERS))
    number = re.sub(r"[^A-Z0-9]", "", raw)
    if not number:
        return None, 0.0
    if number != raw or number[0] in _LOOKALIKE_OPENINGS:
        confidence = min(confidence, _DOUBTED_NUMBER)
    return number, confidence * _LETTER_REPAIR**repairs


def _written_date(text: str) -> date | None:
    """A handwritten date, marks that are no part of one left out: the frame between the
    Month and Year boxes reads as = or ~ (27 06 =1989)."""
    return parse_date(_NOT_IN_DATES.sub(" ", text))


def _card_and_reading(page: PreparedPage, ocr: OcrEngine) -> tuple[CardImage, list[Line]]:
    """The card squared up and read, when a photo shows it on a background (its labels are
    too small and slanted for the page reading); else the page as prepared, with the
    reading classification already made."""
    card = locate_card(
        page.image, aspect=ED_CARD_ASPECT, width=_CANONICAL_WIDTH, frame=picture_frame(page)
    )
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
    # Handwriting is read off the card with its tint and light divided out, once for all.
    flat, ink = flatten_background(gray)
    out = CardFields(page, card)

    tick, label = _read_reentry_box(gray, lines)
    if tick is None:
        out.set_box("reentry_intent", None, 0.0, label)
    else:
        out.set_box("reentry_intent", tick.ticked, tick.confidence, tick.box)

    regions, date_rooms = _field_regions(gray, flat, lines, ocr)
    date_line = _without_date_frames(flat, date_rooms)
    texts = _readings(date_line, ink, lines, regions, ocr)
    unread = [("", 0.0)] * (1 + len(_VIEW_HEIGHTS))  # a field with no box: no reading

    def each(name: str) -> list[tuple[str, float]]:
        return texts.get(name, unread)

    def name_parts(name: str) -> list[tuple[str, float]]:
        """Each reading of a name box, its I read as T or L put right by the glyphs' shape."""
        parts = [name_part(*reading) for reading in each(name)]
        if name not in regions:
            return parts
        x, y, w, h = regions[name]
        crop = date_line[y : y + h, x : x + w]
        return [(letters_by_shape(crop, part), sure) for part, sure in parts]

    names: list[tuple[str | None, float]] = []
    for (surname, sure_of_surname), (given, sure_of_given) in zip(
        name_parts("surname"), name_parts("given_names"), strict=True
    ):
        both = bool(surname and given)
        names.append((f"{surname} {given}" if both else None, min(sure_of_surname, sure_of_given)))
    name, confidence = _agreed(names)
    name_boxes = [regions[n] for n in ("surname", "given_names") if n in regions]
    out.set_box("name", name, confidence, union_bbox(name_boxes) if name_boxes else None)

    number, confidence = _agreed([passport_number(*r) for r in each("passport_number")])
    out.set_box("passport_number", number, confidence, regions.get("passport_number"))

    countries: list[tuple[str | None, float]] = []
    for text, sure_of_text in each("nationality"):
        code, score = match_country(text) if text else (None, 0.0)
        countries.append((code, sure_of_text * score))
    code, confidence = _agreed(countries)
    out.set_box("nationality", code, confidence, regions.get("nationality"))

    dates = each("date_of_birth")
    if "date_of_birth" in regions:
        dates = [*dates, _date_alone(date_line, regions["date_of_birth"], ocr)]
    day, confidence = _agreed([(_written_date(text), c) for text, c in dates])
    out.set_box(
        "date_of_birth", day.isoformat() if day else None, confidence, regions.get("date_of_birth")
    )
    return out.fields
