"""The synthetic forms, letters and photo: every variant renders, the fillable PDF's fields and
the flat PDF's text both say what the ground truth says, and the printed pages read back."""

from __future__ import annotations

import io
import random
import re
from dataclasses import replace
from datetime import date, datetime

import numpy as np
import pdfplumber
import pytest
from PIL import Image
from pypdf import PdfReader

from pipeline.ocr import default_engine
from samples.documents.forms import (
    ARRANGEMENTS,
    DATE_FORMATS,
    FIELD_NAMINGS,
    JAPANESE_FONTS,
    LABEL_ORDERS,
    LATIN_FONTS,
    PROCEDURES_WITH_FORMS,
    RELATIONSHIPS,
    TICK_MARKS,
    VALUE_FONTS,
    VALUE_LANGUAGES,
    FormAnswers,
    FormRendering,
    FormStyle,
    form_page_images,
    render_form,
)
from samples.documents.letters import render_letter
from samples.documents.photo import PHOTO_MM, render_photo
from samples.identity import Identity, random_identity
from schemas.reference import Period, country_code, status_table

AS_OF = date(2026, 11, 23)
TITLES = {
    "reentry_permit": ("APPLICATION FOR RE-ENTRY PERMIT", "再入国許可申請書"),
    "extension_of_stay": ("APPLICATION FOR EXTENSION OF PERIOD OF STAY", "在留期間更新許可申請書"),
    "change_of_status": ("APPLICATION FOR CHANGE OF STATUS OF RESIDENCE", "在留資格変更許可申請書"),
    "certificate_of_eligibility": (
        "APPLICATION FOR CERTIFICATE OF ELIGIBILITY",
        "在留資格認定証明書交付申請書",
    ),
    "provisional_release": ("APPLICATION FOR PROVISIONAL RELEASE", "仮放免許可申請書"),
    "departure_order": ("APPLICATION FOR DEPARTURE ORDER", "出国命令"),
}
COMMON_TRUTH = {"form", "applicant_name", "nationality", "date_of_birth", "signed"}
TRUTH_KEYS = {
    "reentry_permit": COMMON_TRUTH
    | {"passport_number", "card_number", "status_of_residence", "permit_type"}
    | {"date_of_departure", "date_of_reentry"},
    "extension_of_stay": COMMON_TRUTH
    | {"passport_number", "card_number", "status_of_residence", "requested_period"},
    "change_of_status": COMMON_TRUTH
    | {"passport_number", "card_number", "status_of_residence", "requested_period"}
    | {"desired_status"},
    "certificate_of_eligibility": COMMON_TRUTH
    | {"passport_number", "status_of_residence", "requested_period"},
    "provisional_release": COMMON_TRUTH | {"relationship", "deposit_amount", "detained_name"},
    "departure_order": COMMON_TRUTH | {"passport_number"} | {f"condition_{n}" for n in range(1, 6)},
}


