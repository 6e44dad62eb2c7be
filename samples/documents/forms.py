"""Synthetic application forms, one per procedure that has one, as fillable and as flat PDFs.

Readers must find values by their labels, never by position or field name, so every rendering
draws its wording, label order, layout, fonts, date and period notation and AcroForm field
names from a `FormStyle` picked at random. Both PDFs of one rendering share one layout: the
fillable one carries the values in AcroForm fields (as born-digital forms arrive), the flat
one prints them as text (as a form printed after filling in, or scanned).
"""

from __future__ import annotations

import gettext
import io
import random
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from typing import Literal

import pycountry
import pypdfium2 as pdfium
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject
from reportlab.lib.colors import black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import xObjectName
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from samples.fonts import font_path
from samples.identity import Identity, granted_periods, other_name
from schemas.reference import Period, status_table
from schemas.report import PROCEDURE_IDS

# Every procedure but special re-entry, which is declared on the ED card, has its form.
PROCEDURES_WITH_FORMS: tuple[str, ...] = tuple(p for p in PROCEDURE_IDS if p != "special_reentry")

Arrangement = Literal["table", "lines", "stacked"]
LabelOrder = Literal["en_ja", "ja_en", "ja_over_en"]
DateFormat = Literal["slash", "kanji", "dmy"]
ValueLanguage = Literal["en", "ja", "both"]
FieldNaming = Literal["snake", "label", "hungarian", "generic", "hierarchical"]
TickMark = Literal["check", "cross", "circle"]

ARRANGEMENTS: tuple[Arrangement, ...] = ("table", "lines", "stacked")
LABEL_ORDERS: tuple[LabelOrder, ...] = ("en_ja", "ja_en", "ja_over_en")
DATE_FORMATS: tuple[DateFormat, ...] = ("slash", "kanji", "dmy")
VALUE_LANGUAGES: tuple[ValueLanguage, ...] = ("en", "ja", "both")
FIELD_NAMINGS: tuple[FieldNaming, ...] = ("snake", "label", "hungarian", "generic", "hierarchical")
TICK_MARKS: tuple[TickMark, ...] = ("check", "cross", "circle")

# reportlab font name -> samples.fonts name; the standard 14 fonts need no registration.
_TTF_FONTS = {
    "IPAGothic": "gothic",
    "IPAMincho": "mincho",
    "DejaVuSans": "sans",
    "DejaVuSans-Bold": "sans_bold",
    "DejaVuSansCondensed": "sans_condensed",
    "DejaVuSansCondensed-Bold": "sans_condensed_bold",
    "DejaVuSerif": "serif",
    "DejaVuSerif-Bold": "serif_bold",
    "DejaVuSansMono": "mono",
}
# Latin label font -> the bold face titles use (IPA fonts have none).
_BOLD = {
    "Helvetica": "Helvetica-Bold",
    "Times-Roman": "Times-Bold",
    "DejaVuSans": "DejaVuSans-Bold",
    "DejaVuSansCondensed": "DejaVuSansCondensed-Bold",
    "DejaVuSerif": "DejaVuSerif-Bold",
    "IPAGothic": "IPAGothic",
    "IPAMincho": "IPAMincho",
}
LATIN_FONTS: tuple[str, ...] = tuple(_BOLD)
JAPANESE_FONTS: tuple[str, ...] = ("IPAGothic", "IPAMincho")
VALUE_FONTS: tuple[str, ...] = ("Courier", "Helvetica", "DejaVuSansMono", "DejaVuSans", "IPAGothic")

PAGE_WIDTH, PAGE_HEIGHT = A4
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# Wrapping units: one CJK character, or one Latin word with its trailing spaces.
_WRAP_TOKEN = re.compile(
    r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]|[^\s\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]+\s*|\s+"
)


@cache
def register_fonts() -> None:
    """Make the TrueType fonts known to reportlab once per process (IPA fonts take a while)."""
    for name, key in _TTF_FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(font_path(key))))


# ---------------------------------------------------------------- public API


@dataclass
class FormAnswers:
    """What the applicant wrote. None lets the renderer choose a plausible value."""

    requested_period: str | None = None  # compact Period form, "3y", "1y6m"
    desired_status: str | None = None  # English status name (change of status)
    permit_type: str | None = None  # "single" | "multiple" (re-entry permit)
    date_of_departure: date | None = None
    date_of_reentry: date | None = None
    relationship: str | None = None  # provisional release: applicant's relation to detainee
    deposit_amount: int | None = None  # yen
    detained_name: str | None = None
    departure_conditions: tuple[bool, bool, bool, bool, bool] | None = None
    signed: bool = True
    status_of_residence: str | None = None  # override of the identity's, e.g. ineligible COE
    applicant_name: str | None = None  # override of identity.name, to inject a mismatch


@dataclass
class FormRendering:
    pdf_fillable: bytes  # AcroForm fields filled with the answers (text fields + checkboxes)
    pdf_flat: bytes  # the same page(s) with values drawn as text, no form fields
    fields: dict[str, str | bool | int | None]  # ground truth for doc_type application_form


@dataclass(frozen=True)
class FormStyle:
    """How one rendering looks. Every option changes what a reader sees or reads."""

    arrangement: Arrangement = "table"
    columns: Literal[1, 2] = 1
    label_order: LabelOrder = "en_ja"
    numbered: bool = True
    wording: int = 0  # picks each label's wording among its variants
    shuffle_seed: int | None = None  # personal details in another order than the official one
    date_format: DateFormat = "slash"
    value_language: ValueLanguage = "en"  # nationality, status, period, relationship
    split_name: bool = True  # family and given name in separate boxes
    naming: FieldNaming = "snake"
    radio_choices: bool = False  # exclusive choices as radio groups rather than checkboxes
    tick: TickMark = "check"
    uppercase_title: bool = True
    shade_labels: bool = False
    latin_font: str = "Helvetica"
    japanese_font: str = "IPAGothic"
    value_font: str = "Courier"
    label_size: float = 8.0
    value_size: float = 10.0
    title_size: float = 15.0
    margin: float = 18 * mm

    @classmethod
    def random(cls, rng: random.Random) -> FormStyle:
        return cls(
            arrangement=rng.choice(ARRANGEMENTS),
            columns=rng.choice((1, 2)),
            label_order=rng.choice(LABEL_ORDERS),
            numbered=rng.random() < 0.5,
            wording=rng.randrange(1000),
            shuffle_seed=rng.randrange(2**32) if rng.random() < 0.4 else None,
            date_format=rng.choice(DATE_FORMATS),
            value_language=rng.choice(("en", "en", "ja", "both")),
            split_name=rng.random() < 0.7,
            naming=rng.choice(FIELD_NAMINGS),
            radio_choices=rng.random() < 0.5,
            tick=rng.choice(TICK_MARKS),
            uppercase_title=rng.random() < 0.7,
            shade_labels=rng.random() < 0.5,
            latin_font=rng.choice(LATIN_FONTS),
            japanese_font=rng.choice(JAPANESE_FONTS),
            value_font=rng.choice(VALUE_FONTS),
            label_size=round(rng.uniform(7.5, 9.5), 1),
            value_size=round(rng.uniform(9.0, 12.0), 1),
            title_size=round(rng.uniform(13.0, 17.0), 1),
            margin=round(rng.uniform(14, 22)) * mm,
        )

    @property
    def title_font(self) -> str:
        return _BOLD[self.latin_font]


def render_form(
    procedure: str,
    identity: Identity,
    answers: FormAnswers,
    rng: random.Random,
    style: FormStyle | None = None,
) -> FormRendering:
    """The procedure's application form filled in for `identity`. `fields` holds what a
    perfect reader extracts (contract names for doc_type application_form); a field the form
    does not carry is absent, a carried but blank one is None."""
    if procedure not in PROCEDURES_WITH_FORMS:
        raise ValueError(f"no application form for procedure {procedure!r}")
    register_fonts()
    style = style or FormStyle.random(rng)
    content, truth = _compose(procedure, identity, answers, style, rng)
    style, flat = _fit_to_one_page(content, style)
    fillable, appearances, _ = _draw(content, style, fillable=True)
    return FormRendering(
        pdf_fillable=_install_appearances(fillable, appearances, style),
        pdf_flat=flat,
        fields=truth,
    )


