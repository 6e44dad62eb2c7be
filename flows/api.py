"""The upload API: an office's own web tools (or the plain page at `/`) post a case's files and
poll for its report. Each upload becomes a case folder under OUT with server-chosen names and
goes to the same per-case flow as the watched inbox, through the bounded CaseQueue.

Uploads are refused early and cheaply: the body is counted while it streams (413 past the
limit), each file's type is decided by its first bytes (415), client file names are never
used as paths, and with a bearer token set every route but /health and the page (which holds
no data and sends the token the person enters with each call) needs it."""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import shutil
import threading
from collections.abc import AsyncGenerator, AsyncIterator
from concurrent.futures import Future
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jinja2 import Environment, PackageLoader
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from flows.deploy import CaseJob, CaseQueue
from pipeline.errors import UsageError
from pipeline.load import sniff_type
from pipeline.storage import PRIVATE_FILE_MODE, atomic_write, ensure_private_dir, open_out_folder
from schemas.report import PROCEDURE_IDS, CaseSummary, Report, Verdict

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_FILES = 20
SNIFF_BYTES = 1024
UPLOAD_RECORD = ".upload.json"  # marks a case as the API's, with what the job needs
CASE_ID_PATTERN = r"[0-9a-f]{32}"
EXTENSIONS = {"jpeg": "jpg", "png": "png", "tiff": "tif", "pdf": "pdf"}
# The report page shows data: images and its own styles; nothing in it may run or load.
REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
log = logging.getLogger(__name__)

CaseState = Literal["queued", "running", "done", "failed"]
# Module level, not inside create_app: FastAPI resolves this annotation by name.
BEARER = HTTPBearer(auto_error=False, description="The token of --token-file.")


class Accepted(BaseModel):
    case_id: str
    status_url: str
    # The names the report gives the files, in the order they were sent: the client's own
    # names are not kept, so this is how a sender tells which finding is about which scan.
    files: list[str]


class CaseStatus(BaseModel):
    case_id: str
    state: CaseState
    verdict: Verdict | None = None


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class _TooLarge(Exception):
    pass


def read_token_file(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise UsageError(f"The token file {path} cannot be read ({error.strerror}).") from None
    if len(token) < 16:
        raise UsageError(f"The token in {path} is shorter than 16 characters; use a long one.")
    return token


def check_binding(host: str, token: str | None) -> None:
    """Without a token the API is only for this machine: refuse any other address."""
    if token is not None:
        return
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(
            f"Refusing to listen on {host} without a token: anyone who reaches it could read "
            "passport data. Give --token-file FILE, or listen on 127.0.0.1."
        )


class _Cases:
    """Where each uploaded case stands. Done and failed are on disk (report.json, the upload
    record), so they survive a restart; queued and running are this process's own."""

    def __init__(self, out: Path, queue: CaseQueue) -> None:
        self.out = out
        self.queue = queue
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def folder(self, case_id: str) -> Path:
        """The case's folder; any id the API did not hand out is simply not found."""
        folder = self.out / case_id
        if not re.fullmatch(CASE_ID_PATTERN, case_id) or not (folder / UPLOAD_RECORD).is_file():
            raise HTTPException(404, "No such case.")
        return folder

    def state(self, case_id: str) -> CaseStatus:
        folder = self.folder(case_id)
        report = folder / "report.json"
        if report.is_file():
            verdict = Report.model_validate_json(report.read_text(encoding="utf-8")).verdict
            return CaseStatus(case_id=case_id, state="done", verdict=verdict)
        if self._record(case_id).get("failed"):
            return CaseStatus(case_id=case_id, state="failed")
        with self._lock:
            running = case_id in self._running
        return CaseStatus(case_id=case_id, state="running" if running else "queued")

    def _record(self, case_id: str) -> dict[str, Any]:
        return json.loads((self.out / case_id / UPLOAD_RECORD).read_text(encoding="utf-8"))

    def submit(self, case_id: str) -> Future[CaseSummary]:
        record = self._record(case_id)
        job = CaseJob(
            self.out / case_id / "originals",
            case_id,
            self.out,
            date.fromisoformat(record["as_of"]),
            record["procedure"],
        )

        def started() -> None:
            with self._lock:
                self._running.add(case_id)

        future = self.queue.submit(job, on_start=started)
        future.add_done_callback(lambda done: self._finished(case_id, done))
        return future

    def _finished(self, case_id: str, done: Future[CaseSummary]) -> None:
        with self._lock:
            self._running.discard(case_id)
        if done.cancelled():  # shut down before it started: resubmitted on the next start
            return
        if done.exception() is not None:
            log.warning("uploaded case failed: %s", type(done.exception()).__name__)
            record = self._record(case_id) | {"failed": True}
            atomic_write(self.out / case_id / UPLOAD_RECORD, json.dumps(record))

    def resume(self) -> int:
        """Hand over again the uploads that a stopped server accepted but never reported."""
        waiting = [
            record.parent.name
            for record in sorted(self.out.glob(f"*/{UPLOAD_RECORD}"))
            if not (record.parent / "report.json").is_file()
            and not self._record(record.parent.name).get("failed")
        ]
        for case_id in waiting:
            self.submit(case_id)
        return len(waiting)


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _TooLarge
        yield chunk


def _too_large(limit: int) -> HTTPException:
    size = f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit} bytes"
    return HTTPException(
        413, f"The upload is larger than the server takes ({size}, its --max-upload-mb)."
    )


