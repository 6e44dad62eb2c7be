"""The glyphs of a printed number or name looked at one by one: how many there are, where
the words part, and the glyph twins, the letter I and the digit 1, the letter O and the
digit 0, and in names the letters T and I.

OCR models read a code with no words around it to guess from, and at some sizes read one
glyph twice, as itself and as its look-alike (a 6Z as 62Z), or run a name's words together:
where the glyphs stand clearly apart, their count settles how long the text is and the
paper between them where its spaces are.

Passport numbers mix letters and digits in any order (ICAO 9303 allows any alphanumerics),
so the format cannot tell "I23080252" from "123080252", and Tesseract reads such a twin with
full confidence whichever way it goes. The glyph's shape can: in the fonts forms are filled
in with, a 1 carries a flag to the left of the top of its stem where an I has nothing or
serifs on both sides; a 0 is narrower than an O, or carries a dot or slash inside. Where the
shape clearly says the other twin on a glyph tall enough for its shape to be sure, the shape
is taken without doubt; on a smaller glyph, or where a 1 or I shows neither shape clearly, the
reading is in doubt.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

TWINS = {"1": "I", "I": "1", "0": "O", "O": "0"}
# Share of the glyph's height, from the top, where the flag of a 1 is.
FLAG_ZONE = 0.3
# A flag: ink left of the stem's top of at least this share of the squared glyph height
# (and two pixels), with at most FLAG_ALONE of it on the right. Ink on the left at most
# SYMMETRIC times that on the right (plus a pixel) is serifs on both sides, or nothing: an I.
FLAG_INK = 0.01
FLAG_ALONE = 0.25
SYMMETRIC = 2.0
# Width over height of a ring at which it is an O: a 0 is narrower in every font forms are
# filled in with but the monospaced ones, whose 0 carries a dot or slash instead.
O_ASPECT = 0.8
# Width of a glyph's foot over its head's (the bottom and top sixths of its ink): a T's stem
# ends bare or in a serif at most 0.6 as wide as its bar (0.08-0.6 in the Latin faces of
# Courier, DejaVu, IPA and OCR-B, 17-40 pixels tall), an I's foot is about as wide as its
# head (0.67-1.2, the oblique faces the narrowest).
T_FOOT = 0.65
I_FOOT = 0.8
# An L's foot runs right of its stem: 1.6-12 times as wide as its head in those faces, an
# I's at most 1.5 (oblique faces at 20 pixels), 1.0-1.2 upright. A glyph read as L whose foot
# is at most this many times its head is an I with serifs at both ends (DEWI written in
# block capitals, read DEWL).
L_AS_I = 1.3
# Height of the tallest glyph, in pixels, below which shapes are not judged: a flag is
# then a pixel or two, as likely blur as ink.
MIN_GLYPH_HEIGHT = 12
# Height of the tallest glyph, in pixels, from which a shape that says the other twin is
# taken without doubt. Set from generated forms (clean and degraded, every value font):
# on 150 dpi scans (glyphs 11-14 pixels) a Courier 1 lost its flag to blur and was judged
# an I; no shape judged from glyphs this tall was ever wrong.
DECISIVE_HEIGHT = 18
# A glyph wider than this share of the tallest may be two glyphs run together (blur, a
# dark print): the count is then not to be trusted. W and M, the widest capitals, are
# 0.8-1.0 of their height in the fonts numbers are printed in; two glyphs touching, 1.2 on.
WIDEST_GLYPH = 1.1
# Paper between two glyphs that parts words: this many times the line's usual gap between
# letters, and this share of the tallest glyph's height at least (a space is a quarter to
# a third of an em; letters of a proportional font stand 1-2 pixels to a fifth apart).
WORD_GAP = 2.5
MIN_WORD_GAP = 0.2


@dataclass(frozen=True)
class TwinCheck:
    """What the shapes say about a reading: the text with each twin as its shape shows it,
    and whether it may still hold a wrong twin: a 1 or I whose shape was unclear, or a twin
    overruled on a glyph too small for its shape to be sure."""

    text: str
    doubt: bool


def check_twins(crop: np.ndarray, text: str) -> TwinCheck | None:
    """The reading `text` of the single printed word in `crop` (grey, dark on light), with its
    twins judged by shape; None when the crop's glyphs do not line up one to one with the
    characters, so that nothing can be said."""
    if not any(char in TWINS for char in text):
        return TwinCheck(text, False)
    glyphs = _glyphs(crop)
    if glyphs is None or len(glyphs) != len(text):
        return None
    tallest = max(g.shape[0] for g in glyphs)
    if tallest < MIN_GLYPH_HEIGHT:
        return None
    chars = list(text)
    doubt = False
    for index, (glyph, char) in enumerate(zip(glyphs, text, strict=True)):
        if char in "1I":
            shape = _one_or_i(glyph)
            doubt = doubt or shape is None  # a 1 without a clear flag may be an I
        elif char in "0O":
            # Most rings tell nothing (an undotted 0 of a monospaced font is as wide as an
            # O), so only a shape that says the other twin casts doubt.
            shape = _zero_or_o(glyph)
        else:
            continue
        if shape is not None and shape != char:
            chars[index] = shape
            # A flag or a ring's width a few pixels across may be blur: only a glyph tall
            # enough for its shape to be sure overrules the reading without a doubt.
            doubt = doubt or tallest < DECISIVE_HEIGHT
    return TwinCheck("".join(chars), doubt)


def letters_by_shape(crop: np.ndarray, text: str) -> str:
    """`text`, the reading of the printed or block-lettered name in `crop` (grey, dark on
    light), with each T or I as its glyph's shape clearly shows it, and each L that is an I.
    A slab-serif I has a bar at its head like a T's, and a foot like an L's: Tesseract reads
    it as T with full confidence at some sizes (SOMCHAI as SOMCHAT), or as L (DEWI as DEWL),
    and a name a letter off the passport's then raises a mismatch. The text is kept as read
    where glyphs do not line up one to one with its letters or are too small."""
    letters = [index for index, char in enumerate(text) if not char.isspace()]
    if not any(text[index] in "TIL" for index in letters):
        return text
    glyphs = _glyphs(crop)
    if glyphs is None or len(glyphs) != len(letters):
        return text
    if max(g.shape[0] for g in glyphs) < DECISIVE_HEIGHT:
        return text  # a thin serif blurred away turns an I into a T (Courier, 13 pixels)
    chars = list(text)
    for index, glyph in zip(letters, glyphs, strict=True):
        if chars[index] in "TI":
            chars[index] = _t_or_i(glyph) or chars[index]
        elif chars[index] == "L" and I_FOOT <= _foot_over_head(glyph) <= L_AS_I:
            chars[index] = "I"
    return "".join(chars)


def count_glyphs(crop: np.ndarray) -> int | None:
    """How many glyphs the single printed word in `crop` (grey, dark on light) holds; None
    when some may have run together, so that the count says nothing."""
    apart = _standing_apart(crop)
    return len(apart[0]) if apart is not None else None


def with_printed_spaces(crop: np.ndarray, text: str) -> str | None:
    """`text`, the reading of the single printed line in `crop` with its spaces lost, with a
    space before each glyph set apart from the one before it as words are (LI JIANGUO read
    LIJIANGUO by both models on a 150 dpi scan: 13 pixels of paper there, 3 to 6 between
    letters); None when the glyphs do not line up one to one with the characters."""
    apart = _standing_apart(crop)
    if apart is None or len(apart[0]) != len(text) or len(text) < 2:
        return None
    columns, tallest = apart
    gaps = [start - end for (_, end), (start, _) in itertools.pairwise(columns)]
    word_gap = max(WORD_GAP * float(np.median(gaps)), MIN_WORD_GAP * tallest)
    spaced = text[0]
    for char, gap in zip(text[1:], gaps, strict=True):
        spaced += (" " if gap >= word_gap else "") + char
    return spaced


def _standing_apart(crop: np.ndarray) -> tuple[list[tuple[int, int]], int] | None:
    """The columns of the crop's glyphs and the tallest one's height, when the glyphs stand
    clearly apart: tall enough to judge, and none so wide that it may be two run together."""
    found = _glyph_columns(crop)
    if found is None:
        return None
    glyphs = _cut(*found)
    tallest = max(g.shape[0] for g in glyphs)
    if tallest < MIN_GLYPH_HEIGHT or any(g.shape[1] > WIDEST_GLYPH * tallest for g in glyphs):
        return None
    return found[1], tallest


def _glyphs(crop: np.ndarray) -> list[np.ndarray] | None:
    """The crop's glyphs left to right, each its ink mask cut to its box."""
    found = _glyph_columns(crop)
    return _cut(*found) if found is not None else None


