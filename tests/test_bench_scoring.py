"""How the benchmark scores a report against its truth: a form's answers count wherever on
the form they are printed, as the verifier reads them."""

from __future__ import annotations

from datetime import date

from flows.bench import Scores, score_case, summarize_timings
from schemas.report import DocumentReport, ExtractedField, Report


def _page(page: int, **fields: object) -> DocumentReport:
    return DocumentReport(
        file="form.pdf",
        page=page,
        sha256="0" * 64,
        doc_type="application_form",
        doc_type_confidence=1.0,
        fields={
            name: ExtractedField(value=value, confidence=1.0) for name, value in fields.items()
        },  # type: ignore[arg-type]
    )


def _truth() -> dict[str, object]:
    return {
        "case_id": "c001",
        "verdict": "complete",
        "missing": [],
        "findings": [],
        "documents": [
            {
                "file": "form.pdf",
                "page": 1,
                "doc_type": "application_form",
                "fields": {"form": "change_of_status", "signed": True},
            },
            {"file": "form.pdf", "page": 2, "doc_type": "application_form", "fields": {}},
        ],
    }


def _scores(*pages: DocumentReport) -> dict[str, float]:
    report = Report(
        case_id="c001",
        procedure="change_of_status",
        as_of=date(2026, 11, 23),
        verdict="complete",
        documents=list(pages),
    )
    scores = Scores()
    score_case(_truth(), report, scores)
    return {name: score.exact for name, score in scores.fields["application_form"].items()}


def test_an_answer_on_the_forms_second_page_counts() -> None:
    assert _scores(_page(1, form="change_of_status"), _page(2, signed=True)) == {
        "form": 1,
        "signed": 1,
    }


def test_an_answer_missing_from_every_page_does_not() -> None:
    assert _scores(_page(1, form="change_of_status"), _page(2)) == {"form": 1, "signed": 0}


def test_page_seconds_are_told_per_document_type() -> None:
    timings = {
        "files": [
            {"pages": 1, "doc_types": ["passport"], "seconds": {"load": 0.5, "extract": 1.5}},
            {"pages": 2, "doc_types": ["passport", "reentry_ed_card"], "seconds": {"load": 6.0}},
        ],
        "verify_and_report": {"c001": 0.25},
    }
    summary = summarize_timings(timings)
    assert summary["pages"] == 3
    assert summary["seconds_per_page_by_type_p50"]["reentry_ed_card"] == 3.0
    assert summary["seconds_per_page_by_type_p50"]["passport"] == 2.0  # of 2.0 and 3.0
