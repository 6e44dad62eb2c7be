"""Supporting letters: letter of guarantee, written oath, reference materials and the
document certifying the reason. Who the letter is about, who stands behind it, what it
certifies, and whether it is signed.

Letters are prose, not forms: every writer lays them out differently. What they share is how
English letters to the immigration services name people: the person concerned in capitals
with their particulars ("KUSUMA RINA (nationality: ..., date of birth: ...)") or after a label
("Name:", "Patient:"), and a signature block at the foot (a role such as "Guarantor:", the
pen's ink, the printed name). The reader finds them in the page's whole reading, which
classification has already made, and reads again only the lines that hold a name.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.classify import read_page
from pipeline.ocr import BBox, Line, OcrEngine, Word, union_bbox
from pipeline.page import PreparedPage
from pipeline.textparse import normalize_name
from schemas.report import ExtractedField, FieldValue

# A name as such letters print it: two to six words in capitals.
_NAME = r"[A-Z][A-Z'\-]+(?: [A-Z][A-Z'\-]+){1,5}"
# How letters introduce the person concerned, strongest first: (pattern, how sure it makes
# the reading). The name is the group `name`.
_PERSON_PATTERNS: tuple[tuple[re.Pattern[str], float], ...] = (
    # The name followed by the person's particulars.
    (
        re.compile(rf"(?P<name>{_NAME}) ?[(,] ?(?i:nationality|date of birth|born|d\.o\.b|dob)\b"),
        1.0,
    ),
    (
        re.compile(
            r"(?i:name of the (?:person concerned|applicant|detainee|patient)|person concerned"
            r"|patient'?s? name|full name|patient|detainee|name|concerning|re)"
            rf" ?[:：] ?(?:(?i:mr|ms|mrs|miss)\.? )?(?P<name>{_NAME})"
        ),
        0.9,
    ),
    (
        re.compile(
            r"(?i:concerning|release of|on behalf of|regarding)"
            rf" (?:(?i:mr|ms|mrs|miss)\.? )?(?P<name>{_NAME})"
        ),
        0.7,
    ),
)
# Where the text itself names the guarantor or the submitter; "I, SATO HIROSHI, hereby
# guarantee": OCR often reads the I as L or | and the comma as a dot.
_GUARANTOR_IN_TEXT = (
    (
        re.compile(
            r"(?i:name of (?:the )?guarantor|guarantor'?s? name|guarantor) ?[:：] ?"
            rf"(?P<name>{_NAME})"
        ),
        0.9,
    ),
    (re.compile(rf"(?P<name>{_NAME})[,.]? (?i:(?:do )?hereby)"), 0.9),
)
_SUBMITTER_IN_TEXT = (
    (
        re.compile(
            r"(?i:submitted by|name of (?:the )?submitter|submitter) ?[:：] ?"
            rf"(?P<name>{_NAME})"
        ),
        0.9,
    ),
)
# The name printed under a signature.
_PRINTED_NAME = ((re.compile(rf"^(?:(?i:dr|mr|ms|mrs|prof)\.? )?(?P<name>{_NAME})$"), 1.0),)
_DIAGNOSIS = re.compile(
    r"(?i:diagnosis|diagnosed with|name of (?:the )?(?:disease|illness))"
    r" ?[:：]? ?(?P<value>[A-Za-z][^.:;]*?)(?:\.(?: |$)|;|$| (?i:remarks|opinion|treatment) ?:)"
)
_MEDICAL = re.compile(r"(?i:medical certificate|certificate of diagnosis|diagnosis ?:)|診断書")
_STATEMENT = re.compile(
    r"(?i:statement of reasons?|reasons? for requesting|for the following reasons)|理由書"
)
# The role written before a signature, and the role's people for the fields that need them.
_SIGNATURE_ROLE = re.compile(
    r"(?i:signature|signed|guarantor|submitted by|physician|doctor|applicant|declarant)"
    r"|署名|保証人|提出者|医師"
)
_GUARANTOR_ROLE = re.compile(r"(?i:guarantor)|保証人")
_SUBMITTER_ROLE = re.compile(r"(?i:submitted by|submitter)|提出者")

# The signature block: the printed name is at most this many text heights below the role,
# and the pen's ink lies between them.
NAME_BELOW_ROLE = 9.0
SIGNATURE_WIDTH = 22.0
MAX_ROLE_WORDS = 6
# A printed line is at most this many text heights tall; a pen's strokes are taller.
PRINTED_HEIGHT = 2.5
# Words read this surely are print, not a pen's strokes.
PRINTED_WORD = 0.7
# Pen ink in squared text heights: a signature leaves several, an empty line none.
SIGNED_INK = 1.0
UNSIGNED_INK = 0.25
# Writing is at least this much darker than the paper (grey levels); less is scanner noise.
MIN_CONTRAST = 60.0
# How sure a kind is when only the body (not the title) says it.
BODY_ONLY = 0.7
# Lines are read again at this text height in pixels.
READ_HEIGHT = 36.0
# A name whose two readings differ is at most this sure, whichever reading wins.
DISAGREEING = 0.5


# Digits OCR reads for the capitals they resemble, put back in words that are otherwise
# capitals ("1T0 NAOKO" is ITO NAOKO): names hold no digits.
_LETTER_LOOKALIKES = str.maketrans("015862", "OISBGZ")
_CAPITALS_WITH_DIGITS = re.compile(r"^(?=.*[A-Z])(?=.*[0-9])[A-Z0-9'\-]{2,}$")


def _name_glyphs(word: str) -> str:
    return word.translate(_LETTER_LOOKALIKES) if _CAPITALS_WITH_DIGITS.match(word) else word


@dataclass(frozen=True)
class _Text:
    """The page's words as one string, so that sentences broken over lines still match, and
    the words behind any stretch of it."""

    text: str
    spans: list[tuple[int, int, Word]]

    @classmethod
    def of(cls, lines: list[Line]) -> _Text:
        parts: list[str] = []
        spans: list[tuple[int, int, Word]] = []
        position = 0
        for word in (w for line in lines for w in line.words):
            text = _name_glyphs(word.text.strip())
            if not text:
                continue
            if parts:
                parts.append(" ")
                position += 1
            parts.append(text)
            spans.append((position, position + len(text), word))
            position += len(text)
        return cls("".join(parts), spans)

    def words(self, start: int, end: int) -> list[Word]:
        return [word for first, last, word in self.spans if first < end and last > start]


def _sureness(words: list[Word], pattern_sureness: float) -> float:
    """As sure as the least certain word, and as the pattern that found it."""
    return min((w.confidence for w in words), default=0.0) * pattern_sureness


def _box(words: list[Word]) -> BBox | None:
    return union_bbox([w.bbox for w in words]) if words else None


@dataclass(frozen=True)
class _NameReading:
    name: str
    confidence: float
    words: list[Word]  # in the page's reading: where the name stands


def _find_name(
    text: _Text, patterns: tuple[tuple[re.Pattern[str], float], ...], exclude: str | None
) -> tuple[_NameReading, re.Match[str]] | None:
    """The first name the patterns find, strongest pattern first, that is not `exclude`."""
    for pattern, pattern_sureness in patterns:
        for match in pattern.finditer(text.text):
            name = normalize_name(match.group("name"))
            if name == exclude:
                continue
            words = text.words(match.start("name"), match.end("name"))
            return _NameReading(name, _sureness(words, pattern_sureness), words), match
    return None


class _Reader:
    """One letter page: its reading as printed lines and as one text, and the OCR engine to
    read again the lines that hold a name."""

    def __init__(self, page: PreparedPage, ocr: OcrEngine) -> None:
        if page.ocr is None:
            page.ocr = read_page(page, ocr)
        self.page = page
        self.ocr = ocr
        self.lines = _visual_lines([line for line in page.ocr.lines if line.text.strip()])
        self.text = _Text.of(self.lines)
        self.height = _text_height(self.lines)

    def field(self, value: FieldValue, confidence: float, bbox: BBox | None) -> ExtractedField:
        return ExtractedField(
            value=value,
            confidence=round(max(0.0, min(1.0, confidence)), 3),
            bbox=self.page.bbox_to_original(bbox) if bbox else None,
        )

    def reread(self, words: list[Word]) -> _Text:
        """The printed lines that hold these words, read again on their own at a size
        Tesseract reads best: a whole-page pass cuts or misreads what a line pass gets."""
        rows = [line for line in self.lines if any(w in line.words for w in words)]
        if not rows:
            return _Text("", [])
        x, y, w, h = union_bbox([line.bbox for line in rows])
        pad = int(0.6 * self.height)
        crop = self.page.image[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad]
        factor = min(3.0, READ_HEIGHT / self.height)
        crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
        return _Text.of(_visual_lines(self.ocr.read(crop, lang="eng", psm=6).lines))

    def name(
        self,
        patterns: tuple[tuple[re.Pattern[str], float], ...],
        exclude: str | None = None,
        within: _Text | None = None,
    ) -> ExtractedField:
        """The name the patterns find (in `within`, else anywhere on the page), confirmed by
        reading its lines again: two readings that agree are surer than either; two that
        differ are doubtful, whichever wins."""
        found = _find_name(within or self.text, patterns, exclude)
        if found is None:
            return self.field(None, 0.0, None)
        first, match = found
        bbox = _box(first.words)
        spanned = (within or self.text).words(match.start(), match.end())
        again = _find_name(self.reread(spanned), patterns, exclude)
        if again is None:
            return self.field(first.name, first.confidence, bbox)
        second = again[0]
        if second.name == first.name:
            # Tesseract doubts names it has no dictionary for; two readings at different
            # scales that agree letter for letter are evidence of their own.
            doubt = (1 - first.confidence) * (1 - second.confidence)
            return self.field(first.name, 1 - doubt, bbox)
        better = max(first, second, key=lambda reading: reading.confidence)
        return self.field(better.name, min(DISAGREEING, better.confidence), bbox)

    def signer(
        self, role: re.Pattern[str], in_text: tuple[tuple[re.Pattern[str], float], ...]
    ) -> ExtractedField:
        """Who signs in a role: the name printed under the signature, else the name the text
        gives for the role ("I, SATO HIROSHI, hereby guarantee", "Submitted by: ...")."""
        block = _signature_block(self.lines, self.height, role)
        if block is not None and block.printed_name is not None:
            return self.name(_PRINTED_NAME, within=_Text.of([block.printed_name]))
        if block is not None:
            found = self.name(in_text, within=_Text.of([block.role]))
            if found.value is not None:
                return found
        return self.name(in_text)

    def signed(self) -> ExtractedField:
        """Whether the pen has written in the last signature block, under its role or on the
        line after it."""
        block = _signature_block(self.lines, self.height, _SIGNATURE_ROLE, any_role=True)
        if block is None:
            return self.field(None, 0.0, None)
        regions = (block.ink_region, block.beside_role)
        inks = [
            pen_ink(self.page.image, region, self.height, self._printed_words(region))
            for region in regions
        ]
        ink, region = max(zip(inks, regions, strict=True))
        if ink >= SIGNED_INK:
            return self.field(True, 0.8 + 0.2 * min(1.0, ink - SIGNED_INK), region)
        if ink <= UNSIGNED_INK:
            return self.field(False, 0.8 + 0.2 * (1 - ink / UNSIGNED_INK), block.ink_region)
        return self.field(None, 0.3, region)

    def _printed_words(self, region: BBox) -> list[BBox]:
        """Boxes of the printed words that reach into the region."""
        x, y, w, h = region
        return [
            word.bbox
            for line in self.lines
            for word in line.words
            if word.confidence >= PRINTED_WORD
            and word.bbox[3] <= PRINTED_HEIGHT * self.height
            and word.bbox[0] < x + w
            and word.bbox[0] + word.bbox[2] > x
            and word.bbox[1] < y + h
            and word.bbox[1] + word.bbox[3] > y
        ]

    def reason_kind(self) -> ExtractedField:
        """A medical certificate or a statement of reasons: the title says it, else the body."""
        title = " ".join(line.text for line in self.lines[:4])
        for source, confidence in ((title, 0.95), (self.text.text, BODY_ONLY)):
            for kind, pattern in (("medical_certificate", _MEDICAL), ("statement", _STATEMENT)):
                if pattern.search(source):
                    return self.field(kind, confidence, None)
        return self.field(None, 0.0, None)

    def diagnosis(self) -> ExtractedField:
        match = _DIAGNOSIS.search(self.text.text)
        if match is None:
            return self.field(None, 0.0, None)
        words = self.text.words(match.start("value"), match.end("value"))
        value = " ".join(match.group("value").split())
        return self.field(value, _sureness(words, 0.9), _box(words))


@dataclass(frozen=True)
class _SignatureBlock:
    role: Line
    printed_name: Line | None
    ink_region: BBox  # between the role and the printed name
    beside_role: BBox  # the rest of the role's line, where some sign instead


def _visual_lines(lines: list[Line]) -> list[Line]:
    """The words regrouped into the page's printed lines, top to bottom: Tesseract sometimes
    reads a paragraph as two columns, which would cut a name in half (a letter is one
    column of prose)."""
    words = sorted(
        (w for line in lines for w in line.words), key=lambda w: w.bbox[1] + w.bbox[3] / 2
    )
    rows: list[list[Word]] = []
    for word in words:
        centre = word.bbox[1] + word.bbox[3] / 2
        if rows:
            last = rows[-1]
            last_centre = statistics.mean(w.bbox[1] + w.bbox[3] / 2 for w in last)
            if abs(centre - last_centre) <= 0.5 * statistics.median(w.bbox[3] for w in last):
                last.append(word)
                continue
        rows.append([word])
    return [Line(sorted(row, key=lambda w: w.bbox[0])) for row in rows]


def _text_height(lines: list[Line]) -> float:
    heights = [w.bbox[3] for line in lines for w in line.words if w.confidence >= 0.6]
    return float(statistics.median(heights)) if heights else 20.0


def _is_printed_name(line: Line) -> bool:
    text = _Text.of([line]).text
    return any(pattern.search(text) for pattern, _ in _PRINTED_NAME)


def _role_label(line: Line) -> list[Word] | None:
    """The words of the line that name a signer's role: up to its first colon (what follows
    may be the signature itself, or the signer's name), or a short line without one."""
    for index, word in enumerate(line.words[:MAX_ROLE_WORDS]):
        if word.text.rstrip().endswith((":", "：")):
            return line.words[: index + 1]
    return line.words if len(line.words) <= 3 else None


