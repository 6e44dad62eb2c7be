"""Parsers from OCR text to typed values, shared by every reader.

OCR of Japanese documents mixes full-width and half-width characters and confuses look-alike
glyphs (年 read as 4, 0 as O, ・ dropped). These functions accept that noise where the
position of a character tells what it must be, and return None rather than a guess when the
text does not say enough.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from functools import cache

import pycountry
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from schemas.reference import Period, country_code, nationality_words, status_table

UNLIMITED_PERIOD = Period(days_estimate=999_999)
"""What parse_period returns for 無期限 / 永住 / "Unlimited": a Period with no years, months or
days but a length beyond any fixed period, so comparisons such as `period <= max_period`
come out right without special cases. Test for it with `is_unlimited`."""

_MATCH_THRESHOLD = 0.6
"""Below this similarity a status or work-restriction reading is reported as no match."""

_COUNTRY_THRESHOLD = 0.7
"""Country names are short and many: a looser match would pick a neighbour's name."""
_MIN_FUZZY_NAME = 4  # letters a nationality word needs to be matched fuzzily
_ONE_KANJI_OF_TWO = 0.7
"""How sure a two-kanji country name is when one of its kanji was read right and the other
wrong (韓同 and, larger, 韓策 for 韓国 on a phone photo of a card: a string match gives
it 0.5): the kanji read right, in its place, belongs to no other such name. Above the
verifier's 0.6, below a clear match (0.8), so a card reads it again, larger."""


def is_unlimited(period: Period | None) -> bool:
    return period == UNLIMITED_PERIOD


def _nfkc(text: str) -> str:
    """Full-width digits and letters to ASCII, half-width katakana to full width."""
    return unicodedata.normalize("NFKC", text)


# ---------------------------------------------------------------- dates

_DIGIT_LOOKALIKES = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "S": "5", "B": "8", "Z": "2"}
)
# A run of digits and digit look-alikes standing alone (not part of a word such as OCT).
_DIGITISH_RUN = re.compile(r"(?<![A-Za-z])[0-9OoDIl|SBZ]{2,}(?![A-Za-z])")

_MONTHS = {
    "JAN": 1,
    "JANV": 1,
    "JANUARY": 1,
    "FEB": 2,
    "FEV": 2,
    "FEBRUARY": 2,
    "MAR": 3,
    "MARS": 3,
    "MARCH": 3,
    "APR": 4,
    "AVR": 4,
    "APRIL": 4,
    "MAY": 5,
    "MAI": 5,
    "JUN": 6,
    "JUIN": 6,
    "JUNE": 6,
    "JUL": 7,
    "JUIL": 7,
    "JULY": 7,
    "AUG": 8,
    "AOUT": 8,
    "AUGUST": 8,
    "SEP": 9,
    "SEPT": 9,
    "SEPTEMBER": 9,
    "OCT": 10,
    "OCTOBER": 10,
    "NOV": 11,
    "NOVEMBER": 11,
    "DEC": 12,
    "DECEMBER": 12,
}
_MONTH_ALTERNATION = "|".join(sorted(_MONTHS, key=len, reverse=True))

# First year of each era minus one: 令和1年 is 2019.
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "R": 2018, "H": 1988, "S": 1925}

