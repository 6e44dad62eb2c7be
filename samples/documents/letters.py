"""Synthetic supporting letters of a provisional release (or multiple re-entry) application:
letter of guarantee, written oath, reference materials and the document certifying the reason.

Each is one A4 page with a bilingual title, a few paragraphs naming the person concerned and a
handwritten-looking signature, laid out with varied fonts, sizes and margins so that readers
classify them by what they say.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from samples.documents import FieldTruth, Rendered
from samples.documents.forms import (
    DETENTION_PLACES,
    JAPANESE_FONTS,
    JAPANESE_RESIDENT_NAMES,
    draw_scribble,
    form_page_images,
    format_country,
    format_date,
    register_fonts,
    wrap_text,
)
from samples.identity import Identity

_BODY_FONTS = ("Times-Roman", "Helvetica", "DejaVuSerif", "DejaVuSans", "IPAMincho", "IPAGothic")
_TITLE_FONTS = {
    "Times-Roman": "Times-Bold",
    "Helvetica": "Helvetica-Bold",
    "DejaVuSerif": "DejaVuSerif-Bold",
    "DejaVuSans": "DejaVuSans-Bold",
    "IPAMincho": "IPAMincho",
    "IPAGothic": "IPAGothic",
}
_PAGE_WIDTH, _PAGE_HEIGHT = A4
_GUARANTOR_RELATIONS = ("employer", "friend", "spouse", "former teacher", "landlord")
_OATH_PLEDGES = (
    "I will live at the residence designated by the immigration authorities and will not move "
    "without permission.",
    "I will not engage in any paid work or business activity.",
    "I will appear at the date, time and place designated whenever I am called.",
    "I will not travel outside the area designated without permission.",
    "I understand that the deposit may be forfeited if I escape or refuse to appear without "
    "good reason.",
)
_REFERENCE_ITEMS = (
    "Copy of the guarantor's residence record (住民票の写し)",
    "Copy of the guarantor's tax payment record for the last fiscal year",
    "Copy of the lease agreement for the residence after release",
    "Photographs of the family living in Japan",
    "Letters from family members and the community",
    "Copy of the guarantor's employment contract",
    "Bank statement of the guarantor for the last three months",
)
_DIAGNOSES = (
    "Type 2 diabetes mellitus with poor glycaemic control",
    "Chronic hepatitis B under antiviral treatment",
    "Major depressive disorder with insomnia",
    "Hypertension with repeated episodes of chest pain",
    "Lumbar disc herniation with sciatica",
)
_CLINICS = (
    ("Ushiku Aiwa General Hospital", "牛久愛和総合病院"),
    ("Shinjuku Minami Clinic", "新宿南クリニック"),
    ("Toyonaka City Hospital", "豊中市立病院"),
    ("Nagoya Sakae Internal Medicine Clinic", "名古屋栄内科クリニック"),
)
_STATEMENT_REASONS = (
    "{pronoun} has lived in Japan for many years, and {possessive} spouse and children depend "
    "on {object} for their daily life.",
    "{pronoun} suffers from a chronic illness that needs regular treatment at a hospital.",
    "{pronoun} has applied for recognition of refugee status and wishes to attend the "
    "interviews while living with {possessive} family.",
    "A guarantor with a stable income has undertaken to provide housing and to make sure "
    "{pronoun_lower} appears whenever called.",
)


@dataclass(frozen=True)
class _Letter:
    title_english: str
    title_japanese: str
    addressee: str
    paragraphs: list[str]
    signer: str  # printed under the signature
    signer_role: str
    fields: dict[str, FieldTruth]


@dataclass(frozen=True)
class _Look:
    body_font: str
    japanese_font: str
    size: float
    margin: float
    japanese_title_first: bool
    centred_title: bool
    date_format: str

    @classmethod
    def random(cls, rng: random.Random) -> _Look:
        return cls(
            body_font=rng.choice(_BODY_FONTS),
            japanese_font=rng.choice(JAPANESE_FONTS),
            size=round(rng.uniform(10.0, 12.0), 1),
            margin=rng.uniform(20, 28) * mm,
            japanese_title_first=rng.random() < 0.5,
            centred_title=rng.random() < 0.75,
            date_format=rng.choice(("slash", "kanji", "dmy")),
        )


def render_letter(
    kind: str, identity: Identity, rng: random.Random, *, signed: bool = True
) -> Rendered:
    """One page of `kind` about `identity`, the detained person, signed unless `signed` is
    False (the line left empty). `fields` carries the person's name, whether the page is
    signed and what is particular to the kind."""
    if kind not in _BUILDERS:
        raise ValueError(f"unknown letter kind {kind!r}; expected one of {sorted(_BUILDERS)}")
    register_fonts()
    look = _Look.random(rng)
    letter = _BUILDERS[kind](identity, look, rng)
    written_on = identity.card_issue + timedelta(days=rng.randint(30, 400))
    pdf = _draw(letter, look, written_on, rng.randrange(2**32) if signed else None)
    image = form_page_images(pdf, dpi=200)[0]
    fields: dict[str, FieldTruth] = {
        "name": identity.name,
        "signed": signed,
        **letter.fields,
        "_title": letter.title_english,
    }
    return Rendered(image=image, fields=fields)


def _pronouns(identity: Identity) -> dict[str, str]:
    male = identity.sex == "M"
    return {
        "pronoun": "He" if male else "She",
        "pronoun_lower": "he" if male else "she",
        "possessive": "his" if male else "her",
        "object": "him" if male else "her",
    }


def _particulars(identity: Identity, look: _Look) -> str:
    return (
        f"{identity.name} (nationality: {format_country(identity.nationality, 'en')}, "
        f"date of birth: {format_date(identity.date_of_birth, look.date_format)})"
    )


def _guarantee(identity: Identity, look: _Look, rng: random.Random) -> _Letter:
    guarantor = rng.choice(JAPANESE_RESIDENT_NAMES)
    relation = rng.choice(_GUARANTOR_RELATIONS)
    place = rng.choice(DETENTION_PLACES)
    words = _pronouns(identity)
    paragraphs = [
        f"I, {guarantor}, hereby guarantee the following concerning "
        f"{_particulars(identity, look)}, who is at present detained at the {place.english}.",
        f"1. I guarantee that {words['pronoun_lower']} will appear whenever called by the "
        "immigration authorities.",
        f"2. I guarantee that {words['pronoun_lower']} will observe every condition attached to "
        "the provisional release, including the designated residence.",
        f"3. I will bear {words['possessive']} living costs and, if required, the cost of "
        f"{words['possessive']} return to {format_country(identity.nationality, 'en').title()}.",
        f"Relationship of the guarantor to the person concerned: {relation}.",
    ]
    return _Letter(
        "LETTER OF GUARANTEE",
        "身元保証書",
        f"To the Director, {place.english}",
        paragraphs,
        guarantor,
        "Guarantor",
        {"guarantor_name": guarantor},
    )


def _oath(identity: Identity, look: _Look, rng: random.Random) -> _Letter:
    pledges = rng.sample(_OATH_PLEDGES, rng.randint(3, len(_OATH_PLEDGES)))
    paragraphs = [
        f"I, {_particulars(identity, look)}, hereby pledge that, if provisional release is "
        "granted to me, I will observe the following conditions:",
        *(f"{number}. {pledge}" for number, pledge in enumerate(pledges, 1)),
        "I understand that the provisional release may be revoked if I break this oath.",
    ]
    place = rng.choice(DETENTION_PLACES)
    return _Letter(
        "WRITTEN OATH",
        "誓約書",
        f"To the Director, {place.english}",
        paragraphs,
        identity.name,
        "Signature of the person concerned",
        {},
    )


def _reference(identity: Identity, look: _Look, rng: random.Random) -> _Letter:
    items = rng.sample(_REFERENCE_ITEMS, rng.randint(3, 5))
    submitter = rng.choice(JAPANESE_RESIDENT_NAMES)
    paragraphs = [
        f"Concerning: {_particulars(identity, look)}.",
        "The following materials are submitted for reference in support of the request for "
        "provisional release of the person named above:",
        *(f"{number}. {item}" for number, item in enumerate(items, 1)),
        f"Number of attached materials: {len(items)}.",
    ]
    place = rng.choice(DETENTION_PLACES)
    return _Letter(
        "REFERENCE MATERIALS",
        "参考資料",
        f"To the Director, {place.english}",
        paragraphs,
        submitter,
        "Submitted by",
        {"submitted_by": submitter},
    )


def _reason(identity: Identity, look: _Look, rng: random.Random) -> _Letter:
    words = _pronouns(identity)
    if rng.random() < 0.5:
        doctor = rng.choice(JAPANESE_RESIDENT_NAMES)
        clinic, clinic_japanese = rng.choice(_CLINICS)
        diagnosis = rng.choice(_DIAGNOSES)
        paragraphs = [
            f"Patient: {_particulars(identity, look)}.",
            f"Diagnosis: {diagnosis}.",
            f"Remarks: The patient needs continuous outpatient treatment and regular examinations. "
            f"In my opinion {words['pronoun_lower']} cannot receive adequate care in a detention "
            "facility.",
            f"{clinic} ({clinic_japanese})",
        ]
        return _Letter(
            "MEDICAL CERTIFICATE",
            "診断書",
            "To whom it may concern",
            paragraphs,
            f"Dr. {doctor}",
            "Physician",
            {"reason_kind": "medical_certificate", "diagnosis": diagnosis},
        )
    reasons = rng.sample(_STATEMENT_REASONS, 2)
    paragraphs = [
        f"I request the provisional release of {_particulars(identity, look)} for the following "
        "reasons.",
        *(f"{number}. {reason.format(**words)}" for number, reason in enumerate(reasons, 1)),
        f"{words['pronoun']} will obey all conditions set by the immigration authorities.",
    ]
    place = rng.choice(DETENTION_PLACES)
    return _Letter(
        "STATEMENT OF REASONS FOR REQUESTING PROVISIONAL RELEASE",
        "仮放免を必要とする理由書",
        f"To the Director, {place.english}",
        paragraphs,
        identity.name,
        "Signature",
        {"reason_kind": "statement"},
    )


_BUILDERS: dict[str, Callable[[Identity, _Look, random.Random], _Letter]] = {
    "letter_of_guarantee": _guarantee,
    "written_oath": _oath,
    "reference_materials": _reference,
    "reason_document": _reason,
}


def _font_for(text: str, look: _Look) -> str:
    return look.japanese_font if any(ord(ch) > 0xFF for ch in text) else look.body_font


def _draw(letter: _Letter, look: _Look, written_on: date, scribble_seed: int | None) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    left, width = look.margin, _PAGE_WIDTH - 2 * look.margin
    y = _PAGE_HEIGHT - look.margin
    dated = format_date(written_on, look.date_format)
    canvas.setFont(_font_for(dated, look), look.size)
    canvas.drawRightString(left + width, y - look.size, dated)
    y -= look.size * 3.5

    titles = [
        (letter.title_english, _TITLE_FONTS[look.body_font], look.size * 1.6),
        (letter.title_japanese, look.japanese_font, look.size * 1.4),
    ]
    if look.japanese_title_first:
        titles.reverse()
    for title, font, size in titles:
        for line in wrap_text(title, font, size, width):
            y -= size * 1.3
            canvas.setFont(font, size)
            if look.centred_title:
                canvas.drawCentredString(_PAGE_WIDTH / 2, y, line)
            else:
                canvas.drawString(left, y, line)
    y -= look.size * 2.5

    canvas.setFont(look.body_font, look.size)
    canvas.drawString(left, y, letter.addressee)
    y -= look.size * 2.2
    for paragraph in letter.paragraphs:
        font = _font_for(paragraph, look)
        for line in wrap_text(paragraph, font, look.size, width):
            canvas.setFont(font, look.size)
            canvas.drawString(left, y, line)
            y -= look.size * 1.45
        y -= look.size * 0.7

    y = min(y - look.size * 2, _PAGE_HEIGHT * 0.35)
    signature_left = left + width * 0.45
    canvas.setFont(look.body_font, look.size)
    canvas.drawString(signature_left, y, f"{letter.signer_role}:")
    if scribble_seed is not None:
        draw_scribble(canvas, signature_left, y - 50, width * 0.5, 44, scribble_seed)
    canvas.setLineWidth(0.5)
    canvas.line(signature_left, y - 52, left + width, y - 52)
    canvas.drawString(signature_left, y - 52 - look.size * 1.5, letter.signer)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
