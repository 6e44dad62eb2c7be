"""Residence card (在留カード) front and back.

The card has no MRZ, so every decision rests on printed text read from a small, patterned
card. The reader finds the card, warps it to one size, flattens its tinted background and
splits it into text rows and, within a row, into chunks separated by wide gaps (a label block,
then its value). Every line of every chunk, scaled to one height, is read in ONE Japanese
pass over a stack of the crops: a whole-card pass drops rows and garbles small labels, and a
pass per crop pays Tesseract's start-up cost dozens of times. Tesseract's Japanese model
misreads 0 as 9 or 6, so the values with digits or Latin letters (card number, name, dates)
are read again in a second single pass by the English model, restricted to capitals and
digits, and the two readings are reconciled. Fields are found by their printed labels
(Japanese or English, fuzzily) and, where a label is garbled, by what the value itself looks
like (a status of residence, a period with its expiry in brackets, まで有効).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import cv2
import numpy as np
from rapidfuzz import fuzz

from pipeline.extract.glyph_twins import count_glyphs, with_printed_spaces
from pipeline.geometry import find_outline, rectify
from pipeline.ocr import BBox, OcrEngine, Word
from pipeline.page import PreparedPage
from pipeline.textparse import (
    AGREED_CONFIDENCE,
    DOUBTFUL_DATE_CONFIDENCE,
    fold_for_matching,
    is_unlimited,
    lookalikes,
    match_country,
    match_status,
    match_work_restriction,
    normalize_name,
    parse_card_number,
    parse_period,
    printed_malformed,
    reconcile_kanji_date,
    text_similarity,
    transfer_spaces,
)
from schemas.reference import Period
from schemas.report import ExtractedField

CARD_ASPECT = 85.60 / 53.98
CANONICAL_WIDTH = 1100
"""Pixels across the card once warped: about 12.8 px/mm, so 2 mm values are some 25 px
tall, where Tesseract reads best, whether the card came from a phone or a 150 dpi scan."""

_PX_PER_MM = CANONICAL_WIDTH / 85.60
_MIN_CARD_AREA = 0.15  # share of the page a card outline must cover to be taken for the card
_ASPECT_TOLERANCE = 0.18
_INK_RATIO = 0.72  # darker than this share of the local background is ink
_CHUNK_GAP_MM = 1.0  # labels and values are set at least 1.2 mm apart; letters much closer
_MAX_ROW_MM = 4.4  # the tallest printed line (a label block beside a 3 mm value) and margin
_ROW_PAD = 4
_STACK_GAP = 24
_LINE_HEIGHT = 32  # pixels each line is scaled to for OCR: glyphs some 25 px tall
_LABEL_THRESHOLD = 0.62
_LABELLED_STATUS = 0.5  # match threshold for the text after the status label
_ALNUM_WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_SECOND_LINE_HEIGHT = 48  # a disputed card number is read again this tall
_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_LABEL_GLYPHS = 2  # characters the English model may make of the number's label
_CARD_NUMBER_LENGTH = 12


# ---------------------------------------------------------------- finding the card


@dataclass
class CardImage:
    """The card warped to CANONICAL_WIDTH, and how its points map back to the prepared
    page (for the report's boxes)."""

    image: np.ndarray
    to_prepared: np.ndarray
    outline_found: bool


def picture_frame(page: PreparedPage) -> np.ndarray:
    """The loaded picture's corners in the prepared page's pixels: once levelled, its border
    is a tilted frame that an outline search must not take for the card's."""
    height, width = page.source.image.shape[:2]
    corners = np.array(
        [[0, 0, 1], [width - 1, 0, 1], [width - 1, height - 1, 1], [0, height - 1, 1]],
        dtype=np.float64,
    )
    mapped = corners @ np.linalg.inv(page.to_original).T
    return (mapped[:, :2] / mapped[:, 2:]).astype(np.float32)


def locate_card(
    gray: np.ndarray,
    *,
    aspect: float = CARD_ASPECT,
    width: int = CANONICAL_WIDTH,
    frame: np.ndarray | None = None,
) -> CardImage:
    """The card cut out of a scan or photo and squared up; a page with no visible outline
    (a tight crop, or the card filling the picture) is taken whole. `frame` is the loaded
    picture's border (picture_frame), never the card's outline."""
    corners = find_outline(
        gray,
        min_area_share=_MIN_CARD_AREA,
        aspect=aspect,
        aspect_tolerance=_ASPECT_TOLERANCE,
        exclude=frame,
    )
    if corners is None:
        factor = width / gray.shape[1]
        scaled = cv2.resize(
            gray,
            None,
            fx=factor,
            fy=factor,
            interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC,
        )
        return CardImage(scaled, np.diag([1 / factor, 1 / factor, 1.0]), False)
    warped, forward = rectify(gray, corners, (width, round(width / aspect)))
    return CardImage(warped, np.linalg.inv(forward), True)


# ---------------------------------------------------------------- rows and chunks


@dataclass
class Chunk:
    """Ink on one row between wide gaps: a label block, a value, or part of one."""

    x0: int
    x1: int
    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def joined(self) -> str:
        """The words run together, as Japanese is written; OCR splits it at random."""
        return "".join(w.text for w in self.words)


@dataclass
class Row:
    y0: int
    y1: int
    chunks: list[Chunk]

    @property
    def words(self) -> list[Word]:
        return [w for c in self.chunks for w in c.words]

    @property
    def joined(self) -> str:
        return "".join(c.joined for c in self.chunks)


def flatten_background(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(text darkened against a flat white background, ink mask). Dividing by a closing of
    the image removes tint, guilloche and uneven light, which otherwise read as characters."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))
    background = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, kernel).astype(np.float32)
    ratio = gray.astype(np.float32) / np.maximum(background, 1.0)
    flat = np.clip(ratio * 255.0, 0, 255).astype(np.uint8)
    return flat, (ratio < _INK_RATIO).astype(np.uint8) * 255


def _is_frame(component: np.ndarray) -> bool:
    """A wide outline with nothing of its own inside: the box around a printed value."""
    height, width = component.shape
    inner = component[height // 4 : height - height // 4, width // 8 : width - width // 8]
    return width > 8 * _PX_PER_MM and np.count_nonzero(inner) < 0.05 * np.count_nonzero(component)


def _drop_non_text(mask: np.ndarray) -> np.ndarray:
    """The mask without what is not lettering: the photo (with everything inside its
    box), frames around text and ruled lines. Tesseract reads frames as brackets and
    photos as strings of kanji."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.zeros(count, dtype=bool)
    pictures: list[BBox] = []
    height, width = mask.shape
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        if x == 0 or y == 0 or x + w == width or y + h == height:
            continue  # the card's edge or the desk beyond it; printing keeps clear of both
        if _is_frame(labels[y : y + h, x : x + w] == index):
            continue
        if h > 4.6 * _PX_PER_MM:
            if w > 8 * _PX_PER_MM and w < width / 2 and h < 0.8 * height:
                pictures.append((x, y, w, h))
            continue
        rule = w > 10 * _PX_PER_MM and h < 0.6 * _PX_PER_MM
        keep[index] = not (rule or area < 12)  # specks of noise, not dots or strokes
    cleaned = np.where(keep[labels], 255, 0).astype(np.uint8)
    margin = round(_PX_PER_MM)
    for x, y, w, h in pictures:
        cleaned[max(0, y - margin) : y + h + margin, max(0, x - margin) : x + w + margin] = 0
    return cleaned


def _runs(profile: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    """[start, end) runs where profile is non-zero, joining runs closer than min_gap."""
    runs: list[tuple[int, int]] = []
    inside = np.flatnonzero(profile > 0)
    if inside.size == 0:
        return runs
    start = previous = int(inside[0])
    for position in inside[1:]:
        position = int(position)
        if position - previous > min_gap:
            runs.append((start, previous + 1))
            start = position
        previous = position
    runs.append((start, previous + 1))
    return runs


def _split_tall(profile: np.ndarray, y0: int, y1: int) -> list[tuple[int, int]]:
    """A run taller than any printed line is two lines bridged by noise: cut it where the
    fewest pixels are inked, in its middle part, until every piece is line-sized."""
    if y1 - y0 <= _MAX_ROW_MM * _PX_PER_MM:
        return [(y0, y1)]
    low, high = y0 + (y1 - y0) // 4, y1 - (y1 - y0) // 4
    cut = low + int(np.argmin(profile[low:high]))
    return _split_tall(profile, y0, cut) + _split_tall(profile, cut + 1, y1)


def find_rows(mask: np.ndarray) -> list[Row]:
    """Text rows (a label block and its value share one) split into chunks at wide gaps."""
    rows: list[Row] = []
    min_height = round(0.7 * _PX_PER_MM)
    profile = mask.sum(axis=1) // 255
    for run in _runs(profile > 2, min_gap=1):
        for y0, y1 in _split_tall(profile, *run):
            if y1 - y0 < min_height:
                continue
            columns = mask[y0:y1].sum(axis=0) // 255
            gap = round(_CHUNK_GAP_MM * _PX_PER_MM)
            rows.append(Row(y0, y1, [Chunk(x0, x1) for x0, x1 in _runs(columns, gap)]))
    return rows


# ---------------------------------------------------------------- reading in one pass


def read_stacked(
    image: np.ndarray,
    crops: list[BBox],
    ocr: OcrEngine,
    *,
    lang: str,
    whitelist: str | None = None,
    line_height: int | None = None,
) -> list[list[Word]]:
    """The words of each crop, boxes in `image` pixels, from ONE OCR call over the crops
    stacked one above the other with white space between. With `line_height`, each crop is
    scaled to that height first, so small glosses and large values read alike."""
    if not crops:
        return []
    pieces: list[np.ndarray] = []
    factors: list[float] = []
    for x, y, w, h in crops:
        piece = image[y : y + h, x : x + w]
        factor = float(np.clip(line_height / h, 0.5, 3.0)) if line_height else 1.0
        if factor != 1.0:
            piece = cv2.resize(
                piece,
                None,
                fx=factor,
                fy=factor,
                interpolation=cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA,
            )
        pieces.append(piece)
        factors.append(factor)
    width = max(p.shape[1] for p in pieces) + 2 * _STACK_GAP
    offsets: list[int] = []
    top = _STACK_GAP
    for piece in pieces:
        offsets.append(top)
        top += piece.shape[0] + _STACK_GAP
    stack = np.full((top, width), 255, dtype=np.uint8)
    for piece, offset in zip(pieces, offsets, strict=True):
        stack[offset : offset + piece.shape[0], _STACK_GAP : _STACK_GAP + piece.shape[1]] = piece
    found: list[list[Word]] = [[] for _ in crops]
    for word in ocr.read(stack, lang=lang, psm=6, whitelist=whitelist).words:
        wx, wy, ww, wh = word.bbox
        centre = wy + wh / 2
        for index, offset in enumerate(offsets):
            if offset - _STACK_GAP / 2 <= centre < offset + pieces[index].shape[0] + _STACK_GAP / 2:
                x, y, _, _ = crops[index]
                factor = factors[index]
                box = (
                    x + round((wx - _STACK_GAP) / factor),
                    y + round((wy - offset) / factor),
                    round(ww / factor),
                    round(wh / factor),
                )
                found[index].append(Word(word.text, word.confidence, box))
                break
    return [sorted(words, key=lambda w: w.bbox[0]) for words in found]


def _ink_rows(mask: np.ndarray, bbox: BBox) -> BBox:
    """The box cut down to the rows that hold its ink. A value's row is as tall as the
    two-line label block beside it (生年月日 over DATE OF BIRTH), so the value alone is a
    short line in a tall box; scaled to a line height as it stands, its glyphs would
    shrink to half the height the OCR reads well."""
    x, y, w, h = bbox
    inked = np.flatnonzero(mask[y : y + h, x : x + w].any(axis=1))
    if inked.size == 0:
        return bbox
    return (x, y + int(inked[0]), w, int(inked[-1] - inked[0]) + 1)


def _printed_box(reading: CardReading, bbox: BBox) -> BBox:
    """The box cut to the rows its ink is in, with a little paper round it."""
    return _pad(_ink_rows(reading.text_mask, bbox), reading.clean.shape, 3)


def _printed(reading: CardReading, span: Span) -> np.ndarray:
    """The span's print on the clean card, cut to the rows its ink is in."""
    x, y, w, h = _printed_box(reading, span.bbox)
    return reading.clean[y : y + h, x : x + w]


def _pad(bbox: BBox, shape: tuple[int, ...], pad: int) -> BBox:
    x, y, w, h = bbox
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(shape[1], x + w + pad), min(shape[0], y + h + pad)
    return (x0, y0, x1 - x0, y1 - y0)


@dataclass
class CardReading:
    card: CardImage
    flat: np.ndarray  # background flattened to white
    clean: np.ndarray  # flat, with photo, frames and rules whited out
    text_mask: np.ndarray  # ink that is lettering
    rows: list[Row]


def read_card(card: CardImage, ocr: OcrEngine) -> CardReading:
    """Rows and chunks of the card with their Japanese reading: every line of every chunk
    (a label block holds a Japanese line over an English one) scaled to one height and read
    in a single pass."""
    flat, mask = flatten_background(card.image)
    mask = _drop_non_text(mask)
    clean = np.where(cv2.dilate(mask, np.ones((3, 3), np.uint8)) > 0, flat, 255).astype(np.uint8)
    rows = find_rows(mask)
    items: list[tuple[Chunk, BBox]] = []
    for row in rows:
        for chunk in row.chunks:
            profile = mask[row.y0 : row.y1, chunk.x0 : chunk.x1].sum(axis=1) // 255
            for y0, y1 in _runs(profile, min_gap=1):
                if y1 - y0 >= 5:
                    box = (chunk.x0, row.y0 + y0, chunk.x1 - chunk.x0, y1 - y0)
                    items.append((chunk, _pad(box, clean.shape, _ROW_PAD)))
    readings = read_stacked(
        clean, [box for _, box in items], ocr, lang="jpn", line_height=_LINE_HEIGHT
    )
    for (chunk, _), words in zip(items, readings, strict=True):
        chunk.words.extend(words)
    return CardReading(card, flat, clean, mask, rows)


# ---------------------------------------------------------------- labels and values


@dataclass
class Span:
    """Consecutive chunks of one row: where a value was printed."""

    row: Row
    chunks: list[Chunk]

    @property
    def bbox(self) -> BBox:
        x0, x1 = self.chunks[0].x0, self.chunks[-1].x1
        return (x0, self.row.y0, x1 - x0, self.row.y1 - self.row.y0)

    @property
    def joined(self) -> str:
        return "".join(c.joined for c in self.chunks)

    @property
    def confidence(self) -> float:
        """Median word confidence: one stray mark read beside the value should not make
        the whole value look unreadable."""
        values = [w.confidence for c in self.chunks for w in c.words]
        return float(np.median(values)) if values else 0.0


_LABELS: dict[str, tuple[str, ...]] = {
    "card_number": ("番号",),
    "name": ("氏名", "NAME", "氏名NAME"),
    "date_of_birth": ("生年月日", "DATE OF BIRTH", "生年月日DATE OF BIRTH"),
    "sex": ("性別", "SEX", "性別SEX"),
    "nationality": ("国籍・地域", "NATIONALITY/REGION", "国籍・地域NATIONALITY/REGION"),
    "address": ("住居地", "ADDRESS", "住居地ADDRESS"),
    "status_of_residence": ("在留資格", "STATUS", "在留資格STATUS"),
    "period_of_stay": ("在留期間(満了日)", "PERIOD OF STAY", "在留期間(満了日)PERIOD OF STAY"),
    "permission": ("許可の種類",),
    "permission_date": ("許可年月日",),
    "issue_date": ("交付年月日",),
    "card_valid_until": ("このカードは",),
}


_MID_ROW_LABELS = ("sex", "card_number")
_LATIN = re.compile(r"[A-Za-z]")


def _label_score(text: str, label: str) -> float:
    """How much the chunk reads as the whole label (Japanese, English or both, as the
    block stacks them): a value that merely contains a label's word (SEOJUN and SEX) or a
    label's kanji (在留資格変更許可) must not pass for it."""
    chunk = fold_for_matching(text)
    whole = max(fuzz.ratio(chunk, fold_for_matching(v)) / 100.0 for v in _LABELS[label])
    # The block's small English line garbles first (在留責格 IA b for 在留資格 STATUS) and
    # drags the whole down; the Japanese line before it is a label on its own.
    japanese = fold_for_matching(_LATIN.split(text, maxsplit=1)[0])
    if japanese == chunk:
        return whole
    alone = max(
        (
            fuzz.ratio(japanese, fold_for_matching(v)) / 100.0
            for v in _LABELS[label]
            if not _LATIN.search(v)
        ),
        default=0.0,
    )
    return max(whole, alone)


def find_labels(rows: list[Row]) -> dict[str, tuple[float, Span]]:
    """For each label found, its score and the span after it up to the next label."""
    found: dict[str, tuple[float, Span]] = {}
    for row in rows:
        marks: list[tuple[int, str, float]] = []
        for index, chunk in enumerate(row.chunks):
            # Label blocks open their row; only 性別 and 番号 follow another value.
            candidates = _LABELS if index == 0 else _MID_ROW_LABELS
            label, score = max(
                ((lab, _label_score(chunk.text, lab)) for lab in candidates),
                key=lambda item: item[1],
            )
            if score >= _LABEL_THRESHOLD:
                marks.append((index, label, score))
        for position, (index, label, score) in enumerate(marks):
            end = marks[position + 1][0] if position + 1 < len(marks) else len(row.chunks)
            value = row.chunks[index + 1 : end]
            if value and (label not in found or score > found[label][0]):
                found[label] = (score, Span(row, value))
    return found


def _after_label_block(row: Row) -> Span | None:
    """A row's value when its label could not be read: everything after the first chunk."""
    return Span(row, row.chunks[1:]) if len(row.chunks) > 1 else None


def _latin_part(span: Span) -> Span:
    """The chunks of a name span that hold Latin letters (not stray marks beside it)."""
    chunks = [c for c in span.chunks if _mostly_latin([c], min_letters=2)]
    if not chunks:
        return span
    first, last = span.chunks.index(chunks[0]), span.chunks.index(chunks[-1])
    return Span(span.row, span.chunks[first : last + 1])


def _first_row(rows: list[Row], test: Callable[[Row], bool]) -> Span | None:
    for row in rows:
        if test(row):
            return _after_label_block(row)
    return None


# The period's number and unit (which a blurred photo garbles: 1衝), then the expiry in
# brackets.
_PERIOD_THEN_DATE = re.compile(r"無期限|\d+\D?[(（].*\d")
# A year not inside a longer number: the card number above holds runs like 1921 among its
# eight digits. (Letters may touch it: rows are joined without their spaces.)
_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


def _mostly_latin(chunks: list[Chunk], min_letters: int = 4) -> bool:
    text = re.sub(r"\s", "", "".join(c.joined for c in chunks))
    letters = sum("A" <= ch <= "Z" for ch in text.upper())
    return letters >= min_letters and letters >= 0.7 * len(text)


_TITLE = re.compile(r"RES|CARD|在留カ", re.IGNORECASE)


def _birth_date_part(row: Row) -> Span:
    """The date in a birth-date row whose label was not read: from the chunk with the year
    (the first chunk, if the label left no reading at all) up to the sex label beside it;
    the sex block read with it garbles the English reading of the date."""
    start = next((i for i, chunk in enumerate(row.chunks) if _YEAR.search(chunk.joined)), 0)
    end = next(
        (
            i
            for i in range(start + 1, len(row.chunks))
            if _label_score(row.chunks[i].text, "sex") >= _LABEL_THRESHOLD
        ),
        len(row.chunks),
    )
    return Span(row, row.chunks[start:end])


def _front_spans(rows: list[Row], card_height: int) -> dict[str, Span]:
    """Where each value of the front is printed: after its label, or, where the label is
    garbled, the row whose content can only be that value."""
    spans = {name: span for name, (_, span) in find_labels(rows).items()}
    birth = spans.get("date_of_birth")
    if birth and birth.row.y0 > card_height / 2:
        # 年月日 ends other labels too (交付年月日, low on the card); the holder's personal
        # data open the card.
        del spans["date_of_birth"]
    fallbacks: dict[str, Callable[[Row], bool]] = {
        "name": lambda r: not _TITLE.search(r.joined) and _mostly_latin(r.chunks[1:]),
        # The card prints the date of birth first, above every other date.
        "date_of_birth": lambda r: (
            r.y0 < card_height / 2
            and bool(_YEAR.search(r.joined))
            and len(re.findall(r"\d", r.joined)) >= 6
            and "(" not in r.joined
        ),
        "period_of_stay": lambda r: bool(_PERIOD_THEN_DATE.search(r.joined)),
        "card_valid_until": lambda r: (
            bool(re.search(r"まで|有効", r.joined)) and len(re.findall(r"\d", r.joined)) >= 6
        ),
    }
    for name, test in fallbacks.items():
        if name not in spans:
            span = _first_row(rows, test)
            if span is not None:
                spans[name] = _birth_date_part(span.row) if name == "date_of_birth" else span
    if "name" in spans:
        spans["name"] = _latin_part(spans["name"])
    if "card_valid_until" in spans:
        # A sentence (このカードは 2027年03月31日 まで有効です), not a label and its value: the
        # date printed close after は is read as one chunk with the label.
        validity = spans["card_valid_until"]
        start = validity.row.chunks.index(validity.chunks[0])
        if start > 0 and re.search(r"\d", validity.row.chunks[start - 1].joined):
            spans["card_valid_until"] = Span(validity.row, validity.row.chunks[start - 1 :])
    if "date_of_birth" in spans and "sex" not in spans:
        _, rest = _split_after_day(spans["date_of_birth"])
        if rest is not None:
            spans["sex"] = rest
    return spans


def _split_after_day(span: Span) -> tuple[Span, Span | None]:
    """(the date, what follows it on the row) when the span runs on past the chunk that ends
    the date with 日: beside the birth date stands the sex block, and where its label is
    garbled (性別 read 叶列) the birth date's span runs on into it."""
    text = ""
    for index, chunk in enumerate(span.chunks[:-1]):
        text += chunk.joined
        if _YEAR.search(text) and re.search(r"\d\D{0,2}日", text):
            return Span(span.row, span.chunks[: index + 1]), Span(
                span.row, span.chunks[index + 1 :]
            )
    return span, None


def _card_number_span(rows: list[Row], card_height: int, labels: dict[str, Span]) -> Span | None:
    """The chunk holding the card number, printed at the top: after 番号, else the top
    rows' chunk with the most digits among ten or more letters and digits."""
    labelled = labels.get("card_number")
    if labelled and labelled.row.y0 <= card_height * 0.3:
        return labelled
    best: tuple[int, Span] | None = None
    for row in rows:
        if row.y0 > card_height * 0.3:
            continue
        for chunk in row.chunks:
            alnum = re.sub(r"[^0-9A-Za-z]", "", chunk.joined)
            digits = sum(ch.isdigit() for ch in alnum)
            if len(alnum) >= 10 and digits >= 5 and (best is None or digits > best[0]):
                best = (digits, Span(row, [chunk]))
    return best[1] if best else None


def read_english(
    reading: CardReading, boxes: list[BBox], ocr: OcrEngine, *, line_height: int = _LINE_HEIGHT
) -> list[tuple[str, float]]:
    """Each box read again by the English model, capitals and digits only, in one pass:
    it gets digits and Latin names right where the Japanese model turns 0 into 9."""
    boxes = [_printed_box(reading, box) for box in boxes]
    readings = read_stacked(
        reading.clean, boxes, ocr, lang="eng", whitelist=_ALNUM_WHITELIST, line_height=line_height
    )
    return [
        (" ".join(w.text for w in words), min((w.confidence for w in words), default=0.0))
        for words in readings
    ]


# ---------------------------------------------------------------- the fields

_BY_LOOK = 0.8
"""How far a nationality or status found by its look alone, anywhere on the card, is
trusted against its match score: on a card squared up from a wrong outline, garbled
rows match a neighbour's name (インドネンテ as India, 才授 as a status) at 0.7 to 0.8,
which must fall below 0.6, while a clean match found there stays above it."""

_CLEAR_MATCH = 0.8  # a country matched less well than this is read again, larger
_DOUBTED_NAME = 0.5  # most a name is trusted when the two models read it differently
_SURE_MALFORMED = 0.8
"""Least word confidence of both models' readings of a malformed card number for it to be
taken as printed: Tesseract rates a word by its least sure letter, and a slip is rated
lower. Malformed numbers read alike by all three readings were rated 0.6 to 0.92."""
_DOUBTED_NUMBER = 0.5
"""Most a card number may be trusted when the two models read it differently in a way the
Japanese model's known slips (a 0 read as 9 or 6) do not explain."""
_ALIKE_AT_TWO_SCALES = 0.75
"""How far a card number is trusted that the English model read alike at both scales, well
formed with no look-alike swapped, and whose eight digits the Japanese model read too,
while the Japanese letters went astray (WOQ for WQ, I or H for J, a last letter lost at
the card's edge, the label run into the number). Measured on 480 rendered card fronts in
four conditions (tools/card_bench.py, the readings logged): 26 such numbers, all right.
Above the verifier's 0.6, below two models agreeing outright."""
_GLYPHS_COUNTED = 0.75
"""How far a card number is trusted that the Japanese model read well formed where the
English model read one glyph twice, at both scales, when the glyphs printed are as many as
the Japanese reading's characters: the count rules out the number printed a digit too long
that the doubled reading could otherwise be."""


def _japanese_slips(english: str, japanese: str) -> bool:
    """Whether the Japanese reading differs from the English one only where the Japanese
    model turns a digit 0 into 9 or 6."""
    return len(english) == len(japanese) and all(
        a == b or (a == "0" and b in "96") for a, b in zip(english, japanese, strict=True)
    )


def _japanese_slips_on_j(english: str, japanese: str) -> bool:
    """Whether the Japanese reading (folded) differs from the English one (folded) only
    where the English has a J, which the Japanese model reads as H or not at all (WIAYA
    for WIJAYA). It reads J as I too (MINII), but the English model may read a printed I
    as J, so an I there stays a doubt."""
    if "j" not in english:
        return False
    pattern = "".join("[jh]?" if char == "j" else re.escape(char) for char in english)
    return re.fullmatch(pattern, japanese) is not None


def _drops_one_letter(shorter: str, longer: str) -> bool:
    """Whether `shorter` is `longer` with one letter left out (JWOO for JIWOO)."""
    return len(longer) == len(shorter) + 1 and any(
        longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer))
    )