# 年 comes back from Tesseract as 4 or # and, on low-resolution crops, gets dropped; 月 as any
# other character (日, 目, 朋). Four year digits in front fix where the month starts.
_KANJI_DATE = re.compile(
    r"(?P<y>\d{4})\s*(?:年|[4#]|\s)?\s*(?P<m>\d{1,2})\s*[^\d\s]\s*(?P<d>\d{1,2})"
)
_ERA_DATE = re.compile(
    r"(?P<era>令和|平成|昭和)\s*(?P<y>\d{1,2}|元)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})"
)
_NAMED_MONTH_DATE = re.compile(
    rf"(?P<d>\d{{1,2}})\s*(?P<mon>{_MONTH_ALTERNATION})(?![A-Z])(?:\s*/\s*[A-Z]{{3,5}})?[\s.,]*"
    r"(?P<y>\d{4})"
)
_MONTH_FIRST_DATE = re.compile(
    rf"(?P<mon>{_MONTH_ALTERNATION})(?![A-Z])\.?\s*(?P<d>\d{{1,2}})\s*,?\s*(?P<y>\d{{4}})"
)
_SEP = r"(?:\s*[-/.,]\s*|\s+)"  # handwritten forms often leave only spaces: 26 10 1980
_YEAR_FIRST_DATE = re.compile(
    rf"(?<!\d)(?P<y>\d{{4}}){_SEP}(?P<m>\d{{1,2}}){_SEP}(?P<d>\d{{1,2}})(?!\d)"
)
_DAY_FIRST_DATE = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}}){_SEP}(?P<m>\d{{1,2}}){_SEP}(?P<y>\d{{4}})(?!\d)"
)


def _repair_digit_runs(text: str) -> str:
    """Turn O/I/S/B read inside a number back into digits; words stay as they are."""

    def fix(match: re.Match[str]) -> str:
        run = match.group(0)
        digits = sum(c.isdigit() for c in run)
        return run.translate(_DIGIT_LOOKALIKES) if digits * 2 >= len(run) else run

    return _DIGITISH_RUN.sub(fix, text)


def _two_digit_part(text: str, upper: int) -> int | None:
    """A month or day. Tesseract's Japanese model reads a leading 0 as 9 or 6 (93, 65), so a
    two-digit value out of range that starts with one of them stands for 0 and its digit."""
    value = int(text)
    if value > upper and len(text) == 2 and text[0] in "96":
        value = int(text[1])
    return value if 1 <= value <= upper else None


def _plausible_year(text: str) -> int | None:
    """A year between 1900 and 2100; 2631 or 2931 is 2031 with its 0 misread."""
    year = int(text)
    if not 1900 <= year <= 2100 and len(text) == 4 and text[1] in "96":
        year = int(text[0] + "0" + text[2:])
    return year if 1900 <= year <= 2100 else None


def _build_date(year_text: str, month_text: str, day_text: str) -> date | None:
    year = _plausible_year(year_text)
    month = _two_digit_part(month_text, 12)
    day = _two_digit_part(day_text, 31)
    if year is None or month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:  # 31 April and the like
        return None


def parse_date(text: str) -> date | None:
    """The first date in `text`, in any of the ways Japanese documents and passports print it:
    2027年03月31日, 令和9年3月31日, 12 APR 2031, 12 APR/AVR 2031, 2031-04-12, 2031/04/12,
    1990.04.01, 12/04/2031 (day first, as Japanese forms in English do)."""
    normalized = _repair_digit_runs(_nfkc(text))
    upper = normalized.upper()
    for match in _ERA_DATE.finditer(normalized):
        era_year = 1 if match["y"] == "元" else int(match["y"])
        found = _build_date(str(_ERAS[match["era"]] + era_year), match["m"], match["d"])
        if found:
            return found
    for match in _NAMED_MONTH_DATE.finditer(upper):
        found = _build_date(match["y"], str(_MONTHS[match["mon"]]), match["d"])
        if found:
            return found
    for match in _MONTH_FIRST_DATE.finditer(upper):
        found = _build_date(match["y"], str(_MONTHS[match["mon"]]), match["d"])
        if found:
            return found
    for pattern in (_YEAR_FIRST_DATE, _DAY_FIRST_DATE, _KANJI_DATE):
        for match in pattern.finditer(normalized):
            found = _build_date(match["y"], match["m"], match["d"])
            if found:
                return found
    return None


def _digit_agreement(candidate: str, japanese: str) -> float:
    """How far the Japanese model's digits back a two-digit candidate. It drops a 0 as
    often as it turns one into 9 or 6, so one digit backs a candidate it starts or ends."""
    if len(japanese) == 1:
        return 1.0 if japanese in (candidate[0], candidate[1]) else 0.0
    return float(sum(a == b for a, b in zip(candidate, japanese, strict=False)))


