"""Read one file of a case: load -> prepare -> classify -> extract, page by page. This is the
unit of work the flows run in parallel; it never raises for a bad file, it reports it."""

from __future__ import annotations

import hashlib
import logging
import time
import traceback
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from pipeline.classify import classify, confirmed_by_reading
from pipeline.errors import DocintakeError, UnreadableFile
from pipeline.extract import extract
from pipeline.load import LoadLimits, load_file
from pipeline.ocr import OcrEngine
from pipeline.preprocess import prepare_page
from pipeline.privacy import register_sensitive
from pipeline.report import PagePreview, make_preview
from schemas.report import DocumentReport, ExtractedField, FileError

# Fields whose values are masked in logs wherever they appear, once read.
SENSITIVE_FIELDS = (
    "name",
    "surname",
    "given_names",
    "applicant_name",
    "detained_name",
    "address",
    "guarantor_name",  # the letters' other people, and a medical diagnosis
    "submitted_by",
    "diagnosis",
)
log = logging.getLogger(__name__)


@dataclass
class FileResult:
    documents: list[DocumentReport]
    seconds: dict[str, float] = field(default_factory=dict)  # time per stage
    # The report's view of each loaded page, by page number: the report is written in another
    # process, which would otherwise load and decode the whole file again.
    previews: dict[int, PagePreview] = field(default_factory=dict)


class _Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start


def register_read_values(fields: dict[str, ExtractedField]) -> None:
    """Mask the names and addresses just read wherever they appear in this process's logs.
    A process that receives reports read elsewhere calls this for each of them too."""
    register_sensitive(
        *(str(fields[f].value) for f in SENSITIVE_FIELDS if f in fields and fields[f].value)
    )


def _error_report(rel: str, sha256: str, page: int, code: str, message: str) -> DocumentReport:
    return DocumentReport(
        file=rel, page=page, sha256=sha256, errors=[FileError(code=code, message=message)]
    )


def _sha256_or_empty(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def read_file(
    path: Path,
    rel: str,
    ocr: OcrEngine,
    as_of: date,
    limits: LoadLimits | None = None,
    *,
    previews: bool = True,
) -> FileResult:
    """Every page of the file as a DocumentReport; an unreadable file or page gives a report
    with its error, so the case and the batch go on. With `previews`, each loaded page's
    preview for the report too (a redacted report shows no page, so it needs none)."""
    watch = _Stopwatch()
    try:
        with watch.stage("load"):
            pages = load_file(path, rel, limits)
    except UnreadableFile as error:
        report = _error_report(rel, _sha256_or_empty(path), 1, error.reason, str(error))
        return FileResult([report], dict(watch.seconds))
    page_previews: dict[int, PagePreview] = {}
    if previews:
        with watch.stage("preview"):  # a page that fails to read is still shown in the report
            page_previews = {page.page: make_preview(page.image) for page in pages}
    documents: list[DocumentReport] = []
    for page in pages:
        try:
            with ocr.page_deadline():
                with watch.stage("preprocess"):
                    prepared = prepare_page(page, ocr)
                if page.page in page_previews:
                    page_previews[page.page] = replace(
                        page_previews[page.page], quarter_turns=prepared.quarter_turns
                    )
                with watch.stage("classify"):
                    kind = classify(prepared, ocr)
                with watch.stage("extract"):
                    fields = extract(kind.doc_type, prepared, ocr, as_of)
                kind = confirmed_by_reading(kind, fields)
            register_read_values(fields)
        except DocintakeError as error:
            code = getattr(error, "reason", error.code)
            documents.append(_error_report(rel, page.sha256, page.page, code, str(error)))
            continue
        except Exception as error:  # a reader's bug must not stop the case or the batch
            # Where it failed, not the exception's message: that may quote what was read.
            log.error(
                "reading page %d of a file failed (%s) at:\n%s",
                page.page,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            message = (
                f"docintake failed while reading this page ({type(error).__name__}). The file "
                "is kept; please report this with the file to the docintake maintainers."
            )
            documents.append(_error_report(rel, page.sha256, page.page, "internal_error", message))
            continue
        documents.append(
            DocumentReport(
                file=rel,
                page=page.page,
                sha256=page.sha256,
                doc_type=kind.doc_type,  # type: ignore[arg-type]
                doc_type_confidence=kind.confidence,
                fields=fields,
            )
        )
    return FileResult(documents, dict(watch.seconds), page_previews)
