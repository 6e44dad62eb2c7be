"""The residence card (在留カード), front and back, laid out like the real card: bilingual
labels, Japanese values, a photo on the right, the validity line at the bottom."""

from __future__ import annotations

import gettext
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import pycountry

from samples.documents import Canvas, Color, Rendered, guilloche, pastel
from samples.documents.photo import render_photo
from samples.identity import Identity
from schemas.reference import Period, status_table

CARD_WIDTH_MM = 85.60
CARD_HEIGHT_MM = 53.98

# Cards print short names where ISO's Japanese name is long or formal.
_SHORT_COUNTRY_NAMES = {"KOR": "韓国", "GBR": "英国", "TWN": "台湾"}

PENDING_STAMPS = ("在留期間更新許可申請中", "在留資格変更許可申請中")
OUTSIDE_STATUS_STAMP = "許可：原則週28時間以内・風俗営業等の従事を除く"
_OFFICES = ("東京", "大阪", "名古屋", "福岡", "札幌", "仙台", "広島", "高松")


@cache
def _japanese_countries() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ja"])


def japanese_country(alpha3: str) -> str:
    """The nationality as a residence card prints it (ベトナム, 中国, 韓国)."""
    if alpha3 in _SHORT_COUNTRY_NAMES:
        return _SHORT_COUNTRY_NAMES[alpha3]
    country = pycountry.countries.get(alpha_3=alpha3)
    return _japanese_countries().gettext(country.name) if country else alpha3


