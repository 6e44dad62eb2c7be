"""Durable, private writes: a reader never sees half a report, and reports are owner-only
because they hold passport and residence-card data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipeline.errors import UsageError

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def ensure_private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    return path


def open_out_folder(out: Path, inbox: Path | None = None) -> Path:
    """The reports' folder, created if missing, or a usage error that says what is wrong
    with it. Inside the inbox it is refused: its reports would be read as a new case, and
    reading an inbox must never change it."""
    if inbox is not None and out.resolve().is_relative_to(inbox.resolve()):
        raise UsageError(
            "OUT must not be inside INBOX (or be INBOX): reports would be taken for new cases. "
            "Give a folder outside it."
        )
    try:
        return ensure_private_dir(out)
    except (FileExistsError, NotADirectoryError):
        message = f"OUT {out} is a file, not a folder, or lies under one. Give a folder."
        raise UsageError(message) from None
    except OSError as exc:
        raise UsageError(f"OUT {out} cannot be created ({exc.strerror}).") from exc


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename over `path`."""
    ensure_private_dir(path.parent)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, PRIVATE_FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
