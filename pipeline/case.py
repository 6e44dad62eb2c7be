"""Cases: how an inbox is split into cases, which procedure each follows, and how the read
documents become a verified Report."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.errors import UsageError
from pipeline.load import LoadLimits
from pipeline.storage import atomic_write
from schemas.case_file import EXAMPLE, CaseFile, case_file_problem
from schemas.checklist import Checklist, load_checklists
from schemas.report import (
    CASE_FILE_ERROR,
    PROCEDURE_IDS,
    SCHEMA_VERSION,
    DocumentReport,
    FileError,
    Report,
)
from schemas.yaml_errors import yaml_problem

CASE_FILE_NAMES = ("case.yaml", "case.yml")
# Files a case folder may hold beside its documents: docintake's own sidecars and the litter
# of desktop systems. Everything else is a document, whatever its name.
IGNORED_NAMES = frozenset({*CASE_FILE_NAMES, "truth.json", "Thumbs.db", "desktop.ini"})


class RunSettings(BaseModel):
    """What a run decides besides its files; any change makes every report stale."""

    as_of: date
    procedure: str | None = None  # for cases that neither case.yaml nor a form names
    checklists_dir: Path | None = None  # an office's checklist overrides
    max_pages: int = LoadLimits().max_pages
    redact: bool = False  # report.html without field values or crops, fit to share

    @property
    def limits(self) -> LoadLimits:
        return replace(LoadLimits(), max_pages=self.max_pages)

    def checklists(self) -> dict[str, Checklist]:
        return load_checklists(self.checklists_dir)

    def key(self) -> str:
        """The settings and the checklists' content, as one string for fingerprints."""
        checklists = {k: v.model_dump() for k, v in self.checklists().items()}
        digest = hashlib.sha256(json.dumps(checklists, sort_keys=True).encode()).hexdigest()
        return json.dumps([SCHEMA_VERSION, self.model_dump(mode="json"), digest], sort_keys=True)


@dataclass
class CaseInput:
    """One case as found in the inbox: its id, folder, document files and case.yaml."""

    case_id: str
    root: Path  # the case folder, or the inbox for a loose file
    files: list[str]  # paths relative to root
    settings: dict[str, Any] = field(default_factory=dict)  # from case.yaml
    case_file_error: str | None = None  # why case.yaml could not be used, if it could not


def _is_inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _document_files(folder: Path, inbox: Path) -> list[str]:
    """Document files under a case folder, sorted; links that leave the inbox are skipped
    (a link must not let a case read files it was not given)."""
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.name in IGNORED_NAMES or not path.is_file():
            continue
        if path.is_symlink() and not _is_inside(path, inbox):
            continue
        files.append(relative.as_posix())
    return files


def read_case_file(folder: Path) -> dict[str, Any]:
    """The case's case.yaml, checked, as a mapping; a malformed one is a usage error that
    names the file and says what to write."""
    for name in CASE_FILE_NAMES:
        path = folder / name
        if path.is_file():
            try:
                content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise UsageError(
                    f"{name} is not valid YAML ({yaml_problem(exc)}). Fix it, e.g. '{EXAMPLE}'."
                ) from exc
            if not isinstance(content, dict):
                raise UsageError(f"{name} must be a mapping such as '{EXAMPLE}'.")
            try:
                checked = CaseFile.model_validate(content)
            except ValidationError as exc:
                raise UsageError(f"{name}: {case_file_problem(exc)}") from exc
            return checked.model_dump(exclude_unset=True)
    return {}


def load_case(folder: Path, case_id: str, inbox: Path) -> CaseInput:
    """The case in `folder`. A malformed case.yaml does not stop anything: the case is read
    without it and its report says what is wrong with the file."""
    try:
        settings, error = read_case_file(folder), None
    except UsageError as exc:
        settings, error = {}, str(exc)
    return CaseInput(case_id, folder, _document_files(folder, inbox), settings, error)


