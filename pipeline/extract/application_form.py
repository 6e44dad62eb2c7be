"""The application form reader: which procedure the form is for, the applicant's answers,
the tick boxes and whether it is signed.

Forms differ in wording, label order, layout and AcroForm field names between procedures,
versions and offices, so every value is found from its printed label: the label is matched
in the page's words (text layer or OCR), the area its value is written in is found from the
form's ruling (the table cell to its right, the box below it, or the underline after it), and
the value is taken from that area: the AcroForm widget or text-layer words inside it on
born-digital PDFs (no OCR at all), an OCR reading of the crop on scans and photos.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

import cv2
import numpy as np
from rapidfuzz import fuzz, process

from pipeline.checkbox import read_tick_box
from pipeline.classify import read_page
from pipeline.extract.glyph_twins import check_twins, letters_by_shape
from pipeline.forms import (
    FIELD_LABELS,
    PERMIT_TYPE_OPTIONS,
    RELATIONSHIP_WORDS,
    FieldLabel,
    form_procedure,
    title_spans,
)
from pipeline.ocr import BBox, OcrEngine, Word, union_bbox
from pipeline.page import PreparedPage
from pipeline.textparse import (
    AGREED_CONFIDENCE,
    is_unlimited,
    match_status,
    normalize_name,
    parse_card_number,
    parse_date,
    parse_period,
    reconcile_kanji_date,
)
from schemas.reference import country_code
from schemas.report import ExtractedField, FieldValue

# A label read by OCR matches a wording when this share of its letters agree (rapidfuzz
# ratio); labels of few letters must match exactly, or "Sex" would be found in every "Sec",
# and fairly short ones closely, or "Passport" in a heading would be "Passport No.".
LABEL_SCORE = 84.0
SHORT_LABEL_LETTERS = 5
SHORT_LABEL_STRICT = 12
STRICT_LABEL_SCORE = 90.0
# The first and last words of an OCR match must be the wording's (so that noise next to a
# label is not taken into it), and every word must be nearly in the wording.
EDGE_SCORE = 60.0
WORD_SCORE = 70.0
# Words this many times taller than the labels belong to the title, not to a label.
TITLE_SIZE = 1.6
MAX_LABEL_WORDS = 8
# Words of one label are at most this many text heights apart.
WORD_GAP = 2.5
# Ink of a signature, in squared text heights: a scribble has several, an empty box none.
SIGNED_INK = 1.0
UNSIGNED_INK = 0.25
# A line whose ink joins strokes this many label heights tall is a signature's flourish.
PEN_STROKE = 2.2
# How sure a date parsed out of OCR noise is, next to one printed in a usual notation.
NOISY_DATE = 0.5
# Writing is at least this much darker than the paper (grey levels); less is scanner noise.
MIN_CONTRAST = 60.0
# A tick box is about as tall as the text beside it; a smaller square is part of a glyph.
MIN_BOX_SIDE = 0.8
# A caption's height is taken as at most this many label heights.
CAPTION_HEIGHT = 1.3
# How much less sure a value is when no ruling showed where it is written.
UNRULED = 0.8
# How sure a value is that was found only by its AcroForm field's name.
NAME_ONLY = 0.7
# Confidence in "nothing is written here" on a scan, and in a value that could not be read.
BLANK_CONFIDENCE = 0.8
UNREADABLE_CONFIDENCE = 0.2
# Height (pixels) of each value's line in the image the crops are read together in.
BATCH_LINE_HEIGHT = 48
# Height a value unsure after the batch reading is read again at, alone.
RETRY_LINE_HEIGHT = 1.5 * BATCH_LINE_HEIGHT
# Below this OCR confidence a value is read again (crop, then Japanese model).
RETRY_CONFIDENCE = 0.6
# At most this sure of a passport number whose I/1 or O/0 the glyph's shape leaves in
# doubt: below the confidence a person is asked to check. A twin the shape decides
# clearly keeps the OCR confidence.
TWIN_DOUBT = 0.55

# How sure a choice's box is when its caption was placed by the layout (the word level with
# the other option's caption), not read.
STACKED_CAPTION = 0.9

TICKED_GLYPHS = "☒☑✓✔✗✘■"  # a text layer's ticked box, or a mark standing for one
EMPTY_BOX_GLYPHS = "☐□"
_LATIN_KINDS = {"name", "passport", "card"}
# Values that are codes: letters and digits with no words around them to guess from.
_CODE_KINDS = {"passport", "card"}
_LANGUAGES = ("eng", "jpn")


@dataclass(frozen=True)
class _Token:
    text: str
    bbox: BBox  # prepared-image pixels
    confidence: float
    folded: str  # English letters and digits, for English labels
    folded_all: str  # with kana and kanji, for Japanese labels


@dataclass(frozen=True)
class _Hit:
    """Where a field's label is printed."""

    label: FieldLabel
    tokens: tuple[int, ...]
    bbox: BBox
    height: float  # text height of the label, the unit of every distance
    block_left: int  # left edge of the label with its Japanese part and number
    score: float


@dataclass(frozen=True)
class _Segment:
    x0: int
    y0: int
    x1: int
    y1: int


@dataclass(frozen=True)
class _Rules:
    """The straight lines of the form: table borders, value boxes, underlines."""

    horizontal: tuple[_Segment, ...]
    vertical: tuple[_Segment, ...]


@dataclass(frozen=True)
class _Reading:
    text: str
    confidence: float
    bbox: BBox
    typed: bool = False  # from a text layer or form field: the very characters on the page


@dataclass(frozen=True)
class _Widget:
    name: str
    value: str
    bbox: BBox  # prepared-image pixels


def _fold(text: str) -> str:
    """Upper-case letters and digits only: how label words are compared, so that spacing,
    slashes and apostrophes the OCR adds or drops do not count."""
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", text).upper())


def _fold_all(text: str) -> str:
    return re.sub(
        r"[^0-9A-Z\u3040-\u30ff\u3400-\u9fff]", "", unicodedata.normalize("NFKC", text).upper()
    )


def _has_cjk(text: str) -> bool:
    return re.search(r"[\u3040-\u30ff\u3400-\u9fff]", text) is not None


@cache
def _japanese_wordings() -> frozenset[str]:
    return frozenset(_fold_all(w) for label in FIELD_LABELS for w in label.japanese)


@cache
def _label_wordings() -> tuple[list[str], list[FieldLabel]]:
    """Every English wording, folded, with the label it belongs to (rapidfuzz choices)."""
    folded: list[str] = []
    owners: list[FieldLabel] = []
    for label in FIELD_LABELS:
        for wording in label.english:
            folded.append(_fold(wording))
            owners.append(label)
    return folded, owners


def _centre(bbox: BBox) -> tuple[float, float]:
    return bbox[0] + bbox[2] / 2, bbox[1] + bbox[3] / 2


def _inside(bbox: BBox, region: BBox) -> bool:
    cx, cy = _centre(bbox)
    x, y, w, h = region
    return x <= cx <= x + w and y <= cy <= y + h


# ---------------------------------------------------------------- the page's words


