"""The embarkation card for re-entrant (再入国出国記録), filled in by hand. Its special
re-entry box is the one mark the pipeline must not misread: unticked, the status of residence
ends at departure."""

from __future__ import annotations

import random
from dataclasses import dataclass

from samples.documents import (
    Canvas,
    Color,
    Rendered,
    handwrite,
    handwriting_size,
    scribble,
)
from samples.documents.passport import nationality_text
from samples.identity import Identity

CARD_WIDTH_MM = 148.0
CARD_HEIGHT_MM = 105.0
MARKS = ("check", "x", "fill")

REENTRY_BOX_JA = "みなし再入国許可による出国を希望します"
REENTRY_BOX_EN = "I am leaving temporarily and will return within 1 year (special re-entry)"
# A second box with other wording sits near the one that matters on some printings.
_OTHER_BOX_JA = "特別永住者証明書を所持しています"
_OTHER_BOX_EN = "I hold a Special Permanent Resident Certificate"


@dataclass(frozen=True)
class _EdStyle:
    print_color: Color
    pen_color: Color
    label_size: float
    box_first: bool  # the re-entry box above the personal fields, or below them
    # Labels printed left of their boxes and captions small above them, as some printings
    # have, rather than inside the top of each box.
    labels_beside: bool


def _pen_mark(
    canvas: Canvas, rng: random.Random, box: tuple[float, float, float], mark: str, pen: Color
) -> None:
    """A tick, cross or filled box drawn by hand: off-centre, overshooting the frame."""
    x, y, side = box
    width = max(2, canvas.px(rng.uniform(0.45, 0.75)))

    def point(u: float, v: float) -> tuple[int, int]:
        jitter = side * 0.06
        return (
            canvas.px(x + u * side + rng.uniform(-jitter, jitter)),
            canvas.px(y + v * side + rng.uniform(-jitter, jitter)),
        )

    match mark:
        case "check":
            canvas.draw.line(
                [point(0.1, 0.5), point(0.4, 0.9), point(1.25, -0.3)],
                fill=pen,
                width=width,
                joint="curve",
            )
        case "x":
            canvas.draw.line([point(0.05, 0.05), point(0.95, 0.95)], fill=pen, width=width)
            canvas.draw.line([point(0.95, 0.05), point(0.05, 0.95)], fill=pen, width=width)
        case "fill":
            rows = 7
            zigzag = [point((i % 2) * 0.9 + 0.05, 0.08 + i * 0.84 / rows) for i in range(rows + 1)]
            canvas.draw.line(zigzag, fill=pen, width=width * 2, joint="curve")
        case _:
            raise ValueError(f"unknown mark {mark!r}; expected one of {MARKS}")


def _checkbox(
    canvas: Canvas, style: _EdStyle, x: float, y: float, japanese: str, english: str
) -> tuple[float, float, float]:
    side = 4.2
    canvas.rect(x, y, side, side, outline=style.print_color, width_mm=0.3)
    canvas.text(
        x + side + 2, y - 0.3, japanese, size_mm=2.6, font_name="gothic", fill=style.print_color
    )
    canvas.text(
        x + side + 2,
        y + 2.9,
        english,
        size_mm=style.label_size * 1.1,
        font_name="sans",
        fill=style.print_color,
    )
    return (x, y, side)