def discover_cases(inbox: Path) -> list[CaseInput]:
    """Each immediate subfolder of the inbox is a case (its name is the id); each file directly
    under it is a case of its own (id: the file's stem)."""
    if not inbox.is_dir():
        raise UsageError(f"The inbox {inbox} is not a folder. Give the folder of scans to read.")
    cases: list[CaseInput] = []
    taken: set[str] = set()
    for entry in sorted(inbox.iterdir()):
        if entry.name.startswith(".") or entry.name in IGNORED_NAMES:
            continue
        if entry.is_symlink() and not _is_inside(entry, inbox):
            continue
        if entry.is_dir():
            case = load_case(entry, entry.name, inbox)
        elif entry.is_file():
            case_id = entry.stem if entry.stem not in taken else entry.name
            case = CaseInput(case_id, inbox, [entry.name])
        else:
            continue
        taken.add(case.case_id)
        cases.append(case)
    return cases


def resolve_procedure(
    settings: dict[str, Any], documents: list[DocumentReport], option: str | None
) -> tuple[str, str]:
    """The case's procedure and where it came from: case.yaml, then the application form's
    title, then --procedure, else unknown."""
    from_file = settings.get("procedure")
    if from_file in PROCEDURE_IDS:
        return str(from_file), "case.yaml"
    for document in documents:
        form = document.fields.get("form")
        if document.doc_type == "application_form" and form and form.value in PROCEDURE_IDS:
            return str(form.value), "form_title"
    if option:
        return option, "option"
    return "unknown", "none"


def build_report(
    case: CaseInput, documents_read: list[DocumentReport], settings: RunSettings
) -> Report:
    """The verified report of a case whose files have been read."""
    from pipeline.verify import CaseContext, verify_case

    if case.case_file_error:
        problem = FileError(code=CASE_FILE_ERROR, message=case.case_file_error)
        documents = [DocumentReport(file=CASE_FILE_NAMES[0], page=1, sha256="", errors=[problem])]
        documents += documents_read
    else:
        documents = documents_read
    procedure, source = resolve_procedure(case.settings, documents, settings.procedure)
    context = CaseContext(
        planned_departure=case.settings.get("planned_departure"),
        planned_return=case.settings.get("planned_return"),
        special_permanent_resident=bool(case.settings.get("special_permanent_resident", False)),
    )
    checklist = settings.checklists().get(procedure)
    verification = verify_case(documents, procedure, checklist, settings.as_of, context)
    return Report(
        case_id=case.case_id,
        procedure=procedure,  # type: ignore[arg-type]
        procedure_source=source,  # type: ignore[arg-type]
        as_of=settings.as_of,
        verdict=verification.verdict,
        documents=documents,
        checklist=verification.checklist,
        findings=verification.findings,
    )


FINGERPRINT_FILE = ".fingerprint"


def case_fingerprint(case: CaseInput, settings_key: str) -> str:
    """A hash of everything a case's report depends on: its files' content and names, its
    case.yaml, and the run's settings (as-of date, procedure option, checklists, version).
    An unchanged fingerprint means the report on disk is still right."""
    digest = hashlib.sha256(settings_key.encode())
    digest.update(json.dumps(case.settings, sort_keys=True, default=str).encode())
    # A refused case.yaml leaves no settings, as none would: its problem tells them apart.
    digest.update((case.case_file_error or "").encode())
    for rel in case.files:
        digest.update(rel.encode() + b"\0")
        try:
            with (case.root / rel).open("rb") as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()


def is_up_to_date(out: Path, case_id: str, fingerprint: str) -> bool:
    folder = out / case_id
    marker = folder / FINGERPRINT_FILE
    return (
        (folder / "report.json").is_file()
        and marker.is_file()
        and marker.read_text(encoding="utf-8").strip() == fingerprint
    )


def mark_done(out: Path, case_id: str, fingerprint: str) -> None:
    """Record the fingerprint after the report is durable, so a crash in between only makes
    the next run redo the case, never skip it."""
    atomic_write(out / case_id / FINGERPRINT_FILE, fingerprint + "\n")
