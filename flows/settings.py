"""Prefect settings docintake wants before Prefect is imported: quiet logs, no telemetry,
embedded server unless PREFECT_API_URL points at a real one."""

from __future__ import annotations

import os

QUIET_PREFECT = {
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def configure_prefect() -> None:
    """Apply docintake's defaults; anything the user set in the environment wins."""
    for key, value in QUIET_PREFECT.items():
        os.environ.setdefault(key, value)


def configure_logging() -> None:
    """Quiet, redacted logs: call after Prefect is imported so its handlers are masked too."""
    import logging
    import sys

    from pipeline.privacy import install_redaction

    level = os.environ.get("DOCINTAKE_LOG_LEVEL", "WARNING").upper()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, stream=sys.stderr)
    logging.getLogger("pipeline").setLevel(level)
    install_redaction()
