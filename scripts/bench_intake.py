"""Measure the watched inbox and the upload API against their targets, on the bundled sample
cases, through the real in-process case flow (the path both use without a Prefect server):

- watch: the report is written within settle + 2 s + the case's own processing time after its
  last file arrives;
- API: N concurrent uploads of 3-document cases are all processed, none lost; p50/p95 seconds
  from upload to report.

    .venv/bin/python scripts/bench_intake.py [--cases 20] [--settle 2] [--work DIR]

Prints one JSON object (also written to WORK/bench_intake.json)."""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx
import uvicorn

from flows.settings import configure_prefect

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CASES = [REPO / "samples" / "inbox" / name for name in ("c001", "c002")]
AS_OF = date(2026, 11, 23)


def _documents(case: Path) -> list[Path]:
    return sorted(p for p in case.iterdir() if p.name != "case.yaml")


def bench_watch(work: Path, settle: float) -> dict[str, float | bool]:
    from flows.deploy import CaseJob, CaseQueue, run_in_process
    from flows.watch import InboxWatcher

    inbox, out = work / "watch-inbox", work / "watch-out"
    inbox.mkdir(parents=True)
    queue = CaseQueue(2)
    sample = SAMPLE_CASES[0]
    baseline = work / "baseline"
    shutil.copytree(sample, baseline)
    started = time.perf_counter()
    run_in_process(CaseJob(baseline, "baseline", work / "baseline-out", AS_OF))
    processing = time.perf_counter() - started

    watcher = InboxWatcher(inbox, out, queue, settle=settle, as_of=AS_OF)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,))
    thread.start()
    try:
        case = inbox / "w001"
        case.mkdir()
        for path in sorted(sample.iterdir()):  # a scanner writing one page after another
            shutil.copyfile(path, case / path.name)
            time.sleep(0.3)
        last_arrival = time.perf_counter()
        report = out / "w001" / "report.json"
        while not report.is_file():
            time.sleep(0.05)
        latency = time.perf_counter() - last_arrival
        while case.exists():
            time.sleep(0.05)
        filed = time.perf_counter() - last_arrival
    finally:
        stop.set()
        thread.join()
    target = settle + 2 + processing
    return {
        "settle_seconds": settle,
        "case_processing_seconds": round(processing, 2),
        "report_after_last_file_seconds": round(latency, 2),
        "originals_filed_after_last_file_seconds": round(filed, 2),
        "target_seconds": round(target, 2),
        "within_target": latency <= target,
    }


def bench_api(work: Path, cases: int) -> dict[str, float | int]:
    from flows.api import create_app
    from flows.deploy import CaseQueue

    out = work / "api-out"
    app = create_app(out, CaseQueue(2))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    payloads = [
        [(path.name, path.read_bytes()) for path in _documents(case)] for case in SAMPLE_CASES
    ]

    def one_case(number: int) -> tuple[str, str, float]:
        files = [("files", item) for item in payloads[number % len(payloads)]]
        with httpx.Client(base_url=base, timeout=120) as client:
            started = time.perf_counter()
            accepted = client.post(
                "/cases",
                files=files,
                data={"procedure": "special_reentry", "as_of": AS_OF.isoformat()},
            )
            accepted.raise_for_status()
            case_id = accepted.json()["case_id"]
            while True:
                state = client.get(f"/cases/{case_id}").json()["state"]
                if state in ("done", "failed"):
                    return case_id, state, time.perf_counter() - started
                time.sleep(0.25)

    wall = time.perf_counter()
    try:
        with ThreadPoolExecutor(cases) as uploads:
            results = list(uploads.map(one_case, range(cases)))
    finally:
        server.should_exit = True
        thread.join()
    wall = time.perf_counter() - wall
    seconds = sorted(result[2] for result in results)
    reported = [r for r in results if (out / r[0] / "report.json").is_file()]
    return {
        "uploads": cases,
        "documents_per_case": len(payloads[0]),
        "done": sum(1 for r in results if r[1] == "done"),
        "failed": sum(1 for r in results if r[1] == "failed"),
        "lost": cases - len(reported),
        "upload_to_report_p50_seconds": round(statistics.median(seconds), 2),
        "upload_to_report_p95_seconds": round(statistics.quantiles(seconds, n=20)[-1], 2),
        "upload_to_report_max_seconds": round(seconds[-1], 2),
        "wall_seconds": round(wall, 2),
        "cases_per_minute": round(60 * cases / wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20, help="concurrent API uploads")
    parser.add_argument("--settle", type=float, default=2.0, help="watch settle seconds")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    options = parser.parse_args()
    configure_prefect()
    work = options.work or Path(tempfile.mkdtemp(prefix="docintake-bench-intake-"))
    work.mkdir(parents=True, exist_ok=True)
    result = {
        "watch": bench_watch(work, options.settle),
        "api": bench_api(work, options.cases),
    }
    text = json.dumps(result, indent=2)
    (work / "bench_intake.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
