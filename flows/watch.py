"""The watched inbox: a scanner or a person drops case folders and loose files into INBOX, and
each one is reported once it has been quiet for `settle` seconds, so a half-copied file is
never read. A settled case is copied into OUT/<case>/originals/ and handed to the same
per-case flow as the upload API; only after its report.json is on disk are the inbox files
removed, and files that could not be read at all are moved on to OUT/<case>/quarantine/ (their
reason is in the report). A crash at any point leaves every original in the inbox or beside
its report, and a restart picks up whatever is still waiting."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from flows.deploy import CaseJob, CaseQueue
from pipeline.case import CASE_FILE_NAMES, IGNORED_NAMES
from pipeline.storage import PRIVATE_FILE_MODE, ensure_private_dir, open_out_folder
from schemas.report import CaseSummary, Report

TICK_SECONDS = 0.25
INTERNAL_ERROR = "internal_error"  # a docintake bug, not a bad file: never quarantined
log = logging.getLogger(__name__)

Signature = tuple[tuple[str, int, int], ...]  # (relative path, size, mtime_ns) per file


def case_id_of(entry: Path) -> str:
    """The case id of a top-level inbox entry, as `docintake run` names it."""
    return entry.name if entry.is_dir() else entry.stem


def log_token(case_id: str) -> str:
    """A stable stand-in for a case id in log lines: folder names may be applicants' names."""
    return hashlib.sha256(case_id.encode()).hexdigest()[:8]


def _entry_files(entry: Path) -> dict[str, Path]:
    """The regular files of an inbox entry by relative path; hidden files (editors' and
    copiers' temporaries) and links (which could pull in files from outside) are left out."""
    if entry.is_file() and not entry.is_symlink():
        return {entry.name: entry}
    files = {}
    for path in sorted(entry.rglob("*")):
        relative = path.relative_to(entry)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        files[relative.as_posix()] = path
    return files


def _signature(files: dict[str, Path]) -> Signature:
    rows = []
    for rel, path in files.items():
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        rows.append((rel, stat.st_size, stat.st_mtime_ns))
    return tuple(rows)


def _same_content(first: Path, second: Path) -> bool:
    if first.stat().st_size != second.stat().st_size:
        return False
    digests = []
    for path in (first, second):
        with path.open("rb") as stream:
            digests.append(hashlib.file_digest(stream, "sha256").digest())
    return digests[0] == digests[1]


def _free_name(folder: Path, rel: str) -> str:
    """`rel`, or `stem-2.ext`, `stem-3.ext`, ... when a different file already has that name (a
    late file that reuses a scanner's name must not overwrite the earlier one)."""
    candidate, number = Path(rel), 1
    while (folder / candidate).exists():
        number += 1
        candidate = Path(rel).with_name(f"{Path(rel).stem}-{number}{Path(rel).suffix}")
    return candidate.as_posix()


@dataclass
class _Staged:
    source: Path
    signature: tuple[int, int]  # size, mtime_ns when copied: a changed source is kept
    rel: str  # its name under originals/


def stage_case(files: dict[str, Path], originals: Path) -> list[_Staged]:
    """Copy a settled entry's files into the case's originals folder. Copying (not moving)
    keeps the inbox file until the report is durable; a file already there with the same
    content (a restart after a crash) is not copied twice. A case.yaml replaces the one
    before it: it is the case's settings, and a corrected one must be the one used."""
    ensure_private_dir(originals)
    staged = []
    for rel, source in files.items():
        try:
            stat = source.stat()
        except FileNotFoundError:  # taken back since it settled: nothing to report
            continue
        target = originals / rel
        if not (target.is_file() and _same_content(source, target)):
            if rel in CASE_FILE_NAMES:  # case.yml after case.yaml: the newer one counts
                for other in CASE_FILE_NAMES:
                    (originals / other).unlink(missing_ok=True)
            else:
                rel = _free_name(originals, rel)
            target = originals / rel
            ensure_private_dir(target.parent)
            partial = target.with_name(f".{target.name}.partial")
            shutil.copyfile(source, partial)
            os.chmod(partial, PRIVATE_FILE_MODE)
            os.replace(partial, target)
        staged.append(_Staged(source, (stat.st_size, stat.st_mtime_ns), rel))
    return staged


def unreadable_files(report: Report) -> set[str]:
    """Files none of whose pages could be read, for a reason of the file's own."""
    pages: dict[str, list[bool]] = {}
    for document in report.documents:
        bad = bool(document.errors) and all(e.code != INTERNAL_ERROR for e in document.errors)
        pages.setdefault(document.file, []).append(bad)
    return {file for file, bad in pages.items() if all(bad)}


def file_away(entry: Path, staged: list[_Staged], case_out: Path) -> None:
    """After the report: move unreadable copies to quarantine/, delete the inbox files that did
    not change since they were copied, and remove the folders that are left empty."""
    report = Report.model_validate_json((case_out / "report.json").read_text(encoding="utf-8"))
    for rel in unreadable_files(report):
        copy = case_out / "originals" / rel
        if copy.is_file():
            target = case_out / "quarantine" / _free_name(case_out / "quarantine", rel)
            ensure_private_dir(target.parent)
            os.replace(copy, target)
    for item in staged:
        try:
            stat = item.source.stat()
        except FileNotFoundError:
            continue
        if (stat.st_size, stat.st_mtime_ns) == item.signature:
            item.source.unlink()
    if entry.is_dir():
        for folder in sorted((p for p in entry.rglob("*") if p.is_dir()), reverse=True):
            _remove_if_empty(folder)
        _remove_if_empty(entry)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: something arrived meanwhile
        folder.rmdir()