def reconcile_name(
    english: str, japanese: str, japanese_confidence: float, printed_glyphs: int | None = None
) -> tuple[str, float]:
    """(name, confidence) from the English model's reading of the name (capitals only, run
    together) and the Japanese model's (spaced). The English letters are taken with the
    Japanese spaces, but where the English reading is the Japanese one with a letter
    dropped (LEEJWOO against LEE JIWOO), the Japanese one; readings that differ leave
    the name doubted whichever is taken (the dropped letter passed at 0.78), but for the
    Japanese model's slips on J where the glyphs printed (`printed_glyphs`, None when
    not counted) are as many as the English letters: the English reading stands, as sure
    as the Japanese reading is."""
    # The Japanese model reads a J as the bracket of its shape (REYES」OHN).
    japanese = japanese.replace("」", "J")
    folded_english, folded_japanese = fold_for_matching(english), fold_for_matching(japanese)
    if folded_english == folded_japanese:
        return normalize_name(transfer_spaces(japanese, english)), AGREED_CONFIDENCE
    if printed_glyphs == len(folded_english) and _japanese_slips_on_j(
        folded_english, folded_japanese
    ):
        return normalize_name(transfer_spaces(japanese, english)), japanese_confidence
    if not english or _drops_one_letter(folded_english, folded_japanese):
        name = normalize_name(japanese)
    else:
        name = normalize_name(transfer_spaces(japanese, english))
    return name, min(japanese_confidence, _DOUBTED_NAME)