class _Words:
    """The page's words in rows, and the labels found among them."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.rows = self._rows()
        self.row_of = {index: r for r, row in enumerate(self.rows) for index in row}
        self.position = {index: p for row in self.rows for p, index in enumerate(row)}
        self.label_tokens: set[int] = set()
        heights = sorted(t.bbox[3] for t in tokens if t.folded)
        self.text_height = float(heights[len(heights) // 2]) if heights else 20.0
        self.rules = _Rules((), ())

    def _rows(self) -> list[list[int]]:
        """Token indices grouped into rows, each sorted left to right. A word joins the row
        whose words' mean middle is level with its own middle, within half the smaller of
        its height and the row's tallest word, so that words without ascenders ("of") still
        join their line and a tall bracket or two lines read as one word chain nothing."""
        order = sorted(range(len(self.tokens)), key=lambda i: _centre(self.tokens[i].bbox)[1])
        rows: list[list[int]] = []
        summaries: list[tuple[float, float]] = []  # mean middle, tallest word
        for index in order:
            _, y, _, h = self.tokens[index].bbox
            middle = y + h / 2
            for r in range(len(rows) - 1, -1, -1):
                mean_middle, tallest = summaries[r]
                if abs(middle - mean_middle) <= 0.5 * min(h, tallest):
                    rows[r].append(index)
                    count = len(rows[r])
                    summaries[r] = (
                        mean_middle + (middle - mean_middle) / count,
                        max(tallest, h),
                    )
                    break
            else:
                rows.append([index])
                summaries.append((middle, h))
        return [sorted(m, key=lambda i: self.tokens[i].bbox[0]) for m in rows]

    def _gap(self, left: int, right: int) -> float:
        a, b = self.tokens[left].bbox, self.tokens[right].bbox
        return b[0] - (a[0] + a[2])

    def _lines(self, window: tuple[int, ...]) -> int:
        return len({self.row_of[i] for i in window})

    def line_start(self, index: int) -> int:
        """The first word of the run of close words that `index` belongs to on its row."""
        row = self.rows[self.row_of[index]]
        position = self.position[index]
        limit = 1.5 * self.tokens[index].bbox[3]
        while (
            position > 0
            and self._gap(row[position - 1], row[position]) <= limit
            and self.tokens[row[position - 1]].folded_all  # a border read as "|" is no word
        ):
            position -= 1
        return row[position]

    def _wrap_target(self, index: int, start: int) -> int | None:
        """The first word of the next line of a label that wraps after `index` inside its
        table cell: just below, at the start of a line, no further right than the label
        began and no further left than its line did."""
        token = self.tokens[index]
        bottom = token.bbox[1] + token.bbox[3]
        # Word boxes of one line differ in height ("name" has no ascender): the line's
        # tallest word tells the line spacing.
        line_height = max(self.tokens[i].bbox[3] for i in self.rows[self.row_of[index]])
        left = self.tokens[self.line_start(start)].bbox[0] - line_height
        right = self.tokens[start].bbox[0] + self.tokens[start].bbox[3] / 2
        for row in self.rows[self.row_of[index] + 1 :]:
            if self.tokens[row[0]].bbox[1] - bottom > 2 * line_height:
                break
            for candidate in row:
                box = self.tokens[candidate].bbox
                if (
                    0 <= box[1] - bottom <= line_height
                    and left <= box[0] <= right
                    and self.line_start(candidate) == candidate
                    and not self._rule_between(bottom, box)
                ):
                    return candidate
        return None

    def _rule_between(self, bottom: int, below: BBox) -> bool:
        """Whether a line of the form runs between a word's bottom and the word below: a
        label never wraps into the next cell."""
        x, y, w, _ = below
        return any(
            bottom - 2 <= s.y0 and s.y1 <= y + 2 and s.x0 < x + w and s.x1 > x
            for s in self.rules.horizontal
        )

    def _right_neighbour(self, index: int) -> int | None:
        """The next word on the row, passing over a reading of this same word again: the
        page is read twice, and the second reading's "CardNo." starting inside the first's
        "Card" is not the next word. (A word box that overlaps the next word's is no sign
        of that alone: Tesseract may stretch a word's box over the words after it.)"""
        row = self.rows[self.row_of[index]]
        token = self.tokens[index]
        for candidate in row[self.position[index] + 1 :]:
            gap = self._gap(index, candidate)
            again = token.folded and self.tokens[candidate].folded.startswith(token.folded)
            if again and gap < -0.5 * token.bbox[3]:
                continue
            return candidate if gap <= WORD_GAP * token.bbox[3] else None
        return None

    def _windows(self) -> Iterable[tuple[int, ...]]:
        """Runs of neighbouring words that could spell one label, going on to the next line
        where a label wraps inside a narrow table cell."""
        longest = max(len(w) for w in _label_wordings()[0]) + 4
        for start in range(len(self.tokens)):
            stack: list[tuple[tuple[int, ...], int]] = [((start,), len(self.tokens[start].folded))]
            while stack:
                path, letters = stack.pop()
                yield path
                if len(path) >= MAX_LABEL_WORDS or letters > longest:
                    continue
                for token in (self._right_neighbour(path[-1]), self._wrap_target(path[-1], start)):
                    if token is not None and token not in path:
                        stack.append(((*path, token), letters + len(self.tokens[token].folded)))

    def find_labels(self, rules: _Rules, exact: bool) -> list[_Hit]:
        """Labels printed on the page, longest wording first so that a label inside a longer
        one is not found twice; of windows that match one wording, the closest match (a word
        of the next label wrapped onto it only lowers the score), then the one on fewest
        lines. `exact` for text layers, fuzzy for OCR."""
        self.rules = rules
        wordings, owners = _label_wordings()
        exact_index = {w: i for i, w in enumerate(wordings)}
        # The wording's letters, the score, the window and the wording's index.
        candidates: list[tuple[int, float, tuple[int, ...], int]] = []
        seen: set[tuple[int, ...]] = set()
        japanese: set[int] = set()
        for window in self._windows():
            if window in seen:
                continue
            seen.add(window)
            if exact and "".join(self.tokens[i].folded_all for i in window) in _japanese_wordings():
                japanese.update(window)
            text = "".join(self.tokens[i].folded for i in window)
            if (
                not text
                or any(self.tokens[i].folded_all and not self.tokens[i].folded for i in window)
                or not self.tokens[window[0]].folded
            ):
                continue
            if exact or len(text) <= SHORT_LABEL_LETTERS:
                found = exact_index.get(text)
                if found is not None:
                    candidates.append((len(text), 100.0, window, found))
                continue
            match = process.extractOne(text, wordings, scorer=fuzz.ratio, score_cutoff=LABEL_SCORE)
            if match is None or len(match[0]) <= SHORT_LABEL_LETTERS:
                continue
            if len(match[0]) <= SHORT_LABEL_STRICT and match[1] < STRICT_LABEL_SCORE:
                continue  # "Passport" in a heading is not "Passport No."
            # OCR noise next to a label ("eea Status of residence") must not count as part
            # of it: the window's first and last words must be the label's.
            head, tail = self.tokens[window[0]].folded, self.tokens[window[-1]].folded
            if (
                fuzz.ratio(head, match[0][: len(head)]) >= EDGE_SCORE
                and fuzz.ratio(tail, match[0][-len(tail) :]) >= EDGE_SCORE
                and all(
                    fuzz.partial_ratio(self.tokens[i].folded, match[0]) >= WORD_SCORE
                    for i in window
                    if self.tokens[i].folded
                )
            ):
                candidates.append((len(match[0]), match[1], window, match[2]))
        candidates.sort(key=lambda c: (-c[0], -c[1], self._lines(c[2]), len(c[2])))
        used: set[int] = set()
        hits: list[_Hit] = []
        for _, score, window, wording in candidates:
            if used.intersection(window):
                continue
            used.update(window)
            boxes = [self.tokens[i].bbox for i in window]
            heights = sorted(b[3] for b in boxes)
            hits.append(
                _Hit(
                    label=owners[wording],
                    tokens=window,
                    bbox=union_bbox(boxes),
                    height=float(heights[len(heights) // 2]),
                    block_left=self._block_left(window[0]),
                    score=score / 100.0,
                )
            )
        # A Japanese wording is part of its label, never a value, but finds no field by itself:
        # the English wording beside it does.
        self.label_tokens = used | japanese
        return hits

    def _block_left(self, first: int) -> int:
        """Left edge of the label together with the Japanese wording and number printed just
        before it on its line ("1 国籍・地域 Nationality/Region")."""
        return self.tokens[self.line_start(first)].bbox[0]

    def tokens_in(self, region: BBox, *, labels: bool = False) -> list[int]:
        """Words (label words too if `labels`) whose centre lies in the region, in reading
        order."""
        inside = [
            i
            for i, token in enumerate(self.tokens)
            if (labels or i not in self.label_tokens) and _inside(token.bbox, region)
        ]
        return sorted(inside, key=lambda i: (self.row_of[i], self.tokens[i].bbox[0]))

    def row_text(self, row: list[int]) -> str:
        return " ".join(self.tokens[i].text for i in row)


# ---------------------------------------------------------------- the form's ruling

_RULE_SCALE = 0.5  # rules are long: half resolution finds them in a quarter of the time
RULE_MARGIN = 4  # pixels around a rule found at half resolution that still belong to it


def _find_rules(gray: np.ndarray, text_height: float, tallest_text: float) -> _Rules:
    """Horizontal lines at least six label heights long and vertical ones taller than the
    tallest text and the tick boxes, so that letters, kanji strokes, check marks and tick
    boxes are not taken for rules."""
    small = cv2.resize(gray, None, fx=_RULE_SCALE, fy=_RULE_SCALE, interpolation=cv2.INTER_AREA)
    binary = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10
    )
    unit = max(4.0, text_height * _RULE_SCALE)

    def segments(kernel: tuple[int, int]) -> tuple[_Segment, ...]:
        element = cv2.getStructuringElement(cv2.MORPH_RECT, kernel)
        lines = cv2.morphologyEx(binary, cv2.MORPH_OPEN, element)
        contours, _ = cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        found = []
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            found.append(
                _Segment(
                    round(x / _RULE_SCALE),
                    round(y / _RULE_SCALE),
                    round((x + w) / _RULE_SCALE),
                    round((y + h) / _RULE_SCALE),
                )
            )
        return tuple(found)

    horizontal = segments((max(12, round(6 * unit)), 1))
    vertical = segments((1, max(6, round(max(1.7 * unit, 1.3 * tallest_text * _RULE_SCALE)))))

    def meets(end: int, x: int) -> bool:
        reach = 3 * RULE_MARGIN
        return any(
            h.y0 - reach <= end <= h.y1 + reach and h.x0 - reach <= x <= h.x1 + reach
            for h in horizontal
        )

    # The side of a cell or a box meets lines at both ends; a pen stroke or a kanji does not.
    return _Rules(
        horizontal=horizontal,
        vertical=tuple(v for v in vertical if meets(v.y0, v.x0) and meets(v.y1, v.x0)),
    )


def _rule_mask(rules: _Rules, region: BBox) -> np.ndarray:
    """Where the form's lines cross the region, widened by their blurred edges: taken from
    the page's ruling, whose length tests tell lines from letters better than a crop can
    (the stroke of an I fills a tight cell's height)."""
    x, y, w, h = region
    mask = np.zeros((max(0, h), max(0, w)), np.uint8)
    for segment in (*rules.horizontal, *rules.vertical):
        x0, y0 = segment.x0 - x - RULE_MARGIN, segment.y0 - y - RULE_MARGIN
        x1, y1 = segment.x1 - x + RULE_MARGIN, segment.y1 - y + RULE_MARGIN
        if x1 > 0 and y1 > 0 and x0 < w and y0 < h:
            mask[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = 255
    return mask


def _without_specks(ink: np.ndarray, smallest: float) -> np.ndarray:
    """The ink without dust and without bits of lines cut off at the crop's edge."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink)
    height, width = ink.shape
    keep = np.zeros(count, bool)
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        touches = x == 0 or y == 0 or x + w == width or y + h == height
        keep[i] = area >= smallest and not (touches and min(w, h) <= 3)
    return np.where(keep[labels], 255, 0).astype(np.uint8)


class _Regions:
    """Where the value of each label is written: the table cell to its right, the box below
    it or the underline after it, found from the form's ruling; failing those, the free space
    to its right or below it up to the next label."""

    def __init__(
        self,
        gray: np.ndarray,
        rules: _Rules,
        hits: list[_Hit],
        value_height: float,
    ) -> None:
        self.gray = gray
        self.height, self.width = gray.shape[:2]
        self.rules = rules
        self.hits = hits
        self.value_height = value_height  # height of the tallest ordinary text

    def _holds_label(self, region: BBox, hit: _Hit) -> bool:
        return any(other is not hit and _inside(other.bbox, region) for other in self.hits)

    def value_region(self, hit: _Hit) -> tuple[BBox, bool] | None:
        """The value's area, and whether the form's ruling drew it (rather than guessed)."""
        for finder in (
            self._cell_right,
            self._beside_in_own_cell,
            self._below_in_own_cell,
            self._box_below,
            self._underline,
            self._free_space,
        ):
            region = finder(hit)
            if region is None or region[2] <= 2 or region[3] <= 2:
                continue
            if not self._holds_label(region, hit):
                return region, finder != self._free_space
        return None

    def _cell_right(self, hit: _Hit) -> BBox | None:
        x, y, w, h = hit.bbox
        centre = y + h / 2
        crossing = sorted(
            v.x0
            for v in self.rules.vertical
            # A cell's side runs past the label's whole line (a pen stroke may not).
            if v.x0 >= x + w - 2 and v.y0 <= y + 2 and v.y1 >= y + h - 2
        )
        if not crossing:
            return None
        left = crossing[0]
        further = [c for c in crossing if c > left + 4]
        right = further[0] if further else self.width
        if right - left < 2 * hit.height:
            return None  # two strokes of one character, not the sides of a cell
        spanning = [
            s for s in self.rules.horizontal if s.x0 <= left + 4 and s.x1 >= min(right, s.x1) - 4
        ]
        spanning = [s for s in spanning if s.x1 > left + 0.5 * (right - left)]
        if not spanning:
            return None  # past the table's last column: the margin, not a cell
        tops = [s.y1 for s in spanning if s.y1 <= centre]
        bottoms = [s.y0 for s in spanning if s.y0 >= centre]
        top = max(tops) if tops else round(y - hit.height)
        bottom = min(bottoms) if bottoms else round(y + h + hit.height)
        if bottom - top > 8 * hit.height:
            return None
        return (left + 3, top + 3, right - left - 6, bottom - top - 6)

    def _own_cell(self, hit: _Hit) -> BBox | None:
        """The ruled cell the label is printed in: the nearest lines on its four sides."""
        x, y, w, h = hit.bbox
        beside = [v for v in self.rules.vertical if v.y0 <= y + 2 and v.y1 >= y + h - 2]
        lefts = [v.x1 for v in beside if v.x1 <= min(x, hit.block_left) + 2]
        rights = [v.x0 for v in beside if v.x0 >= x + w - 2]
        if not lefts or not rights:
            return None
        left, right = max(lefts), min(rights)
        across = [s for s in self.rules.horizontal if s.x0 <= left + 4 and s.x1 >= right - 4]
        tops = [s.y1 for s in across if s.y1 <= y + 2]
        bottoms = [s.y0 for s in across if s.y0 >= y + h - 2]
        if not tops or not bottoms:
            return None
        top, bottom = max(tops), min(bottoms)
        return (left, top, right - left, bottom - top)

    def _beside_in_own_cell(self, hit: _Hit) -> BBox | None:
        """The value written after the label inside the label's own cell ("Nationality/Region
        Viet Nam" in one cell, as the Ministry's forms print it), when something is written
        there; an empty rest of the cell leaves the value to the next cell."""
        cell = self._own_cell(hit)
        if cell is None:
            return None
        cx, cy, cw, ch = cell
        x, y, w, h = hit.bbox
        unit = hit.height
        left = round(x + w + 0.5 * unit)
        width = cx + cw - 3 - left
        # Written on the label's own line: a value on the lines below is not beside it.
        line = (left, round(y - 0.3 * unit), width, round(h + 0.6 * unit))
        if not self._written(line):
            return None
        top = max(cy + 3, round(y - 0.8 * unit))
        bottom = min(cy + ch - 3, round(y + h + 0.8 * unit))
        return (left, top, width, bottom - top)

    def _below_in_own_cell(self, hit: _Hit) -> BBox | None:
        """The value written under the label inside the label's own cell (a date under "Date
        of birth", a status under its label), when something is written there."""
        region = self.under_label_in_own_cell(hit)
        return region if region is not None and self._written(region) else None

    def under_label_in_own_cell(self, hit: _Hit) -> BBox | None:
        """The part of the label's own cell under the label, written on or not."""
        cell = self._own_cell(hit)
        if cell is None:
            return None
        cx, cy, cw, ch = cell
        x, y, w, h = hit.bbox
        top = round(y + h + 0.2 * hit.height)
        right = cx + cw - 3
        if hit.label.kind == "signature":
            # One signs under the label's words; the cell may hold the date of filling in
            # beside the signature, which is no signature.
            right = min(right, x + 2 * w)
        region = (cx + 3, top, right - cx - 3, cy + ch - 3 - top)
        return region if region[3] >= hit.height else None

    def _written(self, region: BBox) -> bool:
        """Whether the region holds writing other than the form's lines and its labels."""
        x, y, w, h = region
        if w <= 2 or h <= 2:
            return False
        crop = self.gray[max(0, y) : y + h, max(0, x) : x + w]
        if crop.size == 0:
            return False
        paper = float(np.percentile(crop, 90))
        ink = np.where(crop < paper - MIN_CONTRAST, 255, 0).astype(np.uint8)
        ink &= ~_rule_mask(self.rules, (max(0, x), max(0, y), crop.shape[1], crop.shape[0]))
        for other in self.hits:
            ox, oy, ow, oh = other.bbox
            ink[max(0, oy - y) : max(0, oy - y + oh), max(0, ox - x) : max(0, ox - x + ow)] = 0
        ink = _without_specks(ink, 0.02 * self.value_height**2)
        # Letters cut by the region's top edge belong to the line above (the label's Japanese
        # wording, printed over its English one and often longer).
        count, _, stats, _ = cv2.connectedComponentsWithStats(ink)
        areas = stats[1:count]
        written = int(areas[areas[:, cv2.CC_STAT_TOP] > 0, cv2.CC_STAT_AREA].sum())
        return written >= 0.1 * self.value_height**2

    def _box_below(self, hit: _Hit) -> BBox | None:
        x, y, w, h = hit.bbox
        unit = hit.height
        tops = [
            s
            for s in self.rules.horizontal
            if s.x0 <= min(x, hit.block_left) + 1.5 * unit
            and s.x1 >= x + w - 2
            and y + h - 0.3 * unit <= s.y0 <= y + h + 2.6 * unit
        ]
        if not tops:
            return None
        top = min(tops, key=lambda s: s.y0)
        bottoms = [
            s.y0
            for s in self.rules.horizontal
            if top.y1 + 0.8 * unit <= s.y0 <= top.y1 + 8 * unit
            and s.x0 <= top.x0 + unit
            and s.x1 >= top.x1 - unit
        ]
        bottom = min(bottoms) if bottoms else round(top.y1 + 2.5 * unit)
        return (top.x0 + 3, top.y1 + 2, top.x1 - top.x0 - 6, bottom - top.y1 - 4)

    def _underline(self, hit: _Hit) -> BBox | None:
        x, y, w, h = hit.bbox
        unit = hit.height
        lines = [
            s
            for s in self.rules.horizontal
            if x + w - 0.5 * unit <= s.x0 <= x + w + 12 * unit
            and y + h - 0.5 * unit <= s.y0 <= y + h + 5 * unit
            and not self._label_between(hit, s.x0)
        ]
        if not lines:
            return None
        lines = [s for s in lines if not self._pen_stroke(s, unit)]
        if not lines:
            return None
        line = min(lines, key=lambda s: s.y0)
        above = [
            s.y1 for s in self.rules.horizontal if s.y1 <= y and s.x0 < line.x1 and s.x1 > line.x0
        ]
        top = max([round(min(y - 0.6 * unit, line.y0 - 1.6 * self.value_height)), *above])
        return (line.x0, top + 2, line.x1 - line.x0, line.y0 - top - 3)

    def _pen_stroke(self, segment: _Segment, unit: float) -> bool:
        """Whether a horizontal line is the flourish of a signature rather than a printed
        line: its ink is joined to strokes rising well above it."""
        reach = round(3 * unit)
        top = max(0, segment.y0 - reach)
        window = self.gray[top : segment.y1 + RULE_MARGIN, segment.x0 : segment.x1]
        if window.size == 0:
            return False
        paper = float(np.percentile(window, 95))
        ink = np.where(window < paper - MIN_CONTRAST, 255, 0).astype(np.uint8)
        _, labels, stats, _ = cv2.connectedComponentsWithStats(ink)
        on_line = set(np.unique(labels[segment.y0 - top : segment.y1 - top + 1, :])) - {0}
        return any(stats[i, cv2.CC_STAT_HEIGHT] > PEN_STROKE * unit for i in on_line)

    def _label_between(self, hit: _Hit, right: int) -> bool:
        """Whether another label stands on the label's line before `right`."""
        return self._next_label_right(hit) < right

    def _next_label_right(self, hit: _Hit) -> int:
        x, y, w, h = hit.bbox
        lefts = [
            other.block_left
            for other in self.hits
            if other is not hit
            and other.bbox[0] > x + w
            and other.bbox[1] < y + h
            and other.bbox[1] + other.bbox[3] > y
        ]
        return min(lefts, default=self.width)

    def _free_space(self, hit: _Hit) -> BBox | None:
        """No ruling: the rest of the label's line, up to the next label."""
        x, y, w, h = hit.bbox
        unit = hit.height
        right = self._next_label_right(hit)
        left = round(x + w + 0.3 * unit)
        return (left, round(y - 0.4 * unit), right - left - round(0.3 * unit), round(h + unit))

    def below(self, hit: _Hit) -> BBox:
        """The free space under the label, for a value printed on the next line."""
        _, y, _, h = hit.bbox
        unit = hit.height
        right = self._next_label_right(hit)
        top = round(y + h + 0.1 * unit)
        return (round(hit.block_left - 0.5 * unit), top, right - hit.block_left, round(2.5 * unit))


# ---------------------------------------------------------------- reading a value's area


@dataclass
class _Job:
    """One value to read: its label, the area it is written in, and the best reading so
    far with what it parsed to."""

    hit: _Hit
    region: BBox
    ruled: bool  # the area is drawn on the form (cell, box, underline), not guessed
    blank: bool = False  # nothing is written in the area
    crop: np.ndarray | None = None  # scans: the writing, cleaned of the form's lines
    box: BBox | None = None
    best: tuple[float, _Parsed, _Reading] | None = None
    unreadable: _Reading | None = None
    # Scans: a date's readings by each model (lang, text), to be weighed against each other.
    date_readings: list[tuple[str, str]] = field(default_factory=list)

    def offer(self, reading: _Reading) -> None:
        """Keep the reading if it parses better than what was read before; two readings
        that agree are as sure as the surer of them."""
        parsed = _PARSERS[self.hit.label.kind](reading.text) if reading.text else None
        if parsed is None:
            self.unreadable = self.unreadable or reading
            return
        # A value that fits no known form (a malformed number, an unknown relationship) is
        # doubted as a likely misreading; typed, it is what the form says, for the rules
        # (CARD_NUMBER_INVALID, APPLICANT_NOT_ALLOWED) to judge.
        factor = 1.0 if reading.typed and _as_written(parsed[0], reading.text) else parsed[1]
        score = reading.confidence * factor
        if self.best is not None and self.best[1][0] == parsed[0]:
            score = max(score, self.best[0])
        if self.best is None or score >= self.best[0]:
            self.best = (score, parsed, reading)

    @property
    def placement(self) -> float:
        """How sure it is that the area holds this label's value at all: the label's match,
        and less when the area was guessed from the words around rather than drawn."""
        return self.hit.score * (1.0 if self.ruled else UNRULED)

    @property
    def settled(self) -> bool:
        """Whether the value as it would be reported is sure enough to stop reading: a
        reading good in itself but under a fuzzily matched label would end up unsure."""
        return self.blank or (
            self.best is not None and self.best[0] * self.placement >= RETRY_CONFIDENCE
        )


class _TextLayer:
    """Values of a born-digital page: AcroForm widgets, else text-layer words, inside the
    value's area. Exact, so confidence 1."""

    def __init__(self, words: _Words, widgets: list[_Widget]) -> None:
        self.words = words
        self.widgets = widgets

    def locate(self, job: _Job) -> None:
        inside = [w for w in self.widgets if _inside(w.bbox, job.region)]
        if inside:
            text = " ".join(w.value for w in inside).strip()
            job.blank = not text
            job.offer(_Reading(text, 1.0, union_bbox([w.bbox for w in inside]), typed=True))
            return
        tokens = self.words.tokens_in(job.region)
        job.blank = not tokens
        if tokens:
            boxes = [self.words.tokens[i].bbox for i in tokens]
            text = " ".join(self.words.tokens[i].text for i in tokens)
            job.offer(_Reading(text, 1.0, union_bbox(boxes), typed=True))

    def read(self, jobs: list[_Job]) -> None:
        """Nothing more to read: the text layer said it all."""


class _Scan:
    """Values of a scanned or photographed page: the crops of the value areas, cleaned of
    the form's lines, read together in one image with English and, for values that may be
    Japanese and did not parse, with the Japanese model (one OCR call per model, not one
    per field; the page's sparse-text pass reads values worse than a clean crop does)."""

    def __init__(self, gray: np.ndarray, ocr: OcrEngine, rules: _Rules, text_height: float) -> None:
        self.gray = gray
        self.ocr = ocr
        self.rules = rules
        self.text_height = text_height

    def locate(self, job: _Job) -> None:
        found = self._ink_box(job.region)
        if found is None:
            job.blank = True
            return
        job.crop, job.box = found

    def read(self, jobs: list[_Job]) -> None:
        for lang in _LANGUAGES:
            pending = self._pending(jobs, lang)
            if pending:
                texts = self._read_together([self._scaled(job.crop) for job in pending], lang)
                for job, (text, confidence) in zip(pending, texts, strict=True):
                    self._offer(job, text, confidence, lang)
        # What the crops read together left unsure, each crop read alone as one line and at
        # another size: slower, but the model then has no neighbouring line to take context
        # from, and a glyph it doubted at one scale it often reads surely at another.
        for lang in _LANGUAGES:
            for job in self._pending(jobs, lang):
                crop = self._alone(job.crop, RETRY_LINE_HEIGHT)
                self._offer(job, *self.ocr.read_line(crop, lang=lang), lang)
        for job in jobs:
            if job.hit.label.kind in _CODE_KINDS and not job.settled and job.crop is not None:
                self._reread_malformed_code(job)
                self._second_model(job)
            if job.hit.label.kind == "date" and not job.settled:
                self._weigh_kanji_date(job)

    @staticmethod
    def _weigh_kanji_date(job: _Job) -> None:
        """A date printed with 年, 月 and 日 that no reading made sure of: the English model
        reads its digits right but its kanji as junk (19714F10R 158), the Japanese model its
        kanji right but a 0 as a 9 (1971 年 19 月), and each is unsure alone (bench seed 7
        c010, a clean 200 dpi scan); weighed together as a residence card's dates are, the
        English digits placed where the Japanese kanji part them, they agree."""
        english = [text for lang, text in job.date_readings if lang == "eng"]
        japanese = [text for lang, text in job.date_readings if lang == "jpn" and "年" in text]
        for english_text in english:
            for japanese_text in japanese:
                day, confidence = reconcile_kanji_date(english_text, japanese_text)
                if day is not None:
                    assert job.box is not None
                    job.offer(_Reading(day.isoformat(), confidence, job.box))

    def _reread_malformed_code(self, job: _Job) -> None:
        """A card or passport number no reading fitted to its pattern, read alone at other
        sizes: the number is a person's to check either way, but one with a glyph too many
        is then also reported as differing from the card's or passport's own number."""
        assert job.crop is not None
        # Tesseract reads a sans-serif "16ZZ" as "162ZZ" at most sizes, and right at the
        # scan's own size or at the batch's when the crop is alone (bench clean c018); a
        # monospaced dotted zero as "OQ" at 48 and 72 pixels, as one glyph at the scan's
        # own size (bench seed 7 c009).
        for height in (job.crop.shape[0], BATCH_LINE_HEIGHT):
            if job.best is not None and job.best[1][2]:
                return  # a reading fits the pattern
            self._offer(job, *self.ocr.read_line(self._alone(job.crop, height), lang="eng"), "eng")

    def _second_model(self, job: _Job) -> None:
        """A well-formed code the English model read but not surely, read by the Japanese
        model as well: two models that read it alike are sure of it. The English model
        doubts a whole number for one glyph it has no word context for (the Z after a 6 of
        a sans-serif "16ZZ", bench clean c018, at 0.46-0.55 at every size) where the
        Japanese model reads it at 0.9. Only agreement is taken: alone, the Japanese model
        adds and drops characters (MOQ for MQ on residence cards), so a number printed a
        character short or long could come out well formed."""
        assert job.crop is not None
        if job.best is None or not job.best[1][2]:
            return
        text, _ = self.ocr.read_line(self._alone(job.crop), lang="jpn")
        parsed = _PARSERS[job.hit.label.kind](text) if text else None
        if parsed is not None and parsed[2] and parsed[0] == job.best[1][0]:
            self._offer(job, text, AGREED_CONFIDENCE, "jpn")

    @staticmethod
    def _pending(jobs: list[_Job], lang: str) -> list[_Job]:
        return [
            job
            for job in jobs
            if not job.settled
            and job.crop is not None
            and (lang == "eng" or job.hit.label.kind not in _LATIN_KINDS)
        ]

    @staticmethod
    def _scaled(crop: np.ndarray | None, height: float = BATCH_LINE_HEIGHT) -> np.ndarray:
        assert crop is not None
        factor = float(np.clip(height / crop.shape[0], 0.5, 3.0))
        return cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)

    @classmethod
    def _alone(cls, crop: np.ndarray, height: float = BATCH_LINE_HEIGHT) -> np.ndarray:
        """The crop scaled to `height`, on a margin of paper, to be read as a line alone."""
        return cv2.copyMakeBorder(
            cls._scaled(crop, height), 16, 16, 16, 16, cv2.BORDER_CONSTANT, value=255
        )

    @staticmethod
    def _offer(job: _Job, text: str, confidence: float, lang: str) -> None:
        if lang == "jpn":  # the Japanese model spaces out every character
            text = re.sub(r"(?<=[^A-Za-z0-9]) (?=[^A-Za-z0-9])", "", text)
        assert job.box is not None and job.crop is not None
        if job.hit.label.kind == "passport":
            text, confidence = _judge_twins(job.crop, text, confidence)
        elif job.hit.label.kind == "name":
            text = letters_by_shape(job.crop, text)
        elif job.hit.label.kind == "date":
            job.date_readings.append((lang, text))
        job.offer(_Reading(text, confidence, job.box))

    def _read_together(self, crops: list[np.ndarray], lang: str) -> list[tuple[str, float]]:
        """Each crop's text, from one OCR call over the crops stacked one above the other
        with a line's height of paper between them."""
        gap = BATCH_LINE_HEIGHT
        width = max(c.shape[1] for c in crops) + 2 * gap
        height = sum(c.shape[0] for c in crops) + gap * (len(crops) + 1)
        sheet = np.full((height, width), 255, np.uint8)
        bands = []
        top = gap
        for crop in crops:
            sheet[top : top + crop.shape[0], gap : gap + crop.shape[1]] = crop
            bands.append((top - gap / 2, top + crop.shape[0] + gap / 2))
            top += crop.shape[0] + gap
        words: list[list[tuple[int, str, float]]] = [[] for _ in crops]
        for word in self.ocr.read(sheet, lang=lang, psm=4).words:
            centre = word.bbox[1] + word.bbox[3] / 2
            for index, (upper, lower) in enumerate(bands):
                if upper <= centre < lower:
                    words[index].append((word.bbox[0], word.text, word.confidence))
                    break
        return [
            (" ".join(t for _, t, _ in sorted(w)), min((c for _, _, c in w), default=0.0))
            for w in words
        ]

    def _ink_box(self, region: BBox) -> tuple[np.ndarray, BBox] | None:
        """The region's writing without the form's lines, as a crop on white, and its box;
        None when nothing is written there."""
        x, y, w, h = region
        crop = self.gray[max(0, y) : y + h, max(0, x) : x + w]
        if crop.size == 0:
            return None
        paper = float(np.percentile(crop, 90))
        darkest = float(cv2.GaussianBlur(crop, (3, 3), 0).min())
        if paper - darkest < MIN_CONTRAST:
            return None  # paper and scanner noise only
        binary = np.where(crop < (paper + darkest) / 2, 255, 0).astype(np.uint8)
        rules = _rule_mask(self.rules, (max(0, x), max(0, y), crop.shape[1], crop.shape[0]))
        ink = _without_specks(binary & ~rules, 0.02 * self.text_height**2)
        points = cv2.findNonZero(ink)
        if points is None or len(points) < 0.05 * self.text_height**2:
            return None
        ix, iy, iw, ih = cv2.boundingRect(points)
        pad = max(4, round(0.3 * self.text_height))
        x0, y0 = max(0, ix - pad), max(0, iy - pad)
        x1, y1 = min(crop.shape[1], ix + iw + pad), min(crop.shape[0], iy + ih + pad)
        cleaned = crop.copy()
        cleaned[(rules > 0) | ((binary > 0) & (ink == 0))] = round(paper)  # lines and dust go
        return cleaned[y0:y1, x0:x1], (x + x0, y + y0, x1 - x0, y1 - y0)


_Source = _TextLayer | _Scan


def _judge_twins(crop: np.ndarray, text: str, confidence: float) -> tuple[str, float]:
    """A passport number read off a scan, with its I/1 and O/0 as their shapes show them,
    and unsure when a shape leaves one in doubt: Tesseract reads these twins with full
    confidence whichever way it goes, and the format cannot tell (ICAO allows any letters
    and digits), so a confident wrong number would otherwise pass unreviewed. A twin the
    shape clearly puts right keeps the reading's confidence: a clean print's number is
    then not sent to a person for a glyph its shape decided."""
    number = re.sub(r"[^A-Z0-9]", "", unicodedata.normalize("NFKC", text).upper())
    check = check_twins(crop, number)
    if check is None:
        return text, confidence
    return check.text, min(confidence, TWIN_DOUBT) if check.doubt else confidence


# ---------------------------------------------------------------- from text to values

_Parsed = tuple[FieldValue, float, bool | None]  # value, confidence factor, valid


# Words of name labels, which an area running into the next label picks up.
_NAME_LABEL_WORDS = frozenset({"NAME", "NAMES", "GIVEN", "FAMILY", "SURNAME", "FULL", "FIRST"})


def _parse_name(text: str) -> _Parsed | None:
    words = [w for w in normalize_name(text).split() if re.fullmatch(r"[A-Z][A-Z'-]*", w)]
    words = [w for w in words if w not in _NAME_LABEL_WORDS]
    return (" ".join(words), 1.0, None) if words else None


# The Japanese model reads small kana as full-size ones and the long-vowel mark as 一.
_SMALL_KANA = {
    "ヤ": "ャ",
    "ユ": "ュ",
    "ヨ": "ョ",
    "ツ": "ッ",
    "ア": "ァ",
    "イ": "ィ",
    "エ": "ェ",
    "オ": "ォ",
    "一": "ー",
}
_MAX_KANA_SWAPS = 4


def _parse_country(text: str) -> _Parsed | None:
    code = country_code(text)
    if code:
        return code, 1.0, None
    positions = [i for i, char in enumerate(text) if char in _SMALL_KANA][:_MAX_KANA_SWAPS]
    for mask in range(1, 2 ** len(positions)):
        chars = list(text)
        for bit, position in enumerate(positions):
            if mask >> bit & 1:
                chars[position] = _SMALL_KANA[chars[position]]
        code = country_code("".join(chars))
        if code:
            return code, 0.9, None
    return None


_CLEAN_DATE = re.compile(
    r"\d{4}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{1,2}|\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}"
    r"|\d{1,2}\s*[A-Z]{3,9}\.?\s*\d{4}|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|(令和|平成|昭和)\s*(\d{1,2}|元)\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
)


def _parse_date(text: str) -> _Parsed | None:
    """A date; one read out of noise (年月日 read by the English model as letters and
    digits) is less sure, so that the Japanese model reads it again."""
    day = parse_date(text)
    if day is None:
        return None
    clean = _CLEAN_DATE.fullmatch(unicodedata.normalize("NFKC", text).strip().upper())
    return day.isoformat(), 1.0 if clean else NOISY_DATE, True


def _parse_passport(text: str) -> _Parsed | None:
    number = re.sub(r"[^A-Z0-9]", "", unicodedata.normalize("NFKC", text).upper())
    if not 5 <= len(number) <= 12 or not re.search(r"\d", number):
        return None  # passport numbers carry digits; words are another field's text
    well_formed = re.fullmatch(r"[A-Z0-9]{6,9}", number) is not None
    return number, 1.0 if well_formed else 0.5, well_formed


def _parse_card(text: str) -> _Parsed | None:
    # The last letters are often I, which OCR reads as ! or |.
    number, well_formed, factor = parse_card_number(re.sub(r"[!|]", "I", text))
    return (number, factor, well_formed) if number else None


def _parse_status(text: str) -> _Parsed | None:
    # Roman numerals of (i), (ii), (iii) come back with 1, l or | for i.
    text = re.sub(r"\(([il1|!]{1,3})\)", lambda m: f"({'i' * len(m.group(1))})", text)
    name, score = match_status(text)
    return (name, score, True) if name else None


def _parse_period(text: str) -> _Parsed | None:
    """An unlimited stay (無期限) is no period one can ask for: it is reported as not read."""
    period = parse_period(text)
    if period is None or is_unlimited(period):
        return None
    return period.compact(), 1.0, None


def _parse_relationship(text: str) -> _Parsed | None:
    folded = unicodedata.normalize("NFKC", text).casefold()
    for wording in sorted(RELATIONSHIP_WORDS, key=len, reverse=True):
        pattern = re.escape(wording) if _has_cjk(wording) else rf"\b{re.escape(wording)}\b"
        if re.search(pattern, folded):
            return RELATIONSHIP_WORDS[wording], 1.0, None
    # A wording no list knows is reported as written, for the rule to doubt.
    words = re.sub(r"[^a-z\u3040-\u30ff\u3400-\u9fff ]", " ", folded).split()
    return (" ".join(words), 0.5, None) if words else None


_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "S": "5"})