def _unusable(files: list[UploadFile], kinds: list[str | None]) -> HTTPException:
    """Which files were refused and why, by their place in the upload and the name the client
    gave (shown back to the sender only, never stored)."""
    problems = []
    for number, (upload, kind) in enumerate(zip(files, kinds, strict=True), start=1):
        if kind is None:
            upload.file.seek(0, os.SEEK_END)
            what = "is empty" if upload.file.tell() == 0 else "is not a JPEG, PNG, TIFF or PDF"
            problems.append(f"file {number} ({upload.filename or 'no name'}) {what}")
    return HTTPException(
        415, f"Every file must be a JPEG, PNG, TIFF or PDF: {'; '.join(problems)}."
    )


def _kind(upload: UploadFile) -> str | None:
    upload.file.seek(0)
    kind = sniff_type(upload.file.read(SNIFF_BYTES))
    upload.file.seek(0)
    return kind


def _store(files: list[tuple[UploadFile, str]], originals: Path) -> list[str]:
    """Write the uploads under names the server chooses (01.jpg, 02.pdf, ...), owner-only,
    and return those names."""
    ensure_private_dir(originals)
    names = []
    for number, (upload, kind) in enumerate(files, start=1):
        target = originals / f"{number:02d}.{EXTENSIONS[kind]}"
        partial = target.with_name(f".{target.name}.partial")
        with partial.open("wb") as stream:
            shutil.copyfileobj(upload.file, stream)
        partial.chmod(PRIVATE_FILE_MODE)
        partial.replace(target)
        names.append(target.name)
    return names