def _alnum(text: str) -> str:
    """Capitals and digits only, full-width ones made plain: a number as either model read it."""
    return re.sub(r"[^A-Z0-9]", "", unicodedata.normalize("NFKC", text).upper())


def _without_label_glyphs(english: str, japanese_number: str) -> str:
    """The English reading less the one or two characters its model made of the label
    (番号) that the span holds before the number (3JA53723307HX), when the rest is the
    number the Japanese model read (its label as kanji apart) well formed, or malformed with
    letters at both ends, so that what is cut off is no letter the Japanese model dropped."""
    compact = _alnum(english)
    extra = len(compact) - len(japanese_number)
    # Compared once look-alikes are put right by position (TFO26... for TF026...), and the
    # English model's own characters kept, so each swap still costs it confidence.
    if 0 < extra <= _LABEL_GLYPHS and parse_card_number(compact[extra:])[0] == japanese_number:
        return compact[extra:]
    return english


def _after_label_digit(english: str) -> str | None:
    """The number in an English reading one character too long whose first is a digit
    and whose rest is a card number as printed, with no look-alike swapped: the label
    (番号) before the number read as a digit (8JU98716051JF), when the Japanese reading was
    too garbled to tell the label apart. Only ever taken as a doubt."""
    compact = _alnum(english)
    if len(compact) != _CARD_NUMBER_LENGTH + 1 or not compact[0].isdigit():
        return None
    number, well_formed, factor = parse_card_number(compact[1:])
    return number if well_formed and factor == 1.0 else None


