"""What an application form says about itself: the procedure its title names.

The vocabulary of titles is data: each checklist's `form_titles`, English and the official
Japanese titles, so an office's checklist can add the wording of its own forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal

from rapidfuzz import fuzz

from schemas.checklist import Checklist, load_checklists

# A title matched with fewer than this share of its characters right is not a match: about one
# OCR error in eight characters still is.
MIN_TITLE_SCORE = 85.0

_NOT_TITLE_CHARACTER = re.compile(r"[^0-9A-Z\u3040-\u30ff\u3400-\u9fff]")


def fold_title_text(text: str) -> str:
    """Upper case, full-width folded, letters/digits/kana/kanji only, so that hyphens, spaces
    and line breaks the OCR adds or drops ("RE-ENTRY", "RE ENTRY", "REENTRY") do not count."""
    return _NOT_TITLE_CHARACTER.sub("", unicodedata.normalize("NFKC", text).upper())


def _title_vocabulary(checklists: Mapping[str, Checklist]) -> list[tuple[str, str]]:
    """(folded title, procedure id) pairs, longest title first so that a specific wording
    wins over a shorter one it contains."""
    pairs = {
        (fold_title_text(title), procedure)
        for procedure, checklist in checklists.items()
        for title in checklist.form_titles
    }
    return sorted((p for p in pairs if p[0]), key=lambda p: (-len(p[0]), p[1]))


@cache
def _bundled_vocabulary() -> list[tuple[str, str]]:
    return _title_vocabulary(load_checklists())


def form_procedure(
    text: str, *, checklists: Mapping[str, Checklist] | None = None
) -> tuple[str | None, float]:
    """The procedure id the form's title names, and how sure the match is (0..1).

    Forms mention other procedures in their notes ("a new Certificate of Eligibility is
    needed"), so among the titles found the one printed first wins: the title heads the form.
    Pass `checklists` when an office's overrides add titles.
    """
    vocabulary = _bundled_vocabulary() if checklists is None else _title_vocabulary(checklists)
    folded = fold_title_text(text)
    best: tuple[int, float, str] | None = None  # (position, score, procedure)
    for title, procedure in vocabulary:
        if len(folded) < len(title):
            score, position = fuzz.ratio(title, folded), 0
        else:
            alignment = fuzz.partial_ratio_alignment(title, folded)
            score, position = alignment.score, alignment.dest_start
        if score < MIN_TITLE_SCORE:
            continue
        if best is None or position < best[0] or (position == best[0] and score > best[1]):
            best = (position, score, procedure)
    if best is None:
        return None, 0.0
    return best[2], round(best[1] / 100.0, 3)


def title_spans(folded: str) -> list[tuple[int, int]]:
    """Where form titles stand in text folded by `fold_title_text`, as (start, end) offsets:
    a continuation page repeats the title in label-sized letters ("Application for Change of
    Status of Residence (2)"), and the label wordings inside it are no labels."""
    spans = []
    for title, _ in _bundled_vocabulary():
        if len(folded) < len(title):
            continue
        alignment = fuzz.partial_ratio_alignment(title, folded)
        if alignment.score >= MIN_TITLE_SCORE:
            spans.append((alignment.dest_start, alignment.dest_end))
    return spans


# ---------------------------------------------------------------- labels of form fields

ValueKind = Literal[
    "name",
    "country",
    "date",
    "passport",
    "card",
    "status",
    "period",
    "relationship",
    "yen",
    "signature",
    "choice",
    "tick",
    "other",
]


@dataclass(frozen=True)
class FieldLabel:
    """A field printed on application forms: the wordings of its label and the kind of value
    it holds. Labels of fields the contract does not report are listed too ("other"), because
    a known label is where the previous field's value ends and keeps a short label from being
    found inside a longer one ("Status of residence" inside "Desired status of residence")."""

    key: str
    english: tuple[str, ...]
    japanese: tuple[str, ...]
    kind: ValueKind


FIELD_LABELS: tuple[FieldLabel, ...] = (
    FieldLabel(
        "nationality",
        ("Nationality/Region", "Nationality", "Country of nationality"),
        ("国籍・地域", "国籍"),
        "country",
    ),
    FieldLabel("date_of_birth", ("Date of birth", "Birth date"), ("生年月日",), "date"),
    FieldLabel(
        "name",
        ("Name", "Full name", "Name (Family name Given name)", "Name in full"),
        ("氏名",),
        "name",
    ),
    FieldLabel(
        "family_name",
        ("Family name", "Surname", "Last name", "Name: Family name"),
        ("氏", "姓", "氏名（姓）"),
        "name",
    ),
    FieldLabel(
        "given_name",
        ("Given name", "Given names", "First name", "Name: Given name"),
        ("名", "氏名（名）"),
        "name",
    ),
    FieldLabel("sex", ("Sex", "Gender"), ("性別",), "other"),
    FieldLabel("place_of_birth", ("Place of birth", "Birthplace"), ("出生地",), "other"),
    FieldLabel(
        "address",
        ("Address in Japan", "Residential address in Japan", "Address"),
        ("住居地", "住所"),
        "other",
    ),
    FieldLabel(
        "phone",
        ("Telephone number", "Telephone No.", "Cellular phone number", "Phone number"),
        ("電話番号", "携帯電話番号"),
        "other",
    ),
    FieldLabel(
        "passport_number",
        ("Passport number", "Passport No.", "Passport (1) Number", "Passport (1) No."),
        ("旅券番号", "旅券 (1)番号"),
        "passport",
    ),
    FieldLabel(
        "passport_expiry",
        (
            "Passport (2) Date of expiration",
            "Passport expiry date",
            "Date of expiration of passport",
            "Passport expiration date",
        ),
        ("旅券 (2)有効期限", "旅券の有効期限", "旅券有効期限"),
        "other",
    ),
    FieldLabel(
        "card_number", ("Residence card number", "Residence card No."), ("在留カード番号",), "card"
    ),
    FieldLabel(
        "status_of_residence",
        ("Status of residence", "Current status of residence", "Status of residence applied for"),
        ("在留資格", "現に有する在留資格", "申請に係る在留資格"),
        "status",
    ),
    FieldLabel(
        "period_of_stay", ("Period of stay", "Current period of stay"), ("在留期間",), "other"
    ),
    FieldLabel(
        "stay_expiry",
        (
            "Date of expiration",
            "Date of expiration of period of stay",
            "Expiry date of period of stay",
        ),
        ("在留期間の満了日", "在留期間満了日"),
        "other",
    ),
    FieldLabel(
        "requested_period",
        (
            "Desired period of extension",
            "Desired length of extension",
            "Period of extension desired",
            "Desired period of stay",
            "Period of stay desired",
            "Intended length of stay",
            "Intended period of stay",
            "Period of stay applied for",
        ),
        ("希望する在留期間", "滞在予定期間"),
        "period",
    ),
    FieldLabel(
        "desired_status",
        ("Desired status of residence", "Status of residence desired"),
        ("希望する在留資格",),
        "status",
    ),
    FieldLabel(
        "permit_type",
        (
            "Type of permission requested",
            "Type of re-entry permit",
            "Type of permit",
            "Re-entry permit applied for",
        ),
        ("申請する再入国許可", "再入国許可の種類"),
        "choice",
    ),
    FieldLabel(
        "date_of_departure",
        ("Expected date of departure", "Date of departure from Japan", "Date of departure"),
        ("出国予定年月日", "出国予定日"),
        "date",
    ),
    FieldLabel(
        "date_of_reentry",
        ("Expected date of re-entry", "Date of re-entry"),
        ("再入国予定年月日", "再入国予定日"),
        "date",
    ),
    FieldLabel(
        "purpose_of_travel", ("Purpose of travel", "Purpose of trip"), ("渡航目的",), "other"
    ),
    FieldLabel(
        "destination",
        ("Destination", "Intended destination"),
        ("予定渡航先国名", "渡航先"),
        "other",
    ),
    FieldLabel(
        "reason",
        (
            "Reason for extension",
            "Reasons for extension",
            "Reason for change of status of residence",
            "Reasons for change",
            "Reasons for requesting provisional release",
            "Reasons",
            "Reason",
        ),
        ("更新の理由", "変更の理由", "仮放免を必要とする理由", "理由"),
        "other",
    ),
    FieldLabel(
        "date_of_entry",
        ("Date of entry", "Intended date of entry"),
        ("入国予定年月日", "入国予定日"),
        "other",
    ),
    FieldLabel(
        "port_of_entry", ("Port of entry", "Intended port of entry"), ("上陸予定港",), "other"
    ),
    FieldLabel(
        "detained_name",
        ("Name of the detained person", "Detained person's name"),
        ("被収容者の氏名", "被収容者氏名"),
        "name",
    ),
    FieldLabel(
        "detained_family_name",
        ("Detained person's family name", "Family name of the detained person"),
        ("被収容者の氏", "被収容者 氏"),
        "name",
    ),
    FieldLabel(
        "detained_given_name",
        ("Detained person's given name", "Given name of the detained person"),
        ("被収容者の名", "被収容者 名"),
        "name",
    ),
    FieldLabel(
        "detained_nationality",
        (
            "Nationality/Region of the detained person",
            "Detained person's nationality",
            "Nationality of the detained person",
        ),
        ("被収容者の国籍・地域", "被収容者の国籍"),
        "country",
    ),
    FieldLabel(
        "detained_date_of_birth",
        ("Date of birth of the detained person", "Detained person's date of birth"),
        ("被収容者の生年月日",),
        "date",
    ),
    FieldLabel(
        "detained_sex",
        ("Sex of the detained person", "Detained person's sex"),
        ("被収容者の性別",),
        "other",
    ),
    FieldLabel(
        "place_of_detention",
        ("Place of detention", "Detention facility"),
        ("収容場所", "収容施設"),
        "other",
    ),
    FieldLabel(
        "applicant_name",
        ("Applicant's name", "Name of the applicant"),
        ("申請人氏名", "申請人の氏名"),
        "name",
    ),
    FieldLabel(
        "applicant_family_name",
        ("Applicant's family name", "Family name of the applicant"),
        ("申請人の氏", "申請人 氏"),
        "name",
    ),
    FieldLabel(
        "applicant_given_name",
        ("Applicant's given name", "Given name of the applicant"),
        ("申請人の名", "申請人 名"),
        "name",
    ),
    FieldLabel(
        "applicant_address",
        ("Applicant's address", "Address of the applicant"),
        ("申請人の住所",),
        "other",
    ),
    FieldLabel(
        "applicant_phone", ("Applicant's telephone number",), ("申請人の電話番号",), "other"
    ),
    FieldLabel(
        "relationship",
        (
            "Relationship to the detained person",
            "Relationship with the detained person",
            "Relationship",
        ),
        ("被収容者との関係", "被収容者との続柄"),
        "relationship",
    ),
    FieldLabel(
        "deposit_amount",
        ("Amount of deposit offered", "Deposit offered", "Amount of deposit"),
        ("保証金の額", "納付予定保証金額"),
        "yen",
    ),
    FieldLabel(
        "signature",
        ("Signature of the applicant", "Signature of applicant", "Signature"),
        ("申請人（署名）", "申請人署名", "署名"),
        "signature",
    ),
    FieldLabel(
        "date_of_filing",
        ("Date of filling in this form", "Date of filing"),
        ("記入年月日", "作成年月日"),
        "other",
    ),
    # Seed 001's five conditions of the departure order, by the words that tell them apart.
    FieldLabel(
        "condition_1",
        ("appeared at an immigration office", "intention of leaving Japan promptly"),
        ("自ら入国管理官署に出頭",),
        "tick",
    ),
    FieldLabel(
        "condition_2",
        ("no ground for deportation other than", "other than the expiry of my period of stay"),
        ("退去強制事由に該当しません",),
        "tick",
    ),
    FieldLabel(
        "condition_3",
        ("sentenced to imprisonment for theft", "have not been sentenced to imprisonment"),
        ("窃盗罪等の所定の罪",),
        "tick",
    ),
    FieldLabel(
        "condition_4",
        ("never been deported or left Japan", "under a departure order before"),
        ("過去に退去強制されたこと",),
        "tick",
    ),
    FieldLabel(
        "condition_5", ("certain to leave Japan promptly",), ("出国することが確実",), "tick"
    ),
)

# The options of the re-entry permit's "type of permission" tick boxes.
PERMIT_TYPE_OPTIONS: dict[str, tuple[str, ...]] = {
    "single": ("Single", "一回限り", "一回"),
    "multiple": ("Multiple", "数次"),
}

# Relationship of the applicant to a detained person, as printed -> the English word reported.
RELATIONSHIP_WORDS: dict[str, str] = {
    "self": "self",
    "oneself": "self",
    "the person": "self",
    "本人": "self",
    "spouse": "spouse",
    "husband": "spouse",
    "wife": "spouse",
    "配偶者": "spouse",
    "夫": "spouse",
    "妻": "spouse",
    "parent": "parent",
    "father": "parent",
    "mother": "parent",
    "親": "parent",
    "父": "parent",
    "母": "parent",
    "child": "child",
    "son": "child",
    "daughter": "child",
    "子": "child",
    "長男": "child",
    "長女": "child",
    "sibling": "sibling",
    "brother": "sibling",
    "sister": "sibling",
    "兄弟姉妹": "sibling",
    "兄弟": "sibling",
    "姉妹": "sibling",
    "agent": "agent",
    "representative": "agent",
    "lawyer": "agent",
    "代理人": "agent",
    "curator": "curator",
    "guardian": "curator",
    "保佐人": "curator",
    "後見人": "curator",
    "friend": "friend",
    "友人": "friend",
    "知人": "friend",
    "employer": "employer",
    "雇用主": "employer",
    # Relationships that may not apply are reported too, so the rule can refuse them.
    "landlord": "landlord",
    "家主": "landlord",
    "大家": "landlord",
    "coworker": "coworker",
    "colleague": "coworker",
    "同僚": "coworker",
    "teacher": "teacher",
    "教師": "teacher",
    "先生": "teacher",
    "neighbour": "neighbour",
    "neighbor": "neighbour",
    "隣人": "neighbour",
    "fiance": "fiance",
    "fiancee": "fiance",
    "婚約者": "fiance",
    "supporter": "supporter",
    "支援者": "supporter",
}
