from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.textparse import (
    AGREED_CONFIDENCE,
    CHOSEN_DATE_CONFIDENCE,
    UNLIMITED_PERIOD,
    fold_for_matching,
    is_unlimited,
    match_country,
    match_status,
    match_work_restriction,
    normalize_name,
    parse_card_number,
    parse_date,
    parse_period,
    reconcile_kanji_date,
    transfer_spaces,
)
from schemas.reference import Period, status_table

_MONTH_ABBREVIATIONS = [
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "MAY",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "OCT",
    "NOV",
    "DEC",
]
_FRENCH_ABBREVIATIONS = [
    "JAN",
    "FEV",
    "MARS",
    "AVR",
    "MAI",
    "JUIN",
    "JUIL",
    "AOUT",
    "SEPT",
    "OCT",
    "NOV",
    "DEC",
]


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def _formats(day: date) -> list[str]:
    y, m, d = day.year, day.month, day.day
    mon = _MONTH_ABBREVIATIONS[m - 1]
    return [
        f"{y}年{m:02d}月{d:02d}日",
        f"{y} 年 {m} 月 {d} 日",
        _full_width(f"{y}年{m:02d}月{d:02d}日"),
        f"{y}4{m:02d}月{d:02d}日",  # 年 read as 4
        f"{y}#{m:02d}月{d:02d}日",
        f"{d:02d} {mon} {y}",
        f"{d:02d} {mon}/{_FRENCH_ABBREVIATIONS[m - 1]} {y}",
        f"{d}{mon}{y}",
        f"{y}-{m:02d}-{d:02d}",
        f"{y}/{m:02d}/{d:02d}",
        f"{d:02d}/{m:02d}/{y}",
        f"{y}.{m:02d}.{d:02d}",
        f"このカードは {y}年{m:02d}月{d:02d}日まで有効 です。",
    ]


@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2099, 12, 31)), st.data())
def test_parse_date_round_trips_every_printed_format(day: date, data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(_formats(day)))
    assert parse_date(text) == day


@given(
    st.dates(min_value=date(1920, 1, 1), max_value=date(2099, 12, 31)).filter(
        lambda d: d.month < 10
    )
)
def test_leading_zero_of_month_read_as_nine_is_repaired(day: date) -> None:
    assert parse_date(f"{day.year}年9{day.month}月{day.day:02d}日") == day


@pytest.mark.parametrize(
    "text",
    [
        "2027年13月01日",
        "2027年02月30日",
        "2027年04月32日",
        "31/02/2031",
        "no date here",
        "",
        "12 FOO 2031",
    ],
)
def test_parse_date_rejects_impossible_dates(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和9年3月31日", date(2027, 3, 31)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("2O31-O4-12", date(2031, 4, 12)),
        ("3年(2027年03月31日)", date(2027, 3, 31)),
    ],
)
def test_parse_date_reads_eras_and_digit_lookalikes(text: str, expected: date) -> None:
    assert parse_date(text) == expected


_LETTERS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)
_DIGITS = st.text(alphabet="0123456789", min_size=8, max_size=8)
_AS_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
_AS_DIGIT = {v: k for k, v in _AS_LETTER.items()}


@given(_LETTERS, _DIGITS, _LETTERS, st.data())
def test_parse_card_number_round_trips_through_ocr_confusions(
    head: str, digits: str, tail: str, data: st.DataObject
) -> None:
    number = head + digits + tail
    noisy = []
    confused = 0
    for position, char in enumerate(number):
        swap = (_AS_LETTER if 2 <= position < 10 else _AS_DIGIT).get(char)
        if swap and data.draw(st.booleans()):
            noisy.append(swap)
            confused += 1
        else:
            noisy.append(char)
        if data.draw(st.integers(0, 5)) == 0:
            noisy.append(" ")
    text = "".join(noisy)
    if data.draw(st.booleans()):
        text = unicodedata.normalize("NFKC", text).lower()
    value, well_formed, factor = parse_card_number(text)
    assert (value, well_formed) == (number, True)
    assert factor == pytest.approx(0.85**confused)