def _digits_read_alike(english_digits: str, japanese: str) -> bool:
    """Whether the Japanese reading holds the eight digits the English model read, a 0 read
    as 9 or 6 (the Japanese model's known slip) allowed."""
    compact = _alnum(japanese)
    return any(
        _japanese_slips(english_digits, compact[start : start + len(english_digits)])
        for start in range(len(compact) - len(english_digits) + 1)
    )


def _label_digits_are_junk(english: str, second: str, japanese: str) -> bool:
    """Whether leading digits of the English readings (5JS24821016JX, 25JB95042377LA) are
    the label 番号 run into the number and not digits printed before it: the two scales make
    different digits of it, or the Japanese reading shows the label as kana or kanji there,
    or reads the rest alone as the whole number. A number printed too long keeps its digit."""
    compact = _alnum(japanese)
    return len(compact) <= _CARD_NUMBER_LENGTH and (
        _alnum(english)[:1] != _alnum(second)[:1]
        or bool(_KANA_KANJI.match(japanese.lstrip()))
        or compact == _alnum(english).lstrip("0123456789")
    )


def _read_alike_at_two_scales(english: str, second: str, japanese: str) -> str | None:
    """The number the English model read alike at both scales, as printed (no look-alike
    swapped), when the Japanese model read its digits too."""
    junk_digits = _label_digits_are_junk(english, second, japanese)
    numbers = []
    for reading in (english, second):
        compact = _alnum(reading)
        extra = len(compact) - _CARD_NUMBER_LENGTH
        if 0 < extra <= _LABEL_GLYPHS and compact[:extra].isdigit() and junk_digits:
            compact = compact[extra:]
        numbers.append(compact)
    number = numbers[0]
    as_printed = parse_card_number(number) == (number, True, 1.0)  # no look-alike swapped
    if number == numbers[1] and as_printed and _digits_read_alike(number[2:10], japanese):
        return number
    return None


