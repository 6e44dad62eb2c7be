"""Tick boxes: find the printed square next to a label and tell whether someone marked it.

A tick decides whether a residence card survives departure (the ED card's special re-entry
box), so a reading that is neither clearly empty nor clearly marked is reported as unknown
(None) for a person to look at, never rounded to a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.ocr import BBox

EMPTY_BELOW = 0.04
"""Share of dark pixels inside the border under which a box counts as empty. Scanner
speckle, JPEG ringing and a blurred border bleed stay well under it."""

TICKED_ABOVE = 0.09
"""Share of dark pixels over which a box counts as marked. A thin check mark through the
middle of the box covers about 0.1-0.2 of it, an X more, a filled box nearly all."""

# Box side relative to the label's text height: boxes are drawn about as tall as the text
# next to them, rarely smaller than half or larger than three times (blur inflates the text).
_MIN_SIDE, _MAX_SIDE = 0.45, 3.0
_SQUARE_ASPECT = (0.75, 1.33)
_MAX_OFFSET = 0.6  # how far, in label heights, a box's middle may sit above or below the label's
_SIDE_COVERAGE = 0.7  # share of each edge the border's straight strokes must cover
_SEARCH_WIDTH = 10.0  # how far left or right of the label to look, in label heights


@dataclass(frozen=True)
class TickReading:
    ticked: bool | None
    confidence: float
    box: BBox
    ink: float


def _inner_margin(side: int) -> int:
    """Pixels to skip inside the box's outer edge so its border (blurred in scans) does not
    count as ink."""
    return max(2, round(side * 0.18))


def box_ink(gray: np.ndarray, box: BBox) -> float:
    """Share (0..1) of the box's interior, border excluded, that is darker than halfway
    between the paper around the box and the box's own border."""
    x, y, w, h = box
    margin = _inner_margin(min(w, h))
    inner = gray[y + margin : y + h - margin, x + margin : x + w - margin]
    if inner.size == 0:
        return 0.0
    pad = max(2, min(w, h) // 2)
    surround = gray[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad]
    outline = np.zeros(gray.shape[:2], dtype=bool)
    outline[y : y + h, x : x + w] = True
    outline[y + margin : y + h - margin, x + margin : x + w - margin] = False
    border_level = float(np.percentile(gray[outline], 10))
    paper_level = float(np.percentile(surround, 90))
    if paper_level - border_level < 20:  # no visible border: nothing to compare ink with
        border_level = paper_level - 80
    threshold = (paper_level + border_level) / 2
    return float(np.count_nonzero(inner < threshold)) / inner.size


def tick_state(ink: float) -> tuple[bool | None, float]:
    """(ticked, confidence) for a box's ink share. Between EMPTY_BELOW and TICKED_ABOVE the
    answer is None with a confidence under 0.5: a person must look."""
    if ink <= EMPTY_BELOW:
        return False, 0.75 + 0.25 * (1 - ink / EMPTY_BELOW)
    if ink >= TICKED_ABOVE:
        return True, min(1.0, 0.75 + 0.25 * (ink - TICKED_ABOVE) / TICKED_ABOVE)
    band = TICKED_ABOVE - EMPTY_BELOW
    distance_to_edge = min(ink - EMPTY_BELOW, TICKED_ABOVE - ink)
    return None, 0.4 * (1 - 2 * distance_to_edge / band)


def _straight_strokes(binary: np.ndarray, length: int) -> np.ndarray:
    """Horizontal and vertical strokes at least `length` long: the borders of boxes survive,
    diagonal marks and most letters do not."""
    horizontal = cv2.morphologyEx(
        binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    )
    vertical = cv2.morphologyEx(
        binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length))
    )
    return cv2.bitwise_or(horizontal, vertical)