def _parse_yen(text: str) -> _Parsed | None:
    """Amounts as forms print them: ¥300,000, 300,000 yen, 300,000円, JPY 300,000, 30万円."""
    normalized = re.sub(r"(?<=[\d,.])\s+(?=[\d,.])", "", unicodedata.normalize("NFKC", text))
    normalized = re.sub(
        r"[\dOolIDS][\dOolIDS,.]*",
        lambda m: (
            m.group(0).translate(_DIGIT_LOOKALIKES) if re.search(r"\d", m.group(0)) else m.group(0)
        ),
        normalized,
    )
    man = re.search(r"(\d[\d,]*)\s*万", normalized)
    if man:
        return int(man.group(1).replace(",", "")) * 10_000, 1.0, None
    number = re.search(r"\d{1,3}(?:[,.]\d{3})+|\d+", normalized)
    return (int(re.sub(r"[,.]", "", number.group(0))), 1.0, None) if number else None


def _as_written(value: object, text: str) -> bool:
    """Whether a parsed value is the text itself, letter for letter, not a reading of it."""
    return isinstance(value, str) and _fold_all(value) == _fold_all(text)


_PARSERS: dict[str, Callable[[str], _Parsed | None]] = {
    "name": _parse_name,
    "country": _parse_country,
    "date": _parse_date,
    "passport": _parse_passport,
    "card": _parse_card,
    "status": _parse_status,
    "period": _parse_period,
    "relationship": _parse_relationship,
    "yen": _parse_yen,
}