AGREED_CONFIDENCE = 0.97
"""Two independent readings (the Japanese and English models) gave the same value."""
UNIQUE_DATE_CONFIDENCE = 0.85
"""Only the English reading, but it allows one date only."""
CHOSEN_DATE_CONFIDENCE = 0.6
"""The English reading allows several dates and the Japanese one picked."""
DOUBTFUL_DATE_CONFIDENCE = 0.3
"""The readings leave two dates about as likely, or the Japanese digits contradict the
English date: below the bar where a value is trusted without a person."""
_CLEAR_LEAD = 1.0
"""How far the chosen date's score must lead every other date's: less is what the junk
heuristics alone give, and they cannot tell 10月05日 from 10日 with 月 read as two letters."""

# The Japanese reading's year, month and day when its kanji came out as other characters
# (1991征10月05日): four year digits, then two groups of one or two, whatever lies between.
_KANJI_DATE_PARTS = re.compile(r"(?<!\d)(?P<y>\d{4})\D{0,2}(?P<m>\d{1,2})\D{1,3}(?P<d>\d{1,2})")


def _japanese_year_slips(english: str, japanese: str) -> bool:
    """Whether the Japanese model's year differs from the English one only where it turns
    a 0 into 9 or 6 (2927 for 2027); 1983 against 1963 is no slip of its, so one of the
    two readings is wrong and neither can say which."""
    return all(a == b or (a == "0" and b in "96") for a, b in zip(english, japanese, strict=True))


def _english_digits(english: str) -> str:
    """The English reading without spaces, with digits read as look-alike capitals (11 as
    II) put back; the kanji's junk is other letters."""
    return re.sub(r"\s+", "", _nfkc(english).upper()).translate(str.maketrans("IO", "10"))


def _placements(reading: str) -> Iterator[tuple[date, str, str, str, float]]:
    """Every date a YYYY年MM月DD日 print can be in the English reading, with its year, month
    and day text and how well its junk fits: 年, 月 and 日 almost always leave a junk
    character or two behind."""
    for start in range(len(reading) - 3):
        year_text = reading[start : start + 4]
        if not year_text.isdigit() or not 1900 <= int(year_text) <= 2100:
            continue
        rest = reading[start + 4 :]
        for year_junk in (0, 1, 2):
            month_text = rest[year_junk : year_junk + 2]
            for month_junk in (0, 1, 2):
                day_start = year_junk + 2 + month_junk
                day_text = rest[day_start : day_start + 2]
                if not (month_text.isdigit() and day_text.isdigit() and len(day_text) == 2):
                    continue
                try:
                    found = date(int(year_text), int(month_text), int(day_text))
                except ValueError:
                    continue
                junk_score = 0.5 * (year_junk > 0) + 0.25 * (month_junk > 0)
                junk_score += 0.25 * (len(rest) > day_start + 2)
                yield found, year_text, month_text, day_text, junk_score


_ENGLISH_DIGIT_SLIPS = {"3": "8", "8": "3", "5": "6", "6": "5"}
"""Digits the English model reads as another on a blurred or small card: an open 3 closed
into 8 and back, 5 and 6."""


def _one_slip_away(reading: str, japanese_date: date) -> bool:
    """Whether one look-alike digit slip in an English reading that allows no date at all
    (199544014380H: day 80) gives the Japanese reading's date. Two models then agree on
    every digit but one, and the English one's is impossible."""
    for index, character in enumerate(reading):
        for slip in _ENGLISH_DIGIT_SLIPS.get(character, ""):
            repaired = reading[:index] + slip + reading[index + 1 :]
            if any(found == japanese_date for found, *_ in _placements(repaired)):
                return True
    return False