def test_parse_card_number_finds_the_number_after_its_label() -> None:
    assert parse_card_number("番号 NO. AB12345678CD")[:2] == ("AB12345678CD", True)


@pytest.mark.parametrize("text", ["AB1234567CD", "AB12345678C", "AB12345A78CD"])
def test_parse_card_number_keeps_malformed_reading_and_says_so(text: str) -> None:
    value, well_formed, factor = parse_card_number(text)
    assert value == text
    assert not well_formed
    assert factor < 0.5


def test_parse_card_number_of_nothing() -> None:
    assert parse_card_number(" - ") == (None, False, 0.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3年", Period.of(3)),
        ("1年6月", Period.of(1, 6)),
        ("6月", Period.of(months=6)),
        ("6ヶ月", Period.of(months=6)),
        ("90日", Period.of(days=90)),
        ("３年", Period.of(3)),
        ("3 years", Period.of(3)),
        ("1 year 6 months", Period.of(1, 6)),
        ("90 days", Period.of(days=90)),
        ("5年(2030年03月31日)", Period.of(5)),
    ],
)
def test_parse_period(text: str, expected: Period) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["無期限", "永住", "Unlimited", "UNLIMITED"])
def test_parse_period_marks_unlimited_stays(text: str) -> None:
    period = parse_period(text)
    assert period == UNLIMITED_PERIOD
    assert is_unlimited(period)
    assert period > Period.of(10)


@pytest.mark.parametrize("text", ["", "---", "0年", "期間"])
def test_parse_period_without_a_period(text: str) -> None:
    assert parse_period(text) is None
    assert not is_unlimited(parse_period(text))


@pytest.mark.parametrize("status", status_table().statuses, ids=lambda s: s.name)
def test_match_status_finds_every_status_by_either_name(status: object) -> None:
    assert match_status(status.japanese) == (status.name, 1.0)  # type: ignore[attr-defined]
    assert match_status(status.name.upper()) == (status.name, 1.0)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("技術 人文知識 国際業務", "Engineer/Specialist in Humanities/International Services"),
        ("技術・人文知譜・国際業務", "Engineer/Specialist in Humanities/International Services"),
        ("永住者の配偶者等", "Spouse or Child of Permanent Resident"),
        ("技能実習2号", "Technical Intern Training (ii)"),
        ("在留資格 留学", "Student"),
        ("STATUS Permanent Resident", "Permanent Resident"),
    ],
)
def test_match_status_tolerates_noise_and_prefers_the_longest_fit(text: str, expected: str) -> None:
    name, score = match_status(text)
    assert name == expected
    assert 0.6 <= score <= 1.0


def test_match_status_refuses_unrelated_text() -> None:
    name, score = match_status("ABCDEF 123")
    assert name is None
    assert score < 0.6


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("就労制限なし", "none"),
        ("在留資格に基づく就労活動のみ可", "within_status"),
        ("指定書により指定された就労活動のみ可", "as_designated"),
        ("就労不可", "not_permitted"),
        ("就労不司", "not_permitted"),
        ("Work not permitted", "not_permitted"),
    ],
)
def test_match_work_restriction(text: str, code: str) -> None:
    assert match_work_restriction(text)[0] == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  eriksson,  anna   maria ", "ERIKSSON ANNA MARIA"),
        ("NGUYEN<<VAN<AN", "NGUYEN VAN AN"),
        ("ＴＲＡＮ　ＴＨＩ", "TRAN THI"),
        ("O'BRIEN JEAN-LUC.", "O'BRIEN JEAN-LUC"),
        ("KYAW ZIN 00", "KYAW ZIN OO"),  # a monospaced OO read as zeros
        ("KYAW Z1N", "KYAW ZIN"),
        ("AUNG 1987 KYAW", "AUNG KYAW"),  # a date run into the name's area
        ("AUNG 0", "AUNG"),  # a lone ring: a mark as likely as a letter
    ],
)
def test_normalize_name(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


# What Tesseract's English model makes of 年, 月 and 日 (seen on rendered cards).
_KANJI_JUNK = {
    "年": ["F", "4F", "5F", "A", "7F", ""],
    "月": ["A", "H", "R", "F"],
    "日": ["8", "H", "Q", ""],
}


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2060, 12, 31)), st.data())
def test_reconcile_kanji_date_finds_the_date_in_the_english_junk(
    day: date, data: st.DataObject
) -> None:
    junk = {kanji: data.draw(st.sampled_from(options)) for kanji, options in _KANJI_JUNK.items()}
    english = f"{day.year}{junk['年']}{day.month:02d}{junk['月']}{day.day:02d}{junk['日']}"
    # The Japanese model reads the structure right but may turn a 0 into 9 or drop it.
    japanese_month = data.draw(st.sampled_from([f"{day.month:02d}", str(day.month)]))
    japanese = f"{day.year}年{japanese_month.replace('0', '9', 1)}月{day.day:02d}日"
    found, confidence = reconcile_kanji_date(english, japanese)
    assert found == day
    assert confidence >= CHOSEN_DATE_CONFIDENCE