def _fields_in_boxes(
    canvas: Canvas,
    rng: random.Random,
    style: _EdStyle,
    identity: Identity,
    area: tuple[float, float, float],
) -> None:
    """The personal fields as ruled boxes in two columns, each label printed small at the
    top inside its box."""
    left, right, fields_top = area
    row = 11.0 * rng.uniform(0.95, 1.05)
    value_size = rng.uniform(3.6, 4.4)
    middle = (left + right) / 2

    def field(x: float, y: float, width: float, japanese: str, english: str, value: str) -> None:
        canvas.rect(x, y, width, row - 1.0, outline=style.print_color, width_mm=0.2)
        canvas.text(
            x + 1,
            y + 0.6,
            f"{japanese} {english}",
            size_mm=style.label_size,
            font_name="gothic",
            fill=style.print_color,
        )
        if value:
            left_gap = 2 + rng.uniform(0, 3)
            size = handwriting_size(value, size_mm=value_size, width_mm=width - left_gap - 2)
            handwrite(
                canvas,
                rng,
                x + left_gap,
                y + row - size - 2.2,
                value,
                size_mm=size,
                color=style.pen_color,
            )

    y = fields_top
    field(left, y, middle - left - 1, "氏 Family name", "", identity.surname)
    field(middle + 1, y, right - middle - 1, "名 Given names", "", identity.given_names)
    y += row
    birth = identity.date_of_birth
    field(
        left,
        y,
        middle - left - 1,
        "生年月日",
        "Date of birth (Day Month Year)",
        f"{birth.day:02d} {birth.month:02d} {birth.year}",
    )
    field(
        middle + 1,
        y,
        right - middle - 1,
        "国籍・地域",
        "Nationality/Region",
        nationality_text(identity.nationality),
    )
    y += row
    flight = f"{rng.choice(['NH', 'JL', 'VN', 'PR', 'CA', 'KE', 'MM', 'GA'])}{rng.randint(1, 999)}"
    field(left, y, middle - left - 1, "旅券番号", "Passport number", identity.passport_number)
    field(middle + 1, y, right - middle - 1, "航空機便名・船名", "Flight No./Vessel", flight)
    y += row
    field(left, y, right - left, "署名", "Signature", "")
    scribble(canvas, rng, (left + 25, y + 2, 45, row - 3.5), color=style.pen_color)


def _fields_beside_boxes(
    canvas: Canvas,
    rng: random.Random,
    style: _EdStyle,
    identity: Identity,
    area: tuple[float, float, float],
) -> None:
    """The personal fields as another printing lays them out: each row's label (Japanese
    over English) left of its boxes, the name's parts and the date's Day, Month and Year
    each in a box of their own with a caption small above it, and the nationality and
    flight labels between two boxes of a row."""
    left, right, fields_top = area
    pitch = 12.5 * rng.uniform(0.97, 1.03)
    box_height = 8.5
    caption_gap = 2.6  # from a caption's top to its box's top
    label_column = 22.0 + rng.uniform(-1.0, 2.0)
    value_size = rng.uniform(3.6, 4.4)
    middle = (left + right) / 2

    def label(x: float, y: float, japanese: str, english: str) -> None:
        """A label beside a box: Japanese over English, level with the box."""
        canvas.text(x, y + 0.8, japanese, size_mm=2.4, font_name="gothic", fill=style.print_color)
        canvas.text(
            x, y + 4.0, english, size_mm=style.label_size, font_name="sans", fill=style.print_color
        )

    def box(x: float, y: float, width: float, value: str, caption: str = "") -> None:
        """A box whose top is at `y`, its caption (if any) small above it, written in."""
        if caption:
            canvas.text(
                x + 0.5,
                y - caption_gap,
                caption,
                size_mm=style.label_size * 0.9,
                font_name="gothic",
                fill=style.print_color,
            )
        canvas.rect(x, y, width, box_height, outline=style.print_color, width_mm=0.2)
        left_gap = 1 + rng.uniform(0, 2)
        size = min(
            handwriting_size(value, size_mm=value_size, width_mm=width - left_gap - 1.5),
            box_height - 2.5,
        )
        handwrite(
            canvas,
            rng,
            x + left_gap,
            y + (box_height - size) / 2,
            value,
            size_mm=size,
            color=style.pen_color,
        )

    boxes_left = left + label_column
    y = fields_top + caption_gap
    label(left, y, "氏 名", "Name")
    box(boxes_left, y, middle - boxes_left - 1, identity.surname, "Family Name 姓")
    box(middle + 1, y, right - middle - 1, identity.given_names, "Given Names 名")

    y += pitch
    birth = identity.date_of_birth
    label(left, y, "生年月日", "Date of Birth")
    x = boxes_left
    for caption, written, width in (
        ("Day 日", f"{birth.day:02d}", 11.0),
        ("Month 月", f"{birth.month:02d}", 11.0),
        ("Year 年", str(birth.year), 15.0),
    ):
        box(x, y, width, written, caption)
        x += width + 1.5
    nationality_left = x + 2
    nationality_box = nationality_left + 22
    label(nationality_left, y, "国籍・地域", "Nationality/Region")
    box(nationality_box, y, right - nationality_box, nationality_text(identity.nationality))

    y += pitch
    flight = f"{rng.choice(['NH', 'JL', 'VN', 'PR', 'CA', 'KE', 'MM', 'GA'])}{rng.randint(1, 999)}"
    label(left, y, "旅券番号", "Passport No.")
    box(boxes_left, y, middle + 6 - boxes_left, identity.passport_number)
    flight_left = middle + 9
    label(flight_left, y, "航空機便名・船名", "Flight No./Vessel")
    box(flight_left + 24, y, right - flight_left - 24, flight)

    y += pitch
    label(left, y, "署 名", "Signature")
    canvas.line(boxes_left, y + box_height, middle + 10, y + box_height, fill=style.print_color)
    scribble(canvas, rng, (boxes_left + 3, y + 1, 45, box_height - 2), color=style.pen_color)