def _twin_doubled(reading: str, number: str) -> bool:
    """Whether `reading` is `number` with one glyph read twice, as itself and as its
    look-alike (AHO04028463YY, XL591721162ZZ): the English model does so at some sizes."""
    return len(reading) == len(number) + 1 and any(
        reading[:i] + reading[i + 1 :] == number
        and any(lookalikes(reading[i], reading[j]) for j in (i - 1, i + 1) if 0 <= j < len(reading))
        for i in range(len(reading))
    )


def reconcile_card_number(
    english: str,
    japanese: str,
    japanese_confidence: float,
    second: str = "",
    english_confidence: float = 0.0,
    printed_glyphs: int | None = None,
) -> tuple[str | None, bool, float]:
    """(number, well_formed, confidence) from the English model's reading of the card
    number (capitals and digits only, the better one), the Japanese model's, and, where
    those two disagree, the English model's `second` reading at a larger scale (at 32 px
    it drops the J of JF that it reads at 48). `english_confidence` is the surer of the
    English readings' least word confidences. `printed_glyphs` is how many glyphs the
    number's ink holds, where they stand clearly apart (None otherwise).

    Only two models reading it well formed and alike are sure; the English model reading
    it alike at both scales, with the Japanese model's digits, is trusted short of that
    (the Japanese model slips on letters: OQ for Q, I or H for J). Otherwise the English
    reading is taken, or its second, or the Japanese one, but as a doubt: either model
    may have dropped or added a character (the Japanese one often adds: MOQ for MQ), and
    a number printed malformed is what CARD_NUMBER_INVALID exists to catch; the English
    model reading the same malformed number at both scales is believed over a well-formed
    Japanese reading. A malformed number both models read alike and surely, with no
    look-alike that either may have slipped on (printed_malformed), is what was printed,
    and is reported as sure as the less sure reading, so the finding stands. Where the
    English model read one glyph twice (62ZZ for 6ZZ) and the Japanese model read the
    number well formed, the count of the glyphs printed says which is right."""
    japanese_number, japanese_formed, japanese_factor = parse_card_number(japanese)
    labelled = _KANA_KANJI.match(japanese.lstrip())
    if labelled and (japanese_formed or printed_malformed(japanese_number or "")):
        english, second = (
            _without_label_glyphs(reading, japanese_number or "") for reading in (english, second)
        )
    english_number, english_formed, english_factor = parse_card_number(english)
    if english_formed and english_number == japanese_number:
        return english_number, True, AGREED_CONFIDENCE * english_factor
    second_number, second_formed, second_factor = parse_card_number(second)
    if second_formed and japanese_formed and second_number == japanese_number:
        return second_number, True, AGREED_CONFIDENCE * second_factor
    if second and (number := _read_alike_at_two_scales(english, second, japanese)):
        return number, True, _ALIKE_AT_TWO_SCALES
    doubted = min(japanese_confidence, _DOUBTED_NUMBER)
    if english_formed:
        slip = _japanese_slips(english_number or "", japanese_number or "")
        confirmed = not second or second_number == english_number
        confidence = japanese_confidence if slip and confirmed else doubted
        return english_number, True, confidence * english_factor
    if second_formed:
        return second_number, True, doubted * second_factor
    for reading in (english, second):
        if number := _after_label_digit(reading):
            return number, True, doubted
    completed = english_number + japanese_number[-1] if english_number and japanese_number else ""
    if (
        japanese_formed
        and parse_card_number(completed)[0] == japanese_number
        and (not second or second_number == english_number)
    ):
        # The English model drops a last letter at the card's edge (0D45224744P); a number
        # printed one short the Japanese model reads short too.
        return japanese_number, True, doubted * japanese_factor
    if (
        japanese_formed
        and english_number == second_number
        and _twin_doubled(english_number or "", japanese_number or "")
    ):
        # Well formed as the Japanese model read it, but a number printed one digit too
        # long reads alike, so a person decides, unless the glyphs printed are counted.
        if printed_glyphs == len(japanese_number or ""):
            return (
                japanese_number,
                True,
                min(japanese_confidence, _GLYPHS_COUNTED) * japanese_factor,
            )
        return japanese_number, True, doubted * japanese_factor
    if english_number and english_number == second_number:
        agreed = min(english_confidence, japanese_confidence)
        if (
            english_number == japanese_number
            and agreed >= _SURE_MALFORMED
            and printed_malformed(english_number)
        ):
            return english_number, False, min(agreed, AGREED_CONFIDENCE)
        return english_number, False, english_factor
    if japanese_formed:
        return japanese_number, True, doubted * japanese_factor
    if second_number and second_number == japanese_number:
        # Two models alike against the English model's first reading (1E for IE).
        return second_number, False, second_factor
    if english_number:
        return english_number, False, english_factor
    return japanese_number, False, japanese_factor


def _bbox_in_page(page: PreparedPage, card: CardImage, bbox: BBox) -> BBox:
    x, y, w, h = bbox
    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], float)
    mapped = corners @ card.to_prepared.T
    mapped = mapped[:, :2] / mapped[:, 2:3]
    x0, y0 = mapped.min(axis=0)
    x1, y1 = mapped.max(axis=0)
    return page.bbox_to_original((int(x0), int(y0), int(np.ceil(x1 - x0)), int(np.ceil(y1 - y0))))


def period_as_printed(period: Period) -> str:
    """The period the way the card prints it: 3年, 1年6月, 90日, 無期限."""
    if is_unlimited(period):
        return "無期限"
    parts = ((period.years, "年"), (period.months, "月"), (period.days, "日"))
    return "".join(f"{n}{unit}" for n, unit in parts if n)


_SEX_MARKS = {"男": "M", "女": "F"}


def _kanji_sex(text: str) -> str | None:
    return next((code for mark, code in _SEX_MARKS.items() if mark in text), None)