def reconcile_kanji_date(english: str, japanese: str) -> tuple[date | None, float]:
    """A YYYY年MM月DD日 date (two-digit month and day, as residence cards print them) from
    two readings of the same print: the English model's, whose digits are right but whose
    年, 月 and 日 become zero to two junk characters each, and the Japanese model's, whose
    kanji are right (or at least separate the numbers) but whose zeros may be nines or
    sixes, or be missing.

    Every way of placing month and day in the English digits is tried; the Japanese reading
    picks among them. When the English reading allows no date at all, the Japanese one's is
    taken (at CHOSEN_DATE_CONFIDENCE) only if one look-alike digit slip of the English
    reading gives that same date. Returns (date, confidence): see the *_DATE_CONFIDENCE constants;
    the Japanese reading alone gives CHOSEN_DATE_CONFIDENCE at most, and a choice the
    readings do not settle gives DOUBTFUL_DATE_CONFIDENCE, so a person looks at it."""
    repaired = _repair_digit_runs(_nfkc(japanese))
    japanese_parts = _KANJI_DATE.search(repaired) or _KANJI_DATE_PARTS.search(repaired)
    japanese_date = parse_date(japanese) or (
        _build_date(japanese_parts["y"], japanese_parts["m"], japanese_parts["d"])
        if japanese_parts
        else None
    )
    reading = _english_digits(english)
    scores: dict[date, float] = {}
    backed: dict[date, bool] = {}
    for found, year_text, month_text, day_text, junk_score in _placements(reading):
        score = junk_score
        agrees = True
        if japanese_parts:
            month_agreement = _digit_agreement(month_text, japanese_parts["m"])
            day_agreement = _digit_agreement(day_text, japanese_parts["d"])
            score += month_agreement + day_agreement
            agrees = (
                month_agreement > 0
                and day_agreement > 0
                and _japanese_year_slips(year_text, japanese_parts["y"])
            )
        score += 5.0 * (found == japanese_date)
        if japanese_date:
            score += 2.0 * (found.year == japanese_date.year)
        if score > scores.get(found, -1.0):
            scores[found] = score
            backed[found] = agrees
    if not scores:
        if japanese_date and _one_slip_away(reading, japanese_date):
            return japanese_date, CHOSEN_DATE_CONFIDENCE
        return japanese_date, DOUBTFUL_DATE_CONFIDENCE if japanese_date else 0.0
    best = max(scores, key=lambda found: scores[found])
    if best == japanese_date:
        return best, AGREED_CONFIDENCE
    runner_up = max((s for found, s in scores.items() if found != best), default=None)
    if not backed[best] or (runner_up is not None and scores[best] - runner_up < _CLEAR_LEAD):
        return best, DOUBTFUL_DATE_CONFIDENCE
    if runner_up is None:
        return best, UNIQUE_DATE_CONFIDENCE
    return best, CHOSEN_DATE_CONFIDENCE


# ---------------------------------------------------------------- card numbers

_TO_DIGIT = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "I": "1",
    "L": "1",
    "S": "5",
    "B": "8",
    "Z": "2",
    "G": "6",
}
_TO_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
_CARD_NUMBER = re.compile(r"[A-Z]{2}\d{8}[A-Z]{2}")
_CARD_NUMBER_LENGTH = 12
_REPAIR_PENALTY = 0.85
_MALFORMED_FACTOR = 0.2


def lookalikes(first: str, second: str) -> bool:
    """Whether two characters are a digit and the letter OCR takes it for (0 and O, 2 and Z)."""
    return _TO_LETTER.get(first) == second or _TO_LETTER.get(second) == first


def printed_malformed(number: str) -> bool:
    """Whether a card number read as `number` (capitals and digits) is malformed in a way no
    look-alike explains: letters at both ends, digits between them but for letters no digit
    is mistaken for (a W, not an O), and at most one character too few or too many. Such a
    reading, given alike by two models, is what was printed; a digit at an end (1E for IE)
    or an O among the digits may be either model's slip and stays in doubt."""
    if abs(len(number) - _CARD_NUMBER_LENGTH) > 1 or _CARD_NUMBER.fullmatch(number):
        return False
    ends = number[:2] + number[-2:]
    middle = number[2:-2]
    return (
        ends.isalpha()
        and ends.isascii()
        and all(c.isdigit() or (c.isupper() and c not in _TO_DIGIT) for c in middle)
        and middle.isascii()
    )