def form_page_images(pdf: bytes, dpi: int = 200) -> list[Image.Image]:
    """Rasterize every page, AcroForm widgets included, as a printer or scanner would."""
    document = pdfium.PdfDocument(pdf)
    try:
        document.init_forms()
        return [
            page.render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("RGB")
            for page in document
        ]
    finally:
        document.close()


# ---------------------------------------------------------------- content: what the form says


@dataclass(frozen=True)
class _Label:
    english: str
    japanese: str


@dataclass(frozen=True)
class _Text:
    key: str  # stable id of the entry: names its AcroForm field in the "snake" naming
    label: _Label
    value: str
    multiline: bool = False


@dataclass(frozen=True)
class _Option:
    key: str  # export value of the option
    label: _Label
    ticked: bool


@dataclass(frozen=True)
class _Choice:
    key: str
    label: _Label | None
    options: tuple[_Option, ...]

    @property
    def exclusive(self) -> bool:
        return len(self.options) > 1


@dataclass(frozen=True)
class _Signature:
    label: _Label
    signed: bool
    scribble_seed: int


_Entry = _Text | _Choice | _Signature


@dataclass(frozen=True)
class _Section:
    heading: _Label | None
    entries: tuple[_Entry, ...]


@dataclass(frozen=True)
class _FormContent:
    title: _Label
    addressee: _Label
    form_number: str
    photo_box: bool
    sections: tuple[_Section, ...]
    declaration: _Label


_TITLES: dict[str, _Label] = {
    "reentry_permit": _Label("APPLICATION FOR RE-ENTRY PERMIT", "再入国許可申請書"),
    "extension_of_stay": _Label(
        "APPLICATION FOR EXTENSION OF PERIOD OF STAY", "在留期間更新許可申請書"
    ),
    "change_of_status": _Label(
        "APPLICATION FOR CHANGE OF STATUS OF RESIDENCE", "在留資格変更許可申請書"
    ),
    "certificate_of_eligibility": _Label(
        "APPLICATION FOR CERTIFICATE OF ELIGIBILITY", "在留資格認定証明書交付申請書"
    ),
    "provisional_release": _Label("APPLICATION FOR PROVISIONAL RELEASE", "仮放免許可申請書"),
    "departure_order": _Label("APPLICATION FOR DEPARTURE ORDER", "出国命令に係る申請書"),
}
_ADDRESSEES: dict[str, tuple[_Label, ...]] = {
    "provisional_release": (
        _Label("To the Director of the Immigration Detention Center", "入国者収容所長 殿"),
        _Label("To the Supervising Immigration Inspector", "主任審査官 殿"),
    ),
    "departure_order": (
        _Label(
            "To the Director General of the Regional Immigration Services Bureau",
            "地方出入国在留管理局長 殿",
        ),
    ),
}
_MINISTER = (_Label("To the Minister of Justice", "法務大臣 殿"),)
_FORM_NUMBERS = (
    "別記第三十号様式",
    "別記第三十号の二様式",
    "別記第六号の三様式",
    "別記第六十一号様式",
)
_PHOTO_PROCEDURES = {"extension_of_stay", "change_of_status", "certificate_of_eligibility"}
_DECLARATIONS = (
    _Label(
        "I hereby declare that the statement given above is true and correct.",
        "以上の記載内容は事実と相違ありません。",
    ),
    _Label(
        "I certify that the information in this form is true and correct to the best of my "
        "knowledge.",
        "申請人は以上の記載内容が事実と相違ないことを誓約します。",
    ),
)

