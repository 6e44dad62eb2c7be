"""One reader per document type. Each takes a PreparedPage and an OcrEngine and returns the
contract's fields for its type as ExtractedField values (value, confidence, valid, bbox in
loaded-page pixels). `extract` picks the reader for a classified page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pipeline.ocr import OcrEngine
from pipeline.page import PreparedPage
from schemas.report import ExtractedField

Reader = Callable[[PreparedPage, OcrEngine, date], dict[str, ExtractedField]]


def _passport(page: PreparedPage, ocr: OcrEngine, as_of: date) -> dict[str, ExtractedField]:
    from pipeline.extract.passport import extract_passport

    return extract_passport(page, ocr, as_of=as_of)


def _card_front(page: PreparedPage, ocr: OcrEngine, as_of: date) -> dict[str, ExtractedField]:
    from pipeline.extract.residence_card import extract_card_front

    return extract_card_front(page, ocr)


def _card_back(page: PreparedPage, ocr: OcrEngine, as_of: date) -> dict[str, ExtractedField]:
    from pipeline.extract.residence_card import extract_card_back

    return extract_card_back(page, ocr)


def _ed_card(page: PreparedPage, ocr: OcrEngine, as_of: date) -> dict[str, ExtractedField]:
    from pipeline.extract.ed_card import extract_ed_card

    return extract_ed_card(page, ocr)


def _application_form(page: PreparedPage, ocr: OcrEngine, as_of: date) -> dict[str, ExtractedField]:
    from pipeline.extract.application_form import extract_application_form

    return extract_application_form(page, ocr)


def _letter(doc_type: str) -> Reader:
    def read(page: PreparedPage, ocr: OcrEngine, as_of: date) -> dict[str, ExtractedField]:
        from pipeline.extract.letter import extract_letter

        return extract_letter(doc_type, page, ocr)

    return read


READERS: dict[str, Reader] = {
    "passport": _passport,
    "residence_card_front": _card_front,
    "residence_card_back": _card_back,
    "reentry_ed_card": _ed_card,
    "application_form": _application_form,
    **{
        kind: _letter(kind)
        for kind in (
            "letter_of_guarantee",
            "written_oath",
            "reference_materials",
            "reason_document",
        )
    },
}


def extract(
    doc_type: str, page: PreparedPage, ocr: OcrEngine, as_of: date
) -> dict[str, ExtractedField]:
    """The fields of a page of `doc_type`; types without a reader carry no fields."""
    reader = READERS.get(doc_type)
    return reader(page, ocr, as_of) if reader else {}
