"""Decide what a page is. Words printed on every version of a document (its title, its labels)
carry most of the decision; the MRZ band and a face decide passports and photos. The
whole-page reading made here is kept on the page for the readers' label anchoring."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from rapidfuzz import fuzz

from pipeline.forms import form_procedure
from pipeline.mrz import detect_mrz
from pipeline.ocr import Line, OcrEngine, OcrResult, Word
from pipeline.page import PreparedPage
from pipeline.textparse import parse_card_number
from schemas.report import ExtractedField

CLASSIFY_SIDE = 1800  # whole-page OCR resolution: enough for titles and labels
CLOSER_SIDE = 2700  # a second look at a page whose print read as noise
MAX_UPSCALE = 2.0  # small scans (a card at 150 dpi) are enlarged so their labels can be read
MIN_WORDS_FOR_TEXT_PAGE = 6
CARD_NUMBER_WEIGHT = 2.0  # a residence card number (AB12345678CD) printed as one word

# Phrases that identify each type, in English (eng pass) and Japanese (jpn pass): (phrase,
# weight, is_title). A title counts fully in the top part of the page's text and little
# elsewhere, because forms mention other documents ("Residence card number") in their body.
KEYWORDS: dict[str, list[tuple[str, float, bool]]] = {
    "passport": [
        ("PASSPORT", 2.0, True),
        ("PASSEPORT", 1.5, True),
        ("旅券", 1.0, True),
        ("DATE OF EXPIRY", 0.5, False),
        ("PLACE OF BIRTH", 0.3, False),
    ],
    "residence_card_front": [
        ("RESIDENCE CARD", 3.0, True),
        ("在留カード", 3.0, True),
        ("PERIOD OF STAY", 0.5, False),
        ("NATIONALITY/REGION", 0.5, False),
        ("このカードは", 2.0, False),
        ("まで有効", 1.5, False),
        ("就労制限", 1.0, False),
    ],
    "residence_card_back": [
        ("住居地記載欄", 3.0, False),
        ("資格外活動許可欄", 3.0, False),
        ("在留期間更新等許可申請欄", 3.0, False),
        ("記載者印", 2.0, False),
        ("届出年月日", 1.5, False),
    ],
    "reentry_ed_card": [
        ("EMBARKATION CARD", 3.0, True),
        ("RE-ENTRANT", 3.0, True),
        ("REENTRANT", 2.0, True),
        ("SPECIAL RE-ENTRY", 2.0, False),
        ("FLIGHT", 0.5, False),
        ("再入国出国記録", 3.0, True),
        ("みなし再入国", 2.0, False),
    ],
    "application_form": [
        ("APPLICATION FOR", 4.0, True),
        ("申請書", 3.0, True),
        ("TO THE MINISTER OF JUSTICE", 1.5, False),
        ("SIGNATURE OF", 1.0, False),
        ("DATE OF FILLING", 1.0, False),
    ],
    # Letters also by what their body says: Tesseract's layout analysis drops a large title
    # set close to its Japanese line now and then.
    "letter_of_guarantee": [
        ("LETTER OF GUARANTEE", 4.0, True),
        ("身元保証書", 4.0, True),
        ("GUARANTOR", 1.0, False),
        ("HEREBY GUARANTEE", 2.0, False),
    ],
    "written_oath": [
        ("WRITTEN OATH", 4.0, True),
        ("誓約書", 4.0, True),
        ("PLEDGE", 1.0, False),
        ("OATH", 1.5, True),
        ("HEREBY PLEDGE", 2.0, False),
    ],
    "reference_materials": [
        ("REFERENCE MATERIALS", 4.0, True),
        ("参考資料", 4.0, True),
        ("SUBMITTED FOR REFERENCE", 2.0, False),
        ("ATTACHED MATERIALS", 1.0, False),
    ],
    "reason_document": [
        ("MEDICAL CERTIFICATE", 3.0, True),
        ("STATEMENT OF REASONS", 3.0, True),
        ("CERTIFICATE", 1.0, True),
        ("REASON FOR REQUESTING", 2.0, False),
        ("FOR THE FOLLOWING REASONS", 1.5, False),
        ("DIAGNOSIS:", 2.0, False),
        ("PHYSICIAN", 1.0, False),
        ("診断書", 3.0, True),
        ("理由書", 3.0, True),
    ],
}
TITLE_SHARE = 0.3  # the top share of a page's text where titles are printed
OFF_TITLE_WEIGHT = 0.25
MRZ_LINE = re.compile(r"(?=[A-Z0-9<]*<<)[A-Z0-9<]{28,}")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@dataclass(frozen=True)
class Classification:
    doc_type: str
    confidence: float
    scores: dict[str, float]


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text.upper()).strip()


def _phrase_found(phrase: str, line: str) -> float:
    """1 for an exact match in the line, a partial credit for an OCR-damaged one, else 0."""
    japanese = bool(JAPANESE.search(phrase))
    needle = phrase.replace(" ", "") if japanese else phrase
    haystack = line.replace(" ", "") if japanese else line
    if needle in haystack:
        return 1.0
    # Japanese OCR confuses whole characters (許 -> 主), so fewer of them need to be right.
    if japanese:
        least_length, least_similarity = 6, 0.7
    else:  # long phrases survive a letter or two misread ("RESIPENCE CARO")
        least_length, least_similarity = 8, (0.8 if len(needle) >= 12 else 0.88)
    if len(needle) >= least_length and len(haystack) >= len(needle):
        similarity = fuzz.partial_ratio(needle, haystack) / 100.0
        if similarity >= least_similarity:
            return similarity * 0.8
    return 0.0


def keyword_scores(result: OcrResult) -> dict[str, float]:
    """Weighted evidence for each type from the page's lines, titles weighed by where they
    stand on the page."""
    lines = [line for line in result.lines if line.text.strip()]
    if not lines:
        return {}
    top = min(line.bbox[1] for line in lines)
    bottom = max(line.bbox[1] + line.bbox[3] for line in lines)
    title_limit = top + TITLE_SHARE * max(1, bottom - top)
    scores: dict[str, float] = {}
    for doc_type, phrases in KEYWORDS.items():
        total = 0.0
        for phrase, weight, is_title in phrases:
            best = 0.0
            for line in lines:
                found = _phrase_found(phrase, _normalized(line.text))
                if found and is_title and line.bbox[1] > title_limit:
                    found *= OFF_TITLE_WEIGHT
                best = max(best, found)
            total += weight * best
        if total:
            scores[doc_type] = total
    return scores


def read_page(
    prepared: PreparedPage, ocr: OcrEngine, *, lang: str = "eng", side: int = CLASSIFY_SIDE
) -> OcrResult:
    """Whole-page OCR at classification resolution, boxes in prepared-image pixels. Pages with
    a text layer are read from it instead (born-digital PDFs need no OCR)."""
    source = prepared.source
    if source.text_layer_words:
        inverse = np.linalg.inv(prepared.to_original)
        words = []
        for text, (x, y, w, h) in source.text_layer_words:
            px, py, scale = inverse @ np.array([x, y, 1.0])
            factor = inverse[0, 0]
            words.append(
                Word(
                    text, 1.0, (int(px / scale), int(py / scale), int(w * factor), int(h * factor))
                )
            )
        return _lines_from_words(words)
    image = prepared.image
    factor = min(MAX_UPSCALE, side / max(image.shape))
    interpolation = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=interpolation)
    result = ocr.read(small, lang=lang, psm=3)
    if factor == 1.0:
        return result
    return OcrResult(
        [
            Line(
                [
                    Word(w.text, w.confidence, tuple(int(v / factor) for v in w.bbox))
                    for w in line.words
                ]
            )  # type: ignore[misc]
            for line in result.lines
        ]
    )


def _lines_from_words(words: list[Word]) -> OcrResult:
    """Group text-layer words into lines by their vertical position."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.bbox[1], w.bbox[0])):
        centre = word.bbox[1] + word.bbox[3] / 2
        for line in lines:
            top, height = line[0].bbox[1], line[0].bbox[3]
            if top <= centre <= top + height:
                line.append(word)
                break
        else:
            lines.append([word])
    return OcrResult([Line(sorted(line, key=lambda w: w.bbox[0])) for line in lines])


