"""Rules that the documents of a case describe one person: name, date of birth, nationality,
passport number and card number must agree wherever they are printed.

Each document is compared with the case's authoritative one for the fact (the passport, or
the residence card for its number), so one wrong document gives one finding naming both. A
field is needed only where there is something to compare it with: a lone form's name is not
doubted for lack of a second document.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein

from pipeline.verify import sources
from pipeline.verify.case import Case, Hit
from pipeline.verify.names import (
    PrintedName,
    mrz_name,
    names_match,
    names_one_letter_apart,
    same_words,
)
from pipeline.verify.registry import rule
from schemas.reference import country_code
from schemas.report import PROCEDURE_IDS


@dataclass(frozen=True)
class Reading:
    index: int
    fields: tuple[str, ...]
    value: Any


Reader = Callable[[Case, int], Reading | None]


@dataclass(frozen=True)
class Fact:
    what: str
    readers: Mapping[str, Reader]
    """How each document type states the fact."""
    anchor: str
    """The document type that is authoritative for the fact."""
    anchors_may_differ: bool
    """Whether two authoritative documents may disagree (an old and a renewed passport):
    then the others need only match one of them."""
    same: Callable[[Any, Any], bool]
    misread_apart: Callable[[Any, Any], bool] | None = None
    """Whether two values that differ may differ by one misread glyph only."""
    repeats: Callable[[Any, Any], bool] = operator.eq
    """Whether one value is the other, letter for letter: `same` forgives what a reader or a
    writer may change (glyph twins, a name cut short), which cannot confirm a doubtful read."""
    beyond_misreading: Callable[[Any, Any], bool] | None = None
    """Whether two values differ more than misreading either could make them."""


def _text_field(name: str, normalize: Callable[[str], Any] = str) -> Reader:
    def read(case: Case, index: int) -> Reading | None:
        text = case.text(index, name)
        return Reading(index, (name,), normalize(text)) if text is not None else None

    return read


def _date_field(name: str) -> Reader:
    def read(case: Case, index: int) -> Reading | None:
        day = case.date(index, name)
        return Reading(index, (name,), day) if day is not None else None

    return read


def _passport_name(case: Case, index: int) -> Reading | None:
    surname = case.text(index, "surname")
    given_names = case.text(index, "given_names")
    if surname is None or given_names is None:
        return None
    # mrz_type only tells whether the name may have been cut; nothing is judged on it alone.
    mrz_type = case.documents[index].fields.get("mrz_type")
    kind = mrz_type.value if mrz_type is not None and isinstance(mrz_type.value, str) else None
    return Reading(index, ("surname", "given_names"), mrz_name(surname, given_names, kind))


def _form_name(case: Case, index: int) -> Reading | None:
    """A provisional release form is filed by someone for the detainee: the detainee's name
    is the one the other documents carry."""
    stated = case.documents[index].fields.get("form")
    kind = case.procedure if case.procedure in PROCEDURE_IDS else (stated and stated.value)
    name = "detained_name" if kind == "provisional_release" else "applicant_name"
    return _text_field(name, PrintedName)(case, index)


def _document_number(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


_GLYPH_TWINS = str.maketrans("OQDILSBZG", "000115826")
"""Letters that general-purpose OCR reads for the digit they resemble, and back (I for 1, O
for 0...). Passport and card numbers mix letters and digits, and a form or an ED card gives
no check digit to tell them apart."""


def _same_number(first: str, second: str) -> bool:
    """Numbers that differ only where a letter and its digit twin stand are the same number
    misread, not two numbers: the passport's own is vouched for by its check digits (or
    doubted by LOW_CONFIDENCE), so flagging the copy would only send a person to compare
    I with 1."""
    return first.translate(_GLYPH_TWINS) == second.translate(_GLYPH_TWINS)


def _numbers_far_apart(first: str, second: str) -> bool:
    """Numbers apart in more than half their characters, glyph twins aside: a misread
    changes a glyph or two of a number read with some confidence, not most of them
    (IRO647287 read at 0.55 is no misreading of BH7605624)."""
    first, second = first.translate(_GLYPH_TWINS), second.translate(_GLYPH_TWINS)
    return Levenshtein.distance(first, second) > max(len(first), len(second)) // 2


# Below this confidence a reading may be anything (the label beside the value, a stain),
# however far from the other document's value.
SOME_CONFIDENCE = 0.5


def _nationality(text: str) -> str:
    return country_code(text) or text.upper()


def _equal(first: Any, second: Any) -> bool:
    return bool(first == second)


NAME = Fact(
    "name",
    {
        "passport": _passport_name,
        "residence_card_front": _text_field("name", PrintedName),
        "reentry_ed_card": _text_field("name", PrintedName),
        "application_form": _form_name,
    },
    anchor="passport",
    anchors_may_differ=False,
    same=names_match,
    misread_apart=names_one_letter_apart,
    repeats=same_words,
)
DATE_OF_BIRTH = Fact(
    "date of birth",
    {
        doc_type: _date_field("date_of_birth")
        for doc_type in ("passport", "residence_card_front", "reentry_ed_card", "application_form")
    },
    anchor="passport",
    anchors_may_differ=False,
    same=_equal,
)
NATIONALITY = Fact(
    "nationality",
    {
        doc_type: _text_field("nationality", _nationality)
        for doc_type in ("passport", "residence_card_front", "reentry_ed_card", "application_form")
    },
    anchor="passport",
    anchors_may_differ=False,
    same=_equal,
)
PASSPORT_NUMBER = Fact(
    "passport number",
    {
        "passport": _text_field("document_number", _document_number),
        "reentry_ed_card": _text_field("passport_number", _document_number),
        "application_form": _text_field("passport_number", _document_number),
    },
    anchor="passport",
    anchors_may_differ=True,
    same=_same_number,
    beyond_misreading=_numbers_far_apart,
)
CARD_NUMBER = Fact(
    "residence card number",
    {
        "residence_card_front": _text_field("card_number", _document_number),
        "application_form": _text_field("card_number", _document_number),
    },
    anchor="residence_card_front",
    anchors_may_differ=True,
    same=_same_number,
    beyond_misreading=_numbers_far_apart,
)


def _confirm_repeated(case: Case, fact: Fact, readings: list[Reading]) -> None:
    """Confirm each unsure reading that repeats a sure one of another document: an ED card's
    name read at 0.58 that is the passport's name letter for letter is the passport's name,
    and the case needs no person to compare them."""
    sure = [r for r in readings if all(case.is_sure(r.index, name) for name in r.fields)]
    for reading in readings:
        if reading in sure:
            continue
        if any(o.index != reading.index and fact.repeats(reading.value, o.value) for o in sure):
            for name in reading.fields:
                case.confirm(reading.index, name)


def _readings(case: Case, fact: Fact) -> list[Reading]:
    """The fact as each document of the case that states it reads."""
    return [
        reading
        for index in case.docs(*fact.readers)
        if (reading := fact.readers[case.documents[index].doc_type](case, index)) is not None
    ]


def disagreements(case: Case, fact: Fact) -> Iterator[Hit]:
    if len(case.docs(*fact.readers)) < 2:
        return
    readings = _readings(case, fact)
    _confirm_repeated(case, fact, readings)
    anchors = [r for r in readings if case.documents[r.index].doc_type == fact.anchor]
    anchors = anchors or readings[:1]
    anchor_indices = {a.index for a in anchors}
    for reading in readings:
        if reading.index == anchors[0].index:
            continue
        if reading.index in anchor_indices and fact.anchors_may_differ:
            continue
        pool = anchors if fact.anchors_may_differ else anchors[:1]
        if any(fact.same(reading.value, other.value) for other in pool):
            continue
        compared = " or ".join(f"{case.label(o.index)} ({', '.join(o.fields)})" for o in pool)
        apart = fact.misread_apart
        far = fact.beyond_misreading
        read_somewhat = all(
            case.confidence(r.index, name) >= SOME_CONFIDENCE
            for r in (reading, *pool)
            for name in r.fields
        )
        yield Hit(
            f"The {fact.what} on {case.label(reading.index)} ({', '.join(reading.fields)})"
            f" does not match {compared}: one of them is misread, mistyped or not the"
            " applicant's.",
            (*(o.index for o in pool), reading.index),
            tuple(dict.fromkeys((*(f for o in pool for f in o.fields), *reading.fields))),
            misread_likely=apart is not None and any(apart(reading.value, o.value) for o in pool),
            misread_ruled_out=far is not None
            and read_somewhat
            and all(far(reading.value, o.value) for o in pool),
        )


@rule("FIELD_MISMATCH", "error", sources.CONSISTENCY)
def names_disagree(case: Case) -> Iterator[Hit]:
    yield from disagreements(case, NAME)


@rule("FIELD_MISMATCH", "error", sources.CONSISTENCY)
def dates_of_birth_disagree(case: Case) -> Iterator[Hit]:
    yield from disagreements(case, DATE_OF_BIRTH)


@rule("FIELD_MISMATCH", "error", sources.CONSISTENCY)
def nationalities_disagree(case: Case) -> Iterator[Hit]:
    yield from disagreements(case, NATIONALITY)


@rule("FIELD_MISMATCH", "error", sources.CONSISTENCY)
def passport_numbers_disagree(case: Case) -> Iterator[Hit]:
    yield from disagreements(case, PASSPORT_NUMBER)


@rule("FIELD_MISMATCH", "error", sources.CONSISTENCY)
def card_numbers_disagree(case: Case) -> Iterator[Hit]:
    yield from disagreements(case, CARD_NUMBER)


# What another document states of each field the visual zone is compared on.
_VIZ_FACTS = {
    "surname": NAME,
    "given_names": NAME,
    "document_number": PASSPORT_NUMBER,
    "date_of_birth": DATE_OF_BIRTH,
}


def _repeated_elsewhere(case: Case, passport: int, name: str) -> bool:
    """Whether a document other than the passport surely states the MRZ's value of `name`
    letter for letter: the MRZ and that document are read apart, so the page OCR's reading
    of the data page is the odd one out."""
    fact = _VIZ_FACTS.get(name)
    if fact is None:
        return False
    readings = _readings(case, fact)
    mine = next((r for r in readings if r.index == passport), None)
    return mine is not None and any(
        reading.index != passport
        and all(case.is_sure(reading.index, field) for field in reading.fields)
        and fact.repeats(reading.value, mine.value)
        for reading in readings
    )


@rule("FIELD_MISMATCH", "error", sources.VIZ)
def passport_zones_disagree(case: Case) -> Iterator[Hit]:
    """The data page and the MRZ disagreeing by a glyph or two (viz_mismatch names only such
    near misses) is a misreading of one of them as often as a misprint or an alteration: a
    person compares them, unless another document states the MRZ's value."""
    for passport in case.docs("passport"):
        listed = case.documents[passport].fields.get("viz_mismatch")
        value = listed.value if listed is not None else None
        names = tuple(
            name
            for name in re.split(r"[\s,;]+", str(value or ""))
            if name and not _repeated_elsewhere(case, passport, name)
        )
        if names:
            yield Hit(
                f"On {case.label(passport)} the printed data page and the machine-readable zone"
                f" disagree on {', '.join(names)}.",
                (passport,),
                names,
                misread_likely=True,
            )