def render_ed_card(
    identity: Identity,
    rng: random.Random,
    *,
    ticked: bool,
    mark: str = "check",
    labels_beside: bool = False,
) -> Rendered:
    """A filled-in card; `mark` is how the special re-entry box is ticked when `ticked`, and
    `labels_beside` picks the printing with labels left of and above the boxes over the one
    with labels inside them. The case plan draws it with the other options rather than it
    being drawn here, so a card rendered from a given rng stays the card it was."""
    if mark not in MARKS:
        raise ValueError(f"unknown mark {mark!r}; expected one of {MARKS}")
    style = _EdStyle(
        print_color=rng.choice([(30, 110, 70), (40, 70, 140), (120, 60, 40), (60, 60, 60)]),
        pen_color=rng.choice([(20, 25, 90), (15, 15, 15), (30, 30, 60)]),
        label_size=rng.uniform(1.5, 1.8),
        box_first=rng.random() < 0.4,
        labels_beside=labels_beside,
    )
    paper = rng.choice([(255, 255, 255), (252, 250, 243), (248, 250, 252)])
    canvas = Canvas(CARD_WIDTH_MM, CARD_HEIGHT_MM, rng.uniform(240, 300), paper)
    left = 6 + rng.uniform(-1.5, 1.5)
    right = CARD_WIDTH_MM - 6
    top = 5 + rng.uniform(-1.0, 1.0)

    canvas.text(
        left, top, "再入国出国記録", size_mm=4.2, font_name="gothic", fill=style.print_color
    )
    canvas.text(
        left + 34,
        top + 0.8,
        "EMBARKATION CARD FOR RE-ENTRANT",
        size_mm=3.0,
        font_name="sans_bold",
        fill=style.print_color,
    )
    canvas.text(
        right,
        top + 0.2,
        "日本国政府法務省",
        size_mm=1.8,
        font_name="mincho",
        fill=style.print_color,
        anchor="ra",
    )
    canvas.text(
        left,
        top + 6.2,
        "記入は英語の活字体で / Please fill in in BLOCK LETTERS",
        size_mm=1.7,
        font_name="gothic",
        fill=style.print_color,
    )

    box_height = 15.0
    fields_top = top + 10
    if style.box_first:
        box_top, fields_top = fields_top, fields_top + box_height + 2
    else:
        box_top = CARD_HEIGHT_MM - box_height - 6

    if style.labels_beside:
        _fields_beside_boxes(canvas, rng, style, identity, (left, right, fields_top))
    else:
        _fields_in_boxes(canvas, rng, style, identity, (left, right, fields_top))

    canvas.rect(
        left - 1.5,
        box_top - 1.5,
        right - left + 3,
        box_height,
        outline=style.print_color,
        width_mm=0.35,
    )
    reentry_box = _checkbox(canvas, style, left + 1, box_top + 0.8, REENTRY_BOX_JA, REENTRY_BOX_EN)
    _checkbox(canvas, style, left + 1, box_top + 7.2, _OTHER_BOX_JA, _OTHER_BOX_EN)
    if ticked:
        _pen_mark(canvas, rng, reentry_box, mark, style.pen_color)

    return Rendered(
        canvas.image,
        {
            "reentry_intent": ticked,
            "name": identity.name,
            "passport_number": identity.passport_number,
            "nationality": identity.nationality,
            "date_of_birth": identity.date_of_birth.isoformat(),
        },
    )
