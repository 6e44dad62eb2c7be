"""What the rules see of a case: its readable documents, read through one door.

Every value a rule takes from a document goes through `Case.read` (or a typed helper), which
notes the values the rule needed but cannot trust: a field absent or null, below the
confidence threshold, or not of the expected form. Those notes become LOW_CONFIDENCE findings,
so a rule whose input was not read can never pass silently, and a finding built on a doubtful
read is downgraded to a warning for a person to check rather than asserted as an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from schemas.checklist import Checklist
from schemas.report import DocumentReport, ExtractedField, FieldValue, FileError

LOW_CONFIDENCE_THRESHOLD = 0.6
"""A read whose confidence is below this is a guess a person must confirm. Readers report
0..1 (Tesseract word confidences, lowered for repairs and failed checks); 0.6 sits under what
clean prints score (0.85-0.97) and over what repaired or half-read values score, and errs
towards review: a false "complete" costs more than a look by eye."""

READ_UNSURELY = "was read with confidence"
"""How a doubt raised by confidence alone begins: the one a repeat on another document lifts."""


@dataclass
class CaseContext:
    """What the case folder's case.yaml says beyond its documents."""

    planned_departure: date | None = None
    planned_return: date | None = None
    special_permanent_resident: bool = False


@dataclass(frozen=True)
class Hit:
    """One failure a rule found: plain-English message, the documents and fields involved."""

    message: str
    documents: tuple[int, ...] = ()
    fields: tuple[str, ...] = ()
    misread_likely: bool = False
    """The failure may well be one glyph misread (two names a letter apart): a person checks."""
    misread_ruled_out: bool = False
    """The values differ too much for a misreading of either to explain: a doubt about how
    surely one was read does not soften the failure."""


@dataclass
class Doubt:
    """A value some rule needed but could not trust, and which checks depended on it."""

    reason: str
    codes: set[str] = field(default_factory=set)


CASE_LEVEL = -1
"""Document index of a doubt about the case as a whole (no document states the value)."""

MERGED_DOC_TYPES = ("application_form",)
"""Types whose pages in one file make one document: a form's answers and its signature
often sit on different pages."""


@dataclass(frozen=True)
class CaseDocument:
    """One document of the case as the rules see it: a page, or all readable pages of one
    file's application form with their fields merged (per field, the surest reading)."""

    pages: tuple[int, ...]
    """Indices into the report's documents."""
    label: str
    doc_type: str
    doc_type_confidence: float
    fields: dict[str, ExtractedField]
    errors: tuple[FileError, ...]


def _page_label(reports: list[DocumentReport], pages: tuple[int, ...]) -> str:
    numbers = [reports[i].page for i in pages]
    if len(numbers) == 1:
        return f"{reports[pages[0]].file}, page {numbers[0]}"
    return f"{reports[pages[0]].file}, pages {', '.join(map(str, numbers))}"


def _surest(readings: list[ExtractedField]) -> ExtractedField:
    read = [r for r in readings if r.value is not None]
    return max(read, key=lambda r: r.confidence) if read else readings[0]


def case_documents(reports: list[DocumentReport]) -> list[CaseDocument]:
    groups: dict[tuple[str, str] | int, list[int]] = {}
    for index, report in enumerate(reports):
        merged = report.doc_type in MERGED_DOC_TYPES and not report.errors
        groups.setdefault((report.file, report.doc_type) if merged else index, []).append(index)
    documents = []
    for pages in groups.values():
        members = [reports[i] for i in pages]
        names = dict.fromkeys(name for member in members for name in member.fields)
        documents.append(
            CaseDocument(
                pages=tuple(pages),
                label=_page_label(reports, tuple(pages)),
                doc_type=members[0].doc_type,
                doc_type_confidence=max(m.doc_type_confidence for m in members),
                fields={
                    name: _surest([m.fields[name] for m in members if name in m.fields])
                    for name in names
                },
                errors=tuple(error for member in members for error in member.errors),
            )
        )
    return documents


