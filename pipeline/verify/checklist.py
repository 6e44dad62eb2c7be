"""The checklist of a case: each item present, missing or invalid, and why.

An item is present when some readable document of its types has no error finding against
it; a document that is there but fails a rule (or cannot be read) makes the item invalid.
Items required only under a condition (`required_when`) are judged on the field the
condition names; when no document states that field with confidence, the item is reported
as not required but the doubt is raised, so the case still goes to a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.verify.case import CASE_LEVEL, LOW_CONFIDENCE_THRESHOLD, Case
from schemas.checklist import ChecklistItem, Condition
from schemas.report import ChecklistEntry, FieldValue, Finding, ItemStatus


@dataclass(frozen=True)
class Requirement:
    required: bool
    note: str
    """Why the item is or is not required, when that depends on the case."""


@dataclass(frozen=True)
class ItemOutcome:
    item: ChecklistItem
    requirement: Requirement
    status: ItemStatus
    documents: tuple[int, ...]


def _condition_holds(value: FieldValue, condition: Condition) -> bool:
    if isinstance(value, str) and isinstance(condition.equals, str):
        return value.casefold() == condition.equals.casefold()
    return value == condition.equals


def _requirement(case: Case, item: ChecklistItem) -> Requirement:
    condition = item.required_when
    if item.required:
        return Requirement(True, "")
    if condition is None:
        return Requirement(False, "Optional. ")
    wanted = f"{condition.field} is {condition.equals}"
    carriers = [
        index
        for index, document in enumerate(case.documents)
        if not document.errors and condition.field in document.fields
    ]
    read_as = case.text if isinstance(condition.equals, str) else case.flag
    values: dict[int, FieldValue] = {index: read_as(index, condition.field) for index in carriers}
    stating = [index for index, value in values.items() if _condition_holds(value, condition)]
    if stating:
        return Requirement(True, f"Required because {case.labels(stating)} states {wanted}. ")
    if carriers and all(value is not None for value in values.values()):
        stated = ", ".join(sorted({str(value) for value in values.values()}))
        return Requirement(False, f"Not required: {condition.field} is {stated}, not {wanted}. ")
    if not carriers:
        case.doubt(CASE_LEVEL, condition.field, "is stated by no readable document")
    return Requirement(
        False,
        f"Required only when {wanted}, which could not be read: decide by eye. ",
    )


def _doubt_classification(case: Case, indices: list[int]) -> None:
    """An item resting only on pages the classifier was unsure of is itself unsure."""
    if all(case.documents[i].doc_type_confidence < LOW_CONFIDENCE_THRESHOLD for i in indices):
        for index in indices:
            document = case.documents[index]
            case.doubt(
                index,
                "doc_type",
                f"was classified as {document.doc_type} with confidence"
                f" {document.doc_type_confidence:.2f}",
            )


def _blocked_documents(case: Case, findings: list[Finding]) -> set[int]:
    """Case documents with an error finding against any of their pages."""
    pages = {
        page for finding in findings if finding.severity == "error" for page in finding.documents
    }
    return {i for i, document in enumerate(case.documents) if pages & set(document.pages)}


def evaluate_items(case: Case, findings: list[Finding]) -> list[ItemOutcome]:
    """Each checklist item's status given the rules' findings (reads charged to
    MISSING_DOCUMENT, the check that presence is)."""
    if case.checklist is None:
        return []
    case.current_code = "MISSING_DOCUMENT"
    blocked = _blocked_documents(case, findings)
    outcomes = []
    for item in case.checklist.items:
        requirement = _requirement(case, item)
        candidates = [i for i, d in enumerate(case.documents) if d.doc_type in item.doc_types]
        usable = [i for i in candidates if i not in blocked]
        status: ItemStatus
        if usable:
            _doubt_classification(case, usable)
            status, documents = "present", usable
        elif candidates:
            status, documents = "invalid", candidates
        else:
            status, documents = "missing", []
        outcomes.append(ItemOutcome(item, requirement, status, tuple(documents)))
    return outcomes


def _codes(
    case: Case, findings: list[Finding], index: int, severities: tuple[str, ...]
) -> list[str]:
    pages = set(case.documents[index].pages)
    return list(
        dict.fromkeys(
            f.code for f in findings if pages & set(f.documents) and f.severity in severities
        )
    )


def _absence_notes(case: Case) -> str:
    unknown = sum(1 for d in case.documents if d.doc_type == "unknown" and not d.errors)
    unreadable = sum(1 for d in case.documents if d.errors)
    notes = []
    if unknown:
        notes.append(f"{unknown} document(s) could not be classified and may hold it")
    if unreadable:
        notes.append(f"{unreadable} document(s) could not be read and may hold it")
    return f" ({'; '.join(notes)})" if notes else ""


def missing_findings(case: Case, outcomes: list[ItemOutcome]) -> list[Finding]:
    return [
        Finding(
            code="MISSING_DOCUMENT",
            severity="error",
            message=(
                f"{outcome.item.description} is missing: no {' or '.join(outcome.item.doc_types)}"
                f" among the case's {len(case.documents)} document(s){_absence_notes(case)}."
                f" {outcome.requirement.note}"
            ).strip(),
            source=outcome.item.source,
        )
        for outcome in outcomes
        if outcome.status == "missing" and outcome.requirement.required
    ]


def _reason(case: Case, outcome: ItemOutcome, findings: list[Finding]) -> str:
    note = outcome.requirement.note
    if outcome.status == "missing":
        if not outcome.requirement.required:
            return f"{note}None provided.".strip()
        return f"{note}Not found among the case's documents{_absence_notes(case)}.".strip()
    parts = []
    for index in outcome.documents:
        if outcome.status == "invalid":
            parts.append(
                f"{case.label(index)} fails {', '.join(_codes(case, findings, index, ('error',)))}"
            )
            continue
        to_review = _codes(case, findings, index, ("warning",))
        doubted = {
            code for (i, _), doubt in case.doubts.items() if i == index for code in doubt.codes
        }
        passed = sorted(
            case.checked_by.get(index, set()) - doubted - set(to_review) - {"MISSING_DOCUMENT"}
        )
        text = case.label(index)
        if passed:
            text += f", which passed the {', '.join(passed)} checks"
        if to_review:
            text += f" (to review: {', '.join(to_review)})"
        parts.append(text)
    lead = "Provided by" if outcome.status == "present" else "Present but unusable:"
    return f"{note}{lead} {'; '.join(parts)}."


def checklist_entries(
    case: Case, outcomes: list[ItemOutcome], findings: list[Finding]
) -> list[ChecklistEntry]:
    """The report's checklist; reasons are written once every finding is known."""
    return [
        ChecklistEntry(
            item=outcome.item.id,
            required=outcome.requirement.required,
            status=outcome.status,
            documents=case.pages(outcome.documents),
            reason=_reason(case, outcome, findings),
            source=outcome.item.source,
        )
        for outcome in outcomes
    ]
