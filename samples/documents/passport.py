"""Machine-readable travel documents: the passport data page (TD3) and, with the same drawing
code, ID cards (TD1, TD2) and visas (MRV-A, MRV-B). The MRZ follows ICAO 9303: check digits
computed, long names truncated, OCR-B at 10 characters per inch."""

from __future__ import annotations

import random
import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import date

from samples.documents import (
    Canvas,
    Color,
    Rendered,
    guilloche,
    ink,
    pastel,
    scribble,
)
from samples.documents.photo import render_photo
from samples.identity import Identity

FILLER = "<"
MRZ_PITCH_MM = 2.54  # ten characters per inch
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def check_digit(text: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1; digits count as themselves, A-Z as 10-35,
    the filler as 0."""
    total = 0
    for position, char in enumerate(text):
        if char.isdigit():
            value = int(char)
        elif "A" <= char <= "Z":
            value = ord(char) - ord("A") + 10
        else:
            value = 0
        total += value * (7, 3, 1)[position % 3]
    return str(total % 10)


def _mrz_text(text: str) -> str:
    """Letters and digits as the MRZ writes them: accents dropped, everything else a filler."""
    plain = unicodedata.normalize("NFKD", text.upper()).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", FILLER, plain.replace("'", "")).strip(FILLER)


def mrz_name(surname: str, given_names: str, width: int) -> str:
    """The name field, `SURNAME<<GIVEN<NAMES`, cut to `width` as ICAO 9303 says: given names
    lose characters first; the surname is cut only when it leaves no room for an initial."""
    primary, secondary = _mrz_text(surname), _mrz_text(given_names)
    full = f"{primary}<<{secondary}" if secondary else primary
    if len(full) <= width:
        return full.ljust(width, FILLER)
    if secondary and len(primary) + 3 > width:
        return f"{primary[: width - 3]}<<{secondary[0]}"
    return full[:width].rstrip(FILLER).ljust(width, FILLER)


def name_from_mrz(name_field: str) -> tuple[str, str]:
    """Surname and given names as a reader of the MRZ sees them (fillers become spaces)."""
    primary, _, secondary = name_field.partition("<<")
    return primary.replace(FILLER, " ").strip(), secondary.replace(FILLER, " ").strip()


def _yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


def _field(text: str, width: int) -> str:
    return _mrz_text(text).ljust(width, FILLER)[:width]


@dataclass(frozen=True)
class MrzData:
    """What a machine-readable zone encodes, whatever its format."""

    document_code: str  # "P", "I", "ID", "V"...
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    date_of_birth: date
    sex: str
    date_of_expiry: date
    optional_data: str = ""


def td3_lines(data: MrzData, *, empty_check: str = FILLER) -> tuple[str, str]:
    """Passport MRZ, 2 x 44. `empty_check` is what an unused optional-data field's check digit
    shows: ICAO allows `<` or `0`, and issuers use both."""
    line1 = (
        _field(data.document_code, 2)
        + data.issuing_state
        + mrz_name(data.surname, data.given_names, 39)
    )
    number = _field(data.document_number, 9)
    optional = _field(data.optional_data, 14)
    optional_check = check_digit(optional) if data.optional_data else empty_check
    body = (
        number
        + check_digit(number)
        + data.nationality
        + _yymmdd(data.date_of_birth)
        + check_digit(_yymmdd(data.date_of_birth))
        + data.sex
        + _yymmdd(data.date_of_expiry)
        + check_digit(_yymmdd(data.date_of_expiry))
        + optional
        + optional_check
    )
    composite = check_digit(body[0:10] + body[13:20] + body[21:43])
    return line1, body + composite


def td2_lines(data: MrzData) -> tuple[str, str]:
    """Official travel document MRZ, 2 x 36."""
    line1 = (
        _field(data.document_code, 2)
        + data.issuing_state
        + mrz_name(data.surname, data.given_names, 31)
    )
    number = _field(data.document_number, 9)
    body = (
        number
        + check_digit(number)
        + data.nationality
        + _yymmdd(data.date_of_birth)
        + check_digit(_yymmdd(data.date_of_birth))
        + data.sex
        + _yymmdd(data.date_of_expiry)
        + check_digit(_yymmdd(data.date_of_expiry))
        + _field(data.optional_data, 7)
    )
    composite = check_digit(body[0:10] + body[13:20] + body[21:35])
    return line1, body + composite


def td1_lines(data: MrzData) -> tuple[str, str, str]:
    """ID card MRZ, 3 x 30."""
    number = _field(data.document_number, 9)
    line1 = (
        _field(data.document_code, 2)
        + data.issuing_state
        + number
        + check_digit(number)
        + _field(data.optional_data, 15)
    )
    middle = (
        _yymmdd(data.date_of_birth)
        + check_digit(_yymmdd(data.date_of_birth))
        + data.sex
        + _yymmdd(data.date_of_expiry)
        + check_digit(_yymmdd(data.date_of_expiry))
        + data.nationality
        + FILLER * 11
    )
    composite = check_digit(line1[5:30] + middle[0:7] + middle[8:15] + middle[18:29])
    return line1, middle + composite, mrz_name(data.surname, data.given_names, 30)


def mrv_lines(data: MrzData, *, width: int) -> tuple[str, str]:
    """Visa MRZ: MRV-A (width 44) or MRV-B (width 36); no composite check digit."""
    line1 = (
        _field(data.document_code, 2)
        + data.issuing_state
        + mrz_name(data.surname, data.given_names, width - 5)
    )
    number = _field(data.document_number, 9)
    body = (
        number
        + check_digit(number)
        + data.nationality
        + _yymmdd(data.date_of_birth)
        + check_digit(_yymmdd(data.date_of_birth))
        + data.sex
        + _yymmdd(data.date_of_expiry)
        + check_digit(_yymmdd(data.date_of_expiry))
    )
    return line1, body + _field(data.optional_data, width - len(body))


@dataclass(frozen=True)
class _Format:
    width_mm: float
    height_mm: float
    title: str
    mrz_zone_mm: float  # height of the MRZ zone at the bottom


_FORMATS: dict[str, _Format] = {
    "TD3": _Format(125, 88, "PASSPORT", 23.2),
    "TD2": _Format(105, 74, "IDENTITY CARD", 19.0),
    "TD1": _Format(85.6, 54, "IDENTITY CARD", 17.8),
    "MRVA": _Format(120, 80, "VISA", 23.2),
    "MRVB": _Format(105, 74, "VISA", 19.0),
}

# Issuing states: the header a data page prints and how it names the holder's nationality.
_STATES: dict[str, tuple[str, str, str]] = {
    "VNM": ("SOCIALIST REPUBLIC OF VIET NAM", "VIETNAMESE", "vi"),
    "CHN": ("PEOPLE'S REPUBLIC OF CHINA", "CHINESE", "zh"),
    "PHL": ("REPUBLIC OF THE PHILIPPINES", "FILIPINO", "en"),
    "NPL": ("NEPAL", "NEPALI", "en"),
    "IDN": ("REPUBLIC OF INDONESIA", "INDONESIA", "id"),
    "BRA": ("REPÚBLICA FEDERATIVA DO BRASIL", "BRASILEIRO(A)", "pt"),
    "USA": ("UNITED STATES OF AMERICA", "UNITED STATES OF AMERICA", "en"),
    "KOR": ("REPUBLIC OF KOREA", "REPUBLIC OF KOREA", "en"),
    "THA": ("KINGDOM OF THAILAND", "THAI", "en"),
    "MMR": ("REPUBLIC OF THE UNION OF MYANMAR", "MYANMAR", "en"),
    "JPN": ("JAPAN", "JAPANESE", "ja"),
}

_LABELS_EN = {
    "type": "Type",
    "code": "Country code",
    "number": "Passport No.",
    "document": "Document No.",
    "surname": "Surname",
    "given": "Given names",
    "nationality": "Nationality",
    "birth": "Date of birth",
    "sex": "Sex",
    "place": "Place of birth",
    "issue": "Date of issue",
    "expiry": "Date of expiry",
    "authority": "Authority",
}
# Second label language printed next to the English one, by the issuer's language.
_LABELS_SECOND: dict[str, dict[str, str]] = {
    "fr": {
        "type": "Type",
        "code": "Code du pays",
        "number": "N° du passeport",
        "document": "N° du document",
        "surname": "Nom",
        "given": "Prénoms",
        "nationality": "Nationalité",
        "birth": "Date de naissance",
        "sex": "Sexe",
        "place": "Lieu de naissance",
        "issue": "Date de délivrance",
        "expiry": "Date d'expiration",
        "authority": "Autorité",
    },
    "vi": {
        "type": "Loại",
        "code": "Mã số",
        "number": "Số hộ chiếu",
        "document": "Số giấy tờ",
        "surname": "Họ",
        "given": "Chữ đệm và tên",
        "nationality": "Quốc tịch",
        "birth": "Ngày sinh",
        "sex": "Giới tính",
        "place": "Nơi sinh",
        "issue": "Ngày cấp",
        "expiry": "Có giá trị đến",
        "authority": "Cơ quan cấp",
    },
    "pt": {
        "type": "Tipo",
        "code": "Código do país",
        "number": "Passaporte nº",
        "document": "Documento nº",
        "surname": "Sobrenome",
        "given": "Nome",
        "nationality": "Nacionalidade",
        "birth": "Data de nascimento",
        "sex": "Sexo",
        "place": "Local de nascimento",
        "issue": "Data de expedição",
        "expiry": "Válido até",
        "authority": "Autoridade",
    },
    "zh": {
        "type": "类型",
        "code": "国家码",
        "number": "护照号",
        "document": "证件号码",
        "surname": "姓",
        "given": "名",
        "nationality": "国籍",
        "birth": "出生日期",
        "sex": "性别",
        "place": "出生地点",
        "issue": "签发日期",
        "expiry": "有效期至",
        "authority": "签发机关",
    },
    "id": {
        "type": "Tipe",
        "code": "Kode negara",
        "number": "No. Paspor",
        "document": "No. Dokumen",
        "surname": "Nama keluarga",
        "given": "Nama",
        "nationality": "Kewarganegaraan",
        "birth": "Tanggal lahir",
        "sex": "Jenis kelamin",
        "place": "Tempat lahir",
        "issue": "Tanggal pengeluaran",
        "expiry": "Tanggal habis berlaku",
        "authority": "Kantor yang mengeluarkan",
    },
    "ja": {
        "type": "型",
        "code": "発行国",
        "number": "旅券番号",
        "document": "番号",
        "surname": "姓",
        "given": "名",
        "nationality": "国籍",
        "birth": "生年月日",
        "sex": "性別",
        "place": "本籍",
        "issue": "発行年月日",
        "expiry": "有効期間満了日",
        "authority": "発行官庁",
    },
}
_TITLE_SECOND = {
    "fr": "PASSEPORT",
    "vi": "HỘ CHIẾU",
    "pt": "PASSAPORTE",
    "zh": "护照",
    "id": "PASPOR",
    "ja": "旅券",
}


def nationality_text(alpha3: str) -> str:
    """How the holder's own state writes the nationality in English (VIETNAMESE)."""
    return _STATES.get(alpha3, ("", alpha3, ""))[1]


def visual_date(day: date) -> str:
    """Dates as the visual zone prints them: `12 APR 1990`."""
    return f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class _Style:
    label_font: str
    value_font: str
    label_size: float
    value_size: float
    label_color: Color
    value_color: Color
    accent: Color
    label_layout: str  # "en", "en/second", "second/en", "numbered"
    second_language: str
    row_gap: float


def _style(rng: random.Random, language: str) -> _Style:
    return _Style(
        label_font=rng.choice(["sans", "sans_condensed", "serif", "sans_oblique"]),
        value_font=rng.choice(["sans_bold", "sans", "serif_bold", "ocrb", "sans_condensed_bold"]),
        label_size=rng.uniform(1.35, 1.7),
        value_size=rng.uniform(2.5, 3.1),
        label_color=rng.choice([(40, 60, 120), (110, 40, 50), (70, 70, 70), (30, 90, 80)]),
        value_color=rng.choice([(15, 15, 15), (25, 25, 45), (35, 30, 30)]),
        accent=ink(rng, lightness=rng.uniform(0.3, 0.45)),
        label_layout=rng.choice(["en", "en/second", "second/en", "numbered"]),
        second_language=language if language in _LABELS_SECOND else "fr",
        row_gap=rng.uniform(0.6, 1.4),
    )


def _label(style: _Style, key: str, number: int) -> str:
    english = _LABELS_EN[key]
    second = _LABELS_SECOND[style.second_language][key]
    match style.label_layout:
        case "en/second":
            return f"{english} / {second}"
        case "second/en":
            return f"{second} / {english}"
        case "numbered":
            return f"{number}. {english}"
        case _:
            return english


def _draw_mrz(canvas: Canvas, lines: tuple[str, ...], rng: random.Random, fmt: _Format) -> None:
    """OCR-B at 10 characters per inch, lines 4-5 mm apart, about the middle of ICAO's bottom
    zone."""
    chars = len(lines[0])
    left = (fmt.width_mm - chars * MRZ_PITCH_MM) / 2 + rng.uniform(-1.0, 1.0)
    pitch = rng.uniform(4.0, 4.6) if len(lines) == 2 else rng.uniform(3.6, 4.0)
    block = (len(lines) - 1) * pitch + 2.6
    top = fmt.height_mm - fmt.mrz_zone_mm / 2 - block / 2 + rng.uniform(-1.0, 2.0)
    top = min(top, fmt.height_mm - 3 - block)
    if rng.random() < 0.5:
        canvas.rect(
            0,
            fmt.height_mm - fmt.mrz_zone_mm + 1,
            fmt.width_mm,
            fmt.mrz_zone_mm,
            fill=(250, 250, 248),
        )
    size_mm = MRZ_PITCH_MM / 0.723  # OCR-B advances 0.723 em per character
    for index, line in enumerate(lines):
        canvas.text(
            left, top + index * pitch, line, size_mm=size_mm, font_name="ocrb", fill=(10, 10, 10)
        )


def _render(
    kind: str,
    data: MrzData,
    mrz_lines: tuple[str, ...],
    identity: Identity,
    issue: date,
    rng: random.Random,
) -> Rendered:
    fmt = _FORMATS[kind]
    header, printed_nationality, language = _STATES.get(
        data.issuing_state, (data.issuing_state, data.nationality, "en")
    )
    if data.nationality != data.issuing_state:
        printed_nationality = nationality_text(data.nationality)
    style = _style(rng, language)
    canvas = Canvas(fmt.width_mm, fmt.height_mm, rng.uniform(290, 320), pastel(rng, lightness=0.94))
    guilloche(
        canvas,
        rng,
        colors=[pastel(rng, lightness=0.8) for _ in range(3)],
        density=rng.randint(4, 9),
    )

    scale = fmt.height_mm / 88
    title = fmt.title
    if style.label_layout != "en" and language in _TITLE_SECOND and kind == "TD3":
        title = f"{_TITLE_SECOND[language]} / {title}"
    header_y = rng.uniform(2.5, 4.0) * scale
    header_size = rng.uniform(2.6, 3.4) * scale
    header_size = canvas.fit_size_mm(
        header, size_mm=header_size, width_mm=fmt.width_mm * 0.62, font_name="sans_bold"
    )
    if rng.random() < 0.5:
        canvas.text(
            fmt.width_mm / 2,
            header_y,
            header,
            size_mm=header_size,
            font_name="sans_bold",
            fill=style.accent,
            anchor="ma",
        )
        canvas.text(
            fmt.width_mm - 5,
            header_y + header_size + 1,
            title,
            size_mm=header_size * 0.9,
            font_name="serif_bold",
            fill=style.accent,
            anchor="ra",
        )
    else:
        canvas.text(
            5, header_y, title, size_mm=header_size, font_name="serif_bold", fill=style.accent
        )
        canvas.text(
            fmt.width_mm - 5,
            header_y,
            header,
            size_mm=header_size * 0.85,
            font_name="sans_bold",
            fill=style.accent,
            anchor="ra",
        )

    zone_top = fmt.height_mm - fmt.mrz_zone_mm
    photo_x = rng.uniform(3.5, 7.0) * scale
    photo_y = header_y + header_size * 2.4 + rng.uniform(0, 2)
    photo_h = min(zone_top - photo_y - 2, rng.uniform(38, 45) * scale)
    photo_w = photo_h * rng.uniform(0.75, 0.82)
    photo = render_photo(identity, rng).image
    if rng.random() < 0.3:  # many states print the portrait in grey
        photo = photo.convert("L")
    canvas.paste(photo, photo_x, photo_y, photo_w, photo_h)

    visual: list[list[tuple[str, str]]] = [
        [
            ("type", data.document_code),
            ("code", data.issuing_state),
            ("number" if kind == "TD3" else "document", data.document_number),
        ],
        [("surname", identity.surname)],
        [("given", identity.given_names)],
        [("nationality", printed_nationality)],
        [("birth", visual_date(data.date_of_birth)), ("sex", data.sex)],
        [("place", identity.place_of_birth)],
        [("issue", visual_date(issue)), ("expiry", visual_date(data.date_of_expiry))],
    ]
    if rng.random() < 0.5:
        visual[4].reverse()
    if kind == "TD1":  # too small for everything: what national ID cards keep
        visual = [visual[0][2:], visual[1], visual[2], visual[4], visual[6][1:]]
    elif kind in {"TD2", "MRVB"}:
        visual = visual[:5] + visual[6:]

    left = photo_x + photo_w + rng.uniform(3, 5) * scale
    right = fmt.width_mm - 3
    row_height = (style.label_size + style.value_size + style.row_gap) * scale
    available = zone_top - 1 - photo_y
    shrink = min(1.0, available / (row_height * len(visual)))
    y = photo_y
    number = 1
    for row in visual:
        column_width = (right - left) / len(row)
        for index, (key, value) in enumerate(row):
            x = left + index * column_width
            label = _label(style, key, number)
            label_size = canvas.fit_size_mm(
                label,
                size_mm=style.label_size * scale * shrink,
                width_mm=column_width - 1,
                font_name=style.label_font,
            )
            canvas.text(
                x, y, label, size_mm=label_size, font_name=style.label_font, fill=style.label_color
            )
            value_size = canvas.fit_size_mm(
                value,
                size_mm=style.value_size * scale * shrink,
                width_mm=column_width - 1,
                font_name=style.value_font,
            )
            canvas.text(
                x,
                y + (style.label_size + 0.3) * scale * shrink,
                value,
                size_mm=value_size,
                font_name=style.value_font,
                fill=style.value_color,
            )
            number += 1
        y += row_height * shrink
    if zone_top - y > 5 * scale:
        scribble(
            canvas,
            rng,
            (
                left + (right - left) * 0.45,
                y,
                (right - left) * 0.4,
                min(zone_top - y - 1, 9 * scale),
            ),
        )

    _draw_mrz(canvas, mrz_lines, rng, fmt)
    surname, given_names = name_from_mrz(mrz_lines[2] if kind == "TD1" else mrz_lines[0][5:])
    optional = data.optional_data if kind == "TD3" else ""
    return Rendered(
        canvas.image,
        {
            "mrz_type": kind,
            "document_number": data.document_number,
            "issuing_state": data.issuing_state,
            "surname": surname,
            "given_names": given_names,
            "nationality": data.nationality,
            "date_of_birth": data.date_of_birth.isoformat(),
            "sex": data.sex,
            "date_of_expiry": data.date_of_expiry.isoformat(),
            "personal_number": optional or None,
            "mrz_valid": True,
            "_mrz": mrz_lines,
        },
    )


def _personal_number(rng: random.Random) -> str:
    """Some issuers fill the optional data with a national identity number."""
    if rng.random() < 0.7:
        return ""
    return "".join(rng.choices(string.digits, k=rng.choice([9, 10, 12])))


def render_passport(identity: Identity, rng: random.Random) -> Rendered:
    """A TD3 passport data page at about 300 dpi."""
    data = MrzData(
        document_code=rng.choice(["P", "P", "P", "PN"]) if identity.nationality == "KOR" else "P",
        issuing_state=identity.nationality,
        surname=identity.surname,
        given_names=identity.given_names,
        document_number=identity.passport_number,
        nationality=identity.nationality,
        date_of_birth=identity.date_of_birth,
        sex=identity.sex,
        date_of_expiry=identity.passport_expiry,
        optional_data=_personal_number(rng),
    )
    lines = td3_lines(data, empty_check=rng.choice([FILLER, "0"]))
    return _render("TD3", data, lines, identity, identity.passport_issue, rng)


def render_mrz_document(kind: str, identity: Identity, rng: random.Random) -> Rendered:
    """ID cards (TD1, TD2) issued by the holder's state, and Japanese visas (MRVA, MRVB),
    for readers that handle every MRZ format with the same field names."""
    visa = kind in {"MRVA", "MRVB"}
    letters = "".join(rng.choices(string.ascii_uppercase, k=2))
    document_number = letters + "".join(rng.choices(string.digits, k=7))
    issue = identity.passport_issue
    data = MrzData(
        document_code="V" if visa else rng.choice(["I", "ID"]),
        issuing_state="JPN" if visa else identity.nationality,
        surname=identity.surname,
        given_names=identity.given_names,
        document_number=document_number,
        nationality=identity.nationality,
        date_of_birth=identity.date_of_birth,
        sex=identity.sex,
        date_of_expiry=identity.passport_expiry,
    )
    lines: tuple[str, ...]
    match kind:
        case "TD1":
            lines = td1_lines(data)
        case "TD2":
            lines = td2_lines(data)
        case "MRVA":
            lines = mrv_lines(data, width=44)
        case "MRVB":
            lines = mrv_lines(data, width=36)
        case "TD3":
            lines = td3_lines(data)
        case _:
            raise ValueError(f"unknown MRZ document kind: {kind!r}")
    return _render(kind, data, lines, identity, issue, rng)