def _glyph_columns(crop: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]] | None:
    """The crop's ink mask, and the columns (start, end) of each glyph left to right:
    columns of ink between columns of paper (a dotted zero's dot lies within its ring's
    columns); None when there is no ink."""
    if crop.size == 0:
        return None
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8))
    height = max((stats[i, cv2.CC_STAT_HEIGHT] for i in range(1, count)), default=0)
    # Specks and bits of a line cut at the crop's edge are no glyphs.
    keep = np.zeros(count, bool)
    for i in range(1, count):
        keep[i] = stats[i, cv2.CC_STAT_AREA] >= max(3, 0.01 * height * height)
    ink = keep[labels].astype(np.uint8)
    inked = ink.sum(axis=0) > 0
    columns = []
    x = 0
    while x < len(inked):
        if not inked[x]:
            x += 1
            continue
        start = x
        while x < len(inked) and inked[x]:
            x += 1
        columns.append((start, x))
    return (ink, columns) if columns else None


def _cut(ink: np.ndarray, columns: list[tuple[int, int]]) -> list[np.ndarray]:
    """Each glyph's ink, cut to its box."""
    glyphs = []
    for start, end in columns:
        part = ink[:, start:end]
        rows = np.flatnonzero(part.sum(axis=1))
        glyphs.append(part[rows[0] : rows[-1] + 1])
    return glyphs