def _latin_sex(text: str) -> str | None:
    latin = re.findall(r"(?<![A-Z])([MFX])(?![A-Z])", re.sub(r"[^A-Z]", " ", text.upper()))
    return latin[0] if len(set(latin)) == 1 else None


def read_sex(span: Span) -> tuple[str | None, float, Span]:
    """(code, confidence, the chunks it was read from). The card prints sex twice, side by
    side, 男 M. or 女 F.: when both readings agree, the surer one vouches for the value. Only
    the first reading's chunk and the one after it count: what the row holds further right
    (the photo's edge, the guilloche) reads as junk at no confidence, and must neither drag
    the value's confidence down nor pass for a second printing."""
    readings: dict[str, tuple[str, float, int]] = {}
    for index, chunk in enumerate(span.chunks):
        if readings and index > min(r[2] for r in readings.values()) + 1:
            break  # the two printings stand side by side; further right is not the value
        one = Span(span.row, [chunk])
        for script, read in (("kanji", _kanji_sex), ("latin", _latin_sex)):
            code = read(chunk.joined)
            if code is not None and script not in readings:
                readings[script] = (code, one.confidence, index)
        if len(readings) == 2:
            break
    if not readings:
        return None, 0.0, span
    codes = {code for code, _, _ in readings.values()}
    last = max(index for _, _, index in readings.values())
    value_span = Span(span.row, span.chunks[: last + 1])
    if len(codes) > 1:  # 男 beside F: the surer reading, its trust halved
        code, confidence, _ = max(readings.values(), key=lambda r: r[1])
        return code, confidence / 2, value_span
    return codes.pop(), max(r[1] for r in readings.values()), value_span


class CardFields:
    """Builds the contract's fields, each with its box (in card pixels) mapped back to the
    page as loaded; a field without a value has no confidence."""

    def __init__(self, page: PreparedPage, card: CardImage) -> None:
        self.page = page
        self.card = card
        self.fields: dict[str, ExtractedField] = {}

    def set_box(
        self,
        name: str,
        value: str | bool | None,
        confidence: float,
        bbox: BBox | None,
        valid: bool | None = None,
    ) -> None:
        self.fields[name] = ExtractedField(
            value=value,
            confidence=float(np.clip(confidence, 0.0, 1.0)) if value is not None else 0.0,
            valid=valid,
            bbox=_bbox_in_page(self.page, self.card, bbox) if bbox else None,
        )

    def set(
        self,
        name: str,
        value: str | bool | None,
        confidence: float,
        span: Span | None,
        valid: bool | None = None,
    ) -> None:
        self.set_box(name, value, confidence, span.bbox if span else None, valid)

    def set_blank(self, name: str, confidence: float, span: Span) -> None:
        """A field the card leaves out on purpose (no stay expiry beside 無期限): as sure a
        blank as the reading that says so, where an unread field has no confidence."""
        self.fields[name] = ExtractedField(
            value=None,
            confidence=float(np.clip(confidence, 0.0, 1.0)),
            bbox=_bbox_in_page(self.page, self.card, span.bbox),
        )


def _best_over_rows(
    rows: list[Row], match: Callable[[str], tuple[str | None, float]], skip: Callable[[str], bool]
) -> tuple[str | None, float, Span | None]:
    """The best match over every run of chunks that ends a row (values sit to the right of
    labels), skipping runs `skip` rules out."""
    best: tuple[str | None, float, Span | None] = (None, 0.0, None)
    for row in rows:
        for start in range(len(row.chunks)):
            span = Span(row, row.chunks[start:])
            text = span.joined
            if not text or skip(text):
                continue
            value, score = match(text)
            if value and score > best[1]:
                best = (value, score, span)
    return best


def _value_row_above(rows: list[Row], below: Row) -> Span | None:
    """The value of the nearest row above `below` that has one: the status of residence
    is printed right above the work restriction's frame, so its row is known even when its
    label is too garbled to find (specks between the two come as rows of their own)."""
    above = [
        span
        for row in rows
        if row.y1 <= below.y0
        and (span := _after_label_block(row)) is not None
        and fold_for_matching(span.joined)
    ]
    return max(above, key=lambda span: span.row.y0, default=None)


def read_larger(reading: CardReading, span: Span, ocr: OcrEngine) -> Span:
    """The span's chunks read again by the Japanese model, each cut to its ink and scaled
    to the larger line height: a country's name is two or three kanji (韓国), and one of
    them misread at the usual height (韓還) leaves too little to match."""
    height = span.row.y1 - span.row.y0
    boxes = [
        _pad(
            _ink_rows(reading.text_mask, (c.x0, span.row.y0, c.x1 - c.x0, height)),
            reading.clean.shape,
            _ROW_PAD,
        )
        for c in span.chunks
    ]
    readings = read_stacked(reading.clean, boxes, ocr, lang="jpn", line_height=_SECOND_LINE_HEIGHT)
    chunks = [
        Chunk(chunk.x0, chunk.x1, words) for chunk, words in zip(span.chunks, readings, strict=True)
    ]
    return Span(span.row, chunks)


def _match_in_span(
    span: Span | None, match: Callable[[str], tuple[str | None, float]]
) -> tuple[str | None, float, Span | None]:
    """The best match for the whole span or any one of its chunks: marks beside a value
    (a stray dash, a bit of the photo's edge) come as chunks of their own."""
    if span is None:
        return None, 0.0, None
    best: tuple[str | None, float, Span | None] = (None, 0.0, span)
    for part in [span] + [Span(span.row, [c]) for c in span.chunks]:
        value, score = match(part.joined)
        if value and score > best[1]:
            best = (value, score, part)
    return best