# Entry key -> (English, Japanese) wordings seen on different forms and versions.
_LABELS: dict[str, tuple[tuple[str, str], ...]] = {
    "nationality": (
        ("Nationality/Region", "国籍・地域"),
        ("Nationality / Region", "国籍・地域"),
        ("Nationality", "国籍"),
    ),
    "date_of_birth": (
        ("Date of birth", "生年月日"),
        ("Date of Birth", "生年月日"),
        ("Birth date", "生年月日"),
    ),
    "name": (("Name", "氏名"), ("Full name", "氏名"), ("Name (Family name Given name)", "氏名")),
    "family_name": (("Family name", "氏"), ("Surname", "姓"), ("Name: Family name", "氏名（姓）")),
    "given_name": (("Given name", "名"), ("Given names", "名"), ("Name: Given name", "氏名（名）")),
    "sex": (("Sex", "性別"), ("Gender", "性別")),
    "place_of_birth": (
        ("Place of birth", "出生地"),
        ("Place of Birth", "出生地"),
        ("Birthplace", "出生地"),
    ),
    "address": (
        ("Address in Japan", "住居地"),
        ("Address in Japan", "日本における住居地"),
        ("Residential address in Japan", "住居地"),
    ),
    "phone": (
        ("Telephone number", "電話番号"),
        ("Telephone No.", "電話番号"),
        ("Cellular phone number", "携帯電話番号"),
    ),
    "passport_number": (
        ("Passport (1) Number", "旅券 (1)番号"),
        ("Passport number", "旅券番号"),
        ("Passport No.", "旅券番号"),
    ),
    "passport_expiry": (
        ("Passport (2) Date of expiration", "旅券 (2)有効期限"),
        ("Passport expiry date", "旅券の有効期限"),
        ("Date of expiration of passport", "旅券有効期限"),
    ),
    "card_number": (
        ("Residence card number", "在留カード番号"),
        ("Residence Card No.", "在留カード番号"),
    ),
    "status_of_residence": (
        ("Status of residence", "在留資格"),
        ("Current status of residence", "現に有する在留資格"),
    ),
    "period_of_stay": (("Period of stay", "在留期間"), ("Current period of stay", "在留期間")),
    "stay_expiry": (
        ("Date of expiration", "在留期間の満了日"),
        ("Date of expiration of period of stay", "在留期間満了日"),
    ),
    "requested_period_extension": (
        ("Desired period of extension", "希望する在留期間"),
        ("Period of extension desired", "希望する在留期間"),
    ),
    "reason_extension": (
        ("Reason for extension", "更新の理由"),
        ("Reasons for extension", "更新の理由"),
    ),
    "desired_status": (
        ("Desired status of residence", "希望する在留資格"),
        ("Status of residence desired", "希望する在留資格"),
    ),
    "requested_period_change": (
        ("Desired period of stay", "在留期間"),
        ("Period of stay desired", "希望する在留期間"),
    ),
    "reason_change": (
        ("Reason for change of status of residence", "変更の理由"),
        ("Reasons for change", "変更の理由"),
    ),
    "permit_type": (
        ("Type of permission requested", "申請する再入国許可"),
        ("Type of re-entry permit", "再入国許可の種類"),
    ),
    "date_of_departure": (
        ("Expected date of departure", "出国予定年月日"),
        ("Date of departure from Japan", "出国予定日"),
    ),
    "date_of_reentry": (
        ("Expected date of re-entry", "再入国予定年月日"),
        ("Date of re-entry", "再入国予定日"),
    ),
    "purpose_of_travel": (("Purpose of travel", "渡航目的"), ("Purpose of trip", "渡航目的")),
    "destination": (("Destination", "予定渡航先国名"), ("Intended destination", "渡航先")),
    "status_applied_for": (
        ("Status of residence applied for", "申請に係る在留資格"),
        ("Status of residence", "在留資格"),
    ),
    "requested_period_coe": (
        ("Intended length of stay", "滞在予定期間"),
        ("Intended period of stay", "滞在予定期間"),
    ),
    "date_of_entry": (
        ("Date of entry", "入国予定年月日"),
        ("Intended date of entry", "入国予定日"),
    ),
    "port_of_entry": (("Port of entry", "上陸予定港"), ("Intended port of entry", "上陸予定港")),
    "detained_name": (
        ("Name of the detained person", "被収容者の氏名"),
        ("Detained person's name", "被収容者氏名"),
    ),
    "detained_family_name": (
        ("Detained person's family name", "被収容者の氏"),
        ("Family name of the detained person", "被収容者 氏"),
    ),
    "detained_given_name": (
        ("Detained person's given name", "被収容者の名"),
        ("Given name of the detained person", "被収容者 名"),
    ),
    "detained_nationality": (
        ("Nationality/Region of the detained person", "被収容者の国籍・地域"),
        ("Detained person's nationality", "被収容者の国籍"),
    ),
    "detained_date_of_birth": (
        ("Date of birth of the detained person", "被収容者の生年月日"),
        ("Detained person's date of birth", "被収容者の生年月日"),
    ),
    "detained_sex": (("Sex of the detained person", "被収容者の性別"),),
    "place_of_detention": (("Place of detention", "収容場所"), ("Detention facility", "収容施設")),
    "applicant_name": (
        ("Applicant's name", "申請人氏名"),
        ("Name of the applicant", "申請人の氏名"),
    ),
    "applicant_family_name": (
        ("Applicant's family name", "申請人の氏"),
        ("Family name of the applicant", "申請人 氏"),
    ),
    "applicant_given_name": (
        ("Applicant's given name", "申請人の名"),
        ("Given name of the applicant", "申請人 名"),
    ),
    "applicant_address": (
        ("Applicant's address", "申請人の住所"),
        ("Address of the applicant", "住所"),
    ),
    "applicant_phone": (("Applicant's telephone number", "申請人の電話番号"),),
    "relationship": (
        ("Relationship to the detained person", "被収容者との関係"),
        ("Relationship with the detained person", "被収容者との続柄"),
    ),
    "deposit_amount": (
        ("Amount of deposit offered", "保証金の額"),
        ("Deposit offered", "納付予定保証金額"),
    ),
    "reason_release": (
        ("Reasons for requesting provisional release", "仮放免を必要とする理由"),
        ("Reasons", "理由"),
    ),
    "signature": (
        ("Signature of the applicant", "申請人（署名）"),
        ("Signature of applicant", "申請人署名"),
    ),
    "date_of_filing": (
        ("Date of filling in this form", "記入年月日"),
        ("Date of filling in this form", "作成年月日"),
    ),
}
_HEADINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "applicant": (("Applicant", "申請人"), ("Particulars of the applicant", "申請人に関する事項")),
    "documents": (("Passport and residence card", "旅券・在留カード"),),
    "stay": (("Current status", "現在の在留状況"), ("Present residence", "現在の在留状況")),
    "request": (
        ("Application details", "申請内容"),
        ("Particulars of the application", "申請の内容"),
    ),
    "detained": (("Detained person", "被収容者"),),
    "conditions": (
        (
            "Requirements for a departure order (tick each that applies)",
            "出国命令の要件（該当する項目にチェック）",
        ),
    ),
    "declaration": (("Declaration", "申請人の署名"),),
}
_SEX_OPTIONS = (("M", "Male", "男"), ("F", "Female", "女"))
_PERMIT_OPTIONS = (("single", "Single", "一回限り"), ("multiple", "Multiple", "数次"))
# Seed 001's five conditions of the departure order system.
_DEPARTURE_CONDITIONS = (
    _Label(
        "I appeared at an immigration office on my own with the intention of leaving Japan "
        "promptly.",
        "速やかに本邦から出国する意思をもって自ら入国管理官署に出頭しました。",
    ),
    _Label(
        "I fall under no ground for deportation other than the expiry of my period of stay.",
        "在留期間の経過以外の退去強制事由に該当しません。",
    ),
    _Label(
        "I have not been sentenced to imprisonment for theft or another prescribed crime "
        "after entering Japan.",
        "入国後に窃盗罪等の所定の罪により懲役又は禁錮に処せられたことはありません。",
    ),
    _Label(
        "I have never been deported or left Japan under a departure order before.",
        "過去に退去強制されたこと又は出国命令により出国したことはありません。",
    ),
    _Label(
        "I am certain to leave Japan promptly.",
        "速やかに本邦から出国することが確実です。",
    ),
)
# Applicant's relation to the detained person -> (English, Japanese) as printed.
RELATIONSHIPS: dict[str, tuple[str, str]] = {
    "self": ("Self", "本人"),
    "spouse": ("Spouse", "配偶者"),
    "parent": ("Parent", "親"),
    "child": ("Child", "子"),
    "sibling": ("Sibling", "兄弟姉妹"),
    "agent": ("Agent", "代理人"),
    "curator": ("Curator", "保佐人"),
    "friend": ("Friend", "友人"),
    "employer": ("Employer", "雇用主"),
    "landlord": ("Landlord", "家主"),
    "coworker": ("Coworker", "同僚"),
}
_RELATIVES = {"spouse", "parent", "child", "sibling"}
JAPANESE_RESIDENT_NAMES = (
    "SATO HIROSHI",
    "SUZUKI YUKI",
    "TAKAHASHI KENJI",
    "TANAKA MEGUMI",
    "WATANABE AKIRA",
    "ITO NAOKO",
    "YAMAMOTO TAKESHI",
    "NAKAMURA AYAKO",
)
_EXTENSION_REASONS = (
    "I will continue working for my current employer.",
    "I wish to continue my studies at the same school.",
    "To continue living with my family in Japan.",
    "My employment contract has been renewed for another term.",
)
_CHANGE_REASONS = (
    "I have received a job offer after graduating from university.",
    "I married a Japanese national and we live together.",
    "I will start and manage my own business in Japan.",
    "My employer has assigned me to a new position.",
)
_RELEASE_REASONS = (
    "The detained person needs medical treatment that the detention facility cannot provide.",
    "The detained person has a spouse and children in Japan who depend on the family income.",
    "The detained person has applied for refugee status and is awaiting the decision.",
    "A guarantor undertakes to make sure the detained person appears whenever called.",
)
_TRAVEL_PURPOSES = (
    "Visiting family",
    "Business trip",
    "Study abroad",
    "Caring for a sick parent",
    "Temporary return home",
    "Overseas assignment",
)
_PORTS = ("Narita Airport", "Haneda Airport", "Kansai Airport", "Chubu Airport", "Fukuoka Airport")
DETENTION_PLACES = (
    _Label("East Japan Immigration Center", "東日本入国管理センター"),
    _Label("Omura Immigration Center", "大村入国管理センター"),
    _Label("Tokyo Regional Immigration Services Bureau", "東京出入国在留管理局"),
    _Label("Osaka Regional Immigration Services Bureau", "大阪出入国在留管理局"),
    _Label("Nagoya Regional Immigration Services Bureau", "名古屋出入国在留管理局"),
)
_DEPOSITS = (100_000, 200_000, 300_000, 500_000, 1_000_000)
# Statuses an applicant changes to most often.
_CHANGE_TARGETS = (
    "Engineer/Specialist in Humanities/International Services",
    "Spouse or Child of Japanese National",
    "Business Manager",
    "Specified Skilled Worker (i)",
    "Designated Activities",
    "Long-Term Resident",
)
# DOMAIN.md: a Certificate of Eligibility is not issued for these.
_COE_INELIGIBLE = {"Temporary Visitor", "Permanent Resident"}


def _label(
    key: str, style: FormStyle, table: dict[str, tuple[tuple[str, str], ...]] = _LABELS
) -> _Label:
    """The wording of `key` in this rendering; seeded by key so labels do not all switch
    wording together."""
    variants = table[key]
    english, japanese = variants[random.Random(f"{style.wording}:{key}").randrange(len(variants))]
    return _Label(english, japanese)


def _title_case(text: str) -> str:
    small = {"for", "of", "to", "a", "the", "in"}
    words = text.lower().split(" ")
    return " ".join(w if i and w in small else w.capitalize() for i, w in enumerate(words))


def format_date(day: date | None, style: DateFormat) -> str:
    if day is None:
        return ""
    if style == "kanji":
        return f"{day.year}年{day.month}月{day.day}日"
    if style == "dmy":
        return f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year}"
    return f"{day:%Y/%m/%d}"


def format_period(compact: str | None, language: ValueLanguage) -> str:
    """A compact period ("1y6m") as a person writes it; "" (an unlimited stay) as indefinite."""
    if compact is None:
        return ""
    if compact == "":
        return "無期限" if language == "ja" else "Indefinite"
    period = Period.parse(compact)
    parts = (
        (period.years, "year", "年"),
        (period.months, "month", "か月"),
        (period.days, "day", "日"),
    )
    if language == "ja":
        return "".join(f"{n}{unit}" for n, _, unit in parts if n)
    return " ".join(f"{n} {unit}{'s' if n > 1 else ''}" for n, unit, _ in parts if n)


