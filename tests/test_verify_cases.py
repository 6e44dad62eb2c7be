"""Table-driven tests of the verifier: per procedure, a clean case and one fault at a time,
built directly as DocumentReport objects (no OCR), with the verdict, the finding codes and
the checklist statuses the brief and the seeds call for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from pipeline.verify import CaseContext, Verification, verify_case
from schemas.checklist import load_checklists
from schemas.report import DocumentReport, ExtractedField, FileError

AS_OF = date(2026, 11, 23)
DROP = object()
"""Override value that removes a field from a document."""

CONFIDENT = 0.95


def extracted(value: Any, confidence: float = CONFIDENT, valid: bool | None = None) -> Any:
    return ExtractedField(value=value, confidence=confidence, valid=valid)


def make(
    doc_type: str, file: str, base: dict[str, Any], overrides: dict[str, Any]
) -> DocumentReport:
    values = {**base, **overrides}
    fields = {
        name: value if isinstance(value, ExtractedField) else extracted(value)
        for name, value in values.items()
        if value is not DROP
    }
    return DocumentReport(
        file=file,
        page=1,
        sha256="0" * 64,
        doc_type=doc_type,  # type: ignore[arg-type]
        doc_type_confidence=CONFIDENT,
        fields=fields,
    )


ENGINEER = "Engineer/Specialist in Humanities/International Services"


def passport(**overrides: Any) -> DocumentReport:
    base = {
        "mrz_type": "TD3",
        "document_number": "C1234567",
        "issuing_state": "VNM",
        "surname": "NGUYEN",
        "given_names": "VAN AN",
        "nationality": "VNM",
        "date_of_birth": "1990-04-01",
        "sex": "M",
        "date_of_expiry": "2031-04-12",
        "mrz_valid": True,
    }
    return make("passport", overrides.pop("file", "passport.jpg"), base, overrides)


def card_front(**overrides: Any) -> DocumentReport:
    base = {
        "card_number": extracted("AB12345678CD", valid=True),
        "name": "NGUYEN VAN AN",
        "date_of_birth": "1990-04-01",
        "sex": "M",
        "nationality": "VNM",
        "status_of_residence": ENGINEER,
        "work_restriction": "within_status",
        "period_of_stay": "3年",
        "date_of_expiry": "2028-03-31",
        "card_valid_until": "2028-03-31",
    }
    return make("residence_card_front", "card_front.jpg", base, overrides)


def permanent_resident_card(**overrides: Any) -> DocumentReport:
    permanent = {
        "status_of_residence": "Permanent Resident",
        "period_of_stay": "無期限",
        "date_of_expiry": None,
        "card_valid_until": "2030-06-30",
    }
    return card_front(**{**permanent, **overrides})


def card_back(**overrides: Any) -> DocumentReport:
    base = {"application_pending": False, "permission_outside_status": False}
    return make("residence_card_back", "card_back.jpg", base, overrides)


def ed_card(**overrides: Any) -> DocumentReport:
    base = {
        "reentry_intent": True,
        "name": "NGUYEN VAN AN",
        "passport_number": "C1234567",
        "nationality": "VNM",
        "date_of_birth": "1990-04-01",
    }
    return make("reentry_ed_card", "ed_card.png", base, overrides)


FORM_EXTRAS: dict[str, dict[str, Any]] = {
    "reentry_permit": {
        "permit_type": "single",
        "date_of_departure": "2026-12-10",
        "date_of_reentry": "2027-12-20",
    },
    "extension_of_stay": {"requested_period": "3y"},
    "change_of_status": {
        "desired_status": "Spouse or Child of Japanese National",
        "requested_period": "3y",
    },
    "certificate_of_eligibility": {"status_of_residence": ENGINEER, "requested_period": "1y"},
    "provisional_release": {
        "detained_name": "NGUYEN VAN AN",
        "applicant_name": "TRAN THI LAN",
        "relationship": "spouse",
        "deposit_amount": 500_000,
    },
    "departure_order": {f"condition_{n}": True for n in range(1, 6)},
}


def form(procedure: str, **overrides: Any) -> DocumentReport:
    base = {
        "form": procedure,
        "applicant_name": "NGUYEN VAN AN",
        "nationality": "VNM",
        "date_of_birth": "1990-04-01",
        "passport_number": "C1234567",
        "card_number": "AB12345678CD",
        "status_of_residence": ENGINEER,
        "signed": True,
        **FORM_EXTRAS[procedure],
    }
    return make("application_form", "application.pdf", base, overrides)


def attachment(doc_type: str) -> DocumentReport:
    return make(doc_type, f"{doc_type}.jpg", {}, {})


def clean_case(procedure: str) -> list[DocumentReport]:
    """Documents of a case that meets every rule of its procedure on AS_OF."""
    if procedure == "special_reentry":
        return [passport(), card_front(), card_back(), ed_card()]
    if procedure == "reentry_permit":
        return [form(procedure), passport(), card_front()]
    if procedure in ("extension_of_stay", "change_of_status"):
        return [form(procedure), passport(), card_front(), attachment("photo")]
    if procedure == "certificate_of_eligibility":
        return [form(procedure), attachment("photo")]
    if procedure == "provisional_release":
        kinds = ("letter_of_guarantee", "reference_materials", "written_oath", "reason_document")
        return [form(procedure), *(attachment(kind) for kind in kinds)]
    if procedure == "departure_order":
        return [form(procedure), passport()]
    raise ValueError(procedure)


PROCEDURES = (
    "special_reentry",
    "reentry_permit",
    "extension_of_stay",
    "change_of_status",
    "certificate_of_eligibility",
    "provisional_release",
    "departure_order",
)


CHECKLISTS = load_checklists()


def verify(
    documents: list[DocumentReport], procedure: str, context: CaseContext | None = None
) -> Verification:
    checklist = CHECKLISTS.get(procedure)
    return verify_case(documents, procedure, checklist, AS_OF, context or CaseContext())


def codes(result: Verification, severity: str | None = None) -> set[str]:
    return {f.code for f in result.findings if severity is None or f.severity == severity}


def status(result: Verification, item: str) -> str:
    return next(entry.status for entry in result.checklist if entry.item == item)


def replace(documents: list[DocumentReport], doc_type: str, new: DocumentReport) -> list[Any]:
    return [new if d.doc_type == doc_type else d for d in documents]


def without(documents: list[DocumentReport], doc_type: str) -> list[DocumentReport]:
    return [d for d in documents if d.doc_type != doc_type]


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_clean_case_is_complete_with_no_warning(procedure: str) -> None:
    result = verify(clean_case(procedure), procedure)
    assert result.verdict == "complete", [f.message for f in result.findings]
    assert codes(result, "error") | codes(result, "warning") == set()
    assert all(entry.status == "present" for entry in result.checklist if entry.required)
    assert all(entry.reason for entry in result.checklist)


@dataclass
class Scenario:
    name: str
    procedure: str
    documents: Callable[[], list[DocumentReport]]
    verdict: str
    expected_codes: set[str] = field(default_factory=set)
    absent_codes: set[str] = field(default_factory=set)
    items: dict[str, str] = field(default_factory=dict)
    context: CaseContext = field(default_factory=CaseContext)


def special(*changes: DocumentReport, drop: tuple[str, ...] = ()) -> list[DocumentReport]:
    documents = clean_case("special_reentry")
    for doc_type in drop:
        documents = without(documents, doc_type)
    for change in changes:
        documents = replace(documents, change.doc_type, change)
    return documents


def case_of(procedure: str, *changes: DocumentReport) -> Callable[[], list[DocumentReport]]:
    def build() -> list[DocumentReport]:
        documents = clean_case(procedure)
        for change in changes:
            if change.doc_type in {d.doc_type for d in documents}:
                documents = replace(documents, change.doc_type, change)
            else:
                documents = [*documents, change]
        return documents

    return build


SCENARIOS = [
    # ---------------------------------------------------------------- special re-entry
    Scenario(
        "ticked box, return within the year",
        "special_reentry",
        case_of("special_reentry"),
        "complete",
        context=CaseContext(date(2026, 12, 1), date(2027, 6, 1)),
    ),
    Scenario(
        "ED box not ticked",
        "special_reentry",
        case_of("special_reentry", ed_card(reentry_intent=False)),
        "incomplete",
        {"REENTRY_BOX_NOT_TICKED"},
        items={"reentry_ed_card": "invalid", "passport": "present"},
    ),
    Scenario(
        "ED box unreadable",
        "special_reentry",
        case_of("special_reentry", ed_card(reentry_intent=None)),
        "needs_review",
        {"LOW_CONFIDENCE"},
        {"REENTRY_BOX_NOT_TICKED"},
    ),
    Scenario(
        "passport expired",
        "special_reentry",
        case_of("special_reentry", passport(date_of_expiry="2026-11-22")),
        "incomplete",
        {"PASSPORT_EXPIRED"},
        items={"passport": "invalid"},
    ),
    Scenario(
        "passport expiring on the day checked is still valid",
        "special_reentry",
        case_of("special_reentry", passport(date_of_expiry="2026-11-23")),
        "complete",
    ),
    Scenario(
        "passport expires before the planned departure",
        "special_reentry",
        case_of("special_reentry", passport(date_of_expiry="2026-12-15")),
        "incomplete",
        {"PASSPORT_EXPIRED"},
        context=CaseContext(date(2027, 1, 10), date(2027, 3, 1)),
    ),
    Scenario(
        "passport expires while abroad",
        "special_reentry",
        case_of("special_reentry", passport(date_of_expiry="2027-02-01")),
        "complete",
        {"PASSPORT_EXPIRED"},
        items={"passport": "present"},
        context=CaseContext(date(2026, 12, 1), date(2027, 3, 1)),
    ),
    Scenario(
        "card and stay expired",
        "special_reentry",
        case_of(
            "special_reentry",
            card_front(date_of_expiry="2026-10-31", card_valid_until="2026-10-31"),
        ),
        "incomplete",
        {"RESIDENCE_CARD_EXPIRED", "STAY_EXPIRED"},
        {"APPLICATION_PENDING"},
        items={"residence_card": "invalid"},
    ),
    Scenario(
        "pending application keeps an expired stay for two months",
        "special_reentry",
        case_of(
            "special_reentry",
            card_front(date_of_expiry="2026-10-31", card_valid_until="2026-10-31"),
            card_back(application_pending=True),
        ),
        "needs_review",
        {"APPLICATION_PENDING"},
        {"STAY_EXPIRED", "RESIDENCE_CARD_EXPIRED"},
        items={"residence_card": "present"},
    ),
    Scenario(
        "pending application does not help past two months",
        "special_reentry",
        case_of(
            "special_reentry",
            card_front(date_of_expiry="2026-09-22", card_valid_until="2026-09-22"),
            card_back(application_pending=True),
        ),
        "incomplete",
        {"STAY_EXPIRED", "RESIDENCE_CARD_EXPIRED"},
        {"APPLICATION_PENDING"},
    ),
    Scenario(
        "unread pending stamp on a recently lapsed stay needs a person",
        "special_reentry",
        case_of(
            "special_reentry",
            card_front(date_of_expiry="2026-10-31", card_valid_until="2026-10-31"),
            card_back(application_pending=None),
        ),
        "needs_review",
        {"STAY_EXPIRED", "LOW_CONFIDENCE", "RESIDENCE_CARD_EXPIRED"},
        items={"residence_card": "present"},
    ),
    Scenario(
        "unread pending stamp does not soften a stay lapsed long ago",
        "special_reentry",
        case_of(
            "special_reentry",
            card_front(date_of_expiry="2026-03-31", card_valid_until="2026-03-31"),
            card_back(application_pending=None),
        ),
        "incomplete",
        {"STAY_EXPIRED", "RESIDENCE_CARD_EXPIRED"},
        {"LOW_CONFIDENCE"},
        items={"residence_card": "invalid"},
    ),
    Scenario(
        "return after one year",
        "special_reentry",
        case_of("special_reentry"),
        "incomplete",
        {"RETURN_AFTER_DEADLINE"},
        items={"reentry_ed_card": "invalid"},
        context=CaseContext(date(2026, 12, 1), date(2027, 12, 2)),
    ),
    Scenario(
        "return exactly one year after departure is in time",
        "special_reentry",
        case_of("special_reentry"),
        "complete",
        context=CaseContext(date(2026, 12, 1), date(2027, 12, 1)),
    ),
    Scenario(
        "return after the stay expires, within the year",
        "special_reentry",
        case_of(
            "special_reentry",
            card_front(date_of_expiry="2027-05-31", card_valid_until="2027-05-31"),
        ),
        "incomplete",
        {"RETURN_AFTER_DEADLINE"},
        items={"residence_card": "invalid", "reentry_ed_card": "invalid"},
        context=CaseContext(date(2026, 12, 1), date(2027, 6, 15)),
    ),
    Scenario(
        "special permanent resident may stay away two years",
        "special_reentry",
        case_of("special_reentry", permanent_resident_card(card_valid_until="2032-01-01")),
        "complete",
        context=CaseContext(date(2026, 12, 1), date(2028, 6, 1), special_permanent_resident=True),
    ),
    Scenario(
        "permanent resident without SPR status is held to one year",
        "special_reentry",
        case_of("special_reentry", permanent_resident_card(card_valid_until="2032-01-01")),
        "incomplete",
        {"RETURN_AFTER_DEADLINE"},
        context=CaseContext(date(2026, 12, 1), date(2028, 6, 1)),
    ),
    Scenario(
        "permanent resident's card expiring abroad",
        "special_reentry",
        case_of("special_reentry", permanent_resident_card(card_valid_until="2027-02-01")),
        "needs_review",
        {"RESIDENCE_CARD_EXPIRED"},
        {"RETURN_AFTER_DEADLINE"},
        context=CaseContext(date(2026, 12, 1), date(2027, 6, 1)),
    ),
    Scenario(
        "missing ED card",
        "special_reentry",
        lambda: special(drop=("reentry_ed_card",)),
        "incomplete",
        {"MISSING_DOCUMENT"},
        items={"reentry_ed_card": "missing"},
    ),
    Scenario(
        "MRZ check digits fail",
        "special_reentry",
        case_of("special_reentry", passport(mrz_valid=False)),
        "incomplete",
        {"MRZ_CHECK_FAILED"},
        items={"passport": "invalid"},
    ),
    Scenario(
        # A glyph or two apart: the page OCR or the MRZ reader misread, or the page was
        # altered; a person compares them.
        "visual zone disagrees with the MRZ on what no other document states",
        "special_reentry",
        case_of("special_reentry", passport(viz_mismatch="date_of_expiry")),
        "needs_review",
        {"FIELD_MISMATCH"},
    ),
    Scenario(
        "visual zone disagrees with an MRZ date of birth the card and ED card state too",
        "special_reentry",
        case_of("special_reentry", passport(viz_mismatch="date_of_birth")),
        "complete",
        set(),
        absent_codes={"FIELD_MISMATCH"},
    ),
    Scenario(
        "visual zone disagrees with an MRZ date of birth the others state only unsurely",
        "special_reentry",
        case_of(
            "special_reentry",
            passport(viz_mismatch="date_of_birth"),
            card_front(date_of_birth=extracted("1990-04-01", confidence=0.4)),
            ed_card(date_of_birth=extracted("1990-04-01", confidence=0.4)),
        ),
        "needs_review",
        {"FIELD_MISMATCH"},
    ),
    Scenario(
        "visual zone disagreement on a low-confidence field goes to a person",
        "special_reentry",
        case_of(
            "special_reentry",
            passport(viz_mismatch="surname", surname=extracted("NGUYEN", confidence=0.4)),
            card_front(name=extracted("NGUYEN VAN AN", confidence=0.4)),
            ed_card(name=extracted("NGUYEN VAN AN", confidence=0.5)),
        ),
        "needs_review",
        {"FIELD_MISMATCH", "LOW_CONFIDENCE"},
    ),
    Scenario(
        "a low-confidence name that the passport states surely is confirmed",
        "special_reentry",
        case_of("special_reentry", ed_card(name=extracted("NGUYEN VAN AN", confidence=0.4))),
        "complete",
        set(),
        absent_codes={"LOW_CONFIDENCE"},
    ),
    Scenario(
        "a low-confidence date of birth that another document states surely is confirmed",
        "reentry_permit",
        case_of(
            "reentry_permit", form("reentry_permit", date_of_birth=extracted("1990-04-01", 0.3))
        ),
        "complete",
        set(),
        absent_codes={"LOW_CONFIDENCE"},
    ),
    Scenario(
        "a low-confidence name that only an unsure reading repeats stays doubted",
        "special_reentry",
        case_of(
            "special_reentry",
            passport(surname=extracted("NGUYEN", confidence=0.4)),
            card_front(name=extracted("NGUYEN VAN AN", confidence=0.4)),
            ed_card(name=extracted("NGUYEN VAN AN", confidence=0.5)),
        ),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "a low-confidence name cut short where the passport's is whole stays doubted",
        "special_reentry",
        case_of("special_reentry", ed_card(name=extracted("NGUYEN VAN", confidence=0.4))),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "card number malformed",
        "special_reentry",
        case_of("special_reentry", card_front(card_number=extracted("AB1234567CD", valid=False))),
        "incomplete",
        {"CARD_NUMBER_INVALID"},
        items={"residence_card": "invalid"},
    ),
    Scenario(
        "card number malformed but read with low confidence",
        "special_reentry",
        case_of(
            "special_reentry",
            card_front(card_number=extracted("AB1234567CD", confidence=0.3, valid=False)),
        ),
        "needs_review",
        {"CARD_NUMBER_INVALID", "LOW_CONFIDENCE"},
    ),
    Scenario(
        "card number well-formed text but reader says invalid",
        "special_reentry",
        case_of("special_reentry", card_front(card_number=extracted("AB12345678CD", valid=False))),
        "incomplete",
        {"CARD_NUMBER_INVALID"},
    ),
    Scenario(
        "name on the ED card is someone else's",
        "special_reentry",
        case_of("special_reentry", ed_card(name="TRAN THI LAN")),
        "incomplete",
        {"FIELD_MISMATCH"},
        items={"reentry_ed_card": "invalid", "residence_card": "present"},
    ),
    Scenario(
        "names differing in order, case, spacing and diacritics agree",
        "special_reentry",
        case_of(
            "special_reentry",
            card_front(name="Nguyễn Văn An"),
            ed_card(name="VAN AN NGUYEN"),
        ),
        "complete",
    ),
    Scenario(
        "MRZ-truncated name is a prefix of the full name",
        "special_reentry",
        case_of(
            "special_reentry",
            passport(surname="MACARAEG VILLANUEVA", given_names="MA LOURDES ESPERAN"),
            card_front(name="MACARAEG VILLANUEVA MA LOURDES ESPERANZA"),
            ed_card(name="MACARAEG VILLANUEVA MA LOURDES ESPERANZA"),
        ),
        "complete",
    ),
    Scenario(
        # Not a prefix the MRZ cut: a mismatch, though a letter apart, so one for a person.
        "a short passport name is not allowed to be a prefix",
        "special_reentry",
        case_of("special_reentry", ed_card(name="NGUYEN VAN ANH")),
        "needs_review",
        {"FIELD_MISMATCH"},
    ),
    Scenario(
        "a name one misread letter apart is a mismatch for a person to check, not an error",
        "extension_of_stay",
        case_of("extension_of_stay", form("extension_of_stay", applicant_name="NGUYEN VAN AT")),
        "needs_review",
        {"FIELD_MISMATCH"},
        items={"application_form": "present"},
    ),
    Scenario(
        "a name two letters apart is another person's",
        "extension_of_stay",
        case_of("extension_of_stay", form("extension_of_stay", applicant_name="NGUYEN VAN TT")),
        "incomplete",
        {"FIELD_MISMATCH"},
        items={"application_form": "invalid"},
    ),
    Scenario(
        "passport number on the ED card differs",
        "special_reentry",
        case_of("special_reentry", ed_card(passport_number="C7654321")),
        "incomplete",
        {"FIELD_MISMATCH"},
    ),
    Scenario(
        "passport number read unsurely on the ED card differs a glyph from the passport's",
        "special_reentry",
        case_of("special_reentry", ed_card(passport_number=extracted("C1234561", 0.55))),
        "needs_review",
        {"FIELD_MISMATCH", "LOW_CONFIDENCE"},
    ),
    Scenario(
        # A misread changes a glyph or two, not most of a number.
        "passport number read unsurely on the ED card is nothing like the passport's",
        "special_reentry",
        case_of("special_reentry", ed_card(passport_number=extracted("IR0647287", 0.55))),
        "incomplete",
        {"FIELD_MISMATCH"},
    ),
    Scenario(
        "passport number read with hardly any confidence differs wholly: a person looks",
        "special_reentry",
        case_of("special_reentry", ed_card(passport_number=extracted("IR0647287", 0.2))),
        "needs_review",
        {"FIELD_MISMATCH", "LOW_CONFIDENCE"},
    ),
    Scenario(
        "passport number on the ED card differs only by a letter read as its digit twin",
        "special_reentry",
        case_of("special_reentry", ed_card(passport_number="C1Z34S67")),
        "complete",
    ),
    Scenario(
        "card number on the form differs only by a digit read as its letter twin",
        "reentry_permit",
        case_of("reentry_permit", form("reentry_permit", card_number="AB12345678CO")),
        "complete",
    ),
    Scenario(
        "date of birth on the card differs",
        "special_reentry",
        case_of("special_reentry", card_front(date_of_birth="1990-04-02")),
        "incomplete",
        {"FIELD_MISMATCH"},
    ),
    Scenario(
        "nationality printed differently but the same country",
        "special_reentry",
        case_of("special_reentry", ed_card(nationality="VIET NAM")),
        "complete",
    ),
    Scenario(
        "nationality differs",
        "special_reentry",
        case_of("special_reentry", card_front(nationality="CHN")),
        "incomplete",
        {"FIELD_MISMATCH"},
    ),
    Scenario(
        "an unreadable extra file",
        "special_reentry",
        lambda: [
            *clean_case("special_reentry"),
            DocumentReport(
                file="blurred.jpg",
                page=1,
                sha256="1" * 64,
                errors=[FileError(code="UNREADABLE_FILE", message="not an image or PDF")],
            ),
        ],
        "needs_review",
        {"UNREADABLE_FILE"},
    ),
    Scenario(
        "the only passport is unreadable",
        "special_reentry",
        lambda: [
            *without(clean_case("special_reentry"), "passport"),
            DocumentReport(
                file="passport.jpg",
                page=1,
                sha256="1" * 64,
                doc_type="passport",
                errors=[FileError(code="OCR_TIMEOUT", message="OCR ran past its time limit")],
            ),
        ],
        "incomplete",
        {"UNREADABLE_FILE"},
        items={"passport": "invalid"},
    ),
    Scenario(
        "passport expiry read with low confidence",
        "special_reentry",
        case_of("special_reentry", passport(date_of_expiry=extracted("2031-04-12", 0.3))),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "passport classified with low confidence",
        "special_reentry",
        lambda: [
            d.model_copy(update={"doc_type_confidence": 0.2}) if d.doc_type == "passport" else d
            for d in clean_case("special_reentry")
        ],
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "old expired passport next to the renewed one",
        "special_reentry",
        lambda: [
            passport(
                file="old_passport.jpg", document_number="B7654321", date_of_expiry="2025-01-01"
            ),
            *clean_case("special_reentry"),
        ],
        "needs_review",
        {"PASSPORT_EXPIRED"},
        {"FIELD_MISMATCH"},
        items={"passport": "present"},
    ),
    Scenario(
        "permanent resident card without a stay expiry",
        "special_reentry",
        case_of("special_reentry", permanent_resident_card()),
        "complete",
    ),
    # ---------------------------------------------------------------- re-entry permit
    Scenario(
        "multiple permit without reason materials",
        "reentry_permit",
        case_of("reentry_permit", form("reentry_permit", permit_type="multiple")),
        "incomplete",
        {"MISSING_DOCUMENT"},
        items={"reason_materials": "missing"},
    ),
    Scenario(
        "multiple permit with reason materials",
        "reentry_permit",
        case_of(
            "reentry_permit",
            form("reentry_permit", permit_type="multiple"),
            attachment("reason_document"),
        ),
        "complete",
        items={"reason_materials": "present"},
    ),
    Scenario(
        "permit type unread: whether reason materials are needed is unknown",
        "reentry_permit",
        case_of("reentry_permit", form("reentry_permit", permit_type=None)),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "permit type not on the form at all",
        "reentry_permit",
        case_of("reentry_permit", form("reentry_permit", permit_type=DROP)),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "permit longer than five years",
        "reentry_permit",
        case_of(
            "reentry_permit",
            form("reentry_permit", date_of_reentry="2031-12-11"),
            permanent_resident_card(card_valid_until="2033-01-01"),
        ),
        "incomplete",
        {"PERIOD_NOT_ALLOWED"},
        items={"application_form": "invalid"},
    ),
    Scenario(
        "five years run from the planned departure at the latest",
        "reentry_permit",
        case_of(
            "reentry_permit",
            form("reentry_permit", date_of_departure="2026-12-10", date_of_reentry="2031-12-10"),
            permanent_resident_card(card_valid_until="2033-01-01"),
            passport(date_of_expiry="2034-01-01"),
        ),
        "complete",
    ),
    Scenario(
        "special permanent resident may have six years",
        "reentry_permit",
        case_of(
            "reentry_permit",
            form("reentry_permit", date_of_reentry="2032-06-01"),
            permanent_resident_card(card_valid_until="2033-01-01"),
            passport(date_of_expiry="2034-01-01"),
        ),
        "complete",
        context=CaseContext(special_permanent_resident=True),
    ),
    Scenario(
        "planned re-entry after the stay expires",
        "reentry_permit",
        case_of("reentry_permit", form("reentry_permit", date_of_reentry="2028-06-01")),
        "needs_review",
        {"PERMIT_PAST_STAY_EXPIRY"},
    ),
    Scenario(
        "re-entry date unread",
        "reentry_permit",
        case_of("reentry_permit", form("reentry_permit", date_of_reentry=None)),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "form not signed",
        "reentry_permit",
        case_of("reentry_permit", form("reentry_permit", signed=False)),
        "incomplete",
        {"FORM_NOT_SIGNED"},
        items={"application_form": "invalid"},
    ),
    Scenario(
        "form of another procedure",
        "reentry_permit",
        case_of("reentry_permit", form("extension_of_stay", permit_type="single")),
        "incomplete",
        {"DOCUMENT_NOT_FOR_PROCEDURE"},
        items={"application_form": "invalid"},
    ),
    Scenario(
        "passport number on the form differs",
        "reentry_permit",
        case_of("reentry_permit", form("reentry_permit", passport_number="C1234568")),
        "incomplete",
        {"FIELD_MISMATCH"},
    ),
    # ---------------------------------------------------------------- extension of stay
    Scenario(
        "period the status does not allow",
        "extension_of_stay",
        case_of("extension_of_stay", form("extension_of_stay", requested_period="2y")),
        "incomplete",
        {"PERIOD_NOT_ALLOWED"},
        items={"application_form": "invalid"},
    ),
    Scenario(
        "period unparseable",
        "extension_of_stay",
        case_of("extension_of_stay", form("extension_of_stay", requested_period="forever")),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "status not in the table",
        "extension_of_stay",
        case_of("extension_of_stay", form("extension_of_stay", status_of_residence="Wizard")),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "student asking for up to 4y3m",
        "extension_of_stay",
        case_of(
            "extension_of_stay",
            form("extension_of_stay", status_of_residence="Student", requested_period="2y3m"),
            card_front(status_of_residence="Student"),
        ),
        "complete",
    ),
    Scenario(
        "filed during the pending-application window",
        "extension_of_stay",
        case_of(
            "extension_of_stay",
            card_front(date_of_expiry="2026-11-01", card_valid_until="2026-11-01"),
            card_back(application_pending=True),
        ),
        "needs_review",
        {"APPLICATION_PENDING"},
        {"STAY_EXPIRED"},
    ),
    Scenario(
        "card number on the form differs from the card",
        "extension_of_stay",
        case_of("extension_of_stay", form("extension_of_stay", card_number="AB12345679CD")),
        "incomplete",
        {"FIELD_MISMATCH"},
        items={"application_form": "invalid", "residence_card": "invalid"},
    ),
    Scenario(
        "missing photo",
        "extension_of_stay",
        lambda: without(clean_case("extension_of_stay"), "photo"),
        "incomplete",
        {"MISSING_DOCUMENT"},
        items={"photo": "missing"},
    ),
    Scenario(
        "an ED card the checklist does not ask for is only noted",
        "extension_of_stay",
        case_of("extension_of_stay", ed_card()),
        "complete",
        {"DOCUMENT_NOT_FOR_PROCEDURE"},
    ),
    # ---------------------------------------------------------------- change of status
    Scenario(
        "desired status does not allow the period",
        "change_of_status",
        case_of("change_of_status", form("change_of_status", requested_period="2y")),
        "incomplete",
        {"PERIOD_NOT_ALLOWED"},
    ),
    Scenario(
        "current status allowing the period does not matter for a change",
        "change_of_status",
        case_of(
            "change_of_status",
            form("change_of_status", desired_status="Dependent", requested_period="4y3m"),
        ),
        "complete",
    ),
    # ---------------------------------------------------------------- certificate of eligibility
    Scenario(
        "COE for a temporary visitor",
        "certificate_of_eligibility",
        case_of(
            "certificate_of_eligibility",
            form("certificate_of_eligibility", status_of_residence="Temporary Visitor"),
        ),
        "incomplete",
        {"STATUS_NOT_ELIGIBLE"},
        items={"application_form": "invalid"},
    ),
    Scenario(
        "COE for a permanent resident",
        "certificate_of_eligibility",
        case_of(
            "certificate_of_eligibility",
            form("certificate_of_eligibility", status_of_residence="Permanent Resident"),
        ),
        "incomplete",
        {"STATUS_NOT_ELIGIBLE"},
    ),
    Scenario(
        "COE status unread",
        "certificate_of_eligibility",
        case_of(
            "certificate_of_eligibility",
            form("certificate_of_eligibility", status_of_residence=None),
        ),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    # ---------------------------------------------------------------- provisional release
    Scenario(
        "applicant is a friend",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", relationship="Friend")),
        "incomplete",
        {"APPLICANT_NOT_ALLOWED"},
    ),
    Scenario(
        "applicant is an elder brother",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", relationship="Elder brother")),
        "complete",
    ),
    Scenario(
        "applicant is the detainee, in Japanese",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", relationship="本人")),
        "complete",
    ),
    Scenario(
        "unsigned letter of guarantee: a person looks",
        "provisional_release",
        case_of("provisional_release", make("letter_of_guarantee", "g.jpg", {}, {"signed": False})),
        "needs_review",
        {"LETTER_NOT_SIGNED"},
    ),
    Scenario(
        "a signature the reader could not find is no finding",
        "provisional_release",
        case_of("provisional_release", make("written_oath", "o.jpg", {}, {"signed": None})),
        "complete",
        absent_codes={"LETTER_NOT_SIGNED", "LOW_CONFIDENCE"},
    ),
    Scenario(
        "bilingual relationship wording",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", relationship="Parent (親)")),
        "complete",
    ),
    Scenario(
        "bilingual wording of a relationship that may not apply",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", relationship="Friend（友人）")),
        "incomplete",
        {"APPLICANT_NOT_ALLOWED"},
    ),
    Scenario(
        "a landlord written in Japanese may not apply",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", relationship="家主")),
        "incomplete",
        {"APPLICANT_NOT_ALLOWED"},
    ),
    Scenario(
        "a sibling by marriage may not apply",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", relationship="brother-in-law")),
        "incomplete",
        {"APPLICANT_NOT_ALLOWED"},
    ),
    Scenario(
        "contradictory relationship wording goes to a person",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", relationship="Spouse / Friend")),
        "needs_review",
        {"LOW_CONFIDENCE"},
        {"APPLICANT_NOT_ALLOWED"},
    ),
    Scenario(
        "relationship wording unknown",
        "provisional_release",
        case_of(
            "provisional_release",
            form("provisional_release", relationship="community association"),
        ),
        "needs_review",
        {"LOW_CONFIDENCE"},
        {"APPLICANT_NOT_ALLOWED"},
    ),
    Scenario(
        "deposit above three million yen",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", deposit_amount=3_000_001)),
        "incomplete",
        {"DEPOSIT_TOO_HIGH"},
    ),
    Scenario(
        "deposit of exactly three million yen",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", deposit_amount=3_000_000)),
        "complete",
    ),
    Scenario(
        "deposit read as text",
        "provisional_release",
        case_of("provisional_release", form("provisional_release", deposit_amount="3,000,000")),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "written oath missing",
        "provisional_release",
        lambda: without(clean_case("provisional_release"), "written_oath"),
        "incomplete",
        {"MISSING_DOCUMENT"},
        items={"written_oath": "missing"},
    ),
    # ---------------------------------------------------------------- departure order
    Scenario(
        "deported before",
        "departure_order",
        case_of("departure_order", form("departure_order", condition_4=False)),
        "incomplete",
        {"DEPARTURE_CONDITION_NOT_MET"},
        items={"application_form": "invalid"},
    ),
    Scenario(
        "one condition unread while the form states them",
        "departure_order",
        case_of("departure_order", form("departure_order", condition_3=DROP)),
        "needs_review",
        {"LOW_CONFIDENCE"},
    ),
    Scenario(
        "form without the conditions",
        "departure_order",
        case_of(
            "departure_order",
            form("departure_order", **{f"condition_{n}": DROP for n in range(1, 6)}),
        ),
        "complete",
    ),
    Scenario(
        "an overstayer's expired card is expected",
        "departure_order",
        case_of(
            "departure_order",
            card_front(date_of_expiry="2025-03-31", card_valid_until="2025-03-31"),
        ),
        "complete",
        {"DOCUMENT_NOT_FOR_PROCEDURE"},
        {"STAY_EXPIRED", "RESIDENCE_CARD_EXPIRED"},
    ),
    # ---------------------------------------------------------------- unknown procedure
    Scenario(
        "procedure unknown",
        "unknown",
        case_of("special_reentry"),
        "needs_review",
        {"PROCEDURE_UNKNOWN"},
    ),
    Scenario(
        "procedure unknown still reports an unticked box",
        "unknown",
        case_of("special_reentry", ed_card(reentry_intent=False)),
        "needs_review",
        {"PROCEDURE_UNKNOWN", "REENTRY_BOX_NOT_TICKED"},
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s.procedure}: {s.name}")
def test_scenario(scenario: Scenario) -> None:
    result = verify(scenario.documents(), scenario.procedure, scenario.context)
    messages = [f"{f.code}/{f.severity}: {f.message}" for f in result.findings]
    assert result.verdict == scenario.verdict, messages
    assert scenario.expected_codes <= codes(result), messages
    assert not scenario.absent_codes & codes(result), messages
    for item, expected in scenario.items.items():
        assert status(result, item) == expected, [e.model_dump() for e in result.checklist]


def _split_form(procedure: str, **last_page: Any) -> list[DocumentReport]:
    """The case with its form's answers on page 1 and the signature on page 2."""
    first = form(procedure, signed=DROP)
    second = make("application_form", "application.pdf", {"signed": True}, last_page)
    second = second.model_copy(update={"page": 2})
    return [first, second, *clean_case(procedure)[1:]]