def _repair_card_window(window: str) -> tuple[str, int] | None:
    """The window with look-alikes swapped to what each position needs, and how many swaps;
    None when a character cannot belong where it stands."""
    repaired: list[str] = []
    repairs = 0
    for position, char in enumerate(window):
        wants_digit = 2 <= position < 10
        if char.isdigit() == wants_digit and char.isalnum():
            repaired.append(char)
            continue
        swapped = (_TO_DIGIT if wants_digit else _TO_LETTER).get(char)
        if swapped is None:
            return None
        repaired.append(swapped)
        repairs += 1
    return "".join(repaired), repairs


def parse_card_number(text: str) -> tuple[str | None, bool, float]:
    """A residence card number (AB12345678CD) read from OCR text.

    Returns (number, well_formed, confidence_factor). Look-alikes are swapped by position
    (letters in the middle eight become digits, digits at either end become letters); each
    swap lowers the factor. When no twelve characters fit the pattern, the cleaned raw
    reading comes back with well_formed False, so a person can still see what was printed.
    """
    tokens = re.findall(r"[A-Z0-9]+", _nfkc(text).upper())
    cleaned = "".join(tokens)
    if not cleaned:
        return None, False, 0.0
    # Only a whole token (or the whole reading, for a number split by a space) may be the
    # number: twelve characters cut out of a longer run would turn a malformed number, the
    # very thing CARD_NUMBER_INVALID must catch, into a well-formed one.
    best: tuple[str, int] | None = None
    for whole in {*tokens, cleaned}:
        if len(whole) != _CARD_NUMBER_LENGTH:
            continue
        candidate = _repair_card_window(whole)
        if candidate and (best is None or candidate[1] < best[1]):
            best = candidate
    if best is None:
        return cleaned, False, _MALFORMED_FACTOR
    number, repairs = best
    assert _CARD_NUMBER.fullmatch(number)
    return number, True, _REPAIR_PENALTY**repairs


# ---------------------------------------------------------------- periods of stay

_UNLIMITED_WORDS = re.compile(r"無期限|永住|UNLIMITED|INDEFINITE|PERMANENT", re.IGNORECASE)
_PERIOD_YEARS = re.compile(r"(\d{1,2})\s*(?:年|YEARS?\b|YRS?\b|Y\b)", re.IGNORECASE)
_PERIOD_MONTHS = re.compile(
    r"(\d{1,2})\s*(?:か月|ヵ月|ヶ月|ケ月|カ月|箇月|月|MONTHS?\b|M\b)", re.IGNORECASE
)
_PERIOD_DAYS = re.compile(r"(\d{1,3})\s*(?:日|DAYS?\b|D\b)", re.IGNORECASE)


def parse_period(text: str) -> Period | None:
    """A period of stay as printed (3年, 1年6月, 90日, "1 year 6 months", 無期限).

    Cards print the expiry date after the period in brackets, 3年(2027年03月31日); only the
    part before the bracket is the period. Unlimited stays give UNLIMITED_PERIOD.
    """
    head = re.split(r"[(（]", _nfkc(text), maxsplit=1)[0]
    if _UNLIMITED_WORDS.search(head):
        return UNLIMITED_PERIOD
    parts = [pattern.search(head) for pattern in (_PERIOD_YEARS, _PERIOD_MONTHS, _PERIOD_DAYS)]
    if not any(parts):
        return None
    years, months, days = (int(found.group(1)) if found else 0 for found in parts)
    if years == months == days == 0:
        return None
    return Period.of(years, months, days)


# ---------------------------------------------------------------- statuses and restrictions