@cache
def _face_detector() -> cv2.CascadeClassifier:
    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def _looks_like_photo(gray: np.ndarray, word_count: int) -> float:
    """How much a text-free page looks like an ID photo: a face, or a portrait-shaped
    picture with smooth tones rather than a blank or a document."""
    if word_count > MIN_WORDS_FOR_TEXT_PAGE:
        return 0.0
    height, width = gray.shape
    factor = min(1.0, 600 / max(height, width))
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    for turns in range(4):  # OSD cannot turn a photo upright; the face detector needs it so
        turned = np.rot90(small, k=turns)
        if len(_face_detector().detectMultiScale(turned, scaleFactor=1.1, minNeighbors=5)):
            return 0.9
    aspect = min(width, height) / max(width, height)
    portrait = 0.6 <= aspect <= 0.9
    tonal_spread = float(np.std(small))
    return 0.6 if portrait and tonal_spread > 25 else 0.0


def _english_scores(reading: OcrResult, mrz_band: bool) -> dict[str, float]:
    """Evidence for each type in an English reading: keywords, a procedure's form title, an
    MRZ (its lines read, or only its band seen) and a residence card number."""
    text = reading.text
    scores = keyword_scores(reading)
    procedure, title_score = form_procedure(text)
    if procedure is not None and "application_form" in scores:
        # A procedure's name alone is no form: letters for that procedure cite it too.
        scores["application_form"] += 3.0 * title_score
    mrz_in_text = any(MRZ_LINE.search(line.replace(" ", "")) for line in text.splitlines())
    if mrz_band or mrz_in_text:
        scores["passport"] = scores.get("passport", 0.0) + (4.0 if mrz_in_text else 2.5)
    if any(
        10 <= len(word.text) <= 14 and parse_card_number(word.text)[1] for word in reading.words
    ):
        scores["residence_card_front"] = (
            scores.get("residence_card_front", 0.0) + CARD_NUMBER_WEIGHT
        )
    return scores