def test_form_pages_of_one_file_are_one_document() -> None:
    result = verify(_split_form("extension_of_stay"), "extension_of_stay")
    assert result.verdict == "complete", [f.message for f in result.findings]
    assert next(e for e in result.checklist if e.item == "application_form").documents == [0, 1]


def test_unsigned_last_page_fails_the_whole_form() -> None:
    result = verify(_split_form("extension_of_stay", signed=False), "extension_of_stay")
    unsigned = next(f for f in result.findings if f.code == "FORM_NOT_SIGNED")
    assert unsigned.documents == [0, 1]
    assert "application.pdf, pages 1, 2" in unsigned.message
    assert status(result, "application_form") == "invalid"


def test_a_blank_continuation_page_does_not_stand_in_for_a_failed_form() -> None:
    documents = _split_form("extension_of_stay", signed=DROP)
    documents[0] = form("extension_of_stay", requested_period="2y")
    result = verify(documents, "extension_of_stay")
    assert result.verdict == "incomplete"
    assert status(result, "application_form") == "invalid"


def test_unknown_procedure_has_no_checklist() -> None:
    result = verify(clean_case("special_reentry"), "unknown")
    assert result.checklist == []


def test_findings_name_documents_fields_and_source() -> None:
    documents = [
        form("reentry_permit", signed=False, passport_number="X9999999"),
        *clean_case("reentry_permit")[1:],
    ]
    result = verify(documents, "reentry_permit")
    unsigned = next(f for f in result.findings if f.code == "FORM_NOT_SIGNED")
    assert unsigned.documents == [0]
    assert unsigned.fields == ["signed"]
    assert "application.pdf, page 1" in unsigned.message
    assert unsigned.source and "Signature" in unsigned.source
    mismatch = next(f for f in result.findings if f.code == "FIELD_MISMATCH")
    assert set(mismatch.documents) == {0, 1}
    assert {"document_number", "passport_number"} <= set(mismatch.fields)
    assert "application.pdf, page 1" in mismatch.message
    assert "passport.jpg, page 1" in mismatch.message
    assert "X9999999" not in mismatch.message  # personal data stays in the fields