_SMALL_KANA = str.maketrans(
    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ", "あいうえおつやゆよわアイウエオツヤユヨワカケ"
)


def fold_for_matching(text: str) -> str:
    """Letters, digits and kana/kanji (not the ・ between them) only, lower case, kana
    without voicing marks and small kana full size: OCR drops and invents punctuation and
    spaces, and mixes up フ/ブ/プ and ィ/イ, so none of these can count."""
    decomposed = unicodedata.normalize("NFKD", text).lower()
    unvoiced = decomposed.replace("\u3099", "").replace("\u309a", "").translate(_SMALL_KANA)
    return re.sub(r"[^0-9a-z\u3040-\u30fa\u30fc-\u30ff\u4e00-\u9fff]", "", unvoiced)


def text_similarity(reading: str, name: str) -> float:
    """Whole-string similarity, averaged with how well the best window of the reading
    matches when the reading is longer. The window part tolerates stray label text around
    the value; the whole-string part keeps 技能 from winning over 技能実習1号."""
    if not reading or not name:
        return 0.0
    whole = fuzz.ratio(reading, name) / 100.0
    if len(reading) <= len(name):
        return whole
    return (whole + fuzz.partial_ratio(name, reading) / 100.0) / 2


def _best_match(
    text: str, candidates: list[tuple[str, str]], threshold: float = _MATCH_THRESHOLD
) -> tuple[str | None, float]:
    reading = fold_for_matching(text)
    best_key, best_score = None, 0.0
    for key, name in candidates:
        score = text_similarity(reading, fold_for_matching(name))
        if score > best_score:
            best_key, best_score = key, score
    if best_score < threshold:
        return None, best_score
    return best_key, best_score


@cache
def _status_names() -> list[tuple[str, str]]:
    return [(s.name, name) for s in status_table().statuses for name in (s.japanese, s.name)]


@cache
def _restriction_names() -> list[tuple[str, str]]:
    restrictions = status_table().work_restrictions
    return [(r.code, name) for r in restrictions for name in (r.japanese, r.english)]


def match_status(text: str, threshold: float = _MATCH_THRESHOLD) -> tuple[str | None, float]:
    """The status of residence (English name, as the contract reports it) that `text` reads
    as, Japanese or English, with a 0..1 similarity; None below `threshold`. Where the text
    is known to be a status (it follows the status label), a lower threshold lets a
    two-kanji name with one misread kanji (宗孝 for 宗教) through, with its low score."""
    return _best_match(text, _status_names(), threshold)


def match_work_restriction(text: str) -> tuple[str | None, float]:
    """The work-restriction code (none, within_status, as_designated, not_permitted) that
    `text` reads as, with a 0..1 similarity; None below the match threshold."""
    return _best_match(text, _restriction_names())


# ---------------------------------------------------------------- names


def normalize_name(text: str) -> str:
    """SURNAME GIVEN NAMES in capitals with single spaces, as the contract reports names;
    commas and MRZ filler become spaces, other punctuation OCR adds is dropped. A name holds
    no digits: one read among letters (Z1N) or a run of zeros (the OO of a Burmese name, read
    as 00 in a monospaced face) is its look-alike letter; other digits are another field's
    text and are dropped."""
    upper = _nfkc(text).upper().replace("<", " ").replace(",", " ")
    words = [_letters_for_digits(word) for word in upper.split()]
    kept = re.sub(r"[^\w\s'-]|\d|_", "", " ".join(words))
    return " ".join(kept.split())


_NAME_LOOKALIKES = str.maketrans("012568", "OIZSGB")


def _letters_for_digits(word: str) -> str:
    if re.search(r"[A-Z]", word) or re.fullmatch(r"0{2,}", word):
        return word.translate(_NAME_LOOKALIKES)
    return word


# ---------------------------------------------------------------- countries

# How Japanese documents shorten country names that ISO lists in a longer form.
_JAPANESE_SHORT_COUNTRY_NAMES = ("韓国", "台湾", "英国", "イギリス", "アメリカ", "米国", "中国")


