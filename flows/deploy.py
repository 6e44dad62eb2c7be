"""How a case gets run. The watcher and the upload API hand every case to a CaseQueue and never
care where it runs: in this process (the default), or, when PREFECT_API_URL names a Prefect
server, as a run of the `docintake-case` deployment that `prefect worker` processes pick up
from a process work pool, on this machine or others that see the same folders."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL
from prefect.workers.process import ProcessWorker

from flows.batch import case_flow, without_heartbeats
from pipeline.errors import DocintakeError, UsageError
from schemas.report import CaseSummary, Report

POOL = "docintake"
DEPLOYMENT = "docintake-case"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = "flows/batch.py:case_flow"
POLL_SECONDS = 1.0
log = logging.getLogger(__name__)


class CaseFailed(DocintakeError):
    """A case's flow run ended without a report."""

    code = "CASE_FAILED"


@dataclass(frozen=True)
class CaseJob:
    """Everything a case's flow run needs, as values a deployment can carry."""

    case_dir: Path  # the folder holding the case's files (and its case.yaml, if any)
    case_id: str
    out: Path
    as_of: date
    procedure: str | None = None

    def parameters(self) -> dict[str, str | None]:
        return {
            "case_dir": str(self.case_dir.resolve()),
            "case_id": self.case_id,
            "out": str(self.out.resolve()),
            "as_of": self.as_of.isoformat(),
            "procedure": self.procedure,
        }


def server_mode() -> bool:
    """True when a Prefect server is configured (environment or profile): cases then run on
    its workers instead of in this process."""
    return bool(PREFECT_API_URL.value())


def run_in_process(job: CaseJob) -> CaseSummary:
    with without_heartbeats():
        return case_flow(job.case_dir, job.case_id, job.out, job.as_of, job.procedure)


def run_on_worker(job: CaseJob) -> CaseSummary:
    """Start a run of the deployment and wait for it. The case id is the idempotency key, so
    a case handed over again (after a restart) joins its existing run instead of doubling it."""
    flow_run = run_deployment(
        f"{case_flow.name}/{DEPLOYMENT}",
        parameters=job.parameters(),
        timeout=None,
        poll_interval=POLL_SECONDS,
        idempotency_key=f"{job.out.resolve()}::{job.case_id}",
        as_subflow=False,
    )
    report = job.out / job.case_id / "report.json"
    if flow_run.state is None or not flow_run.state.is_completed() or not report.is_file():
        state = flow_run.state.type.value if flow_run.state else "unknown"
        raise CaseFailed(f"flow run {flow_run.id} ended {state} without a report")
    from pipeline.report import summarize

    return summarize(Report.model_validate_json(report.read_text(encoding="utf-8")))


def connect_prefect() -> None:
    """Reach Prefect before the first case: the configured server (a clear error now rather
    than a failed case later), or the temporary in-process one, whose start (several seconds)
    would otherwise race between the first cases started at once."""
    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise UsageError(
            f"The Prefect server at {PREFECT_API_URL.value()} does not answer ({problem}). "
            "Start it (prefect server start) or unset PREFECT_API_URL to run in this process."
        )


class CaseQueue:
    """At most `concurrency` cases at once; the rest wait in arrival order. In server mode
    the limit bounds the runs this process waits on, and each worker's --limit bounds the
    cases read at once on its machine."""

    def __init__(
        self, concurrency: int, run: Callable[[CaseJob], CaseSummary] | None = None
    ) -> None:
        if run is None:
            connect_prefect()
        self.run = run or (run_on_worker if server_mode() else run_in_process)
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, concurrency), thread_name_prefix="docintake-case"
        )

    def submit(
        self, job: CaseJob, on_start: Callable[[], None] | None = None
    ) -> Future[CaseSummary]:
        def work() -> CaseSummary:
            if on_start:
                on_start()
            return self.run(job)

        return self._executor.submit(work)

    def shutdown(self) -> None:
        """Let the cases in progress finish; drop those still waiting (their files are kept,
        and the watcher or the API hands them over again on the next start)."""
        self._executor.shutdown(wait=True, cancel_futures=True)


def deploy(pool: str = POOL, source: Path = PROJECT_ROOT) -> str:
    """Register the per-case flow as a deployment on a process work pool (created if needed)
    and return its id. Workers must see `source` (the project) and the intake folders at the
    same paths, as the compose file arranges."""
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(
                WorkPoolCreate(name=pool, type="process", base_job_template=template)
            )
    deployment_id = case_flow.from_source(source=str(source), entrypoint=ENTRYPOINT).deploy(
        name=DEPLOYMENT,
        work_pool_name=pool,
        build=False,
        push=False,
        print_next_steps=False,
        ignore_warnings=True,
        description="Read, verify and report one docintake case.",
    )
    return str(deployment_id)