def _one_or_i(glyph: np.ndarray) -> str | None:
    """A 1 when ink reaches out left of the stem's top (the flag), an I when the top is bare
    or even on both sides, None in between."""
    height, _ = glyph.shape
    column_ink = glyph.sum(axis=0)
    stem = np.flatnonzero(column_ink >= 0.6 * column_ink.max())
    left_edge, right_edge = int(stem[0]), int(stem[-1])
    top = glyph[: max(1, round(FLAG_ZONE * height))]
    left = float(top[:, :left_edge].sum())
    right = float(top[:, right_edge + 1 :].sum())
    if left >= max(2.0, FLAG_INK * height * height) and right <= FLAG_ALONE * left:
        return "1"
    if left <= SYMMETRIC * right + 1:
        return "I"
    return None


def _zero_or_o(glyph: np.ndarray) -> str | None:
    """A 0 when a dot or slash lies inside the ring, an O when the ring is round and empty,
    None when neither tells."""
    _, hierarchy = cv2.findContours(glyph.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    holes = 0 if hierarchy is None else int((hierarchy[0][:, 3] >= 0).sum())
    outer = 0 if hierarchy is None else int((hierarchy[0][:, 3] < 0).sum())
    if holes >= 2 or outer >= 2:
        return "0"  # slashed (two holes) or dotted (a second piece inside)
    return "O" if glyph.shape[1] >= O_ASPECT * glyph.shape[0] else None


def _t_or_i(glyph: np.ndarray) -> str | None:
    """A T when the glyph's foot is much narrower than its head, an I when as wide, None in
    between."""
    ratio = _foot_over_head(glyph)
    if ratio <= T_FOOT:
        return "T"
    if ratio >= I_FOOT:
        return "I"
    return None


def _foot_over_head(glyph: np.ndarray) -> float:
    """Width of the glyph's ink in its bottom sixth over that in its top sixth."""
    band = max(1, round(glyph.shape[0] / 6))
    return _ink_width(glyph[-band:]) / max(1, _ink_width(glyph[:band]))


def _ink_width(rows: np.ndarray) -> int:
    columns = np.flatnonzero(rows.sum(axis=0))
    return int(columns[-1] - columns[0] + 1) if columns.size else 0
