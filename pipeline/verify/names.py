"""Whether two printed names are the same person's name.

Documents print one name differently: family name first or last, any case, spaces kept or
dropped ("DELA CRUZ" / "DELACRUZ"), diacritics kept, stripped or transliterated as ICAO 9303
does (Ü -> UE), and the MRZ cuts a long name at the end of its name field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

# ICAO 9303 part 3 transliterations that differ from simply dropping the diacritic.
_ICAO_TRANSLITERATION = str.maketrans(
    {"Ä": "AE", "Ö": "OE", "Ü": "UE", "Å": "AA", "Æ": "AE", "Ø": "OE", "ß": "SS", "Þ": "TH"}
)
_NOT_LETTER = re.compile(r"[^A-Z\u3040-\u30ff\u3400-\u9fff]+")
_APOSTROPHES = re.compile(r"['’`]")

MRZ_NAME_FIELD_LENGTH = {"TD1": 30, "TD2": 31, "MRVB": 31, "TD3": 39, "MRVA": 39}
"""Characters of the MRZ name field per format. A name that fills it, or all but the one
filler a reader trims after a cut between words, may have been cut."""


@dataclass(frozen=True)
class PrintedName:
    text: str
    may_be_cut: bool = False
    """True when the name comes from an MRZ whose name field it fills: the full name may go on."""


def _spellings(text: str) -> set[tuple[str, ...]]:
    """The name's words, with diacritics dropped and, alternatively, transliterated."""
    upper = unicodedata.normalize("NFC", text).upper()
    spellings = set()
    for variant in (upper, upper.translate(_ICAO_TRANSLITERATION)):
        decomposed = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", variant))
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        words = tuple(w for w in _NOT_LETTER.split(plain) if w)
        if words:
            spellings.add(words)
    return spellings


def _orders(words: tuple[str, ...]) -> set[str]:
    """The words run together in every rotation: family name first or last, however many
    words each part has."""
    return {"".join(words[i:] + words[:i]) for i in range(len(words))}


def same_words(first: PrintedName, second: PrintedName) -> bool:
    """The same words, in any order: no word cut short, none misspelt."""
    return any(
        sorted(words_a) == sorted(words_b)
        for words_a in _spellings(first.text)
        for words_b in _spellings(second.text)
    )


def names_match(first: PrintedName, second: PrintedName) -> bool:
    for words_a in _spellings(first.text):
        for words_b in _spellings(second.text):
            if sorted(words_a) == sorted(words_b):
                return True
            orders_a, orders_b = _orders(words_a), _orders(words_b)
            if orders_a & orders_b:
                return True
            if first.may_be_cut and any(b.startswith("".join(words_a)) for b in orders_b):
                return True
            if second.may_be_cut and any(a.startswith("".join(words_b)) for a in orders_a):
                return True
    return False


def mrz_name(surname: str, given_names: str, mrz_type: str | None) -> PrintedName:
    """A passport's name as read from its MRZ, marked as possibly cut when it fills the field."""
    field_length = MRZ_NAME_FIELD_LENGTH.get(mrz_type or "TD3", MRZ_NAME_FIELD_LENGTH["TD3"])
    surname_part = "<".join(surname.split())
    given_part = "<".join(given_names.split())
    in_mrz = f"{surname_part}<<{given_part}" if given_part else surname_part
    return PrintedName(f"{surname} {given_names}".strip(), len(in_mrz) >= field_length - 1)


def names_one_letter_apart(first: PrintedName, second: PrintedName) -> bool:
    """Whether two names differ in one letter only, in some word order (CHATYAPORN for
    CHAIYAPORN): what one glyph misread by OCR makes of a name, so no proof of two people."""
    for words_a in _spellings(first.text):
        for words_b in _spellings(second.text):
            for a in _orders(words_a):
                if any(Levenshtein.distance(a, b) <= 1 for b in _orders(words_b)):
                    return True
    return False
