"""Forms laid out as the Ministry of Justice prints them, for the application-form reader.

The project's own renderer (samples/documents/forms.py) puts each value in a box of its own
beside or under its label. The Ministry's forms do not: each item's label is printed small
in the top-left corner of a ruled cell ("2 生年月日" over "Date of birth") and the value is
written in that same cell, after the label on its line or under it. Cells end at the
table's right edge, the signature shares its cell with the date of filling in, and the
re-entry choice prints 一回 over Single beside one box. This renders such a page, and its
scanned look, so the reader is tested on a layout it was not written from.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pycountry
import pypdfium2 as pdfium
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from samples.documents.forms import format_period
from samples.fonts import font_path
from samples.identity import Identity

Procedure = Literal["extension_of_stay", "reentry_permit"]
PermitType = Literal["single", "multiple"]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 34.0
TABLE_WIDTH = PAGE_WIDTH - 2 * MARGIN
ROW_HEIGHT = 38.0
LABEL_SIZE = 8.5  # the Japanese label; the English one under it is smaller
ENGLISH_SIZE = 6.2
VALUE_SIZE = 11.0
INK = (0.05, 0.05, 0.1)
PEN = (0.08, 0.1, 0.4)

# reportlab name -> samples.fonts name
_FONTS = {"MinistryGothic": "gothic", "MinistrySans": "sans"}
_CJK = "MinistryGothic"
_LATIN = "MinistrySans"

_TITLES: dict[str, tuple[str, str]] = {
    "extension_of_stay": (
        "在 留 期 間 更 新 許 可 申 請 書",
        "APPLICATION FOR EXTENSION OF PERIOD OF STAY",
    ),
    "reentry_permit": ("再 入 国 許 可 申 請 書", "APPLICATION FOR RE-ENTRY PERMIT"),
}


@dataclass(frozen=True)
class MinistryForm:
    """What an applicant wrote on the form, in the reader's terms (ISO dates, alpha-3
    nationality, English status name, compact period)."""

    procedure: Procedure
    nationality: str
    date_of_birth: date
    family_name: str
    given_name: str
    passport_number: str
    card_number: str
    status_of_residence: str
    requested_period: str = "3y"  # extension of stay only
    permit_type: PermitType = "single"  # re-entry permit only
    signed: bool = True
    filled_on: date = date(2026, 11, 30)
    glyph_boxes: bool = False  # tick boxes printed as text (☒ / ☐), as a born-digital PDF may
    # "Year", "Month", "Day" printed under 年 月 日 as on the paper forms; off by default, as
    # the reader then takes them for part of the date and doubts it (a finding, see the tests)
    english_units: bool = False
    scribble_seed: int = 0
    place_of_birth: str = "Hanoi"
    address: str = "東京都新宿区大久保2-3-4"

    @classmethod
    def of(cls, identity: Identity, procedure: Procedure, rng: random.Random) -> MinistryForm:
        """A form filled in from a sample identity, its free choices drawn from `rng`."""
        return cls(
            procedure=procedure,
            nationality=identity.nationality,
            date_of_birth=identity.date_of_birth,
            family_name=identity.surname,
            given_name=identity.given_names,
            passport_number=identity.passport_number,
            card_number=identity.card_number,
            status_of_residence=identity.status,
            requested_period=rng.choice(("1y", "3y", "5y", "6m")),
            permit_type=rng.choice(("single", "multiple")),
            scribble_seed=rng.randrange(2**32),
            place_of_birth=identity.place_of_birth,
            address=identity.address,
        )

    def truth(self) -> dict[str, str | bool]:
        """The fields `extract_application_form` should report, by the contract's names."""
        fields: dict[str, str | bool] = {
            "form": self.procedure,
            "nationality": self.nationality,
            "date_of_birth": self.date_of_birth.isoformat(),
            "applicant_name": f"{self.family_name} {self.given_name}",
            "passport_number": self.passport_number,
            "card_number": self.card_number,
            "status_of_residence": self.status_of_residence,
            "signed": self.signed,
        }
        if self.procedure == "extension_of_stay":
            fields["requested_period"] = self.requested_period
        else:
            fields["permit_type"] = self.permit_type
        return fields


def render_ministry_form(form: MinistryForm) -> tuple[bytes, dict[str, str | bool]]:
    """The one-page PDF, values drawn as page text, and the fields it should be read as."""
    for name, key in _FONTS.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(font_path(key))))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    _Page(canvas, form).draw()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue(), form.truth()


