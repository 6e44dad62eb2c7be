"""The application-form reader: the procedure its title names, and its fields from fillable,
flattened and scanned renderings with known truth."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.forms import form_procedure
from schemas.checklist import load_checklists

TITLES = [
    ("APPLICATION FOR RE-ENTRY PERMIT", "reentry_permit"),
    ("APPLICATION FOR EXTENSION OF PERIOD OF STAY", "extension_of_stay"),
    ("APPLICATION FOR CHANGE OF STATUS OF RESIDENCE", "change_of_status"),
    ("APPLICATION FOR CERTIFICATE OF ELIGIBILITY", "certificate_of_eligibility"),
    ("APPLICATION FOR PROVISIONAL RELEASE", "provisional_release"),
    ("APPLICATION FOR DEPARTURE ORDER", "departure_order"),
    ("再入国許可申請書", "reentry_permit"),
    ("在留期間更新許可申請書", "extension_of_stay"),
    ("在留資格変更許可申請書", "change_of_status"),
    ("在留資格認定証明書交付申請書", "certificate_of_eligibility"),
    ("仮放免許可申請書", "provisional_release"),
    ("出国命令申出書", "departure_order"),
]

# Confusions Tesseract makes on printed capitals.
OCR_CONFUSIONS = {"O": "0", "I": "l", "S": "5", "B": "8", "E": "F", "-": "—", " ": ""}


@pytest.mark.parametrize(("title", "procedure"), TITLES)
def test_form_procedure_reads_each_title(title: str, procedure: str) -> None:
    text = f"{title}\nTo the Minister of Justice\nNationality/Region 国籍・地域 VIET NAM"
    found, confidence = form_procedure(text)
    assert found == procedure
    assert confidence == 1.0


def test_form_procedure_tolerates_case_and_spacing() -> None:
    assert form_procedure("Application for Re Entry\nPermit")[0] == "reentry_permit"
    assert form_procedure("application for reentry permit")[0] == "reentry_permit"


@settings(max_examples=60, deadline=None)
@given(
    title_index=st.integers(0, 5),
    position_fraction=st.floats(0.0, 0.999),
    confusion=st.sampled_from(sorted(OCR_CONFUSIONS.items())),
)
def test_form_procedure_survives_one_ocr_confusion(
    title_index: int, position_fraction: float, confusion: tuple[str, str]
) -> None:
    title, procedure = TITLES[title_index]
    wrong, right = confusion
    positions = [i for i, c in enumerate(title) if c == wrong]
    if positions:
        at = positions[int(position_fraction * len(positions))]
        title = title[:at] + right + title[at + 1 :]
    found, confidence = form_procedure(f"{title}\n(1) Nationality/Region")
    assert found == procedure
    assert 0.85 <= confidence <= 1.0


def test_form_procedure_takes_the_title_not_a_procedure_named_in_the_notes() -> None:
    text = (
        "APPLICATION FOR RE-ENTRY PERMIT\nNote: without a permit the status ends at departure"
        " and a new Certificate of Eligibility is needed. Special re-entry: see the ED card."
    )
    assert form_procedure(text)[0] == "reentry_permit"


@pytest.mark.parametrize(
    "text",
    ["", "PASSPORT P<UTOERIKSSON<<ANNA<MARIA", "PERMIT", "LETTER OF GUARANTEE 身元保証書"],
)
def test_form_procedure_names_nothing_without_a_title(text: str) -> None:
    assert form_procedure(text) == (None, 0.0)


def test_form_procedure_learns_titles_from_an_office_checklist() -> None:
    checklists = load_checklists()
    reentry = checklists["reentry_permit"]
    office = {
        **checklists,
        "reentry_permit": reentry.model_copy(
            update={"form_titles": [*reentry.form_titles, "REQUEST TO LEAVE AND COME BACK"]}
        ),
    }
    text = "REQUEST TO LEAVE AND COME BACK\nName of applicant"
    assert form_procedure(text) == (None, 0.0)
    assert form_procedure(text, checklists=office) == ("reentry_permit", 1.0)
