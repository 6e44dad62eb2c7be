"""The passport reader: find the machine-readable zone, read it glyph by glyph, let the MRZ
module repair and judge it, and compare it with the visual zone.

An MRZ is printed in one font (OCR-B) on a fixed grid, so once the zone is found every
character cell is known and can be compared with OCR-B itself: that gives each cell a
probability for every character, which is what the check digits need to choose between
repairs, and it never mistakes the filler `<` for a K as general-purpose OCR models do.
Tesseract (whitelisted to the MRZ alphabet) reads the lines too, as a second opinion, only
when the glyph reading alone does not satisfy the check digits.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from pipeline.classify import read_page
from pipeline.mrz import (
    ALPHABET,
    FILLER,
    FORMATS,
    MrzField,
    MrzReading,
    MrzRegion,
    char_value,
    detect_mrz,
    glyph_boxes,
    guess_format,
    parse_mrz,
    read_lattice,
    text_lines,
    text_mask,
)
from pipeline.ocr import BBox, OcrEngine, OcrResult, union_bbox
from pipeline.page import PreparedPage
from pipeline.textparse import parse_date
from schemas.report import ExtractedField

log = logging.getLogger(__name__)
SHORT_NAME = 5  # letters: a surname this short is near a printed word only one letter off
CONFIDENT_VIZ_WORD = 0.8  # visual-zone words below this are no evidence against the MRZ

OCRB_FONT = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
_FONT_SIZE = 45  # template scale: OCR-B caps are 0.71 em, 32 px here
_ADVANCE = 0.723  # character advance in em
_TOP = 0.8  # template cell top above the baseline, in em (digits reach 0.77)
_BOTTOM = 0.06
_SHIFT = 3  # pixels of misplacement the match tolerates each way
_SHARPNESS = 18.0  # how fast probability falls with match score (scores are -1..1)
# A name's glyph matched this surely is kept whatever the OCR engine read there.
SURE_NAME_GLYPH = 0.7


@dataclass(frozen=True)
class _Band:
    """The zone cut out upright at template scale, and how its pixels map back to the page."""

    image: np.ndarray
    to_page: np.ndarray  # 2x3 affine: band pixel -> prepared-page pixel


@cache
def _templates() -> tuple[str, np.ndarray]:
    """Every MRZ character drawn in OCR-B on a full character cell, blurred a little so that
    matching forgives print gain and focus: (characters, stack of cells)."""
    font = ImageFont.truetype(OCRB_FONT, _FONT_SIZE)
    width = round(_ADVANCE * _FONT_SIZE)
    height = round((_TOP + _BOTTOM) * _FONT_SIZE)
    cells = []
    for char in ALPHABET:
        cell = Image.new("L", (width, height), 255)
        ImageDraw.Draw(cell).text(
            (width / 2, _TOP * _FONT_SIZE), char, font=font, fill=0, anchor="ms"
        )
        cells.append(cv2.GaussianBlur(np.asarray(cell, np.float32), (0, 0), 1.2))
    return ALPHABET, np.stack(cells)


def _cut_band(gray: np.ndarray, region: MrzRegion) -> _Band:
    """Resample the zone upright, deskewed, with caps about 32 pixels tall."""
    x, y, w, h = region.box
    center = (x + w / 2, y + h / 2)
    direction = math.radians(region.angle - region.rotation)
    along = np.array([math.cos(direction), math.sin(direction)])
    down = np.array([-math.sin(direction), math.cos(direction)])
    pitch = region.pitch / max(0.5, abs(math.cos(math.radians(region.angle))))
    scale = _ADVANCE * _FONT_SIZE / pitch
    length = (region.characters + 3) * pitch
    depth = (region.lines * 1.9 + 1.5) * pitch
    out_w, out_h = round(length * scale), round(depth * scale)
    to_page = np.column_stack(
        [along / scale, down / scale, np.array(center) - along * length / 2 - down * depth / 2]
    )
    image = cv2.warpAffine(
        gray,
        to_page,
        (out_w, out_h),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return _Band(image, to_page)


@dataclass
class _Row:
    """One zone line in the band: where its character cells are."""

    centers: np.ndarray  # x of each cell's centre
    baseline: np.ndarray  # y of the baseline under each cell
    pitch: np.ndarray  # character advance at each cell: the font's scale there


def _split_merged(boxes: np.ndarray, pitch: float) -> np.ndarray:
    """Glyphs that blur into one blob (chevrons in a filler run do) split back into cells."""
    parts = []
    for x, y, w, h in boxes.tolist():
        count = max(1, int((w + 0.35 * pitch) / pitch))  # a glyph is ~0.65 pitch wide
        width = w / count
        parts.extend([x + k * width, y, width, h] for k in range(count))
    return np.array(parts, np.float64)


def _one_box_per_cell(boxes: np.ndarray, pitch: float) -> np.ndarray:
    """Pieces of one glyph joined again. Blur and binarization break a wide letter (M, W)
    into strokes well under a pitch apart; counted as cells of their own, every cell after
    them would be read one place off and the line would no longer fit its length."""
    boxes = boxes[np.argsort(boxes[:, 0] + boxes[:, 2] / 2)]
    joined = [boxes[0]]
    for box in boxes[1:]:
        last = joined[-1]
        if (box[0] + box[2] / 2) - (last[0] + last[2] / 2) >= 0.5 * pitch:
            joined.append(box)
            continue
        joined[-1] = np.array(union_bbox([last, box]))
    return np.array(joined)


def _rows(band: np.ndarray, count: int, length: int) -> list[_Row] | None:
    """The zone's lines in the band and the centre of each of their `length` cells. Cells
    follow the glyphs found (a photo's perspective stretches the pitch along the line);
    cells without a glyph are placed between their neighbours."""
    mask = text_mask(band, glyph_height=round(_TOP * _FONT_SIZE))
    boxes = glyph_boxes(mask, mask.shape[0] // 2, max_aspect=30.0)
    boxes = _split_merged(boxes, _ADVANCE * _FONT_SIZE).round().astype(np.int32)
    lines = [line for line in text_lines(boxes, mask.shape) if line.positions >= 20]
    lines.sort(key=lambda line: len(line.members), reverse=True)
    lines = sorted(lines[:count], key=lambda line: line.center_y)
    if len(lines) != count:
        return None
    rows = []
    for line in lines:
        boxes = _one_box_per_cell(line.members.astype(np.float64), line.pitch)
        mid_x = boxes[:, 0] + boxes[:, 2] / 2
        # Count cells gap by gap: a pitch slightly off would put the far end a cell out.
        steps = np.maximum(1, np.round(np.diff(mid_x) / line.pitch))
        index = np.concatenate([[0], np.cumsum(steps)]).astype(int)
        if index[-1] >= length:  # stray blobs: keep the densest window of cells
            counts = [np.sum((index >= s) & (index < s + length)) for s in range(index[-1] + 1)]
            start = int(np.argmax(counts))
            keep = (index >= start) & (index < start + length)
            boxes, mid_x, index = boxes[keep], mid_x[keep], index[keep] - start
        pitch, origin = np.polyfit(index, mid_x, 1)
        cells = np.arange(length)
        inside = (cells >= index[0]) & (cells <= index[-1])
        centers = np.where(inside, np.interp(cells, index, mid_x), origin + pitch * cells)
        bottoms = boxes[:, 1] + boxes[:, 3]
        tall = boxes[:, 3] >= 0.9 * np.percentile(boxes[:, 3], 75)
        trend = np.polyfit(index[tall], bottoms[tall], 1) if tall.sum() >= 5 else (0.0, 0.0)
        baseline = np.polyval(trend, cells)
        local_pitch = np.gradient(centers) if length > 1 else np.array([pitch])
        rows.append(_Row(centers, baseline, local_pitch))
    return rows


def _normalized(patches: np.ndarray) -> np.ndarray:
    """Rows made zero-mean and unit-length, so that a dot product is their correlation
    (what OpenCV's TM_CCOEFF_NORMED computes, for every template at once)."""
    centered = patches - patches.mean(axis=-1, keepdims=True)
    return centered / (np.linalg.norm(centered, axis=-1, keepdims=True) + 1e-6)


@cache
def _template_matrix() -> np.ndarray:
    _, templates = _templates()
    return _normalized(templates.reshape(len(templates), -1))


def _cell_scores(band: np.ndarray, row: _Row) -> np.ndarray:
    """Best correlation of every template with every cell of a row, over small shifts:
    (cells, characters); -1 for cells that fall outside the band."""
    _, templates = _templates()
    t_h, t_w = templates.shape[1:]
    smooth = cv2.GaussianBlur(band.astype(np.float32), (0, 0), 1.2)
    scores = np.full((len(row.centers), len(templates)), -1.0, np.float32)
    for cell, (center, baseline, pitch) in enumerate(
        zip(row.centers, row.baseline, row.pitch, strict=True)
    ):
        if not pitch > 0:  # cells found out of order: nothing to read there
            continue
        zoom = _ADVANCE * _FONT_SIZE / pitch
        half_w = (t_w / 2 + _SHIFT) / zoom
        top = baseline - (_TOP * _FONT_SIZE + _SHIFT) / zoom
        bottom = baseline + (_BOTTOM * _FONT_SIZE + _SHIFT) / zoom
        x0, x1 = round(center - half_w), round(center + half_w)
        y0, y1 = round(top), round(bottom)
        if x0 < 0 or y0 < 0 or x1 > band.shape[1] or y1 > band.shape[0] or x1 <= x0:
            continue
        window = cv2.resize(smooth[y0:y1, x0:x1], (t_w + 2 * _SHIFT, t_h + 2 * _SHIFT))
        window = window[_SHIFT - 1 : t_h + _SHIFT + 1]  # digits stand taller than letters
        shifts = np.lib.stride_tricks.sliding_window_view(window, (t_h, t_w))
        patches = _normalized(shifts.reshape(-1, t_h * t_w))
        scores[cell] = (patches @ _template_matrix().T).max(axis=0)
    return scores


def _probabilities(scores: np.ndarray) -> np.ndarray:
    """Match scores to a probability per character and cell."""
    weights = np.exp(_SHARPNESS * (scores - scores.max(axis=1, keepdims=True)))
    return weights / weights.sum(axis=1, keepdims=True)


def _lattice(probabilities: np.ndarray) -> list[list[tuple[str, float]]]:
    order = np.argsort(probabilities, axis=1)[:, ::-1][:, :4]
    return [
        [(ALPHABET[i], float(cell[i])) for i in best if cell[i] > 1e-4]
        for cell, best in zip(probabilities, order, strict=True)
    ]


def _align(read: str, cells: str) -> list[int | None]:
    """For each cell, the index of the OCR character that stands for it (edit-distance
    alignment: the engine drops, adds and merges characters in filler runs)."""
    n, m = len(read), len(cells)

    def differ(a: str, b: str) -> int:
        return 0 if a == b or (a in "KXC " and b == FILLER) else 1

    cost = np.zeros((n + 1, m + 1), np.int32)
    cost[:, 0] = np.arange(n + 1)
    cost[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i, j] = min(
                cost[i - 1, j - 1] + differ(read[i - 1], cells[j - 1]),
                cost[i - 1, j] + 1,
                cost[i, j - 1] + 1,
            )
    aligned: list[int | None] = [None] * m
    i, j = n, m
    while i and j:
        if cost[i, j] == cost[i - 1, j - 1] + differ(read[i - 1], cells[j - 1]):
            aligned[j - 1] = i - 1
            i, j = i - 1, j - 1
        elif cost[i, j] == cost[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return aligned


def _fuse(probabilities: np.ndarray, read: str, confidence: float) -> np.ndarray:
    """Combine the glyph match with the engine's reading of the same line: each expert's
    probabilities multiplied. The engine's K, X or C may be a filler, so they vouch for `<`
    as much as for themselves."""
    cells = "".join(ALPHABET[i] for i in probabilities.argmax(axis=1))
    trust = 0.5 + 0.45 * confidence
    fused = probabilities.copy()
    for cell, index in enumerate(_align(read, cells)):
        if index is None:
            continue
        char = read[index]
        vouched = np.full(len(ALPHABET), (1 - trust) / len(ALPHABET))
        for said in {char, FILLER} if char in "KXC " else {char}:
            if said in ALPHABET:
                vouched[ALPHABET.index(said)] = trust
        fused[cell] *= vouched
    return fused / fused.sum(axis=1, keepdims=True)


def _line_image(band: np.ndarray, row: _Row) -> np.ndarray:
    """One zone line cut from the band for the engine, with a margin of paper around it."""
    pitch = float(np.median(row.pitch))
    top = int(max(0, row.baseline.min() - 1.35 * pitch))
    bottom = int(min(band.shape[0], row.baseline.max() + 0.45 * pitch))
    left = int(max(0, row.centers[0] - pitch))
    right = int(min(band.shape[1], row.centers[-1] + pitch))
    return band[top:bottom, left:right]


@dataclass
class ZoneReading:
    reading: MrzReading
    band: _Band
    rows: list[_Row]
    engine_used: bool


def _reading_rank(reading: MrzReading) -> tuple[bool, int, float]:
    return reading.valid, sum(reading.checks.values()), -reading.corrections


def read_zone(
    gray: np.ndarray, region: MrzRegion, ocr: OcrEngine, *, as_of: date
) -> ZoneReading | None:
    """Read the zone glyph by glyph; when the check digits are not all satisfied, ask the
    OCR engine for its reading of each line too and read the combination."""
    band = _cut_band(gray, region)
    count = 3 if region.lines >= 3 else 2
    length = 30 if count == 3 else (44 if region.characters >= 40 else 36)
    rows = _rows(band.image, count, length)
    if rows is None:
        return None
    probabilities = [_probabilities(_cell_scores(band.image, row)) for row in rows]
    first = ALPHABET[int(probabilities[0][0].argmax())]
    mrz_type = guess_format([(first + FILLER * length)] * count)
    if mrz_type is None:
        return None
    reading = read_lattice(mrz_type, [_lattice(p) for p in probabilities], as_of=as_of)
    if reading.valid:
        return ZoneReading(reading, band, rows, engine_used=False)
    fused = []
    for row, row_probabilities in zip(rows, probabilities, strict=True):
        text, confidence = ocr.read_line(_line_image(band.image, row), whitelist=ALPHABET)
        fused.append(_fuse(row_probabilities, text.replace(" ", ""), confidence))
    # A name has no check digit to arbitrate between the two: where the glyph match is sure
    # of a letter, the engine's reading does not overrule it (XIAOYU read XIADYU).
    for spec in FORMATS[mrz_type].fields:
        if spec.kind != "name":
            continue
        for line, index in spec.positions:
            cell = probabilities[line][index]
            best = ALPHABET[int(cell.argmax())]
            if cell.max() >= SURE_NAME_GLYPH and (best.isalpha() or best == FILLER):
                fused[line][index] = cell
    combined = read_lattice(mrz_type, [_lattice(p) for p in fused], as_of=as_of)
    best = max((combined, reading), key=_reading_rank)
    return ZoneReading(best, band, rows, engine_used=True)


# ------------------------------------------------------------------------ the visual zone

_LOOK_ALIKE_DIGITS = str.maketrans("OQDIL", "00011")


def _folded(text: str) -> str:
    """Letters and digits only, with look-alikes made digits: how a passport number printed
    in the visual zone is compared with the MRZ's."""
    return re.sub(r"[^A-Z0-9]", "", text.upper()).translate(_LOOK_ALIKE_DIGITS)


# Letters the page OCR confuses in the visual zone's sans-serif capitals (CHOI read CHOL,
# WEI read "wel"): a name differing from the MRZ's only there is no evidence against it.
_NAME_LOOK_ALIKES = str.maketrans("L1|0", "IIIO")


def _name_folded(text: str) -> str:
    return re.sub(r"[^A-Z]", "", text.upper().translate(_NAME_LOOK_ALIKES))


# What a folded digit may have been printed as, before `_folded` made it a digit.
_UNFOLDED = {"0": "0OQD", "1": "1IL"}


def _check_digit_rules_out(number: str, printed: str) -> bool:
    """Whether the MRZ number's check digit, which holds, rules out the folded `printed`
    number: one character different changes the weighted sum (weights 7, 3, 1, each prime to
    10) unless the two characters' values differ by a multiple of 10 (A and 0, B and 1...).
    Then the page OCR misread the printed number (a blurred 8 read 2 at 0.93)."""
    if len(number) != len(printed):
        return False
    pairs = zip(number, printed, strict=True)
    differing = [(mine, theirs) for mine, theirs in pairs if _folded(mine) != theirs]
    if len(differing) != 1:
        return False
    mine, theirs = differing[0]
    return all((char_value(mine) - char_value(c)) % 10 for c in _UNFOLDED.get(theirs, theirs))


def _near_name(printed: str, name: str) -> bool:
    """Whether a printed word is a near miss of a name from the MRZ. Two letters off is near
    for a long name; a short one allows one letter changed, not one letter more or fewer,
    which would make the nationality code printed beside it (KOR, CHN) "near" KIM or CHEN."""
    if len(printed) < 3:
        return False
    if len(name) <= SHORT_NAME:
        return len(printed) == len(name) and Levenshtein.distance(printed, name) == 1
    return Levenshtein.distance(printed, name) <= 2


def _visual_dates(ocr: OcrResult) -> list[date]:
    """Every date the visual zone prints (`12 APR 2031`, also two to a line) whose words were
    all read with confidence: a shaky reading of a printed date is no evidence against an MRZ
    whose check digits hold."""
    found = []
    for line in ocr.lines:
        for start in range(len(line.words)):
            words = line.words[start : start + 3]
            day = parse_date(" ".join(w.text for w in words))
            sure = min(w.confidence for w in words) >= CONFIDENT_VIZ_WORD
            if day and sure and day not in found:
                found.append(day)
    return found


def _likely_issue_dates(expiry: str) -> set[date]:
    """Dates a passport expiring on `expiry` was likely issued on: 5 or 10 years before,
    give or take a day."""
    try:
        end = date.fromisoformat(expiry)
    except ValueError:
        return set()
    found = set()
    for years in (5, 10):
        day = min(end.day, 28) if end.month == 2 else end.day  # 29 February
        start = end.replace(year=end.year - years, day=day)
        found |= {start + timedelta(days=shift) for shift in (-1, 0, 1)}
    return found


def viz_mismatches(fields: dict[str, MrzField], ocr: OcrResult) -> list[str]:
    """Fields the visual zone contradicts. Only a near miss counts against the MRZ: a number
    read with confidence one or two characters off, a name missing where a similar word is
    printed, a date of birth or expiry a printed date differs from by two digits (by one, if
    the MRZ date's check digit fails). Something the page OCR simply did not read is no
    evidence either way."""
    words = [w.text for w in ocr.words]
    mismatches = []
    number = fields.get("document_number")
    if number and number.value:
        wanted = _folded(str(number.value))
        tokens = {_folded(w) for w in words} - {""}
        # A number the page OCR doubted (203245712 at 0.04 for Z03245712) is no evidence.
        confident = {_folded(w.text) for w in ocr.words if w.confidence >= CONFIDENT_VIZ_WORD}
        near = [
            t
            for t in confident
            if len(t) == len(wanted)
            and Levenshtein.distance(t, wanted) <= 2
            and not (number.valid and _check_digit_rules_out(str(number.value), t))
        ]
        if near and wanted not in tokens:
            mismatches.append("document_number")
    printed = {_name_folded(w.text) for w in ocr.words if w.confidence >= CONFIDENT_VIZ_WORD}
    for name in ("surname", "given_names"):
        field = fields.get(name)
        for part in str(field.value).split() if field and field.value else ():
            part = _name_folded(part)
            if len(part) < 3 or part in printed or any(p.startswith(part) for p in printed):
                continue  # too short to tell, printed as read, or cut short by the MRZ
            if any(_near_name(p, part) for p in printed):
                mismatches.append(name)
                break
    expiry = fields.get("date_of_expiry")
    issue_dates = _likely_issue_dates(str(expiry.value)) if expiry and expiry.value else set()
    # The birth is the page's earliest date and the expiry its latest, leaving out what reads
    # as the date of issue: five or ten years (and a day) before the expiry, it is a digit or
    # two from it and no misreading.
    printed_days = sorted(day.isoformat() for day in _visual_dates(ocr) if day not in issue_dates)
    for name, printed in (
        ("date_of_birth", printed_days[:1]),
        ("date_of_expiry", printed_days[-1:]),
    ):
        field = fields.get(name)
        if not field or not field.value or not printed or field.value in printed_days:
            continue
        # A date's check digit (weights 7, 3, 1, each prime to 10) catches every single wrong
        # digit: when it holds, a printed date one digit away is the page OCR's misreading.
        least = 2 if field.valid else 1
        if least <= Levenshtein.distance(printed[0], str(field.value)) <= 2:
            mismatches.append(name)  # printed a digit or two away from the MRZ's date
    return mismatches


@dataclass(frozen=True)
class _PrintedPage:
    """What the visual zone prints in words read with confidence: the words (letters and
    digits only) and the dates."""

    words: frozenset[str]
    days: frozenset[str]

    @classmethod
    def of(cls, visual: OcrResult) -> _PrintedPage:
        words = frozenset(
            re.sub(r"[^A-Z0-9]", "", w.text.upper())
            for w in visual.words
            if w.confidence >= CONFIDENT_VIZ_WORD
        )
        return cls(words, frozenset(day.isoformat() for day in _visual_dates(visual)))

    def shows(self, name: str, value: str) -> bool:
        if name in ("date_of_birth", "date_of_expiry"):
            return value in self.days
        if name in ("surname", "given_names"):
            return all(part in self.words for part in value.split())
        return value in self.words


def _confirmed_over(winner: MrzReading, other: MrzReading, printed: _PrintedPage) -> bool:
    """Whether the printed page holds a value `winner` reads and `other` does not."""
    mine, theirs = winner.contract_fields(), other.contract_fields()
    for name, field in mine.items():
        rival = theirs.get(name)
        if rival is None or field.value == rival.value or not isinstance(field.value, str):
            continue
        if printed.shows(name, field.value) and not (
            isinstance(rival.value, str) and printed.shows(name, rival.value)
        ):
            return True
    return False


def settle_by_visual_zone(reading: MrzReading, visual: OcrResult, as_of: date) -> MrzReading:
    """Among readings whose check digits all hold and that the OCR found about equally
    probable (two look-alike swaps can cancel out in a check digit: O for 0 and 0 for O at
    the same weight), the one the printed page confirms against every other, now valid;
    otherwise the reading as it was. The visual zone is printed and read apart from the MRZ,
    so it is independent evidence, and only words read with confidence count."""
    if reading.valid or not reading.rivals:
        return reading
    candidates = [parse_mrz(lines, as_of=as_of) for lines in (reading.lines, *reading.rivals)]
    printed = _PrintedPage.of(visual)
    for winner in candidates:
        others = [c for c in candidates if c is not winner]
        if winner.valid and all(_confirmed_over(winner, other, printed) for other in others):
            return replace(winner, corrections=reading.corrections)
    return reading


# ------------------------------------------------------------------------------ the reader


def _cells_box(zone: ZoneReading, page: PreparedPage, row: int, first: int, last: int) -> BBox:
    """Box in loaded-page pixels of cells first..last of one zone line."""
    cells = zone.rows[row]
    pitch = float(np.median(cells.pitch))
    x0, x1 = cells.centers[first] - pitch / 2, cells.centers[last] + pitch / 2
    y1 = float(max(cells.baseline[first], cells.baseline[last])) + 0.1 * pitch
    y0 = float(min(cells.baseline[first], cells.baseline[last])) - 1.15 * pitch
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]])
    mapped = corners @ zone.band.to_page.T
    left, top = mapped.min(axis=0)
    right, bottom = mapped.max(axis=0)
    box = (round(left), round(top), round(right - left), round(bottom - top))
    return page.bbox_to_original(box)