@cache
def _japanese_country_names() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ja"])


def format_country(alpha3: str, language: ValueLanguage) -> str:
    country = pycountry.countries.get(alpha_3=alpha3)
    if country is None:
        return alpha3
    english = getattr(country, "common_name", None) or country.name
    japanese = _japanese_country_names().gettext(country.name)
    return {"en": english.upper(), "ja": japanese, "both": f"{english} ({japanese})"}[language]


def format_status(name: str, language: ValueLanguage) -> str:
    status = status_table().by_name(name)
    japanese = status.japanese if status else name
    return {"en": name, "ja": japanese, "both": f"{japanese} ({name})"}[language]


def format_relationship(relationship: str, language: ValueLanguage) -> str:
    english, japanese = RELATIONSHIPS.get(relationship, (relationship.capitalize(), ""))
    if language == "ja" and japanese:
        return japanese
    if language == "both" and japanese:
        return f"{english} ({japanese})"
    return english


def format_yen(amount: int, variant: int) -> str:
    return (f"¥{amount:,}", f"{amount:,} yen", f"{amount:,}円", f"JPY {amount:,}")[variant % 4]


def _split_name(full: str, identity: Identity) -> tuple[str, str]:
    if full == identity.name:
        return identity.surname, identity.given_names
    family, _, given = full.partition(" ")
    return family, given


def _relative_name(identity: Identity, relationship: str, rng: random.Random) -> str:
    """Someone applying for the detained person: relatives are compatriots, agents and other
    supporters residents of Japan."""
    if relationship in _RELATIVES:
        return " ".join(other_name(identity, rng))
    return rng.choice(JAPANESE_RESIDENT_NAMES)


def _periods(status_name: str) -> list[str]:
    status = status_table().by_name(status_name)
    return granted_periods(status) if status else []


def _filing_date(identity: Identity, rng: random.Random) -> date:
    """When the form was filled in: within the three months before the stay runs out (when
    the bureau accepts extensions and changes), else some time after the card was issued."""
    if identity.stay_expiry is not None:
        return identity.stay_expiry - timedelta(days=rng.randint(15, 85))
    return identity.card_issue + timedelta(days=rng.randint(30, 300))