def extract_card_front(page: PreparedPage, ocr: OcrEngine) -> dict[str, ExtractedField]:
    """The contract's residence_card_front fields, each with confidence and its box in the
    page as loaded."""
    card = locate_card(page.image, frame=picture_frame(page))
    reading = read_card(card, ocr)
    spans = _front_spans(reading.rows, card.image.shape[0])
    number_span = _card_number_span(reading.rows, card.image.shape[0], spans)
    out = CardFields(page, card)

    english_names = [
        n for n in ("name", "date_of_birth", "period_of_stay", "card_valid_until") if n in spans
    ]
    english_boxes = [spans[n].bbox for n in english_names]
    if number_span is not None:
        english_boxes.append(number_span.bbox)
    english = dict(
        zip(
            [*english_names, "card_number"][: len(english_boxes)],
            read_english(reading, english_boxes, ocr),
            strict=True,
        )
    )

    if number_span is not None:
        (first, first_confidence), japanese = english["card_number"], number_span.joined
        second, second_confidence = "", 0.0
        first_number, first_formed, _ = parse_card_number(first)
        if not (first_formed and first_number == parse_card_number(japanese)[0]):
            second, second_confidence = read_english(
                reading, [number_span.bbox], ocr, line_height=_SECOND_LINE_HEIGHT
            )[0]
        number, well_formed, confidence = reconcile_card_number(
            first,
            japanese,
            number_span.confidence,
            second,
            max(first_confidence, second_confidence),
            count_glyphs(_printed(reading, number_span)),
        )
        out.set(
            "card_number",
            number,
            confidence,
            number_span,
            valid=well_formed if number else None,
        )
    else:
        out.set("card_number", None, 0.0, None)

    if "name" in spans:
        printed = _printed(reading, spans["name"])
        name, confidence = reconcile_name(
            english["name"][0],
            " ".join(c.text for c in spans["name"].chunks),
            spans["name"].confidence,
            count_glyphs(printed),
        )
        if name and " " not in name:
            # Both models run a name together where its words stand close (LIJIANGUO).
            name = with_printed_spaces(printed, name) or name
        out.set("name", name or None, confidence, spans["name"])
    else:
        out.set("name", None, 0.0, None)

    def date_read_alone(part: Span, line_height: int = _LINE_HEIGHT) -> tuple[date | None, float]:
        alone = read_english(reading, [part.bbox], ocr, line_height=line_height)[0][0]
        return reconcile_kanji_date(alone, part.joined)

    for name in ("date_of_birth", "card_valid_until"):
        if name not in spans:
            out.set(name, None, 0.0, None)
            continue
        span = spans[name]
        day, confidence = reconcile_kanji_date(english[name][0], span.joined)
        if name == "date_of_birth" and confidence <= DOUBTFUL_DATE_CONFIDENCE:
            # The sex block read with the date loses its digits: the date alone, again.
            date_part, rest = _split_after_day(span)
            if rest is not None:
                second = date_read_alone(date_part)
                if second[1] > confidence:
                    (day, confidence), span = second, date_part
        if confidence <= DOUBTFUL_DATE_CONFIDENCE:
            # Read stacked with the card's other fields, the English model can lose a digit
            # of the date to the kanji around it (2031年11月17日 as 23111A178, bench seed 33
            # c016): the span alone, taller.
            second = date_read_alone(span, _SECOND_LINE_HEIGHT)
            if second[1] > confidence:
                day, confidence = second
        out.set(name, day.isoformat() if day else None, confidence, span)

    sex_span = spans.get("sex", spans.get("date_of_birth"))
    if sex_span is None:
        out.set("sex", None, 0.0, None)
    else:
        out.set("sex", *read_sex(sex_span))

    nationality_span = spans.get("nationality")
    code, score, nationality_span = _match_in_span(nationality_span, match_country)
    if score < _CLEAR_MATCH and nationality_span is not None:
        again = _match_in_span(read_larger(reading, nationality_span, ocr), match_country)
        if again[1] > score:
            code, score, nationality_span = again
    if code is None:
        code, score, nationality_span = _best_over_rows(
            reading.rows, match_country, lambda text: len(text) > 12
        )
        score *= _BY_LOOK
    out.set("nationality", code, score, nationality_span)

    # The work restriction is printed in a frame with no label of its own.
    restriction, restriction_score, restriction_span = _best_over_rows(
        reading.rows, match_work_restriction, lambda text: False
    )
    status_value_span = spans.get("status_of_residence")
    if status_value_span is None and restriction_span is not None:
        status_value_span = _value_row_above(reading.rows, restriction_span.row)
    status, score, status_span = _match_in_span(
        status_value_span, lambda text: match_status(text, _LABELLED_STATUS)
    )
    if status is None or score < 0.8:
        found = _best_over_rows(
            reading.rows, match_status, lambda text: match_work_restriction(text)[1] >= 0.8
        )
        if found[1] > score:
            status, status_span = found[0], found[2]
            score = found[1] * _BY_LOOK
    out.set("status_of_residence", status, score, status_span)
    out.set("work_restriction", restriction, restriction_score, restriction_span)

    period_span = spans.get("period_of_stay")
    if period_span is None:
        out.set("period_of_stay", None, 0.0, None)
        out.set("date_of_expiry", None, 0.0, None)
    else:
        japanese = period_span.joined.replace("（", "(")
        head, _, tail = japanese.partition("(")
        expiry, confidence = (
            reconcile_kanji_date(english["period_of_stay"][0], tail) if tail else (None, 0.0)
        )
        period, period_confidence = parse_period(head), period_span.confidence
        if period is None:
            period = period_from_dates(head, _permission_date(reading.rows, period_span), expiry)
            period_confidence = min(period_confidence, confidence, _UNIT_FROM_DATES)
        out.set(
            "period_of_stay",
            period_as_printed(period) if period else None,
            period_confidence,
            period_span,
        )
        if expiry is None and is_unlimited(period):
            out.set_blank("date_of_expiry", period_confidence, period_span)
        else:
            expiry_text = expiry.isoformat() if expiry else None
            out.set("date_of_expiry", expiry_text, confidence, period_span)
    validity = spans.get("card_valid_until")
    cross_check_expiries(out.fields, validity.joined if validity else "")
    return out.fields


_LONE_NUMBER = re.compile(r"\D?(\d{1,2})\D{1,2}")  # 3箱: a period whose unit was misread
_UNIT_DAYS = {"years": 365.25, "months": 30.44, "days": 1.0}
_UNIT_TOLERANCE = 1.5
_UNIT_FROM_DATES = 0.75  # a period whose unit was inferred: sure only as far as its dates
_VALIDITY_AS_EXPIRY = 0.75  # a validity date taken from the expiry its Japanese reading fits


def period_from_dates(head: str, permitted: date | None, expiry: date | None) -> Period | None:
    """A period whose number was read but whose unit (年, 月 or 日) was not (3箱 on a
    blurred photo): the one unit that, counted from the date of permission, comes near the
    printed expiry. An extension's period runs from the old expiry, some weeks after the
    permission, so only the order of size is asked; None when no single unit fits."""
    match = _LONE_NUMBER.fullmatch(head.strip())
    if not (match and permitted and expiry and expiry > permitted and int(match[1]) > 0):
        return None
    count = int(match[1])
    elapsed = (expiry - permitted).days + 1
    fits = [
        unit
        for unit, length in _UNIT_DAYS.items()
        if abs(math.log(elapsed / (count * length))) < math.log(_UNIT_TOLERANCE)
    ]
    return Period.of(**{fits[0]: count}) if len(fits) == 1 else None


def _permission_date(rows: list[Row], period_span: Span) -> date | None:
    """The date of permission, printed in the rows below the period of stay beside the
    date of issue (許可年月日 … 交付年月日 …), whatever their labels read as: the earliest
    date found there before the card's validity line."""
    found: list[date] = []
    for row in rows:
        if row.y0 <= period_span.row.y0 or re.search(r"まで|有効", row.joined):
            continue
        for chunk in row.chunks:
            day, _ = reconcile_kanji_date("", chunk.joined)
            if day is not None:
                found.append(day)
    return min(found, default=None)


def cross_check_expiries(fields: dict[str, ExtractedField], validity_japanese: str = "") -> None:
    """The card is valid until the stay expires, but for permanent residents and holders
    under 16, and the two dates are printed apart. Alike, each backs the other: the less
    sure is as sure as the surer (a validity line whose English reading was lost). Unlike,
    each is right only if read alike by both models; one that was not is doubted (a 26
    read as 20 by the English model, the Japanese model's 26 taken for its slip of a 0,
    looked sure). A doubted validity date whose Japanese reading (`validity_japanese`) is
    the sure expiry with the Japanese model's slips, and cannot be the date reported, is
    the expiry (2030年97月39日 for 07月30日, the English model reading 07.20: degraded
    c023)."""
    expiry, valid_until = fields.get("date_of_expiry"), fields.get("card_valid_until")
    if not (expiry and valid_until and expiry.value and valid_until.value):
        return
    if expiry.value == valid_until.value:
        expiry.confidence = valid_until.confidence = max(expiry.confidence, valid_until.confidence)
        return
    written = re.sub(r"\D", "", validity_japanese)
    if (
        expiry.confidence >= AGREED_CONFIDENCE
        and valid_until.confidence < AGREED_CONFIDENCE
        and _japanese_slips(re.sub(r"\D", "", str(expiry.value)), written)
        and not _japanese_slips(re.sub(r"\D", "", str(valid_until.value)), written)
    ):
        valid_until.value = expiry.value
        valid_until.confidence = _VALIDITY_AS_EXPIRY
        return
    for read in (expiry, valid_until):
        if read.confidence < AGREED_CONFIDENCE:
            read.confidence = min(read.confidence, DOUBTFUL_DATE_CONFIDENCE)