def extract_passport(
    page: PreparedPage, ocr: OcrEngine, *, as_of: date | None = None
) -> dict[str, ExtractedField]:
    """The contract's passport fields from the MRZ, with `mrz_valid` true only when every
    check digit holds, and `viz_mismatch` naming the fields the printed page contradicts."""
    as_of = as_of or date.today()
    region = detect_mrz(page.image)
    zone = read_zone(page.image, region, ocr, as_of=as_of) if region else None
    if zone is None:
        # File names are often the holder's name: logs say only the page.
        log.info("no machine-readable zone found on page %d", page.source.page)
        return {"mrz_valid": ExtractedField(value=False, confidence=0.0, valid=False)}
    reading = zone.reading
    if reading.rivals and not reading.valid:
        if page.ocr is None:
            page.ocr = read_page(page, ocr)
        reading = settle_by_visual_zone(reading, page.ocr, as_of)
    fmt = FORMATS[reading.mrz_type]
    spans = {spec.name: spec for spec in fmt.fields}
    spans["surname"] = spans["given_names"] = spans["name"]
    fields = reading.contract_fields()
    mismatches = viz_mismatches(fields, page.ocr) if page.ocr else []
    result: dict[str, ExtractedField] = {}
    for name, field in fields.items():
        spec = spans.get(name)
        bbox = (
            _cells_box(zone, page, spec.line, spec.start, spec.start + spec.length - 1)
            if spec
            else page.bbox_to_original(_band_box(zone))
        )
        confidence = field.confidence * (0.5 if name in mismatches else 1.0)
        result[name] = ExtractedField(
            value=field.value, confidence=round(confidence, 3), valid=field.valid, bbox=bbox
        )
    result["viz_mismatch"] = ExtractedField(
        value=",".join(mismatches) or None,
        confidence=0.8 if page.ocr else 0.0,
        valid=not mismatches,
    )
    log.info(
        "MRZ %s read on page %d: valid=%s, corrections=%d, engine=%s, mismatches=%d",
        reading.mrz_type,
        page.source.page,
        reading.valid,
        reading.corrections,
        zone.engine_used,
        len(mismatches),
    )
    return result


def _band_box(zone: ZoneReading) -> BBox:
    height, width = zone.band.image.shape
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]])
    mapped = corners @ zone.band.to_page.T
    left, top = mapped.min(axis=0)
    right, bottom = mapped.max(axis=0)
    return (round(left), round(top), round(right - left), round(bottom - top))