def scanned(pdf: bytes, path: Path, seed: int) -> Path:
    """The page as an office scanner hands it over: 200-250 dpi, off-white paper and grey
    toner, a slight tilt and blur, saved as a JPEG at quality 80 (its ringing included)."""
    rng = random.Random(seed)
    dpi = rng.choice((200, 225, 250))
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()
    pixels = np.asarray(image, np.float32) * 0.9 + 14
    pixels += np.random.default_rng(seed).normal(0, 4, pixels.shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    image = image.rotate(rng.uniform(-0.6, 0.6), Image.Resampling.BICUBIC, fillcolor=240)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 0.8)))
    image.convert("RGB").save(path, "JPEG", quality=80, dpi=(dpi, dpi))
    return path


def _country_name(alpha3: str) -> str:
    """The country as an applicant writes it ("Viet Nam"), not the code the reader reports."""
    country = pycountry.countries.get(alpha_3=alpha3)
    if country is None:
        return alpha3
    return str(getattr(country, "common_name", None) or country.name)


_Cell = Callable[[float, float], None]  # draws a cell's inside, given its left and width


@dataclass
class _Page:
    """Draws the form top-down; `top` is the y of the next row's upper rule."""

    canvas: Canvas
    form: MinistryForm
    top: float = PAGE_HEIGHT - 170
    _item: int = 0  # the last item number printed
    _height: float = ROW_HEIGHT  # of the row being drawn

    def draw(self) -> None:
        form = self.form
        self._heading()
        self._row(
            (
                0.5,
                lambda x, w: self._beside(
                    x, w, "国籍・地域", "Nationality/Region", _country_name(form.nationality)
                ),
            ),
            (
                0.5,
                lambda x, w: self._date_under(
                    x, w, "生年月日", "Date of birth", form.date_of_birth
                ),
            ),
        )
        self._name_row()
        self._row(
            (1.0, lambda x, w: self._beside(x, w, "住居地", "Address in Japan", form.address)),
        )
        self._row(
            (
                0.5,
                lambda x, w: self._beside(
                    x, w, "旅券 (1)番号", "Passport (1) Number", form.passport_number
                ),
            ),
            (0.5, lambda x, w: self._beside(x, w, "出生地", "Place of birth", form.place_of_birth)),
        )
        self._row(
            (
                0.62,
                lambda x, w: self._under(
                    x, w, "現に有する在留資格", "Status of residence", form.status_of_residence
                ),
            ),
            (
                0.38,
                lambda x, w: self._under(
                    x, w, "在留期間", "Period of stay", "1 year", numbered=False
                ),
            ),
            height=42,
        )
        self._row(
            (
                1.0,
                lambda x, w: self._beside(
                    x, w, "在留カード番号", "Residence card number", form.card_number
                ),
            ),
        )
        if form.procedure == "extension_of_stay":
            period = format_period(form.requested_period, "en")
            self._row(
                (
                    1.0,
                    lambda x, w: self._beside(
                        x, w, "希望する在留期間", "Desired length of extension", period
                    ),
                ),
            )
            self._row(
                (
                    1.0,
                    lambda x, w: self._under(
                        x, w, "更新の理由", "Reason for extension", "To continue my present work."
                    ),
                ),
                height=46,
            )
        else:
            self._row(
                (
                    0.5,
                    lambda x, w: self._beside(
                        x, w, "渡航目的", "Purpose of travel", "Family visit"
                    ),
                ),
                (
                    0.5,
                    lambda x, w: self._beside(
                        x,
                        w,
                        "予定渡航先国名",
                        "Intended destination",
                        _country_name(form.nationality),
                    ),
                ),
            )
            self._row((1.0, self._permit_choice), height=34)
        self._signature()

    # ------------------------------------------------------------ page furniture

    def _heading(self) -> None:
        c = self.canvas
        japanese, english = _TITLES[self.form.procedure]
        c.setFont(_CJK, 6.5)
        c.drawString(
            MARGIN, PAGE_HEIGHT - 22, "日本国政府法務省 Ministry of Justice, Government of Japan"
        )
        c.setFont(_CJK, 17)
        c.drawCentredString(PAGE_WIDTH / 2 - 30, PAGE_HEIGHT - 64, japanese)
        c.setFont(_LATIN, 10)
        c.drawCentredString(PAGE_WIDTH / 2 - 30, PAGE_HEIGHT - 80, english)
        self._label(
            MARGIN,
            PAGE_HEIGHT - 110,
            "出入国在留管理局長　殿",
            "To the Director General of the Regional Immigration Services Bureau",
        )
        c.setLineWidth(0.5)
        c.setDash(2, 2)
        c.rect(PAGE_WIDTH - MARGIN - 82, PAGE_HEIGHT - 150, 82, 105)
        c.setDash()

    def _row(self, *cells: tuple[float, _Cell], height: float = ROW_HEIGHT) -> None:
        """One table row of cells (width fraction, drawer of the cell's inside); the last
        cell ends at the table's right edge, as on the Ministry's forms."""
        x = MARGIN
        self.canvas.setLineWidth(0.6)
        for fraction, draw in cells:
            width = TABLE_WIDTH * fraction
            self.canvas.rect(x, self.top - height, width, height)
            self._height = height
            draw(x, width)
            x += width
        self.top -= height

    def _label(self, x: float, y: float, japanese: str, english: str, scale: float = 1.0) -> float:
        """A Japanese label over its English one; returns the wider of the two's width."""
        c = self.canvas
        c.setFillColorRGB(0, 0, 0)
        c.setFont(_CJK, LABEL_SIZE * scale)
        c.drawString(x, y, japanese)
        c.setFont(_LATIN, ENGLISH_SIZE * scale)
        c.drawString(x, y - (ENGLISH_SIZE + 2) * scale, english)
        return max(
            pdfmetrics.stringWidth(japanese, _CJK, LABEL_SIZE * scale),
            pdfmetrics.stringWidth(english, _LATIN, ENGLISH_SIZE * scale),
        )

    def _cell_label(self, x: float, japanese: str, english: str, numbered: bool = True) -> float:
        if numbered:
            self._item += 1
            japanese = f"{self._item} {japanese}"
        return self._label(x + 3, self.top - 10, japanese, english)

    def _value(self, x: float, y: float, text: str, room: float, size: float = VALUE_SIZE) -> None:
        """Typed text, Japanese characters in a Japanese font, shrunk to fit its room."""
        runs: list[tuple[str, str]] = []
        for char in text:
            font = _CJK if ord(char) > 0x2E80 else _LATIN
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + char)
            else:
                runs.append((font, char))
        while size > 7 and sum(pdfmetrics.stringWidth(t, f, size) for f, t in runs) > room:
            size -= 0.5
        c = self.canvas
        c.setFillColorRGB(*INK)
        for font, part in runs:
            c.setFont(font, size)
            c.drawString(x, y, part)
            x += pdfmetrics.stringWidth(part, font, size)
        c.setFillColorRGB(0, 0, 0)

    # ------------------------------------------------------------ cells

    def _beside(self, x: float, width: float, japanese: str, english: str, value: str) -> None:
        """The value after the label, on the label's line ("Nationality/Region  Viet Nam")."""
        label_width = self._cell_label(x, japanese, english)
        left = x + label_width + 12
        self._value(left, self.top - self._height / 2 - 4, value, x + width - left - 6)

    def _under(
        self, x: float, width: float, japanese: str, english: str, value: str, numbered: bool = True
    ) -> None:
        """The value under the label (a status under "Status of residence")."""
        self._cell_label(x, japanese, english, numbered)
        self._value(x + 12, self.top - self._height + 6, value, width - 18)

    def _date_under(self, x: float, width: float, japanese: str, english: str, day: date) -> None:
        """A date under its label, digits before printed 年 Year 月 Month 日 Day."""
        self._cell_label(x, japanese, english)
        self._dated(x + 12, self.top - self._height + 5, day)

    def _dated(self, x: float, y: float, day: date) -> None:
        for number, unit, english in (
            (f"{day.year}", "年", "Year"),
            (f"{day.month:02d}", "月", "Month"),
            (f"{day.day:02d}", "日", "Day"),
        ):
            self._value(x, y, number, 60)
            x += pdfmetrics.stringWidth(number, _LATIN, VALUE_SIZE) + 5
            if self.form.english_units:
                self._label(x, y + 3, unit, english, scale=0.85)
            else:
                self.canvas.setFont(_CJK, LABEL_SIZE)
                self.canvas.drawString(x, y, unit)
            x += 30

    def _name_row(self) -> None:
        """Name: the item's label, then two cells headed "Family name" and "Given name"."""
        height = ROW_HEIGHT
        c = self.canvas
        c.setLineWidth(0.6)
        c.rect(MARGIN, self.top - height, TABLE_WIDTH, height)
        self._height = height
        self._cell_label(MARGIN, "氏名", "Name")
        label_width = 70.0
        half = (TABLE_WIDTH - label_width) / 2
        c.setLineWidth(0.4)
        for index, (heading, value) in enumerate(
            (("Family name", self.form.family_name), ("Given name", self.form.given_name))
        ):
            left = MARGIN + label_width + index * half
            c.line(left, self.top - height, left, self.top)
            c.setFont(_LATIN, ENGLISH_SIZE)
            c.drawString(left + 3, self.top - 9, heading)
            self._value(left + 10, self.top - height + 7, value, half - 16)
        self.top -= height

    def _permit_choice(self, x: float, width: float) -> None:
        """Two options, each a box beside its Japanese wording with the English under it."""
        label_width = self._cell_label(x, "申請する再入国許可", "Re-entry permit applied for")
        left = x + label_width + 24
        y = self.top - self._height / 2 - 2
        for option, japanese, english in (
            ("single", "一回", "Single"),
            ("multiple", "数次", "Multiple"),
        ):
            ticked = option == self.form.permit_type
            if self.form.glyph_boxes:
                c = self.canvas
                c.setFont(_LATIN, LABEL_SIZE + 2)
                c.drawString(left, y, "☒" if ticked else "☐")
                c.setFont(_CJK, LABEL_SIZE + 1)
                c.drawString(
                    left + pdfmetrics.stringWidth("☒", _LATIN, LABEL_SIZE + 2), y, japanese
                )
                c.setFont(_LATIN, ENGLISH_SIZE)
                c.drawString(left + 12, y - ENGLISH_SIZE - 2, english)
            else:
                self._tick_box(left, y - 1, 9, ticked)
                self._label(left + 13, y, japanese, english)
            left += 90

    def _tick_box(self, x: float, y: float, size: float, ticked: bool) -> None:
        c = self.canvas
        c.setLineWidth(0.7)
        c.rect(x, y, size, size)
        if ticked:  # a pen's cross, a little past the box's corners
            c.setStrokeColorRGB(*PEN)
            c.setLineWidth(1.4)
            c.line(x - 0.5, y - 0.5, x + size + 0.5, y + size + 0.5)
            c.line(x - 0.5, y + size + 0.5, x + size + 0.5, y - 0.5)
            c.setStrokeColorRGB(0, 0, 0)

    def _signature(self) -> None:
        """The declaration's cell: the pen signature under the label on the left, the date
        of filling in on the right."""
        c = self.canvas
        self.top -= 14
        c.setFont(_CJK, 7)
        c.drawString(
            MARGIN,
            self.top,
            "以上の記載内容は事実と相違ありません。 "
            "I hereby declare that the statement given above is true and correct.",
        )
        self.top -= 10
        height = 50.0
        c.setLineWidth(0.6)
        c.rect(MARGIN, self.top - height, TABLE_WIDTH, height)
        self._label(
            MARGIN + 4,
            self.top - 11,
            "申請人（法定代理人）の署名／申請書作成年月日",
            "Signature of the applicant (legal representative) / Date of filling in this form",
        )
        if self.form.signed:
            self._scribble(MARGIN + 40, self.top - height + 8, 140)
        self._dated(MARGIN + 320, self.top - height + 10, self.form.filled_on)
        self.top -= height

    def _scribble(self, x: float, y: float, width: float) -> None:
        """A pen signature: one polyline of loops drifting right, never text."""
        rng = random.Random(self.form.scribble_seed)
        c = self.canvas
        c.setStrokeColorRGB(*PEN)
        c.setLineWidth(1.2)
        path = c.beginPath()
        path.moveTo(x, y + 8)
        steps = 90
        phase = rng.uniform(0, math.pi)
        loops = rng.uniform(5, 8)
        for step in range(1, steps + 1):
            t = step / steps
            px = x + width * t + 6 * math.sin(2 * math.pi * loops * t + phase)
            py = y + 8 + 9 * math.sin(2 * math.pi * loops * t * 1.03) * (0.6 + 0.4 * rng.random())
            path.lineTo(px, py)
        c.drawPath(path, stroke=1, fill=0)
        c.setStrokeColorRGB(0, 0, 0)
