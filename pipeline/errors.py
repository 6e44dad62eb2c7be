"""Typed errors, each with the exit code and report code it maps to (as OCRmyPDF does)."""

from __future__ import annotations


class DocintakeError(Exception):
    """Base of every error docintake raises on purpose."""

    exit_code = 1
    code = "INTERNAL_ERROR"


class UsageError(DocintakeError):
    """Bad command line or configuration: the user must change how docintake is called."""

    exit_code = 2
    code = "BAD_USAGE"


class UnreadableFile(DocintakeError):
    """A file that cannot be read as a document; its case reports it and the batch goes on."""

    exit_code = 3
    code = "UNREADABLE_FILE"

    def __init__(self, message: str, *, reason: str = "unreadable") -> None:
        super().__init__(message)
        self.reason = reason


class OcrTimeout(DocintakeError):
    """OCR of one page ran past its time limit."""

    exit_code = 3
    code = "ocr_timeout"