def _edges_covered(strokes: np.ndarray, rect: BBox) -> bool:
    """Whether all four edges of `rect` are drawn, so a stray corner or a letter's L shape
    does not pass for a box."""
    x, y, w, h = rect
    band = max(2, min(w, h) // 6)
    height, width = strokes.shape
    x0, y0 = max(0, x - 1), max(0, y - 1)
    x1, y1 = min(width, x + w + 1), min(height, y + h + 1)
    edges = (
        strokes[y0 : y0 + band, x0:x1].any(axis=0),
        strokes[y1 - band : y1, x0:x1].any(axis=0),
        strokes[y0:y1, x0 : x0 + band].any(axis=1),
        strokes[y0:y1, x1 - band : x1].any(axis=1),
    )
    return all(edge.size and edge.mean() >= _SIDE_COVERAGE for edge in edges)


def _frame_inside(strokes: np.ndarray, rect: BBox) -> BBox:
    """The frame inside an outline of strokes, as the outermost rows and columns its strokes
    cross nearly all of: a mark drawn out past a box (the long stroke of a check rising
    above it) joins the box's outline and makes it taller or wider than the box, and its
    edges then miss the box's own. Rows are taken first, then columns between them, then
    rows between those, as each narrows what the other is measured across."""
    x, y, w, h = rect
    top, bottom, left, right = 0, h, 0, w
    for _ in range(2):
        patch = strokes[y + top : y + bottom, x + left : x + right] > 0
        rows = np.flatnonzero(patch.mean(axis=1) >= _SIDE_COVERAGE)
        if rows.size < 2:
            return rect
        top, bottom = top + int(rows[0]), top + int(rows[-1]) + 1
        patch = strokes[y + top : y + bottom, x + left : x + right] > 0
        columns = np.flatnonzero(patch.mean(axis=0) >= _SIDE_COVERAGE)
        if columns.size < 2:
            return rect
        left, right = left + int(columns[0]), left + int(columns[-1]) + 1
    return (x + left, y + top, right - left, bottom - top)


def _overlaps(a: BBox, b: BBox) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _gaps(rect: BBox, label: BBox) -> dict[str, float]:
    """Distance from the label to a box on either side. OCR often reads a box (ticked or
    not) as a glyph and takes it into the label's first or last word: a box overlapping
    the label's very start or end counts as touching it; one inside the label does not."""
    lx, _, lw, _ = label
    x, _, w, _ = rect
    gaps = {"right": float(x - (lx + lw)), "left": float(lx - (x + w))}
    if _overlaps(rect, label):
        if x <= lx + w:
            gaps["left"] = 0.0
        if x + w >= lx + lw - w:
            gaps["right"] = 0.0
    return gaps


def find_checkbox_near(gray: np.ndarray, label_bbox: BBox, *, side: str = "either") -> BBox | None:
    """The square box nearest to the label on its line, left or right of it (`side`:
    "left", "right" or "either"), in the pixels of `gray`; None when there is none.

    Boxes are found as closed squares of straight strokes, so a check mark or X drawn over
    the border, or a box filled in, is still found."""
    lx, ly, lw, lh = label_bbox
    text_height = max(lh, 8)
    reach = round(_SEARCH_WIDTH * text_height)
    height, width = gray.shape[:2]
    x0, x1 = max(0, lx - reach), min(width, lx + lw + reach)
    y0, y1 = max(0, ly - 2 * text_height), min(height, ly + lh + 2 * text_height)
    region = gray[y0:y1, x0:x1]
    if region.size == 0:
        return None
    _, binary = cv2.threshold(region, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    strokes = _straight_strokes(binary, max(3, round(_MIN_SIDE * text_height * 0.8)))
    contours, _ = cv2.findContours(strokes, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    label_center_y = ly + lh / 2
    best: tuple[float, BBox] | None = None
    for contour in contours:
        cx, cy, cw, ch = cv2.boundingRect(contour)
        if not _edges_covered(strokes, (cx, cy, cw, ch)):
            cx, cy, cw, ch = _frame_inside(strokes, (cx, cy, cw, ch))
        rect = (cx + x0, cy + y0, cw, ch)
        if not (_MIN_SIDE * text_height <= min(cw, ch) and max(cw, ch) <= _MAX_SIDE * text_height):
            continue
        if not _SQUARE_ASPECT[0] <= cw / ch <= _SQUARE_ASPECT[1]:
            continue
        offset = abs(rect[1] + ch / 2 - label_center_y)
        if offset > _MAX_OFFSET * text_height:
            continue
        if not _edges_covered(strokes, (cx, cy, cw, ch)):
            continue
        gaps = _gaps(rect, label_bbox)
        allowed = [g for s, g in gaps.items() if side in (s, "either") and g >= -2]
        if not allowed:
            continue
        # Boxes stacked in a column sit at the same distance from every label: the one level
        # with the label wins. The outer and inner outline of one box both qualify; the
        # outer one is nearer the label, so the whole border is measured as border.
        score = offset + min(allowed)
        if best is None or score < best[0]:
            best = (score, rect)
    return best[1] if best else None


def read_tick_box(
    gray: np.ndarray, label_bbox: BBox, *, side: str = "either"
) -> TickReading | None:
    """Find the box next to the label and read it; None when no box is there."""
    box = find_checkbox_near(gray, label_bbox, side=side)
    if box is None:
        return None
    ink = box_ink(gray, box)
    ticked, confidence = tick_state(ink)
    return TickReading(ticked, confidence, box, ink)