class Case:
    """The documents of one case and the reads the rules made of them. Rules address
    documents by their index in `documents` (CaseDocument); findings carry report pages."""

    def __init__(
        self,
        reports: list[DocumentReport],
        procedure: str,
        checklist: Checklist | None,
        as_of: date,
        context: CaseContext,
    ) -> None:
        self.reports = reports
        self.documents = case_documents(reports)
        self.procedure = procedure
        self.checklist = checklist
        self.as_of = as_of
        self.context = context
        self.doubts: dict[tuple[int, str], Doubt] = {}
        self.confirmed: set[tuple[int, str]] = set()
        """Fields read unsurely whose value another document's sure reading repeats."""
        self.checked_by: dict[int, set[str]] = {}
        self.current_code = ""
        """Finding code of the rule now running; reads are charged to it."""

    def label(self, index: int) -> str:
        return self.documents[index].label

    def labels(self, indices: list[int] | tuple[int, ...]) -> str:
        return " and ".join(self.label(i) for i in indices)

    def pages(self, indices: Iterable[int]) -> list[int]:
        """The report's document indices of these case documents."""
        return [page for index in indices for page in self.documents[index].pages]

    def docs(self, *doc_types: str) -> list[int]:
        """Indices of the readable documents of these types, in case order."""
        return [
            i
            for i, document in enumerate(self.documents)
            if document.doc_type in doc_types and not document.errors
        ]

    def has_field(self, index: int, name: str) -> bool:
        return name in self.documents[index].fields

    def read(self, index: int, name: str, *, required: bool = True) -> FieldValue:
        """The field's value, noting a doubt when it is missing, null or low-confidence.

        `required=False` is for fields a document may legitimately not carry: an absent
        field is then simply not there, but a present one that was not read is still doubted.
        """
        self.checked_by.setdefault(index, set()).add(self.current_code)
        extracted = self.documents[index].fields.get(name)
        if extracted is None:
            if required:
                self.doubt(index, name, "was not found")
            return None
        if extracted.value is None:
            self.doubt(index, name, "could not be read")
            return None
        if extracted.confidence < LOW_CONFIDENCE_THRESHOLD and (index, name) not in self.confirmed:
            self.doubt(
                index,
                name,
                f"{READ_UNSURELY} {extracted.confidence:.2f}"
                f" (below {LOW_CONFIDENCE_THRESHOLD:.2f})",
            )
        return extracted.value

    def text(self, index: int, name: str, *, required: bool = True) -> str | None:
        value = self.read(index, name, required=required)
        if value is None or isinstance(value, str):
            return value
        self.doubt(index, name, f"holds {value!r}, not text")
        return None

    def date(self, index: int, name: str, *, required: bool = True) -> date | None:
        value = self.read(index, name, required=required)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.doubt(index, name, f"holds {value!r}, not an ISO date")
        return None

    def flag(self, index: int, name: str, *, required: bool = True) -> bool | None:
        value = self.read(index, name, required=required)
        if value is None or isinstance(value, bool):
            return value
        self.doubt(index, name, f"holds {value!r}, not yes/no")
        return None

    def number(self, index: int, name: str, *, required: bool = True) -> int | None:
        value = self.read(index, name, required=required)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        self.doubt(index, name, f"holds {value!r}, not a whole number")
        return None

    def is_sure(self, index: int, name: str) -> bool:
        """Whether the field was read, and with confidence."""
        extracted = self.documents[index].fields.get(name)
        return (
            extracted is not None
            and extracted.value is not None
            and extracted.confidence >= LOW_CONFIDENCE_THRESHOLD
        )

    def confidence(self, index: int, name: str) -> float:
        """How surely the field was read; 0 when it was not found or not read."""
        extracted = self.documents[index].fields.get(name)
        if extracted is None or extracted.value is None:
            return 0.0
        return extracted.confidence

    def confirm(self, index: int, name: str) -> None:
        """Trust a value read unsurely: a sure reading on another document repeats it. A
        misread does not land on the very value another document states, so the doubt that
        only its confidence raised goes."""
        self.confirmed.add((index, name))
        doubt = self.doubts.get((index, name))
        if doubt is not None and doubt.reason.startswith(READ_UNSURELY):
            del self.doubts[index, name]

    def doubt(self, index: int, name: str, reason: str) -> None:
        """Note that the running rule needed this value and cannot trust it."""
        entry = self.doubts.setdefault((index, name), Doubt(reason))
        entry.codes.add(self.current_code)

    def is_doubtful(self, indices: tuple[int, ...], names: tuple[str, ...]) -> bool:
        return any((i, n) in self.doubts for i in indices for n in names)
