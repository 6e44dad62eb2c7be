"""Server mode end to end: a real `prefect server`, the deployment from `docintake deploy`, a
`prefect worker` on a process pool, and the upload API handing cases to it."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import text_page

BIN = Path(sys.executable).parent
TOKEN = "server-mode-token-0123456789"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _until(condition: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


class _Processes:
    """Processes this test starts, each in a session of its own so that stopping one also
    stops the children it spawned (the server's API, the worker's flow runs)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, command: list[str], env: dict[str, str], cwd: Path) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.started.append(
            subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def stop(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[_Processes]:
    started = _Processes(tmp_path)
    yield started
    started.stop()


def test_deploy_needs_a_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    result = subprocess.run(
        [str(BIN / "docintake"), "deploy"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "PREFECT_API_URL" in result.stderr


def test_uploads_run_on_a_prefect_worker(tmp_path: Path, processes: _Processes) -> None:
    server_port, api_port = _free_port(), _free_port()
    prefect_api = f"http://127.0.0.1:{server_port}/api"
    env = os.environ | {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": prefect_api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "OMP_THREAD_LIMIT": "1",
    }
    processes.start(
        "server",
        [
            str(BIN / "prefect"),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(server_port),
        ],
        env,
        tmp_path,
    )
    assert _until(lambda: httpx.get(f"{prefect_api}/health").status_code == 200, 180), (
        tmp_path / "server.log"
    ).read_text(errors="replace")[-3000:]
    deployed = subprocess.run(
        [str(BIN / "docintake"), "deploy"], env=env, capture_output=True, text=True, timeout=180
    )
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    processes.start(
        "worker",
        [str(BIN / "prefect"), "worker", "start", "--pool", "docintake", "--limit", "2"],
        env,
        tmp_path,
    )
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    out = tmp_path / "out"
    processes.start(
        "api",
        [
            str(BIN / "docintake"),
            "serve",
            "--out",
            str(out),
            "--port",
            str(api_port),
            "--token-file",
            str(token_file),
        ],
        env,
        tmp_path,
    )
    api = f"http://127.0.0.1:{api_port}"
    assert _until(lambda: httpx.get(f"{api}/health").status_code == 200, 120), (
        tmp_path / "api.log"
    ).read_text(errors="replace")[-3000:]
    buffer = io.BytesIO()
    text_page().save(buffer, format="PNG")
    page = buffer.getvalue()
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def upload(number: int) -> str:
        files = [("files", (f"{number}-{side}.png", page, "image/png")) for side in "ab"]
        response = httpx.post(
            f"{api}/cases", files=files, data={"as_of": "2026-11-23"}, headers=auth, timeout=60
        )
        assert response.status_code == 202, response.text
        return response.json()["case_id"]

    with ThreadPoolExecutor(2) as uploads:
        case_ids = list(uploads.map(upload, range(2)))

    def state(case_id: str) -> str:
        return httpx.get(f"{api}/cases/{case_id}", headers=auth).json()["state"]

    logs = tmp_path / "worker.log"
    assert _until(lambda: all(state(c) in ("done", "failed") for c in case_ids), 400), (
        logs.read_text(errors="replace")[-3000:]
    )
    for case_id in case_ids:
        assert state(case_id) == "done", logs.read_text(errors="replace")[-3000:]
        report = httpx.get(f"{api}/cases/{case_id}/report.json", headers=auth).json()
        assert [d["file"] for d in report["documents"]] == ["01.png", "02.png"]
    runs = httpx.post(f"{prefect_api}/flow_runs/filter", json={}).json()
    case_runs = [run for run in runs if run["deployment_id"]]
    assert len(case_runs) == 2
    assert {run["work_pool_name"] for run in case_runs} == {"docintake"}
    assert {run["state_type"] for run in case_runs} == {"COMPLETED"}