def variant_styles() -> list[FormStyle]:
    """Every arrangement in one and two columns; the other options cycle with the index, so
    that each of their values (and every font) appears in some variant."""
    styles = []
    for index in range(7):
        styles.append(
            FormStyle(
                arrangement=ARRANGEMENTS[index % 3],
                columns=1 + (index // 3) % 2,
                label_order=LABEL_ORDERS[index % 3],
                numbered=index % 2 == 0,
                wording=index,
                shuffle_seed=index if index % 2 else None,
                date_format=DATE_FORMATS[(index + 1) % 3],
                value_language=VALUE_LANGUAGES[(index + 2) % 3],
                split_name=index % 2 == 1,
                naming=FIELD_NAMINGS[index % 5],
                radio_choices=index % 2 == 0,
                tick=TICK_MARKS[index % 3],
                uppercase_title=index % 3 != 1,
                shade_labels=index % 2 == 1,
                latin_font=LATIN_FONTS[index % len(LATIN_FONTS)],
                japanese_font=JAPANESE_FONTS[index % 2],
                value_font=VALUE_FONTS[index % len(VALUE_FONTS)],
            )
        )
    return styles


STYLES = variant_styles()


def identity(seed: int) -> Identity:
    return random_identity(random.Random(seed), AS_OF)


def render(
    procedure: str, seed: int, style: FormStyle, answers: FormAnswers | None = None
) -> FormRendering:
    return render_form(
        procedure, identity(seed), answers or FormAnswers(), random.Random(seed), style
    )


def acroform_values(pdf: bytes) -> dict[str, str]:
    fields = PdfReader(io.BytesIO(pdf)).get_fields() or {}
    return {name: str(field.get("/V", "")) for name, field in fields.items()}


def pdf_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return "\n".join(page.extract_text() or "" for page in document.pages)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


# What a person reads in each printed notation; the renderer's own formatters are not used, so
# that a wrong formatter cannot agree with itself.


def read_date(text: str) -> str:
    kanji = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if kanji:
        return date(*map(int, kanji.groups())).isoformat()
    for pattern in ("%Y/%m/%d", "%d %b %Y"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise AssertionError(f"not a date in any form notation: {text!r}")


_PERIOD_UNITS = {"year": "y", "month": "m", "day": "d", "年": "y", "か月": "m", "日": "d"}


def read_period(text: str) -> str | None:
    if not text:
        return None  # a blank box
    parts = re.findall(r"(\d+)\s*(year|month|day|年|か月|日)", text)
    assert parts, f"not a period: {text!r}"
    return Period.parse("".join(n + _PERIOD_UNITS[unit] for n, unit in parts)).compact()


def read_status(text: str) -> str:
    for status in status_table().statuses:
        if text in (status.name, status.japanese, f"{status.japanese} ({status.name})"):
            return status.name
    raise AssertionError(f"not a status of residence: {text!r}")


def read_relationship(text: str) -> str:
    for key, (english, japanese) in RELATIONSHIPS.items():
        if text in (english, japanese, f"{english} ({japanese})"):
            return key
    raise AssertionError(f"not a relationship: {text!r}")


def read_name(values: dict[str, str], prefix: str) -> str:
    if f"{prefix}name" in values:
        return values[f"{prefix}name"]
    return f"{values[f'{prefix}family_name']} {values[f'{prefix}given_name']}"


def read_choice(values: dict[str, str], key: str, options: tuple[str, ...]) -> str:
    """The ticked option of a radio group, or of a row of separate checkboxes."""
    if key in values:
        return values[key].lstrip("/")
    ticked = [option for option in options if values[f"{key}_{option}"] == "/Yes"]
    assert len(ticked) == 1, f"{key}: ticked {ticked}"
    return ticked[0]


def truth_from_snake_fields(procedure: str, values: dict[str, str]) -> dict[str, object]:
    """The ground truth as the fields of a form named in the "snake" scheme say it."""
    read: dict[str, object] = {"form": procedure}
    if procedure == "provisional_release":
        read["applicant_name"] = read_name(values, "applicant_")
        read["detained_name"] = read_name(values, "detained_")
        read["nationality"] = country_code(values["detained_nationality"])
        read["date_of_birth"] = read_date(values["detained_date_of_birth"])
        read["relationship"] = read_relationship(values["relationship"])
        read["deposit_amount"] = int(re.sub(r"\D", "", values["deposit_amount"]))
        return read
    read["applicant_name"] = read_name(values, "")
    read["nationality"] = country_code(values["nationality"])
    read["date_of_birth"] = read_date(values["date_of_birth"])
    read["passport_number"] = values["passport_number"]
    if "card_number" in values:
        read["card_number"] = values["card_number"]
    for key in ("status_of_residence", "status_applied_for"):
        if key in values:
            read["status_of_residence"] = read_status(values[key])
    if "desired_status" in values:
        read["desired_status"] = read_status(values["desired_status"])
    if "requested_period" in values:
        read["requested_period"] = read_period(values["requested_period"])
    if "permit_type" in values or "permit_type_single" in values:
        read["permit_type"] = read_choice(values, "permit_type", ("single", "multiple"))
    for key in ("date_of_departure", "date_of_reentry"):
        if key in values:
            read[key] = read_date(values[key])
    for number in range(1, 6):
        if f"condition_{number}_yes" in values:
            read[f"condition_{number}"] = values[f"condition_{number}_yes"] == "/Yes"
    return read


@pytest.mark.parametrize("style_index", range(len(STYLES)))
@pytest.mark.parametrize("procedure", PROCEDURES_WITH_FORMS)
def test_every_procedure_renders_in_every_variant(procedure: str, style_index: int) -> None:
    style = STYLES[style_index]
    rendering = render(procedure, style_index, style)
    assert set(rendering.fields) == TRUTH_KEYS[procedure]

    # Field names change with the naming scheme; the values and their order do not.
    snake = render(procedure, style_index, replace(style, naming="snake"))
    values = acroform_values(rendering.pdf_fillable)
    snake_values = acroform_values(snake.pdf_fillable)
    assert list(values.values()) == list(snake_values.values())
    assert snake.fields == rendering.fields
    expected = {k: v for k, v in rendering.fields.items() if k != "signed"}
    assert truth_from_snake_fields(procedure, snake_values) == expected

    # The flat PDF prints the same values as text and has no form fields left.
    assert not acroform_values(rendering.pdf_flat)
    flat_text = squeeze(pdf_text(rendering.pdf_flat))
    english_title, japanese_title = TITLES[procedure]
    assert squeeze(english_title) in flat_text
    assert japanese_title in flat_text
    printed = [v for k, v in snake_values.items() if v and not v.startswith("/")]
    single_line = [
        v for k, v in snake_values.items() if v in printed and not k.startswith("reason")
    ]
    assert single_line
    for value in single_line:
        assert squeeze(value) in flat_text, value
    # A born-digital fillable form keeps its values in the fields, not in the page text.
    fillable_text = squeeze(pdf_text(rendering.pdf_fillable))
    assert squeeze(english_title) in fillable_text
    assert squeeze(str(rendering.fields["applicant_name"])) not in fillable_text


@pytest.mark.parametrize("arrangement", ARRANGEMENTS)
def test_fillable_and_flat_pages_look_alike(arrangement: str) -> None:
    """The fillable form's field appearances show the values, Japanese ones too, where the
    flat form prints them."""
    style = replace(
        STYLES[0],
        arrangement=arrangement,
        naming="snake",
        value_language="ja",
        date_format="kanji",
    )
    rendering = render("extension_of_stay", 11, style)
    dpi = 100
    fillable = form_page_images(rendering.pdf_fillable, dpi=dpi)
    flat = form_page_images(rendering.pdf_flat, dpi=dpi)
    assert len(fillable) == len(flat)
    for fillable_page, flat_page in zip(fillable, flat, strict=True):
        a = np.asarray(fillable_page.convert("L"), dtype=np.int16)
        b = np.asarray(flat_page.convert("L"), dtype=np.int16)
        differing = np.mean(np.abs(a - b) > 60)
        assert differing < 0.002, f"{differing:.4f} of the pixels differ"

    # The Japanese address shows inside its own widget.
    reader = PdfReader(io.BytesIO(rendering.pdf_fillable))
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            if widget.get("/T") != "address":
                continue
            x0, y0, x1, y1 = (float(v) * dpi / 72 for v in widget["/Rect"])
            height = fillable[number].height
            crop = fillable[number].convert("L").crop((x0, height - y1, x1, height - y0))
            assert np.count_nonzero(np.asarray(crop) < 100) > 50
            return
    raise AssertionError("no address field")


def ink_box(a: Image.Image, b: Image.Image) -> tuple[int, int, int, int] | None:
    """Bounding box of the pixels where two renderings of a page differ."""
    diff = np.abs(
        np.asarray(a.convert("L"), dtype=np.int16) - np.asarray(b.convert("L"), dtype=np.int16)
    )
    rows, columns = np.nonzero(diff > 40)
    if not len(rows):
        return None
    return int(columns.min()), int(rows.min()), int(columns.max()) + 1, int(rows.max()) + 1


@pytest.mark.parametrize("arrangement", ARRANGEMENTS)
def test_unsigned_form_has_an_empty_signature_area(arrangement: str) -> None:
    style = replace(STYLES[1], arrangement=arrangement)
    signed = render("reentry_permit", 5, style)
    unsigned = render("reentry_permit", 5, style, FormAnswers(signed=False))
    assert signed.fields["signed"] is True
    assert unsigned.fields["signed"] is False
    dpi = 100
    signed_pages = form_page_images(signed.pdf_flat, dpi=dpi)
    unsigned_pages = form_page_images(unsigned.pdf_flat, dpi=dpi)
    boxes = [ink_box(s, u) for s, u in zip(signed_pages, unsigned_pages, strict=True)]
    inked = [(number, box) for number, box in enumerate(boxes) if box is not None]
    assert len(inked) == 1, "the signature is the only difference, on one page"
    number, (left, top, right, bottom) = inked[0]

    # The ink sits beside or under the signature label...
    with pdfplumber.open(io.BytesIO(unsigned.pdf_flat)) as document:
        words = document.pages[number].extract_words()
    labels = [w for w in words if w["text"].startswith("Signature") or "署名" in w["text"]]
    assert labels
    scale = dpi / 72
    assert any(abs(top / scale - w["top"]) < 80 and left / scale > w["x0"] - 10 for w in labels), (
        "signature ink far from its label"
    )
    # ...and that area of the unsigned form is blank paper.
    area = np.asarray(unsigned_pages[number].convert("L"))[top:bottom, left:right]
    assert area.min() > 200
    # The signed page has real strokes there, not a speck.
    signed_area = np.asarray(signed_pages[number].convert("L"))[top:bottom, left:right]
    assert np.count_nonzero(signed_area < 128) > 100
    assert right - left > 60


@pytest.mark.parametrize("procedure", PROCEDURES_WITH_FORMS)
def test_rasterized_form_reads_back_its_title(procedure: str) -> None:
    """A printed form (random style) OCRs, with Tesseract's English model, to its title."""
    rendering = render_form(procedure, identity(31), FormAnswers(), random.Random(31))
    first_page = form_page_images(rendering.pdf_flat, dpi=200)[0]
    header = first_page.crop((0, 0, first_page.width, first_page.height // 3))
    text = default_engine().read(np.asarray(header.convert("L")), lang="eng").text
    letters = re.sub(r"[^A-Z]", "", text.upper())
    assert re.sub(r"[^A-Z]", "", TITLES[procedure][0]) in letters, text


def test_answers_are_printed_and_recorded() -> None:
    person = identity(3)
    answers = FormAnswers(
        requested_period="1y6m",
        permit_type="multiple",
        date_of_departure=date(2027, 2, 1),
        date_of_reentry=date(2029, 1, 15),
        status_of_residence="Temporary Visitor",
        applicant_name="DOE JANE",
        signed=False,
    )
    style = replace(STYLES[0], naming="snake", value_language="en")
    reentry = render_form("reentry_permit", person, answers, random.Random(1), style)
    assert reentry.fields["permit_type"] == "multiple"
    assert reentry.fields["date_of_departure"] == "2027-02-01"
    assert reentry.fields["date_of_reentry"] == "2029-01-15"
    assert reentry.fields["applicant_name"] == "DOE JANE"
    assert reentry.fields["passport_number"] == person.passport_number
    values = acroform_values(reentry.pdf_fillable)
    assert truth_from_snake_fields("reentry_permit", values)["permit_type"] == "multiple"

    coe = render_form("certificate_of_eligibility", person, answers, random.Random(1), style)
    assert coe.fields["status_of_residence"] == "Temporary Visitor"
    assert coe.fields["requested_period"] == "1y6m"
    assert "card_number" not in coe.fields
    assert read_period(acroform_values(coe.pdf_fillable)["requested_period"]) == "1y6m"

    release = render_form(
        "provisional_release",
        person,
        FormAnswers(relationship="spouse", deposit_amount=2_500_000),
        random.Random(2),
        style,
    )
    assert release.fields["relationship"] == "spouse"
    assert release.fields["deposit_amount"] == 2_500_000
    assert release.fields["detained_name"] == person.name
    assert release.fields["applicant_name"] != person.name

    conditions = (True, False, True, False, True)
    departure = render_form(
        "departure_order",
        person,
        FormAnswers(departure_conditions=conditions),
        random.Random(3),
        style,
    )
    assert [departure.fields[f"condition_{n}"] for n in range(1, 6)] == list(conditions)
    read = truth_from_snake_fields("departure_order", acroform_values(departure.pdf_fillable))
    assert [read[f"condition_{n}"] for n in range(1, 6)] == list(conditions)


def test_random_styles_vary() -> None:
    rng = random.Random(0)
    styles = [FormStyle.random(rng) for _ in range(60)]
    assert {s.arrangement for s in styles} == set(ARRANGEMENTS)
    assert {s.naming for s in styles} == set(FIELD_NAMINGS)
    assert {s.date_format for s in styles} == set(DATE_FORMATS)
    assert {s.columns for s in styles} == {1, 2}


def test_same_seed_renders_the_same_form() -> None:
    first = render_form("change_of_status", identity(8), FormAnswers(), random.Random(8))
    second = render_form("change_of_status", identity(8), FormAnswers(), random.Random(8))
    assert first.fields == second.fields
    assert acroform_values(first.pdf_fillable) == acroform_values(second.pdf_fillable)


def test_special_reentry_has_no_form() -> None:
    with pytest.raises(ValueError):
        render_form("special_reentry", identity(1), FormAnswers(), random.Random(1))


LETTER_TITLES = {
    "letter_of_guarantee": ("LETTER OF GUARANTEE",),
    "written_oath": ("WRITTEN OATH",),
    "reference_materials": ("REFERENCE MATERIALS",),
    "reason_document": ("MEDICAL CERTIFICATE", "STATEMENT OF REASONS"),
}


@pytest.mark.parametrize("kind", sorted(LETTER_TITLES))
def test_letter_reads_back_its_title_and_the_person(kind: str) -> None:
    person = identity(21)
    rendered = render_letter(kind, person, random.Random(21))
    width, height = rendered.image.size
    assert abs(height / width - 297 / 210) < 0.01
    assert rendered.fields["name"] == person.name
    assert rendered.fields["signed"] is True
    text = default_engine().read(np.asarray(rendered.image.convert("L")), lang="eng").text
    folded = re.sub(r"[^A-Z]", "", text.upper())
    assert any(re.sub(r"[^A-Z]", "", title) in folded for title in LETTER_TITLES[kind]), text
    assert re.sub(r"[^A-Z]", "", person.surname) in folded


def test_photo_is_a_shaded_portrait_on_a_light_background() -> None:
    person = identity(4)
    rendered = render_photo(person, random.Random(4))
    assert rendered.fields == {}
    width, height = rendered.image.size
    assert abs(width / height - PHOTO_MM[0] / PHOTO_MM[1]) < 0.01
    gray = np.asarray(rendered.image.convert("L"), dtype=np.float32)
    corners = [gray[:20, :20], gray[:20, -20:]]
    assert all(corner.mean() > 180 for corner in corners), "background is light"
    assert gray.std() > 25, "a subject stands out from the background"
    # Not flat: even the plain background carries gradient and sensor noise.
    assert corners[0].std() > 0.5
    other = render_photo(person, random.Random(5))
    assert np.asarray(other.image).tobytes() != np.asarray(rendered.image).tobytes()