# ---------------------------------------------------------------- the reader


def _combine_names(family: ExtractedField | None, given: ExtractedField | None) -> ExtractedField:
    """One "FAMILY GIVEN" name from the two boxes forms often print; one box alone is half a
    name, so its confidence halves."""
    parts = [f for f in (family, given) if f is not None and f.value]
    value = " ".join(str(f.value) for f in parts) or None
    confidence = min((f.confidence for f in parts), default=0.0)
    if len(parts) < 2:
        confidence /= 2
    boxes = [f.bbox for f in parts if f.bbox]
    return ExtractedField(
        value=value, confidence=confidence, bbox=union_bbox(boxes) if boxes else None
    )


# Where each reported field comes from, first found wins: a full-name box, or family and
# given name apart; the detained person's particulars on a provisional release form. A
# form with a family-name box has a given-name box: a lone "name" found there is the end
# of a given-name label read in part ("Name: Given name"), so it fills in the given name.
_NAME_SOURCES: dict[str, tuple[tuple[str, ...], ...]] = {
    "applicant_name": (
        ("applicant_name",),
        ("applicant_family_name", "applicant_given_name"),
        ("family_name", "given_name", "name"),
        ("name",),
    ),
    "detained_name": (("detained_name",), ("detained_family_name", "detained_given_name")),
}
_FIELD_SOURCES: dict[str, tuple[str, ...]] = {
    "nationality": ("nationality", "detained_nationality"),
    "date_of_birth": ("date_of_birth", "detained_date_of_birth"),
    "passport_number": ("passport_number",),
    "card_number": ("card_number",),
    "status_of_residence": ("status_of_residence",),
    "requested_period": ("requested_period",),
    "desired_status": ("desired_status",),
    "date_of_departure": ("date_of_departure",),
    "date_of_reentry": ("date_of_reentry",),
    "relationship": ("relationship",),
    "deposit_amount": ("deposit_amount",),
}