@dataclass
class _Watched:
    signature: Signature
    changed_at: float  # monotonic seconds of the last change seen
    in_flight: bool = False
    dirty: bool = field(default=True)  # changed since last looked at
    failed: Signature | None = None  # the files as they were when their case failed


class _Nudge(FileSystemEventHandler):
    """Turns filesystem events into 'look at this top-level entry again'."""

    def __init__(self, inbox: Path, touch: Callable[[str], None]) -> None:
        self.inbox = inbox
        self.touch = touch

    def on_any_event(self, event: FileSystemEvent) -> None:
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(os.fsdecode(raw))
            try:
                top = path.relative_to(self.inbox).parts[0]
            except (ValueError, IndexError):
                continue
            self.touch(top)


class InboxWatcher:
    """Watches INBOX and hands each settled entry to a CaseQueue. `as_of` None means the day
    each case is processed, so a watcher that runs for weeks judges validity on the right day."""

    def __init__(
        self,
        inbox: Path,
        out: Path,
        queue: CaseQueue,
        *,
        settle: float = 5.0,
        as_of: date | None = None,
        procedure: str | None = None,
        on_report: Callable[[CaseSummary], None] | None = None,
    ) -> None:
        self.inbox = inbox.resolve()
        self.out = open_out_folder(out, inbox).resolve()
        self.queue = queue
        self.settle = settle
        self.as_of = as_of
        self.procedure = procedure
        self.on_report = on_report
        self._entries: dict[str, _Watched] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._observer = Observer()

    def _touch(self, name: str) -> None:
        with self._lock:
            watched = self._entries.get(name)
            if watched is None:
                self._entries[name] = _Watched((), time.monotonic())
            else:
                watched.dirty = True
        self._wake.set()

    def start(self) -> None:
        """Start watching, and take in everything already waiting: an entry untouched for
        `settle` seconds (by its files' times) is handed over at the next tick."""
        self._observer.schedule(_Nudge(self.inbox, self._touch), str(self.inbox), recursive=True)
        self._observer.start()
        now_wall, now = time.time(), time.monotonic()
        for entry in self.inbox.iterdir():
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            signature = _signature(_entry_files(entry))
            newest = max((row[2] / 1e9 for row in signature), default=now_wall)
            with self._lock:
                self._entries.setdefault(
                    entry.name, _Watched(signature, now - max(0.0, now_wall - newest), dirty=False)
                )
        self._wake.set()

    def tick(self) -> None:
        """Look again at entries that changed; hand over those quiet for `settle` seconds."""
        now = time.monotonic()
        with self._lock:
            names = list(self._entries)
        for name in names:
            entry = self.inbox / name
            if name.startswith(".") or name in IGNORED_NAMES or entry.is_symlink():
                self._forget(name)
                continue
            with self._lock:
                watched = self._entries[name]
                if watched.in_flight:
                    continue
                dirty, watched.dirty = watched.dirty, False
            files = _entry_files(entry) if entry.exists() else {}
            if not files:  # gone, or an empty folder that the scanner has not filled yet
                if not entry.exists():
                    self._forget(name)
                continue
            if dirty:
                signature = _signature(files)
                if signature != watched.signature:
                    watched.signature, watched.changed_at = signature, now
            settled = now - watched.changed_at >= self.settle
            if settled and watched.signature != watched.failed and not self._busy(entry):
                try:
                    self._hand_over(name, entry, files)
                except OSError as error:  # e.g. OUT full or not writable: retry on a change
                    log.warning("could not take in a case: %s", type(error).__name__)
                    watched.failed = watched.signature

    def _busy(self, entry: Path) -> bool:
        """Whether another entry with the same case id (a.pdf beside a.jpg) is being run: the
        two must not write one report at once, so the second waits and joins the case."""
        case_id = case_id_of(entry)
        with self._lock:
            return any(
                watched.in_flight and case_id_of(self.inbox / other) == case_id
                for other, watched in self._entries.items()
            )

    def _forget(self, name: str) -> None:
        with self._lock:
            watched = self._entries.get(name)
            if watched and not watched.in_flight:
                del self._entries[name]

    def _hand_over(self, name: str, entry: Path, files: dict[str, Path]) -> None:
        case_id = case_id_of(entry)
        case_out = ensure_private_dir(self.out / case_id)
        staged = stage_case(files, case_out / "originals")
        job = CaseJob(
            case_out / "originals",
            case_id,
            self.out,
            self.as_of or date.today(),
            self.procedure,
        )
        with self._lock:
            self._entries[name].in_flight = True
        future = self.queue.submit(job)
        future.add_done_callback(lambda done: self._finish(name, entry, staged, case_out, done))

    def _finish(
        self,
        name: str,
        entry: Path,
        staged: list[_Staged],
        case_out: Path,
        done: Future[CaseSummary],
    ) -> None:
        if done.cancelled():  # dropped at shutdown: its files wait in the inbox for a restart
            return
        reported = done.exception() is None and (case_out / "report.json").is_file()
        try:
            if reported:
                file_away(entry, staged, case_out)
                if self.on_report:
                    self.on_report(done.result())
            else:
                log.warning(
                    "case #%s was not reported (%s); its files stay in the inbox",
                    log_token(case_out.name),
                    type(done.exception()).__name__,
                )
        finally:
            with self._lock:
                watched = self._entries[name]
                watched.in_flight = False
                watched.dirty = True
                # A failed case is retried only once its files change (or on restart), not
                # in a loop; files that arrived meanwhile settle like any others.
                watched.failed = None if reported else watched.signature
            self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Tick until `stop` is set; then stop watching and wait for the cases handed over."""
        self.start()
        try:
            while not stop.is_set():
                self._wake.wait(TICK_SECONDS)
                self._wake.clear()
                self.tick()
        finally:
            self._observer.stop()
            self._observer.join()
            self.queue.shutdown()