def test_reconcile_kanji_date_confidence_says_whether_the_models_agree() -> None:
    assert reconcile_kanji_date("2027F03A318", "2027年03月31日") == (
        date(2027, 3, 31),
        AGREED_CONFIDENCE,
    )
    # The Japanese reading dropped the 0 of 10: it still picks 10 over 08.
    assert reconcile_kanji_date("3A2027F02A108", "2027年92月1日)")[0] == date(2027, 2, 10)
    found, confidence = reconcile_kanji_date("", "2631年95月64日")
    assert found == date(2031, 5, 4)
    assert confidence < CHOSEN_DATE_CONFIDENCE
    assert reconcile_kanji_date("XYZ", "no date") == (None, 0.0)


def test_reconcile_kanji_date_reads_the_japanese_digits_when_a_kanji_is_misread() -> None:
    # Seen on a 150 dpi card: 年 came back from the Japanese model as 征, and 月 from the
    # English one as two characters (F1), so 10F105 allows both 10 October and 5 October.
    assert reconcile_kanji_date("1991410F105E1", "1991征10月05日") == (
        date(1991, 10, 5),
        AGREED_CONFIDENCE,
    )


def test_reconcile_kanji_date_trusts_the_japanese_date_one_english_slip_away() -> None:
    # Seen on a degraded card: the English model read day 30 as 80, which no placement
    # allows; the Japanese reading has every digit, and the English one agrees but for 3/8.
    assert reconcile_kanji_date("199544014380H", "1995年01朋30日") == (
        date(1995, 1, 30),
        CHOSEN_DATE_CONFIDENCE,
    )
    # Two slips apart, or a slip that is no look-alike, stays a question for a person.
    assert reconcile_kanji_date("199544014380H", "1995年01朋08日")[1] < CHOSEN_DATE_CONFIDENCE
    assert reconcile_kanji_date("199544014390H", "1995年01朋30日")[1] < CHOSEN_DATE_CONFIDENCE


def test_reconcile_kanji_date_doubts_a_choice_the_readings_do_not_settle() -> None:
    # Without the Japanese reading nothing tells 1991-10-10 (月 read as F) from 1991-10-05
    # (月 read as F1): whichever is taken must not be trusted.
    found, confidence = reconcile_kanji_date("1991410F105E1", "")
    assert found in (date(1991, 10, 10), date(1991, 10, 5))
    assert confidence < CHOSEN_DATE_CONFIDENCE
    # The English reading allows one date only, but the Japanese digits say another day.
    found, confidence = reconcile_kanji_date("2027F03A318", "2027年03月24日")
    assert confidence < CHOSEN_DATE_CONFIDENCE
    # Seen on a phone photo: 1983 read as 1963 by the English model; the Japanese model
    # has the year right and turns 06 into 66 (its slip), which is no reason to trust 1963.
    found, confidence = reconcile_kanji_date("19634611068", "1983年11月66日")
    assert confidence < CHOSEN_DATE_CONFIDENCE


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ベトナム", "VNM"),
        ("ブイリピン", "PHL"),
        ("フィ リピ ン", "PHL"),
        ("韓国", "KOR"),
        ("米国", "USA"),
        ("VIETNAMESE", "VNM"),
        ("REPUBLIC OF KOREA", "KOR"),
        ("BRASILEIRO(A)", "BRA"),
        # Written nationalities misread on ED cards (an I read as a backslash or dropped).
        ("F\\LIPINO", "PHL"),
        ("VIETNAMES", "VNM"),
    ],
)
def test_match_country(text: str, code: str) -> None:
    assert match_country(text)[0] == code


