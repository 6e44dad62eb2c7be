"""Personal data stays out of logs. Code logs no field values by rule; this filter is the one
place that masks what slips through anyway (an exception message quoting a reading, a
library echoing its input): MRZ lines, card and document numbers, dates, and the names of the
case's people once a reader has registered them."""

from __future__ import annotations

import logging
import re
import threading

MASK = "[redacted]"
_PATTERNS = [
    re.compile(r"[A-Z0-9<]{2}[A-Z0-9<]{20,}"),  # MRZ lines and fragments
    re.compile(r"\b[A-Z]{2}\d{8}[A-Z]{2}\b"),  # residence card numbers
    re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{8,9}\b"),  # passport numbers
    re.compile(r"\b\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"),  # dates
    re.compile(r"\b\d{1,2} (?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]* \d{4}\b"),
]
_known_names: set[str] = set()
_lock = threading.Lock()


def register_sensitive(*values: str) -> None:
    """Values read from documents (names, addresses) to mask wherever they appear in logs."""
    with _lock:
        _known_names.update(v.strip() for v in values if v and len(v.strip()) >= 3)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    with _lock:
        names = sorted(_known_names, key=len, reverse=True)
    for name in names:
        text = re.sub(re.escape(name), MASK, text, flags=re.IGNORECASE)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with personal data masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.exc_text = None
            record.msg = f"{record.msg} ({type(error).__name__}: {redact(str(error))})"
            record.exc_info = None
        return True


def install_redaction() -> None:
    """Attach the filter to every handler of every logger configured so far (the root's,
    Prefect's console and API handlers), so records from any library pass through it before
    they are written. Call it again after a library configures new handlers."""
    redactor = RedactingFilter()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(redactor)