def _signature_block(
    lines: list[Line], height: float, role: re.Pattern[str], *, any_role: bool = False
) -> _SignatureBlock | None:
    """The last signature block whose role matches: a short line naming the role, usually
    ending in a colon, the name printed a few lines below it and the ink between. With
    `any_role`, a short line ending in a colon above a printed name will do, for roles that
    OCR has misspelt ("Stonature:")."""
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        label = _role_label(line)
        if label is None:
            continue
        label_text = " ".join(word.text for word in label)
        labelled = label_text.rstrip().endswith((":", "："))
        if not role.search(label_text) and not (any_role and labelled):
            continue
        x, y, w, h = union_bbox([word.bbox for word in label])
        printed = None
        for below in lines[index + 1 :]:
            bx, by, bw, _ = below.bbox
            if by > y + h + NAME_BELOW_ROLE * height:
                break
            if bx + bw < x - 2 * height or not _is_printed_name(below):
                continue
            if below.bbox[3] > PRINTED_HEIGHT * height:
                continue  # a scribble OCR took for capitals
            printed = below
            break
        top = y + h + int(0.3 * height)
        bottom = printed.bbox[1] - int(0.3 * height) if printed else y + h + int(5 * height)
        left = x - int(height)
        right = max(x + w, x + int(SIGNATURE_WIDTH * height))
        if printed is not None:
            right = max(right, printed.bbox[0] + printed.bbox[2])
        elif not role.search(label_text):
            continue  # a colon alone makes a signature's role only above a printed name
        beside = (x + w, y - h, int(SIGNATURE_WIDTH * height), 3 * h)
        return _SignatureBlock(
            line, printed, (left, top, right - left, max(1, bottom - top)), beside
        )
    return None