def test_match_country_refuses_noise() -> None:
    assert match_country("ーーrゃ")[0] is None


@pytest.mark.parametrize(
    ("text", "code"), [("韓同", "KOR"), ("韓策", "KOR"), ("中因", "CHN"), ("香巷", "HKG")]
)
def test_a_two_kanji_name_with_one_kanji_misread_is_matched_short_of_clear(
    text: str, code: str
) -> None:
    """Seen on a phone photo of a card: 韓国 read as 韓同, and larger as 韓策. The kanji read
    right, in its place, is in no other two-kanji name."""
    found, score = match_country(text)
    assert found == code
    assert 0.6 <= score < 0.8


def test_a_piece_of_a_name_that_starts_several_names_matches_none() -> None:
    """A blurred インドネシア read in pieces (イン, ドネ*, ア): its first piece alone matched
    インド at 0.8, a wrong nationality trusted."""
    assert match_country("イン")[0] is None
    assert match_country("インド") == ("IND", 1.0)


@pytest.mark.parametrize(
    ("text", "code"),
    [("インドネ", "IDN"), ("インドーー", "IND"), ("ギニアビ", "GNB"), ("NIGERI", "NGA")],
)
def test_a_reading_that_goes_on_into_a_longer_name_is_that_name(text: str, code: str) -> None:
    """インド is whole in インドネ, but the ネ that follows is インドネシア's, not a mark beside
    the value; dashes after インド are."""
    assert match_country(text)[0] == code


@pytest.mark.parametrize("text", ["同国", "国韓", "韓"])
def test_a_kanji_several_names_share_or_out_of_place_matches_nothing(text: str) -> None:
    """国 ends 中国, 韓国, 米国 and 英国 alike; a kanji in the other place, or alone, says
    nothing either."""
    assert match_country(text)[0] is None


def test_fold_for_matching_ignores_voicing_small_kana_and_punctuation() -> None:
    assert fold_for_matching("ブイリピン") == fold_for_matching("フィリピン")
    assert fold_for_matching("技術・人文知識") == fold_for_matching("技術 人文知識")
    assert fold_for_matching("Engineer/Specialist") == "engineerspecialist"


@pytest.mark.parametrize(
    ("spaced", "unspaced", "expected"),
    [
        ("SMITH JESSICA ANN", "SMITHJESSICAANN", "SMITH JESSICA ANN"),
        ("SMlTH JESS1CA ANN", "SMITHJESSICAANN", "SMITH JESSICA ANN"),
        ("DOS SANTOS", "D0SSANT0S", "D0S SANT0S"),
        ("KIM", "KIM", "KIM"),
    ],
)
def test_transfer_spaces(spaced: str, unspaced: str, expected: str) -> None:
    assert transfer_spaces(spaced, unspaced) == expected


@given(
    st.lists(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8),
        min_size=1,
        max_size=4,
    )
)
def test_transfer_spaces_restores_words_read_identically(words: list[str]) -> None:
    spaced = " ".join(words)
    assert transfer_spaces(spaced, spaced.replace(" ", "")) == spaced


def test_parse_date_reads_handwritten_day_month_year() -> None:
    assert parse_date("26 10 1980") == date(1980, 10, 26)
    assert parse_date("26, 10 1977.") == date(1977, 10, 26)


@given(
    st.from_regex(r"\A[A-Z]{2}[0-9]{8}[A-Z]{2}\Z", fullmatch=True),
    st.integers(0, 12),
    st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"),
)
def test_a_card_number_with_a_character_too_many_is_never_well_formed(
    number: str, position: int, extra: str
) -> None:
    """A malformed card number must stay malformed, however near it is to a valid one."""
    malformed = number[:position] + extra + number[position:]
    _, well_formed, _ = parse_card_number(malformed)
    assert not well_formed