def japanese_date(day: date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def japanese_period(compact: str) -> str:
    """`1y6m` as the card prints it: `1年6月`; an unlimited stay is `無期限`."""
    if not compact:
        return "無期限"
    period = Period.parse(compact)
    parts = ((period.years, "年"), (period.months, "月"), (period.days, "日"))
    return "".join(f"{n}{unit}" for n, unit in parts if n)


def _permission_type(identity: Identity, rng: random.Random) -> str:
    if identity.status == "Permanent Resident":
        return "永住許可"
    return rng.choice(["在留期間更新許可", "在留資格変更許可", "上陸許可"])


@dataclass(frozen=True)
class _CardStyle:
    dpi: float
    background: Color
    line_color: Color
    label_color: Color
    value_color: Color
    english_font: str
    value_font: str
    jitter_x: float
    jitter_y: float
    row_scale: float


def _card_style(rng: random.Random) -> _CardStyle:
    return _CardStyle(
        dpi=rng.uniform(320, 420),  # 12.6 to 16.5 px/mm
        background=pastel(rng, lightness=rng.uniform(0.92, 0.96)),
        line_color=rng.choice([(120, 150, 190), (130, 170, 150), (170, 150, 190)]),
        label_color=rng.choice([(40, 40, 40), (30, 50, 90), (60, 60, 60)]),
        value_color=rng.choice([(10, 10, 10), (20, 20, 30)]),
        english_font=rng.choice(["sans", "sans_condensed"]),
        value_font=rng.choice(["gothic", "gothic", "mincho"]),
        jitter_x=rng.uniform(-1.2, 1.2),
        jitter_y=rng.uniform(-1.0, 1.0),
        row_scale=rng.uniform(0.94, 1.04),
    )


def _blank_card(rng: random.Random, style: _CardStyle) -> Canvas:
    canvas = Canvas(CARD_WIDTH_MM, CARD_HEIGHT_MM, style.dpi, style.background)
    guilloche(
        canvas,
        rng,
        colors=[pastel(rng, lightness=0.82) for _ in range(2)],
        density=rng.randint(3, 7),
    )
    return canvas


def _label(
    canvas: Canvas, style: _CardStyle, x: float, y: float, japanese: str, english: str
) -> float:
    """Japanese label with its small English gloss beneath; returns the x where values go."""
    canvas.text(x, y, japanese, size_mm=1.45, font_name="gothic", fill=style.label_color)
    canvas.text(
        x, y + 1.7, english, size_mm=0.95, font_name=style.english_font, fill=style.label_color
    )
    english_width = canvas.text_width_mm(english, size_mm=0.95, font_name=style.english_font)
    japanese_width = canvas.text_width_mm(japanese, size_mm=1.45, font_name="gothic")
    return x + max(english_width, japanese_width) + 1.2


def render_card_front(
    identity: Identity, rng: random.Random, *, card_number: str | None = None
) -> Rendered:
    """The card front. `card_number` overrides the identity's, to print a malformed one."""
    style = _card_style(rng)
    canvas = _blank_card(rng, style)
    number = card_number if card_number is not None else identity.card_number
    status = status_table().by_name(identity.status)
    if status is None:
        raise ValueError(f"unknown status of residence: {identity.status!r}")
    restriction = next(
        r for r in status_table().work_restrictions if r.code == identity.work_restriction
    )
    left = 3.0 + style.jitter_x
    top = 2.6 + style.jitter_y
    step = 5.6 * style.row_scale

    canvas.text(left, top, "在留カード", size_mm=3.2, font_name="gothic", fill=(30, 60, 120))
    canvas.text(
        left + 17.5,
        top + 0.9,
        "RESIDENCE CARD",
        size_mm=1.7,
        font_name="sans_bold",
        fill=(30, 60, 120),
    )
    number_x = CARD_WIDTH_MM - 3.0 + style.jitter_x * 0.3
    canvas.text(
        number_x,
        top + 0.4,
        number,
        size_mm=2.7,
        font_name="sans_bold",
        fill=(170, 30, 40),
        anchor="ra",
    )
    number_width = canvas.text_width_mm(number, size_mm=2.7, font_name="sans_bold")
    canvas.text(
        number_x - number_width - 1.0,
        top + 0.9,
        "番号",
        size_mm=1.6,
        font_name="gothic",
        fill=style.label_color,
        anchor="ra",
    )

    photo_w = 22.0 + rng.uniform(-1.0, 1.0)
    photo_h = photo_w * 1.3
    photo_x = CARD_WIDTH_MM - photo_w - 2.5
    photo_y = top + 5.5
    canvas.paste(render_photo(identity, rng).image, photo_x, photo_y, photo_w, photo_h)
    text_right = photo_x - 1.0

    y = top + 5.6
    value_x = _label(canvas, style, left, y, "氏名", "NAME")
    canvas.text(
        value_x,
        y + 0.2,
        identity.name,
        font_name="sans_bold",
        fill=style.value_color,
        size_mm=canvas.fit_size_mm(
            identity.name, size_mm=2.9, width_mm=text_right - value_x, font_name="sans_bold"
        ),
    )
    y += step
    value_x = _label(canvas, style, left, y, "生年月日", "DATE OF BIRTH")
    canvas.text(
        value_x,
        y + 0.3,
        japanese_date(identity.date_of_birth),
        size_mm=2.0,
        font_name=style.value_font,
        fill=style.value_color,
    )
    sex_x = value_x + 22.5
    value_x = _label(canvas, style, sex_x, y, "性別", "SEX")
    sex_text = "男 M." if identity.sex == "M" else "女 F."
    canvas.text(
        value_x, y + 0.3, sex_text, size_mm=2.0, font_name=style.value_font, fill=style.value_color
    )
    y += step * 0.85
    value_x = _label(canvas, style, left, y, "国籍・地域", "NATIONALITY/REGION")
    canvas.text(
        value_x,
        y + 0.3,
        japanese_country(identity.nationality),
        size_mm=2.0,
        font_name=style.value_font,
        fill=style.value_color,
    )
    y += step * 0.85
    value_x = _label(canvas, style, left, y, "住居地", "ADDRESS")
    canvas.text(
        value_x,
        y + 0.3,
        identity.address,
        font_name=style.value_font,
        fill=style.value_color,
        size_mm=canvas.fit_size_mm(
            identity.address, size_mm=1.9, width_mm=text_right - value_x, font_name=style.value_font
        ),
    )
    y += step * 0.95
    canvas.line(left, y - 0.8, text_right, y - 0.8, fill=style.line_color)
    value_x = _label(canvas, style, left, y, "在留資格", "STATUS")
    canvas.text(
        value_x,
        y,
        status.japanese,
        font_name="gothic",
        fill=style.value_color,
        size_mm=canvas.fit_size_mm(
            status.japanese, size_mm=3.0, width_mm=text_right - value_x, font_name="gothic"
        ),
    )
    y += step
    restriction_size = canvas.fit_size_mm(
        restriction.japanese, size_mm=2.2, width_mm=text_right - left - 3, font_name="gothic"
    )
    box = canvas.text(
        left + 1.5,
        y + 0.6,
        restriction.japanese,
        size_mm=restriction_size,
        font_name="gothic",
        fill=style.value_color,
    )
    canvas.draw.rectangle(
        (
            canvas.px(left),
            box[1] - canvas.px(0.6),
            box[2] + canvas.px(1.5),
            box[3] + canvas.px(0.6),
        ),
        outline=style.value_color,
        width=max(1, canvas.px(0.2)),
    )
    y += step * 0.9

    period_text = japanese_period(identity.period_of_stay)
    if identity.stay_expiry is not None:
        period_text += f"({japanese_date(identity.stay_expiry)})"
    value_x = _label(canvas, style, left, y, "在留期間(満了日)", "PERIOD OF STAY")
    canvas.text(
        value_x,
        y + 0.2,
        period_text,
        font_name=style.value_font,
        fill=style.value_color,
        size_mm=canvas.fit_size_mm(
            period_text,
            size_mm=2.2,
            width_mm=CARD_WIDTH_MM - 3 - value_x,
            font_name=style.value_font,
        ),
    )
    y += step * 0.8
    small = 1.35
    office = rng.choice(_OFFICES)
    permission = f"許可の種類  {_permission_type(identity, rng)}（{office}出入国在留管理局長）"
    canvas.text(left, y, permission, size_mm=small, font_name="gothic", fill=style.label_color)
    y += 2.1
    dates = (
        f"許可年月日  {japanese_date(identity.card_issue)}    "
        f"交付年月日  {japanese_date(identity.card_issue)}"
    )
    canvas.text(left, y, dates, size_mm=small, font_name="gothic", fill=style.label_color)

    band_top = CARD_HEIGHT_MM - 5.2
    canvas.rect(0, band_top, CARD_WIDTH_MM, 5.2, fill=pastel(rng, lightness=0.85))
    valid_text = f"このカードは  {japanese_date(identity.card_valid_until)}  まで有効  です。"
    canvas.text(
        left, band_top + 1.3, valid_text, size_mm=2.2, font_name="gothic", fill=(160, 30, 40)
    )
    canvas.text(
        CARD_WIDTH_MM - 3,
        band_top + 1.6,
        "出入国在留管理庁長官",
        size_mm=1.4,
        font_name="mincho",
        fill=style.label_color,
        anchor="ra",
    )

    return Rendered(
        canvas.image,
        {
            "card_number": number,
            "name": identity.name,
            "date_of_birth": identity.date_of_birth.isoformat(),
            "sex": identity.sex,
            "nationality": identity.nationality,
            "status_of_residence": identity.status,
            "work_restriction": identity.work_restriction,
            "period_of_stay": japanese_period(identity.period_of_stay),
            "date_of_expiry": identity.stay_expiry.isoformat() if identity.stay_expiry else None,
            "card_valid_until": identity.card_valid_until.isoformat(),
        },
    )


def _stamp(canvas: Canvas, x: float, y: float, text: str, size_mm: float, color: Color) -> None:
    """Office stamps are printed text in a thin frame, often slightly off the ruled line."""
    box = canvas.text(x, y, text, size_mm=size_mm, font_name="gothic", fill=color)
    pad = canvas.px(0.5)
    canvas.draw.rectangle(
        (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad),
        outline=color,
        width=max(1, canvas.px(0.15)),
    )


def render_card_back(
    identity: Identity,
    rng: random.Random,
    *,
    application_pending: bool,
    permission_outside_status: bool,
) -> Rendered:
    """The card back: address table, permission outside status, application-pending stamp."""
    style = _card_style(rng)
    canvas = Canvas(CARD_WIDTH_MM, CARD_HEIGHT_MM, style.dpi, style.background)
    left = 2.5 + style.jitter_x * 0.5
    right = CARD_WIDTH_MM - 2.5
    top = 2.5 + style.jitter_y * 0.5
    stamp_color = rng.choice([(20, 20, 20), (30, 30, 90)])

    canvas.text(left, top, "住居地記載欄", size_mm=1.6, font_name="gothic", fill=style.label_color)
    table_top = top + 2.4
    row_h = 3.6 * style.row_scale
    date_w = 17.0
    stamp_w = 14.0
    canvas.rect(left, table_top, right - left, row_h * 4, outline=style.line_color)
    for index, heading in enumerate(("届出年月日", "住居地", "記載者印")):
        x = (left + 1, left + date_w + 1, right - stamp_w + 1)[index]
        canvas.text(
            x, table_top + 0.8, heading, size_mm=1.3, font_name="gothic", fill=style.label_color
        )
    for row in range(1, 4):
        canvas.line(
            left,
            table_top + row * row_h,
            right,
            table_top + row * row_h,
            fill=style.line_color,
            width_mm=0.12,
        )
    canvas.line(
        left + date_w,
        table_top,
        left + date_w,
        table_top + row_h * 4,
        fill=style.line_color,
        width_mm=0.12,
    )
    canvas.line(
        right - stamp_w,
        table_top,
        right - stamp_w,
        table_top + row_h * 4,
        fill=style.line_color,
        width_mm=0.12,
    )
    if rng.random() < 0.6:  # a move after the card was issued is written on the back
        moved = identity.card_issue + timedelta(days=rng.randint(0, 7))
        canvas.text(
            left + 1,
            table_top + row_h + 0.9,
            japanese_date(moved),
            size_mm=1.4,
            font_name="gothic",
            fill=stamp_color,
        )
        address_size = canvas.fit_size_mm(
            identity.address,
            size_mm=1.6,
            width_mm=right - stamp_w - left - date_w - 2,
            font_name="gothic",
        )
        canvas.text(
            left + date_w + 1,
            table_top + row_h + 0.9,
            identity.address,
            size_mm=address_size,
            font_name="gothic",
            fill=stamp_color,
        )
        canvas.text(
            right - stamp_w + 1.5,
            table_top + row_h + 0.9,
            f"{rng.choice(_OFFICES)}区長",
            size_mm=1.4,
            font_name="mincho",
            fill=(180, 40, 40),
        )

    y = table_top + row_h * 4 + 2.2
    canvas.text(
        left, y, "資格外活動許可欄", size_mm=1.6, font_name="gothic", fill=style.label_color
    )
    box_top = y + 2.3
    canvas.rect(left, box_top, right - left, 7.5, outline=style.line_color)
    if permission_outside_status:
        _stamp(
            canvas,
            left + rng.uniform(1.0, 4.0),
            box_top + rng.uniform(1.2, 2.5),
            OUTSIDE_STATUS_STAMP,
            1.7,
            stamp_color,
        )

    y = box_top + 7.5 + 2.2
    canvas.text(
        left, y, "在留期間更新等許可申請欄", size_mm=1.6, font_name="gothic", fill=style.label_color
    )
    box_top = y + 2.3
    canvas.rect(left, box_top, right - left, 7.5, outline=style.line_color)
    if application_pending:
        applied = identity.stay_expiry or identity.card_valid_until
        applied -= timedelta(days=rng.randint(10, 60))
        _stamp(
            canvas,
            left + rng.uniform(1.0, 8.0),
            box_top + rng.uniform(1.2, 2.5),
            f"{rng.choice(PENDING_STAMPS)}  {japanese_date(applied)}",
            1.9,
            stamp_color,
        )
    canvas.text(
        left,
        CARD_HEIGHT_MM - 3.2,
        "※ 記載事項に変更があったときは届け出てください。",
        size_mm=1.2,
        font_name="gothic",
        fill=style.label_color,
    )
    return Rendered(
        canvas.image,
        {
            "application_pending": application_pending,
            "permission_outside_status": permission_outside_status,
        },
    )