def pen_ink(gray: np.ndarray, region: BBox, height: float, printed: list[BBox]) -> float:
    """Pixels of pen strokes in the region, in squared text heights: dark marks at least half a
    text height across that are neither printed words nor a long straight rule (the line
    one signs on)."""
    x, y, w, h = region
    x, y = max(0, x), max(0, y)
    crop = gray[y : y + h, x : x + w]
    if crop.size == 0:
        return 0.0
    paper = float(np.percentile(crop, 90))
    binary = np.where(crop < paper - MIN_CONTRAST, 255, 0).astype(np.uint8)
    for px, py, pw, ph in printed:
        binary[max(0, py - y) : max(0, py - y + ph), max(0, px - x) : max(0, px - x + pw)] = 0
    rule_length = max(3, int(3 * height))
    rules = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, rule_length), np.uint8))
    binary &= ~cv2.dilate(rules, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(binary)
    stroke = 0.5 * height
    ink = sum(
        int(stats[i, cv2.CC_STAT_AREA])
        for i in range(1, count)
        if max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) >= stroke
    )
    return ink / height**2


def extract_letter(doc_type: str, page: PreparedPage, ocr: OcrEngine) -> dict[str, ExtractedField]:
    """The fields of a supporting letter of `doc_type`: `name` (the person concerned) and
    `signed` on every kind; `guarantor_name`, `submitted_by`, or `reason_kind` and
    `diagnosis`, by kind."""
    reader = _Reader(page, ocr)
    fields: dict[str, ExtractedField] = {}
    if doc_type == "letter_of_guarantee":
        fields["guarantor_name"] = reader.signer(_GUARANTOR_ROLE, _GUARANTOR_IN_TEXT)
    elif doc_type == "reference_materials":
        fields["submitted_by"] = reader.signer(_SUBMITTER_ROLE, _SUBMITTER_IN_TEXT)
    elif doc_type == "reason_document":
        fields["reason_kind"] = reader.reason_kind()
        if fields["reason_kind"].value == "medical_certificate":
            fields["diagnosis"] = reader.diagnosis()
    writer = fields.get("guarantor_name") or fields.get("submitted_by")
    exclude = str(writer.value) if writer and writer.value else None
    fields["name"] = reader.name(_PERSON_PATTERNS, exclude)
    fields["signed"] = reader.signed()
    return fields