# ---------------------------------------------------------------- the back

_PENDING_STAMPS = ("在留期間更新許可申請中", "在留資格変更許可申請中")
_PERMISSION_STAMPS = ("許可:原則週28時間以内・風俗営業等の従事を除く",)
_PERMISSION_HEADER = "資格外活動許可欄"
_PENDING_HEADER = "在留期間更新等許可申請欄"
_STAMP_THRESHOLD = 0.7
_STAMP_INK = 0.008  # share of a box's inside that is lettering when something is stamped
_BY_ORDER = 0.8  # how sure a box's purpose is when known only by its place
_MAX_RULE_SLANT = 0.5  # degrees: above the page's deskew threshold (0.3), with some to spare


def _phrase_score(text: str, phrase: str) -> float:
    return text_similarity(fold_for_matching(text), fold_for_matching(phrase))


def _stamp_boxes(reading: CardReading) -> list[BBox]:
    """The boxes left for stamps, top to bottom: bands between two long ruled lines 5 to
    12 mm apart (the address table's rows are narrower, the headings between boxes too).
    Pale thin rules break up at the text's ink threshold, so they are looked for at a
    lighter one and closed along their length. A card taken whole (no outline found) keeps
    the slight slant left under the page's deskew threshold, which walks a one-pixel rule
    across rows along its length, so rules are thickened by that drift before they are
    required to run straight."""
    ink = (reading.flat < 0.88 * 255).astype(np.uint8) * 255
    width = ink.shape[1]
    length = round(0.6 * width)
    drift = math.ceil(length * math.tan(math.radians(_MAX_RULE_SLANT))) + 1
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, round(1.2 * _PX_PER_MM)), np.uint8))
    closed = cv2.dilate(closed, np.ones((drift, 1), np.uint8))
    rules = cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    spans = []
    for y0, y1 in _runs(rules.sum(axis=1) // 255, min_gap=round(0.5 * _PX_PER_MM)):
        columns = np.flatnonzero(rules[y0:y1].any(axis=0))
        spans.append((y0, y1, int(columns[0]), int(columns[-1])))
    boxes: list[BBox] = []
    for (_, top, left, right), (bottom, _, _, _) in itertools.pairwise(spans):
        if 5 * _PX_PER_MM <= bottom - top <= 12 * _PX_PER_MM:
            boxes.append((left, top, right - left, bottom - top))
    return boxes


def _inside(box: BBox, row: Row) -> bool:
    _, y, _, h = box
    return y <= (row.y0 + row.y1) / 2 <= y + h


def _heading_above(rows: list[Row], box: BBox) -> Row | None:
    above = [r for r in rows if r.y1 <= box[1] + 2 and box[1] - r.y1 < 4 * _PX_PER_MM]
    return above[-1] if above else None


def _box_ink(reading: CardReading, box: BBox) -> float:
    """Share of the box's inside (clear of its edges) that is lettering."""
    x, y, w, h = box
    margin = round(1.0 * _PX_PER_MM)
    inner = reading.text_mask[y + margin : y + h - margin, x + margin : x + w - margin]
    return float(np.count_nonzero(inner)) / max(inner.size, 1)


def _stamp_field(
    reading: CardReading,
    box: BBox | None,
    box_sureness: float,
    stamps: tuple[str, ...],
    headings: tuple[str, ...],
) -> tuple[bool | None, float, Span | None]:
    """Whether a stamp is there: read as one of `stamps` (and more like it than like any
    heading) anywhere, else whether lettering fills the box it belongs in, as sure as that
    box's purpose is. None when neither the stamp nor its box can be found."""
    best: tuple[float, Span | None] = (0.0, None)
    for row in reading.rows:
        text = row.joined
        score = max(_phrase_score(text, stamp) for stamp in stamps)
        if score > best[0] and score > max(_phrase_score(text, h) for h in headings):
            best = (score, Span(row, row.chunks))
    if best[0] >= _STAMP_THRESHOLD:
        return True, best[0], best[1]
    if box is None:
        return None, 0.0, None
    ink = _box_ink(reading, box)
    rows = [r for r in reading.rows if _inside(box, r)]
    span = Span(rows[0], rows[0].chunks) if rows else None
    if ink >= _STAMP_INK:
        return True, 0.7 * box_sureness, span
    return False, (0.9 if ink < _STAMP_INK / 4 else 0.6) * box_sureness, None


def _assign_boxes(reading: CardReading) -> dict[str, tuple[BBox, float]]:
    """Which box is for which stamp, and how sure that is: by the heading printed above it,
    else by order (the permission box comes before the pending-application box), which is
    surer on a well-known layout than on an unknown one."""
    boxes = _stamp_boxes(reading)
    named: dict[str, tuple[BBox, float]] = {}
    for box in boxes:
        heading = _heading_above(reading.rows, box)
        if heading is None:
            continue
        permission = _phrase_score(heading.joined, _PERMISSION_HEADER)
        pending = _phrase_score(heading.joined, _PENDING_HEADER)
        if max(permission, pending) >= 0.6:
            named.setdefault("permission" if permission > pending else "pending", (box, 1.0))
    if len(named) < 2 and len(boxes) >= 2:
        named.setdefault("permission", (boxes[-2], _BY_ORDER))
        named.setdefault("pending", (boxes[-1], _BY_ORDER))
    return named


def _upside_down(reading: CardReading) -> bool:
    """Whether the back is turned half round (orientation detection has little text to go
    on there): headings sit above their box, flush with its left edge; turned, they sit
    below it, flush with its right edge. Read turned, the boxes' order would swap the two
    answers."""
    reach, tolerance = 4 * _PX_PER_MM, 3 * _PX_PER_MM
    upright = turned = 0
    for x, y, w, h in _stamp_boxes(reading):
        for row in reading.rows:
            if 0 <= y - row.y1 < reach and abs(row.chunks[0].x0 - x) < tolerance:
                upright += 1
            if 0 <= row.y0 - (y + h) < reach and abs(row.chunks[-1].x1 - (x + w)) < tolerance:
                turned += 1
    return turned > upright


def _turned_half_round(card: CardImage) -> CardImage:
    height, width = card.image.shape
    turn = np.array([[-1, 0, width - 1], [0, -1, height - 1], [0, 0, 1]], dtype=np.float64)
    image = np.ascontiguousarray(card.image[::-1, ::-1])
    return CardImage(image, card.to_prepared @ turn, card.outline_found)


def extract_card_back(page: PreparedPage, ocr: OcrEngine) -> dict[str, ExtractedField]:
    """application_pending (an extension or change application stamp) and
    permission_outside_status (a permission stamp), each True, False or None (unreadable)."""
    card = locate_card(page.image, frame=picture_frame(page))
    reading = read_card(card, ocr)
    if _upside_down(reading):
        card = _turned_half_round(card)
        reading = read_card(card, ocr)
    boxes = _assign_boxes(reading)
    headings = (_PERMISSION_HEADER, _PENDING_HEADER)
    out = CardFields(page, card)
    for name, box_name, stamps in (
        ("application_pending", "pending", _PENDING_STAMPS),
        ("permission_outside_status", "permission", _PERMISSION_STAMPS),
    ):
        box, sureness = boxes.get(box_name, (None, 0.0))
        out.set(name, *_stamp_field(reading, box, sureness, stamps, headings))
    return out.fields