class _FormReader:
    def __init__(self, page: PreparedPage, ocr: OcrEngine) -> None:
        self.page = page
        if page.ocr is None:
            page.ocr = read_page(page, ocr)
        self.born_digital = bool(page.source.text_layer_words or page.source.form_fields)
        words = page.ocr.words if page.source.text_layer_words else self._scan_words(ocr)
        tokens = [
            _Token(w.text, w.bbox, w.confidence, _fold(w.text), _fold_all(w.text)) for w in words
        ]
        self.words = _Words(tokens)
        self.gray = page.image
        self.rules = _find_rules(self.gray, *_text_heights(words))
        self.hits = self.words.find_labels(self.rules, exact=bool(page.source.text_layer_words))
        heights = sorted(round(hit.height) for hit in self.hits)
        self.text_height = heights[len(heights) // 2] if heights else self.words.text_height
        # The title says "... OF STATUS OF RESIDENCE" in letters twice the labels' size.
        self.hits = [
            hit
            for hit in self.hits
            if min(self._letter_height(tokens[i].bbox) for i in hit.tokens)
            <= TITLE_SIZE * self.text_height
        ]
        self.hits = [hit for hit in self.hits if not self._in_title(hit)]
        self.regions = _Regions(self.gray, self.rules, self.hits, _text_heights(words)[1])
        self.widgets = self._widgets()
        self.source: _Source = (
            _TextLayer(self.words, [w for w in self.widgets if not self._is_box(w)])
            if self.born_digital
            else _Scan(self.gray, ocr, self.rules, self.text_height)
        )

    def _scan_words(self, ocr: OcrEngine) -> list[Word]:
        """The words of a scanned page: a sparse-text reading at full resolution (labels
        printed small under their Japanese wording are lost at the resolution the classifier
        reads at) of the page without the form's ruling, since Tesseract takes a table's
        cells, shaded and boxed in, for pictures and reads nothing in them on a blurred
        photo (c007 of the sample bench: no date of birth, passport number or signature
        label found); with the classifier's words where it read nothing."""
        assert self.page.ocr is not None
        first = self.page.ocr.words
        gray = self.page.image
        rules = _find_rules(gray, *_text_heights(first))
        unruled = _flat_paper(gray)
        unruled[_rule_mask(rules, (0, 0, gray.shape[1], gray.shape[0])) > 0] = 255
        return _merge_readings(ocr.read(unruled, lang="eng", psm=11).words, first)

    def _in_title(self, hit: _Hit) -> bool:
        """Whether the label's words are part of a longer form title on their line
        ("Status of Residence" in a continuation page's "Application for Change of Status
        of Residence (2)"); a label that holds a title's words ("Reason for change of status
        of residence") is still a label."""
        row = self.words.rows[self.words.row_of[hit.tokens[0]]]
        if any(index not in row for index in hit.tokens):
            return False
        offsets, text = {}, ""
        for index in row:
            offsets[index] = len(text)
            text += self.words.tokens[index].folded_all
        start = offsets[hit.tokens[0]]
        end = offsets[hit.tokens[-1]] + len(self.words.tokens[hit.tokens[-1]].folded_all)
        return any(s <= start and end <= e and e - s > end - start for s, e in title_spans(text))

    def _letter_height(self, bbox: BBox) -> float:
        """How tall a word's letters are: its box's height, or, where the OCR's box is tall
        (it took in the Japanese wording above the word), the tallest band of ink rows in
        it, so that a label is not taken for the big letters of the title."""
        if bbox[3] <= TITLE_SIZE * self.text_height:
            return bbox[3]
        return float(max((height for _, height in self._ink_bands(bbox)), default=bbox[3]))

    def _ink_bands(self, bbox: BBox) -> list[tuple[int, int]]:
        """The bands of rows with ink in a word's box, top to bottom, as (top, height) in
        page pixels: more than one where the OCR's box took in a neighbouring line."""
        x, y, w, h = bbox
        crop = self.gray[max(0, y) : y + h, max(0, x) : x + w]
        if crop.size == 0:
            return []
        _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        rows = np.concatenate(([0], ink.max(axis=1), [0]))
        edges = np.flatnonzero(np.diff(rows))
        return [
            (max(0, y) + int(top), int(bottom - top))
            for top, bottom in zip(edges[::2], edges[1::2], strict=True)
        ]

    def _widgets(self) -> list[_Widget]:
        """AcroForm widgets with their boxes in prepared-image pixels."""
        source = self.page.source
        to_prepared = np.linalg.inv(self.page.to_original)
        widgets = []
        for name, value in source.form_fields.items():
            box = source.form_field_boxes.get(name)
            if box is None:
                continue
            x, y, w, h = box
            corners = np.array([[x, y, 1.0], [x + w, y + h, 1.0]]) @ to_prepared.T
            (x0, y0), (x1, y1) = corners[:, :2] / corners[:, 2:3]
            widgets.append(
                _Widget(name, value, (round(x0), round(y0), round(x1 - x0), round(y1 - y0)))
            )
        return widgets

    def _is_box(self, widget: _Widget) -> bool:
        """A tick box or radio button: small and square, unlike a text field."""
        _, _, w, h = widget.bbox
        return max(w, h) <= 2.5 * self.text_height and 0.7 <= w / max(h, 1) <= 1.4

    def _field(
        self, value: FieldValue, confidence: float, bbox: BBox | None, valid: bool | None = None
    ) -> ExtractedField:
        return ExtractedField(
            value=value,
            confidence=round(max(0.0, min(1.0, confidence)), 3),
            valid=valid,
            bbox=self.page.bbox_to_original(bbox) if bbox else None,
        )

    # -- values

    def _values(self) -> dict[int, ExtractedField]:
        """The value of every label that has one, by the label's index in `hits`."""
        jobs: dict[int, _Job] = {}
        for index, hit in enumerate(self.hits):
            if hit.label.kind not in _PARSERS:
                continue
            found = self.regions.value_region(hit)
            if found is None:
                continue
            region, ruled = found
            job = _Job(hit, region, ruled)
            self.source.locate(job)
            if job.blank and not ruled:
                job = _Job(hit, self.regions.below(hit), ruled)
                self.source.locate(job)
            jobs[index] = job
        self.source.read(list(jobs.values()))
        return {index: self._result(job) for index, job in jobs.items()}

    def _result(self, job: _Job) -> ExtractedField:
        if job.blank:
            # Nothing written: a blank answer, as sure as the page is clear.
            certainty = 1.0 if self.born_digital else BLANK_CONFIDENCE
            return self._field(None, certainty * job.hit.score, job.region)
        if job.best is None:
            box = job.unreadable.bbox if job.unreadable else job.region
            return self._field(None, UNREADABLE_CONFIDENCE, box)
        score, (value, _, valid), reading = job.best
        return self._field(value, score * job.placement, reading.bbox, valid=valid)

    # -- tick boxes

    def _tick(self, caption: BBox) -> tuple[bool | None, float, BBox] | None:
        """The tick box just left of a caption: the widget's state when it is an AcroForm
        check box, else the ink inside the printed box. Squares inside the caption's own
        words (回 in 一回限り) are passed over."""
        # An OCR box that swallowed a neighbouring mark is taller than the line of text, and
        # on a blurred photo Tesseract's boxes run well past the letters (twice their height
        # on the bench's c007), so that a tick box looked smaller than the text: the caption
        # is cut to its letters' ink, the first band of it where the box also took in the
        # line below, since the statement's box is level with the line it begins on.
        x, y, w, h = caption
        bands = [band for band in self._ink_bands(caption) if band[1] >= max(3, 0.25 * h)]
        if bands:
            y, h = bands[0]
        height = min(h, round(CAPTION_HEIGHT * self.text_height))
        caption = (x, y + (h - height) // 2, w, height)
        label = caption
        for _ in range(4):
            reading = read_tick_box(self.gray, label, side="left")
            if reading is None:
                return None
            if not self._within_text(reading.box, caption[3]):
                break
            # Look on from the left edge of the square that was part of the text.
            label = (reading.box[0] - 2, caption[1], 1, caption[3])
        else:
            return None
        for widget in self.widgets:
            if self._is_box(widget) and _inside(widget.bbox, _grow(reading.box, 4)):
                if widget.value in ("", "Off"):
                    return False, 1.0, reading.box
                if widget.value in ("Yes", "On", "1", "true"):
                    return True, 1.0, reading.box
        return reading.ticked, reading.confidence, reading.box

    def _within_text(self, box: BBox, text_height: int) -> bool:
        """Whether a square is part of a line of text (回 in 一回限り, an O) rather than a
        tick box: smaller than the text beside it, or with writing right up against its left
        side, where a tick box has paper or at most a table's border."""
        x, y, w, h = box
        if min(w, h) < MIN_BOX_SIDE * text_height:
            return True
        left, right = max(0, x - w // 2), max(0, x - 2)
        paper = float(np.percentile(self.gray[y : y + h, max(0, x - w) : x + 2 * w], 95))
        reach = h // 4
        tall = self.gray[max(0, y - reach) : y + h + reach, left:right] < paper - MIN_CONTRAST
        if tall.shape[1] < 3:
            return False  # the page's edge: nothing is written against the box
        # Columns of a ruled line running past the box, with their blurred edges.
        border = tall.mean(axis=0) >= 0.6
        border = np.convolve(border, np.ones(3), mode="same") > 0
        inset = max(2, h // 5)
        strip = tall[reach + inset : reach + h - inset, ~border]
        return strip.size > 0 and float(strip.mean()) > 0.03

    def _option_captions(self, hit: _Hit, wordings: tuple[str, ...]) -> list[int]:
        """The words naming one option of a choice near the choice's label, nearest first:
        the option may be printed twice (一回 over Single), its box beside either. English
        wordings are compared folded (a scan's OCR allowed a letter off), Japanese ones found
        in the word, which may hold the box's glyph as well (☒一回 in a text layer)."""
        x, y, _, h = hit.bbox
        unit = hit.height
        japanese = [w for w in wordings if _has_cjk(w)]
        english = [_fold(w) for w in wordings if not _has_cjk(w)]
        least = 100 if self.born_digital else 80
        found: list[tuple[float, int]] = []
        for index, token in enumerate(self.words.tokens):
            tx, ty, _, _ = token.bbox
            if not (y - 4 * unit <= ty <= y + h + 4 * unit and tx >= hit.block_left - unit):
                continue
            if index in self.words.label_tokens:
                continue
            named = any(w in token.text for w in japanese) or bool(
                token.folded and any(fuzz.ratio(token.folded, w) >= least for w in english)
            )
            if named:
                found.append((abs(ty - y) + abs(tx - x) / 4, index))
        return [index for _, index in sorted(found)]

    def _printed_tick(self, caption: int) -> tuple[bool | None, float, BBox] | None:
        """A text layer's box glyph (☒ or ☐) in the caption's word or the word before it:
        the state as the PDF states it."""
        if not self.born_digital:
            return None  # OCR reads an empty box as 口 or O, no glyph to trust
        row = self.words.rows[self.words.row_of[caption]]
        position = row.index(caption)
        candidates = [self.words.tokens[caption]]
        if position > 0 and len(self.words.tokens[row[position - 1]].text.strip()) == 1:
            candidates.append(self.words.tokens[row[position - 1]])  # the glyph set apart
        for token in candidates:
            if any(glyph in token.text for glyph in TICKED_GLYPHS):
                return True, 1.0, token.bbox
            if any(glyph in token.text for glyph in EMPTY_BOX_GLYPHS):
                return False, 1.0, token.bbox
        return None

    def _option_tick(self, caption: int) -> tuple[bool | None, float, BBox] | None:
        """The box of the option a caption names: left of the caption, or of the option's
        other wording printed over it (☐ 一回 with Single under 一回) when only this one was
        read."""
        x, y, w, h = self.words.tokens[caption].bbox
        return (
            self._printed_tick(caption)
            or self._tick((x, y, w, h))
            or self._tick((x, round(y - 1.6 * h), w, h))
        )

    def _stacked_caption(self, caption: int) -> int | None:
        """The word that starts level with a caption in the row just below or above it: the
        other option of a two-way choice printed in a column, when its own caption was read
        past recognition (the tick read into it: Multiple as "Viluttipte", seed 41 c002)."""
        x, y, _, h = self.words.tokens[caption].bbox
        row = self.words.row_of[caption]
        for r in (row + 1, row - 1):
            if not 0 <= r < len(self.words.rows):
                continue
            for index in self.words.rows[r]:
                tx, ty, _, _ = self.words.tokens[index].bbox
                level = abs(tx - x) <= h and abs(ty - y) <= 3 * h
                if level and index not in self.words.label_tokens:
                    return index
        return None

    def _permit_type(self, hit: _Hit) -> ExtractedField:
        states: dict[str, tuple[bool | None, float, BBox]] = {}
        captions: dict[str, int] = {}
        for option, wordings in PERMIT_TYPE_OPTIONS.items():
            for caption in self._option_captions(hit, wordings):
                tick = self._option_tick(caption)
                if tick is not None:
                    states[option], captions[option] = tick, caption
                    break
        if len(states) == 1:
            found, caption = next(iter(captions.items()))
            other = next(option for option in PERMIT_TYPE_OPTIONS if option != found)
            stacked = self._stacked_caption(caption)
            tick = self._option_tick(stacked) if stacked is not None else None
            # Its own box, not the found option's box again.
            if tick is not None and not _inside(tick[2], states[found][2]):
                states[other] = (tick[0], tick[1] * STACKED_CAPTION, tick[2])
        ticked = [option for option, (state, _, _) in states.items() if state]
        confidence = min((c for _, c, _ in states.values()), default=0.0)
        boxes = [box for _, _, box in states.values()]
        decided = len(states) == len(PERMIT_TYPE_OPTIONS) and all(
            state is not None for state, _, _ in states.values()
        )
        if decided and len(ticked) == 1:
            return self._field(ticked[0], confidence * hit.score, union_bbox(boxes))
        # None ticked, both ticked, or a box that is neither clearly empty nor marked.
        return self._field(None, min(confidence, 0.3), union_bbox(boxes) if boxes else hit.bbox)

    def _condition(self, hit: _Hit) -> tuple[ExtractedField, BBox | None]:
        """A departure-order condition, and its box. The box sits left of the first line of
        its statement, which is the English line or the Japanese one above it; the words at
        the start of each line are tried in turn, since the OCR may have read the box itself
        as a word, up to the line's first word: left of a word further on there is only
        text, where the bowl of an "e" passes for a box beside words of small letters."""
        row_index = self.words.row_of[hit.tokens[0]]
        for r in (row_index, *self._rows_above(row_index, hit.height, 2)):
            starts = [i for i in self.words.rows[r] if self.words.tokens[i].bbox[0] < hit.bbox[0]]
            for token in starts[:4] or [hit.tokens[0]]:
                tick = self._tick(self.words.tokens[token].bbox)
                if tick is not None:
                    state, confidence, box = tick
                    return self._field(state, confidence * hit.score, box), box
                if len(self.words.tokens[token].folded_all) >= 2:
                    break
        return self._field(None, 0.0, hit.bbox), None

    def _conditions(self, hits: list[_Hit]) -> dict[str, ExtractedField]:
        """Every departure-order condition found, each from its own box: where the box of a
        statement was not found beside it, the search can reach the box of the statement
        above, and two conditions then report one box's state. The box belongs to the
        statement level with it; the other is not read (a person looks) rather than read
        from a box that is not its own."""
        found: dict[str, tuple[ExtractedField, _Hit, BBox | None]] = {}
        for hit in hits:
            field, box = self._condition(hit)
            kept = found.get(hit.label.key)
            if kept is None or (field.value is not None, field.confidence) > (
                kept[0].value is not None,
                kept[0].confidence,
            ):
                found[hit.label.key] = (field, hit, box)
        claims: dict[BBox, list[str]] = {}
        for key, (_, _, box) in found.items():
            if box is not None:
                claims.setdefault(box, []).append(key)
        for box, keys in claims.items():
            centre = box[1] + box[3] / 2
            owner = min(keys, key=lambda k: abs(_centre(found[k][1].bbox)[1] - centre))
            for key in keys:
                if key != owner:
                    hit = found[key][1]
                    found[key] = (self._field(None, 0.0, hit.bbox), hit, None)
        return {key: field for key, (field, _, _) in found.items()}

    def _rows_above(self, row_index: int, line_height: float, count: int) -> list[int]:
        """The rows just above, each at most about a line's spacing from the one below."""
        found: list[int] = []
        top = min(self.words.tokens[i].bbox[1] for i in self.words.rows[row_index])
        for r in range(row_index - 1, -1, -1):
            boxes = [self.words.tokens[i].bbox for i in self.words.rows[r]]
            bottom = max(b[1] + b[3] for b in boxes)
            if top - bottom > line_height:
                break
            found.append(r)
            top = min(b[1] for b in boxes)
            if len(found) == count:
                break
        return found

    # -- signature

    def _signed(self, hit: _Hit) -> ExtractedField | None:
        found = self.regions.value_region(hit)
        if found is None or not found[1]:
            # No ruled place to sign beside or under the label: the label's own cell, where
            # the Ministry's forms have one sign under it, signed or not.
            under = self.regions.under_label_in_own_cell(hit)
            found = (under, True) if under is not None else found
        if found is None:
            return None
        region, ruled = found
        if not ruled and self._ink(region) < SIGNED_INK * self.text_height**2:
            region = self.regions.below(hit)
        ink = self._ink(region) / self.text_height**2
        if ink >= SIGNED_INK:
            return self._field(True, min(1.0, 0.8 + 0.2 * (ink - SIGNED_INK)), region)
        if ink <= UNSIGNED_INK:
            return self._field(False, 0.8 + 0.2 * (1 - ink / UNSIGNED_INK), region)
        return self._field(None, 0.3, region)

    def _ink(self, region: BBox) -> float:
        """Pixels of pen strokes in the region: not ruling, not printed words, not specks."""
        x, y, w, h = region
        crop = self.gray[max(0, y) : y + h, max(0, x) : x + w]
        if crop.size == 0:
            return 0.0
        paper = float(np.percentile(crop, 90))
        binary = np.where(crop < paper - MIN_CONTRAST, 255, 0).astype(np.uint8)
        binary &= ~_rule_mask(self.rules, (max(0, x), max(0, y), crop.shape[1], crop.shape[0]))
        # Printed words in the area are not ink of a pen (OCR words may be the signature).
        for index in self.words.tokens_in(region, labels=True) if self.born_digital else ():
            tx, ty, tw, th = self.words.tokens[index].bbox
            binary[max(0, ty - y) : ty - y + th, max(0, tx - x) : tx - x + tw] = 0
        count, _, stats, _ = cv2.connectedComponentsWithStats(binary)
        stroke = 0.5 * self.text_height
        return float(
            sum(
                stats[i, cv2.CC_STAT_AREA]
                for i in range(1, count)
                if max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) >= stroke
            )
        )

    # -- title

    def _form(self) -> ExtractedField | None:
        """The procedure the title names, found in the page's text as read; else in its rows,
        alone or two by two, top to bottom: Tesseract may read a title's wrapped last word
        out of order ("STAY" before "APPLICATION FOR EXTENSION OF PERIOD OF", seed 41 c038),
        which leaves no title in the text it gives."""
        text = self.page.source.text_layer or (self.page.ocr.text if self.page.ocr else "")
        procedure, confidence = form_procedure(text)
        rows = self.words.rows
        for r, row in enumerate(rows):
            for lines in (row, row + rows[r + 1]) if r + 1 < len(rows) else (row,):
                found, score = form_procedure(self.words.row_text(lines))
                if found is not None and procedure in (None, found):
                    boxes = [self.words.tokens[i].bbox for i in lines]
                    sure = confidence if procedure else score
                    return self._field(found, sure, union_bbox(boxes))
        return self._field(procedure, confidence, None) if procedure else None

    # -- AcroForm field names

    def _by_field_name(self, known: set[str]) -> dict[str, ExtractedField]:
        """Values of AcroForm text fields whose printed label was not found, by the field's
        name ("txtNationality", "form1[0].Page1[0].dateOfBirth[0]"): weaker evidence than
        the label beside the field, so less sure."""
        found: dict[str, ExtractedField] = {}
        for widget in self.widgets:
            label = _label_of_field_name(widget.name)
            if label is None or label.key in known or label.kind not in _PARSERS:
                continue
            if self._is_box(widget) or not widget.value.strip():
                continue
            parsed = _PARSERS[label.kind](widget.value)
            if parsed is not None:
                value, factor, valid = parsed
                found[label.key] = self._field(value, NAME_ONLY * factor, widget.bbox, valid)
        return found

    # -- the whole form

    def read(self) -> dict[str, ExtractedField]:
        by_label: dict[str, ExtractedField] = {}

        def keep(key: str, found: ExtractedField | None) -> None:
            if found is None:
                return
            current = by_label.get(key)
            if current is None or (found.value is not None, found.confidence) > (
                current.value is not None,
                current.confidence,
            ):
                by_label[key] = found

        values = self._values()
        for index, hit in enumerate(self.hits):
            kind = hit.label.kind
            if index in values:
                keep(hit.label.key, values[index])
            elif kind == "signature":
                keep("signed", self._signed(hit))
            elif kind == "choice" and hit.label.key == "permit_type":
                keep("permit_type", self._permit_type(hit))
        by_label.update(self._conditions([hit for hit in self.hits if hit.label.kind == "tick"]))
        fields: dict[str, ExtractedField] = {}
        form = self._form()
        if form is not None:
            fields["form"] = form
        by_label.update(self._by_field_name(set(by_label)))
        for name, alternatives in _NAME_SOURCES.items():
            for keys in alternatives:
                if any(k in by_label for k in keys[:2]):
                    fields[name] = (
                        by_label[keys[0]]
                        if len(keys) == 1
                        else _combine_names(
                            by_label.get(keys[0]),
                            next((by_label[k] for k in keys[1:] if k in by_label), None),
                        )
                    )
                    break
        for name, keys in _FIELD_SOURCES.items():
            for key in keys:
                if key in by_label:
                    fields[name] = by_label[key]
                    break
        for name in ("permit_type", "signed", *(f"condition_{n}" for n in range(1, 6))):
            if name in by_label:
                fields[name] = by_label[name]
        return fields


@cache
def _field_names() -> tuple[list[str], list[FieldLabel]]:
    """What AcroForm fields are called: the labels' wordings and the keys themselves."""
    wordings, owners = _label_wordings()
    keys = [_fold(label.key.replace("_", " ")) for label in FIELD_LABELS]
    return [*wordings, *keys], [*owners, *FIELD_LABELS]


@cache
def _label_of_field_name(name: str) -> FieldLabel | None:
    """The field an AcroForm name stands for: the last part of a hierarchical name, without
    index and type prefix, camel case and underscores as word breaks."""
    last = re.sub(r"\[\d+\]", "", name.split(".")[-1])
    last = re.sub(r"^(txt|fld|tf)(?=[A-Z_])", "", last)
    folded = _fold(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", last))
    names, owners = _field_names()
    if len(folded) <= SHORT_LABEL_LETTERS:
        return owners[names.index(folded)] if folded in names else None
    match = process.extractOne(folded, names, scorer=fuzz.ratio, score_cutoff=STRICT_LABEL_SCORE)
    return owners[match[2]] if match else None


def _flat_paper(gray: np.ndarray) -> np.ndarray:
    """The page on white: divided by its paper (the page with its writing closed over), so
    that the grey shading of label cells and a photo's uneven light are gone and the
    erased ruling leaves no edges of shading behind."""
    side = max(15, gray.shape[1] // 40) | 1
    element = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    paper = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, element)
    flat = cv2.divide(gray, np.maximum(paper, 1), scale=255)
    return cv2.normalize(flat, None, 0, 255, cv2.NORM_MINMAX)


def _text_heights(words: list[Word]) -> tuple[float, float]:
    """The height of ordinary text (median of the words with Latin letters or digits) and
    of the tallest text but for the title (90th percentile), in pixels."""
    latin = sorted(w.bbox[3] for w in words if _fold(w.text))
    ordinary = float(latin[len(latin) // 2]) if latin else 20.0
    heights = sorted(w.bbox[3] for w in words)
    return ordinary, float(heights[int(0.9 * len(heights))]) if heights else ordinary


def _merge_readings(primary: list[Word], secondary: list[Word]) -> list[Word]:
    """The primary reading's words and those of the secondary reading where the primary
    read nothing: each OCR pass loses some lines the other keeps."""

    def overlap(a: BBox, b: BBox) -> float:
        width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
        height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
        return max(0, width) * max(0, height) / max(1, a[2] * a[3])

    merged = list(primary)
    for word in secondary:
        if not any(overlap(word.bbox, kept.bbox) > 0.2 for kept in primary):
            merged.append(word)
    return merged


def _grow(bbox: BBox, pixels: int) -> BBox:
    x, y, w, h = bbox
    return (x - pixels, y - pixels, w + 2 * pixels, h + 2 * pixels)


def extract_application_form(page: PreparedPage, ocr: OcrEngine) -> dict[str, ExtractedField]:
    """The contract's application-form fields of one page, each with confidence and its box
    in loaded-page pixels. Fields a page does not carry (the signature on a form's second
    page) are absent; a blank answer has value None."""
    return _FormReader(page, ocr).read()