def test_missing_item_reason_and_finding_cite_the_checklist() -> None:
    result = verify(without(clean_case("special_reentry"), "reentry_ed_card"), "special_reentry")
    entry = next(e for e in result.checklist if e.item == "reentry_ed_card")
    assert entry.reason and entry.source and "seed 004" in entry.source
    missing = next(f for f in result.findings if f.code == "MISSING_DOCUMENT")
    assert missing.severity == "error"
    assert missing.source == entry.source


def test_deposit_source_notes_the_mistranslation() -> None:
    result = verify(
        case_of("provisional_release", form("provisional_release", deposit_amount=30_000_000))(),
        "provisional_release",
    )
    finding = next(f for f in result.findings if f.code == "DEPOSIT_TOO_HIGH")
    assert finding.source and "300万" in finding.source and "3,000,000" in finding.source


def test_errors_are_listed_before_warnings_and_notes() -> None:
    result = verify(
        case_of(
            "extension_of_stay",
            form("extension_of_stay", signed=False, requested_period=extracted("3y", 0.2)),
            ed_card(),
        )(),
        "extension_of_stay",
    )
    order = {"error": 0, "warning": 1, "info": 2}
    ranks = [order[f.severity] for f in result.findings]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3


def test_low_confidence_names_the_checks_that_needed_the_field() -> None:
    result = verify(
        case_of("special_reentry", passport(date_of_expiry=extracted("2031-04-12", 0.3)))(),
        "special_reentry",
    )
    doubt = next(f for f in result.findings if f.code == "LOW_CONFIDENCE")
    assert doubt.fields == ["date_of_expiry"]
    assert "PASSPORT_EXPIRED" in doubt.message and "0.30" in doubt.message


def test_bundled_checklist_is_used_when_none_is_given() -> None:
    result = verify_case(
        without(clean_case("special_reentry"), "passport"),
        "special_reentry",
        None,
        AS_OF,
        CaseContext(),
    )
    assert result.verdict == "incomplete"
    assert [e.item for e in result.checklist] == ["passport", "residence_card", "reentry_ed_card"]


def test_rejects_a_checklist_of_another_procedure() -> None:
    with pytest.raises(ValueError):
        verify_case(
            [], "special_reentry", load_checklists()["reentry_permit"], AS_OF, CaseContext()
        )
    with pytest.raises(ValueError):
        verify_case([], "holiday", None, AS_OF, CaseContext())