def create_app(
    out: Path,
    queue: CaseQueue,
    *,
    token: str | None = None,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    max_files: int = MAX_FILES,
) -> FastAPI:
    """The API over OUT. Cases accepted but not reported by an earlier run are resumed."""
    open_out_folder(out)
    cases = _Cases(out.resolve(), queue)

    def authorized(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    ) -> None:
        if token is None:
            return
        given = credentials.credentials if credentials else ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(
                401, "A valid bearer token is needed.", headers={"WWW-Authenticate": "Bearer"}
            )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cases.resume()
        yield
        await run_in_threadpool(queue.shutdown)

    # With a token, the API's description is guarded like the rest (the contract leaves only
    # /health open), so its route is added below rather than by FastAPI itself.
    open_docs = token is None
    app = FastAPI(
        title="docintake upload API",
        version="1.0",
        description="Upload a case's scans, then fetch its report.json and report.html.",
        lifespan=lifespan,
        docs_url="/docs" if open_docs else None,
        redoc_url="/redoc" if open_docs else None,
        openapi_url="/openapi.json" if open_docs else None,
    )

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        return JSONResponse({"detail": problems}, status_code=400)

    guarded = [Depends(authorized)]

    def openapi_as_answered() -> dict[str, Any]:
        """FastAPI's description, with the 400 this API answers bad input with where FastAPI
        would have put its own 422."""
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for operations in schema["paths"].values():
                for operation in operations.values():
                    responses = operation.get("responses", {})
                    if responses.pop("422", None) is not None:
                        responses.setdefault("400", {"description": "Bad input"})
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi_as_answered  # type: ignore[method-assign]

    if not open_docs:

        @app.get("/openapi.json", include_in_schema=False, dependencies=guarded)
        def openapi_document() -> JSONResponse:
            return JSONResponse(app.openapi())

        @app.get("/docs", include_in_schema=False, dependencies=guarded)
        def docs_page() -> HTMLResponse:
            # The page holds the description itself: the browser would fetch /openapi.json
            # without the token.
            return get_swagger_ui_html(
                openapi_url="", title=app.title, swagger_ui_parameters={"spec": app.openapi()}
            )

    @app.get("/health", response_model=Health, tags=["service"])
    def health() -> Health:
        return Health()

    @app.post(
        "/cases",
        status_code=202,
        response_model=Accepted,
        dependencies=guarded,
        tags=["cases"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["files"],
                            "properties": {
                                "files": {
                                    "type": "array",
                                    "items": {"type": "string", "format": "binary"},
                                },
                                "procedure": {"type": "string", "enum": list(PROCEDURE_IDS)},
                                "as_of": {"type": "string", "format": "date"},
                            },
                        }
                    }
                },
            }
        },
        responses={400: {}, 401: {}, 413: {}, 415: {}},
    )
    async def upload(request: Request) -> Accepted:
        """One case: one or more `files` (JPEG, PNG, TIFF or PDF), an optional `procedure`
        (else the application form's title decides) and `as_of` (default: today)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_upload_bytes:
            raise _too_large(max_upload_bytes)
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise HTTPException(400, "Send the files as multipart/form-data.")
        parser = MultiPartParser(
            request.headers,
            _limited(request, max_upload_bytes),
            max_files=max_files,
            max_fields=10,
        )
        try:
            form = await parser.parse()
        except _TooLarge:
            raise _too_large(max_upload_bytes) from None
        except MultiPartException as error:
            raise HTTPException(400, error.message) from None
        try:
            return await run_in_threadpool(_accept, request, form.multi_items())
        finally:
            await form.close()

    def _accept(request: Request, items: list[tuple[str, str | UploadFile]]) -> Accepted:
        files = [value for key, value in items if key == "files" and isinstance(value, UploadFile)]
        fields = {key: value for key, value in items if isinstance(value, str)}
        if not files:
            raise HTTPException(400, "Send at least one file in the field 'files'.")
        procedure = fields.get("procedure") or None
        if procedure is not None and procedure not in PROCEDURE_IDS:
            raise HTTPException(400, f"Unknown procedure; one of: {', '.join(PROCEDURE_IDS)}.")
        try:
            as_of = date.fromisoformat(fields["as_of"]) if fields.get("as_of") else date.today()
        except ValueError:
            raise HTTPException(400, "as_of must be a date such as 2026-11-23.") from None
        kinds = [_kind(upload) for upload in files]
        typed = [(upload, kind) for upload, kind in zip(files, kinds, strict=True) if kind]
        if len(typed) < len(files):
            raise _unusable(files, kinds)
        case_id = secrets.token_hex(16)
        ensure_private_dir(out / case_id)
        stored = _store(typed, out / case_id / "originals")
        record = {"as_of": as_of.isoformat(), "procedure": procedure}
        atomic_write(out / case_id / UPLOAD_RECORD, json.dumps(record))
        cases.submit(case_id)
        url = str(request.url_for("case_status", case_id=case_id))
        return Accepted(case_id=case_id, status_url=url, files=stored)

    @app.get(
        "/cases/{case_id}",
        response_model=CaseStatus,
        response_model_exclude_none=True,
        dependencies=guarded,
        tags=["cases"],
        responses={401: {}, 404: {}},
    )
    def case_status(case_id: str) -> CaseStatus:
        return cases.state(case_id)

    def _report_file(case_id: str, name: str) -> Path:
        path = cases.folder(case_id) / name
        if not path.is_file():
            raise HTTPException(404, "The report is not ready yet; see the case's state.")
        return path

    @app.get(
        "/cases/{case_id}/report.json",
        dependencies=guarded,
        tags=["cases"],
        response_class=FileResponse,
        responses={200: {"content": {"application/json": {}}}, 401: {}, 404: {}},
    )
    def report_json(case_id: str) -> FileResponse:
        return FileResponse(_report_file(case_id, "report.json"), media_type="application/json")

    @app.get(
        "/cases/{case_id}/report.html",
        dependencies=guarded,
        tags=["cases"],
        response_class=FileResponse,
        responses={200: {"content": {"text/html": {}}}, 401: {}, 404: {}},
    )
    def report_html(case_id: str) -> FileResponse:
        return FileResponse(
            _report_file(case_id, "report.html"),
            media_type="text/html",
            headers={"Content-Security-Policy": REPORT_CSP},
        )

    page = _upload_page(token_required=token is not None, max_upload_bytes=max_upload_bytes)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def upload_page() -> HTMLResponse:
        # The page holds no case data; the calls it makes carry the token the person enters.
        return HTMLResponse(page)

    return app


def _upload_page(*, token_required: bool, max_upload_bytes: int) -> str:
    environment = Environment(loader=PackageLoader("flows", "templates"), autoescape=True)
    return environment.get_template("upload.html.j2").render(
        procedures=PROCEDURE_IDS,
        token_required=token_required,
        max_upload_mb=max_upload_bytes // (1024 * 1024),
    )
