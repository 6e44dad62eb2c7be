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

from pipeline.ocr import Line, OcrEngine, OcrResult, Word
from pipeline.page import PreparedPage

CLASSIFY_SIDE = 1800  # whole-page OCR resolution: enough for titles and labels
MIN_WORDS_FOR_TEXT_PAGE = 6

# Phrases that identify each type, in English (eng pass) and Japanese (jpn pass), with weights.
KEYWORDS: dict[str, list[tuple[str, float]]] = {
    "passport": [("PASSPORT", 2.0), ("PASSEPORT", 1.5), ("旅券", 2.0), ("DATE OF EXPIRY", 1.0)],
    "residence_card_front": [
        ("RESIDENCE CARD", 3.0),
        ("在留カード", 3.0),
        ("PERIOD OF STAY", 1.5),
        ("NATIONALITY/REGION", 1.5),
        ("DATE OF EXPIRATION", 1.0),
        ("在留資格", 1.0),
        ("在留期間", 1.0),
        ("住居地", 0.5),
    ],
    "residence_card_back": [
        ("住居地記載欄", 3.0),
        ("資格外活動許可欄", 3.0),
        ("在留期間更新等許可申請欄", 3.0),
        ("記載者印", 2.0),
        ("届出年月日", 1.5),
        ("資格外活動", 1.0),
    ],
    "reentry_ed_card": [
        ("EMBARKATION CARD", 3.0),
        ("RE-ENTRANT", 3.0),
        ("REENTRANT", 2.0),
        ("SPECIAL RE-ENTRY", 2.0),
        ("FLIGHT", 1.0),
        ("再入国出国記録", 3.0),
        ("みなし再入国", 2.0),
    ],
    "application_form": [
        ("APPLICATION FOR", 3.0),
        ("申請書", 2.0),
        ("TO THE MINISTER OF JUSTICE", 1.5),
        ("SIGNATURE OF THE APPLICANT", 1.5),
        ("DATE OF FILLING", 1.0),
    ],
    "letter_of_guarantee": [("LETTER OF GUARANTEE", 4.0), ("身元保証書", 4.0), ("GUARANTOR", 1.5)],
    "written_oath": [
        ("WRITTEN OATH", 4.0),
        ("誓約書", 4.0),
        ("I HEREBY PLEDGE", 1.5),
        ("OATH", 1.5),
    ],
    "reference_materials": [("REFERENCE MATERIALS", 4.0), ("参考資料", 4.0)],
    "reason_document": [
        ("MEDICAL CERTIFICATE", 3.0),
        ("STATEMENT OF REASONS", 3.0),
        ("CERTIFICATE", 1.0),
        ("REASON FOR REQUESTING", 2.0),
        ("診断書", 3.0),
        ("理由書", 3.0),
    ],
}
MRZ_LINE = re.compile(r"[A-Z0-9<]{2}[A-Z<]{3}[A-Z0-9<]{20,}")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@dataclass(frozen=True)
class Classification:
    doc_type: str
    confidence: float
    scores: dict[str, float]


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text.upper()).strip()


def keyword_scores(text: str) -> dict[str, float]:
    """Weighted evidence for each type: exact phrases count fully, OCR-damaged ones partly."""
    haystack = _normalized(text)
    compact = haystack.replace(" ", "")
    scores: dict[str, float] = {}
    for doc_type, phrases in KEYWORDS.items():
        total = 0.0
        for phrase, weight in phrases:
            needle = phrase.replace(" ", "") if JAPANESE.search(phrase) else phrase
            source = compact if JAPANESE.search(phrase) else haystack
            if needle in source:
                total += weight
            elif len(needle) >= 8 and source:
                similarity = fuzz.partial_ratio(needle, source) / 100.0
                if similarity >= 0.85:
                    total += weight * similarity * 0.8
        if total:
            scores[doc_type] = total
    return scores


def read_page(prepared: PreparedPage, ocr: OcrEngine, *, lang: str = "eng") -> OcrResult:
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
    factor = min(1.0, CLASSIFY_SIDE / max(image.shape))
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
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
    faces = _face_detector().detectMultiScale(small, scaleFactor=1.1, minNeighbors=5)
    if len(faces):
        return 0.9
    portrait = 0.6 <= width / height <= 0.9
    tonal_spread = float(np.std(small))
    return 0.6 if portrait and tonal_spread > 25 else 0.0


def classify(prepared: PreparedPage, ocr: OcrEngine) -> Classification:
    """The page's document type and how sure we are; fills `prepared.ocr` for the readers."""
    from pipeline.mrz import detect_mrz  # the MRZ module is the passport reader's own

    prepared.ocr = read_page(prepared, ocr)
    text = prepared.ocr.text
    scores = keyword_scores(text)
    mrz_region = detect_mrz(prepared.image)
    mrz_in_text = any(MRZ_LINE.search(line.replace(" ", "")) for line in text.splitlines())
    if mrz_region is not None or mrz_in_text:
        scores["passport"] = scores.get("passport", 0.0) + (4.0 if mrz_in_text else 2.5)
    if len(prepared.ocr.words) < 40 and max(scores.values(), default=0.0) < 3.0:
        # Little English: Japanese-only sides (the card's back) need a Japanese reading.
        japanese = read_page(prepared, ocr, lang="jpn")
        for doc_type, score in keyword_scores(japanese.text).items():
            scores[doc_type] = scores.get(doc_type, 0.0) + score
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