@cache
def _country_candidates() -> list[tuple[str, str]]:
    """(printed name folded for matching, ISO code) for every name country_code knows."""
    japanese = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ja"])
    names: list[str] = list(_JAPANESE_SHORT_COUNTRY_NAMES)
    for country in pycountry.countries:
        names += [country.name, japanese.gettext(country.name)]
    # Written nationalities (F\LIPINO on an ED card): their adjectives, but no codes, which
    # are too short to match fuzzily.
    names += [word for word in nationality_words() if len(word) >= _MIN_FUZZY_NAME]
    candidates = []
    for name in names:
        code = country_code(name)
        if code:
            candidates.append((fold_for_matching(name), code))
    return candidates


def match_country(text: str) -> tuple[str | None, float]:
    """ISO alpha-3 code of a printed country, tolerating OCR noise (ブイリピン for フィリピン);
    exact names go through schemas.reference.country_code first."""
    exact = country_code(text)
    if exact:
        return exact, 1.0
    reading = fold_for_matching(text)
    if _starts_several_names(reading):
        return None, 0.0
    best_code, best_name, best_score = None, "", 0.0
    for name, code in _country_candidates():
        score = text_similarity(reading, name)
        if score > best_score:
            best_code, best_name, best_score = code, name, score
    # The reading may go on past the best name into a longer name that starts with it
    # (インドネ: インド matches it whole, but the ネ is インドネシア's, not a stray mark).
    longer = [
        (text_similarity(reading, name), code)
        for name, code in _country_candidates()
        if best_name
        and len(name) > len(best_name)
        and name.startswith(best_name)
        and name[: len(best_name) + 1] in reading
    ]
    if longer:
        best_score, best_code = max(longer)
    if best_score < _COUNTRY_THRESHOLD:
        code = _two_kanji_name(reading)
        return (code, _ONE_KANJI_OF_TWO) if code else (None, best_score)
    return best_code, best_score


def _starts_several_names(reading: str) -> bool:
    """Whether `reading` is no country's whole name but the start of the names of several
    (イン of インド and インドネシア: a blurred name cut into pieces, seen on a phone photo of
    a card, whose first piece matched インド at 0.8)."""
    names = _country_candidates()
    if any(name == reading for name, _ in names):
        return False
    return len({code for name, code in names if name.startswith(reading)}) > 1


def _is_kanji(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _two_kanji_name(reading: str) -> str | None:
    """The code of the one two-kanji country name (韓国, 中国, 台湾 ...) that `reading`, two
    kanji, has one kanji of in the same place; None when it has none or could be several
    (同国 could be any name ending in 国)."""
    if len(reading) != 2 or not all(_is_kanji(char) for char in reading):
        return None
    codes = {
        code
        for name, code in _country_candidates()
        if len(name) == 2
        and all(_is_kanji(char) for char in name)
        and (name[0] == reading[0] or name[1] == reading[1])
    }
    return codes.pop() if len(codes) == 1 else None


def transfer_spaces(spaced: str, unspaced: str) -> str:
    """`unspaced` with word breaks put where `spaced` (another reading of the same print)
    has them. Tesseract drops spaces when restricted to a character whitelist, while the
    reading that kept them may have a letter or two wrong."""
    letters = spaced.replace(" ", "")
    breaks = set()
    position = 0
    for char in spaced:
        if char == " ":
            breaks.add(position)
        else:
            position += 1
    target = unspaced.replace(" ", "")
    mapped: set[int] = set()
    for tag, src_start, src_end, dest_start, dest_end in Levenshtein.opcodes(letters, target):
        for index in breaks:
            if src_start <= index < src_end or (index == src_end == len(letters)):
                offset = index - src_start
                span = dest_end - dest_start
                mapped.add(dest_start + (offset if tag == "equal" else min(offset, span)))
    return "".join(
        (" " if index in mapped and index > 0 else "") + char for index, char in enumerate(target)
    )