def _departure_date(identity: Identity, rng: random.Random) -> date:
    """A departure early enough in the stay to leave room for a long absence."""
    earliest = identity.card_issue + timedelta(days=30)
    latest = (
        identity.stay_expiry - timedelta(days=60)
        if identity.stay_expiry is not None
        else earliest + timedelta(days=730)
    )
    spread = max(1, (latest - earliest).days // 2)
    return earliest + timedelta(days=rng.randint(0, spread))


class _Composer:
    """Builds one form's entries and the matching ground truth side by side, so that every
    truth value is exactly what some entry prints."""

    def __init__(self, identity: Identity, style: FormStyle, rng: random.Random) -> None:
        self.identity = identity
        self.style = style
        self.rng = rng
        self.truth: dict[str, str | bool | int | None] = {}

    def text(
        self, key: str, value: str, multiline: bool = False, label_key: str | None = None
    ) -> _Text:
        return _Text(key, _label(label_key or key, self.style), value, multiline)

    def date(self, key: str, day: date | None, truth_key: str | None = None) -> _Text:
        if truth_key:
            self.truth[truth_key] = day.isoformat() if day else None
        return self.text(key, format_date(day, self.style.date_format))

    def sex(self, key: str, sex: str) -> _Choice:
        options = tuple(_Option(code, _Label(en, ja), code == sex) for code, en, ja in _SEX_OPTIONS)
        return _Choice(key, _label(key, self.style), options)

    def names(self, prefix: str, full: str) -> list[_Entry]:
        """Name boxes: one, or family and given name apart, as the style says."""
        if not self.style.split_name:
            return [self.text(f"{prefix}name", full)]
        family, given = _split_name(full, self.identity)
        return [self.text(f"{prefix}family_name", family), self.text(f"{prefix}given_name", given)]

    def period(self, key: str, label_key: str, compact: str | None) -> _Text:
        self.truth[key] = Period.parse(compact).compact() if compact else None
        return self.text(
            key, format_period(compact, self.style.value_language), label_key=label_key
        )

    def status(self, key: str, truth_key: str, name: str | None) -> _Text:
        self.truth[truth_key] = name
        printed = format_status(name, self.style.value_language) if name else ""
        return self.text(key, printed)

    def section(self, heading_key: str, entries: list[_Entry], shuffle: bool = False) -> _Section:
        if shuffle and self.style.shuffle_seed is not None:
            entries = list(entries)
            random.Random(self.style.shuffle_seed).shuffle(entries)
        return _Section(_label(heading_key, self.style, _HEADINGS), tuple(entries))

    def applicant(self, full_name: str) -> _Section:
        identity = self.identity
        self.truth["applicant_name"] = full_name
        self.truth["nationality"] = identity.nationality
        entries: list[_Entry] = [
            self.text(
                "nationality", format_country(identity.nationality, self.style.value_language)
            ),
            self.date("date_of_birth", identity.date_of_birth, "date_of_birth"),
            *self.names("", full_name),
            self.sex("sex", identity.sex),
            self.text("place_of_birth", identity.place_of_birth),
            self.text("address", identity.address),
            self.text("phone", identity.phone),
        ]
        return self.section("applicant", entries, shuffle=True)

    def documents(self, with_card: bool) -> _Section:
        identity = self.identity
        self.truth["passport_number"] = identity.passport_number
        entries: list[_Entry] = [
            self.text("passport_number", identity.passport_number),
            self.date("passport_expiry", identity.passport_expiry),
        ]
        if with_card:
            self.truth["card_number"] = identity.card_number
            entries.append(self.text("card_number", identity.card_number))
        return self.section("documents", entries)

    def stay(self, status: str) -> _Section:
        identity = self.identity
        entries: list[_Entry] = [
            self.status("status_of_residence", "status_of_residence", status),
            self.text(
                "period_of_stay", format_period(identity.period_of_stay, self.style.value_language)
            ),
            self.date("stay_expiry", identity.stay_expiry),
        ]
        return self.section("stay", entries)

    def closing(self, signed: bool, filed_on: date) -> _Section:
        self.truth["signed"] = signed
        # Drawn whether or not the form is signed, so a signed and an unsigned rendering from
        # the same seed differ only by the signature.
        scribble_seed = self.rng.randrange(2**32)
        entries: list[_Entry] = [
            _Signature(_label("signature", self.style), signed, scribble_seed),
            self.date("date_of_filing", filed_on),
        ]
        return self.section("declaration", entries)


def _compose(
    procedure: str, identity: Identity, answers: FormAnswers, style: FormStyle, rng: random.Random
) -> tuple[_FormContent, dict[str, str | bool | int | None]]:
    composer = _Composer(identity, style, rng)
    composer.truth["form"] = procedure
    applicant_name = answers.applicant_name or identity.name
    status = answers.status_of_residence or identity.status
    build = {
        "reentry_permit": _reentry_sections,
        "extension_of_stay": _extension_sections,
        "change_of_status": _change_sections,
        "certificate_of_eligibility": _coe_sections,
        "provisional_release": _release_sections,
        "departure_order": _departure_sections,
    }[procedure]
    sections, filed_on = build(composer, answers, applicant_name, status)
    sections.append(composer.closing(answers.signed, filed_on))
    title = _TITLES[procedure]
    if not style.uppercase_title:
        title = _Label(_title_case(title.english), title.japanese)
    content = _FormContent(
        title=title,
        addressee=rng.choice(_ADDRESSEES.get(procedure, _MINISTER)),
        form_number=rng.choice(_FORM_NUMBERS),
        photo_box=procedure in _PHOTO_PROCEDURES,
        sections=tuple(sections),
        declaration=rng.choice(_DECLARATIONS),
    )
    return content, composer.truth


_Sections = tuple[list[_Section], date]


def _reentry_sections(c: _Composer, answers: FormAnswers, name: str, status: str) -> _Sections:
    identity, rng = c.identity, c.rng
    permit_type = answers.permit_type or rng.choice(("single", "multiple"))
    departure = answers.date_of_departure or _departure_date(identity, rng)
    reentry = answers.date_of_reentry
    if reentry is None:
        reentry = departure + timedelta(days=rng.randint(380, 1500))
        if identity.stay_expiry is not None:
            reentry = max(departure + timedelta(days=1), min(reentry, identity.stay_expiry))
    c.truth["permit_type"] = permit_type
    permit = _Choice(
        "permit_type",
        _label("permit_type", c.style),
        tuple(_Option(key, _Label(en, ja), key == permit_type) for key, en, ja in _PERMIT_OPTIONS),
    )
    request = [
        permit,
        c.date("date_of_departure", departure, "date_of_departure"),
        c.date("date_of_reentry", reentry, "date_of_reentry"),
        c.text("purpose_of_travel", rng.choice(_TRAVEL_PURPOSES)),
        c.text("destination", format_country(identity.nationality, "en")),
    ]
    sections = [
        c.applicant(name),
        c.documents(with_card=True),
        c.stay(status),
        c.section("request", request),
    ]
    return sections, departure - timedelta(days=rng.randint(7, 40))


def _extension_sections(c: _Composer, answers: FormAnswers, name: str, status: str) -> _Sections:
    identity, rng = c.identity, c.rng
    requested = answers.requested_period or identity.period_of_stay or None
    request = [
        c.period("requested_period", "requested_period_extension", requested),
        c.text("reason_extension", rng.choice(_EXTENSION_REASONS), multiline=True),
    ]
    sections = [
        c.applicant(name),
        c.documents(with_card=True),
        c.stay(status),
        c.section("request", request),
    ]
    return sections, _filing_date(identity, rng)


def _change_sections(c: _Composer, answers: FormAnswers, name: str, status: str) -> _Sections:
    identity, rng = c.identity, c.rng
    desired = answers.desired_status or rng.choice([s for s in _CHANGE_TARGETS if s != status])
    requested = answers.requested_period
    if requested is None and _periods(desired):
        requested = rng.choice(_periods(desired))
    request = [
        c.status("desired_status", "desired_status", desired),
        c.period("requested_period", "requested_period_change", requested),
        c.text("reason_change", rng.choice(_CHANGE_REASONS), multiline=True),
    ]
    sections = [
        c.applicant(name),
        c.documents(with_card=True),
        c.stay(status),
        c.section("request", request),
    ]
    return sections, _filing_date(identity, rng)


def _coe_sections(c: _Composer, answers: FormAnswers, name: str, status: str) -> _Sections:
    identity, rng = c.identity, c.rng
    if answers.status_of_residence is None and (status in _COE_INELIGIBLE or not _periods(status)):
        status = rng.choice(_CHANGE_TARGETS)
    requested = answers.requested_period
    if requested is None and _periods(status):
        requested = rng.choice(_periods(status))
    filed_on = _filing_date(identity, rng)
    request = [
        c.status("status_applied_for", "status_of_residence", status),
        c.period("requested_period", "requested_period_coe", requested),
        c.date("date_of_entry", filed_on + timedelta(days=rng.randint(60, 150))),
        c.text("port_of_entry", rng.choice(_PORTS)),
    ]
    sections = [c.applicant(name), c.documents(with_card=False), c.section("request", request)]
    return sections, filed_on


def _release_sections(c: _Composer, answers: FormAnswers, name: str, status: str) -> _Sections:
    identity, rng, style = c.identity, c.rng, c.style
    detained = answers.detained_name or identity.name
    relationship = answers.relationship or "self"
    if answers.applicant_name is None and relationship != "self":
        name = _relative_name(identity, relationship, rng)
    deposit = (
        answers.deposit_amount if answers.deposit_amount is not None else rng.choice(_DEPOSITS)
    )
    place = rng.choice(DETENTION_PLACES)
    c.truth.update(
        applicant_name=name,
        nationality=identity.nationality,
        detained_name=detained,
        relationship=relationship,
        deposit_amount=deposit,
    )
    detained_entries: list[_Entry] = [
        *c.names("detained_", detained),
        c.text("detained_nationality", format_country(identity.nationality, style.value_language)),
        c.date("detained_date_of_birth", identity.date_of_birth, "date_of_birth"),
        c.sex("detained_sex", identity.sex),
        c.text(
            "place_of_detention", place.japanese if style.value_language == "ja" else place.english
        ),
    ]
    applicant_entries: list[_Entry] = [
        *c.names("applicant_", name),
        c.text("applicant_address", identity.address),
        c.text("applicant_phone", identity.phone),
        c.text("relationship", format_relationship(relationship, style.value_language)),
    ]
    request = [
        c.text("deposit_amount", format_yen(deposit, style.wording)),
        c.text("reason_release", rng.choice(_RELEASE_REASONS), multiline=True),
    ]
    sections = [
        c.section("detained", detained_entries),
        c.section("applicant", applicant_entries),
        c.section("request", request),
    ]
    return sections, _filing_date(identity, rng)


def _departure_sections(c: _Composer, answers: FormAnswers, name: str, status: str) -> _Sections:
    identity, rng = c.identity, c.rng
    conditions = answers.departure_conditions or (True,) * 5
    entries: list[_Entry] = []
    for number, (statement, met) in enumerate(
        zip(_DEPARTURE_CONDITIONS, conditions, strict=True), 1
    ):
        c.truth[f"condition_{number}"] = met
        entries.append(_Choice(f"condition_{number}", None, (_Option("yes", statement, met),)))
    sections = [
        c.applicant(name),
        c.documents(with_card=False),
        _Section(_label("conditions", c.style, _HEADINGS), tuple(entries)),
    ]
    return sections, _filing_date(identity, rng)


# ---------------------------------------------------------------- drawing


@dataclass(frozen=True)
class _Run:
    text: str
    font: str
    size: float

    @property
    def width(self) -> float:
        return pdfmetrics.stringWidth(self.text, self.font, self.size)


_Line = tuple[_Run, ...]


def _font_for(text: str, latin: str, japanese: str) -> str:
    """Japanese text needs the IPA font; the standard PDF fonts stop at Latin-1."""
    return japanese if any(ord(ch) > 0xFF for ch in text) else latin


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines that fit `width`: breaks between Latin words or between any two CJK characters."""
    lines: list[str] = []
    current = ""
    for token in _WRAP_TOKEN.findall(text):
        candidate = current + token
        if current.strip() and pdfmetrics.stringWidth(candidate.rstrip(), font, size) > width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current = candidate
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _line_height(line: _Line) -> float:
    return max(run.size for run in line) * 1.3


@dataclass
class _Appearance:
    """A text field's value, drawn later into the field's own appearance stream."""

    text: str
    width: float
    height: float
    multiline: bool


_FieldKind = Literal["text", "box", "radio"]
_HUNGARIAN_PREFIX: dict[_FieldKind, str] = {"text": "txt", "box": "chk", "radio": "rdo"}
_GENERIC_NAME: dict[_FieldKind, str] = {"text": "Text", "box": "Check Box", "radio": "Group"}


class _FieldNamer:
    """AcroForm field names as different form authors choose them, unique within a form."""

    def __init__(self, scheme: FieldNaming) -> None:
        self.scheme = scheme
        self.used: set[str] = set()
        self.counts = {"text": 0, "box": 0, "radio": 0}

    def name(self, key: str, label: str, kind: Literal["text", "box", "radio"], page: int) -> str:
        self.counts[kind] += 1
        pascal = "".join(part.capitalize() for part in key.split("_"))
        candidate = {
            "snake": key,
            "label": re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_")[:48],
            "hungarian": _HUNGARIAN_PREFIX[kind] + pascal,
            "generic": f"{_GENERIC_NAME[kind]}{self.counts[kind]}",
            "hierarchical": f"form1[0].Page{page}[0].{pascal[0].lower()}{pascal[1:]}[0]",
        }[self.scheme]
        unique, suffix = candidate, 2
        while unique in self.used:
            unique, suffix = f"{candidate}_{suffix}", suffix + 1
        self.used.add(unique)
        return unique


class _Sheet:
    """One layout drawn either flat (values as page text) or fillable (values in AcroForm
    fields whose appearances are installed afterwards, see _install_appearances)."""

    def __init__(self, style: FormStyle, fillable: bool, title: str) -> None:
        self.style = style
        self.fillable = fillable
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=A4, pageCompression=1)
        self.canvas.setTitle(title)
        self.namer = _FieldNamer(style.naming)
        self.appearances: dict[str, _Appearance] = {}
        self.page = 1

    def run(self, x: float, baseline: float, run: _Run) -> float:
        self.canvas.setFont(run.font, run.size)
        self.canvas.drawString(x, baseline, run.text)
        return x + run.width

    def lines(self, x: float, top: float, lines: list[_Line]) -> float:
        """Draw label lines downwards from `top`; returns the height used."""
        y = top
        for line in lines:
            height = _line_height(line)
            baseline = y - height * 0.8
            cursor = x
            for run in line:
                cursor = self.run(cursor, baseline, run)
            y -= height
        return top - y

    def value(self, entry: _Text, x: float, y: float, width: float, height: float) -> None:
        if not self.fillable:
            draw_value(self.canvas, entry.value, x, y, width, height, self.style, entry.multiline)
            return
        name = self.namer.name(entry.key, entry.label.english, "text", self.page)
        self.canvas.acroForm.textfield(
            name=name,
            value="",
            x=x,
            y=y,
            width=width,
            height=height,
            borderWidth=0,
            fillColor=None,
            fontName="Helvetica",
            fontSize=round(self.style.value_size),
            fieldFlags="multiline" if entry.multiline else "",
            annotationFlags="print",
        )
        self.appearances[name] = _Appearance(entry.value, width, height, entry.multiline)

    def tick_boxes(self, entry: _Choice, boxes: list[tuple[_Option, float, float, float]]) -> None:
        style = self.style
        as_radio = self.fillable and style.radio_choices and entry.exclusive
        group = (
            self.namer.name(entry.key, _entry_title(entry), "radio", self.page) if as_radio else ""
        )
        for option, x, y, size in boxes:
            if not self.fillable:
                self.canvas.setLineWidth(0.8)
                self.canvas.rect(x, y, size, size)
                if option.ticked:
                    draw_tick(self.canvas, x, y, size, style.tick)
                continue
            look = {
                "x": x,
                "y": y,
                "size": size,
                "buttonStyle": style.tick,
                "borderWidth": 0.8,
                "borderColor": black,
                "fillColor": white,
                "textColor": black,
                "annotationFlags": "print",
            }
            if as_radio:
                self.canvas.acroForm.radio(
                    name=group, value=option.key, selected=option.ticked, shape="square", **look
                )
            else:
                label = f"{_entry_title(entry)} {option.label.english}"
                name = self.namer.name(f"{entry.key}_{option.key}", label, "box", self.page)
                self.canvas.acroForm.checkbox(name=name, checked=option.ticked, **look)

    def finish_page(self, footer: str) -> None:
        self.canvas.setFont(self.style.latin_font, 7)
        self.canvas.drawCentredString(PAGE_WIDTH / 2, self.style.margin / 2, footer)
        self.canvas.showPage()
        self.page += 1

    def save(self) -> bytes:
        self.canvas.save()
        return self.buffer.getvalue()


def _entry_title(entry: _Choice) -> str:
    return entry.label.english if entry.label else entry.options[0].label.english


def draw_value(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    width: float,
    height: float,
    style: FormStyle,
    multiline: bool,
) -> None:
    """Print a filled-in value inside its box: shrunk to fit on one line, or wrapped."""
    font = _font_for(text, style.value_font, style.japanese_font)
    pad = 3.0
    size = style.value_size
    canvas.setFillGray(0)
    if multiline:
        baseline = y + height - pad - size
        for line in wrap_text(text, font, size, width - 2 * pad):
            canvas.setFont(font, size)
            canvas.drawString(x + pad, baseline, line)
            baseline -= size * 1.25
        return
    while size > 6 and pdfmetrics.stringWidth(text, font, size) > width - 2 * pad:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.drawString(x + pad, y + (height - size * 0.7) / 2, text)


def _draw_silhouette(canvas: Canvas, x: float, y: float, width: float, height: float) -> None:
    """The head-and-shoulders sketch of a photo box. Drawn, not written: a caption would sit on
    the title's text lines and interleave with the title in the PDF's text layer."""
    canvas.saveState()
    canvas.setStrokeGray(0.6)
    canvas.setLineWidth(0.8)
    centre = x + width / 2
    canvas.circle(centre, y + height * 0.6, width * 0.2)
    canvas.arc(
        centre - width * 0.38, y + height * 0.05, centre + width * 0.38, y + height * 0.7, 20, 140
    )
    canvas.restoreState()


def draw_tick(canvas: Canvas, x: float, y: float, size: float, mark: TickMark) -> None:
    canvas.saveState()
    canvas.setLineWidth(max(1.0, size / 8))
    inset = size * 0.2
    if mark == "circle":
        canvas.circle(x + size / 2, y + size / 2, size / 2 - inset, fill=1, stroke=0)
    elif mark == "cross":
        canvas.line(x + inset, y + inset, x + size - inset, y + size - inset)
        canvas.line(x + inset, y + size - inset, x + size - inset, y + inset)
    else:
        path = canvas.beginPath()
        path.moveTo(x + inset, y + size * 0.5)
        path.lineTo(x + size * 0.42, y + inset)
        path.lineTo(x + size - inset * 0.6, y + size - inset * 0.6)
        canvas.drawPath(path, stroke=1, fill=0)
    canvas.restoreState()


def draw_scribble(
    canvas: Canvas, x: float, y: float, width: float, height: float, seed: int
) -> None:
    """A handwriting-like signature: a few connected loops and strokes in pen ink."""
    rng = random.Random(seed)
    canvas.saveState()
    canvas.setStrokeColorRGB(rng.uniform(0, 0.15), rng.uniform(0, 0.15), rng.uniform(0.2, 0.55))
    canvas.setLineWidth(rng.uniform(0.8, 1.6))
    canvas.setLineCap(1)
    canvas.setLineJoin(1)
    span = min(width * 0.8, rng.uniform(80, 170))
    left = x + rng.uniform(0.05, 0.15) * width
    mid, amplitude = y + height / 2, height * 0.32
    path = canvas.beginPath()
    cursor_x, cursor_y = left, mid + rng.uniform(-0.5, 0.5) * amplitude
    path.moveTo(cursor_x, cursor_y)
    strokes = rng.randint(5, 9)
    for _ in range(strokes):
        step = span / strokes
        next_x = cursor_x + step * rng.uniform(0.6, 1.4)
        next_y = mid + rng.uniform(-1, 1) * amplitude
        path.curveTo(
            cursor_x + step * rng.uniform(-0.6, 0.4),
            mid + rng.uniform(-1.2, 1.2) * amplitude,
            next_x + step * rng.uniform(-0.8, 0.2),
            mid + rng.uniform(-1.2, 1.2) * amplitude,
            next_x,
            next_y,
        )
        cursor_x, cursor_y = next_x, next_y
    canvas.drawPath(path, stroke=1, fill=0)
    # The underline flourish most signatures end with.
    canvas.bezier(
        left - 4,
        mid - amplitude * 0.9,
        left + span * 0.3,
        mid - amplitude * 1.3,
        left + span * 0.7,
        mid - amplitude * 0.6,
        cursor_x + 6,
        mid - amplitude * 1.0,
    )
    canvas.restoreState()


_PAD = 3.0
_SIGNATURE_HEIGHT = 36.0
_PHOTO_SIZE = (30 * mm, 40 * mm)


@dataclass
class _Geometry:
    """Where an entry's parts go, relative to its box, at a given width."""

    label_lines: list[_Line]
    label_width: float  # the label column (table, lines) or the full width (stacked)
    value_height: float
    height: float
    options: list[tuple[_Option, float, float, list[_Line]]] = field(default_factory=list)


class _Layout:
    """Flows the sections down the page(s) in the style's arrangement and columns."""

    def __init__(self, sheet: _Sheet, content: _FormContent) -> None:
        self.sheet = sheet
        self.canvas = sheet.canvas
        self.content = content
        self.style = style = sheet.style
        self.left = style.margin
        self.width = PAGE_WIDTH - 2 * style.margin
        self.bottom = style.margin + 10
        self.top = PAGE_HEIGHT - style.margin
        self.y = self.top
        self.gap = 0.0 if style.arrangement == "table" else 4.0
        self.box_size = max(8.0, style.value_size * 0.9)

    # -- text measuring

    def _runs(self, english: str, japanese: str, size: float, prefix: str = "") -> tuple[_Run, ...]:
        style = self.style
        english_run = (english, style.latin_font)
        japanese_run = (japanese, style.japanese_font)
        first, second = (
            (english_run, japanese_run)
            if style.label_order == "en_ja"
            else (japanese_run, english_run)
        )
        runs = [
            _Run(
                prefix + first[0], _font_for(prefix + first[0], first[1], style.japanese_font), size
            )
        ]
        if second[0]:
            runs.append(_Run(" " + second[0], second[1], size))
        return tuple(runs)

    def _wrapped(self, text: str, font: str, size: float, width: float) -> list[_Line]:
        return [(_Run(line, font, size),) for line in wrap_text(text, font, size, width)]

    def label_lines(
        self, label: _Label, number: int | None, width: float, size: float | None = None
    ) -> list[_Line]:
        style = self.style
        size = size or style.label_size
        prefix = f"{number} " if number is not None and style.numbered else ""
        if style.label_order == "ja_over_en":
            return self._wrapped(
                prefix + label.japanese, style.japanese_font, size, width
            ) + self._wrapped(label.english, style.latin_font, size * 0.85, width)
        runs = self._runs(label.english, label.japanese, size, prefix)
        if sum(run.width for run in runs) <= width:
            return [runs]
        return [
            line for run in runs for line in self._wrapped(run.text.strip(), run.font, size, width)
        ]

    def _natural_width(self, label: _Label, number: int | None) -> float:
        lines = self.label_lines(label, number, 10_000)
        return max(sum(run.width for run in line) for line in lines)

    # -- entries

    def _value_height(self, entry: _Entry, width: float) -> tuple[float, list]:
        style = self.style
        if isinstance(entry, _Signature):
            return _SIGNATURE_HEIGHT, []
        if isinstance(entry, _Text):
            if not entry.multiline:
                return style.value_size * 1.9, []
            font = _font_for(entry.value, style.value_font, style.japanese_font)
            lines = max(2, len(wrap_text(entry.value, font, style.value_size, width - 2 * _PAD)))
            return lines * style.value_size * 1.25 + 2 * _PAD, []
        return self._place_options(entry, width)

    def _place_options(self, entry: _Choice, width: float) -> tuple[float, list]:
        """Tick boxes with their captions, flowing left to right, wrapping when full."""
        size = self.style.label_size
        box = self.box_size
        placed: list[tuple[_Option, float, float, list[_Line]]] = []
        if not entry.exclusive:
            option = entry.options[0]
            lines = self.label_lines(option.label, None, width - box - 3 * _PAD, size)
            height = sum(_line_height(line) for line in lines)
            placed.append((option, _PAD, _PAD, lines))
            return max(height, box) + 2 * _PAD, placed
        x, top, row_height = _PAD, _PAD, box + 2 * _PAD
        for option in entry.options:
            runs = self._runs(option.label.english, option.label.japanese, size)
            item = box + 3 + sum(run.width for run in runs) + 12
            if x > _PAD and x + item > width:
                x, top = _PAD, top + row_height
            placed.append((option, x, top, [runs]))
            x += item
        return top + row_height, placed

    def geometry(self, entry: _Entry, number: int | None, width: float) -> _Geometry:
        style = self.style
        label = entry.label
        if label is None:
            label_width, lines = 0.0, []
        elif style.arrangement == "table":
            label_width = width * 0.36
            lines = self.label_lines(label, number, label_width - 2 * _PAD)
        elif style.arrangement == "lines":
            label_width = min(self._natural_width(label, number) + 8, width * 0.5)
            lines = self.label_lines(label, number, label_width - 4)
        else:
            label_width = width
            lines = self.label_lines(label, number, width)
        label_height = sum(_line_height(line) for line in lines) + (2 * _PAD if lines else 0)
        value_width = width if style.arrangement == "stacked" else width - label_width
        value_height, options = self._value_height(entry, value_width)
        if style.arrangement == "stacked":
            height = label_height + value_height + self.gap
        else:
            height = max(label_height, value_height) + self.gap
        return _Geometry(lines, label_width, value_height, height, options)

    def draw_entry(
        self, entry: _Entry, geometry: _Geometry, x: float, top: float, width: float, height: float
    ) -> None:
        canvas, style = self.canvas, self.style
        bottom = top - height + self.gap
        canvas.setLineWidth(0.6)
        canvas.setStrokeGray(0)
        if style.arrangement == "stacked":
            self.sheet.lines(x, top - _PAD, geometry.label_lines)
            value_rect = (x, bottom, width, geometry.value_height)
        else:
            value_rect = (
                x + geometry.label_width,
                bottom,
                width - geometry.label_width,
                top - bottom,
            )
        if style.arrangement == "table":
            if style.shade_labels and geometry.label_width:
                canvas.setFillGray(0.9)
                canvas.rect(x, bottom, geometry.label_width, top - bottom, stroke=0, fill=1)
                canvas.setFillGray(0)
            canvas.rect(x, bottom, width, top - bottom)
            if geometry.label_width:
                canvas.line(x + geometry.label_width, bottom, x + geometry.label_width, top)
            self.sheet.lines(x + _PAD, top - _PAD, geometry.label_lines)
        elif style.arrangement == "lines":
            self.sheet.lines(x, top - _PAD, geometry.label_lines)
            if not isinstance(entry, _Choice):
                canvas.line(value_rect[0], bottom, x + width, bottom)
        elif not isinstance(entry, _Choice):
            canvas.rect(*value_rect)
        self.draw_value(entry, geometry, *value_rect)

    def draw_value(
        self, entry: _Entry, geometry: _Geometry, x: float, y: float, width: float, height: float
    ) -> None:
        if isinstance(entry, _Text):
            field_height = height if entry.multiline else min(height, self.style.value_size * 1.9)
            if self.style.arrangement == "table":  # centred in its cell; elsewhere on the line
                y += (height - field_height) / 2
            self.sheet.value(entry, x + 1, y + 1, width - 2, field_height - 2)
        elif isinstance(entry, _Signature):
            if entry.signed:
                draw_scribble(self.canvas, x, y, width, height, entry.scribble_seed)
        else:
            top = y + height
            boxes = []
            for option, dx, dtop, lines in geometry.options:
                box_y = top - dtop - self.box_size
                boxes.append((option, x + dx, box_y, self.box_size))
                self.sheet.lines(x + dx + self.box_size + 3, top - dtop + 1, lines)
            self.sheet.tick_boxes(entry, boxes)

    # -- flow

    def _narrow(self, entry: _Entry, column_width: float) -> bool:
        if isinstance(entry, _Text):
            font = _font_for(entry.value, self.style.value_font, self.style.japanese_font)
            value_width = pdfmetrics.stringWidth(entry.value, font, self.style.value_size)
            return not entry.multiline and value_width <= column_width * 0.5
        return isinstance(entry, _Signature) or entry.exclusive

    def _rows(
        self, entries: list[tuple[int | None, _Entry]]
    ) -> list[list[tuple[int | None, _Entry]]]:
        """Pairs of neighbouring short entries share a row in two columns."""
        if self.style.columns == 1:
            return [[item] for item in entries]
        column_width = (self.width - 8) / 2
        rows: list[list[tuple[int | None, _Entry]]] = []
        pending: list[tuple[int | None, _Entry]] = []
        for item in entries:
            if self._narrow(item[1], column_width):
                pending.append(item)
                if len(pending) == 2:
                    rows.append(pending)
                    pending = []
                continue
            if pending:
                rows.append(pending)
                pending = []
            rows.append([item])
        if pending:
            rows.append(pending)
        return rows

    def _ensure(self, height: float) -> None:
        if self.y - height >= self.bottom:
            return
        self.sheet.finish_page(f"- {self.sheet.page} -")
        self.y = self.top
        title = self.content.title
        runs = self._runs(title.english, title.japanese, 8, "")
        cursor = self.left
        for run in (*runs, _Run(f"  ({self.sheet.page})", self.style.latin_font, 8)):
            cursor = self.sheet.run(cursor, self.y - 8, run)
        self.y -= 18

    def _measured_rows(
        self, numbered: list[tuple[int | None, _Entry]]
    ) -> list[tuple[float, float, list[tuple[_Entry, _Geometry]]]]:
        """Each row's column width and height, and its entries with their geometry."""
        measured = []
        for row in self._rows(numbered):
            width = self.width if len(row) == 1 else (self.width - 8) / 2
            placed = [(entry, self.geometry(entry, number, width)) for number, entry in row]
            measured.append((width, max(g.height for _, g in placed), placed))
        return measured

    def section(
        self,
        section: _Section,
        numbered: list[tuple[int | None, _Entry]],
        lead: list[_Line] | None = None,
    ) -> None:
        """Heading and rows; `lead` (the declaration before the signature) stays on the page
        of the heading and the first row."""
        rows = self._measured_rows(numbered)
        heading_height = self.style.label_size * 1.4 + 2 * _PAD if section.heading else 0.0
        lead_height = sum(_line_height(line) for line in lead) + 6 if lead else 0.0
        self._ensure(lead_height + heading_height + 6 + rows[0][1])
        if lead:
            self.y -= self.sheet.lines(self.left, self.y, lead) + 6
        if section.heading:
            self.heading(section.heading, heading_height)
        for width, height, placed in rows:
            self._ensure(height)
            for column, (entry, geometry) in enumerate(placed):
                self.draw_entry(
                    entry, geometry, self.left + column * (width + 8), self.y, width, height
                )
            self.y -= height
        self.y -= 8

    def heading(self, heading: _Label, height: float) -> None:
        canvas, style = self.canvas, self.style
        self.y -= 2
        if style.arrangement == "table":
            canvas.setFillGray(0.8)
            canvas.rect(self.left, self.y - height, self.width, height, stroke=1, fill=1)
            canvas.setFillGray(0)
        runs = self._runs(heading.english, heading.japanese, style.label_size * 1.1)
        baseline = self.y - height + _PAD + 1.5
        cursor = self.left + _PAD
        for run in runs:
            cursor = self.sheet.run(cursor, baseline, run)
        if style.arrangement != "table":
            canvas.setLineWidth(1.0 if style.arrangement == "lines" else 0.4)
            canvas.line(self.left, self.y - height, self.left + self.width, self.y - height)
        self.y -= height + (0 if style.arrangement == "table" else 4)

    def header(self) -> None:
        canvas, style, content = self.canvas, self.style, self.content
        self.sheet.run(self.left, self.y - 8, _Run(content.form_number, style.japanese_font, 7.5))
        ministry = self._runs("Ministry of Justice, Government of Japan", "日本国政府法務省", 8.5)
        cursor = PAGE_WIDTH / 2 - sum(run.width for run in ministry) / 2
        for run in ministry:
            cursor = self.sheet.run(cursor, self.y - 20, run)
        title_width = self.width
        photo_bottom = self.y
        if content.photo_box:
            photo_width, photo_height = _PHOTO_SIZE
            title_width -= photo_width + 12
            photo_x, photo_bottom = self.left + self.width - photo_width, self.y - 4 - photo_height
            canvas.setLineWidth(0.6)
            canvas.setDash(2, 2)
            canvas.rect(photo_x, photo_bottom, photo_width, photo_height)
            canvas.setDash()
            _draw_silhouette(canvas, photo_x, photo_bottom, photo_width, photo_height)
        title = content.title
        english = self._wrapped(title.english, style.title_font, style.title_size, title_width)
        japanese = self._wrapped(
            title.japanese, style.japanese_font, style.title_size * 0.9, title_width
        )
        y = self.y - 36
        for (run,) in japanese + english if style.label_order != "en_ja" else english + japanese:
            y -= run.size * 1.3
            canvas.setFont(run.font, run.size)
            canvas.drawCentredString(self.left + title_width / 2, y, run.text)
        y -= 22
        cursor = self.left
        for run in self._runs(
            content.addressee.english, content.addressee.japanese, style.label_size + 1.5
        ):
            cursor = self.sheet.run(cursor, y, run)
        self.y = min(y, photo_bottom) - 12

    def declaration_lines(self) -> list[_Line]:
        style, declaration = self.style, self.content.declaration
        return self._wrapped(
            declaration.english, style.latin_font, style.label_size, self.width
        ) + self._wrapped(declaration.japanese, style.japanese_font, style.label_size, self.width)

    def draw(self) -> None:
        self.header()
        number = 0
        last = len(self.content.sections) - 1
        for index, section in enumerate(self.content.sections):
            numbered: list[tuple[int | None, _Entry]] = []
            for entry in section.entries:
                if entry.label is not None:
                    number += 1
                numbered.append((number if entry.label is not None else None, entry))
            self.section(section, numbered, self.declaration_lines() if index == last else None)
        self.sheet.finish_page(f"- {self.sheet.page} -")


def _draw(
    content: _FormContent, style: FormStyle, fillable: bool
) -> tuple[bytes, dict[str, _Appearance], int]:
    """The PDF, its text fields' appearances (fillable only) and its number of pages."""
    sheet = _Sheet(style, fillable, content.title.english)
    _Layout(sheet, content).draw()
    return sheet.save(), sheet.appearances, sheet.page - 1


def _fit_to_one_page(content: _FormContent, style: FormStyle) -> tuple[FormStyle, bytes]:
    """What a form designer does when the page overflows: two columns, then smaller type and
    margins. Keeping a form on one page keeps its signature with its particulars; a form that
    overflows even so keeps its own type and runs onto more pages, as long official forms do."""
    two_columns = replace(style, columns=2)
    smaller = (
        replace(
            two_columns,
            label_size=max(6.0, style.label_size * factor),
            value_size=max(7.5, style.value_size * factor),
            title_size=max(12.0, style.title_size * factor),
            margin=12 * mm,
        )
        for factor in (0.85, 0.72)
    )
    candidates = (style, two_columns, *smaller)
    for candidate in candidates:
        flat, _, pages = _draw(content, candidate, fillable=False)
        if pages == 1:
            return candidate, flat
    return style, _draw(content, style, fillable=False)[0]


def _appearance_streams(
    appearances: dict[str, _Appearance], style: FormStyle
) -> dict[str, StreamObject]:
    """Each value drawn as a Form XObject in a scratch PDF. reportlab's own field appearances
    only know the standard Latin-1 fonts, and Japanese values (addresses, 年月日 dates) need IPA."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    xobject_names: dict[str, str] = {}
    for index, (name, appearance) in enumerate(appearances.items()):
        form = f"value{index}"
        canvas.beginForm(form, 0, 0, appearance.width, appearance.height)
        draw_value(
            canvas,
            appearance.text,
            0,
            0,
            appearance.width,
            appearance.height,
            style,
            appearance.multiline,
        )
        canvas.endForm()
        canvas.doForm(form)
        xobject_names[name] = "/" + xObjectName(form)
    canvas.showPage()
    canvas.save()
    xobjects = PdfReader(buffer).pages[0]["/Resources"]["/XObject"]
    return {name: xobjects[xobject].get_object() for name, xobject in xobject_names.items()}


def _install_appearances(
    pdf: bytes, appearances: dict[str, _Appearance], style: FormStyle
) -> bytes:
    """Fill each text field: its value (/V) for software, its appearance (/AP) for eyes."""
    streams = _appearance_streams(appearances, style)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            name = str(widget.get("/T", ""))
            if name not in appearances:
                continue
            stream = streams[name].clone(writer)
            widget[NameObject("/V")] = TextStringObject(appearances[name].text)
            widget[NameObject("/AP")] = DictionaryObject(
                {NameObject("/N"): stream.indirect_reference}
            )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