def classify(prepared: PreparedPage, ocr: OcrEngine) -> Classification:
    """The page's document type and how sure we are; fills `prepared.ocr` for the readers."""

    if prepared.ocr is None:
        prepared.ocr = read_page(prepared, ocr)
    mrz_band = detect_mrz(prepared.image) is not None
    scores = _english_scores(prepared.ocr, mrz_band)
    enough_text = len(prepared.ocr.words) >= MIN_WORDS_FOR_TEXT_PAGE
    if enough_text and max(scores.values(), default=0.0) < 3.0:
        # Little English evidence: Japanese-only sides (the card's back) need a Japanese pass.
        japanese = read_page(prepared, ocr, lang="jpn")
        for doc_type, score in keyword_scores(japanese).items():
            scores[doc_type] = scores.get(doc_type, 0.0) + score
    if enough_text and not scores and not prepared.source.text_layer_words:
        # Words, none of them a document's: a whole sheet photographed from afar, its print
        # too small and blurred to read at the usual size. Its title reads enlarged, and the
        # readers anchor on the sharper reading.
        closer = read_page(prepared, ocr, side=CLOSER_SIDE)
        scores = _english_scores(closer, mrz_band)
        if scores:
            prepared.ocr = closer
    if not scores:
        photo = _looks_like_photo(prepared.image, len(prepared.ocr.words))
        if photo:
            return Classification("photo", photo, {"photo": photo})
        return Classification("unknown", 0.0, {})
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (best_score - runner_up) / best_score
    confidence = min(1.0, best_score / 4.0) * (0.5 + 0.5 * margin)
    return Classification(best, round(confidence, 3), scores)


# The field each reader finds only on its own kind of document: read well-formed and with
# confidence, it settles what the page is.
DEFINING_FIELDS = {
    "passport": "mrz_valid",
    "residence_card_front": "card_number",
    "reentry_ed_card": "reentry_intent",
    "application_form": "form",
}
CONFIRMING_CONFIDENCE = 0.6


def confirmed_by_reading(kind: Classification, fields: dict[str, ExtractedField]) -> Classification:
    """The classification, sure of itself once the page's reader has found the document's
    defining field: titles can be blurred or cropped away, but a card number in its format
    or an MRZ whose check digits hold is not found on anything else. Without that evidence
    the classifier's own doubt stands, and the verifier asks for a look."""
    defining = fields.get(DEFINING_FIELDS.get(kind.doc_type, ""))
    if defining is None or defining.value is None or defining.valid is False:
        return kind
    if kind.doc_type == "passport" and defining.value is not True:
        return kind  # an MRZ whose check digits fail proves nothing
    if defining.confidence < CONFIRMING_CONFIDENCE:
        return kind
    confidence = round(max(kind.confidence, defining.confidence), 3)
    return Classification(kind.doc_type, confidence, kind.scores)
