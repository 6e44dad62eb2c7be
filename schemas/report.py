"""The case report, exactly as the public contract (CONTRACT.md) names it.

Names here are a public contract: change one only with a SCHEMA_VERSION bump and a line in
CHANGELOG.md. Adding optional fields is free.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

ProcedureId = Literal[
    "special_reentry",
    "reentry_permit",
    "extension_of_stay",
    "change_of_status",
    "certificate_of_eligibility",
    "provisional_release",
    "departure_order",
]
PROCEDURE_IDS: tuple[str, ...] = ProcedureId.__args__  # type: ignore[attr-defined]

DocType = Literal[
    "passport",
    "residence_card_front",
    "residence_card_back",
    "reentry_ed_card",
    "application_form",
    "letter_of_guarantee",
    "written_oath",
    "reference_materials",
    "reason_document",
    "photo",
    "unknown",
]
DOC_TYPES: tuple[str, ...] = DocType.__args__  # type: ignore[attr-defined]

# The fields each document type reports at least (CONTRACT.md, "Document types and their
# fields"); readers may add more.
CONTRACT_FIELDS: dict[str, tuple[str, ...]] = {
    "passport": (
        "mrz_type",
        "document_number",
        "issuing_state",
        "surname",
        "given_names",
        "nationality",
        "date_of_birth",
        "sex",
        "date_of_expiry",
        "personal_number",
        "mrz_valid",
    ),
    "residence_card_front": (
        "card_number",
        "name",
        "date_of_birth",
        "sex",
        "nationality",
        "status_of_residence",
        "work_restriction",
        "period_of_stay",
        "date_of_expiry",
        "card_valid_until",
    ),
    "residence_card_back": ("application_pending", "permission_outside_status"),
    "reentry_ed_card": (
        "reentry_intent",
        "name",
        "passport_number",
        "nationality",
        "date_of_birth",
    ),
    "application_form": (
        "form",
        "applicant_name",
        "nationality",
        "date_of_birth",
        "passport_number",
        "card_number",
        "status_of_residence",
        "requested_period",
        "permit_type",
        "signed",
    ),
}

Verdict = Literal["complete", "incomplete", "needs_review"]
ItemStatus = Literal["present", "missing", "invalid"]
Severity = Literal["error", "warning", "info"]

FindingCode = Literal[
    "MISSING_DOCUMENT",
    "PASSPORT_EXPIRED",
    "RESIDENCE_CARD_EXPIRED",
    "STAY_EXPIRED",
    "REENTRY_BOX_NOT_TICKED",
    "RETURN_AFTER_DEADLINE",
    "MRZ_CHECK_FAILED",
    "CARD_NUMBER_INVALID",
    "FIELD_MISMATCH",
    "PERIOD_NOT_ALLOWED",
    "STATUS_NOT_ELIGIBLE",
    "UNREADABLE_FILE",
    "PROCEDURE_UNKNOWN",
    "LOW_CONFIDENCE",
    # Additions beyond the contract's minimum.
    "APPLICATION_PENDING",
    "PERMIT_PAST_STAY_EXPIRY",
    "APPLICANT_NOT_ALLOWED",
    "DEPOSIT_TOO_HIGH",
    "DEPARTURE_CONDITION_NOT_MET",
    "FORM_NOT_SIGNED",
    "DOCUMENT_NOT_FOR_PROCEDURE",
    "LETTER_NOT_SIGNED",
]

BBox = tuple[int, int, int, int]
"""[x, y, width, height] in pixels of the page as loaded (before preprocessing)."""

FieldValue = str | bool | int | None


class _Model(BaseModel):
    # Written with every field, defaults included: the schema of what is written says so.
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


class ExtractedField(_Model):
    """One value read from a document, with how sure the reader is and where it was."""

    value: FieldValue = None
    confidence: float = Field(0.0, ge=0.0, le=1.0)
    valid: bool | None = None
    bbox: BBox | None = None


CASE_FILE_ERROR = "bad_case_file"  # FileError code of a case.yaml that cannot be used


class FileError(_Model):
    """Why a file or page could not be read, and what the user can do about it."""

    code: str
    message: str


class DocumentReport(_Model):
    file: str
    page: int = Field(ge=1)
    sha256: str
    doc_type: DocType = "unknown"
    doc_type_confidence: float = Field(0.0, ge=0.0, le=1.0)
    fields: dict[str, ExtractedField] = Field(default_factory=dict)
    errors: list[FileError] = Field(default_factory=list)


class ChecklistEntry(_Model):
    item: str
    required: bool
    status: ItemStatus
    documents: list[int] = Field(default_factory=list)
    reason: str = ""
    source: str | None = None


class Finding(_Model):
    code: FindingCode
    severity: Severity
    message: str
    documents: list[int] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)
    source: str | None = None


class Report(_Model):
    schema_version: Literal["1.0"] = SCHEMA_VERSION
    case_id: str
    procedure: ProcedureId | Literal["unknown"]
    procedure_source: Literal["case.yaml", "form_title", "option", "none"] = "none"
    as_of: date
    verdict: Verdict
    documents: list[DocumentReport] = Field(default_factory=list)
    checklist: list[ChecklistEntry] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)

    def missing_items(self) -> list[str]:
        """Required checklist items with no document: what the applicant must still bring."""
        return [e.item for e in self.checklist if e.status == "missing" and e.required]


class CaseSummary(_Model):
    """One row of OUT/summary.json and OUT/summary.csv."""

    case_id: str
    procedure: str
    verdict: Verdict
    missing: list[str]
    errors: int = Field(
        description="Files or pages of the case, or its case.yaml, that could not be read."
    )
    findings: list[str] = Field(
        default_factory=list,
        description="Codes of the case's error and warning findings: why it is not complete.",
    )
